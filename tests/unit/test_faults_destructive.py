"""Every fault reports its first destructive call: after its preparation, before anything breaks.

RTO counts from that instant (``FaultContext.destructive``), so a fault that reports it too
early inflates RTO by its preparation, and one that reports it too late hides part of the outage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.faults import FAULT_TYPES, site_cut
from drills.faults.base import Fault, FaultContext
from drills.faults.partition import Partition, PartitionFault
from drills.faults.power_cut import PowerCut, PowerCutFault
from drills.faults.service import KillFault, PauseFault, RestartFault, ServiceFault
from drills.faults.wan import Wan, WanFault
from drills.model.scenario import FaultSpec
from drills.model.topology import Topology
from drills.scenario.discover import discover, fallback_only
from tests.unit.fakes_docker import LINKS, PROJECT, FakeDocker, FakeWan, Log, as_client, mini_replica

REPO = Path(__file__).parent / "data" / "repo"
MARK = "DESTRUCTIVE"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return discover(REPO, Path("docker-compose.yml"), None, reader=fallback_only)


def world(topology: Topology) -> tuple[Log, FakeDocker, FaultContext]:
    log = Log()
    engine = FakeDocker(log)
    mini_replica(engine)
    ctx = FaultContext(as_client(engine), PROJECT, FakeWan(log, LINKS), topology, rejoin_timeout=0)
    ctx.on_destructive = lambda: log.append((MARK, ""))
    return log, engine, ctx


def spec(kind: str, params: object) -> FaultSpec:
    return FaultSpec(id="f", type=kind, at=0.0, duration=1.0, params=params)  # type: ignore[arg-type]


CASES: list[tuple[str, Fault, tuple[str, ...], tuple[str, ...]]] = [
    # (name, fault, calls that must come before the mark, the first destructive call)
    ("power_cut", PowerCutFault(spec("power_cut", PowerCut("a"))), ("update", "wan.proxies"),
     ("wan.add_toxic", "kill")),
    ("power_cut refuse", PowerCutFault(spec("power_cut", PowerCut("a", "refuse"))), ("update", "wan.proxies"),
     ("wan.set_many", "kill")),
    ("partition", PartitionFault(spec("partition", Partition(("a", "b")))), ("wan.proxies",), ("wan.set_many",)),
    ("kill", KillFault(spec("kill", ServiceFault("b", "chat", "chat-b"))), ("containers.list",), ("kill",)),
    ("pause", PauseFault(spec("pause", ServiceFault("b", "chat", "chat-b"))), ("containers.list",), ("pause",)),
    ("restart", RestartFault(spec("restart", ServiceFault("b", "chat", "chat-b"))), ("containers.list",), ("restart",)),
    ("wan", WanFault(spec("wan", Wan("edge_a_chat", latency=0.2))), (), ("wan.add_toxic",)),
]


@pytest.mark.parametrize(("name", "fault", "before", "breaking"), CASES, ids=[c[0] for c in CASES])
def test_the_destructive_mark_follows_the_preparation_and_precedes_the_first_break(
    topology: Topology, name: str, fault: Fault, before: tuple[str, ...], breaking: tuple[str, ...]
) -> None:
    log, engine, ctx = world(topology)
    if name.startswith("power_cut"):
        for c in engine.containers_:
            c.restart_policy = {"Name": "unless-stopped"}  # preparation: held off before the cut
    fault.inject(ctx)
    mark = log.index_of(MARK)
    assert [a for a, _ in log].count(MARK) == 1
    for action in before:
        assert log.index_of(action) < mark, f"{name}: {action} is preparation, it must come before the mark"
    assert min(log.index_of(a) for a in breaking) > mark


def test_a_fault_that_fails_before_anything_breaks_reports_no_destructive_call(topology: Topology) -> None:
    log, engine, ctx = world(topology)
    for c in list(engine.containers_):
        if c.labels.get("org.drills.domain") == "b":
            engine.containers_.remove(c)
    with pytest.raises(Exception, match="no container"):
        KillFault(spec("kill", ServiceFault("b", "chat", "chat-b"))).inject(ctx)
    assert MARK not in [a for a, _ in log]


def test_only_a_power_cut_takes_a_site_down_whole() -> None:
    assert site_cut(spec("power_cut", PowerCut("b"))) == "b"
    assert site_cut(spec("partition", Partition(("a", "b")))) == ""
    assert site_cut(spec("kill", ServiceFault("a", "chat", "chat-a"))) == ""
    assert [n for n, t in FAULT_TYPES.items() if t.cuts_site is not None] == ["power_cut"]
