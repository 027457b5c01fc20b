"""power_cut: a site loses power; power_restore (its heal) brings it back.

    inject                                   heal (power_restore)
    0. hold Docker restart policies off       0. (restored after start)
    1. cut every WAN link to/from it (the     1. reconnect the networks, same aliases
       destructive instant: RTO counts        2. blackhole: remove the toxics; Toxiproxy then
       from the first link cut, not step 0)      closes every connection that hung in them (a
                                                 rebooted machine ends old connections too)
                                                 refuse: enable the links again
    2. SIGKILL every container of the site    3. start every container of the site
       in parallel threads (same instant)     4. wait until all are running and healthy
    3. once dead, disconnect them from any       (the datastore node rejoined as replica)
       network another domain (not the WAN)
       shares

How a link is cut (``mode``):

    blackhole (default)    client ◄──► toxiproxy [drop data ─► hold close] ◄──► site (dead)
                           per stream (upstream, downstream): a ``timeout`` toxic (timeout 0)
                           drops every byte, and a ``slow_close`` toxic holds the close the
                           killed processes send (the kernel of a SIGKILLed process still sends
                           FIN; a machine without power sends nothing). Open connections hang
                           until the client's own timeout. New connections are accepted by
                           Toxiproxy, which fails to reach the dead site and resets them.
    refuse                 the links are disabled: open connections are closed at once and new
                           ones refused (the only behaviour before ``mode`` existed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Literal

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
from drills.model.schema_parts import string
from drills.model.topology import EDGE

if TYPE_CHECKING:  # the Docker SDK and Toxiproxy's client: imported by a run, not by loading a scenario
    from docker.models.containers import Container

    from drills.adapters.toxiproxy import Toxic

SITE_FIELD = {"type": "string", "description": "Site whose containers are hit (a site from the compose labels)."}
Mode = Literal["blackhole", "refuse"]
MODES: tuple[Mode, ...] = ("blackhole", "refuse")
MODE_FIELD = string(
    "How the site's WAN links fail: blackhole (default) or refuse. blackhole: packets vanish, as when "
    "a machine loses power: open connections hang until the client's own timeout (new ones are "
    "accepted by Toxiproxy, then reset as it fails to reach the dead site). refuse: the links are "
    "disabled: open connections are closed at once and new ones refused.",
    enum=list(MODES),
)

POWERED = ("running", "paused", "restarting")  # container states of a machine that has power

BLACKHOLE = "drills-blackhole"  # the prefix of every toxic this fault adds, so a heal (or a person) finds them
HOLD_MS = 86_400_000  # slow_close delay: longer than any cut (the heal drops the connections)
STREAMS = (("downstream", "down"), ("upstream", "up"))


def blackhole_toxics(link: str) -> list[Toxic]:
    """The toxics that blackhole one link, in the order they are added: first the drops (a
    ``timeout`` of 0 per stream, downstream first: the site's answers stop with the first call),
    then the holds (a ``slow_close`` per stream, which keep the close of a killed process from
    going on; they only have to be there before the kill). Toxiproxy chains them as added."""
    from drills.adapters.toxiproxy import Toxic

    drops = [Toxic(link, f"{BLACKHOLE}-{short}", "timeout", {"timeout": 0}, stream) for stream, short in STREAMS]
    holds = [Toxic(link, f"{BLACKHOLE}-{short}-hold", "slow_close", {"delay": HOLD_MS}, stream)
             for stream, short in STREAMS]  # fmt: skip
    return drops + holds


# The heal removes the holds first: removing a hold lets Toxiproxy close a connection whose close
# it held, then removing a drop closes the rest. The other way round, a drop already closed by the
# killed peer's FIN is skipped by Toxiproxy and the hold behind it never lets go.
BLACKHOLE_NAMES = tuple(
    [f"{BLACKHOLE}-{short}-hold" for _, short in STREAMS] + [f"{BLACKHOLE}-{short}" for _, short in STREAMS]
)


@dataclass(frozen=True)
class PowerCut:
    site: str
    mode: Mode = "blackhole"

    def describe(self) -> str:
        return f"site {self.site}" if self.mode == "blackhole" else f"site {self.site} ({self.mode})"


def build(fields: Fields) -> PowerCut:
    site = fields.site(fields.get("site"), "site")
    wanted = fields.get("mode", "blackhole")
    for mode in MODES:  # the schema's enum already refused any other value
        if mode == wanted:
            return PowerCut(site, mode)
    raise fields.fail(f"unknown mode {wanted!r} (allowed: {', '.join(MODES)})", "mode")


@dataclass
class PowerCutFault:
    spec: FaultSpec
    killed: list[str] = field(default_factory=list)  # container ids
    links: list[str] = field(default_factory=list)
    blackholed: list[str] = field(default_factory=list)  # links that may hold hung connections until heal
    stopped: list[str] = field(default_factory=list)  # inter-site links disabled mid-inject (heal restarts them)
    detached: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (network id, container id, aliases)
    policies: dict[str, dict[str, object]] = field(default_factory=dict)  # container id -> restart policy

    @property
    def site(self) -> str:
        return params_of(self.spec, PowerCut).site

    @property
    def mode(self) -> Mode:
        return params_of(self.spec, PowerCut).mode

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
        # peer still answers, then every container is killed at the same instant. A blackhole's
        # toxics must all be in place first: a link without its hold passes on the FIN of the kill.
        self.links = ctx.link_names(lambda src, dst: self.site in (src, dst))
        if self.mode == "blackhole":
            self.blackholed = list(self.links)  # before the first call: a half-done inject is healed too
            # What the site had sent over the WAN to the other sites but had not yet arrived dies with it
            # (a conservative model of the site's network gear losing power: it never costs a
            # synchronous standby an acknowledged write, it is what an asynchronous one loses). Adding
            # a toxic would flush the WAN's latency-held bytes early, so these links are first
            # stopped (their connections and what they held are dropped), then blackholed, then
            # listening again: new connections hang like the others.
            #
            # The links to the other sites go first, then the links to the edge (a few ms later).
            # A real power loss takes both at one instant; of the two approximations this one errs
            # only towards exposing an asynchronous standby: a write the site acknowledges in that
            # gap never reached the other site, which a synchronous standby would have refused to
            # acknowledge. The other way round hides that loss: with both cut in parallel, 2 of 10
            # asynchronous runs at 30 ms WAN latency lost nothing (bench/rpo_modes.py).
            inter = [n for n in self.links if not ctx.topology.parse_link(n).touches(EDGE)]
            edge = [n for n in self.links if n not in inter]
            self.stopped = inter  # before the call: a half-done inject is restarted by the heal
            ctx.destructive()
            try:
                if inter:
                    ctx.wan.set_many(inter, False)
                ctx.wan.add_toxics([t for link in edge + inter for t in blackhole_toxics(link)])
            finally:
                if inter:
                    ctx.wan.set_many(inter, True)
                    self.stopped = []
        else:
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
        if self.mode == "refuse":
            ctx.wan.set_many(self.links, True)
        elif self.stopped or self.blackholed:
            # Toxiproxy closes every connection a removed toxic held: they end, as a rebooted machine
            # ends them. Never disable a blackholed link to drop them: stopping a proxy waits for its
            # accept loop, which can be stuck dialling the vanished site, and the API hangs with it.
            if self.stopped:  # an inject that broke between stopping the inter-site links and restarting them
                ctx.wan.set_many(self.stopped, True)
                self.stopped = []
            ctx.wan.remove_toxics(self.blackholed, BLACKHOLE_NAMES)
            self.blackholed = []
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
        summary="A site loses power: its WAN links are cut (blackholed by default: open connections hang; "
        "or refused) and every container of the site is killed at the same instant; the heal ends the "
        "connections that hung, restores power and waits until the site is healthy again.",
        fields={"site": SITE_FIELD, "mode": MODE_FIELD},
        required=("site",),
        build=build,
        make=PowerCutFault,
        cuts_site=lambda p: str(p.site),
    )
)
