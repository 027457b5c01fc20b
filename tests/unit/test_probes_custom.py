"""Custom probe types (http, command), the shared HTTP client, short_error and build_probes."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from drills.model.scenario import CustomProbe, ProbeSpec
from drills.probes import JOURNEYS, PROBE_TYPES, build_probes, register_journey, register_probe_type
from drills.probes.base import short_error
from drills.probes.client import ApiError, Http, failed
from drills.probes.custom.command import CommandParams, CommandProbe
from drills.probes.custom.command import make as make_command
from drills.probes.custom.http import HttpParams, HttpProbe
from drills.probes.custom.http import make as make_http
from drills.probes.declared import DeclaredJourney
from drills.probes.transport import ConnectionBroken, ConnectionFailed, ConnectionRefused, Timeout
from tests.unit.fakes_http import App, FakeMessenger, Reply, closed_port, serve


class Health(App):
    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: object) -> Reply:
        return Reply(200, {"ok": True}) if path == "/health" else Reply(404, {"error": "unknown route"})


@pytest.fixture
def health() -> Iterator[tuple[Health, str]]:
    app = Health()
    with serve(app) as url:
        yield app, url


# -- http ---------------------------------------------------------------------------------------------


def test_http_probe_expands_the_capability_entry_point(health: tuple[Health, str]) -> None:
    app, url = health
    probe = HttpProbe("edge-health", "chat", "{chat}/health", {"chat": url}, timeout=2.0)
    assert probe.url == f"{url}/health"
    out = probe.sample()
    assert (out.ok, out.error) == (True, "")
    assert app.seen == [("GET", "/health", "")]


def test_http_probe_wants_its_expected_status(health: tuple[Health, str]) -> None:
    app, url = health
    assert HttpProbe("x", "chat", f"{url}/missing", {}, 2.0, expect_status=404).sample().ok
    app.forced.append(("GET", "/health", 503, {"error": "not ready"}))
    out = HttpProbe("x", "chat", f"{url}/health", {}, 2.0).sample()
    assert (out.ok, out.error) == (False, "HTTP 503, expected 200")


def test_http_probe_network_failures_are_short(health: tuple[Health, str]) -> None:
    app, url = health
    app.hang.add("/slow")
    assert HttpProbe("x", "chat", f"{url}/slow", {}, 0.1).sample().error == "timeout"
    refused = HttpProbe("x", "chat", f"http://127.0.0.1:{closed_port()}/", {}, 2.0).sample()
    assert (refused.ok, refused.error) == (False, "connection refused")


def test_http_make_checks_its_params() -> None:
    probe = make_http("h", "login", HttpParams("{login}/ready", 204), {"login": "http://127.0.0.1:1"}, 1.5)
    assert (probe.name, probe.capability, probe.url, probe.expect, probe.timeout) == (
        "h", "login", "http://127.0.0.1:1/ready", 204, 1.5)  # fmt: skip
    with pytest.raises(TypeError, match=r"^probe h: params are CommandParams, not HttpParams$"):
        make_http("h", "login", CommandParams(("true",)), {}, 1.0)


# -- command ------------------------------------------------------------------------------------------


def py(code: str) -> tuple[str, ...]:
    return (sys.executable, "-c", code)


def test_command_probe_passes_on_exit_0() -> None:
    out = CommandProbe("c", "chat", py("print('fine')"), 5.0).sample()
    assert (out.ok, out.error) == (True, "")


def test_command_probe_failure_names_the_exit_code_and_the_last_line() -> None:
    code = "import sys; print('out'); sys.stderr.write('first\\nlast words\\n'); sys.exit(3)"
    out = CommandProbe("c", "chat", py(code), 5.0).sample()
    assert (out.ok, out.error) == (False, "exit 3: last words")
    quiet = CommandProbe("c", "chat", py("import sys; print('only stdout'); sys.exit(1)"), 5.0).sample()
    assert quiet.error == "exit 1: only stdout"
    silent = CommandProbe("c", "chat", py("raise SystemExit(2)"), 5.0).sample()
    assert silent.error == "exit 2:"


def test_command_probe_missing_command_and_timeout() -> None:
    missing = CommandProbe("c", "chat", ["/nonexistent/drills-probe"], 5.0).sample()
    assert (missing.ok, missing.error) == (False, "/nonexistent/drills-probe: command not found")
    slow = CommandProbe("c", "chat", py("import time; time.sleep(30)"), 0.2).sample()
    assert (slow.ok, slow.error) == (False, "timeout")


def test_command_make_checks_its_params() -> None:
    probe = make_command("c", "devtools", CommandParams(("true", "x")), {}, 3.0)
    assert (probe.argv, probe.timeout, probe.capability) == (["true", "x"], 3.0, "devtools")
    with pytest.raises(TypeError, match=r"^probe c: params are HttpParams, not CommandParams$"):
        make_command("c", "devtools", HttpParams("x"), {}, 1.0)


# -- short_error and the shared client ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (Timeout("GET http://127.0.0.1:1/: timed out"), "timeout"),
        (ConnectionRefused("GET http://127.0.0.1:1/: [Errno 111] Connection refused"), "connection refused"),
        (ConnectionBroken("GET http://127.0.0.1:1/: Remote end closed connection without response",
                          "remote end closed"), "remote end closed"),
        (ConnectionBroken("GET http://127.0.0.1:1/: [Errno 104] Connection reset by peer", "connection reset"),
         "connection reset"),
        (ConnectionBroken("GET http://127.0.0.1:1/: [Errno 32] Broken pipe", "connection aborted"),
         "connection aborted"),
        (ConnectionFailed("GET http://nowhere.invalid/: Name or service not known"), "connection error"),
        (ValueError("first line\nsecond line"), "first line"),
        (ValueError("x" * 500), "x" * 160),
        (KeyError(""), "''"),
        (RuntimeError(), "RuntimeError"),
    ],
)  # fmt: skip
def test_short_error_is_one_short_line(exc: BaseException, text: str) -> None:
    assert short_error(exc) == text


def test_http_client_checks_status_and_sends_the_token() -> None:
    app = FakeMessenger()
    with serve(app) as url:
        http = Http(url + "/", timeout=2.0)
        assert http.base == url
        data = http.login("ops", "ops-pw")
        assert http.token == data["token"] and data["role"] == "admin"
        assert http.call("GET", "/runbook").text.startswith("# Site loss")
        assert app.seen[-1][2] == f"Bearer {http.token}"
        with pytest.raises(ApiError, match=r"^GET /config/nope: HTTP 404 unknown key nope$"):
            http.json("GET", "/config/nope")
        assert http.json("GET", "/config/nope", expect=(404,)) == {"error": "unknown key nope"}
        with pytest.raises(ApiError, match=r"^POST /login: HTTP 401 unknown user or wrong password$"):
            http.login("ops", "wrong")
        assert http.token == ""  # a failed login drops the old token
        http.close()


def test_failed_keeps_api_errors_whole_and_shortens_the_rest() -> None:
    long = "GET /rooms/x/messages: HTTP 503 " + "y" * 200
    assert failed(ApiError(long)).error == long
    assert failed(Timeout("GET http://127.0.0.1:1/: timed out")).error == "timeout"
    assert failed(ApiError("x")).ok is False


# -- build_probes -------------------------------------------------------------------------------------


def test_build_probes_makes_every_journey_and_custom_probe_of_the_spec() -> None:
    spec = ProbeSpec(
        period=0.1,
        timeout=1.5,
        journeys=("login", "chat"),
        custom=(CustomProbe("cmd", "command", "devtools", CommandParams(("true",))),
                CustomProbe("edge", "http", "chat", HttpParams("{chat}/health"))),
    )  # fmt: skip
    endpoints = {"chat": "http://127.0.0.1:1", "login": "http://127.0.0.1:2"}
    probes = build_probes(spec, endpoints, lambda: 0.0, run_id="r9")
    assert [(p.name, p.capability) for p in probes] == [
        ("login", "login"), ("chat", "chat"), ("cmd", "devtools"), ("edge", "chat")]  # fmt: skip
    chat, edge = probes[1], probes[3]
    assert isinstance(chat, DeclaredJourney) and chat.run_id == "r9"
    assert isinstance(edge, HttpProbe) and edge.url == "http://127.0.0.1:1/health"


def test_a_journey_or_probe_type_cannot_be_registered_twice() -> None:
    with pytest.raises(ValueError, match="journey 'chat' is registered twice"):
        register_journey(JOURNEYS["chat"])
    with pytest.raises(ValueError, match="probe type 'http' is registered twice"):
        register_probe_type(PROBE_TYPES["http"])
