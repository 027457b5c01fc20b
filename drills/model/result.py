"""The drill result: scenario + timeline + verdicts + environment.

It is the only input of every report (terminal table, JSON, JUnit, HTML,
Markdown), and it round-trips through JSON so reports can be regenerated
offline from a saved bundle.

Statuses:
    Verdict.status      pass | fail | unknown   (unknown: not enough data, or the check crashed)
    DrillResult.status  passed | failed | aborted | error | interrupted | killed
        passed   every verdict passed
        failed   at least one verdict failed (or is unknown)
        aborted  an abort condition fired; faults were healed early; verdicts still computed
        error    the environment broke (bring-up, fault injection, teardown); see ``error``;
                 or the drill could not measure what it claims: a verdict ``about`` the drill
                 itself failed (probes sampled below 90% of their declared rate)
    DrillResult.expectation   the judgement against the scenario's ``expect:`` (None without one):
                 confirmed | unexpected (see :mod:`drills.model.expectation`); the status stays
                 what the system did (a confirmed known-bad drill is still ``failed``)

Exit code (:meth:`DrillResult.exit_code`, the one place it is decided): 0 passed, or failed
exactly as declared (expectation confirmed); 1 failed, aborted, or an expectation not confirmed
(also when the drill passed); 3 error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from drills.errors import EXIT_CHECK_FAILED, EXIT_ENVIRONMENT, EXIT_INTERRUPTED, EXIT_OK
from drills.model.durations import format_duration
from drills.model.expectation import Judgement

__all__ = [
    "RESULT_FORMAT",
    "DrillResult",
    "PhaseSpan",
    "RunStatus",
    "Verdict",
    "VerdictStatus",
    "format_value",
    "phase_spans",
]

VerdictStatus = Literal["pass", "fail", "unknown"]
RESULT_FORMAT = 1  # result.json's layout version (its JSON Schema: drills.report.schemas); none = 1
_CMP = {">=": "≥", "<=": "≤", "==": "=", ">": ">", "<": "<"}


def format_interval(lo: float, hi: float, unit: str) -> str:
    """The interval a measured value lies in: ``[9.23s, 9.47s]``."""
    return f"[{format_value(lo, unit)}, {format_value(hi, unit)}]"


def format_value(value: float | None, unit: str) -> str:
    """A verdict's number in its unit: ``0.915`` ratio -> ``91.5%``, ``7.25`` s -> ``7.25s``."""
    if value is None:
        return "—"
    if unit == "ratio":
        pct = f"{value * 100:.2f}".rstrip("0").rstrip(".")
        return f"{pct}%"
    if unit == "s":
        return format_duration(value)
    if unit == "count":
        return f"{value:g}"
    return f"{value:g} {unit}".strip()
RunStatus = Literal["passed", "failed", "aborted", "error", "interrupted", "killed"]
# the run stopped before it could be judged whole; ``DrillResult.error`` says why:
#   aborted      an abort rule fired (healed early, judged)
#   error        the environment or the drill's own measurement broke
#   interrupted  SIGINT or SIGTERM: the run was abandoned (stack removed, no heal awaited);
#                the verdicts are those its partial timeline supports
#   killed       the runner died (SIGKILL, power loss); a later ``drill`` command finalised the
#                bundle from the saved timeline (drills/report/finalise.py)
ENDED_EARLY: frozenset[str] = frozenset({"aborted", "error", "interrupted", "killed"})


@dataclass(frozen=True)
class Verdict:
    """One check's judgement, with its numbers.

    ``target`` and ``measured`` are in ``unit`` ("s", "ratio", "count");
    ``bound`` is the measurement's resolution (e.g. the probe period for RTO).
    """

    check: str  # availability | max_outage | rto_first | rto_stable | rpo | duplicates | split_brain | dualization
    capability: str  # capability judged, or "*" for the whole system
    status: VerdictStatus
    message: str  # one plain sentence with target and measured value
    target: float | None = None
    measured: float | None = None
    unit: str = ""
    bound: float | None = None
    comparison: str = ""  # ">=", "<=", "==" : how measured is compared to target
    details: dict[str, Any] = field(default_factory=dict)
    about: Literal["system", "drill"] = "system"  # drill: it judges the measurement, not the system

    @property
    def name(self) -> str:
        return f"{self.check}[{self.capability}]"

    @property
    def subject(self) -> str:
        """What was judged, in words: the capability or stream, or "the whole system" for ``*``."""
        return "the whole system" if self.capability == "*" else self.capability

    def uncertainty_text(self) -> str:
        """How precisely ``measured`` is known: ``[9.23s, 9.47s]`` when the check recorded the interval
        the true value lies in (``details["interval"]``), else ``±100ms`` from ``bound``, else ""."""
        iv = self.details.get("interval")
        if isinstance(iv, (list, tuple)) and len(iv) == 2 and all(isinstance(x, (int, float)) for x in iv):
            return format_interval(iv[0], iv[1], self.unit)
        if self.bound is None:
            return ""
        return f"±{format_value(self.bound, self.unit if self.unit != 'ratio' else '')}"

    def target_text(self, ascii_only: bool = False) -> str:
        """``≥ 90%``, ``≤ 20s``: the target with its comparison (``>=`` with ``ascii_only``)."""
        if self.target is None:
            return "—"
        cmp = self.comparison if ascii_only else _CMP.get(self.comparison, self.comparison)
        return f"{cmp} {format_value(self.target, self.unit)}".strip()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Verdict:
        return cls(**data)


