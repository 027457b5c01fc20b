"""What every check shares: its input, the judged window, runs of failed samples.

Vocabulary
    subject   what a check judges: a capability (availability, max outage, RTO) or a
              write stream (RPO, duplicates, split brain); written to ``Verdict.capability``.
    window    the span of timeline time ``[start, end)`` a check judges:
                faults+settle  first fault inject -> end of settle (start of the verify or
                               teardown phase; else last sample + one probe period)
                faults         first fault inject -> start of heal-all (the heal phase; else
                               the settle phase; else as above)
                all            first sample -> as faults+settle
              Without a fault inject, the window starts at the fault phase, else the first sample.
    run       consecutive failed samples of one capability; it lasts from its first failed
              sample's start to the next successful sample's start, or to the window end if
              it never recovered.
"""

from __future__ import annotations

from dataclasses import dataclass

from drills.model.durations import format_duration
from drills.model.scenario import Targets
from drills.model.timeline import Sample, Timeline

__all__ = ["WINDOWS", "CheckInput", "Run", "Window", "failure_runs", "fmt_pct", "fmt_t", "in_window", "judged_window"]

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


def _phase_start(timeline: Timeline, names: tuple[str, ...], after: float) -> float | None:
    starts = [p.t for p in timeline.phases() if p.phase in names and p.t >= after]
    return min(starts) if starts else None


def judged_window(timeline: Timeline, kind: str, probe_period: float) -> Window | None:
    """The window ``kind`` (see module docstring), or None when the timeline has no time at all."""
    samples = timeline.samples()
    injects = [e.t for e in timeline.faults() if e.action == "inject"]
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
    if end is None:
        end = _phase_start(timeline, ("verify", "teardown"), start)
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


def failure_runs(samples: list[Sample], end: float) -> list[Run]:
    """Runs of consecutive failed samples (``samples`` sorted by t), clipped at ``end``."""
    runs: list[Run] = []
    first: Sample | None = None
    count = 0
    for s in samples:
        if not s.ok:
            if first is None:
                first = s
            count += 1
        elif first is not None:
            runs.append(Run(first.t, s.t, count, True))
            first, count = None, 0
    if first is not None:
        runs.append(Run(first.t, max(first.t, end), count, False))
    return runs
