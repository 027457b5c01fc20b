"""Probes: one end-to-end user action, sampled continuously; and the registries of probe kinds.

Two kinds, each one file that registers itself: a *journey* (drills/probes/journeys/: a built-in
user action of the reference messenger, named in ``probes.journeys``) and a *probe type*
(drills/probes/custom/: a probe a scenario declares itself under ``probes.custom``, with its own
params, schema fields and builder).

    ProbeLoop (one thread per probe, bounded, stops on an Event)
        every `period`:  sample_once():  t = clock()  ->  probe.sample()  ->  timeline.append(Sample(t, ...))
                                                                          ->  timeline.append(Write(...)) for each write
    (tests drive ``sample_once`` from a fake clock instead of starting the thread)

A probe never raises out of ``sample``: a failed action is *data* (``ok=False``
with a short reason), not an aborted run. Every network call has a timeout.
Probes that keep an RPO ledger also implement ``read_back`` (called once after
heal) which returns what the service still has.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import requests

from drills.model.fields import Fields
from drills.model.schema_parts import JsonSchema
from drills.model.timeline import ReadBack, Sample, Sink, Write

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
    if isinstance(exc, requests.Timeout):
        return "timeout"
    if isinstance(exc, requests.ConnectionError):
        text = str(exc)
        for key in ("Connection refused", "Connection reset", "Remote end closed", "Connection aborted"):
            if key in text:
                return key.lower()
        return "connection error"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:160]


class ProbeLoop:
    """Runs one probe every ``period`` seconds until stopped (or ``max_samples`` reached)."""

    def __init__(
        self, probe: Probe, sink: Sink, clock: Clock, period: float, stop: threading.Event,
        max_samples: int = 100_000,
    ) -> None:  # fmt: skip
        self.probe, self.sink, self.clock, self.period = probe, sink, clock, period
        self.stop, self.max_samples = stop, max_samples
        self.last_ok: bool | None = None
        self.count = 0
        self.cpu_s = 0.0  # CPU time this probe's thread used (for the benchmark and the evidence)
        self.thread = threading.Thread(target=self._run, name=f"probe-{probe.name}", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        cpu0 = time.thread_time()
        try:
            self._loop()
        finally:
            self.cpu_s = time.thread_time() - cpu0

    def _loop(self) -> None:
        next_tick = self.clock()
        while not self.stop.is_set() and self.count < self.max_samples:
            self.sample_once()
            next_tick += self.period
            delay = next_tick - self.clock()
            if delay < 0:  # the action took longer than a period: start again now, do not burst
                next_tick = self.clock()
                delay = 0
            self.stop.wait(delay)

    def sample_once(self) -> None:
        """Take one sample now and append it (and its writes) to the sink; never raises."""
        t = self.clock()
        try:
            outcome = self.probe.sample()
        except Exception as exc:  # noqa: BLE001 - a probe bug is recorded as a failed sample
            outcome = Outcome(False, f"probe error: {short_error(exc)}")
        latency = self.clock() - t
        self.sink.append(Sample(t=round(t, 4), probe=self.probe.name, capability=self.probe.capability,
                                ok=outcome.ok, latency=round(latency, 4), error=outcome.error,
                                site=outcome.site))  # fmt: skip
        for w in outcome.writes:
            self.sink.append(w)
        self.last_ok = outcome.ok
        self.count += 1

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)


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
    if journey.name in JOURNEYS:
        raise ValueError(f"journey {journey.name!r} is registered twice")
    JOURNEYS[journey.name] = journey
    return journey


def register_probe_type(kind: ProbeType) -> ProbeType:
    if kind.name in PROBE_TYPES:
        raise ValueError(f"probe type {kind.name!r} is registered twice")
    PROBE_TYPES[kind.name] = kind
    return kind
