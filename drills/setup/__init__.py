"""``drill setup``: make this machine able to run drills, idempotently, saying what it did.

Steps, in order, each printed with its duration:

    engine      a Docker engine answers (install + start it when root on Debian)
    compose     `docker compose` is Compose v2 (v1 is refused; v2 plugin installed when possible)
    base image  debian:bookworm-slim (pull, else debootstrap + import)
    toxiproxy   the Toxiproxy server image (pull, else build the real server from Go modules)
    replica     the messenger replica's own images (built from fixtures/, Debian packages only)

A second run finds everything in place, changes nothing, and takes a few seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drills.adapters.host import Host, LocalHost
from drills.setup.base_images import (
    BASE_IMAGE,
    TOXIPROXY_IMAGE,
    build_base_image,
    build_toxiproxy_image,
    ensure_image,
)
from drills.setup.compose import ensure_compose
from drills.setup.engine import ensure_engine

__all__ = ["Host", "LocalHost", "StepReport", "run_setup"]


@dataclass(frozen=True)
class StepReport:
    step: str
    detail: str
    seconds: float


Emit = Callable[[StepReport], None]


def _replica_images(repo_root: Path) -> str:
    # Imported late: the docker SDK is only needed once an engine answers.
    import docker

    from drills.setup.replica_images import build_images

    client = docker.from_env(timeout=900)
    try:
        built = build_images(client, repo_root, progress=lambda _msg: None)
    finally:
        client.close()
    names = ", ".join(built) if built else "all present"
    return f"replica images: {names}"


def run_setup(
    host: Host,
    repo_root: Path,
    emit: Emit,
    replica: Callable[[Path], str] | None = _replica_images,
) -> list[StepReport]:
    """Run every step; stop at the first failure (its DrillsError propagates)."""

    def base(h: Host, image: str) -> None:
        build_base_image(h, image)

    def toxi(h: Host, image: str) -> None:
        build_toxiproxy_image(h, image)

    steps: list[tuple[str, Callable[[], str]]] = [
        ("engine", lambda: ensure_engine(host)),
        ("compose", lambda: ensure_compose(host)),
        ("base image", lambda: ensure_image(host, BASE_IMAGE, base).describe()),
        ("toxiproxy", lambda: ensure_image(host, TOXIPROXY_IMAGE, toxi).describe()),
    ]
    if replica is not None:
        steps.append(("replica", lambda: replica(repo_root)))
    reports = []
    for name, fn in steps:
        start = time.monotonic()
        detail = fn()
        report = StepReport(name, detail, time.monotonic() - start)
        emit(report)
        reports.append(report)
    return reports
