"""The pytest plugin: scenario files as test items, and a broken file shown as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _engine_for_integration() -> None:
    """These tests need no Docker engine: they only collect, or fail before anything starts."""


def run_pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_every_scenario_file_is_a_test_item() -> None:
    res = run_pytest("--collect-only", "-q", "scenarios/")
    assert res.returncode == 0, res.stdout + res.stderr
    items = [ln for ln in res.stdout.splitlines() if ln.startswith("scenarios/")]
    assert sorted(items) == sorted(f"scenarios/{p.name}::{p.stem}" for p in (ROOT / "scenarios").glob("*.yaml"))


def test_a_broken_scenario_fails_with_its_one_line_error(tmp_path: Path) -> None:
    scen = tmp_path / "scenarios"
    scen.mkdir()
    (scen / "broken.yaml").write_text("name: broken\nfaults:\n  - {id: x, type: power_cut, site: a, at: 1s}\nsettel: 3s\n")
    res = run_pytest("-q", "--rootdir", str(tmp_path), str(scen), cwd=tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "drill: error:" in res.stdout and "settel" in res.stdout
    assert "Traceback" not in res.stdout
