"""Environment facts for environment.json: what the runner knows, plus cheap host facts.

    collect_environment(runner_facts, scenario_path) -> dict

The runner passes what it measured (Docker/Compose/Toxiproxy versions, image ids and
digests...). This module adds what any process can read cheaply: drills version, host
name, OS, Python, CPU count, and the git commit of the repository holding the scenario
(``git rev-parse HEAD`` with a timeout; absent git or no repository is recorded, not raised).
Runner facts win over host facts of the same key.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path
from typing import Any

from .. import __version__

__all__ = ["collect_environment", "host_facts", "git_facts"]

GIT_TIMEOUT = 5.0


def host_facts() -> dict[str, Any]:
    return {
        "hostname": socket.gethostname(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
    }


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        proc = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() if proc.returncode == 0 else None


def git_facts(scenario_path: Path) -> dict[str, Any]:
    """Commit of the scenario's repository, and whether the scenario differs from it."""
    where = scenario_path.resolve().parent
    if not where.is_dir():
        return {"commit": None, "note": "scenario directory missing"}
    commit = _git(["rev-parse", "HEAD"], where)
    if commit is None:
        return {"commit": None, "note": "not in a git repository (or git unavailable)"}
    status = _git(["status", "--porcelain", "--", scenario_path.name], where)
    return {"commit": commit, "scenario_modified": bool(status) if status is not None else None}


def collect_environment(runner_facts: dict[str, Any], scenario_path: Path) -> dict[str, Any]:
    env: dict[str, Any] = {
        "drills_version": __version__,
        "host": host_facts(),
        "scenario_git": git_facts(scenario_path),
    }
    for key, value in runner_facts.items():
        if isinstance(value, dict) and isinstance(env.get(key), dict):
            env[key] = {**env[key], **value}
        else:
            env[key] = value
    return env
