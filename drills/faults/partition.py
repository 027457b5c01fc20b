"""partition: cut only the WAN links between two domains; heal enables them again.

    a ──x── b     links a_b_* and b_a_* disabled; a<->edge and b<->edge untouched
"""

from __future__ import annotations

from dataclasses import dataclass, field

from drills.errors import FaultError
from drills.faults.base import FaultContext, FaultType, params_of, register
from drills.model.fields import Fields
from drills.model.scenario import FaultSpec


@dataclass(frozen=True)
class Partition:
    between: tuple[str, str]

    def describe(self) -> str:
        return f"{self.between[0]}|{self.between[1]}"


def build(fields: Fields) -> Partition:
    x, y = (fields.site(d, "between", n, edge_ok=True) for n, d in enumerate(fields.get("between")))
    if x == y:
        raise fields.fail(f"a partition needs two different domains (got {x} twice)", "between")
    if not fields.topology.links_between(x, y):
        names = ", ".join(lk.name for lk in fields.topology.links) or "none"
        raise fields.fail(f"no Toxiproxy link between {x} and {y} to cut (links: {names})", "between")
    return Partition((x, y))


@dataclass
class PartitionFault:
    spec: FaultSpec
    links: list[str] = field(default_factory=list)

    def inject(self, ctx: FaultContext) -> None:
        x, y = params_of(self.spec, Partition).between
        self.links = ctx.link_names(lambda src, dst: {src, dst} == {x, y})
        if not self.links:
            raise FaultError(f"partition {x}|{y}: no WAN link runs between these domains")
        ctx.destructive()
        ctx.wan.set_many(self.links, False)

    def heal(self, ctx: FaultContext) -> None:
        ctx.wan.set_many(self.links, True)


register(
    FaultType(
        name="partition",
        summary="Cut every WAN link between two domains, in both directions; each keeps its links to the "
        "others. The heal enables the links again.",
        fields={
            "between": {
                "type": "array",
                "description": "The two domains whose Toxiproxy links are cut in both directions.",
                "items": {"type": "string", "description": "A failure domain: a site name (a, b) or edge."},
                "minItems": 2,
                "maxItems": 2,
            }
        },
        required=("between",),
        build=build,
        make=PartitionFault,
    )
)
