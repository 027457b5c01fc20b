"""Checks: pure functions from a timeline to verdicts (record first, judge later).

Vocabulary
    check     ``(CheckInput) -> tuple[Verdict, ...]``; one small module each, registered in
              :data:`REGISTRY` by name with its *scope*:
                capability  availability, max_outage, rto (-> rto_first, rto_stable)
                stream      rpo (-> rpo, duplicates), split_brain
    evaluate  runs every registered check for every subject; a check that raises becomes
              an ``unknown`` verdict carrying the exception text -- never a crash.

Lifecycle: the runner saves the timeline, then calls :func:`evaluate` once (it can be
re-run offline from a saved bundle); :func:`should_abort` is called while the drill runs.
Overall status: :func:`drills.result.overall_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal, Mapping, Sequence

from drills.model.result import Verdict
from drills.model.scenario import CheckSpec
from drills.model.timeline import Timeline
from drills.checks import availability
from drills.checks import max_outage
from drills.checks import rpo
from drills.checks import rto
from drills.checks import split_brain
from drills.checks.abort import down_since, should_abort
from drills.checks.common import CheckInput, Window, judged_window

__all__ = ["CheckFn", "Check", "REGISTRY", "CheckInput", "Window", "judged_window", "evaluate",
           "should_abort", "down_since"]

CheckFn = Callable[[CheckInput], tuple[Verdict, ...]]


@dataclass(frozen=True)
class Check:
    name: str
    scope: Literal["capability", "stream"]
    fn: CheckFn


REGISTRY: Mapping[str, Check] = {
    c.name: c
    for c in (
        Check("availability", "capability", availability.check),
        Check("max_outage", "capability", max_outage.check),
        Check("rto", "capability", rto.check),
        Check("rpo", "stream", rpo.check),
        Check("split_brain", "stream", split_brain.check),
    )
}


def _subjects(timeline: Timeline, capabilities: Sequence[str], streams: Sequence[str] | None) -> tuple[list[str], list[str]]:
    caps = list(dict.fromkeys([*capabilities, *timeline.capabilities()]))
    seen = [*(w.stream for w in timeline.writes()), *(r.stream for r in timeline.readbacks())]
    strs = list(dict.fromkeys([*(streams or ()), *seen]))
    if not strs and streams is None:
        strs = ["*"]  # nothing recorded, nothing declared: say the data is missing
    return caps, strs


def evaluate(
    timeline: Timeline,
    targets: CheckSpec,
    probe_period: float,
    capabilities: Sequence[str] = (),
    streams: Sequence[str] | None = None,
    registry: Mapping[str, Check] = REGISTRY,
) -> tuple[Verdict, ...]:
    """Every check for every subject, in registry order.

    ``capabilities``: capabilities that must be judged even without samples (the scenario's);
    ``streams``: write streams expected; None judges the streams found (``*`` if none, unknown),
    an empty sequence judges only the streams found.
    """
    caps, strs = _subjects(timeline, capabilities, streams)
    out: list[Verdict] = []
    for check in registry.values():
        for subject in caps if check.scope == "capability" else strs:
            inp = CheckInput(timeline, subject, targets.for_capability(subject), probe_period)
            try:
                out.extend(check.fn(inp))
            except Exception as exc:  # a crashing check is data (unknown), never a crash
                out.append(
                    Verdict(
                        check=check.name, capability=subject, status="unknown",
                        message=f"{check.name} check crashed for {subject}: {type(exc).__name__}: {exc}",
                        details={"exception": type(exc).__name__, "error": str(exc)},
                    )
                )
    return tuple(out)
