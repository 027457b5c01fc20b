"""Sampling rate: did each probe of a capability sample at the rate it declared?

A verdict is only as good as its samples. Probes run open loop (drills/probes/base.py): tick k
of a probe is due at ``origin + k * period`` whatever is in flight, so its achieved rate is the
number of its ticks in the judged window that were *on time* per second of the window: the
sample started within one period of its intended time (a runner short of CPU starts them
late), or the tick was recorded ``overloaded`` (the schedule held; the samples in flight were
past their timeout: that is the system's failure, judged down by availability, not the
drill's). Each probe's declared period comes from its ``probe`` record (format 2), else the
scenario's period; format-1 samples (no intended time) count as on time. Per-site probes
(``via`` a site) are judged like the edge's, each against its own period; a probe that could
not start (its ``probe`` record has an ``error``) is the per_site check's business, not this one's.

    achieved / declared >= 90% for every probe -> pass;   below -> fail, and the run is an error
    (``Verdict.about == "drill"``): the drill did not measure what its other verdicts claim.
    No sample of the capability, or a window shorter than one period -> unknown.

The expected count is ``floor(window / period)`` ticks: a window of 10.5 periods holds 10 or
11 ticks of a perfect schedule, never fewer than 10.
"""

from __future__ import annotations

import math

from drills.checks.availability import AvailabilityTargets
from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_pct, in_window, judged_samples
from drills.model.result import Verdict

__all__ = ["MIN_RATIO", "check"]

MIN_RATIO = 0.9


def _rate(v: Verdict) -> str:
    return f"{v.details.get('worst_hz', 0):.2f} Hz"


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap = inp.subject
    window, _, where = judged_samples(inp, inp.targets.get(AvailabilityTargets).window)
    # every probe of the capability, edge and per-site: each must keep its own schedule
    samples = in_window(inp.timeline.samples(cap, via=None), window) if window else []
    declared = {p.probe: p.period for p in inp.timeline.probes(cap, via=None) if not p.error}
    names = list(dict.fromkeys([*declared, *(s.probe for s in inp.timeline.samples(cap, via=None))]))
    span = (window.end - window.start) if window else 0.0

    def unknown(why: str) -> tuple[Verdict, ...]:
        return (Verdict("sampling_rate", cap, "unknown", f"{cap} sampling rate unknown: {why} ({where})",
                        target=MIN_RATIO, unit="ratio", comparison=">=", about="drill"),)  # fmt: skip

    if window is None or not names or not samples:
        return unknown(f"no {cap} samples")
    probes: dict[str, dict[str, float]] = {}
    for name in names:
        period = declared.get(name, inp.probe_period)
        expected = math.floor(span / period + 1e-9) if period > 0 else 0
        if expected < 1:
            return unknown(f"the window is shorter than one period of probe {name}")
        mine = [s for s in samples if s.probe == name]
        on_time = sum(1 for s in mine if s.intended is None or s.t - s.intended <= period + 1e-9)
        probes[name] = {"hz": round(on_time / span, 3), "declared_hz": round(1 / period, 3), "on_time": on_time,
                        "late": len(mine) - on_time, "overloaded": sum(1 for s in mine if s.overloaded),
                        "expected": expected, "ratio": round(min(1.0, on_time / expected), 4)}  # fmt: skip
    worst_name = min(probes, key=lambda n: probes[n]["ratio"])
    worst = probes[worst_name]
    passed = worst["ratio"] >= MIN_RATIO
    each = "; ".join(f"{n} {p['hz']:g}/{p['declared_hz']:g} Hz" for n, p in probes.items())
    message = (f"{cap} sampled at {fmt_pct(worst['ratio'])} of the declared rate {'>=' if passed else '<'} "
               f"{fmt_pct(MIN_RATIO)} ({each}; {window.describe()})")  # fmt: skip
    return (Verdict("sampling_rate", cap, "pass" if passed else "fail", message, target=MIN_RATIO,
                    measured=worst["ratio"], unit="ratio", comparison=">=", about="drill",
                    details={"probes": probes, "worst": worst_name, "worst_hz": worst["hz"],
                             "window": [window.start, window.end]}),)  # fmt: skip


def finding(v: Verdict) -> str:
    return (f"the drill measured {v.subject} too sparsely to be trusted: it sampled at {_rate(v)}, "
            f"{format(v.measured or 0, '.0%')} of the declared rate (needed {v.target_text()}); "
            "the runner was overloaded, so the run is an error")


register(Check(
    "sampling_rate", "capability", check,
    summary="Each probe of the capability started samples at >= 90% of its declared rate (else the run is an error).",
    labels={"sampling_rate": "sampling rate"}, finding=finding,
))
