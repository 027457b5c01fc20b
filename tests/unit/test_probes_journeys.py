"""The login, chat and devtools journeys against a tiny fake messenger on 127.0.0.1 (fixtures/README.md's API)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from drills.probes.client import READ_ATTEMPTS
from drills.probes.declared import DeclaredJourney
from drills.probes.journeys import devtools as devtools_journey
from drills.probes.journeys.chat import room_journey
from drills.probes.journeys.devtools import DevtoolsJourney
from drills.probes.journeys.login import LOGIN
from drills.probes.spec import journey_from_mapping
from tests.unit.fakes_http import FakeMessenger, closed_port, serve

TIMEOUT = 2.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def app() -> FakeMessenger:
    return FakeMessenger(site="b", primary="pg-b@20:41:03.120")


@pytest.fixture
def endpoints(app: FakeMessenger) -> Iterator[dict[str, str]]:
    with serve(app) as url:
        yield {"chat": url, "login": url, "devtools": url + "/"}


_ticks = itertools.count(1)


def LoginJourney(endpoints: dict[str, str], clock: object, timeout: float) -> DeclaredJourney:  # noqa: N802
    return DeclaredJourney(journey_from_mapping(LOGIN), endpoints, clock, timeout)  # type: ignore[arg-type]


def ChatJourney(endpoints: dict[str, str], clock: object, timeout: float, run_id: str = "",  # noqa: N802
                page: int = 500, max_pages: int = 400) -> DeclaredJourney:  # fmt: skip
    """The chat journey as drills declares it, with the read-back's page size and bound as given."""
    spec = room_journey("chat", "drill-${run}", read=True)
    spec["read_back"][0]["params"]["limit"] = page
    spec["read_back"][0]["max_pages"] = max_pages
    return DeclaredJourney(journey_from_mapping(spec), endpoints, clock, timeout, run_id=run_id)  # type: ignore[arg-type]


def clock() -> float:
    """A monotonic clock that needs no waiting."""
    return next(_ticks) * 0.5


# -- login ------------------------------------------------------------------------------------------


def test_login_logs_in_and_verifies_the_token(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = LoginJourney(endpoints, clock, TIMEOUT)
    out = probe.sample()
    assert (out.ok, out.error, out.site) == (True, "", "b")
    assert [(m, p) for m, p, _ in app.seen] == [("POST", "/login"), ("GET", "/verify")]
    token = next(t for t, user in app.tokens.items() if user == "alice")
    assert app.seen[1][2] == f"Bearer {token}"
    assert probe.sample().ok and app.calls("POST", "/login") == 2  # a fresh login per sample


def test_login_fails_when_verify_names_someone_else(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("GET", "/verify", 200, {"user": "mallory", "role": "user"}))
    out = LoginJourney(endpoints, clock, TIMEOUT).sample()
    assert (out.ok, out.error, out.site) == (False, "verify: body.user is 'mallory', expected 'alice'", "b")


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (503, {"error": "no primary database"}, "login: HTTP 503 no primary database"),
        (401, {"error": "wrong password"}, "login: HTTP 401 wrong password"),
        (502, "<html>Bad Gateway</html>", "login: HTTP 502 <html>Bad Gateway</html>"),
        (200, ["not", "an", "object"], "login: body.token is missing (extracting token)"),
        (200, "not json", "login: body.token is missing (extracting token)"),
        (200, {"user": "alice"}, "login: body.token is missing (extracting token)"),
    ],
)
def test_login_failures_are_failed_samples_with_a_short_reason(
    app: FakeMessenger, endpoints: dict[str, str], status: int, body: dict[str, str] | str, error: str
) -> None:
    app.forced.append(("POST", "/login", status, body))
    out = LoginJourney(endpoints, clock, TIMEOUT).sample()
    assert (out.ok, out.error) == (False, error)


