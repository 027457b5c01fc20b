"""The open-loop ProbeLoop: the schedule holds whatever is in flight (counted in intended ticks,
on a fake clock: no wall time is measured or asserted)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drills.model.timeline import OVERLOADED, ProbeStart, Record, Sample, TimelineWriter, Write, read_timeline
from drills.probes.base import Outcome, ProbeLoop, in_flight_bound

PERIOD = 0.1
WAIT_S = 10.0  # a worker thread that never shows up fails the test instead of hanging it


class FakeTime:
    """The loop's clock; ``wait`` advances it (by ``extra`` more on the listed calls) at once."""

    def __init__(self, stop: threading.Event, late: dict[int, float] | None = None) -> None:
        self.now, self.stop, self.calls, self.late = 0.0, stop, 0, late or {}
        self.before_tick: list[threading.Event] = []

    def clock(self) -> float:
        return self.now

    def wait(self, seconds: float) -> bool:
        self.calls += 1
        self.now += seconds + self.late.get(self.calls, 0.0)
        return self.stop.is_set()


class Sink:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.cond = threading.Condition()

    def append(self, record: Record) -> None:
        with self.cond:
            self.records.append(record)
            self.cond.notify_all()

    def samples(self) -> list[Sample]:
        with self.cond:
            return [r for r in self.records if isinstance(r, Sample)]

    def wait_samples(self, n: int) -> None:
        with self.cond:
            assert self.cond.wait_for(lambda: sum(isinstance(r, Sample) for r in self.records) >= n, WAIT_S)


class GatedProbe:
    """A slow probe: each call blocks until the test hands it a token (``release``)."""

    name, capability = "chat", "chat"

    def __init__(self) -> None:
        self.tokens = threading.Semaphore(0)
        self.running = 0
        self.most = 0
        self.lock = threading.Lock()

    def release(self, n: int = 1) -> None:
        for _ in range(n):
            self.tokens.release()

    def sample(self) -> Outcome:
        with self.lock:
            self.running += 1
            self.most = max(self.most, self.running)
        assert self.tokens.acquire(timeout=WAIT_S)
        with self.lock:
            self.running -= 1
        return Outcome(False, "timeout", "a")


def intended(samples: list[Sample]) -> list[float]:
    return sorted(s.intended for s in samples if s.intended is not None)


def ticks(n: int) -> list[float]:
    return [round(k * PERIOD, 4) for k in range(n)]


def test_bound_is_one_more_than_the_samples_a_timeout_can_keep_in_flight() -> None:
    assert in_flight_bound(2.0, 0.1) == 21
    assert in_flight_bound(0.35, 0.1) == 5
    assert in_flight_bound(0.1, 1.0) == 2


def test_a_hung_probe_never_lowers_the_rate_ticks_past_the_bound_are_recorded_overloaded() -> None:
    stop, sink, probe = threading.Event(), Sink(), GatedProbe()
    fake = FakeTime(stop)
    loop = ProbeLoop(probe, sink, fake.clock, PERIOD, stop, timeout=0.35, max_samples=40, wait=fake.wait)
    loop.schedule()  # on this thread: 40 ticks on the fake clock; every sample it starts hangs
    assert loop.ticks == 40 and loop.in_flight == 5 and loop.overloaded == 35
    probe.release(5)
    loop.join(WAIT_S)
    samples = sink.samples()
    assert intended(samples) == ticks(40)  # every tick is there, once
    over = [s for s in samples if s.error == OVERLOADED]
    assert len(over) == 35 and all(s.t == s.intended and s.latency == 0 and not s.ok for s in over)
    assert probe.most <= 5 and loop.count == 40  # never more than the bound ran at once


def test_a_probe_slower_than_its_period_keeps_the_schedule_without_overload() -> None:
    stop, sink, probe = threading.Event(), Sink(), GatedProbe()
    fake = FakeTime(stop)
    done = 0
    seen: list[int] = []

    def wait(seconds: float) -> bool:
        # each sample answers three ticks after it started: three are in flight at every tick
        nonlocal done
        if fake.calls >= 2:  # before tick 3 on: samples k-3 .. k-1 are in flight
            seen.append(loop.in_flight)
            probe.release()
            done += 1
            sink.wait_samples(done)
        return fake.wait(seconds)

    loop = ProbeLoop(probe, sink, fake.clock, PERIOD, stop, timeout=0.35, max_samples=30, wait=wait)
    loop.schedule()
    probe.release(30)
    loop.join(WAIT_S)
    samples = sink.samples()
    assert intended(samples) == ticks(30) and loop.overloaded == 0
    assert seen[0] == 3 and probe.most <= 3  # a closed loop would have had one in flight, at a third of the rate


