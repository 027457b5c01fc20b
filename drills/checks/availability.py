"""Availability: the fraction of the judged window's *time* in which one capability was up.

    up seconds / window seconds >= target   -> pass;   no sample of it near the window -> unknown.

"Up" is the capability's one signal (drills/checks/common.py, docs/measuring.md): every probe
of it up at that instant. Time without evidence (no sample for two periods) is not up.
A sample count is not a measure of time: closed loops, retries or timeouts space samples
unevenly, and a slow timeout would weigh as little as a fast 503.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import WINDOW_WORDS, WINDOWS, CheckInput, fmt_d, fmt_pct, judged_samples, signal, time_in
from drills.model.fields import Fields
from drills.model.result import Verdict, format_value
from drills.model.schema_parts import obj, string

__all__ = ["AvailabilityTargets", "check"]


@dataclass(frozen=True)
class AvailabilityTargets:
    check: ClassVar[str] = "availability"
    target: float = 0.9
    window: str = "faults+settle"  # also the window max_outage judges


SCHEMA = obj(
    "The share of the window's time in which the capability was up must be >= target.",
    {
        "target": {"type": "number", "minimum": 0, "maximum": 1, "description": "Minimum ratio, 0..1 (default 0.9)."},
        "window": string(
            "faults+settle (default): first fault inject to end of settle; faults: first inject to heal-all; "
            "all: every sample.",
            enum=list(WINDOWS),
        ),
    },
)


def build(fields: Fields, base: AvailabilityTargets) -> AvailabilityTargets:
    f = fields.child("availability")
    return AvailabilityTargets(target=float(f.get("target", base.target)), window=str(f.get("window", base.window)))


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    targets = inp.targets.get(AvailabilityTargets)
    cap, target = inp.subject, targets.target
    window, samples, where = judged_samples(inp, targets.window)
    if window is None or not samples or window.end <= window.start:
        return (
            Verdict(
                check="availability", capability=cap, status="unknown",
                message=f"{cap} availability unknown: no {cap} samples ({where})",
                target=target, unit="ratio", comparison=">=",
            ),
        )
    spans = signal(inp.timeline, cap, window.start, window.end, inp.probe_period)
    total = window.end - window.start
    up, down, unknown = (time_in(spans, state) for state in ("up", "down", "unknown"))
    ratio = up / total
    passed = ratio >= target
    ok = sum(1 for s in samples if s.ok)
    no_data = f", {fmt_d(unknown)} without a sample" if unknown > 0 else ""
    message = (
        f"{cap} availability {fmt_pct(ratio)} {'>=' if passed else '<'} target {fmt_pct(target)} "
        f"(up {fmt_d(up)} of {fmt_d(total)}{no_data}; {ok}/{len(samples)} samples ok, {window.describe()})"
    )
    return (
        Verdict(
            check="availability", capability=cap, status="pass" if passed else "fail",
            message=message, target=target, measured=ratio, unit="ratio", comparison=">=",
            details={"up_s": round(up, 4), "down_s": round(down, 4), "unknown_s": round(unknown, 4),
                     "ok": ok, "total": len(samples), "window": [window.start, window.end],
                     "window_kind": window.kind},
        ),
    )  # fmt: skip


def finding(v: Verdict) -> str:
    if v.measured is None:
        return f"availability of {v.subject} failed"
    window = WINDOW_WORDS.get(str(v.details.get("window_kind", "")), "judged window")
    return (f"{v.subject} was unavailable for {format_value(1 - v.measured, 'ratio')} of the {window} "
            f"(target: available {v.target_text()})")


register(Check(
    "availability", "capability", check,
    summary="The share of the judged window in which the capability served its users.",
    targets=AvailabilityTargets, schema=SCHEMA, build=build, labels={"availability": "availability"}, finding=finding,
))
