"""Interrupted and killed drills on the real engine: nothing of the run is left, the bundle verifies.

One representative case of each kind (the whole matrix and the random SIGKILLs are
bench/interrupts.py, through the same :func:`bench.interrupts.interrupt_once`):

    SIGTERM mid-fault    abandoned, not healed: exit 143, status interrupted, nothing labelled
                         with the run left, the reaper gone, the bundle verifies
    SIGKILL mid-fault    the runner cannot clean up: its reaper removes the stack; the next drill
                         command finalises the bundle (status killed), which verifies
    SIGKILL at bring-up  while compose up creates the containers: the orphaned compose goes on
                         creating, the reaper goes on removing until nothing is left
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.interrupts import SCENARIO, Outcome, interrupt_once

pytestmark = pytest.mark.integration


def clean(out: Outcome) -> None:
    assert out.gone_s is not None, f"left behind: {out.left}"
    assert out.reaper_gone, "the run's reaper container is still there"


def test_sigterm_mid_fault_abandons_the_run_exits_143_and_leaves_a_verifiable_bundle(tmp_path: Path) -> None:
    out = interrupt_once(SCENARIO, tmp_path, "SIGTERM", "fault")
    assert out.exit_code == 143
    clean(out)
    assert (out.status, out.verified) == ("interrupted", True)
    [bundle] = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert (bundle / "logs").is_dir()  # the containers' logs were kept before the stack was removed
    assert '"action":"heal"' not in (bundle / "timeline.jsonl").read_text()  # abandoned, not healed


def test_sigkill_mid_fault_is_reaped_and_the_bundle_finalised_as_killed(tmp_path: Path) -> None:
    out = interrupt_once(SCENARIO, tmp_path, "SIGKILL", "fault")
    assert out.exit_code == -9
    clean(out)
    assert (out.status, out.verified) == ("killed", True)


def test_sigkill_during_bring_up_leaves_nothing(tmp_path: Path) -> None:
    out = interrupt_once(SCENARIO, tmp_path, "SIGKILL", "bringup")
    assert out.exit_code == -9
    clean(out)
    assert (out.status, out.verified) == ("killed", True)
