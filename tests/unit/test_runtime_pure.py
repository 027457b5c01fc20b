"""Pure parts of the runtime: probe loop, toxic mapping, run records, progress lines."""

from __future__ import annotations

import io
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drills.engine import runs
from drills.engine.progress import LineProgress, LiveState
from drills.faults.wan import Slicer, Wan, toxics_for
from drills.model.timeline import Sample, TimelineWriter, Write, read_timeline
from drills.probes.base import Outcome, ProbeLoop


class FlakyProbe:
    """ok, fail, raise, ok ... and stops the loop after ``limit`` samples."""

    name, capability = "flaky", "chat"

    def __init__(self, stop: threading.Event, limit: int) -> None:
        self.n, self.stop, self.limit = 0, stop, limit

    def sample(self) -> Outcome:
        self.n += 1
        if self.n >= self.limit:
            self.stop.set()
        kind = self.n % 3
        if kind == 0:
            raise RuntimeError("probe bug")
        w = Write(t=float(self.n), stream="chat", key="r", id=f"m{self.n}", acked=kind == 1)
        return Outcome(kind == 1, "" if kind == 1 else "HTTP 503", "a", (w,))


def test_probe_loop_records_failures_and_probe_bugs_as_data(tmp_path: Path) -> None:
    stop = threading.Event()
    ticks = iter(range(10_000))
    with TimelineWriter(tmp_path / "t.jsonl") as tl:
        loop = ProbeLoop(FlakyProbe(stop, 6), tl, lambda: next(ticks) * 0.001, period=0.0, stop=stop)
        loop.start()
        loop.join(5)
    samples = read_timeline(tmp_path / "t.jsonl").samples()
    assert [s.ok for s in samples] == [True, False, False, True, False, False]
    assert samples[2].error == "probe error: probe bug"
    assert samples[1].error == "HTTP 503" and samples[0].site == "a"
    writes = read_timeline(tmp_path / "t.jsonl").writes()
    assert [w.id for w in writes] == ["m1", "m2", "m4", "m5"]  # the raising samples wrote nothing
    assert all(isinstance(s, Sample) for s in samples) and loop.count == 6


def test_probe_loop_stops_when_asked_and_is_bounded(tmp_path: Path) -> None:
    stop = threading.Event()
    with TimelineWriter(tmp_path / "t.jsonl") as tl:
        loop = ProbeLoop(FlakyProbe(threading.Event(), 10**9), tl, lambda: 0.0, period=0.0, stop=stop,
                         max_samples=50)  # fmt: skip
        loop.start()
        loop.join(5)
    assert loop.count == 50 and not loop.thread.is_alive()


def test_wan_fault_maps_every_field_to_its_toxic() -> None:
    w = Wan(link="edge_a_chat", latency=0.05, jitter=0.01, bandwidth_kbps=64, timeout=2.0, reset_peer=True,
            slicer=Slicer(average_size=64, size_variation=8, delay=0.001))  # fmt: skip
    got = {name: (kind, attrs) for name, kind, attrs in toxics_for("slow", w)}
    assert got == {
        "slow-latency": ("latency", {"latency": 50, "jitter": 10}),
        "slow-bandwidth": ("bandwidth", {"rate": 64}),
        "slow-timeout": ("timeout", {"timeout": 2000}),
        "slow-reset": ("reset_peer", {"timeout": 0}),
        "slow-slicer": ("slicer", {"average_size": 64, "size_variation": 8, "delay": 1000}),
    }
    assert toxics_for("x", Wan(link="l", down=True)) == []


def test_run_ids_are_compose_safe_and_unique() -> None:
    now = datetime(2026, 11, 28, 20, 0, 0, tzinfo=UTC)
    a, b = runs.new_run_id("Site A: power cut!", now), runs.new_run_id("Site A: power cut!", now)
    assert a.startswith("site-a-power-cut-20261128t200000-") and a != b
    assert a == a.lower() and all(ch.isalnum() or ch == "-" for ch in a)


def test_run_records_know_stale_from_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLS_STATE_DIR", str(tmp_path))
    mine = runs.register("r-alive", "drills-r-alive", "run", ["docker-compose.yml"])
    assert not runs.is_stale(mine)
    dead = runs.RunRecord("r-dead", "drills-r-dead", 2**22 + 12345, mine.host, "run", (), "")
    assert runs.is_stale(dead)
    assert not runs.is_stale(runs.RunRecord("r-up", "p", 2**22 + 12345, mine.host, "up", (), ""))
    assert set(runs.records()) == {"r-alive"}
    runs.unregister("r-alive")
    assert runs.records() == {}
    assert os.getpid() == mine.pid


def test_line_progress_prints_changes_not_every_tick() -> None:
    out = io.StringIO()
    lp = LineProgress(stream=out, every=3600)
    state = LiveState("steady", 1.0, [], {"chat": True, "devtools": None})
    lp.update(state)
    lp.update(LiveState("steady", 1.2, [], {"chat": True, "devtools": None}))
    lp.update(LiveState("fault", 5.0, ["cut-a"], {"chat": False, "devtools": None}))
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    assert "fault" in lines[1] and "cut-a" in lines[1] and "chat DOWN" in lines[1]
