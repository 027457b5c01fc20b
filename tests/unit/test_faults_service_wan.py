"""kill / pause / restart, partition and wan faults against a fake engine and a fake WAN."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import pytest

from drills.errors import FaultError
from drills.faults.base import FaultContext
from drills.faults.partition import Partition, PartitionFault
from drills.faults.service import KillFault, PauseFault, RestartFault, ServiceFault, ServiceFaultBase
from drills.faults.wan import Slicer, Wan, WanFault
from drills.model.scenario import FaultSpec
from drills.model.topology import Topology
from drills.scenario.discover import discover, fallback_only
from tests.unit.fakes_docker import LINKS, PROJECT, FakeDocker, FakeWan, Log, as_client, labels_of, mini_replica

REPO = Path(__file__).parent / "data" / "repo"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return discover(REPO, Path("docker-compose.yml"), None, reader=fallback_only)


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def engine(log: Log) -> FakeDocker:
    fake = FakeDocker(log)
    mini_replica(fake)
    return fake


@pytest.fixture
def wan(log: Log) -> FakeWan:
    return FakeWan(log, LINKS)


@pytest.fixture
def ctx(engine: FakeDocker, wan: FakeWan, topology: Topology) -> FaultContext:
    return FaultContext(as_client(engine), PROJECT, wan, topology, rejoin_timeout=0)


S = TypeVar("S", bound=ServiceFaultBase)


def service_fault(cls: type[S], site: str = "b", resolved: str = "chat-b") -> S:
    return cls(FaultSpec(id="f", type=cls.type_name, at=0.0, duration=1.0, params=ServiceFault(site, "chat", resolved)))


def test_kill_sigkills_the_service_in_its_site_and_heal_starts_it(ctx: FaultContext, engine: FakeDocker) -> None:
    fault = service_fault(KillFault)
    fault.inject(ctx)
    chat_b = next(c for c in engine.containers_ if c.name == "chat-b")
    assert engine.log.of("kill") == ["chat-b"] and chat_b.signals == ["SIGKILL"]
    assert chat_b.status == "exited" and fault.ids == [chat_b.id]
    fault.heal(ctx)
    assert engine.log.of("start") == ["chat-b"] and chat_b.status == "running"
    assert engine.log.of("reload") == ["chat-b"]  # waited until healthy


def test_kill_heal_does_not_start_what_runs_and_fails_when_it_stays_unhealthy(
    ctx: FaultContext, engine: FakeDocker
) -> None:
    fault = service_fault(KillFault)
    fault.inject(ctx)
    chat_b = next(c for c in engine.containers_ if c.name == "chat-b")
    chat_b.status, chat_b.health = "running", "starting"  # its restart policy already brought it back
    with pytest.raises(FaultError, match=r"^heal kill chat-b: not healthy after 0s: chat-b \(starting\)$"):
        fault.heal(ctx)
    assert engine.log.of("start") == []


def test_a_service_fault_without_a_container_names_service_and_site(ctx: FaultContext, engine: FakeDocker) -> None:
    engine.containers_ = [c for c in engine.containers_ if c.name != "chat-b"]
    faults: list[KillFault | PauseFault | RestartFault] = [
        service_fault(KillFault), service_fault(PauseFault), service_fault(RestartFault)
    ]  # fmt: skip
    for fault in faults:
        with pytest.raises(FaultError, match=f"^{fault.type_name}: no container of service chat-b in site b$"):
            fault.inject(ctx)


def test_a_service_fault_hits_only_its_site(ctx: FaultContext, engine: FakeDocker) -> None:
    # a container of the same service name in the other site (mislabelled) is not the target
    stray = engine.add("chat-b", labels_of("chat-b", "a"))
    service_fault(KillFault).inject(ctx)
    assert stray.status == "running"


def test_pause_freezes_and_heal_unpauses_only_what_is_paused(ctx: FaultContext, engine: FakeDocker) -> None:
    fault = service_fault(PauseFault, "a", "pg-a")
    fault.inject(ctx)
    pg_a = next(c for c in engine.containers_ if c.name == "pg-a")
    assert engine.log.of("pause") == ["pg-a"] and pg_a.status == "paused"
    fault.heal(ctx)
    assert engine.log.of("unpause") == ["pg-a"] and pg_a.status == "running"
    fault.heal(ctx)  # healing twice is harmless
    assert engine.log.of("unpause") == ["pg-a"]


def test_restart_is_graceful_and_heal_only_waits(ctx: FaultContext, engine: FakeDocker) -> None:
    fault = service_fault(RestartFault, "a", "login-a")
    fault.inject(ctx)
    login_a = next(c for c in engine.containers_ if c.name == "login-a")
    assert engine.log.of("restart") == ["login-a"] and login_a.restart_timeouts == [5]
    fault.heal(ctx)
    assert engine.log.of("reload") == ["login-a"]
    assert engine.log.of("start") == [] and engine.log.of("kill") == []


def test_engine_errors_of_a_service_fault_the_engine_become_fault_errors(ctx: FaultContext, engine: FakeDocker) -> None:
    from docker.errors import APIError

    chat_b = next(c for c in engine.containers_ if c.name == "chat-b")
    chat_b.fail["pause"] = APIError("409 Client Error", explanation="container is not running")
    with pytest.raises(FaultError, match=r"^pause chat-b: container is not running$"):
        service_fault(PauseFault).inject(ctx)


def partition(x: str, y: str) -> PartitionFault:
    return PartitionFault(FaultSpec(id="p", type="partition", at=0.0, duration=1.0, params=Partition((x, y))))


def test_partition_cuts_both_directions_between_two_sites_only(ctx: FaultContext, wan: FakeWan) -> None:
    fault = partition("b", "a")
    fault.inject(ctx)
    assert fault.links == ["a_b_pg", "b_a_pg"]
    assert wan.enabled == {"edge_a_chat": True, "edge_b_chat": True, "a_b_pg": False, "b_a_pg": False}
    fault.heal(ctx)
    assert all(wan.enabled.values())


def test_partition_of_the_edge_from_a_site(ctx: FaultContext, wan: FakeWan) -> None:
    fault = partition("edge", "a")
    fault.inject(ctx)
    assert [n for n, on in wan.enabled.items() if not on] == ["edge_a_chat"]


def test_partition_without_a_live_link_is_a_fault_error(ctx: FaultContext, wan: FakeWan, log: Log) -> None:
    wan.enabled = {"edge_a_chat": True}
    with pytest.raises(FaultError, match=r"^partition a\|b: no WAN link runs between these domains$"):
        partition("a", "b").inject(ctx)
    assert log.of("wan.set_many") == []


def wan_fault(params: Wan) -> WanFault:
    return WanFault(FaultSpec(id="slow", type="wan", at=0.0, duration=1.0, params=params))


def test_wan_adds_exactly_its_toxics_and_heal_removes_exactly_those(ctx: FaultContext, wan: FakeWan) -> None:
    wan.toxics_["edge_b_chat"]["someone-else"] = ("latency", {"latency": 1})
    fault = wan_fault(Wan(link="edge_b_chat", latency=0.25, jitter=0.01, bandwidth_kbps=64,
                          slicer=Slicer(average_size=100, size_variation=10, delay=0.002)))  # fmt: skip
    fault.inject(ctx)
    assert wan.toxics_["edge_b_chat"] == {
        "someone-else": ("latency", {"latency": 1}),
        "slow-latency": ("latency", {"latency": 250, "jitter": 10}),
        "slow-bandwidth": ("bandwidth", {"rate": 64}),
        "slow-slicer": ("slicer", {"average_size": 100, "size_variation": 10, "delay": 2000}),
    }
    assert wan.enabled["edge_b_chat"] and not fault.disabled
    fault.heal(ctx)
    assert wan.toxics_["edge_b_chat"] == {"someone-else": ("latency", {"latency": 1})}
    assert fault.added == []


def test_wan_heal_skips_toxics_already_gone_and_is_idempotent(ctx: FaultContext, wan: FakeWan, log: Log) -> None:
    fault = wan_fault(Wan(link="a_b_pg", timeout=0.0, reset_peer=True))
    fault.inject(ctx)
    assert sorted(wan.toxics_["a_b_pg"]) == ["slow-reset", "slow-timeout"]
    wan.reset()  # e.g. an operator reset the WAN mid-drill
    fault.heal(ctx)
    fault.heal(ctx)
    assert log.of("wan.remove_toxic") == []


def test_wan_down_disables_the_link_and_heal_enables_it(ctx: FaultContext, wan: FakeWan, log: Log) -> None:
    fault = wan_fault(Wan(link="b_a_pg", down=True))
    fault.inject(ctx)
    assert (wan.enabled["b_a_pg"], fault.disabled, wan.toxics_["b_a_pg"]) == (False, True, {})
    fault.heal(ctx)
    assert (wan.enabled["b_a_pg"], fault.disabled) == (True, False)
    fault.heal(ctx)
    assert log.of("wan.enable") == ["b_a_pg"]
