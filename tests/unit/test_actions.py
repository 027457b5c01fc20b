"""Operator actions: the scenario's ``actions:`` section, and each action type against fakes.

    validation   one-line ScenarioError naming file:line and field, exit 2 (through the CLI)
    plan         `drill plan` lists each action with its trigger
    http         against a FakeMessenger (real sockets): success as the admin, a wrong status,
                 nothing listening, a site without the entry point
    exec         against FakeDocker: output and exit code recorded; a container missing, exited,
                 an engine error, a command that never answers: a failed action with its reason

Scheduling, the runner and the activation check: test_actions_run.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from docker.errors import APIError, DockerException

from drills.actions import ACTION_TYPES, ActionContext, ActionOutcome, Prepares, make_action
from drills.actions.exec import ExecAction, last_lines
from drills.actions.http import HttpAction
from drills.adapters.container_exec import ContainerExec
from drills.cli import main
from drills.engine.plan import plan
from drills.errors import EXIT_INVALID, ScenarioError
from drills.model.scenario import ActionReach, ActionSpec, Trigger
from tests.unit.engine_fakes import SHORT_CUT, load
from tests.unit.fakes_docker import PROJECT, FakeContainer, FakeDocker, labels_of, mini_replica
from tests.unit.fakes_http import FakeMessenger, Reply, closed_port, serve

BASE = "name: ops-drill\n" + SHORT_CUT
ACTIVATE = ("  - {id: activate-b, type: http, when: {capability: chat, down_for: 3s}, capability: devtools,"
            " path: /ops/failover, json: {to: b}, target: 8s}\n")  # fmt: skip
PROMOTE = "  - {id: promote, type: exec, at: 3s, service: devtools, site: b, command: [promote, --now]}\n"


def with_actions(tmp_path: Path, *items: str) -> Any:
    return load(tmp_path, BASE + "actions:\n" + "".join(items))


# -- the scenario section ----------------------------------------------------------------------------


def test_actions_are_built_into_the_model_with_their_trigger_target_and_params(tmp_path: Path) -> None:
    sc = with_actions(tmp_path, ACTIVATE, PROMOTE)
    activate, promote = sc.actions
    assert activate.trigger == Trigger(capability="chat", down_for=3.0, until=10.0)  # until: the fault phase's end
    assert (activate.target, activate.trigger.describe()) == (8.0, "chat down for 3s")
    assert activate.params == HttpAction(capability="devtools", method="POST", path="/ops/failover", body='{"to": "b"}')
    assert activate.what == "POST /ops/failover through devtools (edge)"
    assert promote.trigger == Trigger(at=3.0) and promote.target is None
    assert promote.params == ExecAction(site="b", service="devtools", resolved="devtools-b",
                                        command=("promote", "--now"))  # fmt: skip
    assert promote.what == "exec promote --now in devtools-b (site b)"


@pytest.mark.parametrize(("item", "field", "rule"), [
    ("{id: x, type: http, at: 1s, when: {capability: chat, down_for: 3s}, capability: devtools, path: /a}",
     "actions[0].when", "give at (a time) or when (a condition), not both"),
    ("{id: x, type: http, capability: devtools, path: /a}", "actions[0]", "no trigger"),
    ("{id: x, type: http, when: {capability: payments, down_for: 3s}, capability: devtools, path: /a}",
     "actions[0].when.capability", "unknown capability 'payments' (measured by the probes: chat, login, devtools)"),
    ("{id: x, type: http, when: {capability: chat}, capability: devtools, path: /a}", "actions[0].when",
     "missing required field 'down_for'"),
    ("{id: x, type: http, when: {capability: chat, down_for: 0s}, capability: devtools, path: /a}",
     "actions[0].when.down_for", "must be > 0s"),
    ("{id: x, type: http, when: {capability: chat, down_for: 3s, timeout: 12s}, capability: devtools, path: /a}",
     "actions[0].when.timeout", "after the end of the fault phase (fault_phase: 10s)"),
    ("{id: x, type: http, when: {capability: chat, down_for: 5s, timeout: 4s}, capability: devtools, path: /a}",
     "actions[0].when.timeout", "chat cannot have been down for 5s by 4s"),
    ("{id: x, type: http, at: 10s, capability: devtools, path: /a}", "actions[0].at",
     "starts at 10s, not before the end of the fault phase"),
    ("{id: x, type: http, at: soon, capability: devtools, path: /a}", "actions[0].at", "not a duration: 'soon'"),
    ("{id: x, type: http, at: 1s, capability: payments, path: /a}", "actions[0].capability",
     "unknown capability 'payments' (capabilities in docker-compose.yml: chat, login, devtools)"),
    ("{id: x, type: http, at: 1s, capability: devtools, path: /a, via: c}", "actions[0].via", "unknown site 'c'"),
    ("{id: x, type: http, at: 1s, capability: devtools, path: ops}", "actions[0].path", "does not match"),
    ("{id: x, type: http, at: 1s, capability: devtools, path: /a, timeout: 0s}", "actions[0].timeout",
     "must be > 0s"),
    ("{id: x, type: http, at: 1s, capability: devtools, path: /a, expect: []}", "actions[0].expect", "minItems"),
    ("{id: x, type: exec, at: 1s, service: payments, site: b, command: [ls]}", "actions[0].service",
     "unknown service 'payments' in site b (services there: pg-b, chat-b, login-b, devtools-b)"),
    ("{id: x, type: exec, at: 1s, service: devtools, site: c, command: [ls]}", "actions[0].site", "unknown site 'c'"),
    ("{id: x, type: exec, at: 1s, service: devtools, site: b, command: []}", "actions[0].command", "minItems"),
    ("{id: x, type: teleport, at: 1s}", "actions[0].type", "unknown action type 'teleport' (allowed: exec, http)"),
    ("{id: x, type: http, at: 1s, capability: devtools, path: /a, retries: 3}", "actions[0].retries",
     "unknown field 'retries'"),
    ("{id: cut-a, type: http, at: 1s, capability: devtools, path: /a}", "actions[0].id",
     "'cut-a' is already the id of faults[0]"),
])  # fmt: skip
def test_a_broken_action_names_file_line_and_field(tmp_path: Path, item: str, field: str, rule: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_actions(tmp_path, f"  - {item}\n")
    err = caught.value
    assert (err.field, err.line) == (field, 10), str(err)
    assert rule in err.rule, str(err)


def test_a_duplicate_action_id_names_the_first_one(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        with_actions(tmp_path, PROMOTE, PROMOTE)
    assert (caught.value.field, caught.value.line) == ("actions[1].id", 11)
    assert "duplicate action id 'promote' (first used by actions[0])" in caught.value.rule


def test_expect_may_name_an_actions_activation_and_only_a_declared_action(tmp_path: Path) -> None:
    expect = "expect: {status: failed, failing: [{check: activation, capability: %s}]}\n"
    sc = load(tmp_path, BASE + expect % "activate-b" + "actions:\n" + ACTIVATE)
    assert sc.expect is not None and sc.expect.names() == "activation[activate-b]"
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path, BASE + expect % "chat" + "actions:\n" + ACTIVATE)
    assert caught.value.field == "expect.failing[0].capability"
    assert "unknown action 'chat' for activation (here activation judges: activate-b)" in caught.value.rule


def test_drill_validate_exits_2_on_a_broken_action(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    repo = tmp_path / "repo"
    repo.mkdir()
    for item in (Path(__file__).parent / "data" / "repo").iterdir():
        (repo / item.name).symlink_to(item)
    monkeypatch.chdir(repo)
    (repo / "s.yaml").write_text(BASE + "actions:\n  - {id: x, type: http, capability: devtools, path: /a}\n")
    assert main(["validate", "s.yaml"]) == EXIT_INVALID
    assert "s.yaml:10: actions[0]: no trigger" in capsys.readouterr().err


def test_the_plan_lists_each_action_with_its_trigger_in_time_order(tmp_path: Path) -> None:
    text = plan(with_actions(tmp_path, ACTIVATE, PROMOTE)).render()
    rows = [line.split() for line in text.splitlines() if line.split()[:1] in (["faults"], ["actions"], ["heal-all"])]
    assert [r[:2] for r in rows] == [["faults", "+2s"], ["actions", "+3s"], ["faults", "+6s"], ["actions", "when"],
                                     ["heal-all", "+10s"]]  # fmt: skip
    assert "promote (exec): exec promote --now in devtools-b (site b)" in text
    assert ("activate-b (http) once chat down for 3s (given up at +10s): POST /ops/failover through devtools (edge); "
            "activated within 8s") in text  # fmt: skip
    assert "once no action performs any more" in text
    assert "actions" not in plan(load(tmp_path, BASE)).render()  # a scenario without actions reads as before


# -- http --------------------------------------------------------------------------------------------


@dataclass
class OpsMessenger(FakeMessenger):
    """The messenger with an ops endpoint that only an admin may call."""

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        if (method, path) == ("POST", "/ops/failover"):
            if self._user(headers) != "ops":
                return Reply(403, {"error": "admin role required"})
            return Reply(200, {"promoted": body.get("to"), "site": self.site})
        return super().handle(method, path, query, headers, body)


@pytest.fixture
def ops() -> Iterator[tuple[OpsMessenger, str]]:
    app = OpsMessenger(site="b")
    with serve(app) as url:
        yield app, url


def http_spec(**params: Any) -> ActionSpec:
    p = HttpAction(**{"capability": "devtools", "method": "POST", "path": "/ops/failover", "body": '{"to": "b"}',
                      "timeout": 2.0, **params})  # fmt: skip
    return ActionSpec("activate-b", "http", Trigger(at=1.0), p)


def ctx(endpoints: dict[str, str] | None = None, sites: dict[str, dict[str, str]] | None = None,
        fake: FakeDocker | None = None) -> ActionContext:  # fmt: skip
    return ActionContext(endpoints or {}, sites or {}, ContainerExec(fake or FakeDocker(), PROJECT))


def test_http_logs_in_as_the_admin_and_calls_through_the_edge(ops: tuple[OpsMessenger, str]) -> None:
    app, url = ops
    out = make_action(http_spec()).perform(ctx({"devtools": url, "login": url}))
    assert out == ActionOutcome(True, status=200, output=('{"promoted": "b", "site": "b"}',))  # what it did: evidence
    assert [(m, p) for m, p, _ in app.seen] == [("POST", "/login"), ("POST", "/ops/failover")]
    assert app.seen[1][2].startswith("Bearer tok-ops-")  # the devtools journey's admin user


def test_http_via_a_site_calls_that_sites_own_entry_point(ops: tuple[OpsMessenger, str]) -> None:
    app, url = ops
    dead = f"http://127.0.0.1:{closed_port()}"
    out = make_action(http_spec(via="b")).perform(ctx({"devtools": dead, "login": dead},
                                                      {"b": {"devtools": url, "login": url}}))  # fmt: skip
    assert out.ok and app.calls("POST", "/ops/failover") == 1
    missing = make_action(http_spec(via="a")).perform(ctx({}, {"a": {"login": url}}))
    assert missing == ActionOutcome(False, "site a has no entry point for devtools")


def test_http_a_wrong_status_is_a_failed_action_with_the_status(ops: tuple[OpsMessenger, str]) -> None:
    app, url = ops
    app.forced.append(("POST", "/ops/failover", 503, {"error": "no standby"}))
    out = make_action(http_spec()).perform(ctx({"devtools": url, "login": url}))
    assert out == ActionOutcome(False, "HTTP 503 no standby (expected 200)", status=503)
    app.forced.append(("POST", "/ops/failover", 503, ("<html><body><h1>503 Service Unavailable</h1>\n"
                                                     "No server is available.</body></html>")))  # HAProxy's page
    page = make_action(http_spec()).perform(ctx({"devtools": url, "login": url}))
    assert page.error == "HTTP 503 503 Service Unavailable No server is available. (expected 200)"
    accepted = make_action(http_spec(expect=(202, 200))).perform(ctx({"devtools": url, "login": url}))
    assert accepted.ok  # 200 is one of the statuses that mean success


def test_http_nothing_listening_is_a_failed_action_never_a_crash(ops: tuple[OpsMessenger, str]) -> None:
    _, url = ops
    dead = f"http://127.0.0.1:{closed_port()}"
    refused = make_action(http_spec()).perform(ctx({"devtools": dead, "login": dead}))
    assert refused == ActionOutcome(False, "login as ops failed: connection refused")
    tool_gone = make_action(http_spec()).perform(ctx({"devtools": dead, "login": url}))  # login in b, devtools gone
    assert tool_gone == ActionOutcome(False, "connection refused")


def test_http_no_answer_within_the_timeout_says_so(ops: tuple[OpsMessenger, str]) -> None:
    app, url = ops
    app.hang.add("/ops/")
    out = make_action(http_spec(timeout=0.2)).perform(ctx({"devtools": url, "login": url}))
    assert out == ActionOutcome(False, "no answer within 200ms")


def test_http_login_at_start_logs_in_when_the_fault_phase_starts_and_calls_with_that_token(
    ops: tuple[OpsMessenger, str],
) -> None:
    """During the outage login needs the lost primary: an engineer already logged in still gets through."""
    app, url = ops
    dead = f"http://127.0.0.1:{closed_port()}"
    action = make_action(http_spec(via="b", login="at_start"))
    assert isinstance(action, Prepares)
    action.prepare(ctx({}, {"b": {"devtools": url, "login": url}}))
    outage = ctx({}, {"b": {"devtools": url, "login": dead}})  # by the time it is due, login is gone
    assert action.perform(outage).ok
    assert [(m, p) for m, p, _ in app.seen] == [("POST", "/login"), ("POST", "/ops/failover")]
    assert app.seen[1][2].startswith("Bearer tok-ops-")
    due = make_action(http_spec(via="b"))  # login: when_due (the default) logs in right before the call
    assert due.perform(outage) == ActionOutcome(False, "login as ops failed: connection refused")


def test_http_login_at_start_that_failed_logs_in_again_when_due(ops: tuple[OpsMessenger, str]) -> None:
    app, url = ops
    dead = f"http://127.0.0.1:{closed_port()}"
    c = ctx({}, {"b": {"devtools": url, "login": url}})
    app.forced.append(("POST", "/login", 503, {"error": "not ready"}))
    action = make_action(http_spec(via="b", login="at_start"))
    assert isinstance(action, Prepares)
    action.prepare(c)
    assert action.perform(c).ok and app.calls("POST", "/login") == 2  # refused at the start, then right before
    broken = make_action(http_spec(via="b", login="at_start"))
    assert isinstance(broken, Prepares)
    gone = ctx({}, {"b": {"devtools": url, "login": dead}})
    broken.prepare(gone)
    assert broken.perform(gone) == ActionOutcome(False, "login as ops failed: connection refused (and when the "
                                                        "fault phase started: connection refused)")  # fmt: skip


def test_http_and_exec_reach_name_the_tool_the_site_and_the_login_on_the_way() -> None:
    assert http_spec().params.reach() == ActionReach("capability", "devtools", "", ("login",))
    assert http_spec(via="b", login="at_start").params.reach() == ActionReach("capability", "devtools", "b")
    assert exec_spec().params.reach() == ActionReach("service", "devtools-b", "b")


# -- exec --------------------------------------------------------------------------------------------


def exec_spec(command: tuple[str, ...] = ("promote", "--now"), timeout: float = 2.0,
              expect_exit: int = 0) -> ActionSpec:  # fmt: skip
    p = ExecAction(site="b", service="devtools", resolved="devtools-b", command=command, timeout=timeout,
                   expect_exit=expect_exit)  # fmt: skip
    return ActionSpec("promote", "exec", Trigger(at=1.0), p)


def engine_with_devtools(status: str = "running") -> tuple[FakeDocker, FakeContainer]:
    fake = FakeDocker()
    mini_replica(fake)
    return fake, fake.add("devtools-b", labels_of("devtools-b", "b"), status=status)


def test_exec_runs_the_command_in_the_running_container_and_records_its_answer() -> None:
    fake, devtools = engine_with_devtools()
    devtools.exec_answer = (0, b"promoting pg-b\n\npg-b is the leader\n")
    out = make_action(exec_spec()).perform(ctx(fake=fake))
    assert out == ActionOutcome(True, exit_code=0, output=("promoting pg-b", "pg-b is the leader"))
    assert devtools.execs == [["promote", "--now"]]
    assert all(c.execs == [] for c in fake.containers_ if c is not devtools)  # by labels: that one only


def test_exec_a_non_zero_exit_fails_with_the_last_output_line() -> None:
    fake, devtools = engine_with_devtools()
    devtools.exec_answer = (2, b"error: no standby to promote\n")
    out = make_action(exec_spec()).perform(ctx(fake=fake))
    assert out == ActionOutcome(False, "exit code 2 (expected 0): error: no standby to promote", exit_code=2,
                                output=("error: no standby to promote",))  # fmt: skip
    assert make_action(exec_spec(expect_exit=2)).perform(ctx(fake=fake)).ok


@pytest.mark.parametrize(("status", "error"), [
    ("exited", "exec in devtools-b (site b): container not running (exited)"),
    ("paused", "exec in devtools-b (site b): container not running (paused)"),
])  # fmt: skip
def test_exec_in_a_container_that_is_not_running_fails_with_its_state(status: str, error: str) -> None:
    fake, devtools = engine_with_devtools(status)
    assert make_action(exec_spec()).perform(ctx(fake=fake)) == ActionOutcome(False, error)
    assert devtools.execs == []


def test_exec_with_no_container_or_a_broken_engine_fails_with_a_clear_message() -> None:
    fake = FakeDocker()
    mini_replica(fake)
    missing = make_action(exec_spec()).perform(ctx(fake=fake))
    assert missing == ActionOutcome(False, f"exec in devtools-b (site b): no container of service devtools-b in "
                                           f"site b (project {PROJECT})")  # fmt: skip
    fake.fail["containers.list"] = DockerException("socket closed")
    broken = make_action(exec_spec()).perform(ctx(fake=fake))
    assert broken.error == ("exec in devtools-b (site b): the Docker engine did not answer "
                            "(DockerException: socket closed)")  # fmt: skip
    fake2, devtools = engine_with_devtools()
    devtools.fail["exec_run"] = APIError("409 Client Error", explanation="container is restarting")
    refused = make_action(exec_spec()).perform(ctx(fake=fake2))
    assert refused == ActionOutcome(False, "exec in devtools-b (site b): container is restarting")


def test_exec_a_command_that_never_answers_fails_after_its_timeout() -> None:
    fake, devtools = engine_with_devtools()
    release = threading.Event()
    devtools.hooks["exec_run"] = lambda: release.wait(5)
    try:
        out = make_action(exec_spec(timeout=0.1)).perform(ctx(fake=fake))
    finally:
        release.set()
    assert out == ActionOutcome(False, "exec in devtools-b (site b): no answer within 0.1s (the command is left "
                                       "running in the container)")  # fmt: skip


def test_exec_keeps_only_the_last_lines_of_output_each_cut_short() -> None:
    text = "\n".join(f"line {i}" for i in range(30)) + "\n" + "x" * 500
    lines = last_lines(text)
    assert len(lines) == 10 and lines[0] == "line 21"
    assert len(lines[-1]) == 200 and lines[-1].endswith("...")


def test_every_action_type_is_registered_from_its_own_module() -> None:
    assert set(ACTION_TYPES) == {"http", "exec"}
    assert {t.make.__module__ for t in ACTION_TYPES.values()} == {"drills.actions.http", "drills.actions.exec"}
