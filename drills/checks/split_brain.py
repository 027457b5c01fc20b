"""Split brain: two datastore primaries acknowledging writes at once.

Judged from the database's own identity when the acknowledgements carry it (``system_id`` and
``timeline`` on each Write; the reference messenger reports both): across *every* key and stream
of one cluster, ordered by acknowledgement time,

    two nodes acknowledged writes on the same timeline           -> fail (both were primary)
    a write acknowledged on a timeline older than one already     -> fail (a stale primary still
    seen                                                             took writes after a promotion)
    A(tl 1) ... B(tl 2) ... A(tl 3)                               -> pass (failover, then switch-back)

so pg-a acknowledging chat while pg-b acknowledges deploys fails, and a switch-back after the heal
(a new promotion, a new timeline) passes. The verdict is per stream: a stream fails when its
writes belong to a cluster where either rule fired.

Without that identity (older timelines, other stacks) the fallback is per key, on ``primary``
alone: ordered by ack time the primaries of one key must form runs that never come back
(``A A B A`` fails, and so does a legitimate switch-back: a human reads the ids). Writes without
any identity are ignored (counted in details); when none carries one, the verdict is unknown.
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


def _node(w: Write) -> str:
    return w.primary.split("@", 1)[0]


def cluster_violations(writes: list[Write]) -> list[str]:
    """For one cluster's acked writes (every stream and key): each rule that fired, in words."""
    out: list[str] = []
    by_timeline: dict[int, dict[str, Write]] = {}
    newest: Write | None = None
    newest_tl = -1
    for w in sorted(writes, key=lambda x: x.t):
        if w.timeline is None:  # the caller keeps only writes that report it
            continue
        first_by_node = by_timeline.setdefault(w.timeline, {})
        if _node(w) not in first_by_node and first_by_node:
            other = next(iter(first_by_node.values()))
            out.append(f"timeline {w.timeline} had two primaries: {_node(other)} acknowledged {other.stream} "
                       f"{other.id} at {fmt_t(other.t)} and {_node(w)} acknowledged {w.stream} {w.id} at {fmt_t(w.t)}")
        first_by_node.setdefault(_node(w), w)
        if newest is not None and w.timeline < newest_tl:
            out.append(f"{_node(w)} acknowledged {w.stream} {w.id} at {fmt_t(w.t)} on timeline {w.timeline}, after "
                       f"{_node(newest)} had acknowledged {newest.stream} {newest.id} on timeline {newest_tl} "
                       f"at {fmt_t(newest.t)}")
        if w.timeline > newest_tl:
            newest, newest_tl = w, w.timeline
    return list(dict.fromkeys(out))


def _by_identity(inp: CheckInput, stream: str, acked: list[Write]) -> Verdict:
    everything = [w for w in inp.timeline.writes() if w.acked and w.system_id and w.timeline is not None]
    clusters = sorted({w.system_id for w in acked if w.system_id and w.timeline is not None})
    found = [v for c in clusters for v in cluster_violations([w for w in everything if w.system_id == c])]
    nodes = sorted({f"{_node(w)} (timeline {w.timeline})" for w in everything if w.system_id in clusters})
    details = {"clusters": clusters, "primaries": nodes, "violations": found,
               "without_identity": sum(1 for w in acked if not w.system_id or w.timeline is None)}  # fmt: skip
    if found:
        more = f" (+{len(found) - 1} more)" if len(found) > 1 else ""
        return Verdict(check="split_brain", capability=stream, status="fail", target=0.0, measured=float(len(found)),
                       unit="count", comparison="==", details=details,
                       message=f"{stream} split brain: {found[0]}{more}")  # fmt: skip
    return Verdict(check="split_brain", capability=stream, status="pass", target=0.0, measured=0.0, unit="count",
                   comparison="==", details=details,
                   message=f"{stream}: no split brain, one primary per timeline and no write on an older timeline "
                           f"(across every stream of the cluster; primaries seen: {', '.join(nodes)})")  # fmt: skip


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    if not inp.targets.get(SplitBrainTargets).enabled:
        return ()
    stream = inp.subject
    acked = [w for w in inp.timeline.writes() if w.stream == stream and w.acked]
    if any(w.system_id and w.timeline is not None for w in acked):
        return (_by_identity(inp, stream, acked),)
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
    found = v.details.get("violations") or []
    why = f": {found[0]}" if found else ""
    return f"two datastore primaries accepted {v.subject} writes at once (split brain){why}"


register(Check(
    "split_brain", "stream", check,
    summary="Two datastore primaries acknowledging writes at once: two nodes on one timeline, or a write on "
    "an older timeline than one already seen, across every stream of the cluster.",
    targets=SplitBrainTargets, schema=SCHEMA, build=build, labels={"split_brain": "split brain"}, finding=finding,
))
