"""Running a declarative journey (drills.model.journey): templates, answer paths, a sample, a read-back.

    DeclaredJourney(defn, endpoints, clock, timeout, run_id)    a Probe and a LedgerProbe
      sample():     the session's variables (its steps run first when there are none), then each
                    step in order: render -> send -> status expected? -> record its write ->
                    extract -> assert. The first step that fails ends the sample with
                    "<step>: <reason>"; writes recorded so far are kept (an unanswered write is
                    ``unknown``, a refused or rejected one ``failed``). A step answering a
                    ``renew_on`` status drops the session: the next sample logs in again.
      read_back():  each read_back declaration, page by page, every page asked again while its
                    error is transient (drills.probes.client.read_retrying)

Templates: ``${name}`` is a variable, ``$$`` a literal ``$``. In a JSON body, a string that is
exactly one ``${name}`` becomes the variable's value as it was extracted (a number stays a
number); everywhere else values are rendered as text (JSON for lists and objects).

Answer paths (:func:`resolve`): ``status``, ``text``, ``header.NAME``, ``body`` and below it
``body.a.0.b`` (``*`` maps over a list, a negative index counts from the end). A path that does
not resolve is :data:`MISSING`, never an exception.

Samples run concurrently (open loop): per-sample state (its variables, its writes) is local;
the session is shared, under a lock.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from drills.model.journey import PLACEHOLDER, Assertion, JourneyDef, ReadBackDecl, Step, WriteDecl
from drills.model.timeline import ReadBack, Write
from drills.probes.base import Clock, JourneyType, Outcome, short_error
from drills.probes.client import ApiError, Http, Response, TransportError, failed, read_retrying, write_state

__all__ = [
    "MISSING",
    "DeclaredJourney",
    "StepFailed",
    "declared_type",
    "json_equal",
    "render",
    "render_known",
    "render_path",
    "resolve",
]



class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # what a path that does not resolve gives


class StepFailed(Exception):
    """A step did not go as declared; ``str`` is the sample's reason."""


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def render(template: str, variables: Mapping[str, Any], escape: Callable[[str], str] | None = None) -> str:
    """``template`` with each ``${name}`` replaced by its variable as text (passed through ``escape``,
    e.g. percent-encoding in a URL path) and ``$$`` by ``$``."""

    def one(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return "$"
        text = _text(variables[m.group(1)])
        return escape(text) if escape else text

    return PLACEHOLDER.sub(one, template)


def _rendered(pairs: tuple[tuple[str, str], ...], variables: Mapping[str, Any]) -> dict[str, str]:
    """Headers or query parameters: names and values are templates (a later pair wins)."""
    return {render(k, variables): render(v, variables) for k, v in pairs}


def render_path(template: str, variables: Mapping[str, Any]) -> str:
    """A URL path: each value percent-encoded (a space, ``?``, ``#``, ``%`` or a non-ASCII letter in
    an extracted value cannot break the request); ``/`` kept, so a value may name a sub-path."""
    return render(template, variables, lambda v: quote(v, safe="/"))


def render_known(template: str, variables: Mapping[str, Any]) -> str:
    """``template`` rendered as far as ``variables`` go: an unknown ``${name}`` stays as written."""
    return PLACEHOLDER.sub(lambda m: "$" if m.group(1) is None else (
        _text(variables[m.group(1)]) if m.group(1) in variables else m.group(0)), template)  # fmt: skip


def render_value(value: Any, variables: Mapping[str, Any]) -> Any:
    """A JSON value with templates in its strings rendered; a string that is exactly one
    ``${name}`` becomes that variable's value itself."""
    if isinstance(value, str):
        whole = PLACEHOLDER.fullmatch(value)
        if whole and whole.group(1):
            return variables[whole.group(1)]
        return render(value, variables)
    if isinstance(value, list):
        return [render_value(v, variables) for v in value]
    if isinstance(value, dict):
        return {render(str(k), variables): render_value(v, variables) for k, v in value.items()}
    return value


@functools.lru_cache(maxsize=512)
def _segments(path: str) -> tuple[str, ...]:
    return tuple(path.split(".")) if path else ()


def walk(value: Any, path: str) -> Any:
    """The value at the dotted ``path`` below ``value`` (``*`` maps over a list), or MISSING."""
    return _walk(value, _segments(path))


def _walk(value: Any, segments: tuple[str, ...]) -> Any:
    for i, seg in enumerate(segments):
        if seg == "*":
            if not isinstance(value, list):
                return MISSING
            found = [_walk(v, segments[i + 1 :]) for v in value]
            return [v for v in found if v is not MISSING]
        if isinstance(value, dict):
            value = value.get(seg, MISSING)
        elif isinstance(value, list) and re.fullmatch(r"-?\d+", seg):
            n = int(seg)
            value = value[n] if -len(value) <= n < len(value) else MISSING
        else:
            return MISSING
        if value is MISSING:
            return MISSING
    return value


class Answer:
    """One response, its JSON body parsed once, on demand."""

    def __init__(self, resp: Response) -> None:
        self.resp = resp
        self._body: Any = None
        self._parsed = False

    @property
    def body(self) -> Any:
        if not self._parsed:
            self._parsed = True
            try:
                self._body = self.resp.json()
            except ValueError:
                self._body = MISSING
        return self._body


def resolve(answer: Answer, path: str) -> Any:
    """The value an answer path names, or MISSING (see the module's doc)."""
    head, _, rest = path.partition(".")
    if head == "status":
        return answer.resp.status_code if not rest else MISSING
    if head == "text":
        return answer.resp.text if not rest else MISSING
    if head == "header":
        value = answer.resp.headers.get(rest) if rest else None
        return MISSING if value is None else str(value)
    if head == "body":
        body = answer.body
        return MISSING if body is MISSING else walk(body, rest)
    return MISSING


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: true and 1 differ, 1 and 1.0 do not; containers element-wise."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


def _shown(value: Any) -> str:
    text = "missing" if value is MISSING else json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check(assertion: Assertion, answer: Answer, variables: Mapping[str, Any]) -> str:
    """Why ``answer`` fails ``assertion`` ("" when it holds)."""
    actual = resolve(answer, assertion.that)
    op = assertion.op
    if op == "exists":
        if (actual is not MISSING) == bool(assertion.value):
            return ""
        return f"{assertion.that} is {_shown(actual)}" if actual is not MISSING else f"{assertion.that} is missing"
    if actual is MISSING:
        return f"{assertion.that} is missing"
    if op == "matches":
        if isinstance(actual, str) and re.search(str(assertion.value), actual):
            return ""
        return f"{assertion.that} is {_shown(actual)}, does not match {assertion.value!r}"
    want = render_value(assertion.value, variables)
    if op == "equals":
        return "" if json_equal(actual, want) else f"{assertion.that} is {_shown(actual)}, expected {_shown(want)}"
    if isinstance(actual, list):
        held = any(json_equal(v, want) for v in actual)
    else:
        held = isinstance(actual, str) and _text(want) in actual
    return "" if held else f"{assertion.that} is {_shown(actual)}, does not contain {_shown(want)}"


def _scalar(value: Any) -> str:
    return "" if value is MISSING or value is None else _text(value)


class DeclaredJourney:
    """A declarative journey on the given endpoints (capability -> base URL); KeyError names a
    capability it calls that has no entry point here."""

    def __init__(self, defn: JourneyDef, endpoints: Mapping[str, str], clock: Clock, timeout: float, *,
                 run_id: str = "") -> None:  # fmt: skip
        self.defn, self.clock = defn, clock
        self.name, self.capability = defn.name, defn.capability
        self.http = {cap: Http(endpoints[cap], timeout) for cap in defn.capabilities}
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.prefix = uuid.uuid4().hex[:6]
        self.seq = itertools.count(1)
        self._session: dict[str, Any] | None = None if defn.session else {}
        self._lock = threading.Lock()

    # -- one sample -----------------------------------------------------------------------------

    def sample(self) -> Outcome:
        n = next(self.seq)
        variables: dict[str, Any] = {"id": f"{self.prefix}-{n}", "run": self.run_id, "seq": n}
        writes: list[Write] = []
        site = ""
        try:
            variables.update(self.session(variables))
            for step in self.defn.steps:
                site = self._step(step, variables, writes) or site
        except StepFailed as exc:
            return Outcome(False, str(exc), site, tuple(writes))
        return Outcome(True, site=site, writes=tuple(writes))

    def session(self, variables: Mapping[str, Any]) -> dict[str, Any]:
        """The session's variables, its steps run first if there are none (StepFailed names the step)."""
        with self._lock:
            if self._session is not None:
                return dict(self._session)
        found: dict[str, Any] = {}
        for step in self.defn.session:
            try:
                answer = self._send(step, {**variables, **found}, headers=())
                found.update(self._extract(step, answer))
                self._assert(step, answer, {**variables, **found})
            except StepFailed as exc:
                raise StepFailed(f"session: {exc}") from exc.__cause__
        with self._lock:
            self._session = found
        return dict(found)

    def _step(self, step: Step, variables: dict[str, Any], writes: list[Write]) -> str:
        """Run ``step``; add what it extracts to ``variables``, its write to ``writes``; the site it names."""
        sent = round(self.clock(), 4)
        try:
            answer = self._send(step, variables, headers=self.defn.headers)
        except StepFailed as exc:
            if step.write is not None:
                cause = exc.__cause__
                state = write_state(cause) if isinstance(cause, TransportError | ApiError) else "failed"  # unsent
                writes.append(self._write(step.write, variables, sent, state=state))
            raise
        site = _scalar(resolve(answer, self.defn.site)) if self.defn.site else ""
        if step.write is not None:
            writes.append(self._write(step.write, variables, sent, state="acked", answer=answer, site=site))
        variables.update(self._extract(step, answer))
        self._assert(step, answer, variables)
        return site

    def _send(self, step: Step, variables: Mapping[str, Any], headers: tuple[tuple[str, str], ...]) -> Answer:
        """Send ``step`` (the journey's ``headers`` first, the step's over them); StepFailed unless
        its status is expected, caused by the TransportError or ApiError."""
        try:
            sent = _rendered((*headers, *step.headers), variables)
            params = _rendered(step.params, variables)
            body = None if step.json is None else render_value(step.json, variables)
            resp = self.http[step.entry].call(step.method, render_path(step.path, variables), step.expect,
                                              json=body, params=params or None, headers=sent)  # fmt: skip
        except ValueError as exc:  # a header value http.client refuses (a newline, a non-Latin-1 letter): unsent
            raise StepFailed(f"{step.label}: cannot send: {short_error(exc)}") from exc
        except (TransportError, ApiError) as exc:
            if isinstance(exc, ApiError) and exc.status in self.defn.renew_on and self.defn.session:
                with self._lock:
                    self._session = None  # logged in again by the next sample
            reason = failed(exc).error
            if isinstance(exc, ApiError):  # "METHOD /path: HTTP 503 ..." - the step says which request
                reason = reason.split(": ", 1)[1] if ": " in reason else reason
            raise StepFailed(f"{step.label}: {reason}") from exc
        return Answer(resp)

    def _extract(self, step: Step, answer: Answer) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name, path in step.extract:
            value = resolve(answer, path)
            if value is MISSING:
                raise StepFailed(f"{step.label}: {path} is missing (extracting {name})")
            found[name] = value
        return found

    @staticmethod
    def _assert(step: Step, answer: Answer, variables: Mapping[str, Any]) -> None:
        for a in step.asserts:
            problem = check(a, answer, variables)
            if problem:
                raise StepFailed(f"{step.label}: {a.message or problem}")

    def _write(self, decl: WriteDecl, variables: Mapping[str, Any], sent: float, *, state: str,
               answer: Answer | None = None, site: str = "") -> Write:  # fmt: skip
        def at(path: str) -> Any:
            return resolve(answer, path) if answer is not None and path else MISSING

        timeline = at(decl.timeline)
        return Write(t=round(self.clock(), 4), stream=decl.stream, key=render(decl.key, variables),
                     id=render(decl.id, variables), acked=state == "acked", state=state,
                     server_id=_scalar(at(decl.server_id)), site=site, primary=_scalar(at(decl.primary)),
                     system_id=_scalar(at(decl.system_id)),
                     timeline=timeline if isinstance(timeline, int) and not isinstance(timeline, bool) else None,
                     sent=sent)  # fmt: skip

    # -- after the drill ------------------------------------------------------------------------

    def read_back(self) -> list[ReadBack]:
        base: dict[str, Any] = {"id": "", "run": self.run_id, "seq": 0}
        return [self._read(rb, base) for rb in self.defn.read_back]

    def _read(self, rb: ReadBackDecl, base: dict[str, Any]) -> ReadBack:
        key = render_known(rb.key, base)

        def result(ids: list[str], error: str = "") -> ReadBack:
            return ReadBack(t=round(self.clock(), 4), stream=rb.stream, key=key, ids=tuple(ids),
                            complete=not error, error=error, mode=rb.mode)  # fmt: skip

        ids: list[str] = []
        try:
            variables = {**base, **read_retrying(self._session_vars, base)}  # a key may use the session's
            key = render(rb.key, variables)
            if rb.mode == "register":
                answer = read_retrying(self._page, rb, base, "", (200, *rb.missing))
                if answer.resp.status_code in rb.missing:
                    return result([])
                value = resolve(answer, rb.value)
                if value is MISSING:
                    return result([], f"{rb.value} is missing")
                return result([] if value is None else [_text(value)])
            cursor = render(rb.cursor_start, variables)
            for _ in range(rb.max_pages):
                records = resolve(read_retrying(self._page, rb, base, cursor, (200,)), rb.items)
                if not isinstance(records, list):
                    return result(ids, f"{rb.items} is {_shown(records)}, not a list")
                if not records:
                    break
                for r in records:
                    got = walk(r, rb.id)
                    if got is MISSING:
                        return result(ids, f"a record has no {rb.id}")
                    ids.append(_text(got))
                if not rb.cursor_next:
                    if any(v.isdigit() and int(v) == len(records) for _, v in rb.params):  # a full page
                        return result(ids, f"one page of {len(records)} read and no cursor to read on: there may "
                                      "be more")  # fmt: skip
                    break
                nxt = walk(records[-1], rb.cursor_next)
                if nxt is MISSING:
                    return result(ids, f"the last record has no {rb.cursor_next}")
                if _text(nxt) == cursor:  # an inclusive cursor, or one no request uses: the same page again
                    return result(ids, f"the cursor did not advance (still {cursor!r})")
                cursor = _text(nxt)
            else:  # every page was full: there may be more than the bound lets us read
                return result(ids, f"stopped after {rb.max_pages} pages")
        except (TransportError, ApiError, StepFailed, ValueError) as exc:
            return result(ids, str(exc) if isinstance(exc, StepFailed) else failed(exc).error)
        return result(ids)

    def _session_vars(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """The session's variables for a read-back: a failed login raises its cause, so read_retrying
        asks again when it was transient."""
        try:
            return self.session(base)
        except StepFailed as exc:
            if isinstance(exc.__cause__, TransportError | ApiError):
                raise exc.__cause__ from exc
            raise

    def _page(self, rb: ReadBackDecl, base: dict[str, Any], cursor: str, expect: tuple[int, ...]) -> Answer:
        """One page of a read-back (the session's headers included); an expired session is dropped
        (read_retrying asks again)."""
        variables = {**base, **self._session_vars(base), "cursor": cursor}
        sent = _rendered(self.defn.headers, variables)
        params = _rendered(rb.params, variables)
        try:
            return Answer(self.http[rb.entry].call("GET", render_path(rb.path, variables), expect,
                                                   params=params or None, headers=sent))  # fmt: skip
        except ApiError as exc:
            if exc.status in self.defn.renew_on and self.defn.session:
                with self._lock:
                    self._session = None
            raise


def declared_type(declaration: dict[str, Any], *, order: int = 100) -> JourneyType:
    """A built-in journey written as a declaration: registered like a Python one."""
    from drills.probes.spec import journey_from_mapping

    defn = journey_from_mapping(declaration)

    def make(endpoints: dict[str, str], clock: Clock, timeout: float, *, run_id: str = "") -> DeclaredJourney:
        return DeclaredJourney(defn, endpoints, clock, timeout, run_id=run_id)

    return JourneyType(name=defn.name, summary=defn.summary, make=make, streams=defn.streams, order=order,
                       definition=defn, declaration=declaration)  # fmt: skip
