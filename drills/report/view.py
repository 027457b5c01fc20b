"""What every report format shares: numbers with units, UTC times, findings in plain words.

    fmt_value(v, unit)        0.995,"ratio" -> "99.5%";  4.2,"s" -> "4.2s";  3,"count" -> "3"
    status_word(result)       "FAILED"; "EXPECTED FAILURE CONFIRMED" / "FAILED (NOT AS DECLARED)" with expect:
    status_class(result)      passed | failed | aborted | error | interrupted | killed | confirmed (a confirmed
                              expected failure)
    expectation_text(result)  the sentence about the scenario's expect: ("" without one)
    expected_failure(r, v)    the verdict failed and its scenario declares that it must
    fmt_target(verdict)       ">= 99.9%"  (comparison + target)
    fmt_bound(verdict)        "±1s" (resolution of the measurement), or ""
    Clock(t0_utc).at(t)       timeline seconds -> "2026-11-28 20:00:12.3 UTC"
    findings(result)          one Finding per verdict that did not pass, in words
    scope_sentence(result)    what the drill ran against, in one sentence (a replica, not production)
    objectives(result)        per capability: availability, RTO, RPO, target -> measured (the first screen)
    failing_first(result)     the verdicts, those that did not pass first (declared ones after the others)
    CONTROLS                  (control, what the report evidences for it): the cover's mapping
    template_env()            the Jinja environment of the HTML pages (templates/, autoescaped)

Reports are readers: the numbers come from the verdicts, the words only rephrase them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from drills.checks import REGISTRY, check_of_verdict
from drills.model.durations import format_duration
from drills.model.result import DrillResult, Verdict, format_value

__all__ = [
    "CHECK_LABEL",
    "CONTROLS",
    "STATUS_WORD",
    "Clock",
    "Finding",
    "Objective",
    "expectation_text",
    "expected_failure",
    "failing_first",
    "findings",
    "flatten",
    "fmt_bound",
    "fmt_target",
    "fmt_utc",
    "fmt_value",
    "objectives",
    "parse_utc",
    "run_duration",
    "scope_sentence",
    "status_class",
    "status_word",
    "template_env",
]

STATUS_WORD = {"passed": "PASSED", "failed": "FAILED", "aborted": "ABORTED", "error": "ERROR",
               "interrupted": "INTERRUPTED", "killed": "KILLED"}
ENDED_WORD = {"error": "The run broke", "aborted": "The drill was aborted", "interrupted": "The run was interrupted",
              "killed": "The runner was killed"}
CHECK_LABEL = {v: label for c in REGISTRY.values() for v, label in c.labels.items()}  # verdict check -> label
fmt_value = format_value
CONFIRMED_WORD = "EXPECTED FAILURE CONFIRMED"


def status_word(result: DrillResult) -> str:
    """The run's status in one word or phrase; with ``expect:``, whether it behaved as declared."""
    word = STATUS_WORD.get(result.status, result.status.upper())
    if result.expectation is None:
        return word
    return CONFIRMED_WORD if result.as_declared else f"{word} (NOT AS DECLARED)"


def status_class(result: DrillResult) -> str:
    """The colour class of the run's status: a confirmed expected failure is not a failure, a known-bad
    drill that passed (or failed differently) is one."""
    if result.expectation is None:
        return result.status
    if result.as_declared:
        return "confirmed"
    return "failed" if result.status == "passed" else result.status


def expectation_text(result: DrillResult) -> str:
    """What the report says about the scenario's ``expect:`` (one sentence; "" without one)."""
    exp = result.expectation
    if exp is None:
        return ""
    declared = f"the scenario declares that this drill fails on {exp.expected.names()}"
    if result.as_declared:
        return (f"Expected failure confirmed: {declared}, and it failed exactly so (every verdict judged, no other "
                "failing). The findings below are the known mistake it reproduces.")  # fmt: skip
    return f"Not as declared: {declared}, but {exp.reason}."


def expected_failure(result: DrillResult, v: Verdict) -> bool:
    """``v`` failed, and the scenario declares that it must (whatever the run's outcome)."""
    return result.expectation is not None and v.status == "fail" and result.expectation.expected.declares(
        v.check, v.capability)  # fmt: skip


def fmt_target(v: Verdict, ascii_only: bool = False) -> str:
    return v.target_text(ascii_only)


