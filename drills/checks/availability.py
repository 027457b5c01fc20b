"""Availability: successful samples / all samples of one capability in the judged window.

    ok / total >= target   -> pass;   no sample in the window -> unknown.
"""

from __future__ import annotations

from drills.model.result import Verdict
from drills.checks.common import CheckInput, fmt_pct, judged_samples

__all__ = ["check"]


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, target = inp.subject, inp.targets.availability
    window, samples, where = judged_samples(inp)
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
