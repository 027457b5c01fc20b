"""The registries are the one source of truth: schema, loader, evaluate and docs all follow them.

Also proves the plugin promise: a fault type or a check registered from one module (here, from
this test) is accepted by the schema, built by the loader and used at run time, with no other edit.
"""

from __future__ import annotations

import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest

import drills.checks
import drills.faults
from drills.checks import REGISTRY, Check, CheckInput, evaluate, register
from drills.cli.reference import render_reference
from drills.errors import ScenarioError
from drills.faults import FAULT_TYPES, FaultContext, FaultType, make_fault
from drills.faults import register as register_fault
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus
from drills.model.scenario import FaultSpec
from drills.model.timeline import Sample, Timeline
from drills.probes import JOURNEYS, PROBE_TYPES
from drills.report.formats import FORMATS
from drills.scenario import load_scenario, scenario_schema

ROOT = Path(__file__).resolve().parents[2]
REPO = Path(__file__).parent / "data" / "repo"


def _props(path: str) -> dict[str, Any]:
    node: Any = scenario_schema()
    for key in path.split("."):
        node = node[key]
    assert isinstance(node, dict)
    return node


def test_the_schema_names_exactly_what_is_registered() -> None:
    faults = _props("properties.faults.items")
    assert faults["properties"]["type"]["enum"] == sorted(FAULT_TYPES)
    assert sorted(b["if"]["properties"]["type"]["const"] for b in faults["allOf"]) == sorted(FAULT_TYPES)
    probes = _props("properties.probes.properties")
    assert sorted(probes["journeys"]["items"]["anyOf"][0]["enum"]) == sorted(JOURNEYS)
    assert probes["custom"]["items"]["properties"]["type"]["enum"] == sorted(PROBE_TYPES)
    checks = set(_props("properties.checks.properties")) - {"per_capability"}
    assert checks == {name for name, c in REGISTRY.items() if c.schema is not None}


def test_every_plugin_module_registers_something() -> None:
    fault_modules = {m.name for m in pkgutil.iter_modules(drills.faults.__path__)} - {"base"}
    registered_from = {ft.make.__module__.rsplit(".", 1)[-1] for ft in FAULT_TYPES.values()}
    assert fault_modules == registered_from
    check_modules = {m.name for m in pkgutil.iter_modules(drills.checks.__path__)} - {"base", "common", "abort"}
    assert check_modules == set(REGISTRY)


def test_the_committed_reference_is_what_the_registries_say() -> None:
    committed = (ROOT / "docs" / "reference.md").read_text()
    assert committed == render_reference(), "docs/reference.md is stale: run `drill reference > docs/reference.md`"
    for name in [*FAULT_TYPES, *JOURNEYS, *PROBE_TYPES, *REGISTRY, *FORMATS]:
        assert f"`{name}`" in committed


# ---- the plugin promise, tried -------------------------------------------------------------

@dataclass(frozen=True)
class Blackhole:
    link: str

    def describe(self) -> str:
        return self.link


@dataclass
class BlackholeFault:
    spec: FaultSpec
    calls: ClassVar[list[str]] = []

    def inject(self, ctx: FaultContext) -> None:
        self.calls.append("inject")

    def heal(self, ctx: FaultContext) -> None:
        self.calls.append("heal")


def _build_blackhole(fields: Fields) -> Blackhole:
    link = str(fields.get("link"))
    if fields.topology.link(link) is None:
        raise fields.fail(f"unknown link '{link}'", "link")
    return Blackhole(link)


@pytest.fixture
def blackhole() -> Iterator[FaultType]:
    fields = {"link": {"type": "string", "description": "A link."}}
    ft = register_fault(FaultType("blackhole", "Drop every packet of one link.", fields, ("link",), _build_blackhole,
                                  BlackholeFault))  # fmt: skip
    try:
        yield ft
    finally:
        del FAULT_TYPES["blackhole"]


def test_a_fault_type_registered_from_one_module_is_usable_everywhere(blackhole: FaultType, tmp_path: Path) -> None:
    p = tmp_path / "s.yaml"
    p.write_text("name: bh\nfaults:\n  - {id: bh, type: blackhole, link: edge_a_chat, at: 1s, duration: 2s}\n")
    s = load_scenario(p, repo_root=REPO)
    assert s.faults[0].params == Blackhole("edge_a_chat") and s.faults[0].target == "edge_a_chat"
    assert isinstance(make_fault(s.faults[0]), BlackholeFault)
    assert "### `blackhole`" in render_reference()
    p.write_text("name: bh\nfaults:\n  - {id: bh, type: blackhole, link: nowhere, at: 1s}\n")
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.link: unknown link 'nowhere'"):
        load_scenario(p, repo_root=REPO)
    p.write_text("name: bh\nfaults:\n  - {id: bh, type: blackhole, at: 1s}\n")
    with pytest.raises(ScenarioError, match="missing required field 'link'"):
        load_scenario(p, repo_root=REPO)


@dataclass(frozen=True)
class SlowestTargets:
    check: ClassVar[str] = "slowest"
    target: float = 1.0


def _slowest(inp: CheckInput) -> tuple[Verdict, ...]:
    worst = max((s.latency for s in inp.timeline.samples(inp.subject)), default=0.0)
    limit = inp.targets.get(SlowestTargets).target
    status: VerdictStatus = "pass" if worst <= limit else "fail"
    return (Verdict("slowest", inp.subject, status, f"slowest {worst}s", limit, worst, "s"),)


def _build_slowest(fields: Fields, base: SlowestTargets) -> SlowestTargets:
    return SlowestTargets(fields.child("slowest").duration("target", base.target))


def test_a_check_registered_from_one_module_is_configured_and_judged(tmp_path: Path) -> None:
    schema = {"type": "object", "additionalProperties": False, "description": "Slowest sample.",
              "properties": {"target": {"type": "number", "description": "Seconds."}}}  # fmt: skip
    register(Check("slowest", "capability", _slowest, "The slowest sample.", SlowestTargets, schema, _build_slowest))
    try:
        p = tmp_path / "s.yaml"
        p.write_text("name: slow\nchecks:\n  slowest: {target: 0.5}\n"
                     "  per_capability: {chat: {slowest: {target: 3}}}\n")
        s = load_scenario(p, repo_root=REPO)
        assert s.checks.defaults.get(SlowestTargets).target == 0.5
        assert s.checks.for_capability("chat").get(SlowestTargets).target == 3.0
        tl = Timeline((Sample(1.0, "chat", "chat", True, 2.0), Sample(1.0, "login", "login", True, 2.0)))
        verdicts = evaluate(tl, s.checks, 0.1, capabilities=("chat", "login"))
        got = {v.capability: v.status for v in verdicts if v.check == "slowest"}
        assert got == {"chat": "pass", "login": "fail"}
    finally:
        del REGISTRY["slowest"]
