"""A run whose runner was killed: the next ``drill`` command finalises its bundle (status killed,
verdicts recomputed from the saved timeline, manifest), so verify and history see it.

The killed run is made from a fake run's bundle cut back to mid-fault, and a run record naming a
process that has exited (the real SIGKILL is in tests/integration/test_interrupts.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from drills.cli import main
from drills.engine import runs
from drills.model.result import DrillResult
from drills.report.bundle import verify_bundle
from drills.report.finalise import finalise_stale
from tests.unit.engine_fakes import SHORT_CUT, World, run_scenario

BODY = "name: killed-one\n" + SHORT_CUT


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def killed_bundle(tmp_path: Path, *, cut_at_phase: str = "fault") -> Path:
    """A bundle as a SIGKILL during ``cut_at_phase`` leaves it: scenario.yaml and a timeline that stops
    two seconds into that phase; no result.json, no manifest; its run record names a dead pid."""
    run_scenario(tmp_path, BODY, World())
    bundle = tmp_path / "bundle"
    lines = (bundle / "timeline.jsonl").read_text().splitlines()
    start = next(json.loads(x)["t"] for x in lines if json.loads(x).get("phase") == cut_at_phase)
    kept = [x for x in lines if json.loads(x).get("kind") == "header" or json.loads(x).get("t", 0) <= start + 2]
    (bundle / "timeline.jsonl").write_text("\n".join(kept) + "\n")
    for f in bundle.iterdir():
        if f.is_file() and f.name not in ("timeline.jsonl", "scenario.yaml"):
            f.unlink()
    rec = runs.register("killed-one-run", "drills-killed-one-run", "run", [], bundle=str(bundle),
                        scenario=str(tmp_path / "scenario.yaml"))  # fmt: skip
    path = runs.state_dir() / "runs" / "killed-one-run.json"
    path.write_text(path.read_text().replace(f'"pid": {rec.pid}', f'"pid": {dead_pid()}'))
    return bundle


def test_a_killed_runs_bundle_is_finalised_verifiable_and_says_where_it_died(tmp_path: Path) -> None:
    bundle = killed_bundle(tmp_path)
    assert [r.run_id for r in runs.unfinalised()] == ["killed-one-run"]
    said: list[str] = []
    assert finalise_stale(said.append) == [bundle]
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    assert result.status == "killed"
    assert "was killed during fault" in result.error
    assert [p.phase for p in result.phases][-1] == "fault"
    assert any(v.check == "availability" for v in result.verdicts)  # recomputed from the saved timeline
    assert verify_bundle(bundle) == []
    env = json.loads((bundle / "environment.json").read_text())
    assert env["provenance"]["trigger"] and "operator" in env["provenance"]  # kept at bring-up, before the kill
    pid = runs.records()["killed-one-run"].pid
    assert said == [f"drill: run killed-one-run was killed (pid {pid} gone); its bundle is finalised: {bundle}/"]
    assert runs.unfinalised() == []  # once
    assert finalise_stale(said.append) == []


def test_any_command_finalises_and_history_lists_the_killed_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle = killed_bundle(tmp_path)
    assert main(["history", str(bundle.parent)]) == 0
    out, err = capsys.readouterr()
    assert "killed-one-run was killed" in err
    assert "killed" in out
    assert main(["verify", str(bundle)]) == 0


def test_a_live_runs_bundle_is_left_alone(tmp_path: Path) -> None:
    bundle = killed_bundle(tmp_path)
    runs.register("killed-one-run", "drills-killed-one-run", "run", [], bundle=str(bundle))  # this process: alive
    assert runs.unfinalised() == []
    assert not (bundle / "result.json").exists()


def test_a_record_written_before_bundles_were_recorded_still_reads(tmp_path: Path) -> None:
    path = runs.state_dir() / "runs" / "old.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"run_id": "old", "project": "drills-old", "pid": dead_pid(), "host": "h",
                                "kind": "run", "files": [], "started_utc": "2026-12-01T00:00:00+00:00"}))  # fmt: skip
    assert runs.records()["old"].bundle == ""
    assert runs.unfinalised() == []
