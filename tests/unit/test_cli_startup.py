"""The lazy imports that keep ``drill`` quick to start: which modules a command loads, not how fast.

Each command runs in a fresh interpreter (``sys.modules`` of this test process holds everything
the other tests imported) and prints the heavy modules it loaded. ``--version`` loads none of
them; ``validate``, ``lint`` and ``plan`` load what reading a scenario needs (YAML, JSON Schema)
but not the Docker SDK, requests, Toxiproxy's client, Jinja2, rich or the runner. Timings are
bench/cli_startup.py's job.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)

REPO = Path(__file__).parent / "data" / "repo"
SCENARIO = """\
name: cut-a
faults:
  - {id: cut-a, type: power_cut, site: a, at: 1s, duration: 2s}
checks: {failover: {enabled: false}}
"""
# what a run, a report or the plugin reference needs; never a command that only reads a scenario
ENGINE_SIDE = ["docker", "requests", "urllib3", "toxiproxy", "tenacity", "jinja2", "rich", "drills.adapters.compose",
               "drills.adapters.toxiproxy", "drills.engine.lifecycle", "drills.report"]  # fmt: skip
SCENARIO_SIDE = ["yaml", "jsonschema", "drills.scenario", "drills.checks", "drills.lint", "drills.faults"]

PROBE = """\
import json, sys
from drills.cli import main
code = main(sys.argv[2:])
watched = json.loads(sys.argv[1])
print(json.dumps({"code": code, "loaded": [m for m in watched if m in sys.modules]}))
"""


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("startup") / "repo"
    shutil.copytree(REPO, root)
    (root / "cut-a.yaml").write_text(SCENARIO)
    return root


def loaded(repo: Path, *argv: str) -> tuple[int, list[str]]:
    """Run ``drill ARGV`` in a fresh interpreter: its exit code and which watched modules it imported."""
    watched = json.dumps(ENGINE_SIDE + SCENARIO_SIDE)
    done = subprocess.run([sys.executable, "-c", PROBE, watched, *argv], cwd=repo, capture_output=True, text=True,
                          timeout=100, check=True)  # fmt: skip
    answer = json.loads(done.stdout.splitlines()[-1])
    return answer["code"], answer["loaded"]


def test_version_imports_nothing_heavy(repo: Path) -> None:
    assert loaded(repo, "--version") == (0, [])


@pytest.mark.parametrize("command", ["validate", "lint", "plan"])
def test_reading_a_scenario_imports_no_engine_side_module(repo: Path, command: str) -> None:
    code, modules = loaded(repo, command, "cut-a.yaml")
    assert code == 0
    assert [m for m in modules if m in ENGINE_SIDE] == []
    assert "yaml" in modules and "drills.scenario" in modules  # the probe sees what was loaded
    assert "jsonschema" not in modules  # a valid file passes the fast check (drills/scenario/quickcheck.py)


def test_an_invalid_scenario_is_worded_by_jsonschema(repo: Path) -> None:
    (repo / "typo.yaml").write_text(SCENARIO.replace("faults:", "faultz:"))
    code, modules = loaded(repo, "validate", "typo.yaml")
    assert code == 2
    assert "jsonschema" in modules


def test_the_run_side_still_imports_what_it_needs(repo: Path) -> None:
    """The other direction: ``history --help`` builds the arguments of ``history`` only, and they
    read their defaults from the report package, so that package is loaded."""
    code, modules = loaded(repo, "history", "--help")
    assert code == 0
    assert "drills.report" in modules


def test_sweep_is_the_function_after_its_submodule_was_imported() -> None:
    """drills.adapters binds its names on first use: the ``drills.adapters.sweep`` submodule, imported
    before (the tests of the sweep do), must not shadow the function engine/compose_stack.py imports."""
    code = ("import drills.adapters.sweep\n"
            "from drills.adapters import ComposeProject, labels, sweep\n"
            "print(callable(sweep), ComposeProject.__name__, labels.__name__)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=100, check=True)
    assert done.stdout.split() == ["True", "ComposeProject", "drills.adapters.labels"]
