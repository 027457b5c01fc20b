"""A background write load: chat messages written through the edge while the fault plays.

The journeys write a few times a second: at that rate an asynchronous standby practically never
holds back an acknowledged write at the instant a site dies, and "RPO 0" proves little. The load
keeps ``writers`` clients writing, each one message after another at up to ``rate`` per second
(a writer never has two writes in flight, and when it falls behind it skips ahead rather than
bursting), each into its own room. The writers' schedules are staggered evenly across one period
(writer i starts i/writers of a period late), so the load arrives as a steady stream, not as
one burst of every writer per period: a burst every 250 ms let an instant as short as the WAN's
latency fall between two bursts, and an asynchronous standby then lost nothing (2 of 10
async-replication runs, bench/results/fidelity-superseded.jsonl). Every attempt is a ``Write`` in the timeline (stream
``chat``) with its state: acked / failed / unknown, when it was sent, and which node committed
it; ``read_back`` reads every room after the heal, like the chat journey's. A writer is the
declared journey :data:`drills.probes.journeys.chat.LOAD` (the chat journey's send step alone).

    WriteLoad(endpoints, sink, clock, spec, timeout, run_id, stop)
        start()       one thread per writer (each logs in once, through the edge's login)
        join(t)       after ``stop`` is set: wait for the writes in flight
        read_back()   one ReadBack per writer's room
        summary()     attempted / acked / failed / unknown / late counts, not_sent (its writer could
                      not log in: nothing sent) and the achieved rate
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from drills.model.scenario import LoadSpec
from drills.model.timeline import ReadBack, Sink, TimelineClosed
from drills.probes.declared import DeclaredJourney
from drills.probes.journeys.chat import LOAD

__all__ = ["STREAM", "WriteLoad"]

STREAM = "chat"
BEHIND_S = 1.0  # a writer this far behind its schedule skips the missed slots instead of bursting


class WriteLoad:
    def __init__(self, endpoints: dict[str, str], sink: Sink, clock: Callable[[], float], spec: LoadSpec,
                 timeout: float, run_id: str, stop: threading.Event) -> None:  # fmt: skip
        self.endpoints, self.sink, self.clock, self.spec = endpoints, sink, clock, spec
        self.timeout, self.stop = timeout, stop
        tag = run_id or uuid.uuid4().hex[:8]
        self.counts = {"attempted": 0, "acked": 0, "failed": 0, "unknown": 0, "late": 0, "not_sent": 0}
        self.cpu_s = 0.0
        self.started = self.ended = 0.0
        self._lock = threading.Lock()
        self._writers = [DeclaredJourney(LOAD, endpoints, clock, timeout, run_id=f"{tag}-w{i + 1}")
                         for i in range(spec.writers)]  # fmt: skip
        self.rooms = [f"load-{w.run_id}" for w in self._writers]
        self._threads = [threading.Thread(target=self._writer, args=(i,), name=f"load-w{i + 1}", daemon=True)
                         for i in range(spec.writers)]  # fmt: skip

    def start(self) -> None:
        self.started = self.clock()
        for t in self._threads:
            t.start()

    def join(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
        self.ended = self.clock()

    def _writer(self, i: int) -> None:
        cpu0 = time.thread_time()
        period = 1.0 / self.spec.rate
        origin, k = self.started + period * i / self.spec.writers, 0  # staggered: module docstring
        try:
            while not self.stop.is_set():
                delay = origin + k * period - self.clock()
                if delay > 0 and self.stop.wait(delay):
                    return
                if delay < -BEHIND_S:  # fell behind (an outage): resume on the schedule, no burst
                    k = int((self.clock() - origin) / period)
                k += 1
                self._write(self._writers[i])
        finally:
            with self._lock:
                self.cpu_s += time.thread_time() - cpu0

    def _write(self, writer: DeclaredJourney) -> None:
        writes = writer.sample().writes  # its one step's Write, acked or not; none: the login failed, nothing sent
        if not writes:
            with self._lock:
                self.counts["not_sent"] += 1
            return
        (w,) = writes
        try:
            self.sink.append(w)
        except TimelineClosed:  # still in flight when the run ended: counted, never silently lost
            with self._lock:
                self.counts["late"] += 1
            return
        with self._lock:
            self.counts["attempted"] += 1
            self.counts[w.state] += 1

    def read_back(self) -> list[ReadBack]:
        return [rb for w in self._writers for rb in w.read_back()]

    def summary(self) -> dict[str, object]:
        span = max(1e-9, (self.ended or self.clock()) - self.started)
        with self._lock:
            counts = dict(self.counts)
        return {"writers": self.spec.writers, "rate_per_writer": self.spec.rate, **counts,
                "achieved_per_s": round(counts["attempted"] / span, 1), "cpu_s": round(self.cpu_s, 3)}  # fmt: skip
