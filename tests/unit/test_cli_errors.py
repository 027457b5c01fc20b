"""Every bad invocation of ``drill`` is one line on stderr with its documented exit code, never a
traceback, and ``drill run`` finds it before anything starts.

Each case goes through ``drills.cli.main`` with the engine behind a tripwire: the lifecycle's
``run_drill`` raises ``EngineReached``, which no handler catches, so a check that came too late
fails the test instead of starting a drill. One case proves the tripwire is on the path.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from drills.cli import COMMANDS, main
from drills.cli.common import no_args

pytestmark = pytest.mark.timeout(60)  # a FIFO opened by mistake blocks: fail, do not hang

REPO = Path(__file__).parent / "data" / "repo"
SCENARIO = """\
name: cut-a
faults:
  - {id: cut-a, type: power_cut, site: a, at: 1s, duration: 2s}
checks: {failover: {enabled: false}}  # a short cut: valid, and never run (the engine is a tripwire)
"""


class EngineReached(Exception):
    pass


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cli-errors") / "repo"
    shutil.copytree(REPO, root)
    (root / "scenarios").mkdir()
    (root / "scenarios" / "cut-a.yaml").write_text(SCENARIO)
    (root / "a-file").write_text("not a directory\n")
    (root / "a-dir").mkdir()
    os.mkfifo(root / "a-fifo.yaml")
    return root


@pytest.fixture
def repo(repo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    import drills.engine.lifecycle

    def tripwire(*args: object, **kwargs: object) -> None:
        raise EngineReached

    monkeypatch.setattr(drills.engine.lifecycle, "run_drill", tripwire)
    monkeypatch.chdir(repo_copy)
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/drills-unit/docker.sock")
    return repo_copy


LONG = "x" * 5000  # longer than any file name: stat() says ENAMETOOLONG
NOT_REGULAR = "not a regular file (a FIFO, a socket or a device); a scenario is a YAML file"

CASES = [
    # (argv, exit code, the one line after "drill: error: ")
    (["validate", "scenarios"], 2,
     "scenarios: is a directory, not a scenario file (every scenario in it: --all --dir scenarios)"),
    (["lint", "a-fifo.yaml"], 2, f"a-fifo.yaml: {NOT_REGULAR}"),
    (["plan", os.devnull], 2, f"{os.devnull}: {NOT_REGULAR}"),
    (["validate", ""], 2, "an empty path names no scenario file"),
    (["validate", "a-file/x.yaml"], 2, "a-file/x.yaml: cannot read the scenario file (Not a directory)"),
    (["validate", LONG], 2, f"{LONG}: cannot read the scenario file (File name too long)"),
    (["validate", "--all", "scenarios/cut-a.yaml"], 2, "name scenario files or use --all, not both"),
    (["lint", "--dir", "scenarios", "scenarios/cut-a.yaml"], 2,
     "--dir scenarios: only read with --all (name files, or add --all)"),
    (["validate", "--all", "--dir", "a-file"], 2, "a-file: not a directory (scenario directory)"),
    (["plan", "--all", "--dir", "nope"], 2, "nope: no such directory (scenario directory)"),
    (["list", "a-file"], 2, "a-file: not a directory (scenario directory)"),
    (["run", "--reports", "a-file", "scenarios/cut-a.yaml"], 2, "--reports a-file: exists and is not a directory"),
    (["run", "--reports", "a-file/sub", "scenarios/cut-a.yaml"], 2,
     "--reports a-file/sub: cannot create it (Not a directory)"),
    (["run", "--reports", "", "scenarios/cut-a.yaml"], 2, "--reports: an empty path names no directory"),
    (["run", "--reports", "out", "--junit", "a-dir", "scenarios/cut-a.yaml"], 2,
     "--junit a-dir: is a directory (name a file)"),
    (["run", "--reports", "out", "--junit", "a-file/j.xml", "scenarios/cut-a.yaml"], 2,
     "--junit a-file/j.xml: its directory a-file: exists and is not a directory"),
    (["run", "--reports", "out", "--junit", "", "scenarios/cut-a.yaml"], 2, "--junit: an empty path names no file"),
    (["run", "--all", "--dir", "scenarios", "scenarios/cut-a.yaml"], 2, "name scenario files or use --all, not both"),
    (["history", "a-dir", "--html", "a-dir"], 2, "--html a-dir: is a directory (name a file)"),
    (["history", "a-dir", "--avail-drop", "nan"], 2,
     "--window must be >= 1, --avail-drop and --rto-rise finite numbers >= 0"),
    (["history", "a-dir", "--rto-rise", "inf"], 2,
     "--window must be >= 1, --avail-drop and --rto-rise finite numbers >= 0"),
    (["report", "a-file"], 2, "a-file: no such bundle directory"),
    (["verify", "a-dir"], 2, "a-dir: not a drill bundle (neither SHA256SUMS nor result.json in it)"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "code", "line"), CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_a_bad_invocation_is_one_line_with_its_exit_code(
    repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], code: int, line: str
) -> None:
    assert main(argv) == code
    captured = capsys.readouterr()
    assert captured.err == f"drill: error: {line}\n"
    assert captured.out == ""


def test_the_tripwire_is_on_the_path_of_a_valid_run(repo: Path) -> None:
    """Without it, the ``run`` cases above would pass even if their checks came after the engine."""
    with pytest.raises(EngineReached):
        main(["run", "--no-live", "--reports", "out", "--junit", "junit/j.xml", "scenarios/cut-a.yaml"])
    assert (repo / "junit").is_dir()  # the --junit directory is made before the drill, as --reports is


@pytest.mark.parametrize(
    ("error", "line"),
    [
        (IsADirectoryError(errno.EISDIR, "Is a directory", "/b/report.html"), "/b/report.html: Is a directory"),
        (OSError(errno.EISDIR, "Is a directory", "/b/.r.tmp", None, "/b/r.html"), "/b/r.html: Is a directory"),
        (OSError(errno.ENOSPC, "No space left on device"), "No space left on device"),
    ],
)
def test_a_file_error_no_command_translated_is_one_line_and_exit_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: OSError, line: str
) -> None:
    def failing(args: object) -> int:
        raise error

    monkeypatch.setitem(COMMANDS, "schema", ("print the schema", no_args, failing))
    assert main(["schema"]) == 3
    assert capsys.readouterr().err == f"drill: error: {line}\n"


def test_the_installed_command_prints_no_traceback(repo: Path) -> None:
    """The real entry point, in its own process: ``python -m drills`` given a directory."""
    done = subprocess.run([sys.executable, "-m", "drills", "validate", "scenarios"], capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [
        "drill: error: scenarios: is a directory, not a scenario file (every scenario in it: --all --dir scenarios)"
    ]
