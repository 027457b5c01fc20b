"""Max outage: the longest time one capability was down without a break.

An outage is a span of the judged window in which the capability's one signal
(drills/checks/common.py, docs/measuring.md) is not up: with several probes, any of them down
makes the capability down; time without a sample counts too. It lasts from the start of the
sample that went down to the start of the sample that came back, or to the window end when it
never recovered. ``bound`` is the probe period (an outage shorter than one period can fall
between two samples).

    longest <= target -> pass;   no sample in the window -> unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.availability import AvailabilityTargets
from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_d, fmt_t, judged_samples, outages, probe_period, signal
from drills.model.fields import Fields
from drills.model.result import Verdict, format_value
from drills.model.schema_parts import duration, obj

__all__ = ["MaxOutageTargets", "check"]


@dataclass(frozen=True)
class MaxOutageTargets:
    check: ClassVar[str] = "max_outage"
    target: float = 15.0  # well below a 30 s site cut; a failover here takes ~9 s


SCHEMA = obj(
    "Longest time the capability was down without a break must be <= target.",
    {"target": duration("Longest tolerated outage (default 15s).")},
)


def build(fields: Fields, base: MaxOutageTargets) -> MaxOutageTargets:
    return MaxOutageTargets(target=fields.child("max_outage").duration("target", base.target))


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, target = inp.subject, inp.targets.get(MaxOutageTargets).target
    window, samples, where = judged_samples(inp, inp.targets.get(AvailabilityTargets).window)
    if window is None or not samples:
        return (
            Verdict(
                check="max_outage", capability=cap, status="unknown",
                message=f"{cap} max outage unknown: no {cap} samples ({where})",
                target=target, unit="s", comparison="<=",
            ),
        )
    spans = signal(inp.timeline, cap, window.start, window.end, inp.probe_period)
    runs = outages(spans, inp.timeline.samples(cap))
    period = probe_period(inp.timeline, cap, inp.probe_period)
    if not runs:
        return (
            Verdict(
                check="max_outage", capability=cap, status="pass",
                message=f"{cap} max outage 0s <= target {fmt_d(target)} "
                f"(no failed sample in {len(samples)}, {window.describe()})",
                target=target, measured=0.0, unit="s", comparison="<=", bound=period,
                details={"runs": 0},
            ),
        )
    worst = max(runs, key=lambda r: r.duration)
    passed = worst.duration <= target
    until = (
        f"recovered at {fmt_t(worst.end)}" if worst.recovered else f"not recovered by the window end {fmt_t(worst.end)}"
    )
    message = (
        f"{cap} max outage {fmt_d(worst.duration)} {'<=' if passed else '>'} target {fmt_d(target)} "
        f"({worst.samples} failed samples from {fmt_t(worst.start)}, {until}; "
        f"{len(runs)} outage(s) in {window.describe()})"
    )
    return (
        Verdict(
            check="max_outage", capability=cap, status="pass" if passed else "fail",
            message=message, target=target, measured=worst.duration, unit="s", comparison="<=",
            bound=period,
            details={
                "runs": len(runs),
                "longest": {
                    "start": worst.start, "end": worst.end, "samples": worst.samples, "recovered": worst.recovered,
                },
            },
        ),
    )


def finding(v: Verdict) -> str:
    if v.measured is None:
        return f"longest outage of {v.subject} failed"
    return f"the longest outage of {v.subject} lasted {format_value(v.measured, 's')} (allowed {v.target_text()})"


register(Check(
    "max_outage", "capability", check,
    summary="The longest time the capability was down without a break, over the availability window.",
    targets=MaxOutageTargets, schema=SCHEMA, build=build, labels={"max_outage": "longest outage"}, finding=finding,
))
