"""rejoin: once its power is back, is the restored site whole again - and how long did that take?

One verdict per site a power cut took down, for scenarios with ``restore:`` (the subject is the
site). The run's rejoin phase reads the site's state every second (drills/engine/restore.py) and
records it on each change (``rejoin`` records): *ready* when the site's datastore is a streaming,
in-sync replica again (or the primary) and every service of the site runs and is healthy.

    power back    the start of the heal of the cut that took the site down (its power returns):
                  of several cuts of the site, the latest of their heals (each cut's first
                  successful heal, its own or the heal-all ``*``)
    rejoined      the first ready record after it (one read before it says nothing)

    rejoin time = rejoined - power back

    a cut of the site never healed     -> unknown (the run never restored it)
    no record after the power's return -> unknown (the run never reached the rejoin phase)
    never ready, given up (``final``)  -> fail, with what was still missing
      or still waiting past the target
    never ready, the wait cut short    -> unknown (e.g. an abort ended the rejoin phase early)
      before the target
    rejoin time > target               -> fail
    otherwise                          -> pass

A site that is back for the edge but whose datastore never caught up is what this catches: the
next cut of the other site would then lose data or find no synchronous standby to promote.
Disabled (no verdict) with ``checks: {rejoin: {enabled: false}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_d, fmt_t, is_heal_of
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus, format_value
from drills.model.schema_parts import boolean, duration, obj
from drills.model.timeline import FaultEvent, Timeline

__all__ = ["RejoinTargets", "check", "power_back"]


@dataclass(frozen=True)
class RejoinTargets:
    check: ClassVar[str] = "rejoin"
    enabled: bool = True
    target: float = 60.0  # the reference replica rejoins in ~10-20 s (pg_rewind, then the sync standby)


SCHEMA = obj(
    "After the restore, the restored site must rejoin within target: its datastore a streaming, in-sync "
    "replica again and every service of the site healthy (needs restore:).",
    {
        "enabled": boolean("Judge it (default true)."),
        "target": duration("Longest tolerated time from the power's return to the site having rejoined (default 60s)."),
    },
)


def build(fields: Fields, base: RejoinTargets) -> RejoinTargets:
    f = fields.child("rejoin")
    return RejoinTargets(enabled=bool(f.get("enabled", base.enabled)), target=f.duration("target", base.target))


def power_back(timeline: Timeline, site: str) -> FaultEvent | None:
    """The heal that gave ``site`` its power back: the latest of the first successful heals of the
    faults that cut it (their inject names the site as cut). None when nothing cut it, or a cut of
    it was never healed: its power did not come back (an earlier cut's heal does not count for it)."""
    events = timeline.faults()
    heals = sorted((e for e in events if e.action == "heal" and e.ok), key=lambda e: e.t)
    back: FaultEvent | None = None
    for cut in (e for e in events if e.action == "inject" and e.ok and e.cut_site == site):
        heal = next((h for h in heals if h.t >= cut.t and is_heal_of(h.fault, cut.fault)), None)
        if heal is None:
            return None
        back = heal if back is None or heal.t > back.t else back
    return back


def _wait_end(timeline: Timeline, last: float) -> float:
    """When the rejoin phase ended, seen from its last record at ``last``: the next phase's start."""
    return min((p.t for p in timeline.phases() if p.t >= last and p.phase != "rejoin"), default=last)


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    t = inp.targets.get(RejoinTargets)
    if not t.enabled:
        return ()
    site = inp.subject
    details: dict[str, Any] = {"site": site}

    def verdict(status: VerdictStatus, message: str, measured: float | None = None) -> Verdict:
        return Verdict(check="rejoin", capability=site, status=status, message=message, target=t.target,
                       measured=measured, unit="s", comparison="<=", details=details)  # fmt: skip

    back = power_back(inp.timeline, site)
    if back is None:
        return (verdict("unknown", f"site {site}: rejoin unknown: no heal of its cut on the timeline"),)
    details.update(power_back=back.t, fault=back.fault)
    records = [r for r in inp.timeline.rejoins(site) if r.t >= back.t]  # one read before says nothing
    if not records:
        return (verdict("unknown", f"site {site}: rejoin unknown: the run never reached the rejoin phase"),)
    ready = next((r for r in records if r.ready), None)
    last = records[-1]
    details.update(states=len(records), last=last.detail)
    if ready is None:
        waited = (last.t if last.final else _wait_end(inp.timeline, last.t)) - back.t
        if not last.final and waited <= t.target:
            return (verdict("unknown", f"site {site}: rejoin unknown: the wait ended {fmt_d(waited)} after its "
                                       f"power's return at {fmt_t(back.t)}, before the target, not ready yet: "
                                       f"{last.detail}"),)  # fmt: skip
        return (verdict("fail", f"site {site} did not rejoin within {fmt_d(waited)} of its power's return at "
                                f"{fmt_t(back.t)}: {last.detail}", None),)  # fmt: skip
    took = ready.t - back.t
    details.update(rejoined=ready.t, detail=ready.detail)
    passed = took <= t.target
    return (verdict("pass" if passed else "fail",
                    f"site {site} rejoined {fmt_d(took)} after its power's return at {fmt_t(back.t)} "
                    f"{'<=' if passed else '>'} target {fmt_d(t.target)} ({ready.detail})", took),)  # fmt: skip


def finding(v: Verdict) -> str:
    if v.measured is None:
        return f"site {v.capability} never rejoined after the restore ({v.details.get('last', v.message)})"
    return (f"site {v.capability} took {format_value(v.measured, 's')} to rejoin after the restore "
            f"(allowed {v.target_text()})")  # fmt: skip


register(
    Check(
        "rejoin",
        "site",
        check,
        summary="After the restore (`restore:`), each restored site must rejoin within target: its datastore a "
        "streaming, in-sync replica again and every service of the site healthy, from the power's return.",
        targets=RejoinTargets,
        schema=SCHEMA,
        build=build,
        labels={"rejoin": "restored site rejoined"},
        finding=finding,
    )
)
