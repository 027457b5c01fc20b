"""Is a restored site whole again? What the rejoin phase reads once a second.

    read_site_state(client, project, site) -> SiteState(ready, detail)   (client: a docker SDK client)

*Ready* when every container of the site (found by labels: the run's compose project and
``org.drills.domain``) runs and, where it has a healthcheck, is healthy, and every datastore of
the site that carries ``org.drills.in-sync`` answers its command with exit code 0 - for the
reference replica ``replica-db in-sync``: this member is the primary, or the synchronous standby
with its WAL receiver streaming. ``detail`` is one line naming what holds or what is still
missing, e.g. ``pg-a: not the synchronous standby; 4 of 5 services healthy (chat-a: starting)``.

A datastore without the label is judged by its health alone (the detail says so). An engine or
exec failure is a state (not ready, with the error), never a raise: the phase keeps reading
until its timeout.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any

from drills.adapters import labels
from drills.adapters.container_exec import ContainerExec
from drills.errors import DrillsError

__all__ = ["IN_SYNC_TIMEOUT_S", "SiteState", "last_line", "not_ready", "read_site_state"]

IN_SYNC_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class SiteState:
    ready: bool
    detail: str


def last_line(text: str) -> str:
    """The last non-blank line of a command's output, stripped ("" when there is none)."""
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return lines[-1] if lines else ""


def not_ready(c: Any) -> str:
    """Why a container (docker SDK object, reloaded) is not ready - its health (``starting``,
    ``unhealthy``) or its state (``exited``, ...) - or "" when it runs and, where it has a
    healthcheck, is healthy."""
    state = c.attrs.get("State", {})
    health = (state.get("Health") or {}).get("Status")
    if state.get("Status") != "running" or health not in (None, "healthy"):
        return str(health or state.get("Status"))
    return ""


def read_site_state(client: Any, project: str, site: str) -> SiteState:
    try:
        wanted = [f"{labels.COMPOSE_PROJECT}={project}", f"{labels.DOMAIN}={site}"]
        containers = list(client.containers.list(all=True, filters={"label": wanted}))
        for c in containers:
            c.reload()
    except Exception as exc:  # noqa: BLE001 - a state, never a raise (module docstring)
        return SiteState(False, f"cannot read site {site}: {exc}")
    if not containers:
        return SiteState(False, f"no container of site {site}")
    unhealthy: list[str] = []
    stores: list[str] = []
    ready = True
    for c in sorted(containers, key=lambda c: str(c.labels.get(labels.COMPOSE_SERVICE, c.name))):
        service = str(c.labels.get(labels.COMPOSE_SERVICE, c.name))
        problem = not_ready(c)
        if problem:
            unhealthy.append(f"{service}: {problem}")
            continue
        if c.labels.get(labels.ROLE) != "datastore":
            continue
        command = c.labels.get(labels.IN_SYNC)
        if not command:
            stores.append(f"{service}: healthy (no {labels.IN_SYNC} to ask)")
            continue
        try:
            done = ContainerExec(client, project).run(service, site, shlex.split(command), IN_SYNC_TIMEOUT_S)
        except DrillsError as exc:
            ready = False
            stores.append(f"{service}: {exc}")
            continue
        answer = last_line(done.output) or f"exit code {done.exit_code}"
        stores.append(answer if answer.startswith(f"{service}:") else f"{service}: {answer}")
        ready = ready and done.exit_code == 0
    healthy = len(containers) - len(unhealthy)
    services = f"{healthy} of {len(containers)} services healthy"
    if unhealthy:
        services += f" ({', '.join(unhealthy)})"
    return SiteState(ready and not unhealthy, "; ".join([*stores, services]))
