"""The reference messenger's ops endpoint (fixtures/messenger-app/messenger/ops.py) against a fake Patroni.

The module is the runbook POST /ops/failover runs: ask the target site's Patroni who is who, fail
over to that site's member, resume cluster management. It is stdlib-only and imports nothing from
its package, so it is loaded here by its path (the package's other modules need psycopg2, which
only the app's image has). The fake Patroni answers over real sockets (tests/unit/fakes_http.py),
so the module's own urllib client, its timeouts and its error translation are what is tested.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.unit.fakes_http import App, Reply, closed_port, serve

OPS = Path(__file__).resolve().parents[2] / "fixtures" / "messenger-app" / "messenger" / "ops.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("messenger_ops", OPS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ops = _load()


@dataclass
class FakePatroni(App):
    """Patroni 3.0's REST API for the calls the runbook makes: /cluster, /failover, /config, /patroni."""

    url: str = ""  # its own address, as each member's api_url names it
    leader: str | None = None  # None: the lost site's leader key expired
    paused: bool = True
    members: list[str] = field(default_factory=lambda: ["pg-a", "pg-b"])
    bodies: list[Any] = field(default_factory=list)

    def api_url(self, name: str) -> str:
        return f"{self.url}/patroni" if name == "pg-b" else "http://pg-a-wan:8008/patroni"

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        self.bodies.append(body)
        if (method, path) == ("GET", "/cluster"):
            members = [{"name": m, "role": "leader" if m == self.leader else "replica", "api_url": self.api_url(m)}
                       for m in self.members]  # fmt: skip
            return Reply(200, {"members": members, **({"pause": True} if self.paused else {})})
        if (method, path) == ("POST", "/failover"):
            if body.get("candidate") not in self.members:
                return Reply(412, "candidate does not exists\n", "text/html")
            self.leader = body["candidate"]
            return Reply(200, f'Successfully failed over to "{self.leader}"', "text/html")
        if (method, path) == ("PATCH", "/config"):
            self.paused = bool(body.get("pause"))
            return Reply(200, {"ttl": 6, "loop_wait": 1, **({"pause": True} if self.paused else {})})
        if (method, path) == ("GET", "/patroni"):
            return Reply(200, {"state": "running", "role": "master" if self.leader == "pg-b" else "replica",
                               "timeline": 2})  # fmt: skip
        return Reply(404, "not found", "text/html")


@pytest.fixture
def patroni() -> Iterator[FakePatroni]:
    app = FakePatroni()
    with serve(app) as url:
        app.url = url
        yield app


def apis(patroni: FakePatroni) -> dict[str, str]:
    return {"a": "http://pg-a-wan:8008", "b": patroni.url}


def test_the_api_list_is_read_as_site_equals_url() -> None:
    assert ops.parse_apis("a=http://pg-a-wan:8008, b=http://pg-b-wan:8008/") == {
        "a": "http://pg-a-wan:8008", "b": "http://pg-b-wan:8008"}
    assert ops.parse_apis("") == {}
    with pytest.raises(ValueError, match="'pg-a-wan:8008' is not <site>=http://<host>:<port>"):
        ops.parse_apis("pg-a-wan:8008")
    with pytest.raises(ValueError, match="site 'a' is named twice"):
        ops.parse_apis("a=http://x:1,a=http://y:2")


def test_failover_promotes_the_sites_member_then_resumes_cluster_management(patroni: FakePatroni) -> None:
    done = ops.failover(apis(patroni), "b")
    assert done == {"to": "b", "promoted": "pg-b", "previous_leader": None, "patroni": 'Successfully failed over to '
                    '"pg-b"', "resumed": True, "role": "master", "timeline": 2}  # fmt: skip
    assert [(m, p) for m, p, _ in patroni.seen] == [
        ("GET", "/cluster"), ("POST", "/failover"), ("PATCH", "/config"), ("GET", "/patroni")]
    assert patroni.bodies[1:3] == [{"candidate": "pg-b"}, {"pause": False}]
    assert patroni.leader == "pg-b" and not patroni.paused


def test_a_cluster_that_is_not_paused_is_failed_over_and_left_as_it_is(patroni: FakePatroni) -> None:
    patroni.paused, patroni.leader = False, "pg-a"
    done = ops.failover(apis(patroni), "b")
    assert (done["resumed"], done["previous_leader"]) == (False, "pg-a")
    assert ("PATCH", "/config") not in [(m, p) for m, p, _ in patroni.seen]


@pytest.mark.parametrize(("setup", "to", "status", "message"), [
    ({"leader": "pg-b"}, "b", 409, "pg-b (site b) is already the leader"),
    ({}, "c", 400, "unknown site 'c' (sites: a, b)"),
    ({"members": ["pg-a"]}, "b", 502, "no cluster member has its REST API at 127.0.0.1:"),
])  # fmt: skip
def test_what_the_runbook_cannot_do_is_an_error_with_a_status_and_a_reason(
    patroni: FakePatroni, setup: dict[str, Any], to: str, status: int, message: str
) -> None:
    for key, value in setup.items():
        setattr(patroni, key, value)
    with pytest.raises(ops.OpsError) as info:
        ops.failover(apis(patroni), to)
    assert info.value.status == status and info.value.message.startswith(message)
    assert ("POST", "/failover") not in [(m, p) for m, p, _ in patroni.seen]


