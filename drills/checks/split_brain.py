"""Split brain: two primaries acknowledging writes for the same (stream, key), interleaved.

Ordered by ack time, the primaries of one key must form runs that never come back:

    A A A B B B          failover: pass
    A A B A B            interleaved (A..B..A): fail, listing the writes from the last
                         write before the overlap to the first write after it

A switch-back after heal also reads as A..B..A; with only ``primary`` per write the
check cannot tell them apart, so it fails and lets a human read the ids.
Writes without ``primary`` are ignored (counted in details); when no write carries
one, the verdict is unknown: primary identity was not reported, nothing is proven.
Disabled (no verdict) when the scenario says ``checks: {split_brain: false}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_t
from drills.model.fields import Fields
from drills.model.result import Verdict
from drills.model.schema_parts import boolean
from drills.model.timeline import Write

__all__ = ["SplitBrainTargets", "check", "interleavings"]


@dataclass(frozen=True)
class SplitBrainTargets:
    check: ClassVar[str] = "split_brain"
    enabled: bool = True


SCHEMA = boolean("Judge split brain: two primaries acknowledging writes for one key, interleaved (default true).")


def build(fields: Fields, base: SplitBrainTargets) -> SplitBrainTargets:
    return SplitBrainTargets(enabled=bool(fields.get("split_brain", base.enabled)))


def interleavings(writes: list[Write]) -> list[tuple[str, str, list[str]]]:
    """For one key's acked writes: (primary, primary, overlapping ids) per overlapping pair."""
    ordered = sorted(writes, key=lambda w: w.t)
    spans: dict[str, tuple[float, float]] = {}
    for w in ordered:
        lo, _ = spans.get(w.primary, (w.t, w.t))
        spans[w.primary] = (lo, w.t)
    out = []
    for p, q in combinations(sorted(spans), 2):
        lo = max(spans[p][0], spans[q][0])
        hi = min(spans[p][1], spans[q][1])
        if lo > hi:
            continue
        before = [w for w in ordered if w.t < lo]
        after = [w for w in ordered if w.t > hi]
        start = before[-1].t if before else lo
        end = after[0].t if after else hi
        ids = [w.id for w in ordered if start <= w.t <= end and w.primary in (p, q)]
        out.append((p, q, ids))
    return out


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    if not inp.targets.get(SplitBrainTargets).enabled:
        return ()
    stream = inp.subject
    acked = [w for w in inp.timeline.writes() if w.stream == stream and w.acked]
    known = [w for w in acked if w.primary]
    if not acked or not known:
        why = f"no acknowledged {stream} writes were recorded" if not acked else \
            f"primary identity was not reported by any of {len(acked)} acknowledged {stream} writes"
        return (Verdict(check="split_brain", capability=stream, status="unknown", target=0.0, unit="count",
                        comparison="==", message=f"{stream} split brain unknown: {why}"),)
    by_key: dict[str, list[Write]] = {}
    for w in known:
        by_key.setdefault(w.key, []).append(w)
    found = [(key, p, q, ids) for key, ws in by_key.items() for p, q, ids in interleavings(ws)]
    primaries = sorted({w.primary for w in known})
    details = {"primaries": primaries, "keys": len(by_key), "without_primary": len(acked) - len(known),
               "interleaved": [{"key": k, "primaries": [p, q], "ids": ids} for k, p, q, ids in found]}
    if found:
        key, p, q, ids = found[0]
        first = min(w.t for w in by_key[key] if w.id in ids)
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        return (Verdict(check="split_brain", capability=stream, status="fail", target=0.0,
                        measured=float(len(found)), unit="count", comparison="==", details=details,
                        message=f"{stream} split brain: primaries {p} and {q} both acknowledged writes for "
                                f"{key} interleaved from {fmt_t(first)} (ids: {', '.join(ids)}){more}"),)
    note = f"; {len(acked) - len(known)} writes without primary ignored" if len(known) < len(acked) else ""
    return (Verdict(check="split_brain", capability=stream, status="pass", target=0.0, measured=0.0, unit="count",
                    comparison="==", details=details,
                    message=f"{stream}: no split brain, each of {len(by_key)} key(s) had one primary at a time "
                            f"(primaries seen: {', '.join(primaries)}{note})"),)


def finding(v: Verdict) -> str:
    return f"both sites accepted {v.subject} writes during the partition (split brain)"


register(Check(
    "split_brain", "stream", check,
    summary="Two datastore primaries acknowledging writes for one key in overlapping intervals.",
    targets=SplitBrainTargets, schema=SCHEMA, build=build, labels={"split_brain": "split brain"}, finding=finding,
))
