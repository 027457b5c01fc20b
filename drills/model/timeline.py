"""The timeline: an append-only record of what happened during a drill.

Probes and faults only *append* to it; checks are pure functions of it
(record first, judge later). Every record but the header carries ``t``: seconds on
the monotonic clock since the run's origin ``t0``, with one meaning per kind:

    phase     the phase starts
    probe     the probe's loop starts (its declared period, timeout and in-flight bound)
    sample    the action started (``intended``: when the schedule wanted it; end = t + latency)
    fault     the action started (``destructive_t``: its first destructive call; ``end``: it returned)
    write     the probe learnt the write's outcome (acknowledgement, refusal or timeout)
    readback  the read-back of that key ended
    action    an operator action started (``triggered_t``: its trigger held; ``end``: it returned);
              one that never triggered: when it was given up
    rejoin    the restored site's state was read (phase rejoin): recorded when it changes, and
              once more when the wait for it ends (``final``)

The header carries the UTC wall-clock time of ``t0``, so displays can convert ``t`` to UTC
without the run ever mixing the two clocks, and ``format``: the version of this record
layout (:data:`FORMAT`; a header without it is format 1). See docs/measuring.md.

Persisted as JSON lines, one record per line, flushed as it is written, so a
crashed run still leaves its evidence; appending after close raises :class:`TimelineClosed`
(what a check judges is exactly what was saved):

    {"kind": "header", "format": 2, "run_id": ..., "t0_utc": "2026-11-28T20:00:00.000000+00:00", ...}
    {"kind": "phase",  "t": 0.0,   "phase": "bringup"}
    {"kind": "probe",  "t": 10.0,  "probe": "chat", "capability": "chat", "period": 0.1, "timeout": 2.0, ...}
    {"kind": "sample", "t": 12.31, "intended": 12.3, "probe": "chat", "capability": "chat", "ok": true, ...}
    {"kind": "fault",  "t": 20.00, "action": "inject", "fault": "cut-a", "type": "power_cut", "target": "a", "ok": true}
    {"kind": "write",  "t": 20.10, "stream": "chat", "key": "room-1", "id": "c-17", "acked": true, ...}
    {"kind": "readback", "t": 80.0, "stream": "chat", "key": "room-1", "ids": ["c-1", ...], "complete": true}
    {"kind": "action", "t": 28.1, "id": "activate-b", "trigger": "chat down for 5s", "ok": true, ...}
    {"kind": "rejoin", "t": 61.2, "site": "a", "ready": true, "detail": "pg-a: in sync; 5 of 5 services healthy"}
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import IO, Any, Literal, Protocol, Self, TypeAlias

__all__ = [
    "FORMAT",
    "OVERLOADED",
    "ActionEvent",
    "FaultEvent",
    "Header",
    "Phase",
    "ProbeStart",
    "ReadBack",
    "Record",
    "RejoinState",
    "Sample",
    "Timeline",
    "TimelineClosed",
    "TimelineWriter",
    "Write",
    "load_timeline",
    "read_timeline",
    "record_from_dict",
    "record_types",
]

PHASES = ("bringup", "steady", "fault", "heal", "rejoin", "settle", "failback", "steady-after", "verify", "teardown")
AFTER_RESTORE = ("rejoin", "failback", "steady-after")  # the judged way back (drills/engine/restore.py)
FORMAT = 2  # 2: probe records, Sample.intended, open-loop sampling; 1 (no ``format``): closed loops
OVERLOADED = "overloaded"  # the error of a tick that found its probe's in-flight bound reached


@dataclass(frozen=True)
class Header:
    run_id: str
    scenario: str
    t0_utc: str  # ISO 8601, UTC, of the monotonic origin
    format: int = FORMAT  # the record layout's version; read as 1 when a saved header lacks it
    kind: Literal["header"] = "header"


@dataclass(frozen=True)
class Phase:
    """A phase of the run starts at ``t`` (it ends where the next one starts)."""

    t: float
    phase: str
    kind: Literal["phase"] = "phase"


@dataclass(frozen=True)
class ProbeStart:
    """A probe's loop starts: what it declared, so checks judge the timeline alone.

    ``period``: one sample is started every period, whatever is in flight (open loop);
    ``timeout``: a sample that took longer did not answer in time; ``max_in_flight``: a tick
    that finds that many samples in flight is recorded as a failed sample (``overloaded``).
    ``via``: the entry point it goes through: ``""`` the edge (the global entry point, what
    every availability check judges), or a site's name (that site's own entry point,
    bypassing the edge: a per-site probe). ``error``: the loop could not start (e.g. the site
    has no entry point for the capability); no sample of it follows.
    """

    t: float
    probe: str
    capability: str
    period: float
    timeout: float
    max_in_flight: int
    via: str = ""
    error: str = ""
    kind: Literal["probe"] = "probe"


@dataclass(frozen=True)
class Sample:
    """One probe sample: one end-to-end user action and its outcome.

    ``intended`` is the tick of the schedule that asked for it (``None``: a format-1 timeline,
    closed loops); ``t`` is when the action started, ``end`` = ``t + latency`` when it ended.
    A tick that found the bound of samples in flight reached is a failed sample with
    ``error="overloaded"``, ``t = intended`` and latency 0: it never started.
    """

    t: float  # when the action started
    probe: str  # probe name from the scenario (e.g. "chat")
    capability: str  # capability it measures (chat, login, devtools, or a user's own)
    ok: bool
    latency: float  # seconds the action took (may exceed the timeout: see docs/measuring.md)
    error: str = ""  # short reason when not ok
    site: str = ""  # site that served it, when the service says so
    intended: float | None = None  # the schedule's tick for it (None: format 1)
    via: str = ""  # entry point: "" the edge; a site's name for a per-site probe (see ProbeStart)
    kind: Literal["sample"] = "sample"

    @property
    def end(self) -> float:
        return self.t + self.latency

    @property
    def overloaded(self) -> bool:
        return not self.ok and self.error == OVERLOADED


@dataclass(frozen=True)
class FaultEvent:
    """A fault was injected or healed (``ok`` False: the attempt failed, ``error`` says why).

    One action, three instants:

        t ──── preparation ──── destructive_t ──── ... ──── end
        action starts           first kill sent /            action returned (a heal: the
                                first link cut               restored site is back)

    RTO and outages count from :attr:`measured_from`: the destructive instant when the fault
    reported one, else ``t`` (timelines written before it was recorded; faults that never
    reached a destructive call). ``cut_site``: the site the fault takes down whole (a power
    cut), "" for a partial fault; during such a cut, successes must come from other sites.
    """

    t: float
    action: Literal["inject", "heal"]
    fault: str  # the fault's id in the schedule
    type: str  # registry name: power_cut, partition, wan, kill, pause, restart
    target: str  # human-readable target ("site a", "a|b", "edge_a_chat")
    ok: bool = True
    error: str = ""
    end: float | None = None  # when the action returned (None: not recorded)
    destructive_t: float | None = None  # inject: its first destructive call (None: not reported)
    cut_site: str = ""  # the site this fault takes down whole ("" : none)
    kind: Literal["fault"] = "fault"

    @property
    def measured_from(self) -> float:
        """The instant the fault hit: its first destructive call, else the start of the action."""
        return self.t if self.destructive_t is None else self.destructive_t


@dataclass(frozen=True)
class Write:
    """A write a probe attempted; ``acked`` writes form the RPO ledger.

    ``t`` is when the probe learnt the outcome (the acknowledgement arrived, or the attempt ended).
    ``state`` says what is known of a write that was not acknowledged: ``failed`` (the service
    answered that it did not take it, or the connection was refused before anything was sent) or
    ``unknown`` (no answer: it may or may not have been stored). Acknowledged writes say ``acked``;
    timelines written before ``state`` existed leave it empty (read ``acked``).
    """

    t: float
    stream: str  # e.g. "chat"
    key: str  # room / config key
    id: str  # client-chosen unique id
    acked: bool
    server_id: str = ""  # id the service returned
    site: str = ""  # site of the app that acknowledged
    primary: str = ""  # datastore node that committed it, when known
    state: str = ""  # acked | failed | unknown
    system_id: str = ""  # the datastore cluster's own identity (Postgres system identifier), when known
    timeline: int | None = None  # the datastore timeline it was committed on (a promotion starts a new one)
    sent: float | None = None  # when the attempt started (None: not recorded; read ``t``)
    kind: Literal["write"] = "write"


@dataclass(frozen=True)
class ReadBack:
    """After heal: every id found when reading ``key`` back (duplicates kept).

    ``mode``: ``log`` (the default) -- the key keeps every write (a chat room, a deploy history),
    so every acknowledged id must be read back; ``register`` -- the key holds one value that each
    write replaces (a config key, last writer wins), so ``ids`` is the one value read back (empty:
    the key is gone) and only writes that must have come after it are lost (see checks/rpo.py).
    """

    t: float
    stream: str
    key: str
    ids: tuple[str, ...]
    complete: bool = True  # False: the read-back itself failed part-way
    error: str = ""
    mode: Literal["log", "register"] = "log"
    kind: Literal["readback"] = "readback"


@dataclass(frozen=True)
class ActionEvent:
    """An operator action (a scenario's ``actions:``) ran, or never triggered.

        triggered_t ─────── t ──────────────── end
        its trigger held    it started         it returned: ok, or ``error`` says why

    ``trigger`` says what it waited for (``at 5s``, ``chat down for 5s``), ``what`` what it did
    (``POST /ops/failover through devtools (edge)``), ``target`` the activation time it must be
    within (None: not judged). What the tool answered: ``status`` (HTTP), ``exit_code`` and the
    last ``output`` lines (a command). ``triggered_t`` None: it never triggered (``t`` is when it
    was given up); ``end`` None: the drill stopped waiting for it while it still ran.
    """

    t: float
    id: str  # the action's id in the scenario
    type: str  # registry name: http, exec
    trigger: str
    what: str
    triggered_t: float | None = None
    end: float | None = None
    ok: bool = False
    error: str = ""
    target: float | None = None
    status: int | None = None
    exit_code: int | None = None
    output: tuple[str, ...] = ()
    kind: Literal["action"] = "action"

    @property
    def triggered(self) -> bool:
        return self.triggered_t is not None


@dataclass(frozen=True)
class RejoinState:
    """The restored ``site`` as the drill read it while waiting for it to rejoin (phase rejoin).

    ``ready``: its datastore is a streaming, in-sync replica (or the primary) again and every
    service of the site runs and is healthy; ``detail``: one line saying what holds or what is
    still missing (``pg-a: not the synchronous standby; 4 of 5 services healthy (chat-a
    starting)``). Recorded when ``ready`` or ``detail`` changes, and once more when the wait
    ends (``final``: ready, or given up at the rejoin timeout).
    """

    t: float
    site: str
    ready: bool
    detail: str
    final: bool = False
    kind: Literal["rejoin"] = "rejoin"


Record: TypeAlias = Header | Phase | ProbeStart | Sample | FaultEvent | Write | ReadBack | ActionEvent | RejoinState
_KINDS: dict[str, type] = {
    "header": Header,
    "phase": Phase,
    "probe": ProbeStart,
    "sample": Sample,
    "fault": FaultEvent,
    "write": Write,
    "readback": ReadBack,
    "action": ActionEvent,
    "rejoin": RejoinState,
}


def record_types() -> dict[str, type]:
    """Each record kind and the dataclass that holds it (the timeline's JSON Schema is derived from them)."""
    return dict(_KINDS)


def record_to_dict(record: Record) -> dict[str, Any]:
    """The record's fields as a dict, for JSON. Records are flat (their values are strings,
    numbers, None or tuples of strings), so no deep copy: ``dataclasses.asdict`` copied every
    value, a quarter of the write load's CPU per write (cProfile)."""
    names = _FIELD_NAMES.get(type(record))
    if names is None:
        names = _FIELD_NAMES[type(record)] = tuple(f.name for f in fields(record))
    return {n: getattr(record, n) for n in names}


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def record_from_dict(data: dict[str, Any]) -> Record:
    kind = data.get("kind")
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown timeline record kind {kind!r} (allowed: {', '.join(_KINDS)})")
    if kind == "readback":
        data = {**data, "ids": tuple(data.get("ids", ()))}
    if kind == "action":
        data = {**data, "output": tuple(data.get("output", ()))}
    if kind == "header":
        data = {"format": 1, **data}  # written before the format was recorded
    return cls(**data)  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Timeline:
    """An immutable view of a run's records, in the order they were appended."""

    records: tuple[Record, ...] = field(default_factory=tuple)

    @property
    def header(self) -> Header | None:
        for r in self.records:
            if isinstance(r, Header):
                return r
        return None

    def samples(self, capability: str | None = None, via: str | None = "") -> list[Sample]:
        """Samples in start order, of ``capability`` when given. ``via``: ``""`` (the default) only
        the edge's, what every capability check judges; a site's name, that site's per-site
        probes; None, every sample."""
        out = [r for r in self.records if isinstance(r, Sample) and via in (None, r.via)]
        if capability is not None:
            out = [s for s in out if s.capability == capability]
        return sorted(out, key=lambda s: s.t)

    def probes(self, capability: str | None = None, via: str | None = "") -> list[ProbeStart]:
        """The probe loops that started (format 2), of ``capability`` when given; ``via`` as in
        :meth:`samples` (the edge's by default)."""
        return [r for r in self.records if isinstance(r, ProbeStart)
                and capability in (None, r.capability) and via in (None, r.via)]  # fmt: skip

    def faults(self) -> list[FaultEvent]:
        return [r for r in self.records if isinstance(r, FaultEvent)]

    def phases(self) -> list[Phase]:
        return [r for r in self.records if isinstance(r, Phase)]

    def writes(self) -> list[Write]:
        return [r for r in self.records if isinstance(r, Write)]

    def readbacks(self) -> list[ReadBack]:
        return [r for r in self.records if isinstance(r, ReadBack)]

    def actions(self) -> list[ActionEvent]:
        return [r for r in self.records if isinstance(r, ActionEvent)]

    def rejoins(self, site: str | None = None) -> list[RejoinState]:
        return [r for r in self.records if isinstance(r, RejoinState) and site in (None, r.site)]

    def capabilities(self) -> list[str]:
        seen: dict[str, None] = {}
        for s in self.samples():
            seen.setdefault(s.capability, None)
        return list(seen)


class Sink(Protocol):
    def append(self, record: Record) -> None: ...


class TimelineClosed(ValueError):
    """A record was appended after the timeline was closed: it would not be in the saved file."""


class TimelineWriter:
    """Thread-safe append-only JSONL writer; each record is flushed as it is written.

    The file is the timeline: after :meth:`close`, :meth:`append` raises :class:`TimelineClosed`
    instead of keeping a record the saved file (what every check judges) would not have.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._records: list[Record] = []

    def append(self, record: Record) -> None:
        line = json.dumps(record_to_dict(record), separators=(",", ":"), sort_keys=True)
        with self._lock:
            if self._fh.closed:
                raise TimelineClosed(f"{self.path.name} is closed: a {record.kind} record came too late")
            self._fh.write(line + "\n")
            self._fh.flush()
            self._records.append(record)

    def snapshot(self) -> Timeline:
        with self._lock:
            return Timeline(tuple(self._records))

    def close(self) -> None:
        with self._lock:
            self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def iter_records(lines: Iterable[str]) -> Iterator[Record]:
    for n, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        try:
            yield record_from_dict(json.loads(line))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"timeline line {n}: {exc}") from exc


def read_timeline(path: Path) -> Timeline:
    """Read a JSONL timeline. A truncated last line (crash mid-write) is ignored."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines = lines[:-1]
    return Timeline(tuple(iter_records(lines)))


def load_timeline(path: Path) -> tuple[Timeline, list[str]]:
    """Read a timeline, tolerating what a broken run leaves: a missing file, a truncated
    last line, an unreadable line. Returns the records that parsed and notes on the rest."""
    if not path.is_file():
        return Timeline(), [f"{path.name} is missing: the run recorded no timeline"]
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    notes: list[str] = []
    if lines and not text.endswith("\n"):
        lines = lines[:-1]
        notes.append(f"{path.name}: the last line was cut off (the run stopped mid-write); it was ignored")
    records: list[Record] = []
    bad = 0
    for line in lines:
        try:
            records.extend(iter_records([line]))
        except ValueError:
            bad += 1
    if bad:
        notes.append(f"{path.name}: {bad} unreadable line(s) were skipped")
    return Timeline(tuple(records)), notes
