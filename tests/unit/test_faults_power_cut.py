"""power_cut / power_restore against a fake engine and a fake WAN (tests/unit/data/repo's topology)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from docker.errors import APIError

from drills.errors import FaultError
from drills.faults.base import FaultContext
from drills.faults.power_cut import PowerCut, PowerCutFault
from drills.model.scenario import FaultSpec
from drills.model.topology import Topology
from drills.scenario.discover import discover, fallback_only
from tests.unit.fakes_docker import LINKS, PROJECT, FakeContainer, FakeDocker, FakeWan, Log, as_client, mini_replica

REPO = Path(__file__).parent / "data" / "repo"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return discover(REPO, Path("docker-compose.yml"), None, reader=fallback_only)


class World:
    def __init__(self, topology: Topology) -> None:
        self.log = Log()
        self.engine = FakeDocker(self.log)
        self.ctrs = mini_replica(self.engine)
        self.wan = FakeWan(self.log, LINKS)
        self.ctx = FaultContext(as_client(self.engine), PROJECT, self.wan, topology, rejoin_timeout=0)

    def site(self, domain: str) -> list[FakeContainer]:
        return [c for c in self.ctrs.values() if c.labels["org.drills.domain"] == domain]


@pytest.fixture
def world(topology: Topology) -> World:
    return World(topology)


def cut(site: str = "a") -> PowerCutFault:
    return PowerCutFault(FaultSpec(id="cut", type="power_cut", at=0.0, duration=5.0, params=PowerCut(site)))


def test_inject_cuts_the_sites_links_then_kills_every_running_container_of_the_site(world: World) -> None:
    world.ctrs["login-a"].status = "exited"  # already down: nothing to kill
    fault = cut("a")
    fault.inject(world.ctx)

    assert sorted(world.log.of("kill")) == ["chat-a", "pg-a"]
    assert all(c.signals == ["SIGKILL"] for c in (world.ctrs["chat-a"], world.ctrs["pg-a"]))
    assert sorted(fault.killed) == sorted([world.ctrs["chat-a"].id, world.ctrs["pg-a"].id])
    assert [c.status for c in world.site("b")] == ["running"] * 3
    assert world.wan.enabled == {"edge_a_chat": False, "edge_b_chat": True, "a_b_pg": False, "b_a_pg": False}
    assert sorted(fault.links) == ["a_b_pg", "b_a_pg", "edge_a_chat"]
    first_kill = min(world.log.index_of("kill", n) for n in ("chat-a", "pg-a"))
    assert world.log.index_of("wan.set_many") < first_kill
    # the site networks are shared with the WAN only: nothing to disconnect
    assert world.log.of("disconnect") == []
    assert fault.detached == []


def test_inject_kills_every_container_at_the_same_instant(world: World) -> None:
    site = world.site("a")
    barrier = threading.Barrier(len(site), timeout=5)  # passes only when every kill is in flight at once
    for c in site:
        c.hooks["kill"] = barrier.wait
    cut("a").inject(world.ctx)
    assert [c.status for c in site] == ["exited"] * len(site)


def test_inject_holds_restart_policies_off_before_the_cut(world: World) -> None:
    pg, chat = world.ctrs["pg-a"], world.ctrs["chat-a"]
    pg.restart_policy = {"Name": "unless-stopped"}
    chat.restart_policy = {"Name": "on-failure", "MaximumRetryCount": 3}
    fault = cut("a")
    fault.inject(world.ctx)

    assert fault.policies == {
        pg.id: {"Name": "unless-stopped"},
        chat.id: {"Name": "on-failure", "MaximumRetryCount": 3},
    }
    assert pg.restart_policy == {"Name": "no"} and chat.restart_policy == {"Name": "no"}
    assert sorted(world.log.of("update")) == ["chat-a", "pg-a"]  # login-a had none: untouched
    assert world.log.index_of("update", "pg-a") < world.log.index_of("wan.set_many")


def test_a_kill_error_is_reported_after_every_other_container_was_killed(world: World) -> None:
    world.ctrs["chat-a"].fail["kill"] = APIError("500 Server Error", explanation="cannot kill container")
    fault = cut("a")
    with pytest.raises(FaultError, match=r"power_cut site a: 1 container\(s\) not killed: .*cannot kill container"):
        fault.inject(world.ctx)
    assert world.ctrs["pg-a"].status == "exited" and world.ctrs["login-a"].status == "exited"
    assert world.ctrs["chat-a"].id in fault.killed  # so its heal starts it
    fault.heal(world.ctx)
    assert all(world.wan.enabled.values())


def test_a_site_with_nothing_running_is_a_fault_error_and_cuts_nothing(world: World) -> None:
    for c in world.site("a"):
        c.status = "exited"
    with pytest.raises(FaultError, match=r"power_cut: no running container labelled org.drills.domain=a"):
        cut("a").inject(world.ctx)
    assert all(world.wan.enabled.values())
    assert world.log.of("kill") == []


def test_only_this_projects_containers_are_hit(world: World) -> None:
    other = world.engine.add("pg-a", {**world.ctrs["pg-a"].labels, "com.docker.compose.project": "drills-other"})
    cut("a").inject(world.ctx)
    assert other.status == "running" and other.signals == []


def test_heal_enables_the_links_then_starts_restores_policies_and_waits_healthy(world: World) -> None:
    pg = world.ctrs["pg-a"]
    pg.restart_policy = {"Name": "always"}
    pg.health, pg.after_start = "healthy", "healthy"
    fault = cut("a")
    fault.inject(world.ctx)
    pg.health = "unhealthy"  # as the engine reports a dead container's last check
    start_of_heal = len(world.log)
    fault.heal(world.ctx)

    heal_log = Log(world.log[start_of_heal:])
    assert all(world.wan.enabled.values())
    assert sorted(heal_log.of("start")) == ["chat-a", "login-a", "pg-a"]
    assert all(c.status == "running" for c in world.site("a"))
    first_start = min(heal_log.index_of("start", n) for n in ("chat-a", "login-a", "pg-a"))
    assert heal_log.index_of("wan.set_many") < first_start
    assert heal_log.index_of("start", "pg-a") < heal_log.index_of("update", "pg-a")
    assert pg.restart_policy == {"Name": "always"} and fault.policies == {}
    assert sorted(heal_log.of("reload")) == ["chat-a", "login-a", "pg-a"]  # waited for every one


def test_heal_names_the_containers_that_stay_unhealthy(world: World) -> None:
    pg = world.ctrs["pg-a"]
    pg.after_start = "unhealthy"
    fault = cut("a")
    fault.inject(world.ctx)
    with pytest.raises(FaultError, match=r"^power_restore site a: not healthy after 0s: pg-a \(unhealthy\)$"):
        fault.heal(world.ctx)


def test_heal_start_failure_is_a_fault_error_after_the_links_came_back(world: World) -> None:
    fault = cut("a")
    fault.inject(world.ctx)
    world.ctrs["pg-a"].fail["start"] = APIError("500 Server Error", explanation="no space left on device")
    with pytest.raises(FaultError, match=r"power_restore site a: start failed: .*no space left on device"):
        fault.heal(world.ctx)
    assert all(world.wan.enabled.values())
    assert world.ctrs["chat-a"].status == "running"  # the others were started all the same


def test_heal_twice_is_harmless(world: World) -> None:
    fault = cut("a")
    fault.inject(world.ctx)
    fault.heal(world.ctx)
    starts = len(world.log.of("start"))
    fault.heal(world.ctx)
    assert len(world.log.of("start")) == starts
    assert all(world.wan.enabled.values())


def test_a_network_shared_with_another_domain_is_disconnected_after_the_kill_and_reconnected(world: World) -> None:
    chat_a, chat_b = world.ctrs["chat-a"], world.ctrs["chat-b"]
    shared = world.engine.network("shared", [chat_a, chat_b, world.ctrs["toxiproxy"]])
    fault = cut("a")
    fault.inject(world.ctx)

    assert world.log.of("disconnect") == [f"shared:{chat_a.id}:force=True"]
    assert chat_a.id not in shared.members and chat_b.id in shared.members
    last_kill = max(world.log.index_of("kill", c.name) for c in world.site("a"))
    assert world.log.index_of("disconnect") > last_kill
    assert sorted(world.log.of("wait")) == ["chat-a", "login-a", "pg-a"]  # every one dead before disconnecting
    assert fault.detached == [(shared.id, chat_a.id, ["chat-a", "chat-a-wan"])]  # not the id alias

    start_of_heal = len(world.log)
    fault.heal(world.ctx)
    heal_log = Log(world.log[start_of_heal:])
    assert shared.connected == [(chat_a.id, ["chat-a", "chat-a-wan"])]
    assert heal_log.index_of("connect") < heal_log.index_of("start", "chat-a")
    assert fault.detached == []


def test_heal_does_not_reconnect_a_container_already_back_on_its_network(world: World) -> None:
    chat_a = world.ctrs["chat-a"]
    shared = world.engine.network("shared", [chat_a, world.ctrs["chat-b"]])
    fault = cut("a")
    fault.inject(world.ctx)
    chat_a.status = "running"  # someone started it, and the engine put it back on its networks
    shared.members[chat_a.id] = {}
    fault.heal(world.ctx)
    assert shared.connected == []


def test_a_network_shared_only_with_the_wan_is_left_alone(world: World) -> None:
    world.engine.network("wan-only", [world.ctrs["pg-a"], world.ctrs["toxiproxy"]])
    fault = cut("a")
    fault.inject(world.ctx)
    assert fault.detached == [] and world.log.of("wait") == []


def test_cutting_site_b_leaves_site_a_and_its_own_links(world: World) -> None:
    fault = cut("b")
    fault.inject(world.ctx)
    assert sorted(world.log.of("kill")) == ["chat-b", "login-b", "pg-b"]
    assert world.wan.enabled == {"edge_a_chat": True, "edge_b_chat": False, "a_b_pg": False, "b_a_pg": False}


def test_a_paused_container_of_the_site_loses_power_too(world: World) -> None:
    world.ctrs["chat-a"].status = "paused"  # e.g. an overlapping pause fault on chat-a
    fault = cut("a")
    fault.inject(world.ctx)
    assert world.ctrs["chat-a"].status == "exited"
    assert world.log.of("disconnect") == []  # and the site's own network is not "shared" because of it
    fault.heal(world.ctx)
    assert world.ctrs["chat-a"].status == "running"  # power restored: the machine boots again
