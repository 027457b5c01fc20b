"""Probes: one end-to-end user action, sampled continuously; and the registries of probe kinds.

Two kinds, each one file that registers itself: a *journey* (drills/probes/journeys/: a built-in
user action of the reference messenger, named in ``probes.journeys``) and a *probe type*
(drills/probes/custom/: a probe a scenario declares itself under ``probes.custom``, with its own
params, schema fields and builder).

    ProbeLoop (open loop: one scheduler thread per probe, one worker thread per sample in flight)
        start():     timeline.append(ProbeStart(period, timeout, max_in_flight))
        tick k due at origin + k * period, whatever is in flight:
          in flight < max_in_flight:  a worker: sample_once(intended)
                                        t = clock() -> probe.sample() -> append(Sample(t, intended, ...))
                                                                      -> append(Write(...)) for each write
          else:                       append(Sample(intended, ok=False, error="overloaded"))
    (tests drive ``tick``/``sample_once`` from a fake clock, or ``schedule`` with a fake ``wait``)

Open loop means ``sample`` may run on several threads at once (a slow answer never delays the
next tick): a probe keeps no per-sample state on itself (tokens, counters are fine).
A probe never raises out of ``sample``: a failed action is *data* (``ok=False``
with a short reason), not an aborted run. Every network call has a timeout.
Probes that keep an RPO ledger also implement ``read_back`` (called once after
heal) which returns what the service still has.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from drills.model.fields import Fields
from drills.model.registry import add_unique
from drills.model.schema_parts import JsonSchema
from drills.model.timeline import OVERLOADED, ProbeStart, ReadBack, Sample, Sink, TimelineClosed, Write
from drills.probes.transport import TransportError

__all__ = [
    "JOURNEYS",
    "PROBE_TYPES",
    "Clock",
    "JourneyType",
    "LedgerProbe",
    "Outcome",
    "Probe",
    "ProbeLoop",
    "ProbeType",
    "default_journeys",
    "in_flight_bound",
    "register_journey",
    "register_probe_type",
    "short_error",
]

Clock = Callable[[], float]


@dataclass(frozen=True)
class Outcome:
    ok: bool
    error: str = ""
    site: str = ""
    writes: tuple[Write, ...] = field(default_factory=tuple)


@runtime_checkable
class Probe(Protocol):
    name: str
    capability: str

    def sample(self) -> Outcome: ...


@runtime_checkable
class LedgerProbe(Probe, Protocol):
    def read_back(self) -> list[ReadBack]: ...


def short_error(exc: BaseException) -> str:
    """A one-line reason for a failed action, short enough for a timeline row."""
    if isinstance(exc, TransportError):  # timeout, connection refused / reset / aborted, remote end closed...
        return exc.reason
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


class ProbeLoop:
    """Starts one sample of ``probe`` every ``period`` seconds, whatever is still in flight (open loop).

    Tick ``k`` is due at ``origin + k * period`` (``origin``: when the loop starts). A tick that
    finds ``max_in_flight`` samples of this probe still running (by default
    ``ceil(timeout / period) + 1``: only samples past their timeout can fill it) is recorded as
    a failed sample ``overloaded``, never skipped. A scheduler that wakes late starts the late
    ticks at once (each keeps its ``intended`` time); it never merges or drops them.
    Stops on ``stop`` (no tick after it; samples in flight still finish and are recorded)
    or after ``max_samples`` ticks.
    """

    def __init__(
        self, probe: Probe, sink: Sink, clock: Clock, period: float, stop: threading.Event,
        timeout: float = 2.0, *, max_samples: int = 100_000, max_in_flight: int | None = None,
        wait: Callable[[float], bool] | None = None,
    ) -> None:  # fmt: skip
        self.probe, self.sink, self.clock, self.period = probe, sink, clock, period
        self.stop, self.max_samples, self.timeout = stop, max_samples, timeout
        self.max_in_flight = max_in_flight or in_flight_bound(timeout, period)
        self.via = str(getattr(probe, "via", ""))  # a per-site probe's site (see SiteProbe); "" the edge
        self.wait = wait or stop.wait  # (seconds) -> stopped? ; tests pass a fake clock's
        self.last_ok: bool | None = None
        self.count = 0  # samples recorded (overloaded ticks included)
        self.ticks = 0  # ticks of the schedule taken so far
        self.overloaded = 0
        self.late = 0  # samples that ended after the timeline closed (lost: not in the saved timeline)
        self.cpu_s = 0.0  # CPU time of this loop's threads (for the benchmark and the evidence)
        self.in_flight = 0
        self._lock = threading.Lock()
        self._workers: list[threading.Thread] = []  # started on demand, at most max_in_flight
        self._queue: queue.SimpleQueue[float | None] = queue.SimpleQueue()  # ticks for the workers; None: exit
        self.thread = threading.Thread(target=self._run, name=f"probe-{probe.name}", daemon=True)

    def announce(self) -> None:
        """Record what this loop declares (a ``probe`` record), before its first tick."""
        self.sink.append(ProbeStart(t=round(self.clock(), 4), probe=self.probe.name, capability=self.probe.capability,
                                    period=self.period, timeout=self.timeout,
                                    max_in_flight=self.max_in_flight, via=self.via))  # fmt: skip

    def start(self) -> None:
        self.announce()
        for _ in range(self.max_in_flight):  # idle until needed: growing mid-outage would delay ticks
            self._spawn()
        self.thread.start()

    def _spawn(self) -> None:
        worker = threading.Thread(target=self._serve, name=f"probe-{self.probe.name}-{len(self._workers)}", daemon=True)
        self._workers.append(worker)
        worker.start()

    def _run(self) -> None:
        cpu0 = time.thread_time()
        try:
            self.schedule()
        finally:
            self._add_cpu(time.thread_time() - cpu0)

    def schedule(self) -> None:
        """Tick on time until stopped: tick k at origin + k * period, each one started or recorded."""
        origin = self.clock()
        while not self.stop.is_set() and self.ticks < self.max_samples:
            intended = origin + self.ticks * self.period
            delay = intended - self.clock()
            if delay > 0 and self.wait(delay):
                return
            if self.stop.is_set():
                return
            self.tick(intended)

    def tick(self, intended: float) -> None:
        """Tick ``intended`` is due: start a sample in its own thread, or record it overloaded."""
        self.ticks += 1
        with self._lock:
            full = self.in_flight >= self.max_in_flight
            if not full:
                self.in_flight += 1
        if full:
            self.overloaded += 1
            self._record(Sample(t=round(intended, 4), probe=self.probe.name, capability=self.probe.capability,
                                ok=False, latency=0.0, error=OVERLOADED, intended=round(intended, 4),
                                via=self.via), ())  # fmt: skip
            return
        with self._lock:
            grow = self.in_flight > len(self._workers)  # every worker busy: one more, up to the bound
        if grow:  # only when driven without start() (tests): start() spawns every worker up front
            self._spawn()
        self._queue.put(intended)  # never blocks the schedule (Thread.start would wait for the GIL)

    def _serve(self) -> None:
        while (intended := self._queue.get()) is not None:
            self._work(intended)

    def _work(self, intended: float) -> None:
        cpu0 = time.thread_time()
        try:
            self.sample_once(intended)
        finally:
            with self._lock:
                self.in_flight -= 1
            self._add_cpu(time.thread_time() - cpu0)

    def _add_cpu(self, seconds: float) -> None:
        with self._lock:
            self.cpu_s += seconds

    def sample_once(self, intended: float | None = None) -> None:
        """Take one sample now, on this thread, and append it (and its writes); never raises.

        ``intended``: the tick it answers (default: now). Tests drive this from a fake clock."""
        t = self.clock()
        try:
            outcome = self.probe.sample()
        except Exception as exc:  # noqa: BLE001 - a probe bug is recorded as a failed sample
            outcome = Outcome(False, f"probe error: {short_error(exc)}")
        latency = self.clock() - t
        sample = Sample(t=round(t, 4), probe=self.probe.name, capability=self.probe.capability, ok=outcome.ok,
                        latency=round(latency, 4), error=outcome.error, site=outcome.site,
                        intended=round(t if intended is None else intended, 4), via=self.via)  # fmt: skip
        self._record(sample, outcome.writes)

    def _record(self, sample: Sample, writes: tuple[Write, ...]) -> None:
        try:
            self.sink.append(sample)
            for w in writes:
                self.sink.append(w)
        except TimelineClosed:  # hung past the end of the run: counted, never silently lost
            with self._lock:
                self.late += 1
            return
        with self._lock:
            self.last_ok = sample.ok
            self.count += 1

    def join(self, timeout: float) -> None:
        """Wait (up to ``timeout`` in all) for the scheduler, then for the samples still in flight."""
        deadline = time.monotonic() + timeout
        if self.thread.ident is not None:  # started (tests may drive ``schedule`` themselves)
            self.thread.join(timeout)
        for _ in self._workers:
            self._queue.put(None)
        for w in list(self._workers):
            w.join(max(0.0, deadline - time.monotonic()))


def in_flight_bound(timeout: float, period: float) -> int:
    """How many samples of one probe may be in flight: ``ceil(timeout / period) + 1``.

    A sample that honours its timeout ends within ``timeout``, so at most ``ceil(timeout/period)``
    are ever running at once; one more leaves room for scheduling jitter."""
    return math.ceil(timeout / period) + 1 if period > 0 else 1


class JourneyFactory(Protocol):
    def __call__(self, endpoints: dict[str, str], clock: Clock, timeout: float, *, run_id: str = "") -> Probe: ...


@dataclass(frozen=True)
class JourneyType:
    """A built-in journey: one end-to-end user action on one capability's entry point."""

    name: str  # as probes.journeys names it, and the capability it measures (its entry point must exist)
    summary: str  # what it does, in plain words
    make: JourneyFactory
    streams: tuple[str, ...] = ()  # RPO ledger streams its writes go to
    order: int = 100  # place among the default journeys (and in reports): lower first, then by name
    definition: Any = None  # a declared journey's JourneyDef (drills.probes.declared); None: written in Python
    declaration: dict[str, Any] | None = None  # ... and the mapping it was parsed from (drill reference prints it)


def default_journeys() -> tuple[str, ...]:
    """Every registered journey, in their listing order: what a scenario runs unless it says otherwise."""
    return tuple(j.name for j in sorted(JOURNEYS.values(), key=lambda j: (j.order, j.name)))


@dataclass(frozen=True)
class ProbeType:
    """A kind of probe a scenario declares itself under ``probes.custom`` (http, command...)."""

    name: str  # the custom probe's ``type``
    summary: str
    fields: dict[str, JsonSchema]  # JSON Schema of its own fields (besides name, type, capability)
    required: tuple[str, ...]
    build: Callable[[Fields], Any]  # schema-valid mapping -> its params (a frozen dataclass)
    make: Callable[[str, str, Any, dict[str, str], float], Probe]  # (name, capability, params, endpoints, timeout)


JOURNEYS: dict[str, JourneyType] = {}
PROBE_TYPES: dict[str, ProbeType] = {}


def register_journey(journey: JourneyType) -> JourneyType:
    return add_unique(JOURNEYS, journey.name, journey, "journey")


def register_probe_type(kind: ProbeType) -> ProbeType:
    return add_unique(PROBE_TYPES, kind.name, kind, "probe type")
