"""Journey probes: one end-to-end user action, sampled continuously.

    ProbeLoop (one thread per probe, bounded, stops on an Event)
        every `period`:  t = clock()  ->  probe.sample()  ->  timeline.append(Sample(t, ...))
                                                            ->  timeline.append(Write(...)) for each write

A probe never raises out of ``sample``: a failed action is *data* (``ok=False``
with a short reason), not an aborted run. Every network call has a timeout.
Probes that keep an RPO ledger also implement ``read_back`` (called once after
heal) which returns what the service still has.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, runtime_checkable

import requests

from drills.model.timeline import ReadBack, Sample, Sink, Write

__all__ = ["Outcome", "Probe", "LedgerProbe", "ProbeLoop", "short_error", "PROBES"]

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
            next_tick += self.period
            delay = next_tick - self.clock()
            if delay < 0:  # the action took longer than a period: start again now, do not burst
                next_tick = self.clock()
                delay = 0
            self.stop.wait(delay)

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)


ProbeFactory = Callable[..., Probe]
PROBES: dict[str, ProbeFactory] = {}


def register(name: str) -> Callable[[ProbeFactory], ProbeFactory]:
    def deco(factory: ProbeFactory) -> ProbeFactory:
        PROBES[name] = factory
        return factory

    return deco
