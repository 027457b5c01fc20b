"""faults/base.py: the context a fault touches, Docker error translation, parallel calls, waiting healthy."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from docker.errors import APIError, DockerException, NotFound

from drills.errors import FaultError
from drills.faults import FAULT_TYPES, make_fault
from drills.faults.base import FaultContext, all_at_once, docker_call, params_of, register, wait_healthy
from drills.faults.partition import Partition
from drills.faults.power_cut import PowerCut
from drills.model.scenario import FaultSpec
from drills.model.topology import Topology
from drills.scenario.discover import discover, fallback_only
from tests.unit.fakes_docker import LINKS, PROJECT, FakeContainer, FakeDocker, FakeWan, Log, as_client, mini_replica

REPO = Path(__file__).parent / "data" / "repo"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return discover(REPO, Path("docker-compose.yml"), None, reader=fallback_only)


@dataclass
class World:
    log: Log
    engine: FakeDocker
    ctrs: dict[str, FakeContainer]
    wan: FakeWan
    ctx: FaultContext


@pytest.fixture
def world(topology: Topology) -> World:
    log = Log()
    engine = FakeDocker(log)
    ctrs = mini_replica(engine)
    wan = FakeWan(log, LINKS)
    return World(log, engine, ctrs, wan, FaultContext(as_client(engine), PROJECT, wan, topology, rejoin_timeout=0))


# -- docker_call ------------------------------------------------------------------------------------


def raiser(exc: BaseException) -> None:
    raise exc


@pytest.mark.parametrize(
    ("exc", "message"),
    [
        (NotFound("404 Client Error", explanation="No such container: abc"),
         "kill x: not found (No such container: abc)"),
        (NotFound("404 Client Error: gone"), "kill x: not found (404 Client Error: gone)"),
        (APIError("500 Server Error", explanation="cannot kill"), "kill x: cannot kill"),
        (DockerException("Error while fetching server API version"),
         "kill x: the Docker engine did not answer (DockerException: Error while fetching server API version)"),
        (requests.ReadTimeout("read timed out"),
         "kill x: the Docker engine did not answer (ReadTimeout: read timed out)"),
    ],
)  # fmt: skip
def test_docker_call_translates_engine_errors_into_fault_errors(exc: BaseException, message: str) -> None:
    with pytest.raises(FaultError) as info:
        docker_call("kill x", raiser, exc)
    assert str(info.value) == message
    assert info.value.__cause__ is exc


def test_docker_call_passes_arguments_and_the_result_through() -> None:
    assert docker_call("add", lambda a, b=0: a + b, 2, b=3) == 5


def test_docker_call_lets_other_errors_through() -> None:
    with pytest.raises(ZeroDivisionError):
        docker_call("divide", lambda: 1 / 0)


# -- all_at_once ------------------------------------------------------------------------------------


def test_all_at_once_runs_every_callable_concurrently_and_collects_every_error() -> None:
    barrier = threading.Barrier(3, timeout=5)  # only passes if the three run at the same time
    done: list[int] = []

    def ok(n: int) -> None:
        barrier.wait()
        done.append(n)

    def bad() -> None:
        barrier.wait()
        raise RuntimeError("boom")

    errors = all_at_once([lambda: ok(1), bad, lambda: ok(2)])
    assert sorted(done) == [1, 2]
    assert [str(e) for e in errors] == ["boom"]


def test_all_at_once_of_nothing_is_nothing() -> None:
    assert all_at_once([]) == []


# -- FaultContext -----------------------------------------------------------------------------------


def test_containers_are_filtered_by_project_domain_and_service(world: World) -> None:
    world.engine.add("chat-a", {**world.ctrs["chat-a"].labels, "com.docker.compose.project": "drills-other"})
    world.ctrs["login-a"].status = "exited"
    assert sorted(str(c.name) for c in world.ctx.containers()) == sorted(world.ctrs)
    assert sorted(str(c.name) for c in world.ctx.containers(domain="a")) == ["chat-a", "login-a", "pg-a"]
    assert [c.name for c in world.ctx.containers(domain="a", service="login-a")] == ["login-a"]  # stopped too
    assert [c.name for c in world.ctx.containers(service="chat-b")] == ["chat-b"]
    assert (
        world.log.of("containers.list")[-1]
        == "com.docker.compose.project=drills-unit,com.docker.compose.service=chat-b"
    )


def test_containers_translate_an_engine_failure(world: World) -> None:
    world.engine.fail["containers.list"] = requests.ConnectionError("Connection aborted")
    with pytest.raises(FaultError, match=r"^list containers of drills-unit: the Docker engine did not answer"):
        world.ctx.containers(domain="a")


def test_link_names_are_the_live_links_matching_the_predicate_sorted(world: World) -> None:
    assert world.ctx.link_names(lambda src, dst: "a" in (src, dst)) == ["a_b_pg", "b_a_pg", "edge_a_chat"]
    assert world.ctx.link_names(lambda src, dst: src == "edge") == ["edge_a_chat", "edge_b_chat"]
    world.wan.enabled = {"b_a_pg": True}  # what the server has, not what the topology declares
    assert world.ctx.link_names(lambda src, dst: True) == ["b_a_pg"]


def test_a_live_link_the_topology_cannot_parse_is_a_fault_error_not_skipped(world: World) -> None:
    world.wan.enabled["c_a_pg"] = True
    with pytest.raises(FaultError, match=r"^toxiproxy of drills-unit: link name 'c_a_pg' must be <from>_<to>_<what> "
                       r"with from/to in a\|b\|edge"):  # fmt: skip
        world.ctx.link_names(lambda src, dst: True)


# -- wait_healthy -----------------------------------------------------------------------------------


def test_wait_healthy_returns_when_every_container_runs_and_is_healthy(world: World) -> None:
    pg, chat = world.ctrs["pg-a"], world.ctrs["chat-a"]
    pg.health = "healthy"  # chat-a has no healthcheck: running is enough
    wait_healthy(world.ctx, [pg, chat], "heal")  # type: ignore[list-item]  # fakes of Container
    assert sorted(world.log.of("reload")) == ["chat-a", "pg-a"]


def test_wait_healthy_times_out_naming_every_container_not_ready(world: World) -> None:
    pg, chat, login = world.ctrs["pg-a"], world.ctrs["chat-a"], world.ctrs["login-a"]
    pg.health, chat.status = "unhealthy", "exited"
    login.fail["reload"] = NotFound("404 Client Error: no such container")
    world.ctx.rejoin_timeout = 0.0
    with pytest.raises(FaultError) as info:
        wait_healthy(world.ctx, [pg, chat, login], "heal cut-a")  # type: ignore[list-item]  # fakes of Container
    assert str(info.value) == "heal cut-a: not healthy after 0s: pg-a (unhealthy), chat-a (exited), login-a (gone)"


def test_wait_healthy_stops_at_an_engine_error_other_than_gone(world: World) -> None:
    pg = world.ctrs["pg-a"]
    pg.fail["reload"] = APIError("500 Server Error", explanation="engine is shutting down")
    with pytest.raises(FaultError, match=r"^inspect pg-a: engine is shutting down$"):
        wait_healthy(world.ctx, [pg], "heal")  # type: ignore[list-item]  # fakes of Container


# -- the registry -----------------------------------------------------------------------------------


def test_make_fault_builds_the_registered_injector_and_names_the_allowed_types() -> None:
    spec = FaultSpec(id="cut", type="power_cut", at=0.0, duration=1.0, params=PowerCut("a"))
    assert type(make_fault(spec)).__name__ == "PowerCutFault"
    with pytest.raises(ValueError, match=r"unknown fault type 'flood' \(allowed: kill, partition, pause, power_cut"):
        make_fault(FaultSpec(id="x", type="flood", at=0.0, duration=1.0, params=PowerCut("a")))


def test_params_of_refuses_params_built_for_another_type() -> None:
    spec = FaultSpec(id="p", type="partition", at=0.0, duration=1.0, params=Partition(("a", "b")))
    assert params_of(spec, Partition) == Partition(("a", "b"))
    with pytest.raises(TypeError, match=r"^fault p: params are Partition, not PowerCut$"):
        params_of(spec, PowerCut)


def test_a_fault_type_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="fault type 'wan' is registered twice"):
        register(FAULT_TYPES["wan"])
