"""``drill run`` end to end through ``drills.cli.main``: the real lifecycle, wired to the engine fakes
(tests/unit/engine_fakes.py: fake clock, stack, probes and faults), so the command's own duties are
what is tested: the exit code per outcome, the table and findings it prints, the evidence bundle,
the JUnit copy, and Ctrl-C."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from drills.cli import main
from drills.engine.lifecycle import Interrupted
from drills.errors import TopologyError
from drills.report.bundle import verify_bundle
from tests.unit.engine_fakes import SHORT_CUT, FaultScript, World, cli_world

pytestmark = pytest.mark.timeout(20)  # a fake clock that stopped advancing must not hang the suite

SCENARIO = "name: cli-run\ndescription: Site a loses power for 4s.\n" + SHORT_CUT


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    w = cli_world(tmp_path, monkeypatch)
    (tmp_path / "repo" / "cli-run.yaml").write_text(SCENARIO)
    return w


def bundles(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "reports").iterdir())


def run(tmp_path: Path, *extra: str) -> int:
    return main(["run", "--no-live", "--reports", str(tmp_path / "reports"), *extra, "cli-run.yaml"])


def test_a_passing_drill_exits_0_with_its_table_and_evidence(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "out" / "junit.xml"
    junit.parent.mkdir()
    assert run(tmp_path, "--junit", str(junit)) == 0
    out = capsys.readouterr().out
    (bundle,) = bundles(tmp_path)
    assert bundle.name.endswith("-cli-run")
    assert "drill cli-run: Site a loses power for 4s." in out
    assert "cli-run: PASSED" in out
    assert f"evidence: {bundle}/" in out
    assert (bundle / "result.json").is_file() and (bundle / "timeline.jsonl").is_file()
    assert junit.read_bytes() == (bundle / "junit.xml").read_bytes()
    assert "✗" not in out
    assert world.stack.calls[-1] == "close" and "down" in world.stack.calls


def test_a_failed_check_exits_1_and_names_each_finding(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.scripts["cut-a"] = FaultScript(downs={"devtools": "HTTP 503 no primary"})  # no failover for devtools
    assert run(tmp_path) == 1
    out = capsys.readouterr().out
    assert "cli-run: FAILED" in out
    findings = [line for line in out.splitlines() if line.lstrip().startswith("✗")]
    assert findings and all("devtools" in line for line in findings)


def test_a_broken_environment_exits_3_with_the_error(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.stack.errors["up"] = TopologyError("pg-a never became healthy")
    assert run(tmp_path) == 3
    out = capsys.readouterr().out
    assert "error: " in out and "pg-a never became healthy" in out
    (bundle,) = bundles(tmp_path)
    assert (bundle / "result.json").is_file()  # a broken run still leaves its evidence


def test_ctrl_c_abandons_the_run_and_exits_130(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.scripts["cut-a"] = FaultScript(inject_error=KeyboardInterrupt())
    assert run(tmp_path) == 130
    out = capsys.readouterr().out
    (bundle,) = bundles(tmp_path)
    said = "interrupted by SIGINT during fault with cut-a still injected; abandoned: the stack was removed"
    assert f"drill cli-run: {said}; evidence: {bundle}/" in out
    result = json.loads((bundle / "result.json").read_text())
    assert result["status"] == "interrupted"
    assert "abandon" in world.stack.calls and "down" not in world.stack.calls


def test_sigterm_abandons_the_run_and_exits_143(world: World, tmp_path: Path) -> None:
    world.scripts["cut-a"] = FaultScript(inject_error=Interrupted(signal.SIGTERM))
    assert run(tmp_path) == 143
    (bundle,) = bundles(tmp_path)
    assert json.loads((bundle / "result.json").read_text())["status"] == "interrupted"
    assert verify_bundle(bundle) == []
