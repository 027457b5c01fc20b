"""Max outage: the longest run of consecutive failed samples of one capability.

A run lasts from its first failed sample's start to the next successful sample's
start, or to the window end when it never recovered. ``bound`` is the probe period
(an outage shorter than one period can fall between two samples).

    longest <= target -> pass;   no sample in the window -> unknown.
"""

from __future__ import annotations

from drills.model.result import Verdict
from drills.checks.common import CheckInput, failure_runs, fmt_d, fmt_t, judged_samples

__all__ = ["check"]


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, target = inp.subject, inp.targets.max_outage
    window, samples, where = judged_samples(inp)
    if window is None or not samples:
        return (
            Verdict(
                check="max_outage", capability=cap, status="unknown",
                message=f"{cap} max outage unknown: no {cap} samples ({where})",
                target=target, unit="s", comparison="<=",
            ),
        )
    runs = failure_runs(samples, window.end)
    if not runs:
        return (
            Verdict(
                check="max_outage", capability=cap, status="pass",
                message=f"{cap} max outage 0s <= target {fmt_d(target)} (no failed sample in {len(samples)}, {window.describe()})",
                target=target, measured=0.0, unit="s", comparison="<=", bound=inp.probe_period,
                details={"runs": 0},
            ),
        )
    worst = max(runs, key=lambda r: r.duration)
    passed = worst.duration <= target
    until = f"recovered at {fmt_t(worst.end)}" if worst.recovered else f"not recovered by the window end {fmt_t(worst.end)}"
    message = (
        f"{cap} max outage {fmt_d(worst.duration)} {'<=' if passed else '>'} target {fmt_d(target)} "
        f"({worst.samples} failed samples from {fmt_t(worst.start)}, {until}; {len(runs)} outage(s) in {window.describe()})"
    )
    return (
        Verdict(
            check="max_outage", capability=cap, status="pass" if passed else "fail",
            message=message, target=target, measured=worst.duration, unit="s", comparison="<=",
            bound=inp.probe_period,
            details={
                "runs": len(runs),
                "longest": {"start": worst.start, "end": worst.end, "samples": worst.samples, "recovered": worst.recovered},
            },
        ),
    )