@dataclass(frozen=True)
class PhaseSpan:
    phase: str
    start_utc: str
    end_utc: str
    start_t: float
    end_t: float

    @property
    def duration(self) -> float:
        return self.end_t - self.start_t


def phase_spans(
    starts: Sequence[tuple[str, float]], end_t: float, utc: Callable[[float], str]
) -> tuple[PhaseSpan, ...]:
    """Each phase from its start (``(name, t)``, in order) to the next one's, the last to ``end_t``;
    ``utc`` turns a timeline second into its UTC time."""
    ends = [t for _, t in starts[1:]] + [end_t]
    return tuple(PhaseSpan(name, utc(t), utc(end), t, end) for (name, t), end in zip(starts, ends, strict=True))


@dataclass(frozen=True)
class DrillResult:
    run_id: str
    scenario_name: str
    scenario_path: str
    scenario_digest: str  # sha256 of the scenario file's bytes
    status: RunStatus
    started_utc: str
    ended_utc: str
    verdicts: tuple[Verdict, ...] = ()
    phases: tuple[PhaseSpan, ...] = ()
    environment: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)  # the targets the checks used
    timeline_file: str = "timeline.jsonl"  # relative to the bundle directory
    error: str = ""  # one line, when the run ended early (ENDED_EARLY)
    description: str = ""
    expectation: Judgement | None = None  # the run against the scenario's expect: (None: it must pass)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def as_declared(self) -> bool:
        """The drill failed exactly as its scenario declares (a confirmed expected failure)."""
        return self.expectation is not None and self.expectation.confirmed and self.status == "failed"

    def exit_code(self) -> int:
        """0 passed (no expect:) or failed as declared; 1 a check failed, aborted, or not as declared; 3 error
        (and killed); 130 interrupted (the CLI says 143 when the signal was SIGTERM)."""
        if self.status in ("error", "killed"):
            return EXIT_ENVIRONMENT
        if self.status == "interrupted":
            return EXIT_INTERRUPTED
        if self.expectation is not None:
            return EXIT_OK if self.as_declared else EXIT_CHECK_FAILED
        return EXIT_OK if self.status == "passed" else EXIT_CHECK_FAILED

    def failed_verdicts(self) -> list[Verdict]:
        return [v for v in self.verdicts if v.status != "pass"]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["verdicts"] = [v.to_dict() for v in self.verdicts]
        data["phases"] = [asdict(p) for p in self.phases]
        data["expectation"] = self.expectation.to_dict() if self.expectation is not None else None
        data["format"] = RESULT_FORMAT
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DrillResult:
        data = dict(data)
        fmt = data.pop("format", 1)
        if not isinstance(fmt, int) or fmt > RESULT_FORMAT:
            raise ValueError(f"result.json format {fmt!r} is newer than this drills reads ({RESULT_FORMAT}): "
                             "upgrade drills")
        data["verdicts"] = tuple(Verdict.from_dict(v) for v in data.get("verdicts", ()))
        data["phases"] = tuple(PhaseSpan(**p) for p in data.get("phases", ()))
        expectation = data.get("expectation")
        data["expectation"] = Judgement.from_dict(expectation) if expectation else None
        return cls(**data)


def overall_status(verdicts: list[Verdict] | tuple[Verdict, ...]) -> RunStatus:
    """passed only when every verdict passed (an unknown verdict is not a pass); error when a
    verdict about the drill's own measurement failed: its other verdicts cannot be trusted."""
    if any(v.about == "drill" and v.status == "fail" for v in verdicts):
        return "error"
    return "passed" if verdicts and all(v.status == "pass" for v in verdicts) else "failed"
