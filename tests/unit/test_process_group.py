"""run_group: a command and every process it starts are gone when the call ends, however it ends.

The shape under test is the one ``docker compose`` has: a leader (the docker CLI) whose child (the
Compose plugin) would go on working if only the leader were killed. Real processes; each test
records the child's pid and checks it no longer exists afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from drills.adapters.process import run_group

LEADER_WITH_CHILD = 'sleep 60 & echo $! > "$1"; echo started; wait'


def gone(pid: int) -> bool:
    """True once ``pid`` is not a live process (a zombie whose parent is gone counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().rsplit(") ", 1)[1].startswith("Z")


def child_pid(pidfile: Path) -> int:
    return int(pidfile.read_text().strip())


def wait_until(cond: object, seconds: float = 5.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if callable(cond) and cond():
            return True
        time.sleep(0.02)
    return callable(cond) and bool(cond())


@pytest.fixture
def pidfile(tmp_path: Path) -> Path:
    return tmp_path / "child.pid"


def test_returns_exit_code_and_output() -> None:
    done = run_group(["bash", "-c", "echo out; echo err >&2; exit 3"], timeout=10)
    assert (done.returncode, done.stdout, done.stderr) == (3, "out\n", "err\n")


def test_a_missing_command_raises_file_not_found() -> None:
    with pytest.raises(FileNotFoundError):
        run_group(["/nonexistent/drills-no-such-command"], timeout=5)


def test_a_timeout_kills_the_leader_and_its_child(pidfile: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        run_group(["bash", "-c", LEADER_WITH_CHILD, "x", str(pidfile)], timeout=1.0)
    assert wait_until(lambda: gone(child_pid(pidfile)))


@pytest.fixture
def interrupt_after() -> Iterator[None]:
    def raise_interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGALRM, raise_interrupt)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_an_interrupt_kills_the_leader_and_its_child(pidfile: Path, interrupt_after: None) -> None:
    # Ctrl-C / SIGTERM reach the runner as KeyboardInterrupt while it waits on the command
    signal.setitimer(signal.ITIMER_REAL, 1.0)
    with pytest.raises(KeyboardInterrupt):
        run_group(["bash", "-c", LEADER_WITH_CHILD, "x", str(pidfile)], timeout=30)
    assert wait_until(lambda: gone(child_pid(pidfile)))


def test_a_child_left_behind_by_a_leader_that_exited_is_killed(pidfile: Path) -> None:
    # the leader exits at once; its child closed the pipes, so nothing else would stop it
    script = 'sleep 60 >/dev/null 2>&1 & echo $! > "$1"; exit 0'
    done = run_group(["bash", "-c", script, "x", str(pidfile)], timeout=10)
    assert done.returncode == 0
    assert wait_until(lambda: gone(child_pid(pidfile)))


def test_the_command_runs_in_a_session_of_its_own() -> None:
    # a terminal's Ctrl-C goes to the runner's process group, not the command's
    done = run_group(["bash", "-c", "ps -o sid= -p $$"], timeout=10)
    assert int(done.stdout.split()[0]) != os.getsid(0)
