"""The Docker-facing adapters: sweep/leftovers against a fake engine, engine_client against a missing
socket and a tiny fake Engine API on 127.0.0.1, and the label vocabulary."""

from __future__ import annotations

import importlib

import pytest
from docker.errors import APIError, DockerException, NotFound

from drills.adapters.docker_client import engine_client
from drills.adapters.labels import Service, parse_endpoints
from drills.adapters.sweep import SweepReport, leftovers, sweep
from drills.errors import EngineUnavailable, TeardownError
from tests.unit.fakes_docker import FakeDocker, FakeVolume, Log
from tests.unit.fakes_http import App, Reply, closed_port, serve

sweep_module = importlib.import_module("drills.adapters.sweep")  # the package exports the function as `sweep`

RUN = "org.drills.run"


def engine_with_two_runs() -> FakeDocker:
    engine = FakeDocker(Log())
    for run in ("r1", "r2"):
        for name in ("pg-a", "chat-a"):
            engine.add(f"{run}-{name}", {RUN: run}, status="exited" if name == "pg-a" else "running")
        engine.network(f"{run}_site_a", labels={RUN: run})
        engine.volumes_.append(FakeVolume(f"{run}_pgdata", engine.log, labels={RUN: run}))
    engine.add("unrelated", {})
    engine.network("bridge")
    return engine


# -- sweep ------------------------------------------------------------------------------------------


def test_sweep_removes_containers_then_networks_then_volumes_of_one_run() -> None:
    engine = engine_with_two_runs()
    removed = sweep(engine, "r1")
    assert removed == SweepReport(["r1-pg-a", "r1-chat-a"], ["r1_site_a"], ["r1_pgdata"])
    assert removed.total == 4
    actions = [(a, t) for a, t in engine.log if a in ("remove", "network.remove", "volume.remove")]
    assert actions == [("remove", "r1-pg-a"), ("remove", "r1-chat-a"), ("network.remove", "r1_site_a"),
                       ("volume.remove", "r1_pgdata")]  # fmt: skip
    flags = {c.name: c.remove_flags for c in engine.containers_}
    assert flags["r1-pg-a"] == flags["r1-chat-a"] == [(True, True)]  # forced, with their anonymous volumes
    assert flags["r2-pg-a"] == flags["unrelated"] == []


def test_sweep_of_every_run_leaves_unlabelled_resources() -> None:
    engine = engine_with_two_runs()
    removed = sweep(engine, None)
    assert sorted(removed.containers) == ["r1-chat-a", "r1-pg-a", "r2-chat-a", "r2-pg-a"]
    assert sorted(removed.networks) == ["r1_site_a", "r2_site_a"]
    assert engine.log.of("network.remove") == ["r1_site_a", "r2_site_a"]
    assert next(c for c in engine.containers_ if c.name == "unrelated").remove_flags == []


def test_sweep_tolerates_what_vanished_meanwhile() -> None:
    engine = engine_with_two_runs()
    next(c for c in engine.containers_ if c.name == "r1-pg-a").fail["remove"] = NotFound("404: no such container")
    engine.networks_[0].fail["network.remove"] = NotFound("404: no such network")
    engine.volumes_[0].fail["remove"] = NotFound("404: no such volume")
    removed = sweep(engine, "r1")
    assert removed == SweepReport(["r1-chat-a"], [], [])


def test_a_container_removed_while_listing_does_not_break_sweep_or_leftovers() -> None:
    engine = engine_with_two_runs()
    next(c for c in engine.containers_ if c.name == "r1-pg-a").vanishes = True  # a reaper at work
    assert sorted(leftovers(engine, "r1").containers) == ["r1-chat-a", "r1-pg-a"]
    assert sorted(sweep(engine, "r1").containers) == ["r1-chat-a", "r1-pg-a"]


def test_sweep_goes_on_after_api_errors_and_lists_every_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "NETWORK_RETRIES_S", (0.0, 0.0))
    engine = engine_with_two_runs()
    next(c for c in engine.containers_ if c.name == "r1-pg-a").fail["remove"] = APIError(
        "500", explanation="removal of container r1-pg-a is already in progress"
    )
    engine.networks_[0].fail["network.remove"] = APIError("403", explanation="network has active endpoints")
    engine.volumes_[0].fail["remove"] = APIError("409", explanation="volume is in use")
    with pytest.raises(TeardownError) as info:
        sweep(engine, "r1")
    assert str(info.value) == (
        "could not remove: container r1-pg-a: removal of container r1-pg-a is already in progress; "
        "network r1_site_a: network has active endpoints; volume r1_pgdata: volume is in use "
        "(hint: check `docker ps -a --filter label=org.drills.run=r1`)"
    )
    assert engine.log.of("remove") == ["r1-pg-a", "r1-chat-a"]  # the second container was still removed


def test_a_network_with_a_stale_endpoint_is_force_disconnected_then_removed() -> None:
    engine = engine_with_two_runs()
    net = engine.networks_[0]
    net.members["deadbeef"] = {"Name": "r1-chat-a"}  # an endpoint the engine kept after its container went
    calls = {"n": 0}

    def busy_once() -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise APIError("403", explanation="error while removing network: network r1_site_a has active endpoints")
        return None

    original = net.remove

    def remove() -> None:
        busy_once()
        original()

    net.remove = remove  # type: ignore[method-assign]
    removed = sweep(engine, "r1")
    assert removed.networks == ["r1_site_a"] and net.removed
    assert "r1_site_a:deadbeef:force=True" in engine.log.of("disconnect")
    assert engine.log.of("network.remove") == ["r1_site_a"]  # the second try, after the disconnect


