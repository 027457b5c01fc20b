"""Availability: successful samples / all samples of one capability in the judged window.

    ok / total >= target   -> pass;   no sample in the window -> unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import WINDOW_WORDS, WINDOWS, CheckInput, fmt_pct, judged_samples
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
    "Successful samples / all samples in the window must be >= target.",
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
    if window is None or not samples:
        return (
            Verdict(
                check="availability", capability=cap, status="unknown",
                message=f"{cap} availability unknown: no {cap} samples ({where})",
                target=target, unit="ratio", comparison=">=",
            ),
        )
    ok = sum(1 for s in samples if s.ok)
    ratio = ok / len(samples)
    passed = ratio >= target
    message = (
        f"{cap} availability {fmt_pct(ratio)} {'>=' if passed else '<'} target {fmt_pct(target)} "
        f"({ok}/{len(samples)} samples ok, {window.describe()})"
    )
    return (
        Verdict(
            check="availability", capability=cap, status="pass" if passed else "fail",
            message=message, target=target, measured=ratio, unit="ratio", comparison=">=",
            details={"ok": ok, "total": len(samples), "window": [window.start, window.end], "window_kind": window.kind},
        ),
    )


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
