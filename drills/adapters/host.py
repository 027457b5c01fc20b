"""The host seam of the set-up: every command it runs and every fact it reads.

``Host`` is a small protocol so the set-up's decisions (engine present or not,
root or not, Compose v1 or v2, pull ok or not) are unit-tested against a fake,
while ``LocalHost`` runs real commands: argument lists, never a shell string,
always with a timeout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = [
    "Completed",
    "Host",
    "LocalHost",
    "Runner",
]


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    rc: int
    stdout: str = ""
    stderr: str = ""

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def last_line(self) -> str:
        """The most telling line of the output, for one-line error messages."""
        for text in (self.stderr, self.stdout):
            lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
            if lines:
                return lines[-1]
        return f"exit code {self.rc}"


class Runner(Protocol):
    """Runs one command: an argument list (never a shell), always with a timeout."""

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
        cwd: Path | None = None,
    ) -> Completed: ...


class Host(Runner, Protocol):
    """This machine, as set-up sees it: commands, and a few facts about it."""

    def which(self, name: str) -> str | None: ...

    def is_root(self) -> bool: ...

    def is_debian(self) -> bool: ...

    def getenv(self, name: str) -> str | None: ...

    def spawn_daemon(self, argv: Sequence[str], log: Path) -> int:
        """Start a long-running process detached from this one; return its pid."""
        ...


class LocalHost:
    """The real machine."""

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
        cwd: Path | None = None,
    ) -> Completed:
        full_env = {**os.environ, **env} if env else None
        try:
            proc = subprocess.run(
                list(argv),
                input=input_bytes,
                capture_output=True,
                timeout=timeout,
                env=full_env,
                cwd=cwd,
                check=False,
            )
        except FileNotFoundError:
            return Completed(tuple(argv), 127, "", f"{argv[0]}: command not found")
        except subprocess.TimeoutExpired:
            return Completed(tuple(argv), 124, "", f"{argv[0]}: timed out after {timeout:.0f}s")
        return Completed(
            tuple(argv),
            proc.returncode,
            proc.stdout.decode(errors="replace"),
            proc.stderr.decode(errors="replace"),
        )

    def which(self, name: str) -> str | None:
        return shutil.which(name)

    def is_root(self) -> bool:
        return os.geteuid() == 0

    def is_debian(self) -> bool:
        return Path("/etc/debian_version").exists() and shutil.which("apt-get") is not None

    def getenv(self, name: str) -> str | None:
        return os.environ.get(name)

    def spawn_daemon(self, argv: Sequence[str], log: Path) -> int:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as fh:
            proc = subprocess.Popen(
                list(argv),
                stdout=fh,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        return proc.pid
