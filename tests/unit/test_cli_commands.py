"""``drill`` commands end to end through ``drills.cli.main``: exit codes, stdout and one-line errors.

Scenario files live in a copy of tests/unit/data/repo under tmp_path, so a command reads exactly
what the test wrote. No Docker engine: DOCKER_HOST points at a socket that does not exist.
"""

from __future__ import annotations

import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from drills import __version__
from drills.cli import COMMANDS, main
from drills.cli.common import no_args
from drills.cli.reference import render_reference
from drills.cli.stack import _variant_files
from drills.errors import UsageError
from drills.scenario import schema_json

REPO = Path(__file__).parent / "data" / "repo"
MISSING_SOCKET = "unix:///nonexistent/drills-unit/docker.sock"
NO_ENGINE = (
    f"drill: error: no Docker engine answers at {MISSING_SOCKET} (no socket there); run `drill setup` or start Docker\n"
)

CUT_A = """\
name: cut-a
description: Site a loses power for 2s.
faults:
  - {id: cut-a, type: power_cut, site: a, at: 1s, duration: 2s}
checks: {failover: {enabled: false}}  # a short cut on a fake engine: failover is not what is tested
"""
SLOW_WAN = """\
name: slow-wan
faults:
  - {id: slow, type: wan, link: a_b_pg, at: 0s, duration: 3s, latency: 50ms}
"""
BAD_SITE = """\
name: bad-site
faults:
  - {id: cut-c, type: power_cut, site: c, at: 1s, duration: 2s}
"""
BAD_TIME = """\
name: bad-time
faults:
  - {id: cut-a, type: power_cut, site: a, at: -1s, duration: 2s}
"""


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One copy for the module, so Compose reads (cached per process) its model once."""
    root = tmp_path_factory.mktemp("cli") / "repo"
    shutil.copytree(REPO, root)
    (root / "scenarios").mkdir()
    for name, text in (("cut-a", CUT_A), ("slow-wan", SLOW_WAN)):
        (root / "scenarios" / f"{name}.yaml").write_text(text)
    (root / "bad" / "empty").mkdir(parents=True)
    (root / "bad" / "bad-site.yaml").write_text(BAD_SITE)
    (root / "bad" / "bad-time.yaml").write_text(BAD_TIME)
    return root


@pytest.fixture
def repo(repo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo_copy)
    monkeypatch.setenv("DOCKER_HOST", MISSING_SOCKET)
    # the same environment in every test: Compose's answers are cached per environment
    monkeypatch.setenv("DRILLS_STATE_DIR", str(repo_copy.parent / "state"))
    return repo_copy


def test_validate_prints_one_line_per_file(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "scenarios/cut-a.yaml", "scenarios/slow-wan.yaml"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "ok  scenarios/cut-a.yaml  (cut-a: 1 fault(s), sites a, b)",
        "ok  scenarios/slow-wan.yaml  (slow-wan: 1 fault(s), sites a, b)",
    ]


def test_validate_all_reads_the_directory(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--all", "--dir", "scenarios"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2


def test_validate_reports_every_invalid_file_then_exits_2(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "bad/bad-site.yaml", "scenarios/cut-a.yaml", "bad/bad-time.yaml"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing is printed as valid before every file was read
    err = captured.err.splitlines()
    assert len(err) == 2
    assert err[0].startswith("drill: error: bad/bad-site.yaml:3: faults[0].site: unknown site 'c'")
    assert err[1].startswith("drill: error: bad/bad-time.yaml:3: faults[0].at: must be >= 0s")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["validate"], "drill: error: name a scenario file (e.g. scenarios/site-a-power-cut.yaml) or use --all\n"),
        (["validate", "scenarios/nope.yaml"], "drill: error: scenarios/nope.yaml: no such scenario file\n"),
        (["plan", "scenarios"], ("drill: error: scenarios: is a directory, not a scenario file "
                                 "(every scenario in it: --all --dir scenarios)\n")),
        (["validate", "--all", "--dir", "bad/empty"], "drill: error: no scenario files in bad/empty\n"),
        (["list", "bad/empty"], "drill: error: no scenario files in bad/empty\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == message


def test_plan_prints_the_schedule(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "scenarios/cut-a.yaml"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Drill plan: cut-a  (scenarios/cut-a.yaml, sha256 ")
    assert "+1s     inject cut-a (power_cut site a)" in out
    assert "+3s     heal   cut-a (power_cut site a)" in out


def test_list_shows_each_scenario_with_its_description(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "scenarios"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "scenarios/cut-a.yaml     Site a loses power for 2s.",
        "scenarios/slow-wan.yaml  slow-wan",
    ]


def test_schema_and_reference_print_what_the_registries_say(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    assert out == schema_json() + "\n"
    assert json.loads(out)["type"] == "object"
    assert main(["reference"]) == 0
    assert capsys.readouterr().out == render_reference()


def test_no_command_prints_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: drill" in capsys.readouterr().out


def test_version_and_bad_usage_are_argparse_exits(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"drill {__version__}\n"
    assert main(["frobnicate"]) == 2
    assert "invalid choice: 'frobnicate'" in capsys.readouterr().err


def test_run_of_an_invalid_scenario_starts_nothing(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reports = tmp_path / "reports"
    assert main(["run", "--reports", str(reports), "scenarios/cut-a.yaml", "bad/bad-time.yaml"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("drill: error: bad/bad-time.yaml:3: faults[0].at") and err.count("\n") == 1
    assert not reports.exists()
    assert not (repo.parent / "state").exists()  # no run was recorded


def test_run_of_a_missing_file_is_a_usage_error(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "scenarios/missing.yaml"]) == 2
    assert capsys.readouterr().err == "drill: error: scenarios/missing.yaml: no such scenario file\n"


@pytest.mark.parametrize("argv", [["doctor"], ["sweep"], ["sweep", "--all"]])
def test_engine_commands_without_an_engine_exit_3_with_one_line(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 3
    captured = capsys.readouterr()
    assert captured.err == NO_ENGINE
    assert "drills" not in captured.out or captured.out.count("\n") <= 1


def test_down_with_nothing_recorded_needs_no_engine(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["down"]) == 0
    assert capsys.readouterr().out == "no `drill up` stack is recorded (drill sweep --all removes anything left)\n"


def test_up_with_an_unknown_variant_is_a_usage_error_before_the_engine(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["up", "--variant", "kakao-2099"]) == 2
    assert capsys.readouterr().err == (
        "drill: error: --variant kakao-2099: no such variant (variants: async-replication, cross-site, "
        "devtools-one-site, kakao-2022, kakao-2022-real, lb-no-check, manual-activation, manual-activation-one-site, "
        "no-witness, runbook-one-site)\n"
    )


def test_variant_files_of_the_stack(tmp_path: Path) -> None:
    assert _variant_files(REPO, None) == [REPO / "docker-compose.yml"]
    assert _variant_files(REPO, "kakao-2022") == [REPO / "docker-compose.yml",
                                                   REPO / "fixtures" / "variants" / "kakao-2022.yml"]  # fmt: skip
    with pytest.raises(UsageError, match=r"^--variant x: no such variant \(variants: none\)$"):
        _variant_files(tmp_path, "x")


def test_ctrl_c_in_a_command_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setitem(COMMANDS, "schema", ("print the schema", no_args, interrupted))
    assert main(["schema"]) == 130
    assert capsys.readouterr().err == "drill: interrupted\n"


def test_a_reader_that_left_is_not_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_pipe(args: object) -> int:
        raise BrokenPipeError

    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setitem(COMMANDS, "schema", ("print the schema", no_args, broken_pipe))
    assert main(["schema"]) == 0
    assert stderr.closed
