"""The Docker SDK client every command uses: one that answered a ping, or one clear error."""

from __future__ import annotations

import os

import docker
from docker.errors import DockerException

from drills.errors import EngineUnavailable

__all__ = ["engine_client"]


def engine_client(timeout: float = 10) -> docker.DockerClient:
    """A docker SDK client that answered a ping, else EngineUnavailable (one line, no traceback)."""
    where = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
    except DockerException as exc:
        text = str(exc)
        if "No such file" in text:
            reason = "no socket there"
        elif "Connection refused" in text:
            reason = "connection refused"
        else:
            reason = text.splitlines()[0][:160]
        raise EngineUnavailable(
            f"no Docker engine answers at {where} ({reason}); run `drill setup` or start Docker"
        ) from exc
    return client
