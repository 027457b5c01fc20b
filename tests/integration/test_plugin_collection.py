"""The pytest plugin: scenario files become test items only when asked (--drills-scenarios or the
drills_scenarios ini option), and a broken file is shown as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKEN = "name: broken\nfaults:\n  - {id: x, type: power_cut, site: a, at: 1s}\nsettel: 3s\n"


@pytest.fixture(autouse=True)
def _engine_for_integration() -> None:
    """These tests need no Docker engine: they only collect, or fail before anything starts."""


def run_pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def _items(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if "::" in ln]


def test_every_scenario_file_is_a_test_item_with_the_flag() -> None:
    res = run_pytest("--collect-only", "-q", "--drills-scenarios", "scenarios/")
    assert res.returncode == 0, res.stdout + res.stderr
    items = [ln for ln in res.stdout.splitlines() if ln.startswith("scenarios/")]
    assert sorted(items) == sorted(f"scenarios/{p.name}::{p.stem}" for p in (ROOT / "scenarios").glob("*.yaml"))


def test_without_the_flag_nothing_is_collected_and_the_hint_says_how() -> None:
    res = run_pytest("--collect-only", "-q", "scenarios/")
    assert res.returncode == 5, res.stdout + res.stderr  # 5: no tests collected
    assert _items(res.stdout) == []
    n = len(list((ROOT / "scenarios").glob("*.yaml")))
    assert f"drills: {n} scenario file(s) not collected: pass --drills-scenarios" in res.stdout


def test_a_scenarios_folder_is_ignored_by_default(tmp_path: Path) -> None:
    # A project that happens to keep YAML data in a folder named scenarios, next to its tests.
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "load.yaml").write_text("name: not-a-drill\n")
    (tmp_path / "test_app.py").write_text("def test_ok() -> None:\n    assert True\n")
    res = run_pytest("--collect-only", "-q", "--rootdir", str(tmp_path), str(tmp_path), cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert _items(res.stdout) == ["test_app.py::test_ok"]
    assert "drills:" not in res.stdout  # the folder was not named: no hint either


def test_the_ini_option_turns_collection_on(tmp_path: Path) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "one.yaml").write_text("name: one\n")
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\ndrills_scenarios = true\n")
    res = run_pytest("--collect-only", "-q", cwd=tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
    assert _items(res.stdout) == ["scenarios/one.yaml::one"]
    (tmp_path / "pyproject.toml").write_text("[tool.pytest.ini_options]\ndrills_scenarios = false\n")
    res = run_pytest("--collect-only", "-q", cwd=tmp_path)
    assert res.returncode == 5 and _items(res.stdout) == [], res.stdout + res.stderr


def test_a_broken_scenario_fails_with_its_one_line_error(tmp_path: Path) -> None:
    scen = tmp_path / "scenarios"
    scen.mkdir()
    (scen / "broken.yaml").write_text(BROKEN)
    res = run_pytest("-q", "--drills-scenarios", "--rootdir", str(tmp_path), str(scen), cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "drill: error:" in res.stdout and "settel" in res.stdout
    assert "Traceback" not in res.stdout
