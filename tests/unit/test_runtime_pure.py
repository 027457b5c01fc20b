"""Pure parts of the runtime: probe loop, toxic mapping, run records, progress lines."""

from __future__ import annotations

import io
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drills.engine import runs
from drills.engine.progress import LineProgress, LiveState
from drills.faults.wan import Slicer, Wan, toxics_for


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
