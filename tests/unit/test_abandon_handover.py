"""ComposeStack.abandon: the runner removes an interrupted run's stack itself for a bounded time,
then leaves the rest to the run's reaper, so an interrupt exits in seconds whatever the engine does.

The engine calls are replaced (sweep, leftovers, engine_client in drills.engine.compose_stack); the
reaper is a recorder of release() (BYE: nothing left) and close() (dropped: the reaper sweeps).
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import drills.engine.compose_stack as cs
from drills.adapters.sweep import SweepReport, _each
from drills.errors import EngineUnavailable, TeardownError

ROOT = Path(__file__).resolve().parents[2]


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


def test_an_engine_that_does_not_answer_is_the_error_not_a_lost_outcome(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable() -> Client:
        raise EngineUnavailable("the engine did not answer a ping")

    monkeypatch.setattr(cs, "engine_client", unreachable)
    reaper = Reaper()
    with pytest.raises(EngineUnavailable, match="ping"):
        stack(reaper).abandon(within=5.0)
    assert reaper.said == []  # not released: the reaper sweeps when the runner lets go


def test_a_removal_still_in_flight_does_not_hold_the_runner_at_exit(tmp_path: Path) -> None:
    # the interpreter waits for a thread pool's workers when it exits; the sweep's threads must not
    # hold an interrupted runner that handed its removal over to the reaper
    finished = tmp_path / "finished"
    script = f"""
import threading, time
from pathlib import Path
from drills.adapters.sweep import _each

def slow(resource):
    time.sleep(30)
    Path({str(finished)!r}).write_text("removal finished")

worker = threading.Thread(target=_each, args=(slow, ["pg-a", "pg-b"]), daemon=True)
worker.start()
worker.join(0.2)
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=20, check=False, capture_output=True)
    assert done.returncode == 0, done.stderr
    assert not finished.exists()


def test_a_failure_inside_a_removal_thread_reaches_the_caller() -> None:
    def broken(resource: Any) -> None:
        raise ConnectionError(f"engine went away removing {resource}")

    with pytest.raises(ConnectionError, match="removing pg-a"):
        _each(broken, ["pg-a"])
