"""Declarative journeys: templates, answer paths, assertions, the ledger and read-back of a
declared write, the session, and the rules a scenario's declaration must keep.

The service under test is a tiny "notes" app on 127.0.0.1 - deliberately not the messenger: a
token from POST /session, notes written with PUT and listed in pages, one preference key (a
register), the serving site in a response header."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from drills.checks import CheckInput, rpo
from drills.errors import ScenarioError
from drills.model.journey import placeholders
from drills.model.result import Verdict
from drills.model.scenario import ProbeSpec, Targets
from drills.model.timeline import Phase, Timeline
from drills.probes import JOURNEYS, build_probes, build_site_probes
from drills.probes.declared import MISSING, Answer, DeclaredJourney, check, render, render_value, resolve
from drills.probes.spec import journey_from_mapping, journey_schema
from drills.probes.transport import Transport
from drills.scenario import load_scenario
from drills.scenario.expect import written_streams
from tests.unit.fakes_http import App, Reply, closed_port, serve

REPO = Path(__file__).parent / "data" / "repo"
ROOT = Path(__file__).resolve().parents[2]
_ticks = itertools.count(1)


def clock() -> float:
    return next(_ticks) * 0.25


@dataclass
class Notes(App):
    site: str = "b"
    tokens: set[str] = field(default_factory=set)
    notes: list[dict[str, Any]] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)  # note ids acknowledged, then never listed
    prefs: dict[str, str] = field(default_factory=dict)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        site = {"X-Site": self.site}
        if (method, path) == ("POST", "/session"):
            if body != {"user": "ann", "secret": "s3"}:
                return Reply(403, {"error": "who are you"})
            token = f"t{len(self.tokens) + 1}"
            self.tokens.add(token)
            return Reply(200, {"token": token}, headers=site)
        if headers.get("authorization", "").removeprefix("Token ") not in self.tokens:
            return Reply(401, {"error": "log in"})
        parts = path.strip("/").split("/")
        if method == "PUT" and parts[0] == "notes" and len(parts) == 3:
            n = len(self.notes) + 1
            self.notes.append({"n": n, "book": parts[1], "note": parts[2], "text": body["text"], "v": 1})
            return Reply(201, {"n": n, "node": "db-b", "epoch": 7}, headers=site)
        if method == "GET" and parts[0] == "notes" and len(parts) == 2:
            after, limit = int(query.get("after", 0)), int(query.get("limit", 100))
            rows = [r for r in self.notes if r["book"] == parts[1] and r["n"] > after and r["note"] not in self.lost]
            return Reply(200, {"page": rows[:limit]}, headers=site)
        if parts[0] == "prefs" and len(parts) == 2:
            if method == "PUT":
                self.prefs[parts[1]] = body["value"]
                return Reply(200, {"ok": True}, headers=site)
            if parts[1] not in self.prefs:
                return Reply(404, {"error": "no such key"})
            return Reply(200, {"value": self.prefs[parts[1]]}, headers=site)
        return Reply(404, {"error": "no route"})


NOTES: dict[str, Any] = {
    "name": "notes", "capability": "chat",
    "session": [{"name": "login", "method": "POST", "path": "/session", "json": {"user": "ann", "secret": "s3"},
                 "extract": {"token": "body.token"}}],
    "headers": {"Authorization": "Token ${token}"},
    "site": "header.X-Site",
    "steps": [
        {"name": "write", "method": "PUT", "path": "/notes/book-${run}/${id}", "json": {"text": "note ${seq}"},
         "expect": [201], "extract": {"n": "body.n"},
         "write": {"stream": "notes", "key": "book-${run}", "id": "${id}", "server_id": "body.n",
                   "primary": "body.node", "timeline": "body.epoch"}},
        {"name": "list", "path": "/notes/book-${run}", "params": {"after": "0", "limit": 1000},
         "assert": [{"that": "body.page.*.note", "contains": "${id}"}, {"that": "status", "equals": 200}]},
    ],
    "read_back": [{"stream": "notes", "key": "book-${run}", "path": "/notes/book-${run}",
                   "params": {"after": "${cursor}", "limit": 2}, "items": "body.page", "id": "note",
                   "cursor": {"start": "0", "next": "n"}}],
}  # fmt: skip


@pytest.fixture
def app() -> Notes:
    return Notes()


@pytest.fixture
def url(app: Notes) -> Iterator[str]:
    with serve(app) as base:
        yield base


def journey(url: str, spec: dict[str, Any] | None = None, timeout: float = 2.0) -> DeclaredJourney:
    return DeclaredJourney(journey_from_mapping(spec or NOTES), {"chat": url, "login": url}, clock, timeout,
                           run_id="r1")  # fmt: skip


# -- templates and answer paths --------------------------------------------------------------------


def test_templates_render_variables_as_text_and_dollar_dollar_as_a_dollar() -> None:
    v = {"id": "ab-1", "n": 7, "flag": True, "tags": ["x", "y"]}
    assert render("/a/${id}?n=${n}&f=${flag}&t=${tags}&cost=$$5", v) == '/a/ab-1?n=7&f=true&t=["x","y"]&cost=$5'
    assert placeholders("${a}-$${b}-${c}") == ["a", "c"]  # $${b} is a literal "${b}"
    assert render_value({"n": "${n}", "s": "n=${n}", "k-${id}": ["${tags}"]}, v) == {
        "n": 7, "s": "n=7", "k-ab-1": [["x", "y"]]}  # fmt: skip


class _Resp:
    def __init__(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        import email.message

        self.status_code, self.content = status, body
        self.headers = email.message.Message()
        for k, v in (headers or {}).items():
            self.headers[k] = v

    @property
    def text(self) -> str:
        return self.content.decode()

    def json(self) -> Any:
        import json

        return json.loads(self.content)


def answer(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Answer:
    return Answer(_Resp(status, body, headers))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("status", 201), ("text", '{"a": {"b": [1, {"c": "x"}]}, "l": [{"k": 1}, {"k": 2}, {}]}'),
        ("header.X-Site", "b"), ("header.x-site", "b"), ("header.Nope", MISSING),
        ("body.a.b.0", 1), ("body.a.b.1.c", "x"), ("body.a.b.-1.c", "x"), ("body.a.b.2", MISSING),
        ("body.l.*.k", [1, 2]), ("body.a.nope", MISSING), ("body.a.b.c", MISSING), ("body.a.b.0.x", MISSING),
        ("status.code", MISSING), ("other", MISSING),
    ],
)  # fmt: skip
def test_answer_paths(path: str, value: Any) -> None:
    a = answer(b'{"a": {"b": [1, {"c": "x"}]}, "l": [{"k": 1}, {"k": 2}, {}]}', 201, {"X-Site": "b"})
    assert resolve(a, path) == value if value is not MISSING else resolve(a, path) is MISSING


def test_a_body_that_is_not_json_has_no_body_paths_but_its_text() -> None:
    a = answer(b"# Runbook\nversion: 3\n")
    assert resolve(a, "body") is MISSING and resolve(a, "body.x") is MISSING
    assert resolve(a, "text").startswith("# Runbook")


@pytest.mark.parametrize(
    ("that", "op", "value", "problem"),
    [
        ("body.n", "equals", 1, ""),
        ("body.n", "equals", 1.0, ""),
        ("body.t", "equals", 1, "body.t is true, expected 1"),  # JSON: true is not 1
        ("body.s", "equals", "${id}", ""),
        ("body.s", "equals", "x-${id}", "body.s is 'ab-1', expected 'x-ab-1'"),
        ("body.s", "contains", "b-", ""),
        ("body.l", "contains", "${id}", ""),
        ("body.l", "contains", "zz", "body.l is [\"q\", \"ab-1\"], does not contain 'zz'"),
        ("body.n", "contains", "1", "body.n is 1, does not contain '1'"),  # a number contains nothing
        ("text", "matches", r"(?m)^\{", ""),
        ("body.s", "matches", r"^\d+$", "body.s is 'ab-1', does not match '^\\\\d+$'"),
        ("body.n", "matches", "1", "body.n is 1, does not match '1'"),  # only strings match
        ("body.s", "exists", True, ""),
        ("body.zz", "exists", False, ""),
        ("body.s", "exists", False, "body.s is 'ab-1'"),
        ("body.zz", "exists", True, "body.zz is missing"),
        ("body.zz", "equals", None, "body.zz is missing"),
    ],
)
def test_assertions(that: str, op: str, value: Any, problem: str) -> None:
    from drills.model.journey import Assertion

    a = answer(b'{"n": 1, "t": true, "s": "ab-1", "l": ["q", "ab-1"]}')
    assert check(Assertion(that, op, value), a, {"id": "ab-1"}) == problem  # type: ignore[arg-type]


# -- a sample, its writes and the read-back ------------------------------------------------------


def test_a_declared_journey_logs_in_once_writes_and_reads_back_page_by_page(app: Notes, url: str) -> None:
    probe = journey(url)
    outs = [probe.sample() for _ in range(5)]
    assert [(o.ok, o.error, o.site) for o in outs] == [(True, "", "b")] * 5
    assert app.calls("POST", "/session") == 1  # the session's token serves every sample
    writes = [w for o in outs for w in o.writes]
    assert [(w.stream, w.key, w.acked, w.state) for w in writes] == [("notes", "book-r1", True, "acked")] * 5
    assert [w.id for w in writes] == [f"{probe.prefix}-{n}" for n in range(1, 6)]
    assert [(w.server_id, w.primary, w.timeline, w.site) for w in writes[:2]] == [
        ("1", "db-b", 7, "b"), ("2", "db-b", 7, "b")]  # fmt: skip
    assert all(w.sent is not None and w.sent < w.t for w in writes)
    app.lost.add(writes[2].id)  # acknowledged, then gone
    app.seen.clear()
    (rb,) = probe.read_back()
    assert (rb.stream, rb.key, rb.mode, rb.complete, rb.error) == ("notes", "book-r1", "log", True, "")
    assert list(rb.ids) == [w.id for i, w in enumerate(writes) if i != 2]
    pages = [p for m, p, _ in app.seen if m == "GET"]
    assert len(pages) == 3  # 2 + 2 + an empty page


def test_the_rpo_check_finds_the_declared_write_that_was_lost(app: Notes, url: str) -> None:
    probe = journey(url)
    writes = [w for _ in range(3) for w in probe.sample().writes]

    def judged() -> Verdict:
        timeline = Timeline((*writes, Phase(10_000, "verify"), *probe.read_back()))
        return next(v for v in rpo.check(CheckInput(timeline, "notes", Targets(), 0.1)) if v.check == "rpo")

    assert judged().status == "pass"
    app.lost.add(writes[1].id)
    v = judged()
    assert v.status == "fail" and v.details["lost"] == [writes[1].id]


def test_a_failed_step_ends_the_sample_and_keeps_the_write_with_its_state(app: Notes, url: str) -> None:
    app.forced.append(("PUT", "/notes/", 503, {"error": "no leader"}))
    out = journey(url).sample()
    assert (out.ok, out.error) == (False, "write: HTTP 503 no leader")
    assert [(w.acked, w.state) for w in out.writes] == [(False, "failed")]  # the service said no
    app.hang.add("/notes/")
    out = journey(url, timeout=0.2).sample()
    assert (out.ok, out.error) == (False, "write: timeout")
    assert [(w.acked, w.state) for w in out.writes] == [(False, "unknown")]  # it may have been stored


def test_a_refused_write_is_failed() -> None:
    out = journey(f"http://127.0.0.1:{closed_port()}").sample()
    assert (out.ok, out.error, out.writes) == (False, "session: login: connection refused", ())
    spec = {**NOTES, "session": [], "headers": {}}
    out = journey(f"http://127.0.0.1:{closed_port()}", spec).sample()
    assert [(w.acked, w.state) for w in out.writes] == [(False, "failed")]  # refused: nothing was sent


def test_an_assertion_that_fails_keeps_the_acknowledged_write(app: Notes, url: str) -> None:
    probe = journey(url)
    app.lost.add(f"{probe.prefix}-1")
    out = probe.sample()
    assert out.error == f"list: body.page.*.note is [], does not contain '{probe.prefix}-1'"
    assert [w.acked for w in out.writes] == [True]


def test_the_session_runs_again_after_a_renew_on_status(app: Notes, url: str) -> None:
    probe = journey(url)
    assert probe.sample().ok
    app.tokens.clear()  # the tokens were revoked
    assert probe.sample().error == "write: HTTP 401 log in"
    assert probe.sample().ok and app.calls("POST", "/session") == 2


def test_a_read_back_logs_in_again_and_asks_a_transient_page_again(app: Notes, url: str) -> None:
    probe = journey(url)
    ids = [w.id for _ in range(3) for w in probe.sample().writes]
    app.tokens.clear()
    app.forced.append(("GET", "/notes/", 502, "bad gateway"))
    (rb,) = probe.read_back()
    assert (rb.complete, list(rb.ids)) == (True, ids)


def test_a_register_read_back_reads_one_value_and_404_as_gone(app: Notes, url: str) -> None:
    spec = {
        "name": "prefs", "capability": "chat", "session": NOTES["session"], "headers": NOTES["headers"],
        "steps": [{"method": "PUT", "path": "/prefs/k-${run}", "json": {"value": "${id}"},
                   "write": {"stream": "prefs", "key": "k-${run}", "id": "${id}"}}],
        "read_back": [{"stream": "prefs", "key": "k-${run}", "path": "/prefs/k-${run}", "mode": "register"}],
    }  # fmt: skip
    probe = journey(url, spec)
    last = [w.id for _ in range(3) for w in probe.sample().writes][-1]
    (rb,) = probe.read_back()
    assert (rb.mode, rb.ids, rb.complete) == ("register", (last,), True)
    app.prefs.clear()
    (rb,) = probe.read_back()
    assert (rb.ids, rb.complete) == ((), True)  # the key is gone: every write to it is lost


# -- built-in journeys are declarations; per-site probes ------------------------------------------


@pytest.mark.parametrize("name", ["chat", "login"])
def test_the_built_in_journeys_are_declarations_a_scenario_could_hold(name: str) -> None:
    from drills.probes.journeys.chat import CHAT
    from drills.probes.journeys.login import LOGIN

    jsonschema.validate({"chat": CHAT, "login": LOGIN}[name], journey_schema())
    assert JOURNEYS[name].definition == journey_from_mapping({"chat": CHAT, "login": LOGIN}[name])


def test_a_declared_journey_is_probed_per_site_and_unprobed_where_a_capability_it_calls_is_missing() -> None:
    defn = journey_from_mapping({**NOTES, "session": [{**NOTES["session"][0], "entry": "login"}]})
    spec = ProbeSpec(journeys=("notes",), declared=(defn,))
    ends = {"a": {"chat": "http://127.0.0.1:1", "login": "http://127.0.0.1:2"}, "b": {"chat": "http://127.0.0.1:3"}}
    probes, missing = build_site_probes(spec, ("a", "b"), ends, clock, "r1", build_probes)
    assert [(p.name, p.capability, p.inner.run_id) for p in probes] == [("notes@a", "chat", "r1-a")]  # type: ignore[attr-defined]
    assert [(m.name, m.reason) for m in missing] == [
        ("notes@b", "site b has no entry point for login (the notes journey needs it)")]  # fmt: skip
    assert spec.capabilities == ("chat",)


def test_transport_is_shared_per_capability_not_per_step(url: str) -> None:
    probe = journey(url)
    assert set(probe.http) == {"chat"} and all(isinstance(h.transport, Transport) for h in probe.http.values())


# -- the rules of a declaration ---------------------------------------------------------------------


def _mutated(change: dict[str, Any], where: str = "") -> dict[str, Any]:
    spec = {**NOTES, "steps": [dict(s) for s in NOTES["steps"]], "read_back": [dict(r) for r in NOTES["read_back"]]}
    target: dict[str, Any] = spec
    for part in where.split(".") if where else []:
        target = target[int(part)] if part.isdigit() else target[part]  # type: ignore[index]
    target.update(change)
    return spec


@pytest.mark.parametrize(
    ("where", "change", "error"),
    [
        ("steps.0", {"path": "/notes/${nope}"}, "steps.0.path: unknown variable ${nope}"),
        ("steps.0", {"json": {"t": "${n}"}}, "steps.0.json.t: unknown variable ${n}"),  # n: extracted by this step
        ("steps.1", {"params": {"after": "${later}"}}, "steps.1.params.after: unknown variable ${later}"),
        ("", {"headers": {"X": "${id}"}}, "headers.X: unknown variable ${id}"),  # per sample: not a header
        ("steps.0", {"write": {"stream": "notes", "key": "book-${id}", "id": "${id}"}},
         "steps.0.write.key: unknown variable ${id} (a key is the same for every sample"),
        ("steps.0", {"write": {"stream": "notes", "key": "book-${run}", "id": "fixed"}},
         "steps.0.write.id: a write's id must be unique per sample"),
        ("steps.0", {"write": {"stream": "other", "key": "book-${run}", "id": "${id}"}},
         "steps.0.write: nothing reads back stream 'other' key 'book-${run}'"),
        ("read_back.0", {"key": "shelf-${run}"}, "nothing reads back stream 'notes' key 'book-${run}'"),
        ("read_back.0", {"path": "/notes/${id}"}, "read_back.0.path: unknown variable ${id}"),
        ("read_back.0", {"mode": "register"}, "read_back.0: a register is read in one answer"),
        ("read_back.0", {"value": "body.v"}, "read_back.0: value and missing are a register's"),
        ("steps.1", {"assert": [{"that": "body.x", "equals": 1, "exists": True}]},
         "steps.1.assert.0: give exactly one of equals, contains, matches, exists (got equals, exists)"),
        ("steps.1", {"assert": [{"that": "body.x"}]}, "give exactly one of equals, contains, matches, exists (got no"),
        ("steps.1", {"assert": [{"that": "body.x", "matches": "("}]}, "steps.1.assert.0.matches: not a regular expr"),
        ("steps.1", {"assert": [{"that": "bdy.x", "equals": 1}]}, "steps.1.assert.0.that: not an answer path: 'bdy.x'"),
        ("steps.0", {"extract": {"id": "body.n"}}, "steps.0.extract: ${id} is drills' own variable"),
        ("steps.0", {"extract": {"a-b": "body.n"}}, "steps.0.extract: not a variable name: 'a-b'"),
        ("steps.1", {"path": "/notes/x?after=0"}, "steps.1.params: a path with a query string takes no params"),
        ("", {"session": [{**NOTES["session"][0], "write": {"stream": "s", "key": "k", "id": "${id}"}}]},
         "session.0.write: a session step cannot write"),
        ("read_back.0", {"cursor": {"start": "0", "next": "a..b"}}, "read_back.0.cursor.next: not a path below"),
    ],
)  # fmt: skip
def test_a_declaration_that_breaks_a_rule_is_refused_naming_the_field(
    where: str, change: dict[str, Any], error: str
) -> None:
    with pytest.raises(ValueError, match=r"^journey notes: ") as info:
        journey_from_mapping(_mutated(change, where))
    assert error in str(info.value)


SCENARIO = """\
name: own
probes:
  journeys:
    - login
    - name: notes
      capability: chat
      session:
        - {name: login, method: POST, entry: login, path: /session, json: {user: ann}, extract: {token: body.token}}
      headers: {Authorization: "Token ${token}"}
      steps:
        - {name: write, method: PUT, path: "/notes/${id}", expect: 201,
           write: {stream: notes, key: "book-${run}", id: "${id}"}}
      read_back: [{stream: notes, key: "book-${run}", path: "/notes", items: body.page, id: note}]