def test_patroni_refusing_or_failing_the_failover_is_409_or_502(patroni: FakePatroni) -> None:
    patroni.forced.append(("POST", "/failover", 412, "failover is not possible: no good candidates have been found"))
    with pytest.raises(ops.OpsError) as refused:
        ops.failover(apis(patroni), "b")
    assert (refused.value.status, refused.value.message) == (
        409, "Patroni did not fail over to pg-b: HTTP 412 failover is not possible: no good candidates have been found")
    assert [p for m, p, _ in patroni.seen if m == "POST"] == ["/failover"]  # a refusal is not retried


@pytest.fixture
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "FAILOVER_BUDGET_S", 2.0)
    monkeypatch.setattr(ops, "RETRY_PAUSE_S", 0.05)


def test_a_dcs_that_fails_the_failover_once_is_retried_as_an_operator_would(patroni: FakePatroni,
                                                                            quick_retries: None) -> None:  # fmt: skip
    patroni.forced.append(("POST", "/failover", 503, "failed to write failover key into DCS"))
    done = ops.failover(apis(patroni), "b")
    assert (done["promoted"], done["patroni"]) == ("pg-b", 'Successfully failed over to "pg-b" (attempt 2)')
    assert [(m, p) for m, p, _ in patroni.seen] == [
        ("GET", "/cluster"), ("POST", "/failover"), ("GET", "/cluster"), ("POST", "/failover"), ("PATCH", "/config"),
        ("GET", "/patroni")]  # fmt: skip
    assert patroni.leader == "pg-b" and not patroni.paused


def test_a_failover_that_happened_despite_its_error_answer_is_not_asked_again(patroni: FakePatroni,
                                                                              quick_retries: None) -> None:  # fmt: skip
    patroni.forced.append(("POST", "/failover", 503, "Failover status unknown"))
    patroni.forced.append(("GET", "/cluster", 200, {"members": [
        {"name": "pg-a", "role": "replica", "api_url": "http://pg-a-wan:8008/patroni"},
        {"name": "pg-b", "role": "leader", "api_url": patroni.url + "/patroni"}], "pause": True}))
    patroni.forced.insert(0, ("GET", "/cluster", 200, {"members": [
        {"name": "pg-a", "role": "replica", "api_url": "http://pg-a-wan:8008/patroni"},
        {"name": "pg-b", "role": "replica", "api_url": patroni.url + "/patroni"}], "pause": True}))
    done = ops.failover(apis(patroni), "b")
    assert done["patroni"] == ("pg-b leads (Patroni's answer to attempt 1: Patroni did not fail over to pg-b: "
                               "HTTP 503 Failover status unknown)")
    assert [p for m, p, _ in patroni.seen if m == "POST"] == ["/failover"]
    assert done["resumed"] is True and not patroni.paused


def test_a_failover_that_keeps_failing_gives_up_within_its_budget(patroni: FakePatroni, quick_retries: None) -> None:
    for _ in range(200):
        patroni.forced.append(("POST", "/failover", 503, "Failover status unknown"))
    with pytest.raises(ops.OpsError) as failed:
        ops.failover(apis(patroni), "b")
    posts = len([p for m, p, _ in patroni.seen if m == "POST"])
    assert failed.value.status == 502 and posts >= 3
    assert failed.value.message == (f"Patroni did not fail over to pg-b: HTTP 503 Failover status unknown ({posts} "
                                    "attempts in 2 s)")  # fmt: skip
    assert patroni.leader is None and patroni.paused


def test_a_promotion_whose_resume_fails_says_what_was_done(patroni: FakePatroni) -> None:
    patroni.forced.append(("PATCH", "/config", 409, ""))
    with pytest.raises(ops.OpsError) as info:
        ops.failover(apis(patroni), "b")
    assert (info.value.status, info.value.message) == (
        502, 'Successfully failed over to "pg-b", but resuming cluster management failed: HTTP 409 ')
    assert patroni.leader == "pg-b"


def test_a_patroni_that_cannot_be_reached_is_503_never_a_crash(patroni: FakePatroni,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    port = closed_port()
    with pytest.raises(ops.OpsError) as refused:
        ops.failover({"b": f"http://127.0.0.1:{port}"}, "b")
    assert refused.value.status == 503
    assert refused.value.message.startswith(f"Patroni at 127.0.0.1:{port} cannot be reached (GET /cluster): ")
    assert "refused" in refused.value.message.lower()
    patroni.hang.add("/failover")
    monkeypatch.setattr(ops, "FAILOVER_TIMEOUT_S", 0.2)
    monkeypatch.setattr(ops, "FAILOVER_BUDGET_S", 1.0)
    monkeypatch.setattr(ops, "RETRY_PAUSE_S", 0.05)
    with pytest.raises(ops.OpsError) as slow:
        ops.failover(apis(patroni), "b")
    assert slow.value.status == 503 and "cannot be reached (POST /failover): timed out" in slow.value.message
    assert slow.value.message.endswith(" s)")  # retried, then given up within the budget
    with pytest.raises(ops.OpsError) as unset:
        ops.failover({}, "b")
    assert (unset.value.status, unset.value.message) == (
        503, "no Patroni REST API configured on this instance (DRILLS_PATRONI_API is empty)")


def test_a_state_the_new_leader_cannot_report_yet_is_none_not_an_error(patroni: FakePatroni) -> None:
    patroni.forced.append(("GET", "/patroni", 503, json.dumps({"state": "starting"})))
    done = ops.failover(apis(patroni), "b")
    assert (done["promoted"], done["role"], done["timeline"]) == ("pg-b", None, None)
