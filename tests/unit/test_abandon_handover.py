"""ComposeStack.abandon: the runner removes an interrupted run's stack itself for a bounded time,
then leaves the rest to the run's reaper, so an interrupt exits in seconds whatever the engine does.

The engine calls are replaced (sweep, leftovers, engine_client in drills.engine.compose_stack); the
reaper is a recorder of release() (BYE: nothing left) and close() (dropped: the reaper sweeps).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import drills.engine.compose_stack as cs
from drills.adapters.sweep import SweepReport
from drills.errors import TeardownError


class Reaper:
    def __init__(self) -> None:
        self.said: list[str] = []

    def release(self) -> None:
        self.said.append("bye")

    def close(self) -> None:
        self.said.append("dropped")


class Client:
    def close(self) -> None:
        pass


class Engine:
    """Sweeps that take as long as ``gate`` stays shut; ``left`` is what a listing finds afterwards."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.left = SweepReport()
        self.sweeps = 0
        monkeypatch.setattr(cs, "engine_client", Client)
        monkeypatch.setattr(cs, "sweep", self.sweep)
        monkeypatch.setattr(cs, "leftovers", lambda client, run_id: self.left)

    def sweep(self, client: Any, run_id: str) -> SweepReport:
        self.sweeps += 1
        self.gate.wait(10)
        return SweepReport(containers=["pg-a"]) if self.sweeps == 1 else SweepReport()


def stack(reaper: Reaper | None) -> cs.ComposeStack:
    s = object.__new__(cs.ComposeStack)
    s.run_id, s.reaper = "run-1", reaper  # type: ignore[assignment]
    return s


def test_a_removal_done_in_time_says_bye_to_the_reaper(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, reaper = Engine(monkeypatch), Reaper()
    assert stack(reaper).abandon(within=5.0) == ""
    assert engine.sweeps == 2  # a second round: a create may have been in flight
    assert reaper.said == ["bye"]


def test_a_slow_removal_is_left_to_the_reaper_and_the_runner_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, reaper = Engine(monkeypatch), Reaper()
    engine.gate.clear()  # the engine is still killing containers when the time is up
    s = stack(reaper)
    try:
        note = s.abandon(within=0.2)
    finally:
        engine.gate.set()
    assert note.startswith("the run's reaper is removing what is left")
    assert reaper.said == ["dropped"]  # no BYE: the reaper sweeps the run
    assert s.reaper is None


def test_without_a_reaper_the_runner_waits_for_its_own_removal(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine(monkeypatch)
    engine.gate.clear()
    threading.Timer(0.5, engine.gate.set).start()
    assert stack(None).abandon(within=0.1) == ""  # nobody else would remove it
    assert engine.sweeps == 2


def test_what_is_left_after_the_removal_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    engine, reaper = Engine(monkeypatch), Reaper()
    engine.left = SweepReport(networks=["drills-x_site_a"])
    with pytest.raises(TeardownError, match="site_a"):
        stack(reaper).abandon(within=5.0)
    assert reaper.said == []  # not released: it still sweeps when the runner lets go
