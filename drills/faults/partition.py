"""partition: cut only the WAN links between two domains; heal enables them again.

    a ──x── b     links a_b_* and b_a_* disabled; a<->edge and b<->edge untouched
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from drills.errors import FaultError
from drills.model.scenario import FaultSpec, Partition
from drills.faults.base import FaultContext


@dataclass
class PartitionFault:
    type_name: ClassVar[str] = "partition"
    spec: FaultSpec
    links: list[str] = field(default_factory=list)

    def inject(self, ctx: FaultContext) -> None:
        assert isinstance(self.spec.params, Partition)
        x, y = self.spec.params.between
        self.links = ctx.link_names(lambda src, dst: {src, dst} == {x, y})
        if not self.links:
            raise FaultError(f"partition {x}|{y}: no WAN link runs between these domains")
        ctx.wan.set_many(self.links, False)

    def heal(self, ctx: FaultContext) -> None:
        ctx.wan.set_many(self.links, True)
