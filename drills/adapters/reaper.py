"""A run's reaper: a small container that removes the run's resources if the runner dies.

SIGKILL (a CI runner's timeout, ``docker stop`` after its grace period, the OOM killer) gives the
runner no chance to tear down. So before bring-up every run starts a reaper (the pattern of
testcontainers' Ryuk) and holds a TCP connection to it; when that connection drops without a
"BYE", the reaper removes everything labelled ``org.drills.run=<run id>`` and exits. What it runs
is :mod:`drills.adapters.reaper_agent`, passed as ``python3 -c`` to one of our own images
(REAPER_IMAGE), so it needs nothing built in and works wherever the engine is reachable.

    reaper = Reaper.start(client, run_id)   container up, connected, acknowledged (ReaperError)
    ... the run ...
    reaper.release()                        the run removed its own stack: the reaper exits idle
    reaper.close()                          drop the connection without BYE: the reaper sweeps

The reaper container carries ``org.drills.reaper=<run id>`` (never the run label: a sweep of the
run must not remove the process doing it), runs with no capabilities, no new privileges and a
read-only root, is removed by the engine when it exits, and publishes its port on 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path
from typing import Any

import docker.errors

from drills.adapters import reaper_agent
from drills.adapters.labels import REAPER
from drills.errors import EnvironmentFailure

__all__ = ["REAPER_IMAGE", "Reaper", "ReaperError", "engine_socket"]

REAPER_IMAGE = "drills/messenger-app:0.1.0"  # one of ours, with python3 (built by `drill setup`)
CONNECT_WITHIN_S = 15.0


class ReaperError(EnvironmentFailure):
    """The reaper could not be started or reached (the run goes on without it, and says so)."""


def engine_socket() -> str:
    """The engine's Unix socket on the engine's host, to mount into the reaper."""
    explicit = os.environ.get("DRILLS_REAPER_SOCKET")
    if explicit:
        return explicit
    host = os.environ.get("DOCKER_HOST", "")
    return host.removeprefix("unix://") if host.startswith("unix://") else "/var/run/docker.sock"


class Reaper:
    def __init__(self, container: Any, sock: socket.socket, run_id: str) -> None:
        self.container, self.sock, self.run_id = container, sock, run_id

    @classmethod
    def start(cls, client: Any, run_id: str, image: str | None = None) -> Reaper:
        image = image or os.environ.get("DRILLS_REAPER_IMAGE") or REAPER_IMAGE
        source = Path(reaper_agent.__file__).read_text(encoding="utf-8")
        try:
            container = client.containers.run(
                image, entrypoint=["python3", "-c", source, run_id], name=f"drills-reaper-{run_id}"[:128],
                labels={REAPER: run_id}, detach=True, auto_remove=True, user="0",
                ports={f"{reaper_agent.PORT}/tcp": ("127.0.0.1", None)},
                volumes={engine_socket(): {"bind": reaper_agent.ENGINE_SOCKET, "mode": "rw"}},
                security_opt=["no-new-privileges:true"], cap_drop=["ALL"], read_only=True,
            )  # fmt: skip
        except docker.errors.ImageNotFound as exc:
            raise ReaperError(f"the reaper's image {image} is missing (run `drill setup`)") from exc
        except docker.errors.DockerException as exc:
            raise ReaperError(f"the reaper did not start: {exc}") from exc
        try:
            sock = _connect(container, run_id)
        except Exception:
            with _quiet():
                container.remove(force=True)
            raise
        return cls(container, sock, run_id)

    def release(self) -> None:
        """The run's own teardown removed everything: tell the reaper, which then exits idle."""
        with _quiet():
            self.sock.sendall(b"BYE\n")
        self.close()

    def close(self) -> None:
        """Drop the connection (without BYE the reaper sweeps the run: harmless when nothing is left)."""
        with _quiet():
            self.sock.close()


def _host_port(container: Any) -> int:
    container.reload()
    bindings = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    for binding in bindings.get(f"{reaper_agent.PORT}/tcp") or []:
        if binding.get("HostPort"):
            return int(binding["HostPort"])
    raise ReaperError("the reaper's port was not published")


def _connect(container: Any, run_id: str) -> socket.socket:
    """Connect and be acknowledged; the agent needs a moment to start listening."""
    deadline = time.monotonic() + CONNECT_WITHIN_S
    last = ""
    while time.monotonic() < deadline:
        try:
            port = _host_port(container)
            sock = socket.create_connection(("127.0.0.1", port), timeout=2)
        except (OSError, ReaperError, docker.errors.DockerException) as exc:
            last = str(exc)
            time.sleep(0.1)
            continue
        try:
            sock.sendall(f"{run_id}\n".encode())
            if sock.recv(16).startswith(b"ACK"):
                sock.settimeout(None)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
                return sock
            last = "no ACK"
        except OSError as exc:
            last = str(exc)
        sock.close()
        time.sleep(0.1)
    raise ReaperError(f"the reaper did not answer within {CONNECT_WITHIN_S:.0f}s ({last})")


def _quiet() -> contextlib.suppress:
    """Ignore what fails while letting go of a reaper (it exits and is removed on its own)."""
    return contextlib.suppress(OSError, docker.errors.DockerException)
