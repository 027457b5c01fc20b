"""The pytest plugin's scenario items with ``expect:`` behave like strict xfail: xfailed when the drill
failed exactly as declared, failed when it passed or failed differently. The drill itself is replaced
by a canned result (in process, through pytester), so no engine is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from drills.engine import lifecycle
from drills.model.expectation import judge
from drills.model.result import DrillResult, RunStatus, Verdict
from drills.model.scenario import Scenario

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.timeout(20)

REPO = Path(__file__).parent / "data" / "repo"
SCENARIO = """\
name: known-bad
faults:
  - {id: cut-a, type: power_cut, site: a, at: 3s, duration: 30s}
"""
EXPECT = "expect: {status: failed, failing: [{check: failover, capability: devtools}]}\n"


def canned(failing: set[str]) -> Any:
    """A run_drill that judges a literal set of verdicts instead of running anything."""

    def run_drill(scenario: Scenario, bundle_dir: Path, progress: Any, **_: Any) -> DrillResult:
        verdicts = tuple(Verdict(check, cap, "fail" if f"{check}[{cap}]" in failing else "pass", f"{check} of {cap}")
                         for check in ("failover", "availability") for cap in ("chat", "devtools"))  # fmt: skip
        status: RunStatus = "failed" if failing else "passed"
        exp = judge(scenario.expect, verdicts, status) if scenario.expect is not None else None
        return DrillResult(run_id="r1", scenario_name=scenario.name, scenario_path=str(scenario.path),
                           scenario_digest=scenario.digest, status=status, started_utc="", ended_utc="",
                           verdicts=verdicts, expectation=exp)  # fmt: skip

    return run_drill


def items(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, text: str, failing: set[str]) -> Any:
    for entry in REPO.iterdir():  # the unit-test topology at the root: load_scenario finds it
        (pytester.path / entry.name).symlink_to(entry)
    (pytester.path / "scenarios").mkdir()
    (pytester.path / "scenarios" / "known-bad.yaml").write_text(text)
    monkeypatch.setattr(lifecycle, "run_drill", canned(failing))
    return pytester.runpytest_inprocess("--drills-scenarios", "-rxX", "-p", "no:cacheprovider", "scenarios")


def test_failing_as_declared_is_xfailed(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    res = items(pytester, monkeypatch, SCENARIO + EXPECT, {"failover[devtools]"})
    res.assert_outcomes(xfailed=1)
    assert "expected failure confirmed: failover[devtools]" in res.stdout.str()


def test_passing_when_declared_to_fail_fails(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    res = items(pytester, monkeypatch, SCENARIO + EXPECT, set())
    res.assert_outcomes(failed=1)
    assert ("expected failure NOT confirmed: the drill passed, but it is declared to fail on failover[devtools]"
            in res.stdout.str())  # fmt: skip


def test_failing_differently_fails_and_names_it(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    res = items(pytester, monkeypatch, SCENARIO + EXPECT, {"failover[devtools]", "availability[chat]"})
    res.assert_outcomes(failed=1)
    assert ("expected failure NOT confirmed: failed differently: failing but not declared: availability[chat]"
            in res.stdout.str())  # fmt: skip


def test_without_expect_a_pass_passes_and_a_failure_fails(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    items(pytester, monkeypatch, SCENARIO, set()).assert_outcomes(passed=1)
    monkeypatch.setattr(lifecycle, "run_drill", canned({"failover[devtools]"}))
    res = pytester.runpytest_inprocess("--drills-scenarios", "-p", "no:cacheprovider", "scenarios")
    res.assert_outcomes(failed=1)
    assert "✗ failover of devtools" in res.stdout.str()
