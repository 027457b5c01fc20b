"""kill / pause / restart of one service in one site, each with its heal.

    kill     SIGKILL the container          heal: start it, wait healthy
    pause    freeze its processes           heal: unpause, wait healthy
    restart  docker restart (graceful)      heal: wait healthy
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from drills.errors import FaultError
from drills.faults.base import FaultContext, FaultType, docker_call, params_of, register, wait_healthy
from drills.model.fields import Fields
from drills.model.scenario import FaultSpec
from drills.model.schema_parts import string

if TYPE_CHECKING:
    from docker.models.containers import Container


@dataclass(frozen=True)
class ServiceFault:
    site: str
    service: str  # as written (service name or capability)
    resolved: str  # the compose service it resolved to

    def describe(self) -> str:
        return f"{self.resolved} (site {self.site})"


def build(fields: Fields) -> ServiceFault:
    site = fields.site(fields.get("site"), "site")
    want = str(fields.get("service"))
    local = fields.topology.services_in(site)
    match = [s for s in local if s.name == want] or [s for s in local if s.capability == want]
    if len(match) != 1:
        names = ", ".join(s.name for s in local) or "none"
        why = "ambiguous" if match else "unknown"
        raise fields.fail(f"{why} service '{want}' in site {site} (services there: {names})", "service")
    return ServiceFault(site=site, service=want, resolved=match[0].name)


_FIELDS = {
    "site": string("Site whose containers are hit (a site from the compose labels)."),
    "service": string("Compose service name, or a capability whose instance in that site is hit."),
}


@dataclass
class ServiceFaultBase:
    type_name: ClassVar[str] = ""
    spec: FaultSpec
    ids: list[str] = field(default_factory=list)

    @property
    def params(self) -> ServiceFault:
        return params_of(self.spec, ServiceFault)

    def targets(self, ctx: FaultContext) -> list[Container]:
        ctrs = ctx.containers(domain=self.params.site, service=self.params.resolved)
        if not ctrs:
            p = self.params
            raise FaultError(f"{self.type_name}: no container of service {p.resolved} in site {p.site}")
        self.ids = [str(c.id) for c in ctrs]
        return ctrs

    def mine(self, ctx: FaultContext) -> list[Container]:
        return [c for c in ctx.containers(domain=self.params.site) if c.id in self.ids]


class KillFault(ServiceFaultBase):
    type_name = "kill"

    def inject(self, ctx: FaultContext) -> None:
        ctrs = self.targets(ctx)
        ctx.destructive()
        for c in ctrs:
            docker_call(f"kill {c.name}", c.kill, signal="SIGKILL")

    def heal(self, ctx: FaultContext) -> None:
        ctrs = self.mine(ctx)
        for c in ctrs:
            if c.status != "running":
                docker_call(f"start {c.name}", c.start)
        wait_healthy(ctx, ctrs, f"heal kill {self.params.resolved}")


class PauseFault(ServiceFaultBase):
    type_name = "pause"

    def inject(self, ctx: FaultContext) -> None:
        ctrs = self.targets(ctx)
        ctx.destructive()
        for c in ctrs:
            docker_call(f"pause {c.name}", c.pause)

    def heal(self, ctx: FaultContext) -> None:
        ctrs = self.mine(ctx)
        for c in ctrs:
            if c.status == "paused":
                docker_call(f"unpause {c.name}", c.unpause)
        wait_healthy(ctx, ctrs, f"heal pause {self.params.resolved}")


class RestartFault(ServiceFaultBase):
    type_name = "restart"

    def inject(self, ctx: FaultContext) -> None:
        ctrs = self.targets(ctx)
        ctx.destructive()
        for c in ctrs:
            docker_call(f"restart {c.name}", c.restart, timeout=5)

    def heal(self, ctx: FaultContext) -> None:
        wait_healthy(ctx, self.mine(ctx), f"heal restart {self.params.resolved}")


for _cls, _summary in (
    (KillFault, "SIGKILL one service's container in one site; the heal starts it and waits until it is healthy."),
    (PauseFault, "Freeze one service's processes in one site; the heal unpauses them and waits until healthy."),
    (RestartFault, "Restart one service's container in one site (gracefully); the heal waits until it is healthy."),
):
    register(FaultType(_cls.type_name, _summary, _FIELDS, ("site", "service"), build, _cls))