def test_a_hung_login_is_a_timeout(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.hang.add("/login")
    out = LoginJourney(endpoints, clock, 0.1).sample()
    assert (out.ok, out.error) == (False, "login: timeout")


def test_a_closed_port_is_connection_refused() -> None:
    out = LoginJourney({"login": f"http://127.0.0.1:{closed_port()}"}, clock, TIMEOUT).sample()
    assert (out.ok, out.error) == (False, "login: connection refused")


# -- chat -------------------------------------------------------------------------------------------


def test_chat_sends_reads_back_and_ledgers_the_acknowledged_write(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1")
    out = probe.sample()
    assert (out.ok, out.error, out.site) == (True, "", "b")
    (w,) = out.writes
    stored = app.rooms["drill-r1"][0]
    assert (w.stream, w.key, w.id, w.acked) == ("chat", "drill-r1", stored["client_id"], True)
    assert (w.server_id, w.site, w.primary) == (str(stored["id"]), "b", "pg-b@20:41:03.120")
    assert app.calls("POST", "/login") == 1
    out2 = probe.sample()
    assert out2.ok and out2.writes[0].id != w.id
    assert app.calls("POST", "/login") == 1  # the token is kept between samples
    assert app.calls("POST", "/rooms/drill-r1/messages") == 2


def test_chat_send_failure_is_an_unacknowledged_write(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("POST", "/rooms/", 503, {"error": "no primary database"}))
    out = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error) == (False, "send: HTTP 503 no primary database")
    (w,) = out.writes
    assert (w.acked, w.state, w.server_id, w.site) == (False, "failed", "", "")


def test_chat_login_failure_fails_the_sample_before_anything_is_sent(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    app.forced.append(("POST", "/login", 503, {"error": "no primary database"}))
    out = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error) == (False, "session: login: HTTP 503 no primary database")
    assert out.writes == () and app.rooms == {}  # no attempt: nothing for the ledger


def test_chat_read_failure_keeps_the_acknowledged_write(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("GET", "/rooms/", 503, {"error": "no primary database"}))
    out = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error, out.site) == (
        False,
        "read: HTTP 503 no primary database",
        "b",
    )
    assert out.writes[0].acked


def test_chat_a_sent_message_that_cannot_be_read_is_a_failure(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1")
    app.unreadable.add(f"{probe.prefix}-1")
    out = probe.sample()
    assert (out.ok, out.error) == (False, "read: sent message not readable")
    assert out.writes[0].acked


def test_chat_an_ack_without_an_id_is_a_read_failure(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("POST", "/rooms/", 201, {"room": "drill-r1", "site": "b"}))
    out = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error) == (False, "send: body.id is missing (extracting ack)")
    assert out.writes[0].acked  # acknowledged (201): in the ledger, whatever its body lacks


