"""History: many bundles side by side, per scenario and capability, with regressions flagged.

    load_history(dir)   -> [(bundle dir, DrillResult)] from every ``*/result.json`` below ``dir`` (sorted by start)
    series(results)     -> {(scenario, capability): [Point]}
    flag(points, rule)  -> the same points, each with its regression reasons

Regression rule (documented in docs/reports.md), per scenario and capability, against the
previous ``window`` runs (default 5) that measured the same thing, once at least
``min_runs`` (default 3) of them exist:
    availability   lower than their median by more than ``avail_drop`` (default 0.01 = 1 point)
    RTO            above their median by more than ``rto_rise`` (default 50%) AND by more than
                   ``rto_floor`` seconds (default 1 s; a probe period of noise is not a regression)
RTO is the ``rto_stable`` verdict when present, else ``rto_first``. A run whose RTO is unknown
(never recovered) while the previous runs recovered is a regression too.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path

from drills.errors import UsageError
from drills.model.result import DrillResult

__all__ = ["Point", "Rule", "flag", "latest_regressions", "load_history", "series"]


@dataclass(frozen=True)
class Rule:
    window: int = 5
    min_runs: int = 3
    avail_drop: float = 0.01
    rto_rise: float = 0.5
    rto_floor: float = 1.0


@dataclass(frozen=True)
class Point:
    started_utc: str
    run_id: str
    status: str
    availability: float | None
    rto: float | None
    rto_judged: bool  # an RTO verdict exists (rto None + judged = never recovered)
    bundle: str
    regressions: tuple[str, ...] = field(default=())


def load_history(directory: Path) -> list[tuple[Path, DrillResult]]:
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such directory of bundles")
    results: list[tuple[Path, DrillResult]] = []
    for path in sorted(directory.glob("**/result.json")):
        try:
            r = DrillResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(f"{path}: not a readable drill result ({exc})") from exc
        results.append((path.parent, r))
    if not results:
        raise UsageError(f"{directory}: no bundles found (no */result.json below it)")
    return sorted(results, key=lambda pr: pr[1].started_utc)


def series(results: list[tuple[Path, DrillResult]]) -> dict[tuple[str, str], list[Point]]:
    out: dict[tuple[str, str], list[Point]] = {}
    for bundle, r in results:
        judged = ("availability", "rto_first", "rto_stable")
        caps = {v.capability: None for v in r.verdicts if v.capability != "*" and v.check in judged}
        for cap in caps:
            by_check = {v.check: v for v in r.verdicts if v.capability == cap}
            avail = by_check.get("availability")
            rto = by_check.get("rto_stable") or by_check.get("rto_first")
            out.setdefault((r.scenario_name, cap), []).append(
                Point(r.started_utc, r.run_id, r.status, avail.measured if avail else None,
                      rto.measured if rto else None, rto is not None and rto.status != "unknown", str(bundle))
            )
    return out


def _reasons(p: Point, prev: list[Point], rule: Rule) -> tuple[str, ...]:
    reasons: list[str] = []
    avails = [q.availability for q in prev if q.availability is not None]
    if p.availability is not None and len(avails) >= rule.min_runs:
        med = statistics.median(avails)
        if p.availability < med - rule.avail_drop:
            reasons.append(f"availability {p.availability * 100:.2f}% is more than {rule.avail_drop * 100:g} points "
                           f"below the median {med * 100:.2f}% of the previous {len(avails)} runs")
    rtos = [q.rto for q in prev if q.rto is not None]
    if len(rtos) >= rule.min_runs:
        med = statistics.median(rtos)
        if p.rto is not None and p.rto > med * (1 + rule.rto_rise) and p.rto - med > rule.rto_floor:
            reasons.append(f"RTO {p.rto:.1f}s is more than {rule.rto_rise * 100:g}% above the median "
                           f"{med:.1f}s of the previous {len(rtos)} runs")
        elif p.rto is None and p.rto_judged:
            reasons.append(f"never recovered, while the previous {len(rtos)} runs did (median RTO {med:.1f}s)")
    return tuple(reasons)


def flag(points: list[Point], rule: Rule = Rule()) -> list[Point]:
    return [replace(p, regressions=_reasons(p, points[max(0, i - rule.window):i], rule)) for i, p in enumerate(points)]


def latest_regressions(flagged: dict[tuple[str, str], list[Point]]) -> list[str]:
    """Regressions of each series' most recent run (what a nightly job should fail on)."""
    return [f"{s}/{c}: {why}" for (s, c), pts in flagged.items() if pts for why in pts[-1].regressions]
