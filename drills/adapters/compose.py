"""One Compose project per drill run: bring-up, teardown and label-based discovery.

Lifecycle::

    with ComposeProject("drills-1a2b3c4d", ["docker-compose.yml"], env, repo_root) as topo:
        topo.endpoint_url("chat")      # http://127.0.0.1:<published port>
        topo.services(domain="a")      # every container of site a, from labels
    # leaving the block (or a failed __enter__) runs down(): containers, networks and volumes

The ``docker compose`` CLI is called with argument lists (never a shell) and a timeout on every
call, in a process group of its own that is killed whole when the call ends early
(:mod:`drills.adapters.process`: the CLI's Compose plugin would otherwise go on creating);
failures become :class:`drills.errors.TopologyError` carrying the last log lines of every
unhealthy container and a hint. Discovery reads container labels through the Docker SDK
(see :mod:`drills.topology.labels`), so nothing depends on container names. The run label
``org.drills.run`` defaults to the project name, so :func:`drills.topology.sweep.sweep` can reap
a killed run's leftovers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import docker
import docker.errors

from drills.adapters import labels
from drills.adapters.docker_client import engine_client
from drills.adapters.process import run_group
from drills.adapters.sweep import leftovers, sweep
from drills.errors import ComposeUnavailable, EngineUnavailable, TeardownError, TopologyError

__all__ = ["ComposeProject"]

UP_TIMEOUT_S = 300
DOWN_TIMEOUT_S = 120
# SIGKILL at once: a run's logs are kept before teardown and its volumes go with it, so a graceful
# stop protects nothing. bench/teardown.py, 25 teardowns each: -t 0 3.39 s median (3.07-3.99),
# -t 2 9.13 s (7.00-10.65), 0 errors and 0 leaks in either
DOWN_GRACE_S = 0
QUERY_TIMEOUT_S = 30
LOG_LINES = 15


class ComposeProject:
    def __init__(
        self,
        name: str,
        files: Sequence[str | os.PathLike[str]] = ("docker-compose.yml",),
        env: Mapping[str, str] | None = None,
        repo_root: str | os.PathLike[str] = ".",
        client: Any | None = None,
    ) -> None:
        self.name = name
        self.repo_root = Path(repo_root).resolve()
        self.files = [Path(f) if Path(f).is_absolute() else self.repo_root / f for f in files]
        # the run id comes from ``env`` or is the project name, never from the ambient
        # environment: two runs must not share a label, or sweeping one would reap the other
        self.run_id = (env or {}).get("DRILLS_RUN_ID", name)
        self.env = {**os.environ, **(env or {}), "DRILLS_RUN_ID": self.run_id}
        self._client = client

    # ---- Docker SDK ---------------------------------------------------------------------------
    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = engine_client(timeout=QUERY_TIMEOUT_S)
        return self._client

    # ---- the compose CLI ----------------------------------------------------------------------
    def _argv(self, *args: str) -> list[str]:
        argv = ["docker", "compose", "-p", self.name]
        for f in self.files:
            argv += ["-f", str(f)]
        return argv + list(args)

    def compose(self, *args: str, timeout: float = QUERY_TIMEOUT_S) -> str:
        """Run one ``docker compose`` subcommand; return stdout or raise TopologyError."""
        argv = self._argv(*args)
        try:
            done = run_group(argv, cwd=self.repo_root, env=self.env, timeout=timeout)
        except FileNotFoundError as exc:
            raise ComposeUnavailable("the `docker` CLI is not on PATH") from exc
        except subprocess.TimeoutExpired as exc:
            raise TopologyError(
                f"`docker compose {' '.join(args)}` did not finish within {timeout:.0f}s"
                + self._diagnostics()
            ) from exc
        if done.returncode != 0:
            err = (done.stderr or done.stdout).strip().splitlines()
            if any("is not a docker command" in line or "unknown command" in line for line in err):
                raise ComposeUnavailable("`docker compose` (Compose v2) is not installed")
            raise TopologyError(
                f"`docker compose {' '.join(args)}` failed (exit {done.returncode}): "
                + " | ".join(err[-5:]) + self._diagnostics()
            )
        return done.stdout

    def check_compose(self) -> str:
        """The Compose version; ComposeUnavailable unless it is v2."""
        try:
            done = run_group(["docker", "compose", "version", "--short"], timeout=QUERY_TIMEOUT_S)
        except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
            raise ComposeUnavailable(f"cannot run `docker compose version`: {exc}") from exc
        version = done.stdout.strip().lstrip("v")
        if done.returncode != 0 or not version.startswith("2."):
            raise ComposeUnavailable(
                f"Compose v2 is required, found {version or done.stderr.strip() or 'nothing'}"
            )
        return version

    # ---- lifecycle ----------------------------------------------------------------------------
    def up(self, wait: bool = True, timeout: float = UP_TIMEOUT_S) -> None:
        """``up -d`` (and ``--wait`` for every healthcheck); TopologyError when it fails."""
        self.check_compose()
        args = ["up", "-d", "--remove-orphans"]
        if wait:
            args += ["--wait", "--wait-timeout", str(int(timeout))]
        self.compose(*args, timeout=timeout + 30)

    def down(self, timeout: float = DOWN_TIMEOUT_S, grace: int = DOWN_GRACE_S) -> None:
        """Remove containers, networks and volumes of this run; TeardownError if any remain.
        ``grace``: seconds each container gets between SIGTERM and SIGKILL (``-t``)."""
        error: Exception | None = None
        try:
            self.compose("down", "-v", "--remove-orphans", "-t", str(grace), timeout=timeout)
        except (TopologyError, ComposeUnavailable) as exc:
            error = exc  # fall back to the label sweep below
        sweep(self.client, self.run_id)  # backstop: anything compose did not know about
        left = leftovers(self.client, self.run_id)
        if left.total:
            raise TeardownError(
                f"run {self.run_id} left {left.containers + left.networks + left.volumes}"
                + (f" after: {error}" if error else "")
            )

    def __enter__(self) -> Self:
        try:
            self.up(wait=True)
        except BaseException:
            # the bring-up error is the one to report; a failing cleanup must not replace it
            with contextlib.suppress(Exception):
                self.down()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.down()

    # ---- discovery ----------------------------------------------------------------------------
    def containers(self) -> list[Any]:
        """Every container of this project (docker SDK objects), running or not."""
        try:
            return list(self.client.containers.list(
                all=True, filters={"label": f"{labels.COMPOSE_PROJECT}={self.name}"}
            ))
        except docker.errors.DockerException as exc:
            raise EngineUnavailable(f"cannot list containers of {self.name}: {exc}") from exc

    def services(
        self, domain: str | None = None, capability: str | None = None, role: str | None = None
    ) -> list[labels.Service]:
        out = []
        for c in self.containers():
            health = (c.attrs.get("State", {}).get("Health") or {}).get("Status")
            svc = labels.Service.from_labels(c.id, c.labels, c.status, health)
            if domain not in (None, svc.domain) or role not in (None, svc.role):
                continue
            if capability not in (None, svc.capability):
                continue
            out.append(svc)
        return sorted(out, key=lambda s: (s.domain, s.role, s.service))

    def sites(self) -> list[str]:
        """The failure domains that can lose power: every labelled domain except the edge."""
        return sorted({s.domain for s in self.services() if s.domain and s.domain != labels.EDGE})

    def _one_with_label(self, label: str) -> Any:
        found = [c for c in self.containers() if label in c.labels and c.status == "running"]
        if len(found) != 1:
            raise TopologyError(
                f"expected one running container labelled {label} in {self.name}, "
                f"found {len(found)} (hint: is the stack up? `docker compose -p {self.name} ps`)"
            )
        return found[0]

    @staticmethod
    def _published(container: Any, port: int) -> int:
        bindings = (container.attrs["NetworkSettings"]["Ports"] or {}).get(f"{port}/tcp") or []
        for b in bindings:
            if b.get("HostIp") in ("127.0.0.1", "") and b.get("HostPort"):
                return int(b["HostPort"])
        raise TopologyError(
            f"container port {port} of {container.name} is not published on 127.0.0.1 "
            "(hint: ports: [\"127.0.0.1::PORT\"] in the compose file)"
        )

    def _entry_ports(self) -> tuple[Any, dict[str, int]]:
        entry = self._one_with_label(labels.ENDPOINTS)
        try:
            return entry, labels.parse_endpoints(entry.labels[labels.ENDPOINTS])
        except ValueError as exc:
            raise TopologyError(str(exc)) from exc

    def capabilities(self) -> list[str]:
        """The capabilities the entry point serves, as its ``org.drills.endpoints`` label lists them."""
        return list(self._entry_ports()[1])

    def endpoint_url(self, capability: str) -> str:
        entry, ports = self._entry_ports()
        if capability not in ports:
            raise TopologyError(
                f"the entrypoint serves {sorted(ports)}, not {capability!r}"
            )
        return f"http://127.0.0.1:{self._published(entry, ports[capability])}"

    def site_endpoint_urls(self) -> dict[str, dict[str, str]]:
        """Each site's own entry points, bypassing the edge load balancer: ``{site: {capability: URL}}``,
        from the running containers labelled ``org.drills.site-endpoints`` (an item without a site
        is the container's own domain's). A (site, capability) listed twice takes the first
        container by name."""
        out: dict[str, dict[str, str]] = {}
        found = [c for c in self.containers() if labels.SITE_ENDPOINTS in c.labels and c.status == "running"]
        for c in sorted(found, key=lambda c: str(c.name)):
            own = c.labels.get(labels.DOMAIN, "")
            try:
                ports = labels.parse_site_endpoints(c.labels[labels.SITE_ENDPOINTS], "" if own == labels.EDGE else own)
            except ValueError as exc:
                raise TopologyError(f"{c.name}: {exc}") from exc
            for (site, cap), port in ports.items():
                out.setdefault(site, {}).setdefault(cap, f"http://127.0.0.1:{self._published(c, port)}")
        return out

    def toxiproxy_api(self) -> tuple[str, int]:
        wan = self._one_with_label(labels.TOXIPROXY_API)
        return "127.0.0.1", self._published(wan, int(wan.labels[labels.TOXIPROXY_API]))

    # ---- diagnostics --------------------------------------------------------------------------
    def _diagnostics(self) -> str:
        """Status and last log lines of every container that is not running and healthy."""
        try:
            bad = []
            for c in self.containers():
                health = (c.attrs.get("State", {}).get("Health") or {}).get("Status")
                if c.status == "running" and health in (None, "healthy"):
                    continue
                tail = c.logs(tail=LOG_LINES).decode(errors="replace").rstrip()
                bad.append(f"\n--- {c.name}: {c.status}/{health or '-'}\n{tail}")
        except (TopologyError, EngineUnavailable, docker.errors.DockerException):
            return ""
        if not bad:
            return ""
        return "".join(bad) + (
            "\nhint: read the full log with `docker logs <container>`; images built? "
            "(drills.topology.images.build_images)"
        )
