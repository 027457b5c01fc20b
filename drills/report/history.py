"""History: many bundles side by side, per scenario and capability, with regressions flagged.

    load_history(dir, signers=None) -> History: the bundles that verify (sorted by start) and those
                        excluded with the reason (a file missing, unlisted or tampered; a status or
                        expectation that does not follow from the verdicts; with ``signers``, a
                        missing or bad signature). Verdicts are not re-judged here (drill verify
                        does that, one bundle at a time): a history of a year of nights stays fast.
    series(results)     -> {(scenario, capability): [Point]}
    flag(points, rule)  -> the same points, each with its regression reasons
    finding_events(results) -> {scenario: [FindingEvent]}: when each root cause (stable ID) was
                        first seen, when it stopped being seen (closed), and whether it is still open
    stale(results, max_age, now) -> the scenarios whose last passing run is older than ``max_age``

Regression rule (documented in docs/reports.md), per scenario and capability, against the
previous ``window`` runs (default 5) that measured the same thing, once at least
``min_runs`` (default 3) of them exist:
    availability   lower than their median by more than ``avail_drop`` (default 0.01 = 1 point)
    RTO            above their median by more than ``rto_rise`` (default 50%) AND by more than
                   ``rto_floor`` seconds (default 1 s; a probe period of noise is not a regression)
RTO is the ``rto_stable`` verdict when present, else ``rto_first``. A run whose RTO is unknown
(never recovered) while the previous runs recovered is a regression too.

A *passing* run is one whose exit code is 0: it passed, or it failed exactly as its scenario
declares (a known-bad scenario's confirmed expectation).
"""

from __future__ import annotations

import json
import re
import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from drills.errors import UsageError
from drills.model.result import DrillResult, Verdict
from drills.report.rootcause import root_causes
from drills.report.view import objectives, parse_utc

__all__ = [
    "FindingEvent",
    "History",
    "Point",
    "Rule",
    "finding_events",
    "flag",
    "latest_regressions",
    "load_history",
    "parse_age",
    "series",
    "stale",
]


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
    status: str  # the capability's own result: pass | fail | unknown | expected (see view.objectives)
    availability: float | None
    rto: float | None
    rto_judged: bool  # an RTO verdict exists (rto None + judged = never recovered)
    bundle: str
    regressions: tuple[str, ...] = field(default=())
    rpo: float | None = None  # acknowledged writes lost (the rpo verdict of the stream of that name)
    availability_target: float | None = None
    rto_target: float | None = None
    findings: tuple[str, ...] = ()  # root-cause IDs that involve this capability


@dataclass(frozen=True)
class History:
    results: list[tuple[Path, DrillResult]]
    excluded: list[tuple[Path, str]]  # (bundle, why it does not verify)


@dataclass(frozen=True)
class FindingEvent:
    id: str
    title: str
    first_seen: str  # UTC start of the first run that had it
    last_seen: str
    closed: str  # UTC start of the first later run without it ("" : still open in the latest run)
    remediation: str = ""  # the latest annotation of it (drill annotate): "in-progress, owner x, due 2027-01-31"


def _problems(bundle: Path, result: DrillResult, signers: Path | None) -> list[str]:
    from drills.report.bundle import verify_bundle
    from drills.report.integrity import claim_problems

    problems = verify_bundle(bundle) + claim_problems(result)
    if signers is not None:
        from drills.report.signing import check_signature

        signed = check_signature(bundle, signers)
        if not signed.ok:
            problems.append(signed.sentence)
    return problems


def load_history(directory: Path, signers: Path | None = None) -> History:
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such directory of bundles")
    results: list[tuple[Path, DrillResult]] = []
    excluded: list[tuple[Path, str]] = []
    for path in sorted(directory.glob("**/result.json")):
        try:
            r = DrillResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as exc:
            excluded.append((path.parent, f"unreadable result.json ({type(exc).__name__}: {exc})"))
            continue
        problems = _problems(path.parent, r, signers)
        if problems:
            excluded.append((path.parent, "; ".join(problems[:3]) + (f" (+{len(problems) - 3} more)"
                                                                     if len(problems) > 3 else "")))
            continue
        results.append((path.parent, r))
    if not results and not excluded:
        raise UsageError(f"{directory}: no bundles found (no */result.json below it)")
    return History(sorted(results, key=lambda pr: pr[1].started_utc), excluded)


def _one(verdicts: list[Verdict]) -> Verdict | None:
    return verdicts[0] if verdicts else None


