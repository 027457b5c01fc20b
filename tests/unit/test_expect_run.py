"""``drill run`` on a scenario with ``expect:``, through the real lifecycle wired to the engine fakes
(tests/unit/engine_fakes.py): the exit code, what it prints, and what the bundle's result.json,
summary.md, report.html and junit.xml say about the expectation."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from drills.cli import main
from drills.errors import TopologyError
from tests.unit.engine_fakes import SHORT_CUT, FaultScript, World, cli_world

pytestmark = pytest.mark.timeout(20)

SCENARIO = "name: known-bad\ndescription: Site a loses power for 4s; devtools has no failover.\n" + SHORT_CUT
DECLARED = "expect:\n  status: failed\n  failing:\n    - {check: availability, capability: devtools}\n"
ALSO_OUTAGE = DECLARED + "    - {check: max_outage, capability: devtools}\n"


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> World:
    return cli_world(tmp_path, monkeypatch)


def run(tmp_path: Path, expect: str) -> int:
    (tmp_path / "repo" / "known-bad.yaml").write_text(SCENARIO + expect)
    return main(["run", "--no-live", "--reports", str(tmp_path / "reports"), "known-bad.yaml"])


def bundle(tmp_path: Path) -> Path:
    (only,) = sorted((tmp_path / "reports").iterdir())
    return only


def devtools_down(world: World) -> None:
    world.scripts["cut-a"] = FaultScript(downs={"devtools": "HTTP 503 no primary"})


def test_failing_exactly_as_declared_exits_0_and_says_so(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devtools_down(world)
    assert run(tmp_path, DECLARED) == 0
    out = capsys.readouterr().out
    assert "known-bad: EXPECTED FAILURE CONFIRMED" in out
    assert "expected failure confirmed: availability[devtools]" in out
    assert "✗ (expected) devtools availability" in out
    b = bundle(tmp_path)
    result = json.loads((b / "result.json").read_text())
    assert result["status"] == "failed"  # what the system did: the mistake is still there
    assert result["expectation"]["outcome"] == "confirmed"
    assert result["expectation"]["failing"] == [{"check": "availability", "capability": "devtools"}]

    summary = (b / "summary.md").read_text()
    assert summary.startswith("## ☑️ EXPECTED FAILURE CONFIRMED: drill `known-bad`")
    assert "> **Expected failure confirmed:** the scenario declares" in summary
    assert "| availability | devtools |" in summary and "❌ fail (expected) |" in summary
    html = (b / "report.html").read_text()
    assert 'class="verdict v-confirmed" id="verdict">EXPECTED FAILURE CONFIRMED<' in html
    assert 'id="expectation">Expected failure confirmed:' in html and "FAIL (expected)" in html

    suite = ET.fromstring((b / "junit.xml").read_text()).find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    declared = cases["availability[devtools]"]
    assert declared.find("failure") is None
    assert declared.find("properties/property[@name='expected_failure']") is not None
    assert (declared.findtext("system-out") or "").startswith("expected failure (declared in the scenario's expect:)")
    assert cases["expect[*]"].find("failure") is None
    assert cases["expect[*]"].findtext("system-out") == ("expected failure confirmed: failed exactly as declared: "
                                                         "availability[devtools]")  # fmt: skip
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["expectation"] == "confirmed" and props["status"] == "failed"


def test_a_known_bad_drill_that_passed_exits_1_with_the_reason(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(tmp_path, DECLARED) == 1
    out = capsys.readouterr().out
    assert "known-bad: PASSED (NOT AS DECLARED)" in out
    assert ("expected failure NOT confirmed: the drill passed, but it is declared to fail on "
            "availability[devtools]") in out  # fmt: skip
    b = bundle(tmp_path)
    assert json.loads((b / "result.json").read_text())["expectation"]["outcome"] == "unexpected"
    summary = (b / "summary.md").read_text()
    assert summary.startswith("## ❌ PASSED (NOT AS DECLARED): drill `known-bad`")
    assert "> **Not as declared:** the scenario declares" in summary
    assert 'class="verdict v-failed"' in (b / "report.html").read_text()
    suite = ET.fromstring((b / "junit.xml").read_text()).find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    failure = next(c for c in suite.iter("testcase") if c.get("name") == "expect[*]").find("failure")
    assert failure is not None and failure.get("type") == "unexpected"
    assert "the drill passed" in (failure.get("message") or "")


def test_failing_differently_exits_1_and_names_the_difference(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devtools_down(world)
    assert run(tmp_path, ALSO_OUTAGE) == 1
    out = capsys.readouterr().out
    assert "known-bad: FAILED (NOT AS DECLARED)" in out
    assert "expected failure NOT confirmed: failed differently: declared but max_outage[devtools] passed" in out
    suite = ET.fromstring((bundle(tmp_path) / "junit.xml").read_text()).find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["availability[devtools]"].find("failure") is None  # it did fail as declared
    assert cases["expect[*]"].find("failure") is not None


def test_a_broken_environment_still_exits_3(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.stack.errors["up"] = TopologyError("pg-a never became healthy")
    assert run(tmp_path, DECLARED) == 3
    out = capsys.readouterr().out
    assert "expected failure NOT confirmed: the run ended as error" in out and "pg-a never became healthy" in out


def test_drill_report_rejudges_the_expectation_from_the_bundle(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    devtools_down(world)
    assert run(tmp_path, DECLARED) == 0
    b = bundle(tmp_path)
    # The bundle's scenario now declares one more failure than the timeline shows: re-judged offline.
    (b / "scenario.yaml").write_text(SCENARIO + ALSO_OUTAGE)
    capsys.readouterr()
    assert main(["report", "--force", str(b)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("FAILED (NOT AS DECLARED): known-bad")
    assert "expect: unexpected: failed differently: declared but max_outage[devtools] passed" in out
    assert "The declared expectation is now unexpected (result.json: confirmed)." in out
