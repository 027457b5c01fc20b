"""power_cut: a site loses power; power_restore (its heal) brings it back.

    inject                                   heal (power_restore)
    0. hold Docker restart policies off       0. (restored after start)
    1. disable every WAN link to/from it      1. reconnect the networks, same aliases
       (the destructive instant: RTO counts
       from here, not from step 0)
    2. SIGKILL every container of the site    2. enable the links again
       in parallel threads (same instant)     3. start every container of the site
    3. once dead, disconnect them from any    4. wait until all are running and healthy
       network another domain (not the WAN)      (the datastore node rejoined as replica)
       shares
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from docker.models.containers import Container

from drills.errors import FaultError
from drills.faults.base import (
    DOMAIN_LABEL,
    ROLE_LABEL,
    FaultContext,
    FaultType,
    all_at_once,
    docker_call,
    params_of,
    register,
    wait_healthy,
)
from drills.model.fields import Fields
from drills.model.scenario import FaultSpec

SITE_FIELD = {"type": "string", "description": "Site whose containers are hit (a site from the compose labels)."}


POWERED = ("running", "paused", "restarting")  # container states of a machine that has power


@dataclass(frozen=True)
class PowerCut:
    site: str

    def describe(self) -> str:
        return f"site {self.site}"


def build(fields: Fields) -> PowerCut:
    return PowerCut(fields.site(fields.get("site"), "site"))


@dataclass
class PowerCutFault:
    spec: FaultSpec
    killed: list[str] = field(default_factory=list)  # container ids
    links: list[str] = field(default_factory=list)
    detached: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (network id, container id, aliases)
    policies: dict[str, dict[str, object]] = field(default_factory=dict)  # container id -> restart policy

    @property
    def site(self) -> str:
        return params_of(self.spec, PowerCut).site

    def _shared_networks(
        self, ctx: FaultContext, site_ctrs: list[Container], own: list[Container]
    ) -> list[tuple[str, str, list[str]]]:
        """(network, container, aliases) for every network the site shares with *another domain*.

        The WAN (role ``wan``, Toxiproxy) sits on every site network by design and is cut through
        its links, so a network shared only with it is the site's own: nothing to disconnect.
        In the reference replica this is always empty.
        """
        wan_ids = {str(c.id) for c in ctx.containers() if c.labels.get(ROLE_LABEL) == "wan"}
        site_ids = {str(x.id) for x in own}  # every container of the site, powered or not
        out = []
        for c in site_ctrs:
            for net_name, net in (c.attrs.get("NetworkSettings", {}).get("Networks") or {}).items():
                net_obj = docker_call(f"inspect network {net_name}", ctx.client.networks.get, net["NetworkID"])
                others = [m for m in (net_obj.attrs.get("Containers") or {}) if m not in site_ids | wan_ids]
                if others:
                    cid = str(c.id)
                    aliases = [a for a in (net.get("Aliases") or []) if a and not cid.startswith(a)]
                    out.append((str(net["NetworkID"]), cid, aliases))
        return out

    def inject(self, ctx: FaultContext) -> None:
        own = ctx.containers(domain=self.site)
        ctrs = [c for c in own if c.status in POWERED]  # a paused (frozen) machine loses power too
        if not ctrs:
            raise FaultError(f"power_cut: no running container labelled {DOMAIN_LABEL}={self.site}")
        shared = self._shared_networks(ctx, ctrs, own)
        self.killed = [str(c.id) for c in ctrs]
        # A dead machine does not come back by itself: hold Docker's restart policy off until heal.
        for c in ctrs:
            policy = c.attrs.get("HostConfig", {}).get("RestartPolicy") or {}
            if policy.get("Name") not in (None, "", "no"):
                self.policies[str(c.id)] = policy
                docker_call(f"hold restart policy of {c.name}", c.update, restart_policy={"Name": "no"})
        # The WAN links go a few milliseconds before the machines: Toxiproxy can wedge a proxy
        # whose far end vanished mid-stream (its API then hangs), so links are cut while every
        # peer still answers, then every container is killed at the same instant.
        self.links = ctx.link_names(lambda src, dst: self.site in (src, dst))
        ctx.destructive()
        ctx.wan.set_many(self.links, False)
        errors = all_at_once([partial(c.kill, signal="SIGKILL") for c in ctrs])
        if shared:  # disconnect only once every container is dead: racing the kill can wedge the engine
            all_at_once([partial(docker_call, f"wait for {c.name}", c.wait, timeout=30) for c in ctrs])
        for net_id, cid, aliases in shared:
            net = ctx.client.networks.get(net_id)
            docker_call(f"disconnect {cid[:12]}", net.disconnect, cid, force=True)
            self.detached.append((net_id, cid, aliases))
        if errors:
            raise FaultError(f"power_cut site {self.site}: {len(errors)} container(s) not killed: {errors[0]}")

    def heal(self, ctx: FaultContext) -> None:
        for net_id, cid, aliases in self.detached:
            net = ctx.client.networks.get(net_id)
            net.reload()
            if cid not in (net.attrs.get("Containers") or {}):
                docker_call(f"reconnect {cid[:12]}", net.connect, cid, aliases=aliases or None)
        self.detached = []
        ctx.wan.set_many(self.links, True)
        ctrs = [c for c in ctx.containers(domain=self.site) if c.id in self.killed or c.status != "running"]
        errors = all_at_once([c.start for c in ctrs if c.status != "running"])
        if errors:
            raise FaultError(f"power_restore site {self.site}: start failed: {errors[0]}")
        for c in ctrs:
            if c.id in self.policies:
                docker_call(f"restore restart policy of {c.name}", c.update, restart_policy=self.policies.pop(c.id))
        wait_healthy(ctx, ctrs, f"power_restore site {self.site}")


register(
    FaultType(
        name="power_cut",
        summary="A site loses power: its WAN links are cut and every container of the site is killed at "
        "the same instant; the heal restores power and waits until the site is healthy again.",
        fields={"site": SITE_FIELD},
        required=("site",),
        build=build,
        make=PowerCutFault,
        cuts_site=lambda p: str(p.site),
    )
)