checks: {failover: {enabled: false}}
"""


def load(tmp_path: Path, text: str) -> Any:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return load_scenario(p, repo_root=REPO)


def test_a_scenario_declares_a_journey_beside_built_in_ones(tmp_path: Path) -> None:
    s = load(tmp_path, SCENARIO)
    assert s.probes.journeys == ("login", "notes")
    (d,) = s.probes.declared
    assert (d.name, d.capability, d.streams, [st.label for st in d.steps]) == ("notes", "chat", ("notes",), ["write"])
    assert s.probes.capabilities == ("login", "chat")
    assert written_streams(s.probes, s.load) == ("notes", "chat")  # the journey's, then the write load's


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("    - name: notes\n", "    - name: chat\n", "probes.journeys[1].name: 'chat' is a built-in journey"),
        ("    - login\n", "    - login\n    - {name: notes, capability: chat, steps: [{path: /}]}\n",
         "probes.journeys[2].name: duplicate probe name 'notes'"),
        ("stream: notes,", "stream: chat,", "probes.journeys[1]: stream 'chat' is the chat journey's"),
        ("entry: login,", "entry: billing,", "probes.journeys[1].session[0].entry: unknown capability 'billing'"),
        ("      steps:\n", "      stpes: []\n      steps:\n",
         "probes.journeys[1].stpes: unknown field 'stpes' (did you mean"),
        ("    - login\n", "    - logn\n", "probes.journeys[0]: 'logn' is not allowed (allowed: chat, devtools, login)"),
    ],
)  # fmt: skip
def test_a_scenario_with_a_broken_declaration_fails_with_its_file_line_and_field(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    assert old in SCENARIO
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, SCENARIO.replace(old, new))
    text = str(info.value)
    assert text.startswith(f"{tmp_path / 's.yaml'}:") and error in text, text


# -- a journey that needs code: a plugin module named in DRILLS_PLUGINS ------------------------------

PLUGIN = '''
from drills.model.timeline import ReadBack
from drills.probes import JourneyType, Outcome, register_journey

class Ping:
    def __init__(self, endpoints, clock, timeout, *, run_id=""):
        self.name, self.capability = "ping", "chat"

    def sample(self):
        return Outcome(True)

register_journey(JourneyType(name="ping", summary="Always answers.", make=Ping, order=90))
'''


def _drill(tmp_path: Path, plugins: str, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DRILLS_PLUGINS": plugins,
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "drills", *argv], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip


def test_a_plugin_module_registers_a_journey_of_code_a_scenario_can_name(tmp_path: Path) -> None:
    (tmp_path / "shop_journeys.py").write_text(PLUGIN)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"name: own\ntopology: {{compose: {REPO / 'docker-compose.yml'}}}\n"
                        "probes: {journeys: [login, ping]}\n")  # fmt: skip
    done = _drill(tmp_path, "shop_journeys", "validate", str(scenario))
    assert done.returncode == 0, done.stderr
    done = _drill(tmp_path, "", "validate", str(scenario))  # without the plugin, ping is unknown
    assert done.returncode == 2 and "'ping' is not allowed" in done.stderr
    done = _drill(tmp_path, "shop_journeys, missing_module", "validate", str(scenario))
    assert done.returncode == 2
    assert done.stderr.strip() == ("drill: error: DRILLS_PLUGINS: cannot load plugin 'missing_module': "
                                   "ModuleNotFoundError: No module named 'missing_module'")  # fmt: skip


# -- review fixes: keys from the session, cursors that do not move, encoding, unsendable headers ----


def test_a_read_back_key_may_use_the_sessions_variables(app: Notes, url: str) -> None:
    spec = {**NOTES, "session": [{**NOTES["session"][0], "extract": {"token": "body.token", "who": "body.token"}}]}
    spec["steps"] = [{**NOTES["steps"][0], "path": "/notes/book-${who}/${id}",
                      "write": {**NOTES["steps"][0]["write"], "key": "book-${who}"}}, NOTES["steps"][1]]
    spec["steps"][1] = {**spec["steps"][1], "path": "/notes/book-${who}"}
    spec["read_back"] = [{**NOTES["read_back"][0], "key": "book-${who}", "path": "/notes/book-${who}"}]
    probe = journey(url, spec)
    writes = [w for _ in range(2) for w in probe.sample().writes]
    (rb,) = probe.read_back()
    assert rb.key == writes[0].key == "book-t1" and list(rb.ids) == [w.id for w in writes] and rb.complete


def test_a_cursor_that_does_not_move_is_incomplete_not_a_duplicate(app: Notes, url: str) -> None:
    spec = {**NOTES, "read_back": [{**NOTES["read_back"][0], "params": {"after": "${cursor}", "limit": 2},
                                    "cursor": {"start": "0", "next": "v"}}]}  # every record: the same v
    probe = journey(url, spec)
    for _ in range(3):
        probe.sample()
    (rb,) = probe.read_back()
    assert (rb.complete, rb.error) == (False, "the cursor did not advance (still '1')")


def test_one_full_page_without_a_cursor_is_incomplete(app: Notes, url: str) -> None:
    spec = {**NOTES, "read_back": [{**NOTES["read_back"][0], "params": {"limit": 2}}]}
    del spec["read_back"][0]["cursor"]
    probe = journey(url, spec)
    for _ in range(3):
        probe.sample()
    (rb,) = probe.read_back()
    assert (rb.complete, len(rb.ids)) == (False, 2) and "one page of 2 read and no cursor" in rb.error


def test_values_are_percent_encoded_in_paths_and_an_unsendable_header_is_a_failed_write(
    app: Notes, url: str
) -> None:
    spec = {**NOTES, "steps": [NOTES["steps"][0]]}
    probe = DeclaredJourney(journey_from_mapping(spec), {"chat": url}, clock, 2.0, run_id="r 1#ü")
    out = probe.sample()
    assert out.ok, out.error
    assert app.seen[-1][1] == f"/notes/book-r%201%23%C3%BC/{out.writes[0].id}"  # the run id's value, encoded
    spec = {**NOTES, "headers": {"Authorization": "Token ${token}", "X-Note": "line\nbreak"}}
    out = journey(url, spec).sample()
    assert out.ok is False and out.error.startswith("write: cannot send: ")
    assert [(w.acked, w.state) for w in out.writes] == [(False, "failed")]  # nothing left the client


def test_a_write_id_must_use_id_not_seq() -> None:
    with pytest.raises(ValueError, match=r"a write's id must be unique per sample: use \$\{id\}"):
        journey_from_mapping(_mutated({"write": {"stream": "notes", "key": "book-${run}", "id": "n-${seq}"}},
                                      "steps.0"))


def test_a_cursor_no_request_uses_is_refused() -> None:
    with pytest.raises(ValueError, match=r"read_back\.0\.cursor: a cursor no request uses"):
        journey_from_mapping(_mutated({"params": {"limit": 2}}, "read_back.0"))


def test_the_write_load_is_off_by_default_on_a_stack_without_chat_and_refused_when_asked(tmp_path: Path) -> None:
    stack = tmp_path / "stack"
    shutil.copytree(REPO, stack)
    text = (stack / "docker-compose.yml").read_text().replace("capability: chat", "capability: talk")
    (stack / "docker-compose.yml").write_text(text)
    body = "name: own\nprobes: {journeys: [login, {name: t, capability: talk, steps: [{path: /}]}]}\n"
    scenario = stack / "s.yaml"
    scenario.write_text(body)
    assert load_scenario(scenario).load.writers == 0
    scenario.write_text(body + "load: {writers: 2}\n")
    with pytest.raises(ScenarioError, match=r"load\.writers: the write load sends the reference messenger's chat"):
        load_scenario(scenario)
    assert load(tmp_path, SCENARIO).load.writers == 4  # the reference: on by default