def test_a_network_whose_endpoint_lingers_is_tried_again_until_it_goes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Teardown removes every container at once; the engine may still be releasing an endpoint
    when the network's turn comes (1 of ~30 drills): the removal is tried again, with waits."""
    monkeypatch.setattr(sweep_module, "NETWORK_RETRIES_S", (0.0, 0.0, 0.0, 0.0))
    engine = engine_with_two_runs()
    net = engine.networks_[0]
    tries = {"n": 0}
    original = net.remove

    def remove() -> None:
        tries["n"] += 1
        if tries["n"] <= 3:  # busy three times, then gone
            raise APIError("403", explanation="error while removing network: network r1_site_a has active endpoints")
        original()

    net.remove = remove  # type: ignore[method-assign]
    assert sweep(engine, "r1").networks == ["r1_site_a"] and net.removed
    assert tries["n"] == 4


def test_a_network_that_keeps_its_endpoints_is_reported_after_the_last_try(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sweep_module, "NETWORK_RETRIES_S", (0.0, 0.0))
    engine = engine_with_two_runs()
    engine.networks_[0].fail["network.remove"] = APIError("403", explanation="network has active endpoints")
    with pytest.raises(TeardownError, match="network r1_site_a: network has active endpoints"):
        sweep(engine, "r1")
    assert engine.log.of("network.remove").count("r1_site_a") == 3  # the first try and one after each wait


def test_sweep_and_leftovers_without_an_engine_are_engine_unavailable() -> None:
    engine = engine_with_two_runs()
    engine.fail["containers.list"] = DockerException("Error while fetching server API version")
    with pytest.raises(EngineUnavailable, match=r"^cannot sweep drill resources: Error while fetching"):
        sweep(engine, "r1")
    with pytest.raises(EngineUnavailable, match=r"^cannot list drill resources: Error while fetching"):
        leftovers(engine)


def test_leftovers_lists_what_still_carries_the_run_label() -> None:
    engine = engine_with_two_runs()
    assert leftovers(engine, "r2") == SweepReport(["r2-pg-a", "r2-chat-a"], ["r2_site_a"], ["r2_pgdata"])
    assert leftovers(engine).total == 8
    assert engine.log.of("remove") == []  # read-only


# -- engine_client ----------------------------------------------------------------------------------


def test_engine_client_with_no_socket_says_so_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/drills/docker.sock")
    with pytest.raises(EngineUnavailable) as info:
        engine_client(timeout=2)
    assert str(info.value) == (
        "no Docker engine answers at unix:///nonexistent/drills/docker.sock (no socket there); "
        "run `drill setup` or start Docker"
    )


def test_engine_client_on_a_closed_port_is_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    where = f"tcp://127.0.0.1:{closed_port()}"
    monkeypatch.setenv("DOCKER_HOST", where)
    with pytest.raises(EngineUnavailable, match=f"^no Docker engine answers at {where} \\(connection refused\\)"):
        engine_client(timeout=2)


class EngineApi(App):
    """Enough of the Docker Engine API for a client to be made and pinged."""

    def __init__(self, ping_status: int) -> None:
        super().__init__()
        self.ping_status = ping_status

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: object) -> Reply:
        if path.endswith("/version"):
            return Reply(200, {"Version": "24.0.7", "ApiVersion": "1.43", "MinAPIVersion": "1.12"})
        if path.endswith("/_ping"):
            return Reply(self.ping_status, "OK" if self.ping_status == 200 else {"message": "engine is starting"})
        return Reply(404, {"message": "page not found"})


def test_engine_client_returns_a_client_that_answered_a_ping(monkeypatch: pytest.MonkeyPatch) -> None:
    app = EngineApi(200)
    with serve(app) as url:
        monkeypatch.setenv("DOCKER_HOST", url.replace("http://", "tcp://"))
        client = engine_client(timeout=2)
        client.close()
    assert any(p.endswith("/_ping") for _, p, _ in app.seen)


def test_engine_client_other_failures_keep_the_engines_first_line(monkeypatch: pytest.MonkeyPatch) -> None:
    app = EngineApi(500)
    with serve(app) as url:
        where = url.replace("http://", "tcp://")
        monkeypatch.setenv("DOCKER_HOST", where)
        with pytest.raises(EngineUnavailable) as info:
            engine_client(timeout=2)
    text = str(info.value)
    assert text.startswith(f"no Docker engine answers at {where} (500 Server Error")
    assert "engine is starting" in text and "\n" not in text


# -- labels -----------------------------------------------------------------------------------------


def test_a_service_is_read_from_its_labels_only() -> None:
    labels = {"com.docker.compose.service": "chat-a", "org.drills.domain": "a", "org.drills.role": "app",
              "org.drills.capability": "chat"}  # fmt: skip
    svc = Service.from_labels("f" * 64, labels, "running", "healthy")
    assert svc == Service("chat-a", "f" * 64, "a", "app", "chat", "running", "healthy")
    bare = Service.from_labels("0123456789abcdef", {}, "exited", None)
    assert (bare.service, bare.domain, bare.role, bare.capability) == ("0123456789ab", "", "", None)


def test_endpoints_skip_empty_items_and_name_the_bad_one() -> None:
    assert parse_endpoints("chat:8081,,login:8082,") == {"chat": 8081, "login": 8082}
    assert parse_endpoints("") == {}
    with pytest.raises(
        ValueError, match=r"^org.drills.endpoints item 'login:80:80' must be <capability>:<container port>$"
    ):
        parse_endpoints("chat:8081,login:80:80")
