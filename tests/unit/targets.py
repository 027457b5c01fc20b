"""Test helper: check targets spelled as the flat keywords the check tests are written in."""

from __future__ import annotations

from typing import Any

from drills.checks.availability import AvailabilityTargets
from drills.checks.max_outage import MaxOutageTargets
from drills.checks.rpo import RpoTargets
from drills.checks.rto import RtoTargets
from drills.checks.split_brain import SplitBrainTargets
from drills.model.scenario import Targets


def flat_targets(**kw: Any) -> Targets:
    """``flat_targets(rto=2.0, window="faults")`` -> Targets holding each check's params."""
    known = {"availability", "window", "max_outage", "rto", "rto_stable", "stable_for", "rpo", "duplicates",
             "split_brain"}  # fmt: skip
    unknown = set(kw) - known
    if unknown:
        raise TypeError(f"unknown target keyword(s): {', '.join(sorted(unknown))}")
    av, mo, rt, rp, sb = AvailabilityTargets(), MaxOutageTargets(), RtoTargets(), RpoTargets(), SplitBrainTargets()
    rto = kw.get("rto", rt.target)
    return Targets.of(
        AvailabilityTargets(kw.get("availability", av.target), kw.get("window", av.window)),
        MaxOutageTargets(kw.get("max_outage", mo.target)),
        RtoTargets(
            rto, kw.get("rto_stable", rto if "rto" in kw else rt.stable_target), kw.get("stable_for", rt.stable_for)
        ),
        RpoTargets(kw.get("rpo", rp.target), kw.get("duplicates", rp.duplicates)),
        SplitBrainTargets(kw.get("split_brain", sb.enabled)),
    )
