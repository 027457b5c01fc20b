"""wan: degrade one named link with Toxiproxy toxics; heal removes exactly those toxics.

    latency/jitter -> latency toxic      bandwidth_kbps -> bandwidth toxic (KB/s)
    timeout        -> timeout toxic      reset_peer     -> reset_peer toxic
    slicer         -> slicer toxic       down           -> the link disabled
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from drills.faults.base import FaultContext, FaultType, params_of, register
from drills.model.fields import Fields
from drills.model.scenario import FaultSpec
from drills.model.schema_parts import duration, integer, obj, string


@dataclass(frozen=True)
class Slicer:
    average_size: int
    size_variation: int = 0
    delay: float = 0.0


@dataclass(frozen=True)
class Wan:
    link: str
    latency: float | None = None
    jitter: float | None = None
    bandwidth_kbps: int | None = None
    timeout: float | None = None
    reset_peer: bool = False
    down: bool = False
    slicer: Slicer | None = None

    def describe(self) -> str:
        return self.link


def build(fields: Fields) -> Wan:
    link = str(fields.get("link"))
    topo = fields.topology
    if topo.link(link) is None:
        names = ", ".join(lk.name for lk in topo.links) or "none"
        where = _source(topo.proxies_file, topo.compose.resolve().parent)
        raise fields.fail(f"unknown link '{link}' (links: {names}; {where})", "link")
    sl = fields.child("slicer") if fields.has("slicer") else None
    params = Wan(
        link=link,
        latency=fields.optional_duration("latency"),
        jitter=fields.optional_duration("jitter"),
        timeout=fields.optional_duration("timeout"),
        bandwidth_kbps=fields.get("bandwidth_kbps"),
        reset_peer=bool(fields.get("reset_peer", False)),
        down=bool(fields.get("down", False)),
        slicer=None
        if sl is None
        else Slicer(sl.get("average_size"), sl.get("size_variation", 0), sl.duration("delay", 0.0)),
    )
    if not (params.latency or params.jitter or params.bandwidth_kbps is not None or params.timeout is not None
            or params.reset_peer or params.down or params.slicer):  # fmt: skip
        raise fields.fail(
            "a wan fault needs at least one of latency, jitter, bandwidth_kbps, timeout, reset_peer, down, slicer"
        )
    return params


def _source(proxies: Path | None, project: Path) -> str:
    """Where the links were read from: the WAN's proxies file, relative to the compose file's folder if under it."""
    if proxies is None:
        return "no service labelled org.drills.role: wan loads a proxies file with -config"
    return f"from {proxies.relative_to(project) if proxies.is_relative_to(project) else proxies}"


def toxics_for(fault_id: str, w: Wan) -> list[tuple[str, str, dict[str, int]]]:
    """(toxic name, toxic type, attributes) for a wan fault; pure, unit-tested."""
    out: list[tuple[str, str, dict[str, int]]] = []
    if w.latency is not None or w.jitter is not None:
        attrs = {"latency": int((w.latency or 0) * 1000), "jitter": int((w.jitter or 0) * 1000)}
        out.append((f"{fault_id}-latency", "latency", attrs))
    if w.bandwidth_kbps is not None:
        out.append((f"{fault_id}-bandwidth", "bandwidth", {"rate": int(w.bandwidth_kbps)}))
    if w.timeout is not None:
        out.append((f"{fault_id}-timeout", "timeout", {"timeout": int(w.timeout * 1000)}))
    if w.reset_peer:
        out.append((f"{fault_id}-reset", "reset_peer", {"timeout": 0}))
    if w.slicer is not None:
        attrs = {"average_size": w.slicer.average_size, "size_variation": w.slicer.size_variation,
                 "delay": int(w.slicer.delay * 1_000_000)}  # fmt: skip
        out.append((f"{fault_id}-slicer", "slicer", attrs))
    return out


@dataclass
class WanFault:
    spec: FaultSpec
    added: list[str] = field(default_factory=list)
    disabled: bool = False

    @property
    def params(self) -> Wan:
        return params_of(self.spec, Wan)

    def inject(self, ctx: FaultContext) -> None:
        ctx.destructive()  # nothing to prepare: the first toxic degrades the link
        for name, kind, attrs in toxics_for(self.spec.id, self.params):
            ctx.wan.add_toxic(self.params.link, name, kind, attrs)
            self.added.append(name)
        if self.params.down:
            ctx.wan.set_enabled(self.params.link, False)
            self.disabled = True

    def heal(self, ctx: FaultContext) -> None:
        present = set(ctx.wan.toxics(self.params.link))
        for name in self.added:
            if name in present:
                ctx.wan.remove_toxic(self.params.link, name)
        self.added = []
        if self.disabled:
            ctx.wan.set_enabled(self.params.link, True)
            self.disabled = False


register(
    FaultType(
        name="wan",
        summary="Degrade one named WAN link with Toxiproxy toxics (latency, jitter, bandwidth, timeout, "
        "reset, slicing) or take it down; the heal removes exactly those toxics.",
        fields={
            "link": string("Toxiproxy proxy name, e.g. edge_b_chat: a proxy of the file the WAN service loads "
                           "(-config; fixtures/toxiproxy/proxies.json in the reference)."),
            "latency": duration("Added latency on the link."),
            "jitter": duration("Random variation added to latency."),
            "bandwidth_kbps": {"type": "integer", "minimum": 0, "description": "Bandwidth cap in KB/s."},
            "timeout": duration("Stop passing data and close the connection after this long (0: hold until healed)."),
            "reset_peer": {"type": "boolean", "description": "Reset connections (TCP RST) instead of passing data."},
            "down": {"type": "boolean", "description": "Disable the link entirely (connections refused)."},
            "slicer": obj(
                "Slice data into small packets with a delay between them.",
                {
                    "average_size": {"type": "integer", "minimum": 1, "description": "Average packet size in bytes."},
                    "size_variation": integer("Variation of the packet size in bytes.", minimum=0),
                    "delay": duration("Delay between packets."),
                },
                ("average_size",),
            ),
        },
        required=("link",),
        build=build,
        make=WanFault,
    )
)
