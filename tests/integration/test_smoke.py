"""Smoke: engine + Compose v2 + local images + a real Toxiproxy driven by toxiproxy-python.

Brings up tests/integration/smoke/compose.yml as its own Compose project, then
through the Toxiproxy API (published on 127.0.0.1 only): creates a proxy,
disables it and sees connections fail, enables it and sees them work, adds a
latency toxic and sees the added latency, removes it; then tears down and
asserts nothing labelled with the run remains.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from drills.adapters.toxiproxy import WanClient

COMPOSE = Path(__file__).parent / "smoke" / "compose.yml"
pytestmark = pytest.mark.integration


def compose(project: str, run_id: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker", "compose", "-p", project, "-f", str(COMPOSE), *args],
        env={**os.environ, "DRILLS_RUN_ID": run_id},
        capture_output=True, text=True, timeout=180, check=True,
    )  # fmt: skip


def http_get(port: int, timeout: float = 3.0) -> tuple[str, float]:
    """One HTTP/1.0 GET through the published port; returns (body, seconds)."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        data = b""
        while chunk := sock.recv(4096):
            data += chunk
    elapsed = time.monotonic() - start
    if not data.startswith(b"HTTP/1.0 200"):
        raise ConnectionError(f"no HTTP answer through the proxy (got {data[:40]!r})")
    return data.split(b"\r\n\r\n", 1)[1].decode(), elapsed


def published(client: docker.DockerClient, project: str, service: str, port: int) -> int:
    [ctr] = client.containers.list(
        filters={"label": [f"com.docker.compose.project={project}", f"com.docker.compose.service={service}"]}
    )
    bindings = ctr.ports.get(f"{port}/tcp")
    assert bindings, f"{service} publishes no host port for {port}/tcp: {ctr.ports}"
    return int(bindings[0]["HostPort"])


def labelled(client: docker.DockerClient, run_id: str) -> dict[str, list[str | None]]:
    flt: dict[str, str | list[str] | bool] = {"label": f"org.drills.run={run_id}"}
    return {
        "containers": [c.name for c in client.containers.list(all=True, filters=flt)],
        "networks": [n.name for n in client.networks.list(filters=flt)],
        "volumes": [v.name for v in client.volumes.list(filters=flt)],
    }


@pytest.fixture
def smoke_stack() -> Iterator[tuple[docker.DockerClient, str, str]]:
    run_id = f"smoke-{uuid.uuid4().hex[:8]}"
    project = f"drills-{run_id}"
    client = docker.from_env(timeout=30)
    try:
        compose(project, run_id, "up", "-d", "--wait")
        yield client, project, run_id
    finally:
        compose(project, run_id, "down", "-v", "--remove-orphans", "--timeout", "2")
        assert labelled(client, run_id) == {"containers": [], "networks": [], "volumes": []}
        client.close()


def test_toxiproxy_cuts_heals_and_delays_a_real_link(smoke_stack: tuple[docker.DockerClient, str, str]) -> None:
    client, project, run_id = smoke_stack
    assert labelled(client, run_id)["containers"], "the stack's containers carry the run label"
    wan = WanClient("127.0.0.1", published(client, project, "toxiproxy", 8474))
    assert wan.version().strip('"') == "2.5.0"
    wan.create("smoke_echo", listen="0.0.0.0:18080", upstream="echo:8080")
    port = published(client, project, "toxiproxy", 18080)

    def eventually_ok() -> tuple[str, float]:
        retry = Retrying(stop=stop_after_delay(20), wait=wait_fixed(0.2),
                         retry=retry_if_exception_type(OSError), reraise=True)  # fmt: skip
        return retry(http_get, port)

    body, _ = eventually_ok()
    assert body == "echo\n"

    wan.set_enabled("smoke_echo", False)
    with pytest.raises(ConnectionError):  # refused, reset or closed unanswered: the link is cut, not slow
        http_get(port)
    assert wan.proxies()["smoke_echo"].enabled is False

    wan.set_enabled("smoke_echo", True)
    assert eventually_ok()[0] == "echo\n"

    baseline = min(http_get(port)[1] for _ in range(5))
    wan.add_toxic("smoke_echo", "slow", "latency", {"latency": 400, "jitter": 0})
    assert wan.toxics("smoke_echo") == ["slow"]
    delayed = min(http_get(port)[1] for _ in range(3))
    assert delayed - baseline >= 0.35, f"latency toxic added {delayed - baseline:.3f}s, expected ~0.4s"

    wan.remove_toxic("smoke_echo", "slow")
    assert wan.toxics("smoke_echo") == []
    healed = min(http_get(port)[1] for _ in range(5))
    assert healed < delayed - 0.3
