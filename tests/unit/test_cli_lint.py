"""``drill lint`` on the shipped scenarios and on bad input (no Docker engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.cli import main
from drills.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = sorted(p.relative_to(ROOT) for p in (ROOT / "scenarios").glob("*.yaml"))
BAD = Path(__file__).parent / "data" / "bad"


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.mark.parametrize("scenario", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_every_shipped_scenario_lints_clean_unless_it_declares_a_dualization_failure(
    scenario: Path, at_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expect = load_scenario(scenario).expect  # a variant is a known mistake, or (manual-activation) a sound design
    broken = expect is not None and any(f.check == "dualization" for f in expect.failing)
    assert main(["lint", str(scenario)]) == (1 if broken else 0)
    out = capsys.readouterr().out
    assert out.startswith(f"{scenario}  (")
    assert ("FAIL" in out) == broken


def test_devtools_one_site_is_flagged_for_devtools_only_with_its_paths(
    at_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "scenarios/devtools-one-site.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "scenarios/devtools-one-site.yaml  (devtools-one-site: docker-compose.yml + variant devtools-one-site)",
        "  ok    chat",
        "  ok    login",
        "  FAIL  devtools: 3 finding(s)",
    ]
    assert "    - [no-instance] devtools has no instance in site b: losing site a takes it down" in lines
    assert "        path: devtools-a -> DRILLS_DB_HOSTS -> devtools-db-a" in lines
    assert lines[-1] == "lint: 3 finding(s) in 1 of 1 scenario(s)"


def test_kakao_2022_devtools_in_both_sites_is_flagged_for_its_store_in_one(
    at_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "scenarios/kakao-2022.yaml"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == [
        "scenarios/kakao-2022.yaml  (kakao-2022: docker-compose.yml + variant kakao-2022)",
        "  ok    chat",
        "  ok    login",
        "  FAIL  devtools: 2 finding(s)",
    ]
    assert "    - [cross-site] losing site a takes devtools-b (site b) down: it needs devtools-db-a, in site a" in lines
    assert "        path: devtools-b -> DRILLS_DB_HOSTS -> devtools-db-a" in lines
    assert not any("[no-instance]" in line for line in lines)  # devtools does run in site b


def test_async_replication_is_flagged_because_its_rpo_target_is_zero(
    at_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", "scenarios/async-replication.yaml"]) == 1
    out = capsys.readouterr().out
    assert "[async-replication] Patroni cluster drills (pg-a, pg-b) replicates asynchronously" in out


def test_all_lints_every_scenario_of_the_directory(at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["lint", "--all"])
    out = capsys.readouterr().out
    assert all(f"{p}  (" in out for p in SHIPPED)
    assert code == (1 if "FAIL" in out else 0)


def test_clean_scenarios_exit_0(at_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "scenarios/site-a-power-cut.yaml", "scenarios/site-b-power-cut.yaml"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "lint: 2 scenario(s), every capability survives losing any one site"
    )


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["lint", "scenarios/nope.yaml"], "drill: error: scenarios/nope.yaml: no such scenario file"),
        (["lint"], "drill: error: name a scenario file (e.g. scenarios/site-a-power-cut.yaml) or use --all"),
        (["lint", str(BAD / "bad-yaml.yaml")], f"drill: error: {BAD / 'bad-yaml.yaml'}:"),
        (["lint", str(BAD / "unknown-variant.yaml")], f"drill: error: {BAD / 'unknown-variant.yaml'}:"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    argv: list[str], error: str, at_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(error) and captured.err.count("\n") == 1