def test_chat_renews_its_token_after_a_401(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1")
    assert probe.sample().ok
    app.revoke_tokens()  # e.g. the login service's secret rotated
    out = probe.sample()
    assert (out.ok, out.error) == (False, "send: HTTP 401 no or invalid token")
    assert probe.sample().ok
    assert app.calls("POST", "/login") == 2


def test_chat_a_hung_send_is_a_timeout(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = ChatJourney(endpoints, clock, 0.1, run_id="r1")
    app.hang.add("/rooms/")
    out = probe.sample()
    assert (out.ok, out.error) == (False, "send: timeout")
    assert (out.writes[0].acked, out.writes[0].state) == (False, "unknown")  # it may have been stored


def test_chat_read_back_pages_through_the_whole_room(
    app: FakeMessenger, endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1", page=2)
    sent = [w.id for _ in range(5) for w in probe.sample().writes]
    app.unreadable.add(sent[3])  # lost after its ack
    (rb,) = probe.read_back()
    assert (rb.stream, rb.key, rb.complete, rb.error) == ("chat", "drill-r1", True, "")
    assert list(rb.ids) == [sent[0], sent[1], sent[2], sent[4]]
    pages = [p for m, p, _ in app.seen if m == "GET"][-3:]
    assert len(pages) == 3  # 2 + 2 + an empty page that ends the read


def test_chat_read_back_that_breaks_midway_is_incomplete(
    app: FakeMessenger, endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1", page=2)
    sent = [w.id for _ in range(3) for w in probe.sample().writes]
    app.seen.clear()
    app.forced.append(("GET", "/rooms/", 200, {"messages": app.rooms["drill-r1"][:2]}))
    app.forced.extend([("GET", "/rooms/", 503, {"error": "no primary database"})] * READ_ATTEMPTS)
    (rb,) = probe.read_back()
    assert (rb.complete, list(rb.ids)) == (False, sent[:2])
    assert rb.error == "GET /rooms/drill-r1/messages: HTTP 503 no primary database"
    assert app.calls("GET", "/rooms/") == 1 + READ_ATTEMPTS  # the failing page asked READ_ATTEMPTS times, no more


def test_chat_read_back_asks_a_page_again_when_its_answer_did_not_come(
    app: FakeMessenger, endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the edge sends every other request to a site still recovering: the read-back judges data
    probe = ChatJourney(endpoints, clock, 0.2, run_id="r1", page=2)
    sent = [w.id for _ in range(3) for w in probe.sample().writes]
    app.forced.append(("GET", "/rooms/", 503, {"error": "no primary database"}))
    app.forced.append(("GET", "/rooms/", 502, {"error": "bad gateway"}))
    app.forced.append(("GET", "/rooms/", 200, {"messages": app.rooms["drill-r1"][:2]}))
    app.forced.append(("GET", "/rooms/", 504, {"error": "gateway timeout"}))
    (rb,) = probe.read_back()
    assert (rb.complete, list(rb.ids), rb.error) == (True, sent, "")


def test_chat_read_back_does_not_ask_again_when_the_answer_is_final(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1")
    probe.sample()
    app.seen.clear()
    app.forced.append(("GET", "/rooms/", 403, {"error": "forbidden"}))
    (rb,) = probe.read_back()
    assert (rb.complete, rb.error) == (False, "GET /rooms/drill-r1/messages: HTTP 403 forbidden")
    assert app.calls("GET", "/rooms/") == 1


def test_chat_read_back_is_bounded(
    app: FakeMessenger, endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = ChatJourney(endpoints, clock, TIMEOUT, run_id="r1", page=1, max_pages=3)
    for _ in range(5):
        probe.sample()
    app.seen.clear()
    (rb,) = probe.read_back()
    assert len(rb.ids) == 3 and app.calls("GET") == 3
    assert rb.complete is False and rb.error == "stopped after 3 pages"  # never "complete" when cut short


# -- devtools ---------------------------------------------------------------------------------------


def test_devtools_changes_config_records_a_deploy_and_reads_the_runbook(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    out = probe.sample()
    assert (out.ok, out.error, out.site) == (True, "", "b")
    version = f"{probe.prefix}-1"
    assert app.config["drill.flag.r1"]["value"] == version
    (cfg, w) = out.writes
    assert (cfg.stream, cfg.key, cfg.id, cfg.acked, cfg.state) == ("config", "drill.flag.r1", version, True, "acked")
    assert cfg.sent is not None and cfg.sent < cfg.t  # sent before its acknowledgement: the register rule needs it
    dep_id = next(i for i, d in app.deploys.items() if d["version"] == version)
    assert (w.stream, w.key, w.id, w.acked, w.server_id, w.primary) == (
        "deploys", "drill.flag.r1", version, True, str(dep_id), "pg-b@20:41:03.120")  # fmt: skip
    assert probe.acked == {version: str(dep_id)}
    assert [(m, p) for m, p, _ in app.seen] == [
        ("POST", "/login"), ("PUT", "/config/drill.flag.r1"), ("GET", "/config/drill.flag.r1"),
        ("POST", "/deploys"), ("GET", f"/deploys/{dep_id}"), ("GET", "/runbook"),
    ]  # fmt: skip
    assert all(auth.startswith("Bearer tok-ops-") for _, p, auth in app.seen if p != "/login")
    assert probe.sample().ok
    assert app.config["drill.flag.r1"]["version"] == 2


def test_devtools_reads_the_runbook_about_once_a_second_whatever_its_period(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    now = [0.0]
    probe = DevtoolsJourney(endpoints, lambda: now[0], TIMEOUT, run_id="r1")
    read = []
    for start in (0.0, 0.1, 0.5, 0.9, 1.0, 1.1, 1.9, 2.0, 2.98, 3.94):  # 10 Hz, then 1 Hz with jitter
        now[0] = start
        before = app.calls("GET", "/runbook")
        assert probe.sample().ok
        if app.calls("GET", "/runbook") > before:
            read.append(start)
    assert read == [0.0, 1.0, 2.0, 2.98, 3.94]


def test_devtools_config_read_back_mismatch(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("GET", "/config/", 200, {"key": "drill.flag.r1", "value": "stale", "version": 1}))
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    out = probe.sample()
    assert (out.ok, out.error) == (False, f"config read back 'stale', wrote '{probe.prefix}-1'")
    assert [(w.stream, w.acked) for w in out.writes] == [("config", True)]  # the PUT was acknowledged
    assert app.deploys == {}


def test_devtools_deploy_failure_is_an_unacknowledged_write(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("POST", "/deploys", 503, {"error": "no primary database"}))
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    out = probe.sample()
    assert (out.ok, out.error) == (False, "POST /deploys: HTTP 503 no primary database")
    (_, w) = out.writes
    assert (w.stream, w.id, w.acked) == ("deploys", f"{probe.prefix}-1", False)
    assert probe.acked == {}


def test_devtools_deploy_read_back_mismatch_keeps_the_acknowledged_write(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    app.forced.append(("GET", "/deploys/", 200, {"id": 1, "service": "chat", "version": "other"}))
    out = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error, out.site) == (False, "deploy read back 'other'", "b")
    assert [(w.stream, w.acked) for w in out.writes] == [("config", True), ("deploys", True)]


def test_devtools_runbook_failure_fails_the_sample(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    app.forced.append(("GET", "/runbook", 503, {"error": "no primary database"}))
    out = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error) == (False, "GET /runbook: HTTP 503 no primary database")
    assert [w.acked for w in out.writes] == [True, True]


def test_devtools_fails_the_sample_when_the_site_serves_no_runbook(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    app.runbook = None
    out = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error) == (
        False, "GET /runbook: HTTP 404 no runbook in site b (/srv/runbook/runbook.md does not exist)")  # fmt: skip
    assert [w.acked for w in out.writes] == [True, True]  # the writes before it stay acknowledged


@pytest.mark.parametrize(
    ("runbook", "error"),
    [
        ("# Site loss\n\nrunbook-version: 2\n", "runbook: version 2 served, expected 3"),
        ("# Site loss\n\nrunbook-version: 4\n", "runbook: version 4 served, expected 3"),
        ("# Site loss\n1. Promote the standby.\n", "runbook: no 'runbook-version:' line (expected version 3)"),
        ("# Site loss\nrunbook-version: 3\nrunbook-version: 2\n", "runbook: 2 'runbook-version:' lines (3, 2)"),
        ("runbook-version: 3\n", "runbook: not a markdown runbook (starts 'runbook-version: 3')"),
        ("", "runbook: not a markdown runbook (starts '')"),
        ("# Site loss\n\nsee runbook-version: 3\n", "runbook: no 'runbook-version:' line (expected version 3)"),
    ],
    ids=["stale", "newer", "unversioned", "two-versions", "no-heading", "empty", "not-a-line"],
)
def test_devtools_fails_the_sample_on_a_runbook_that_is_not_the_current_one(
    runbook: str, error: str, app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    app.runbook = runbook
    out = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1").sample()
    assert (out.ok, out.error, out.site) == (False, error, "b")
    assert [w.acked for w in out.writes] == [True, True]


def test_devtools_accepts_the_current_runbook_whatever_else_it_says(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    app.runbook = "# Runbook: one site lost\n\nrunbook-version:  3 \n\nAnything, even runbook-version: 2 in prose.\n"
    assert DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1").sample().ok


def test_the_expected_runbook_version_is_the_one_the_reference_messenger_serves() -> None:
    runbook = ROOT / "fixtures" / "messenger-app" / "messenger" / "runbook.md"
    assert devtools_journey.runbook_problem(runbook.read_text(encoding="utf-8")) == ""
    assert f"\nrunbook-version: {devtools_journey.RUNBOOK_VERSION}\n" in runbook.read_text(encoding="utf-8")


def test_devtools_a_user_without_the_admin_role_is_refused(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    probe.client.creds = ("alice", "alice-pw")
    out = probe.sample()
    assert (out.ok, out.error) == (False, "PUT /config/drill.flag.r1: HTTP 403 admin role required")


def test_devtools_read_back_finds_the_deploys_still_recorded(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    versions = [w.id for _ in range(3) for w in probe.sample().writes if w.stream == "deploys"]
    lost = int(probe.acked[versions[1]])
    del app.deploys[lost]  # the deploy vanished in the failover
    (cfg, rb) = probe.read_back()
    assert (cfg.stream, cfg.key, cfg.ids, cfg.mode, cfg.complete) == ("config", "drill.flag.r1", (versions[2],),
                                                                      "register", True)  # fmt: skip
    assert (rb.stream, rb.key, rb.complete) == ("deploys", "drill.flag.r1", True)
    assert list(rb.ids) == [versions[0], versions[2]]


def test_devtools_read_back_pages_past_other_journeys_deploys(
    app: FakeMessenger, endpoints: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devtools_journey, "READ_PAGE", 2)
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    other = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r2")
    versions = []
    for _ in range(3):  # the other journey's deploys land between this one's
        versions += [w.id for w in probe.sample().writes if w.stream == "deploys"]
        other.sample()
    app.deploys[int(probe.acked[versions[2]])]["version"] = "overwritten"  # the id now holds another deploy
    (_, rb) = probe.read_back()
    assert (rb.complete, list(rb.ids)) == (True, versions[:2])
    monkeypatch.setattr(devtools_journey, "MAX_PAGES", 1)
    (_, rb) = probe.read_back()
    assert (rb.complete, list(rb.ids), rb.error) == (False, versions[:1], "stopped after 1 pages of 2")


def test_devtools_read_back_that_breaks_is_incomplete(app: FakeMessenger, endpoints: dict[str, str]) -> None:
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    for _ in range(2):
        probe.sample()
    app.forced.extend([("GET", "/deploys", 503, {"error": "no primary database"})] * READ_ATTEMPTS)
    (_, rb) = probe.read_back()
    assert (rb.complete, list(rb.ids)) == (False, [])
    assert rb.error.endswith("HTTP 503 no primary database")


def test_devtools_config_changes_are_in_the_ledger_with_their_state(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    app.forced.append(("PUT", "/config/", 503, {"error": "no primary database"}))
    out = probe.sample()
    assert [(w.stream, w.state) for w in out.writes] == [("config", "failed")]  # answered: not stored
    app.config.clear()  # the key vanished (a failover to a node that never had it)
    cfg, _ = probe.read_back()
    assert (cfg.ids, cfg.complete, cfg.mode) == ((), True, "register")  # read back empty: every acked write lost
    app.forced.extend([("GET", "/config/", 503, {"error": "no primary database"})] * READ_ATTEMPTS)
    cfg, _ = probe.read_back()
    assert (cfg.complete, cfg.error) == (False, "GET /config/drill.flag.r1: HTTP 503 no primary database")


def test_journeys_without_a_run_id_get_distinct_names(endpoints: dict[str, str]) -> None:
    a, b = ChatJourney(endpoints, clock, TIMEOUT), ChatJourney(endpoints, clock, TIMEOUT)
    assert a.run_id != b.run_id and a.run_id
    d1, d2 = DevtoolsJourney(endpoints, clock, TIMEOUT), DevtoolsJourney(endpoints, clock, TIMEOUT)
    assert d1.key != d2.key


def test_devtools_a_concurrent_samples_config_value_is_not_a_stale_read(
    app: FakeMessenger, endpoints: dict[str, str]
) -> None:
    """Open-loop samples overlap on one config key: only a value acknowledged before our PUT was sent is stale."""
    probe = DevtoolsJourney(endpoints, clock, TIMEOUT, run_id="r1")
    p = probe.prefix
    probe.put_sent[5] = 10.0
    probe.put_acked.update({3: 9.0, 4: 10.1, 6: 10.2})
    assert probe._stale(f"{p}-5", 5) is False  # our own value
    assert probe._stale(f"{p}-3", 5) is True  # acknowledged before ours was sent: ours was lost
    assert probe._stale(f"{p}-4", 5) is False  # in flight together: either order is right
    assert probe._stale(f"{p}-6", 5) is False  # a later write overwrote ours
    assert probe._stale(f"{p}-7", 5) is False  # a write still in flight
    assert probe._stale("someone-else", 5) is True and probe._stale(f"{p}-x", 5) is True
