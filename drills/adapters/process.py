"""Run a command so that nothing it starts outlives the call.

``docker compose`` is two processes: the ``docker`` CLI runs the Compose plugin as its child. When
``subprocess.run`` gives up on it (its timeout, Ctrl-C, SIGTERM turned into KeyboardInterrupt) it
kills only the CLI; the plugin goes on creating containers, networks and volumes on its own, after
the runner has swept the run and let its reaper go (measured: a SIGINT during bring-up left 3
networks and 2 volumes). So the command runs in a session of its own and, on any way out but its
own exit, the whole process group is killed and reaped before the exception goes on:

    done = run_group(["docker", "compose", ...], cwd=..., env=..., timeout=60)
    done.returncode, done.stdout, done.stderr       # as subprocess.run(capture_output, text)

A session of its own also keeps a terminal's Ctrl-C away from the child: the runner alone decides
what to stop, and in which order. The price: when the runner itself is SIGKILLed (or its whole
process group is), the command runs on; that is the reaper's case (drills/adapters/reaper.py),
which sweeps the run's resources until none reappear.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence

__all__ = ["run_group"]

REAP_S = 10.0  # a killed group is gone within this (SIGKILL cannot be refused)


def run_group(
    argv: Sequence[str], *, timeout: float, cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` to completion in its own session and return its exit code and output; raise
    ``subprocess.TimeoutExpired`` after ``timeout`` s and ``FileNotFoundError`` when it cannot
    start. Whatever ends the call early, the command's whole process group is killed first."""
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env=None if env is None else dict(env), stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except BaseException:
        kill_group(proc)
        raise
    # the leader is done; a child it left behind (a plugin it started) has no reason to run on
    kill_group(proc, leader_done=True)
    return subprocess.CompletedProcess(list(argv), proc.returncode, stdout, stderr)


def kill_group(proc: subprocess.Popen[str], *, leader_done: bool = False) -> None:
    """SIGKILL every process of ``proc``'s group, then reap the leader (bounded).

    After the leader is reaped its pid could in principle be reused, but Linux keeps a pid out of
    use while a process group of that number has members, and with no members left there is
    nothing of ours to kill: a reused number would have to belong to a new group leader started
    in that instant."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if leader_done:
        return
    with contextlib.suppress(subprocess.TimeoutExpired, OSError, ValueError):
        proc.communicate(timeout=REAP_S)
