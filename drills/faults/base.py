"""Faults: one module per fault type, each carrying everything about it, and registering itself.

A fault type's module holds its params dataclass, its JSON-Schema fields, its builder from the
scenario's YAML (enforcing the rules that need the topology), its plain-words summary and the
class that injects and heals it; it ends with ``register(FaultType(...))``. The package imports
every module in it, so a new fault type is one new file.

    Fault.inject(ctx)   apply the failure      (records nothing itself: the runner
    Fault.heal(ctx)     undo exactly that       appends FaultEvents to the timeline)

Right before its first destructive call (the first kill sent, the first link cut, the first
toxic added) ``inject`` calls ``ctx.destructive()``: whatever it does before that (listing
proxies, inspecting networks, holding restart policies) is preparation, and RTO counts from
that instant, not from the start of the action. Calling it again is harmless.

``FaultContext`` is everything a fault may touch: the Docker engine (only
containers of this run's Compose project, found by labels), the Toxiproxy
server (the WAN), and the scenario's static topology. A fault keeps whatever
it needs to undo itself (e.g. the network aliases it removed) on the instance,
so heal never guesses. Heal is idempotent: healing twice is harmless.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from drills.errors import FaultError
from drills.model.fields import Fields
from drills.model.registry import add_unique, typed_params
from drills.model.scenario import FaultParams, FaultSpec
from drills.model.schema_parts import JsonSchema
from drills.model.topology import Topology

if TYPE_CHECKING:  # the Docker SDK, requests and Toxiproxy are imported by a run, not by loading a scenario
    import docker
    from docker.models.containers import Container

    from drills.adapters.toxiproxy import WanClient

PROJECT_LABEL = "com.docker.compose.project"
SERVICE_LABEL = "com.docker.compose.service"
DOMAIN_LABEL = "org.drills.domain"
ROLE_LABEL = "org.drills.role"
REJOIN_TIMEOUT_S = 120.0
P = TypeVar("P")


@dataclass
class FaultContext:
    client: docker.DockerClient
    project: str
    wan: WanClient
    topology: Topology
    rejoin_timeout: float = REJOIN_TIMEOUT_S
    # heal waits until the healed containers are healthy; False (a scenario with restore:, whose
    # rejoin phase judges their health): until they run - a site that never gets healthy again is
    # then a finding of the rejoin check, not an error of the run
    heal_waits_healthy: bool = True
    on_destructive: Callable[[], None] = field(default=lambda: None)  # set by the runner around inject

    def destructive(self) -> None:
        """The fault is about to make its first destructive call (see the module docstring)."""
        self.on_destructive()

    def containers(self, domain: str | None = None, service: str | None = None) -> list[Container]:
        labels = [f"{PROJECT_LABEL}={self.project}"]
        if domain:
            labels.append(f"{DOMAIN_LABEL}={domain}")
        if service:
            labels.append(f"{SERVICE_LABEL}={service}")
        found = docker_call(f"list containers of {self.project}", self.client.containers.list,
                            all=True, filters={"label": labels})  # fmt: skip
        return list(found)

    def link_names(self, predicate: Callable[[str, str], bool]) -> list[str]:
        """Live Toxiproxy links ``<src>_<dst>_<what>`` whose (src, dst) match."""
        out = []
        for name in self.wan.proxies():
            try:
                link = self.topology.parse_link(name)
            except ValueError as exc:  # the run's own WAN disagrees with its topology: never skip a link
                raise FaultError(f"toxiproxy of {self.project}: {exc}") from exc
            if predicate(link.src, link.dst):
                out.append(name)
        return sorted(out)


class Fault(Protocol):
    spec: FaultSpec

    def inject(self, ctx: FaultContext) -> None: ...

    def heal(self, ctx: FaultContext) -> None: ...


@dataclass(frozen=True)
class FaultType:
    """Everything drills knows about one fault type (see the module docstring)."""

    name: str  # the scenario's ``type``
    summary: str  # what it does, in plain words (docs, ``drill schema``)
    fields: dict[str, JsonSchema]  # JSON Schema of its own fields (besides id, type, at, duration)
    required: tuple[str, ...]
    build: Callable[[Fields], FaultParams]  # schema-valid mapping -> params; raises ScenarioError
    make: Callable[[FaultSpec], Fault]  # the injector of one scheduled fault
    cuts_site: Callable[[Any], str] | None = None  # params -> the site it takes down whole (a site cut)


FAULT_TYPES: dict[str, FaultType] = {}


def register(fault_type: FaultType) -> FaultType:
    return add_unique(FAULT_TYPES, fault_type.name, fault_type, "fault type")


def params_of(spec: FaultSpec, kind: type[P]) -> P:
    """``spec.params`` as the ``kind`` its fault type builds (TypeError: a spec built for another type)."""
    return typed_params("fault", spec.id, spec.params, kind)


def site_cut(spec: FaultSpec) -> str:
    """The site ``spec`` takes down whole (its power, every link), or "" for a partial fault."""
    fault_type = FAULT_TYPES.get(spec.type)
    if fault_type is None or fault_type.cuts_site is None:
        return ""
    return fault_type.cuts_site(spec.params)


def make_fault(spec: FaultSpec) -> Fault:
    """The injector of ``spec``; ValueError naming the registered types for an unknown one."""
    try:
        fault_type = FAULT_TYPES[spec.type]
    except KeyError:
        raise ValueError(f"unknown fault type {spec.type!r} (allowed: {', '.join(sorted(FAULT_TYPES))})") from None
    return fault_type.make(spec)


def docker_call(what: str, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
    """Run one Docker call, translating its errors (API and transport) into FaultError."""
    import requests
    from docker.errors import APIError, DockerException, NotFound

    try:
        return fn(*args, **kw)
    except NotFound as exc:
        raise FaultError(f"{what}: not found ({exc.explanation or exc})") from exc
    except APIError as exc:
        raise FaultError(f"{what}: {exc.explanation or exc}") from exc
    except (DockerException, requests.RequestException) as exc:  # engine timeouts, dropped socket
        raise FaultError(f"{what}: the Docker engine did not answer ({type(exc).__name__}: {exc})") from exc


def all_at_once(fns: list[Callable[[], None]]) -> list[BaseException]:
    """Run callables in parallel threads (a power cut hits every machine at the same instant)."""
    if not fns:
        return []
    errors: list[BaseException] = []
    from concurrent.futures import ThreadPoolExecutor  # here: it imports logging, and validate never runs a fault

    with ThreadPoolExecutor(max_workers=len(fns)) as pool:
        for fut in [pool.submit(fn) for fn in fns]:
            exc = fut.exception()
            if exc is not None:
                errors.append(exc)
    return errors


def wait_healthy(ctx: FaultContext, containers: list[Container], what: str) -> None:
    """Wait (bounded) until every container runs and, where it has a healthcheck, is healthy (only
    runs, when ``ctx.heal_waits_healthy`` is off)."""

    def pending() -> list[str]:
        names = []
        for c in containers:
            try:
                docker_call(f"inspect {c.name}", c.reload)
            except FaultError as exc:
                if "not found" not in str(exc):
                    raise
                names.append(f"{c.name} (gone)")
                continue
            state = c.attrs.get("State", {})
            health = (state.get("Health") or {}).get("Status")
            if not ctx.heal_waits_healthy:
                health = None
            if state.get("Status") != "running" or health not in (None, "healthy"):
                names.append(f"{c.name} ({health or state.get('Status')})")
        return names

    from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

    try:
        Retrying(stop=stop_after_delay(ctx.rejoin_timeout), wait=wait_fixed(0.5),
                 retry=retry_if_result(bool))(pending)  # fmt: skip
    except RetryError as exc:
        left = exc.last_attempt.result()
        raise FaultError(f"{what}: not healthy after {ctx.rejoin_timeout:.0f}s: {', '.join(left)}") from None
