"""wan: degrade one named link with Toxiproxy toxics; heal removes exactly those toxics.

    latency/jitter -> latency toxic      bandwidth_kbps -> bandwidth toxic (KB/s)
    timeout        -> timeout toxic      reset_peer     -> reset_peer toxic
    slicer         -> slicer toxic       down           -> the link disabled
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from drills.model.scenario import FaultSpec, Wan
from drills.faults.base import FaultContext


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
    type_name: ClassVar[str] = "wan"
    spec: FaultSpec
    added: list[str] = field(default_factory=list)
    disabled: bool = False

    @property
    def params(self) -> Wan:
        assert isinstance(self.spec.params, Wan)
        return self.spec.params

    def inject(self, ctx: FaultContext) -> None:
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
