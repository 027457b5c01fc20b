"""failback: the planned switchover back to the restored site, judged like the failover.

Scenarios whose ``restore:`` has a ``failback`` play it as an operator action (id ``failback``,
judged by activation[failback]: it must succeed, within its own target) in the failback phase.
This check judges what the users saw meanwhile, per capability:

    window   the failback phase: from the start of the action to the end of its settle (the start
             of the next phase: steady-after, verify or teardown)
    outage   the capability's longest run not up in the window (its one signal, as max_outage
             reads it: drills/checks/common.py)

    no failback phase on the timeline  -> no verdict (the scenario has none), or unknown when the
                                          failback was declared but not performed (its action's
                                          record says why, e.g. the site never rejoined)
    no sample in the window            -> unknown
    not up again by the window end     -> fail (it never recovered from the switchover)
    longest outage > max_outage        -> fail
    otherwise                          -> pass

RPO and split brain are judged over the whole run, the failback included: the ledger is read back
after it (rpo[*]: every write acknowledged before, during and after the switchover), and
split_brain accepts the switch-back only as a new promotion on a newer timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, Window, fmt_d, fmt_t, outages, probe_period, signal
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus, format_value
from drills.model.scenario import FAILBACK_ID
from drills.model.schema_parts import duration, obj
from drills.model.timeline import Timeline

__all__ = ["FailbackTargets", "check", "failback_window"]


@dataclass(frozen=True)
class FailbackTargets:
    check: ClassVar[str] = "failback"
    max_outage: float = 15.0  # a planned switchover of the reference replica: a few seconds


SCHEMA = obj(
    "The failback (restore.failback): each capability's longest outage during it must be <= max_outage, and it "
    "must be up again by the end of the failback's settle.",
    {"max_outage": duration("Longest tolerated outage during the failback (default 15s).")},
)


def build(fields: Fields, base: FailbackTargets) -> FailbackTargets:
    return FailbackTargets(max_outage=fields.child("failback").duration("max_outage", base.max_outage))


def failback_window(timeline: Timeline) -> Window | None:
    """The failback phase as a window, or None when the run has none."""
    phases = timeline.phases()
    for i, p in enumerate(phases):
        if p.phase == "failback":
            end = phases[i + 1].t if i + 1 < len(phases) else max((s.end for s in timeline.samples()), default=p.t)
            return Window(p.t, max(p.t, end), "failback")
    return None


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, target = inp.subject, inp.targets.get(FailbackTargets).max_outage
    tl = inp.timeline

    def verdict(status: VerdictStatus, message: str, measured: float | None = None, **details: object) -> Verdict:
        return Verdict(check="failback", capability=cap, status=status, message=message, target=target,
                       measured=measured, unit="s", comparison="<=", details=dict(details))  # fmt: skip

    window = failback_window(tl)
    if window is None:
        rec = next((a for a in tl.actions() if a.id == FAILBACK_ID), None)
        if rec is None:
            return ()
        return (verdict("unknown", f"{cap} failback unknown: the failback was not performed ({rec.error})"),)
    samples = [s for s in tl.samples(cap) if window.start <= s.t < window.end]
    if not samples:
        return (verdict("unknown", f"{cap} failback unknown: no {cap} samples ({window.describe()})"),)
    spans = signal(tl, cap, window.start, window.end, inp.probe_period)
    runs = outages(spans, tl.samples(cap))
    bound = probe_period(tl, cap, inp.probe_period)
    where = window.describe()
    if not runs:
        return (verdict("pass", f"{cap} failback outage 0s <= target {fmt_d(target)} (no failed sample in "
                                f"{len(samples)}, {where})", 0.0, window=[window.start, window.end], runs=0,
                        bound=bound),)  # fmt: skip
    worst = max(runs, key=lambda r: r.duration)
    unrecovered = [r for r in runs if not r.recovered]
    details = {"window": [window.start, window.end], "runs": len(runs), "worst_start": worst.start, "bound": bound}
    if unrecovered:
        r = unrecovered[-1]
        return (verdict("fail", f"{cap} not back after the failback: down from {fmt_t(r.start)} to the window end "
                                f"{fmt_t(r.end)} ({fmt_d(r.duration)}, {r.samples} failed samples; {where})",
                        worst.duration, **details, recovered=False),)  # fmt: skip
    passed = worst.duration <= target
    return (verdict("pass" if passed else "fail",
                    f"{cap} failback outage {fmt_d(worst.duration)} {'<=' if passed else '>'} target {fmt_d(target)} "
                    f"({worst.samples} failed samples from {fmt_t(worst.start)}, recovered at {fmt_t(worst.end)}; "
                    f"{len(runs)} outage(s) in {where})", worst.duration, **details, recovered=True),)  # fmt: skip


def finding(v: Verdict) -> str:
    if v.details.get("recovered") is False:
        return f"{v.capability} did not come back after the failback"
    if v.measured is None:
        return f"{v.capability}: the failback was not judged ({v.message})"
    return (f"{v.capability} was down {format_value(v.measured, 's')} during the failback "
            f"(allowed {v.target_text()})")  # fmt: skip


register(
    Check(
        "failback",
        "capability",
        check,
        summary="The planned switchover back (`restore.failback`): each capability's longest outage during the "
        "failback phase must be within max_outage, and it must be up again by the phase's end; RPO and split brain "
        "are judged over the whole run, the failback included.",
        targets=FailbackTargets,
        schema=SCHEMA,
        build=build,
        labels={"failback": "failback outage"},
        finding=finding,
    )
)
