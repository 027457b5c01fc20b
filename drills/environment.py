"""The environment record of a run: versions and image ids, for the evidence bundle."""

from __future__ import annotations

import platform
import socket
from typing import Any

import docker
from docker.errors import DockerException

from . import __version__
from .setup.compose import compose_version
from .setup.host import LocalHost

PROJECT_LABEL = "com.docker.compose.project"


def describe(client: docker.DockerClient | None, project: str | None, toxiproxy_version: str = "") -> dict[str, Any]:
    env: dict[str, Any] = {
        "drills_version": __version__,
        "python": platform.python_version(),
        "host": {"hostname": socket.gethostname(), "os": platform.platform(), "machine": platform.machine()},
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