def series(results: list[tuple[Path, DrillResult]]) -> dict[tuple[str, str], list[Point]]:
    out: dict[tuple[str, str], list[Point]] = {}
    for bundle, r in results:
        causes = root_causes(r)
        for o in objectives(r):
            cap = o.capability
            mine = [v for v in r.verdicts if v.capability == cap]
            avail = _one([v for v in mine if v.check == "availability"])
            rto = _one([v for v in mine if v.check == "rto_stable"]) or _one(
                [v for v in mine if v.check == "rto_first"])
            if avail is None and rto is None:
                continue
            rpo = _one([v for v in r.verdicts if v.check == "rpo" and v.capability == cap])
            ids = tuple(c.id for c in causes if c.capability == cap)
            out.setdefault((r.scenario_name, cap), []).append(Point(
                r.started_utc, r.run_id, o.status, avail.measured if avail else None,
                rto.measured if rto else None, rto is not None and rto.status != "unknown", str(bundle),
                rpo=rpo.measured if rpo else None, availability_target=avail.target if avail else None,
                rto_target=rto.target if rto else None, findings=ids,
            ))  # fmt: skip
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


def finding_events(results: list[tuple[Path, DrillResult]]) -> dict[str, list[FindingEvent]]:
    """Per scenario, each root cause seen in its runs: first and last seen, and when it was closed
    (the first later run without it; "" when the latest run still has it). A cause that comes back
    after being closed starts a new event."""
    runs: dict[str, list[DrillResult]] = {}
    notes: dict[str, str] = {}  # finding -> its latest annotation, the bundles in start order
    for bundle, r in results:
        runs.setdefault(r.scenario_name, []).append(r)
        notes.update(_annotated(bundle))
    out: dict[str, list[FindingEvent]] = {}
    for scenario, rs in runs.items():
        open_: dict[str, FindingEvent] = {}
        judges: dict[str, tuple[str, ...]] = {}  # finding -> the verdicts that showed it
        events: list[FindingEvent] = []
        for r in rs:
            causes = [c for c in root_causes(r) if c.status == "fail"]
            present = {c.id: c.title for c in causes}
            judges.update({c.id: c.verdicts for c in causes})
            passed = {v.name for v in r.verdicts if v.status == "pass"}
            for fid, ev in list(open_.items()):
                # closed only by a run that judged it again and passed every verdict that showed it: a
                # run that broke, was interrupted or could not judge says nothing about it
                if fid not in present and r.status in ("passed", "failed") and set(judges[fid]) <= passed:
                    events.append(replace(ev, closed=r.started_utc))
                    del open_[fid]
            for fid, title in present.items():
                seen = open_.get(fid)
                open_[fid] = (replace(seen, last_seen=r.started_utc) if seen is not None
                              else FindingEvent(fid, title, r.started_utc, r.started_utc, ""))  # fmt: skip
        out[scenario] = sorted([replace(e, remediation=notes.get(e.id, "")) for e in [*events, *open_.values()]],
                               key=lambda e: e.first_seen)  # fmt: skip
    return out


def _annotated(bundle: Path) -> dict[str, str]:
    """Each annotated finding of ``bundle`` in one phrase; {} when it has no (readable) annotations."""
    from drills.report.annotations import load

    try:
        found = load(bundle).findings
    except UsageError:
        return {}
    return {fid: ", ".join(x for x in (n.status, f"owner {n.owner}" if n.owner else "",
                                      f"due {n.due}" if n.due else "") if x)
            for fid, n in found.items()}  # fmt: skip


_AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$")


def parse_age(text: str) -> timedelta:
    """``36h``, ``7d``, ``2w`` -> a timedelta; UsageError otherwise."""
    m = _AGE.match(text)
    if not m or float(m.group(1)) <= 0:
        raise UsageError(f"--max-age {text!r}: a positive number of hours, days or weeks (36h, 7d, 2w)")
    return timedelta(hours=float(m.group(1)) * {"h": 1, "d": 24, "w": 168}[m.group(2)])


def stale(results: list[tuple[Path, DrillResult]], max_age: timedelta, now: datetime) -> list[str]:
    """One sentence per scenario whose last passing run (exit code 0) started more than ``max_age``
    before ``now``, or that never passed."""
    last: dict[str, datetime | None] = {}
    for _, r in results:
        last.setdefault(r.scenario_name, None)
        started = parse_utc(r.started_utc)
        if r.exit_code() == 0 and started is not None:
            seen = last[r.scenario_name]
            last[r.scenario_name] = started if seen is None or started > seen else seen
    out = []
    for scenario, when in sorted(last.items()):
        if when is None:
            out.append(f"{scenario}: no passing run in the history")
        elif now - when > max_age:
            days = (now - when).total_seconds() / 86400
            out.append(f"{scenario}: last passing run {when:%Y-%m-%d %H:%M} UTC, {days:.1f} days ago "
                       f"(older than {max_age.total_seconds() / 86400:g} days)")
    return out