def fmt_bound(v: Verdict) -> str:
    return v.uncertainty_text()


def parse_utc(text: str) -> datetime | None:
    if not text:
        return None
    try:
        dt = datetime.fromisoformat(text)  # Python 3.11+ reads a trailing Z as UTC
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def fmt_utc(value: str | datetime | None, precise: bool = False) -> str:
    dt = parse_utc(value) if isinstance(value, str) else value
    if dt is None:
        return str(value or "—")
    dt = dt.astimezone(UTC)
    text = dt.strftime("%Y-%m-%d %H:%M:%S")
    if precise:
        text += f".{dt.microsecond // 100000}"
    return text + " UTC"


def run_duration(result: DrillResult) -> str:
    start, end = parse_utc(result.started_utc), parse_utc(result.ended_utc)
    if start is None or end is None:
        return "—"
    return format_duration(max(0.0, (end - start).total_seconds()))


@dataclass(frozen=True)
class Clock:
    """Converts timeline seconds (monotonic, since t0) to UTC for display only."""

    t0: datetime | None

    @classmethod
    def of(cls, t0_utc: str | None, fallback: str = "") -> Clock:
        return cls(parse_utc(t0_utc or "") or parse_utc(fallback))

    def at(self, t: float) -> str:
        if self.t0 is None:
            return f"t={t:.1f}s"
        return fmt_utc(self.t0 + timedelta(seconds=t), precise=True)


@dataclass(frozen=True)
class Finding:
    capability: str
    check: str
    status: str  # fail | unknown
    text: str


def _dualization_cause(result: DrillResult, cap: str) -> str:
    """Every dualization finding of ``cap`` (and of the whole system), each with its dependency path."""
    found = [str(f) for v in result.verdicts
             if v.check == "dualization" and v.status == "fail" and v.capability in (cap, "*")
             for f in (v.details.get("findings") or [v.message])]  # fmt: skip
    return f"the dualization lint found that {'; and that '.join(found)}" if found else ""


def _headline(v: Verdict) -> str:
    """The plain-words headline of a verdict that did not pass: its check's own finding."""
    label = CHECK_LABEL.get(v.check, v.check)
    if v.status == "unknown":
        return f"{label} of {v.subject} could not be judged"
    check = check_of_verdict(v.check)
    if check is not None and check.finding is not None:
        return check.finding(v)
    return f"{label} of {v.subject} failed"


def observed(result: DrillResult, names: tuple[str, ...]) -> list[str]:
    """What each verdict of a root cause showed, in words (its check's own finding); the dualization
    verdict itself is the cause's title, so it is left out."""
    by_name = {v.name: v for v in result.verdicts}
    return [_headline(by_name[n]) for n in names if n in by_name and by_name[n].check != "dualization"]


def findings(result: DrillResult) -> list[Finding]:
    """Plain-words findings: one per verdict that did not pass, with its cause when known."""
    out: list[Finding] = []
    for v in result.verdicts:
        if v.status == "pass":
            continue
        head = _headline(v)
        if v.check == "dualization":
            text = head if v.details.get("findings") else f"{head}: {v.message}"
        else:
            cause = _dualization_cause(result, v.capability) or v.message
            text = f"{head}: {cause}"
        out.append(Finding(v.capability, v.check, v.status, text))
    if result.status in ENDED_WORD and result.error:
        out.insert(0, Finding("*", "run", result.status, f"{ENDED_WORD[result.status]}: {result.error}"))
    if result.expectation is not None and not result.as_declared:
        out.insert(0, Finding("*", "expect", "fail", f"Not as its scenario declares: {result.expectation.reason}"))
    return out


CONTROLS: tuple[tuple[str, str], ...] = (
    ("ISO 22301:2019 clause 8.5 (exercise programme)",
     "a recovery exercise with its objectives, the results measured against them, and its findings"),
    ("SOC 2 (TSC 2017) A1.3 (recovery plan testing)",
     "the recovery procedures tested; recovery time and data loss measured against their targets"),
    ("DORA (EU 2022/2554) Art. 11 (response and recovery)",
     "ICT business continuity exercised: recovery time and recovery point achieved vs objectives"),
    ("DORA Art. 24-26 (digital operational resilience testing)",
     "a scenario-based test of a site loss, its results, findings and their remediation"),
)  # docs/reports.md, "For an auditor", holds the same table (a unit test keeps them equal)


