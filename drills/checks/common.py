"""What every check shares: its input, the judged window, runs of failed samples.

Vocabulary
    subject   what a check judges: a capability (availability, max outage, RTO) or a
              write stream (RPO, duplicates, split brain); written to ``Verdict.capability``.
    window    the span of timeline time ``[start, end)`` a check judges:
                faults+settle  first fault hit (its destructive instant, else the inject's
                               start) -> end of settle (start of the failback,
                               steady-after, verify or teardown phase; else last
                               sample + one probe period): a restore's rejoin is in it
                faults         first fault hit -> start of heal-all (the heal phase; else
                               the settle phase; else as above)
                all            first sample -> as faults+settle
              Without a fault inject, the window starts at the fault phase, else the first sample.
    signal    the capability's up/down state over time (:func:`signal`), the one input of
              availability, max outage and the abort rule (docs/measuring.md):
                a probe's sample holds from its start until that probe's next sample starts,
                for at most two of its periods (after that, with no sample: unknown);
                it is up when it succeeded within the probe's timeout, down otherwise;
                the capability is up at an instant only when every probe of it is up then
                (down if any is down, else unknown if any is unknown).
    run       an outage: a maximal span of the window in which the signal is not up; it lasts
              from the start of the sample that went down to the start of the sample that came
              back (or the window end if it never did).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from drills.model.durations import format_duration
from drills.model.scenario import Targets
from drills.model.timeline import FaultEvent, Sample, Timeline

__all__ = [
    "WINDOWS",
    "CheckInput",
    "Run",
    "Span",
    "Window",
    "fmt_pct",
    "fmt_t",
    "in_window",
    "judged_window",
    "outages",
    "signal",
]

State = Literal["up", "down", "unknown"]
HORIZON_PERIODS = 2.0  # a sample speaks for its probe for at most this many periods

_HEAL_ALL_IDS = ("*", "all", "heal-all")
WINDOWS = ("faults+settle", "faults", "all")  # the window kinds judged_window knows
WINDOW_WORDS = {"faults": "outage window", "faults+settle": "fault-and-recovery window", "all": "run"}


@dataclass(frozen=True)
class CheckInput:
    timeline: Timeline
    subject: str
    targets: Targets
    probe_period: float


@dataclass(frozen=True)
class Window:
    start: float
    end: float
    kind: str

    def describe(self) -> str:
        return f"window {fmt_t(self.start)}-{fmt_t(self.end)}"


@dataclass(frozen=True)
class Run:
    start: float
    end: float
    samples: int
    recovered: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


def fmt_t(t: float) -> str:
    return f"{t:.1f}s"


def fmt_pct(ratio: float) -> str:
    return f"{ratio * 100:.1f}%"


def fmt_d(seconds: float) -> str:
    return format_duration(seconds)


def is_heal_of(event_fault: str, fault_id: str) -> bool:
    """A heal event heals ``fault_id`` when it names it, or is the heal-all (``*``)."""
    return event_fault == fault_id or event_fault in _HEAL_ALL_IDS


@dataclass(frozen=True)
class FaultWindow:
    event: FaultEvent
    start: float  # the hit
    heal: float | None  # start of its heal (None: never healed)

    @property
    def end(self) -> float:
        return float("inf") if self.heal is None else self.heal

    def during(self, samples: list[Sample]) -> list[Sample]:
        """Samples that ended after the hit and started before the heal."""
        return [s for s in samples if s.t + s.latency >= self.start and s.t < self.end]


def fault_windows(timeline: Timeline) -> list[FaultWindow]:
    """One window per successful inject, ordered by the instant it hit: from the hit (its first
    destructive call) to the start of its heal (its own, or the heal-all ``*``; None: never)."""
    events = timeline.faults()
    heals = sorted((e for e in events if e.action == "heal"), key=lambda e: e.t)
    out = []
    for inj in sorted((e for e in events if e.action == "inject" and e.ok), key=lambda e: e.measured_from):
        d = inj.measured_from
        heal = next((h.t for h in heals if h.t >= d and is_heal_of(h.fault, inj.fault)), None)
        out.append(FaultWindow(inj, d, heal))
    return out


def _phase_start(timeline: Timeline, names: tuple[str, ...], after: float) -> float | None:
    starts = [p.t for p in timeline.phases() if p.phase in names and p.t >= after]
    return min(starts) if starts else None


def judged_window(timeline: Timeline, kind: str, probe_period: float) -> Window | None:
    """The window ``kind`` (see module docstring), or None when the timeline has no time at all."""
    samples = timeline.samples()
    injects = [e.measured_from for e in timeline.faults() if e.action == "inject"]  # the instant it hit
    fault_phase = _phase_start(timeline, ("fault",), float("-inf"))
    if kind == "all":
        start = samples[0].t if samples else (fault_phase if fault_phase is not None else None)
    elif injects:
        start = min(injects)
    elif fault_phase is not None:
        start = fault_phase
    else:
        start = samples[0].t if samples else None
    if start is None:
        return None
    end: float | None = None
    if kind == "faults":
        end = _phase_start(timeline, ("heal", "settle", "verify", "teardown"), start)
    if end is None:  # the failover's recovery ends with the settle: the way back has checks of its own
        end = _phase_start(timeline, ("failback", "steady-after", "verify", "teardown"), start)
    if end is None:
        end = (samples[-1].t + probe_period) if samples else start
    return Window(start=start, end=max(start, end), kind=kind)


def in_window(samples: list[Sample], window: Window) -> list[Sample]:
    return [s for s in samples if window.start <= s.t < window.end]


def judged_samples(inp: CheckInput, kind: str) -> tuple[Window | None, list[Sample], str]:
    """The judged window of ``kind``, the subject's samples in it, and where it lies (for messages)."""
    window = judged_window(inp.timeline, kind, inp.probe_period)
    samples = in_window(inp.timeline.samples(inp.subject), window) if window else []
    return window, samples, window.describe() if window else "the timeline is empty"