def test_a_scheduler_that_wakes_late_starts_the_late_ticks_at_once_never_drops_them() -> None:
    stop, sink = threading.Event(), Sink()
    fake = FakeTime(stop, late={3: 0.45})  # the 3rd wait oversleeps by 4.5 periods

    class Quick:
        name, capability = "login", "login"

        def sample(self) -> Outcome:
            return Outcome(True, site="b")

    loop = ProbeLoop(Quick(), sink, fake.clock, PERIOD, stop, timeout=1.0, max_samples=20, wait=fake.wait)
    loop.schedule()
    loop.join(WAIT_S)
    samples = sink.samples()
    assert intended(samples) == ticks(20)
    late = [s for s in samples if s.t - (s.intended or 0) > PERIOD / 2]
    assert late, "the overslept ticks started late, and say so (t > intended)"


def test_stop_ends_the_schedule_and_samples_in_flight_are_still_recorded() -> None:
    stop, sink, probe = threading.Event(), Sink(), GatedProbe()
    fake = FakeTime(stop)

    def wait(seconds: float) -> bool:
        if fake.calls == 3:  # the wait before tick 4
            stop.set()
        return fake.wait(seconds)

    loop = ProbeLoop(probe, sink, fake.clock, PERIOD, stop, timeout=1.0, wait=wait)
    loop.schedule()
    assert loop.ticks == 4
    probe.release(4)
    loop.join(WAIT_S)
    assert intended(sink.samples()) == ticks(4)


class FlakyProbe:
    """ok, fail, raise, ok, fail, raise ..."""

    name, capability = "flaky", "chat"

    def __init__(self) -> None:
        self.n = 0

    def sample(self) -> Outcome:
        self.n += 1
        kind = self.n % 3
        if kind == 0:
            raise RuntimeError("probe bug")
        w = Write(t=float(self.n), stream="chat", key="r", id=f"m{self.n}", acked=kind == 1)
        return Outcome(kind == 1, "" if kind == 1 else "HTTP 503", "a", (w,))


def test_failures_and_probe_bugs_are_data_with_their_writes(tmp_path: Path) -> None:
    ticks_ = iter(range(10_000))
    with TimelineWriter(tmp_path / "t.jsonl") as tl:
        loop = ProbeLoop(FlakyProbe(), tl, lambda: next(ticks_) * 0.001, period=0.1, stop=threading.Event())
        loop.announce()
        for k in range(6):
            loop.sample_once(intended=k * 0.1)
    saved = read_timeline(tmp_path / "t.jsonl")
    samples = saved.samples()
    assert [s.ok for s in samples] == [True, False, False, True, False, False]
    assert samples[2].error == "probe error: probe bug"
    assert samples[1].error == "HTTP 503" and samples[0].site == "a"
    assert [s.intended for s in samples] == [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert all(s.end == pytest.approx(s.t + s.latency) for s in samples)
    assert [w.id for w in saved.writes()] == ["m1", "m2", "m4", "m5"]  # the raising samples wrote nothing
    assert saved.probes() == [ProbeStart(t=0.0, probe="flaky", capability="chat", period=0.1, timeout=2.0,
                                         max_in_flight=21)]  # fmt: skip
    assert loop.count == 6


def test_a_sample_that_ends_after_the_timeline_closed_is_counted_late_not_lost_silently(tmp_path: Path) -> None:
    tl = TimelineWriter(tmp_path / "t.jsonl")
    loop = ProbeLoop(FlakyProbe(), tl, lambda: 1.0, period=0.1, stop=threading.Event())
    loop.sample_once()
    tl.close()
    loop.sample_once()  # never raises out of the loop
    assert (loop.count, loop.late) == (1, 1)
    assert len(read_timeline(tmp_path / "t.jsonl").samples()) == 1


def test_the_thread_starts_on_time_and_stops_when_asked(tmp_path: Path) -> None:
    stop = threading.Event()
    stop.set()  # stopped before the first tick: the loop announces itself and takes no sample
    with TimelineWriter(tmp_path / "t.jsonl") as tl:
        loop = ProbeLoop(FlakyProbe(), tl, lambda: 0.0, period=0.1, stop=stop)
        loop.start()
        loop.join(WAIT_S)
    assert not loop.thread.is_alive() and loop.count == 0
    saved = read_timeline(tmp_path / "t.jsonl")
    assert len(saved.probes()) == 1 and saved.samples() == []
