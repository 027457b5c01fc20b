"""Step 1 of the set-up: a Docker engine that answers.

Decisions (each unit-tested against a fake host):

    engine answers ........................................ ok, nothing changed
    no answer, DOCKER_HOST points elsewhere ............... EngineUnavailable (we never start
                                                            an engine the user did not ask for)
    no answer, not root or not Debian ..................... EngineUnavailable with what to install
    no answer, root on Debian, dockerd missing ............ apt-get install docker.io ..., then start
    no answer, root on Debian, dockerd present ............ start dockerd, wait until it answers
"""

from __future__ import annotations

from pathlib import Path

from tenacity import Retrying, retry_if_result, stop_after_delay, wait_fixed

from drills.adapters.host import Host
from drills.errors import EngineUnavailable, SetupError

ENGINE_PACKAGES = ("docker.io", "containerd", "runc", "iptables")
DAEMON_LOG = Path("/var/log/drills-dockerd.log")
START_TIMEOUT_S = 90.0


def engine_version(host: Host) -> str | None:
    """The engine's version when one answers, else None (absence is an answer here, not an error)."""
    res = host.run(["docker", "version", "--format", "{{.Server.Version}}"], timeout=15)
    version = res.stdout.strip()
    return version if res.ok and version else None


def wait_for_engine(host: Host, timeout_s: float, poll_s: float) -> str | None:
    """Poll until the engine answers; None when it never did within ``timeout_s``."""
    retrying = Retrying(
        stop=stop_after_delay(timeout_s),
        wait=wait_fixed(poll_s),
        retry=retry_if_result(lambda v: v is None),
        retry_error_callback=lambda state: None,
    )
    return retrying(engine_version, host)


def _where(host: Host) -> str:
    return host.getenv("DOCKER_HOST") or "unix:///var/run/docker.sock"


def apt_install(host: Host, packages: tuple[str, ...], why: str) -> None:
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    upd = host.run(["apt-get", "update", "-qq"], timeout=300, env=env)
    if not upd.ok:
        raise SetupError(f"apt-get update failed while installing {why}: {upd.last_line()}")
    res = host.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages], timeout=600, env=env
    )
    if not res.ok:
        raise SetupError(f"apt-get install {' '.join(packages)} failed: {res.last_line()}")


def ensure_engine(host: Host, poll_s: float = 0.5) -> str:
    """Make sure an engine answers; return a one-line account of what was done."""
    version = engine_version(host)
    if version:
        return f"Docker engine {version} answers at {_where(host)}"
    if host.getenv("DOCKER_HOST"):
        raise EngineUnavailable(
            f"no Docker engine answers at DOCKER_HOST={host.getenv('DOCKER_HOST')}; "
            "start that engine or unset DOCKER_HOST"
        )
    if not (host.is_root() and host.is_debian()):
        raise EngineUnavailable(
            "no Docker engine answers at unix:///var/run/docker.sock; install and start Docker Engine "
            "(or Docker Desktop) with Compose v2, then rerun (automatic install needs root on Debian)"
        )
    did = []
    if host.which("dockerd") is None:
        apt_install(host, ENGINE_PACKAGES, "the Docker engine")
        did.append("installed " + ", ".join(ENGINE_PACKAGES))
    host.spawn_daemon(["dockerd"], DAEMON_LOG)
    did.append(f"started dockerd (log {DAEMON_LOG})")
    version = wait_for_engine(host, START_TIMEOUT_S, poll_s)
    if not version:
        raise EngineUnavailable(
            f"started dockerd but it did not answer within {START_TIMEOUT_S:.0f}s; see {DAEMON_LOG}"
        )
    return f"Docker engine {version}: " + "; ".join(did)
