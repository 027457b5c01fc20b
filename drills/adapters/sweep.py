"""Reap every Docker resource a drill left behind.

A killed run (SIGKILL, power loss of the runner) cannot tear down. Every container, network and
volume of a run carries ``org.drills.run=<run id>``, so a later run calls :func:`sweep` to remove
them: containers first, all at once (they hold networks and volumes), then networks, then
volumes. Images are never touched; nothing without the label is ever listed.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import docker.errors

from drills.adapters.labels import RUN
from drills.errors import EngineUnavailable, TeardownError

__all__ = ["SweepReport", "leftovers", "sweep"]


@dataclass
class SweepReport:
    containers: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)
    volumes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.containers) + len(self.networks) + len(self.volumes)


def _filters(run_id: str | None) -> dict[str, str]:
    return {"label": RUN if run_id is None else f"{RUN}={run_id}"}


def labelled_containers(client: Any, flt: dict[str, str]) -> list[Any]:
    """Every container matching ``flt``, from the engine's list alone (``sparse``): the SDK's full
    listing inspects each container after listing them, and one removed in between - by a reaper or
    a compose down at work - raised 404 out of the whole call. Names: :func:`container_name`."""
    return list(client.containers.list(all=True, filters=flt, sparse=True))


def container_name(container: Any) -> str:
    """A listed container's name (a sparse one has only ``Names``, e.g. ``["/drills-x-pg-a-1"]``)."""
    if container.name:
        return str(container.name)
    names = container.attrs.get("Names") or [str(container.id)[:12]]
    return str(names[0]).lstrip("/")


def leftovers(client: Any, run_id: str | None = None) -> SweepReport:
    """What still exists with the run label (all runs when ``run_id`` is None)."""
    flt = _filters(run_id)
    try:
        return SweepReport(
            containers=[container_name(c) for c in labelled_containers(client, flt)],
            networks=[n.name for n in client.networks.list(filters=flt)],
            volumes=[v.name for v in client.volumes.list(filters=flt)],
        )
    except docker.errors.DockerException as exc:
        raise EngineUnavailable(f"cannot list drill resources: {exc}") from exc


NETWORK_RETRIES_S = (0.2, 0.4, 0.8, 1.6)  # waits between removals of a network still holding endpoints


def _remove_network(network: Any) -> None:
    """Remove one of the run's networks. The engine can keep an endpoint of a container already
    removed: "has active endpoints" - seen in CI once after a power cut had disconnected and
    reconnected the site's containers, and in 1 of ~30 drills once teardown removed every
    container at once (the engine was still releasing the endpoint when the network's turn
    came). Those endpoints are force-disconnected - the network carries the run's label, so
    whatever is attached to it is the run's - and the removal tried again, after each of
    ``NETWORK_RETRIES_S`` (3 s in all)."""
    for wait in (*NETWORK_RETRIES_S, None):
        try:
            network.remove()
            return
        except docker.errors.APIError as exc:
            if "active endpoints" not in str(exc.explanation or exc) or wait is None:
                raise
        network.reload()
        for cid, endpoint in (network.attrs.get("Containers") or {}).items():
            with contextlib.suppress(docker.errors.APIError):
                network.disconnect(cid if not str(cid).startswith("ep-") else endpoint.get("Name", cid), force=True)
        time.sleep(wait)


def _each(remove: Callable[[Any], None], resources: list[Any], at_once: int = 16) -> None:
    """``remove`` every resource, ``at_once`` in parallel. Daemon threads, not a thread pool: the
    interpreter waits for a pool's workers when it exits, and an interrupted run that handed its
    removal over to the reaper must be able to exit while a removal is still in flight."""
    raised: list[Exception] = []

    def one(resource: Any) -> None:
        try:
            remove(resource)
        except Exception as exc:  # noqa: BLE001 - raised in the caller's thread below, as a pool would
            raised.append(exc)

    for start in range(0, len(resources), at_once):
        threads = [threading.Thread(target=one, args=(r,), name="sweep", daemon=True)
                   for r in resources[start:start + at_once]]  # fmt: skip
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    if raised:
        raise raised[0]


def sweep(client: Any, run_id: str | None = None) -> SweepReport:
    """Remove every container, network and volume labelled with ``run_id`` (or any run).

    Returns what was removed; raises TeardownError listing what could not be removed.
    """
    flt = _filters(run_id)
    removed = SweepReport()
    failures: list[str] = []

    def remover(kind: str, done: list[str], remove: Callable[[Any], None],
                name: Callable[[Any], str]) -> Callable[[Any], None]:  # fmt: skip
        def one(resource: Any) -> None:
            try:
                remove(resource)
                done.append(name(resource))
            except docker.errors.NotFound:
                pass  # gone meanwhile: what was wanted
            except docker.errors.APIError as exc:
                failures.append(f"{kind} {name(resource)}: {exc.explanation or exc}")

        return one

    # containers killed, not stopped: nothing of a run is worth a grace period
    remove_container = remover("container", removed.containers, lambda c: c.remove(force=True, v=True), container_name)
    remove_network = remover("network", removed.networks, _remove_network, lambda n: str(n.name))
    remove_volume = remover("volume", removed.volumes, lambda v: v.remove(force=True), lambda v: str(v.name))

    try:  # each kind in parallel (one at a time took ~0.3 s per container); networks only once no container is left
        _each(remove_container, labelled_containers(client, flt))
        _each(remove_network, client.networks.list(filters=flt))
        _each(remove_volume, client.volumes.list(filters=flt))
    except docker.errors.DockerException as exc:
        raise EngineUnavailable(f"cannot sweep drill resources: {exc}") from exc
    if failures:
        raise TeardownError(
            "could not remove: " + "; ".join(failures)
            + " (hint: check `docker ps -a --filter label=" + flt["label"] + "`)"
        )
    return removed
