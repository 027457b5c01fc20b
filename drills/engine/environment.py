"""The environment record of a run, for environment.json: what ran, where, with which versions.

    describe(client, project, toxiproxy_version)   at run time: drills, Python, host, Compose,
                                                   Toxiproxy, the Docker engine, every image id
    collect_environment(runner_facts, scenario)    when the bundle is written: adds host facts and
                                                   the git commit of the scenario's repository
                                                   (runner facts win over host facts of one key)

Cheap facts only; every subprocess has a timeout; a missing git or engine is recorded, not raised.
"""

from __future__ import annotations

import os
import platform
import socket
import subprocess
from pathlib import Path
from typing import Any

import docker
from docker.errors import DockerException

from drills import __version__
from drills.adapters.host import LocalHost
from drills.setup.compose import compose_version

__all__ = ["ENVIRONMENT_FORMAT", "collect_environment", "describe", "git_facts", "host_facts"]

GIT_TIMEOUT = 5.0
ENVIRONMENT_FORMAT = 1  # environment.json's layout version (its JSON Schema: drills.report.schemas)


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
        "format": ENVIRONMENT_FORMAT,
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


PROJECT_LABEL = "com.docker.compose.project"


def describe(client: docker.DockerClient | None, project: str | None, toxiproxy_version: str = "") -> dict[str, Any]:
    env: dict[str, Any] = {
        "drills_version": __version__,
        "python": platform.python_version(),
        "host": host_facts(),
        "compose_version": compose_version(LocalHost()) or "",
        "toxiproxy_version": toxiproxy_version,
    }
    if client is None:
        return env
    try:
        ver = client.version()
        env["docker"] = {"version": ver.get("Version", ""), "api_version": ver.get("ApiVersion", ""),
                         "os": ver.get("Os", ""), "kernel": ver.get("KernelVersion", "")}  # fmt: skip
        if project:
            images: dict[str, Any] = {}
            for c in client.containers.list(all=True, filters={"label": f"{PROJECT_LABEL}={project}"}):
                img = c.image
                svc = str(c.labels.get("com.docker.compose.service", c.name))
                if img is None:
                    continue
                images[svc] = {"image": (img.tags or [c.attrs.get("Config", {}).get("Image", "")])[0],
                               "id": img.id, "digests": img.attrs.get("RepoDigests") or []}  # fmt: skip
            env["images"] = images
    except DockerException as exc:
        env["docker_error"] = str(exc).splitlines()[0]
    return env
