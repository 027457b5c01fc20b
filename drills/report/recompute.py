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

import contextlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

from drills import __version__
from drills.checks import REGISTRY, evaluate, evaluate_scenario
from drills.checks.dualization import scenario_lint
from drills.engine.provenance import TOPOLOGY_DIR
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


def _evaluate(
    bundle_dir: Path, timeline: Timeline, result: DrillResult | None = None
) -> tuple[tuple[Verdict, ...], Expectation | None]:
    """Plug point: run the check engine over the bundle's scenario and timeline; with the scenario's
    declared expectation, re-judged against the fresh verdicts.

    The scenario is rebuilt from the topology files the run kept in the bundle (``topology/``) when
    it has them, so the bundle is judged the same anywhere and the dualization lint is re-run on the
    files as they were; an older bundle is rebuilt against the checkout it sits in (cwd), and its
    lint verdicts are kept from result.json. As in the runner (drills.engine.lifecycle.finish): a
    run whose environment broke was judged by the lint alone, and one whose steady-state gate failed
    (no fault phase) by the gate's check alone."""
    kept = bundle_dir / TOPOLOGY_DIR
    scenario, from_kept = None, False
    if kept.is_dir():
        with contextlib.suppress(DrillsError):  # incomplete (a file outside the repository): the checkout
            scenario, from_kept = load_scenario(bundle_dir / "scenario.yaml", repo_root=kept), True
    if scenario is None:
        try:
            scenario = load_scenario(bundle_dir / "scenario.yaml")
        except DrillsError as exc:
            where = ("from the topology files in the bundle, nor here" if kept.is_dir()
                     else "here (the bundle keeps no topology/)")  # fmt: skip
            raise _Unavailable(f"the bundle's scenario.yaml could not be rebuilt {where}: {exc}") from exc
    fresh: tuple[Verdict, ...] = scenario_lint(scenario) if from_kept and _complete(kept) else ()
    phases = {p.phase for p in timeline.phases()}
    status = result.status if result is not None else ""
    broke = status == "error" and result is not None and not any(
        v.about == "drill" and v.status == "fail" for v in result.verdicts)
    if broke:
        return fresh, scenario.expect
    if "steady" in phases and "fault" not in phases and status not in ("interrupted", "killed"):
        only = {"steady_state": REGISTRY["steady_state"]}
        fresh += evaluate(timeline, scenario.checks, scenario.probes.period, capabilities=scenario.capabilities,
                          registry=only)  # fmt: skip
        return fresh, scenario.expect
    return fresh + evaluate_scenario(timeline, scenario), scenario.expect


def _complete(kept: Path) -> bool:
    """The kept topology holds every file the lint read (index.json ``complete``): only then is the
    lint re-run on it; otherwise a file left out (a secret, a large file, a link, a file outside the
    repository, an env_file or include) would change its findings, and its verdicts are kept."""
    try:
        index = json.loads((kept / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(index, dict) and index.get("complete") is True


def recompute_verdicts(bundle_dir: Path, result: DrillResult) -> Recomputed:
    timeline, _ = load_timeline(bundle_dir / "timeline.jsonl")
    try:
        fresh, expect = _evaluate(bundle_dir, timeline, result)
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
