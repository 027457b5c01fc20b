"""Checks: pure functions from a timeline to verdicts (record first, judge later).

Vocabulary
    check     ``(CheckInput) -> tuple[Verdict, ...]``; one module each, registering itself in
              :data:`REGISTRY` with its targets, schema and finding (see base.py), by *scope*:
                capability  availability, max_outage, rto (-> rto_first, rto_stable)
                stream      rpo (-> rpo, duplicates), split_brain
                action      activation (one verdict per operator action, the failback's included)
                site        rejoin (one verdict per restored site, with ``restore:``)
                topology    dualization (static, run before anything starts)
    evaluate  runs every registered check for every subject; a check that raises becomes
              an ``unknown`` verdict carrying the exception text -- never a crash.

Lifecycle: the runner saves the timeline, then calls :func:`evaluate` once (it can be
re-run offline from a saved bundle); :func:`should_abort` is called while the drill runs.
Overall status: :func:`drills.result.overall_status`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping, Sequence

from drills.checks.abort import down_since, should_abort
from drills.checks.base import REGISTRY, Check, CheckFn, check_of_verdict, register
from drills.checks.common import CheckInput, Window, judged_window
from drills.model.result import Verdict
from drills.model.scenario import CheckSpec, Scenario
from drills.model.timeline import Timeline

__all__ = [
    "REGISTRY",
    "Check",
    "CheckFn",
    "CheckInput",
    "Window",
    "check_of_verdict",
    "down_since",
    "evaluate",
    "evaluate_scenario",
    "judged_window",
    "register",
    "should_abort",
]

for _module in pkgutil.iter_modules(__path__):
    if _module.name not in ("base", "common", "abort"):
        importlib.import_module(f"{__name__}.{_module.name}")


def _subjects(
    timeline: Timeline,
    capabilities: Sequence[str],
    streams: Sequence[str] | None,
    actions: Sequence[str],
    restored: Sequence[str] = (),
) -> dict[str, list[str]]:
    """The subjects of each scope: capabilities, streams, actions, restored sites (declared first, then
    those recorded)."""
    caps = list(dict.fromkeys([*capabilities, *timeline.capabilities()]))
    seen = [*(w.stream for w in timeline.writes()), *(r.stream for r in timeline.readbacks())]
    strs = list(dict.fromkeys([*(streams or ()), *seen]))
    if not strs and streams is None:
        strs = ["*"]  # nothing recorded, nothing declared: say the data is missing
    acts = list(dict.fromkeys([*actions, *(a.id for a in timeline.actions())]))
    sites = list(dict.fromkeys([*restored, *(r.site for r in timeline.rejoins())]))
    return {"capability": caps, "stream": strs, "action": acts, "site": sites}


def evaluate(
    timeline: Timeline,
    targets: CheckSpec,
    probe_period: float,
    capabilities: Sequence[str] = (),
    streams: Sequence[str] | None = None,
    registry: Mapping[str, Check] = REGISTRY,
    actions: Sequence[str] = (),
    restored: Sequence[str] = (),
) -> tuple[Verdict, ...]:
    """Every timeline check for every subject: capability checks first, then stream, action and site
    checks.

    ``capabilities``: capabilities that must be judged even without samples (the scenario's);
    ``streams``: write streams expected; None judges the streams found (``*`` if none, unknown),
    an empty sequence judges only the streams found; ``actions``: the ids of the scenario's
    operator actions, judged even without a record (unknown); ``restored``: the sites whose way back
    the scenario judges (its ``restore:``), judged even without a record.
    """
    subjects = _subjects(timeline, capabilities, streams, actions, restored)
    out: list[Verdict] = []
    ordered = [c for scope in ("capability", "stream", "action", "site") for c in registry.values() if c.scope == scope]
    for check in ordered:
        if check.fn is None:
            continue
        for subject in subjects[check.scope]:
            inp = CheckInput(timeline, subject, targets.for_capability(subject), probe_period)
            try:
                out.extend(check.fn(inp))
            except Exception as exc:  # noqa: BLE001 - a crashing check is data (unknown), never a crash
                out.append(
                    Verdict(
                        check=check.name, capability=subject, status="unknown",
                        message=f"{check.name} check crashed for {subject}: {type(exc).__name__}: {exc}",
                        details={"exception": type(exc).__name__, "error": str(exc)},
                    )
                )
    return tuple(out)


def evaluate_scenario(timeline: Timeline, s: Scenario, registry: Mapping[str, Check] = REGISTRY) -> tuple[Verdict, ...]:
    """:func:`evaluate` with what ``s`` declares: its capabilities, its operator actions (the failback's
    included) and the sites its restore brings back. The runner and ``drill verify`` both judge this way."""
    return evaluate(timeline, s.checks, s.probes.period, capabilities=s.capabilities, registry=registry,
                    actions=tuple(a.id for a in s.all_actions),
                    restored=s.cut_sites if s.restore is not None else ())  # fmt: skip
