"""ComposeProject: the ``docker compose`` CLI (a fake ``docker`` executable on PATH that records its
argv and answers as told), discovery by labels (a fake engine), teardown and diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docker.errors import DockerException

from drills.adapters.compose import ComposeProject
from drills.adapters.labels import Service
from drills.errors import ComposeUnavailable, EngineUnavailable, TeardownError, TopologyError
from tests.unit.fakes_docker import FakeCli, FakeContainer, FakeDocker, labels_of

PROJECT = "drills-unit"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeCli:
    return FakeCli.install(tmp_path, monkeypatch)


@pytest.fixture
def engine() -> FakeDocker:
    fake = FakeDocker()
    spec = [("chat-a", "a", "app", "chat"), ("login-a", "a", "app", "login"), ("pg-a", "a", "datastore", None),
            ("chat-b", "b", "app", "chat"), ("pg-b", "b", "datastore", None),
            ("edge-lb", "edge", "entrypoint", None), ("toxiproxy", "edge", "wan", None)]  # fmt: skip
    for name, domain, role, cap in spec:
        labels = {**labels_of(name, domain, role, PROJECT), "org.drills.run": PROJECT}
        if cap:
            labels["org.drills.capability"] = cap
        fake.add(name, labels)
    lb, toxi = fake.containers_[-2], fake.containers_[-1]
    lb.labels["org.drills.endpoints"] = "chat:8081,login:8082"
    lb.ports = {
        "8081/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}],
        "8082/tcp": [{"HostIp": "0.0.0.0", "HostPort": "49154"}, {"HostIp": "", "HostPort": "49155"}],  # noqa: S104
    }  # fmt: skip
    toxi.labels["org.drills.toxiproxy-api"] = "8474"
    toxi.ports = {"8474/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49160"}]}
    return fake


def project(engine: FakeDocker, tmp_path: Path, **kw: Any) -> ComposeProject:
    return ComposeProject(PROJECT, ["docker-compose.yml", "/abs/variant.yml"], repo_root=tmp_path, client=engine, **kw)


def by_name(engine: FakeDocker, name: str) -> FakeContainer:
    return next(c for c in engine.containers_ if c.name == name)


# -- construction -----------------------------------------------------------------------------------


def test_files_resolve_against_the_repo_root_and_the_run_id_never_comes_from_outside(
    engine: FakeDocker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRILLS_RUN_ID", "someone-elses-run")
    p = project(engine, tmp_path)
    assert p.files == [tmp_path.resolve() / "docker-compose.yml", Path("/abs/variant.yml")]
    assert p.run_id == PROJECT and p.env["DRILLS_RUN_ID"] == PROJECT
    assert project(engine, tmp_path, env={"DRILLS_RUN_ID": "r7"}).run_id == "r7"


# -- discovery --------------------------------------------------------------------------------------


def test_services_are_read_from_labels_filtered_and_sorted(engine: FakeDocker, tmp_path: Path) -> None:
    by_name(engine, "pg-a").health = "healthy"
    engine.add("chat-a", labels_of("chat-a", "a", "app", "drills-other"))  # another project
    p = project(engine, tmp_path)
    assert [s.service for s in p.services()] == ["chat-a", "login-a", "pg-a", "chat-b", "pg-b", "edge-lb",
                                                 "toxiproxy"]  # fmt: skip
    assert [s.service for s in p.services(domain="a", role="app")] == ["chat-a", "login-a"]
    assert [s.service for s in p.services(capability="chat")] == ["chat-a", "chat-b"]
    (pg,) = p.services(domain="a", role="datastore")
    assert pg == Service("pg-a", by_name(engine, "pg-a").id, "a", "datastore", None, "running", "healthy")
    assert p.sites() == ["a", "b"]


def test_entry_point_and_wan_addresses_are_the_published_loopback_ports(engine: FakeDocker, tmp_path: Path) -> None:
    p = project(engine, tmp_path)
    assert p.capabilities() == ["chat", "login"]
    assert p.endpoint_url("chat") == "http://127.0.0.1:49153"
    assert p.endpoint_url("login") == "http://127.0.0.1:49155"  # 0.0.0.0 is not the loopback binding
    assert p.toxiproxy_api() == ("127.0.0.1", 49160)
    with pytest.raises(TopologyError, match=r"^the entrypoint serves \['chat', 'login'\], not 'devtools'$"):
        p.endpoint_url("devtools")


def test_an_unpublished_port_gives_the_fix(engine: FakeDocker, tmp_path: Path) -> None:
    by_name(engine, "edge-lb").labels["org.drills.endpoints"] = "chat:8081,devtools:8083"
    with pytest.raises(TopologyError, match=r"container port 8083 of edge-lb is not published on 127\.0\.0\.1 "
                       r"\(hint: ports: \[\"127\.0\.0\.1::PORT\"\]"):  # fmt: skip
        project(engine, tmp_path).endpoint_url("devtools")


def test_the_entry_point_must_be_one_running_container(engine: FakeDocker, tmp_path: Path) -> None:
    p = project(engine, tmp_path)
    by_name(engine, "edge-lb").status = "exited"
    with pytest.raises(
        TopologyError,
        match=r"^expected one running container labelled org\.drills\.endpoints in "
        r"drills-unit, found 0 \(hint: is the stack up\? `docker compose -p drills-unit ps`\)$",
    ):
        p.capabilities()
    by_name(engine, "edge-lb").status = "running"
    by_name(engine, "toxiproxy").labels["org.drills.endpoints"] = "chat:8081"
    with pytest.raises(TopologyError, match="found 2"):
        p.endpoint_url("chat")


def test_a_malformed_endpoints_label_is_a_topology_error(engine: FakeDocker, tmp_path: Path) -> None:
    by_name(engine, "edge-lb").labels["org.drills.endpoints"] = "chat=8081"
    with pytest.raises(TopologyError, match="must be <capability>:<container port>"):
        project(engine, tmp_path).capabilities()


def test_an_engine_failure_while_listing_is_engine_unavailable(engine: FakeDocker, tmp_path: Path) -> None:
    engine.fail["containers.list"] = DockerException("connection aborted")
    with pytest.raises(EngineUnavailable, match=r"^cannot list containers of drills-unit: connection aborted$"):
        project(engine, tmp_path).services()


# -- the compose CLI --------------------------------------------------------------------------------


def test_up_runs_compose_with_the_project_files_run_id_and_wait(
    cli: FakeCli, engine: FakeDocker, tmp_path: Path
) -> None:
    project(engine, tmp_path).up(timeout=90)
    version, up = cli.calls()
    assert version["argv"] == ["compose", "version", "--short"]
    files = ["-f", str(tmp_path.resolve() / "docker-compose.yml"), "-f", "/abs/variant.yml"]
    assert up["argv"] == ["compose", "-p", PROJECT, *files, "up", "-d", "--remove-orphans", "--wait", "--wait-timeout",
                          "90"]  # fmt: skip
    assert (up["run"], up["cwd"]) == (PROJECT, str(tmp_path.resolve()))
    project(engine, tmp_path).up(wait=False)
    assert cli.calls()[-1]["argv"][-3:] == ["up", "-d", "--remove-orphans"]


def test_compose_v1_or_none_is_refused_before_anything_starts(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    cli.answer("version", stdout="1.29.2\n")
    with pytest.raises(ComposeUnavailable, match=r"^Compose v2 is required, found 1\.29\.2$"):
        project(engine, tmp_path).up()
    cli.answer("version", rc=1, stderr="docker: 'compose' is not a docker command.\n")
    with pytest.raises(ComposeUnavailable, match=r"found docker: 'compose' is not a docker command\."):
        project(engine, tmp_path).check_compose()
    assert [c["argv"][1] for c in cli.calls()] == ["version", "version"]
    cli.answer("version", stdout="v2.26.1\n")
    assert project(engine, tmp_path).check_compose() == "2.26.1"


def test_a_failed_compose_call_carries_the_unhealthy_containers_logs(
    cli: FakeCli, engine: FakeDocker, tmp_path: Path
) -> None:
    cli.answer("up", rc=1, stderr="line 1\nline 2\ncontainer drills-unit-pg-a-1 is unhealthy\n")
    pg = by_name(engine, "pg-a")
    pg.health, pg.log_text = "unhealthy", "\n".join(f"log {i}" for i in range(30))
    by_name(engine, "chat-b").status = "exited"
    with pytest.raises(TopologyError) as info:
        project(engine, tmp_path).up()
    text = str(info.value)
    assert text.startswith("`docker compose up -d --remove-orphans --wait --wait-timeout 300` failed (exit 1): "
                           "line 1 | line 2 | container drills-unit-pg-a-1 is unhealthy\n--- pg-a: running/unhealthy\n"
                           "log 15\n")  # fmt: skip
    assert "log 14" not in text and text.count("\nlog ") == 15  # the last 15 lines
    assert "\n--- chat-b: exited/-\n" in text
    assert text.endswith("hint: read the full log with `docker logs <container>`; images built? "
                         "(drills.topology.images.build_images)")  # fmt: skip
    assert sorted(engine.log.of("logs")) == ["chat-b", "pg-a"]


def test_compose_answers_and_refusals(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    p = project(engine, tmp_path)
    cli.answer("ps", stdout="NAME  STATUS\n")
    assert p.compose("ps") == "NAME  STATUS\n"
    cli.answer("ps", rc=1, stderr="unknown command: docker compose ps\n")
    with pytest.raises(ComposeUnavailable, match=r"^`docker compose` \(Compose v2\) is not installed$"):
        p.compose("ps")
    cli.answer("ps", rc=2, stdout="only stdout\n")
    with pytest.raises(TopologyError, match=r"^`docker compose ps` failed \(exit 2\): only stdout$"):
        p.compose("ps")  # every container is running and healthy: no diagnostics


def test_a_hung_compose_call_times_out(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    cli.answer("ps", sleep=10)
    engine.fail["containers.list"] = DockerException("engine gone")  # diagnostics are best effort
    with pytest.raises(TopologyError, match=r"^`docker compose ps` did not finish within 0s$"):
        project(engine, tmp_path).compose("ps", timeout=0.3)


def test_without_the_docker_cli(engine: FakeDocker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    p = project(engine, tmp_path)
    with pytest.raises(ComposeUnavailable, match=r"^the `docker` CLI is not on PATH$"):
        p.compose("ps")
    with pytest.raises(ComposeUnavailable, match=r"^cannot run `docker compose version`"):
        p.check_compose()


# -- teardown ---------------------------------------------------------------------------------------


def test_down_runs_compose_down_then_sweeps_the_run_label(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    engine.add("stray", {"org.drills.run": PROJECT})  # something compose does not know about
    project(engine, tmp_path).down()
    assert cli.calls()[-1]["argv"][5:] == ["-f", "/abs/variant.yml", "down", "-v", "--remove-orphans", "-t", "0"]
    assert "stray" in engine.log.of("remove")


def test_down_falls_back_to_the_sweep_and_reports_leftovers(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    cli.answer("down", rc=1, stderr="Error response from daemon: conflict\n")
    still_there = engine.add("stuck", {"org.drills.run": PROJECT})
    still_there.remove = lambda force=False, v=False: None  # type: ignore[method-assign]  # the engine ignores it
    with pytest.raises(TeardownError) as info:
        project(engine, tmp_path).down()
    assert str(info.value).startswith(f"run {PROJECT} left ['stuck'] after: `docker compose down -v --remove-orphans "
                                      "-t 0` failed (exit 1): Error response from daemon: conflict")  # fmt: skip


def test_a_failed_bring_up_tears_down_and_reports_the_bring_up_error(
    cli: FakeCli, engine: FakeDocker, tmp_path: Path
) -> None:
    cli.answer("up", rc=1, stderr="pull access denied for drills/messenger-app\n")
    cli.answer("down", rc=1, stderr="down failed too\n")
    with pytest.raises(TopologyError, match="pull access denied"), project(engine, tmp_path):
        pytest.fail("the block must not run")
    assert [c["argv"][7] for c in cli.calls()[1:]] == ["up", "down"]


def test_the_context_manager_tears_down_on_exit(cli: FakeCli, engine: FakeDocker, tmp_path: Path) -> None:
    with project(engine, tmp_path) as p:
        assert p.sites() == ["a", "b"]
    assert [c["argv"][7] for c in cli.calls()[1:]] == ["up", "down"]
    assert len(engine.log.of("remove")) == len(engine.containers_)


def test_each_sites_own_entry_points_come_from_the_site_endpoints_label(engine: FakeDocker, tmp_path: Path) -> None:
    toxi = by_name(engine, "toxiproxy")  # the WAN publishes a listener per (site, capability)
    toxi.labels["org.drills.site-endpoints"] = "a/chat:11081,b/chat:11181,a/login:11082"
    toxi.ports = {**(toxi.ports or {}), "11081/tcp": [{"HostIp": "127.0.0.1", "HostPort": "50001"}],
                   "11181/tcp": [{"HostIp": "127.0.0.1", "HostPort": "50003"}],
                   "11082/tcp": [{"HostIp": "127.0.0.1", "HostPort": "50002"}]}  # fmt: skip
    chat_b = by_name(engine, "chat-b")  # a site's own container may say it is its site's entry point
    chat_b.labels["org.drills.site-endpoints"] = "chat:8080"
    chat_b.ports = {"8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": "50009"}]}
    assert project(engine, tmp_path).site_endpoint_urls() == {
        "a": {"chat": "http://127.0.0.1:50001", "login": "http://127.0.0.1:50002"},
        "b": {"chat": "http://127.0.0.1:50009"},  # chat-b sorts before toxiproxy: the first one wins
    }
    chat_b.status = "exited"  # a dead container is no entry point
    assert project(engine, tmp_path).site_endpoint_urls()["b"] == {"chat": "http://127.0.0.1:50003"}
    toxi.labels["org.drills.site-endpoints"] = "chat:11081"  # the edge is no site: the site must be named
    with pytest.raises(TopologyError, match=r"^toxiproxy: .*must be \[<site>/\]<capability>:<container port>"):
        project(engine, tmp_path).site_endpoint_urls()