def scope_sentence(result: DrillResult) -> str:
    """What this drill ran against, so nobody reads a replica's result as production's."""
    host = result.environment.get("host")
    name = host.get("hostname") if isinstance(host, dict) else None
    where = f"one Docker host ({name})" if name else "one Docker host"
    return (f"Scope: a containerised replica of the system on {where}, not production. A site's power cut kills "
            "every container of that site at once and cuts its network links (Toxiproxy); what it proves holds "
            "for the replica's topology and settings.")  # fmt: skip


@dataclass(frozen=True)
class Cell:
    """One objective, target -> measured worst: ``text`` "≤ 15s → 6.8s", ``status`` pass | fail | unknown."""

    text: str
    status: str


@dataclass(frozen=True)
class Objective:
    capability: str
    status: str  # pass | fail | unknown | expected (every failure of it declared, the run as declared)
    availability: Cell | None
    rto: Cell | None
    rpo: Cell | None


_WORST = {"fail": 2, "unknown": 1, "pass": 0}


def _cell(verdicts: list[Verdict], higher_is_worse: bool = True) -> Cell | None:
    """The worst of ``verdicts`` (one objective measured by one or more checks) as target -> measured:
    the worst status, and among equals the worst number (the longest RTO, the lowest availability)."""
    if not verdicts:
        return None

    def badness(v: Verdict) -> tuple[int, float]:
        number = v.measured if v.measured is not None else float("inf")
        return _WORST.get(v.status, 1), number if higher_is_worse else -number

    worst = max(verdicts, key=badness)
    if worst.measured is not None:
        measured = format_value(worst.measured, worst.unit)
    else:  # an RTO that failed without a number never recovered; anything else could not be measured
        measured = "not recovered" if worst.status == "fail" and worst.check.startswith("rto") else "not measured"
    return Cell(f"{worst.target_text()} → {measured}", worst.status)


def objectives(result: DrillResult) -> list[Objective]:
    """Per capability (in the verdicts' order): availability, RTO (the worse of rto_first and rto_stable)
    and RPO (the write stream named after it), each target -> measured worst; and the capability's status:
    the worst of all its verdicts, ``expected`` when each failure is one the scenario declares."""
    caps = list(dict.fromkeys(v.capability for v in result.verdicts if v.capability != "*" and v.check != "rpo"))
    out = []
    for cap in caps:
        mine = [v for v in result.verdicts if v.capability == cap]
        failing = [v for v in mine if v.status != "pass"]
        if not failing:
            status = "pass"
        elif result.as_declared and all(expected_failure(result, v) for v in failing):
            status = "expected"
        else:
            status = max((v.status for v in failing), key=lambda s: _WORST.get(s, 1))
        out.append(Objective(
            cap, status,
            _cell([v for v in mine if v.check == "availability"], higher_is_worse=False),
            _cell([v for v in mine if v.check in ("rto_first", "rto_stable")]),
            _cell([v for v in result.verdicts if v.check == "rpo" and v.capability == cap]),
        ))  # fmt: skip
    return out


def failing_first(result: DrillResult) -> list[Verdict]:
    """The verdicts, stable within each group: failed, unknown, failed as declared, passed."""

    def rank(v: Verdict) -> int:
        if v.status == "pass":
            return 3
        if expected_failure(result, v):
            return 2
        return 0 if v.status == "fail" else 1

    return sorted(result.verdicts, key=rank)


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists -> sorted ``(dotted.key, value)`` rows for a facts table."""
    rows: list[tuple[str, str]] = []
    if isinstance(data, dict):
        for k in sorted(data, key=str):
            rows.extend(flatten(data[k], f"{prefix}.{k}" if prefix else str(k)))
    elif isinstance(data, (list, tuple)) and data and any(isinstance(x, (dict, list)) for x in data):
        for i, item in enumerate(data):
            rows.extend(flatten(item, f"{prefix}[{i}]"))
    else:
        if isinstance(data, (list, tuple)):
            data = ", ".join(str(x) for x in data)
        rows.append((prefix or "value", "" if data is None else str(data)))
    return rows


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """The templates of the HTML report and the history page: autoescaped, strict about names."""
    return Environment(
        loader=PackageLoader("drills.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
