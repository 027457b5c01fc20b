"""power_cut / power_restore against a fake engine and a fake WAN (tests/unit/data/repo's topology).

Both link modes: ``blackhole`` (the default: toxics that hold the close and drop the data on
both streams of every link of the site) and ``refuse`` (the links disabled). The exact toxics
are checked through the real WanClient against the fake Toxiproxy HTTP API.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from docker.errors import APIError

from drills.adapters.toxiproxy import WanClient
from drills.errors import FaultError, ScenarioError
from drills.faults.base import FaultContext
from drills.faults.power_cut import BLACKHOLE_NAMES, Mode, PowerCut, PowerCutFault
from drills.model.scenario import FaultSpec
from drills.model.topology import Topology
from drills.scenario import load_scenario
from drills.scenario.discover import discover, fallback_only
from tests.unit.fakes_docker import LINKS, PROJECT, FakeContainer, FakeDocker, FakeWan, Log, as_client, mini_replica
from tests.unit.fakes_http import FakeToxiproxy, serve

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


def cut(site: str = "a", mode: Mode = "blackhole") -> PowerCutFault:
    return PowerCutFault(FaultSpec(id="cut", type="power_cut", at=0.0, duration=5.0, params=PowerCut(site, mode)))


SITE_A_LINKS = ["a_b_pg", "b_a_pg", "edge_a_chat"]
BLACKHOLED = tuple(sorted(BLACKHOLE_NAMES))
NO_TOXICS: dict[str, tuple[str, ...]] = dict.fromkeys(LINKS, ())


def toxic_names(wan: FakeWan) -> dict[str, tuple[str, ...]]:
    return {link: tuple(sorted(toxics)) for link, toxics in wan.toxics_.items()}


def test_refuse_cuts_the_sites_links_then_kills_every_running_container_of_the_site(world: World) -> None:
    world.ctrs["login-a"].status = "exited"  # already down: nothing to kill
    fault = cut("a", "refuse")
    fault.inject(world.ctx)

    assert sorted(world.log.of("kill")) == ["chat-a", "pg-a"]
    assert all(c.signals == ["SIGKILL"] for c in (world.ctrs["chat-a"], world.ctrs["pg-a"]))
    assert sorted(fault.killed) == sorted([world.ctrs["chat-a"].id, world.ctrs["pg-a"].id])
    assert [c.status for c in world.site("b")] == ["running"] * 3
    assert world.wan.enabled == {"edge_a_chat": False, "edge_b_chat": True, "a_b_pg": False, "b_a_pg": False}
    assert sorted(fault.links) == ["a_b_pg", "b_a_pg", "edge_a_chat"]
    first_kill = min(world.log.index_of("kill", n) for n in ("chat-a", "pg-a"))
    assert world.log.index_of("wan.set_many") < first_kill
    assert world.log.of("wan.add_toxic") == [] and fault.blackholed == []
    # the site networks are shared with the WAN only: nothing to disconnect
    assert world.log.of("disconnect") == []
    assert fault.detached == []


def test_blackhole_is_the_default_and_leaves_every_link_enabled(world: World) -> None:
    assert PowerCut("a").mode == "blackhole"
    world.ctrs["login-a"].status = "exited"
    fault = cut("a")
    fault.inject(world.ctx)

    assert sorted(world.log.of("kill")) == ["chat-a", "pg-a"]
    assert all(world.wan.enabled.values())  # nothing refused: packets vanish instead
    # the inter-site links were stopped (what was in flight to site b dies with site a) and restarted
    assert world.log.of("wan.set_many") == ["a_b_pg,b_a_pg=False", "a_b_pg,b_a_pg=True"]
    assert fault.stopped == []
    assert toxic_names(world.wan) == {**dict.fromkeys(SITE_A_LINKS, BLACKHOLED), "edge_b_chat": ()}
    assert fault.links == SITE_A_LINKS and fault.blackholed == SITE_A_LINKS


def test_blackhole_marks_the_hit_before_the_first_toxic_and_kills_after_the_last(world: World) -> None:
    world.ctx.on_destructive = lambda: world.log.append(("DESTRUCTIVE", ""))
    cut("a").inject(world.ctx)
    mark = world.log.index_of("DESTRUCTIVE")
    adds = [i for i, (action, _) in enumerate(world.log) if action == "wan.add_toxic"]
    kills = [i for i, (action, _) in enumerate(world.log) if action == "kill"]
    assert len(adds) == 4 * len(SITE_A_LINKS) and len(kills) == 3
    assert mark < min(adds) and max(adds) < min(kills)  # a link without its hold would pass the kill's FIN on
    assert all(action in ("containers.list", "networks.get", "update", "wan.proxies") for action, _ in world.log[:mark])


class SlowStopWan(FakeWan):
    """A WAN whose inter-site stop takes a while: up to 0.5 s, or until an edge link starts dropping
    (which only an inject that cuts the edge alongside the stop, not after it, can do)."""

    def __init__(self, log: Log, names: tuple[str, ...]) -> None:
        super().__init__(log, names)
        self.edge_dropping = threading.Event()

    def add_toxic(self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "downstream",
                  toxicity: float = 1.0) -> None:  # fmt: skip
        super().add_toxic(link, name, kind, attributes, stream, toxicity)
        if link.startswith("edge_") and name == "drills-blackhole-down":
            self.edge_dropping.set()

    def set_many(self, names: list[str], enabled: bool) -> None:
        if not enabled:
            self.edge_dropping.wait(0.5)
        super().set_many(names, enabled)


def test_blackhole_stops_the_inter_site_links_before_the_edge_drops_anything(topology: Topology, world: World) -> None:
    # Never the edge first: the site would stop acknowledging clients before its last WAN bytes
    # were dropped, and an asynchronous standby's loss in between would go unseen.
    wan = SlowStopWan(world.log, LINKS)
    cut("a").inject(FaultContext(as_client(world.engine), PROJECT, wan, topology, rejoin_timeout=0))
    stop = world.log.index_of("wan.set_many", "a_b_pg,b_a_pg=False")
    assert stop < world.log.index_of("wan.add_toxic", "edge_a_chat:drills-blackhole-down")
    for link in ("a_b_pg", "b_a_pg"):
        assert stop < world.log.index_of("wan.add_toxic", f"{link}:drills-blackhole-down")
    assert stop < min(world.log.index_of("kill", c.name) for c in world.site("a"))


def test_blackhole_heal_removes_the_toxics_before_the_machines_boot_and_never_disables_a_link(world: World) -> None:
    fault = cut("a")
    fault.inject(world.ctx)
    start_of_heal = len(world.log)
    fault.heal(world.ctx)
    heal_log = Log(world.log[start_of_heal:])

    assert toxic_names(world.wan) == NO_TOXICS  # Toxiproxy closes the connections they held
    assert sorted(heal_log.of("wan.remove_toxic")) == sorted(f"{lk}:{n}" for lk in SITE_A_LINKS for n in BLACKHOLED)
    for link in SITE_A_LINKS:  # the holds go first (Toxiproxy closes what they held), then the drops
        assert [t.split(":")[1] for t in heal_log.of("wan.remove_toxic") if t.startswith(f"{link}:")] == [
            "drills-blackhole-down-hold", "drills-blackhole-up-hold", "drills-blackhole-down", "drills-blackhole-up"]
    # stopping a proxy waits for its accept loop, which can hang dialling the dead site
    assert heal_log.of("wan.set_many") == [] and heal_log.of("wan.disable") == []
    assert all(world.wan.enabled.values())
    last_remove = max(i for i, (action, _) in enumerate(heal_log) if action == "wan.remove_toxic")
    assert last_remove < min(heal_log.index_of("start", c.name) for c in world.site("a"))
    assert fault.blackholed == []


def test_blackhole_heal_twice_touches_the_wan_once(world: World) -> None:
    fault = cut("a")
    fault.inject(world.ctx)
    fault.heal(world.ctx)
    calls = len([a for a, _ in world.log if a.startswith("wan.")])
    fault.heal(world.ctx)
    assert len([a for a, _ in world.log if a.startswith("wan.")]) == calls
    assert all(world.wan.enabled.values()) and toxic_names(world.wan) == NO_TOXICS


class BrokenWan(FakeWan):
    """A WAN whose toxic calls on one link fail: an inject (or heal) stopped half-way."""

    def __init__(self, log: Log, names: tuple[str, ...], broken: str) -> None:
        super().__init__(log, names)
        self.broken = broken

    def add_toxic(self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "downstream",
                  toxicity: float = 1.0) -> None:  # fmt: skip
        if link == self.broken and name.endswith("-up-hold"):
            raise FaultError(f"toxiproxy add toxic {name} to {link}: HTTP 500")
        super().add_toxic(link, name, kind, attributes, stream, toxicity)


def test_a_blackhole_that_fails_half_way_kills_nothing_and_its_heal_removes_what_it_added(
    topology: Topology, world: World
) -> None:
    wan = BrokenWan(world.log, LINKS, broken="b_a_pg")
    ctx = FaultContext(as_client(world.engine), PROJECT, wan, topology, rejoin_timeout=0)
    fault = cut("a")
    with pytest.raises(FaultError, match=r"add toxic drills-blackhole-up-hold to b_a_pg: HTTP 500"):
        fault.inject(ctx)
    assert world.log.of("kill") == []  # never power off a site whose links still carry its last words
    assert toxic_names(wan)["b_a_pg"] == ("drills-blackhole-down", "drills-blackhole-down-hold",
                                          "drills-blackhole-up")  # fmt: skip
    assert toxic_names(wan)["a_b_pg"] == BLACKHOLED  # the other links are done (in parallel)
    assert all(wan.enabled.values()) and fault.stopped == []  # the stopped inter-site links listen again

    fault.heal(ctx)
    assert toxic_names(wan) == NO_TOXICS and all(wan.enabled.values())


class FlakyWan(FakeWan):
    """A WAN that fails the next ``failures`` toxic removals (a Toxiproxy call that timed out)."""

    failures = 0

    def remove_toxic(self, link: str, name: str) -> None:
        if self.failures > 0:
            self.failures -= 1
            raise FaultError(f"toxiproxy at 127.0.0.1:0 unreachable during remove toxic {name} from {link}")
        super().remove_toxic(link, name)


def test_a_heal_that_failed_half_way_is_finished_by_the_next_heal(topology: Topology, world: World) -> None:
    wan = FlakyWan(world.log, LINKS)
    ctx = FaultContext(as_client(world.engine), PROJECT, wan, topology, rejoin_timeout=0)
    fault = cut("a")
    fault.inject(ctx)
    wan.toxics_["a_b_pg"].pop("drills-blackhole-up-hold")  # gone already (e.g. a wan reset raced it)
    wan.failures = 1
    with pytest.raises(FaultError, match="unreachable during remove toxic"):
        fault.heal(ctx)
    assert fault.blackholed == SITE_A_LINKS and any(toxic_names(wan).values())
    assert world.log.of("start") == []  # the machines stay off while their links may still hold connections
    fault.heal(ctx)
    assert toxic_names(wan) == NO_TOXICS and fault.blackholed == []
    assert sorted(world.log.of("start")) == ["chat-a", "login-a", "pg-a"]


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
    assert world.log.index_of("update", "pg-a") < world.log.index_of("wan.add_toxic")


def test_a_kill_error_is_reported_after_every_other_container_was_killed(world: World) -> None:
    world.ctrs["chat-a"].fail["kill"] = APIError("500 Server Error", explanation="cannot kill container")
    fault = cut("a")
    with pytest.raises(FaultError, match=r"power_cut site a: 1 container\(s\) not killed: .*cannot kill container"):
        fault.inject(world.ctx)
    assert world.ctrs["pg-a"].status == "exited" and world.ctrs["login-a"].status == "exited"
    assert world.ctrs["chat-a"].id in fault.killed  # so its heal starts it
    fault.heal(world.ctx)
    assert all(world.wan.enabled.values()) and toxic_names(world.wan) == NO_TOXICS


def test_a_site_with_nothing_running_is_a_fault_error_and_cuts_nothing(world: World) -> None:
    for c in world.site("a"):
        c.status = "exited"
    fault = cut("a")
    with pytest.raises(FaultError, match=r"power_cut: no running container labelled org.drills.domain=a"):
        fault.inject(world.ctx)
    assert all(world.wan.enabled.values()) and toxic_names(world.wan) == NO_TOXICS
    assert world.log.of("kill") == []
    fault.heal(world.ctx)  # nothing was cut: nothing to undo on the WAN
    assert world.log.of("wan.set_many") == [] and world.log.of("wan.remove_toxic") == []


def test_only_this_projects_containers_are_hit(world: World) -> None:
    other = world.engine.add("pg-a", {**world.ctrs["pg-a"].labels, "com.docker.compose.project": "drills-other"})
    cut("a").inject(world.ctx)
    assert other.status == "running" and other.signals == []


@pytest.mark.parametrize(("mode", "restores_links"), [("blackhole", "wan.remove_toxic"), ("refuse", "wan.set_many")])
def test_heal_restores_the_links_then_starts_restores_policies_and_waits_healthy(
    world: World, mode: Mode, restores_links: str
) -> None:
    pg = world.ctrs["pg-a"]
    pg.restart_policy = {"Name": "always"}
    pg.health, pg.after_start = "healthy", "healthy"
    fault = cut("a", mode)
    fault.inject(world.ctx)
    pg.health = "unhealthy"  # as the engine reports a dead container's last check
    start_of_heal = len(world.log)
    fault.heal(world.ctx)

    heal_log = Log(world.log[start_of_heal:])
    assert all(world.wan.enabled.values())
    assert sorted(heal_log.of("start")) == ["chat-a", "login-a", "pg-a"]
    assert all(c.status == "running" for c in world.site("a"))
    first_start = min(heal_log.index_of("start", n) for n in ("chat-a", "login-a", "pg-a"))
    assert heal_log.index_of(restores_links) < first_start
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


@pytest.mark.parametrize("mode", ["blackhole", "refuse"])
def test_heal_twice_is_harmless(world: World, mode: Mode) -> None:
    fault = cut("a", mode)
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
    blackholed = BLACKHOLED
    assert toxic_names(world.wan) == {"edge_a_chat": (), "edge_b_chat": blackholed, "a_b_pg": blackholed,
                                      "b_a_pg": blackholed}  # fmt: skip


def test_refuse_cutting_site_b_leaves_site_a_and_its_own_links(world: World) -> None:
    fault = cut("b", "refuse")
    fault.inject(world.ctx)
    assert world.wan.enabled == {"edge_a_chat": True, "edge_b_chat": False, "a_b_pg": False, "b_a_pg": False}
    fault.heal(world.ctx)
    assert all(world.wan.enabled.values()) and world.log.of("wan.add_toxic") == []


def test_a_paused_container_of_the_site_loses_power_too(world: World) -> None:
    world.ctrs["chat-a"].status = "paused"  # e.g. an overlapping pause fault on chat-a
    fault = cut("a")
    fault.inject(world.ctx)
    assert world.ctrs["chat-a"].status == "exited"
    assert world.log.of("disconnect") == []  # and the site's own network is not "shared" because of it
    fault.heal(world.ctx)
    assert world.ctrs["chat-a"].status == "running"  # power restored: the machine boots again


def test_the_mode_is_read_from_the_scenario_and_named_when_not_the_default(tmp_path: Path) -> None:
    def loaded(fault: str) -> object:
        path = tmp_path / "s.yaml"
        path.write_text(f"name: m\nfaults:\n  - {{id: cut, type: power_cut, at: 1s, duration: 25s, {fault}}}\n")
        return load_scenario(path, repo_root=REPO).faults[0].params

    assert loaded("site: a") == PowerCut("a", "blackhole") == PowerCut("a")
    assert loaded("site: b, mode: refuse") == PowerCut("b", "refuse")
    assert PowerCut("a").describe() == "site a" and PowerCut("b", "refuse").describe() == "site b (refuse)"
    with pytest.raises(ScenarioError, match=r"faults\[0\]\.mode: 'drop' is not allowed \(allowed: blackhole, refuse"):
        loaded("site: a, mode: drop")


# -- the toxics themselves, through the real WanClient and the fake Toxiproxy API ------------------------


@pytest.fixture
def toxi() -> FakeToxiproxy:
    app = FakeToxiproxy()
    for name in LINKS:
        app.add_proxy(name)
    return app


@pytest.fixture
def http_world(topology: Topology, toxi: FakeToxiproxy) -> Iterator[tuple[World, FakeToxiproxy]]:
    w = World(topology)
    with serve(toxi) as url:
        host, port = url.removeprefix("http://").split(":")
        w.ctx.wan = WanClient(host, int(port), timeout=2.0)
        yield w, toxi


def test_blackhole_holds_the_close_and_drops_the_data_on_both_streams_of_every_site_link_and_nothing_else(
    http_world: tuple[World, FakeToxiproxy],
) -> None:
    world, toxi = http_world
    marked: list[int] = []
    world.ctx.on_destructive = lambda: marked.append(len(toxi.seen))
    toxics_at_kill: list[int] = []
    for c in world.site("a"):
        c.hooks["kill"] = lambda: toxics_at_kill.append(sum(len(t) for t in toxi.toxics.values()))
    cut("a").inject(world.ctx)

    hold = {"type": "slow_close", "toxicity": 1.0, "attributes": {"delay": 86_400_000}}
    drop = {"type": "timeout", "toxicity": 1.0, "attributes": {"timeout": 0}}
    expected = {  # in the order they are added: the site's answers stop with the first call on each link
        "drills-blackhole-down": {**drop, "name": "drills-blackhole-down", "stream": "downstream"},
        "drills-blackhole-up": {**drop, "name": "drills-blackhole-up", "stream": "upstream"},
        "drills-blackhole-down-hold": {**hold, "name": "drills-blackhole-down-hold", "stream": "downstream"},
        "drills-blackhole-up-hold": {**hold, "name": "drills-blackhole-up-hold", "stream": "upstream"},
    }
    assert sorted(toxi.toxics) == sorted(LINKS) and toxi.toxics["edge_b_chat"] == {}
    for link in SITE_A_LINKS:
        assert toxi.toxics[link] == expected and list(toxi.toxics[link]) == list(expected)
    assert all(p["enabled"] for p in toxi.proxies.values())
    assert toxics_at_kill == [12, 12, 12]  # every toxic in place before the first kill
    [mark] = marked
    assert [m for m, _, _ in toxi.seen[:mark]] == ["GET"]  # only the listing came before the hit
    # then: stop the inter-site links (dropping what they held) while the edge link gets its
    # toxics, then the inter-site links get theirs, then they listen again
    posts = [p for m, p, _ in toxi.seen[mark:] if m == "POST"]
    assert len(posts) == 2 + 12 + 2 and sorted(posts[-2:]) == ["/proxies/a_b_pg", "/proxies/b_a_pg"]
    stops = [i for i, p in enumerate(posts[:-2]) if not p.endswith("/toxics")]
    inter_toxics = [i for i, p in enumerate(posts) if p in ("/proxies/a_b_pg/toxics", "/proxies/b_a_pg/toxics")]
    assert len(stops) == 2 and max(stops) < min(inter_toxics) and len(inter_toxics) == 8


def test_blackhole_heal_removes_exactly_its_own_toxics_and_never_disables_a_link(
    http_world: tuple[World, FakeToxiproxy],
) -> None:
    world, toxi = http_world
    fault = cut("a")
    fault.inject(world.ctx)
    toxi.toxics["edge_a_chat"]["someone-elses"] = {"name": "someone-elses", "type": "latency"}
    toxi.seen.clear()
    fault.heal(world.ctx)

    someone_elses = {"someone-elses": {"name": "someone-elses", "type": "latency"}}
    assert toxi.toxics == {"a_b_pg": {}, "b_a_pg": {}, "edge_b_chat": {}, "edge_a_chat": someone_elses}
    assert all(p["enabled"] for p in toxi.proxies.values())
    assert toxi.calls("DELETE") == 12 and toxi.calls("POST") == 0