@dataclass(frozen=True)
class Span:
    """``[start, end)`` in one state."""

    start: float
    end: float
    state: State

    @property
    def duration(self) -> float:
        return self.end - self.start


def _probe_spans(samples: list[Sample], period: float, timeout: float | None, start: float, end: float) -> list[Span]:
    """One probe's state over ``[start, end)`` from its samples (sorted by start)."""
    horizon = HORIZON_PERIODS * period
    out: list[Span] = []
    cursor = start
    for i, s in enumerate(samples):
        nxt = samples[i + 1].t if i + 1 < len(samples) else float("inf")
        if nxt <= start:
            continue
        if s.t >= end:
            break
        if s.t > cursor:
            out.append(Span(cursor, s.t, "unknown"))
        up = s.ok and (timeout is None or s.latency <= timeout)
        held = min(nxt, s.t + horizon, end)
        out.append(Span(max(s.t, start), held, "up" if up else "down"))
        cursor = max(cursor, held)
    if cursor < end:
        out.append(Span(cursor, end, "unknown"))
    return [sp for sp in out if sp.end > sp.start]


def _merge(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for sp in spans:
        if out and out[-1].state == sp.state and out[-1].end == sp.start:
            out[-1] = Span(out[-1].start, sp.end, sp.state)
        else:
            out.append(sp)
    return out


def signal(timeline: Timeline, capability: str, start: float, end: float, period: float) -> list[Span]:
    """The capability's one up/down signal over ``[start, end)`` (see the module docstring).

    Its probes are those that announced themselves (``probe`` records) or left samples; each
    probe's period and timeout come from its ``probe`` record, else ``period`` and no timeout
    (format-1 timelines)."""
    if end <= start:
        return []
    declared = {p.probe: p for p in timeline.probes(capability)}
    by_probe: dict[str, list[Sample]] = {name: [] for name in declared}
    for s in timeline.samples(capability):
        by_probe.setdefault(s.probe, []).append(s)
    if not by_probe:
        return [Span(start, end, "unknown")]
    per_probe = [
        _probe_spans(samples, declared[name].period if name in declared else period,
                     declared[name].timeout if name in declared else None, start, end)
        for name, samples in by_probe.items()
    ]  # fmt: skip
    cuts = sorted({start, end, *(x for spans in per_probe for sp in spans for x in (sp.start, sp.end))})
    index = [0] * len(per_probe)
    out: list[Span] = []
    for a, b in pairwise(cuts):
        states = set()
        for k, spans in enumerate(per_probe):
            while spans[index[k]].end <= a:
                index[k] += 1
            states.add(spans[index[k]].state)
        state: State = "down" if "down" in states else ("unknown" if "unknown" in states else "up")
        out.append(Span(a, b, state))
    return _merge(out)


def outages(spans: list[Span], samples: list[Sample]) -> list[Run]:
    """The spans of ``spans`` (a :func:`signal`) in which the capability was not up, each with the
    number of its failed samples; one that reaches the window end did not recover."""
    runs: list[Run] = []
    end = spans[-1].end if spans else 0.0
    for sp in _merge(Span(x.start, x.end, "up" if x.state == "up" else "down") for x in spans):
        if sp.state == "up":
            continue
        failed = sum(1 for s in samples if not s.ok and sp.start <= s.t < sp.end)
        runs.append(Run(sp.start, sp.end, failed, sp.end < end))
    return runs


def time_in(spans: list[Span], state: State) -> float:
    return sum(sp.duration for sp in spans if sp.state == state)


def probe_period(timeline: Timeline, capability: str, default: float) -> float:
    """The declared period of the capability's probes (their ``probe`` records), else ``default``."""
    periods = [p.period for p in timeline.probes(capability)]
    return max(periods) if periods else default
