"""Step 2 of the set-up: ``docker compose`` must be Compose v2.

Compose v1 (the Python ``docker-compose``, end of life) rejects this project's
compose file, so it is detected and refused, never used. Debian bookworm only
packages v1; Debian trixie's ``docker-compose`` package is v2, one static Go
binary that depends only on libc. When root on Debian, that binary is fetched
with apt from a throw-away apt state directory whose sources line reuses the
mirror already configured on the machine, and copied into the CLI plugin dir.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from drills.adapters.host import Host
from drills.errors import ComposeUnavailable, SetupError

PLUGIN_DIR = Path("/usr/libexec/docker/cli-plugins")
PLUGIN_SUITE = "trixie"
_VERSION = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")


def compose_version(host: Host) -> str | None:
    """The ``docker compose`` plugin's version (e.g. "2.26.1"), or None when it is missing."""
    res = host.run(["docker", "compose", "version", "--short"], timeout=15)
    m = _VERSION.search(res.stdout) if res.ok else None
    return ".".join(m.groups()) if m else None


def legacy_compose_version(host: Host) -> str | None:
    """The version of a standalone ``docker-compose`` (v1) when one is on PATH."""
    if host.which("docker-compose") is None:
        return None
    res = host.run(["docker-compose", "version", "--short"], timeout=15)
    m = _VERSION.search(res.stdout) if res.ok else None
    return ".".join(m.groups()) if m else None


def mirror_uri(sources_text: str) -> str | None:
    """The first Debian mirror URI in a deb822 ``.sources`` file or a one-line ``sources.list``."""
    for raw in sources_text.splitlines():
        line = raw.strip()
        if line.startswith("URIs:"):
            uris = line.split(":", 1)[1].split()
            if uris:
                return uris[0]
        if line.startswith("deb ") and not line.startswith("deb-src"):
            parts = [p for p in line.split()[1:] if not p.startswith("[")]
            if parts and "security" not in parts[0]:
                return parts[0]
    return None


def _read_sources() -> str:
    paths = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    return "\n".join(path.read_text(errors="replace") for path in paths if path.is_file())


def install_compose_plugin(host: Host, sources_text: str | None = None) -> None:
    uri = mirror_uri(sources_text if sources_text is not None else _read_sources())
    if uri is None:
        raise SetupError("cannot install Compose v2: no Debian mirror is configured in /etc/apt")
    with tempfile.TemporaryDirectory(prefix="drills-compose-") as tmp:
        root = Path(tmp)
        for sub in ("state/lists/partial", "cache/archives/partial", "etc", "x"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "etc/sources.list").write_text(
            f"deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] {uri} {PLUGIN_SUITE} main\n"
        )
        apt = [
            "apt-get",
            "-o", f"Dir::State={root / 'state'}",
            "-o", f"Dir::Cache={root / 'cache'}",
            "-o", f"Dir::Etc::SourceList={root / 'etc/sources.list'}",
            "-o", "Dir::Etc::SourceParts=/dev/null",
            "-o", "Dir::State::status=/var/lib/dpkg/status",
        ]  # fmt: skip
        for argv, what in (
            ([*apt, "update", "-qq"], "apt-get update (trixie)"),
            ([*apt, "download", "docker-compose"], "apt-get download docker-compose"),
        ):
            res = host.run(argv, timeout=300, cwd=root)
            if not res.ok:
                raise SetupError(f"installing Compose v2: {what} failed: {res.last_line()}")
        debs = sorted(root.glob("docker-compose_*.deb"))
        if not debs:
            raise SetupError("installing Compose v2: apt-get download produced no docker-compose .deb")
        res = host.run(["dpkg-deb", "-x", str(debs[-1]), str(root / "x")], timeout=120)
        if not res.ok:
            raise SetupError(f"installing Compose v2: dpkg-deb -x failed: {res.last_line()}")
        binary = root / "x/usr/libexec/docker/cli-plugins/docker-compose"
        res = host.run(["install", "-D", "-m", "0755", str(binary), str(PLUGIN_DIR / "docker-compose")], timeout=60)
        if not res.ok:
            raise SetupError(f"installing Compose v2: copying the plugin failed: {res.last_line()}")


def ensure_compose(host: Host) -> str:
    version = compose_version(host)
    if version and int(version.split(".")[0]) >= 2:
        return f"Docker Compose {version}"
    legacy = legacy_compose_version(host)
    if not (host.is_root() and host.is_debian()):
        found = f"only Compose v1 (docker-compose {legacy}) was found, which" if legacy else "Compose v2 is missing;"
        raise ComposeUnavailable(
            f"{found} cannot run this project's compose file; install the Docker Compose v2 plugin "
            "(`docker compose version` must print 2.x)"
        )
    install_compose_plugin(host)
    version = compose_version(host)
    if not version or int(version.split(".")[0]) < 2:
        raise ComposeUnavailable("installed the Compose v2 plugin but `docker compose version` still fails")
    note = f" (Compose v1 {legacy} left alone, not used)" if legacy else ""
    return f"Docker Compose {version}: installed the v2 plugin into {PLUGIN_DIR}{note}"
