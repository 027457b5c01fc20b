"""Offline re-evaluation: recompute verdicts from the bundle's scenario.yaml + timeline.jsonl.

Record first, judge later: the timeline is saved before it is judged, so a bundle can be
re-judged later (by a newer drills, or by an auditor who does not trust result.json).

    recompute_verdicts(bundle_dir, result) -> Recomputed
        .result     the result with recomputed verdicts (None: not recomputed, see .note)
        .sentence   what the report says about it ("" when not recomputed)
        .changed    verdict names whose status differs from result.json
        .note       why nothing was recomputed ("" when it was)

The ONE place where the check engine plugs in is :func:`_evaluate`. Static verdicts that
need the compose topology as it was at run time (the dualization lint) are kept from
result.json when the engine does not return them. A declared expectation (the bundle's
scenario.yaml ``expect:``) is judged again against the recomputed verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from drills import __version__
from drills.checks import evaluate_scenario
from drills.errors import DrillsError
from drills.model.expectation import Expectation, judge
from drills.model.result import ENDED_EARLY, DrillResult, Verdict, overall_status
from drills.model.timeline import Timeline, load_timeline
from drills.scenario import load_scenario

__all__ = ["Recomputed", "recompute_verdicts"]


@dataclass(frozen=True)
class Recomputed:
    result: DrillResult | None
    sentence: str = ""
    changed: tuple[str, ...] = ()
    note: str = ""


class _Unavailable(Exception):
    """The check engine (or something it needs) is not there: keep result.json's verdicts."""


def _evaluate(bundle_dir: Path, timeline: Timeline) -> tuple[tuple[Verdict, ...], Expectation | None]:
    """Plug point: run the check engine over the bundle's scenario and timeline; with the scenario's
    declared expectation, re-judged against the fresh verdicts."""
    try:  # the compose topology is read from the current checkout (cwd); evaluate() does not use it
        scenario = load_scenario(bundle_dir / "scenario.yaml")
    except DrillsError as exc:
        raise _Unavailable(f"the bundle's scenario.yaml could not be loaded here: {exc}") from exc
    # Same call as the runner (drills.orchestrate.finish), minus the static dualization lint.
    fresh = evaluate_scenario(timeline, scenario)
    return fresh, scenario.expect


def recompute_verdicts(bundle_dir: Path, result: DrillResult) -> Recomputed:
    timeline, _ = load_timeline(bundle_dir / "timeline.jsonl")
    try:
        fresh, expect = _evaluate(bundle_dir, timeline)
    except _Unavailable as exc:
        return Recomputed(None, note=f"Verdicts are those recorded in result.json: {exc}.")
    except Exception as exc:  # noqa: BLE001 - a crashing checker must not stop the report
        return Recomputed(None, note=f"Offline re-evaluation crashed ({type(exc).__name__}: {exc}); "
                                     "verdicts are those recorded in result.json.")
    names = {v.name for v in fresh}
    kept = tuple(v for v in result.verdicts if v.name not in names and v.check == "dualization")
    verdicts = kept + fresh
    before = {v.name: v.status for v in result.verdicts}
    changed = tuple(v.name for v in verdicts if v.name in before and before[v.name] != v.status)
    status = result.status if result.status in ENDED_EARLY else overall_status(verdicts)
    added = [v.name for v in verdicts if v.name not in before]
    dropped = [name for name in before if name not in {v.name for v in verdicts}]
    diffs = [f"status changed for {', '.join(changed)}"] if changed else []
    diffs += [f"new: {', '.join(added)}"] if added else []
    diffs += [f"no longer computed: {', '.join(dropped)}"] if dropped else []
    sentence = (
        f"drills {__version__} re-evaluated the checks from this bundle's scenario.yaml and timeline.jsonl; "
        + (f"compared with result.json: {'; '.join(diffs)}." if diffs else "every verdict matches result.json.")
    )
    expectation = judge(expect, verdicts, status, result.error) if expect is not None else None
    was = result.expectation.outcome if result.expectation else "none declared"
    now = expectation.outcome if expectation else "none declared"
    if now != was:
        sentence += f" The declared expectation is now {now} (result.json: {was})."
    return Recomputed(replace(result, verdicts=verdicts, status=status, expectation=expectation), sentence, changed)
