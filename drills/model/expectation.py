"""Declared expectations: how a known-bad scenario must fail, and the judgement of a run against it.

Vocabulary
    Expectation     the scenario's ``expect:`` block: the overall status it must end with
                    (``failed``, the only value: a scenario without ``expect:`` must pass) and the
                    verdicts that must fail, each an ExpectedFailure (check, capability).
    ExpectedFailure one verdict, named exactly as the verdict table and result.json name it:
                    ``check`` is a *verdict* name (``rto_first``, ``surviving_sites``), never a
                    check family (``rto``): one declared entry matches one verdict, nothing else.
                    Capability ``*`` stands for every verdict of that check: any of them may
                    fail, and at least one must (``rpo[*]``: acknowledged writes lost on some
                    stream; which streams lose a write at a cut is chance, not the finding).
    Judgement       the outcome of one run against its expectation: ``confirmed`` or
                    ``unexpected``, with a one-line reason and the verdicts that differ.

The rule (one rule, in :func:`judge`):

    confirmed   the run ended ``failed``, no verdict is ``unknown``, and the set of failing
                (check, capability) pairs equals the declared set (a ``check[*]`` entry: the
                failing verdicts of that check, at least one)
    unexpected  anything else: it passed; it failed differently (failing but not declared,
                declared but not failing); a verdict could not be judged (``unknown`` is not
                proven, declared or not); it ended ``aborted`` or ``error``

Lifecycle: built by the scenario loader into ``Scenario.expect``; :func:`judge` runs once when
the result is built (and again when a bundle is recomputed offline); the Judgement is recorded
in ``DrillResult.expectation`` (result.json) and decides the exit code. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

__all__ = ["Expectation", "ExpectedFailure", "Judged", "Judgement", "Outcome", "judge"]

Outcome = Literal["confirmed", "unexpected"]


class Judged(Protocol):
    """What :func:`judge` reads of a verdict (``drills.model.result.Verdict``, which records a Judgement
    in turn: naming it here would make the two modules import each other)."""

    @property
    def name(self) -> str: ...  # check[capability]

    @property
    def status(self) -> str: ...  # pass | fail | unknown


@dataclass(frozen=True)
class ExpectedFailure:
    check: str  # a verdict name: availability, rto_first, failover, rpo, dualization, ...
    capability: str  # the capability (or stream, for rpo / duplicates / split_brain) it judges

    @property
    def name(self) -> str:
        """As ``Verdict.name``: ``rto_first[devtools]``."""
        return f"{self.check}[{self.capability}]"


@dataclass(frozen=True)
class Expectation:
    failing: tuple[ExpectedFailure, ...]
    status: Literal["failed"] = "failed"

    def declares(self, check: str, capability: str) -> bool:
        return ExpectedFailure(check, capability) in self.failing

    def names(self) -> str:
        """``rto_first[devtools], failover[devtools]``, in declared order."""
        return ", ".join(f.name for f in self.failing)

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "failing": [{"check": f.check, "capability": f.capability}
                                                   for f in self.failing]}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Expectation:
        failing = tuple(ExpectedFailure(str(f["check"]), str(f["capability"])) for f in data.get("failing", ()))
        return cls(failing=failing)


@dataclass(frozen=True)
class Judgement:
    expected: Expectation
    outcome: Outcome
    reason: str  # one line
    extra: tuple[str, ...] = ()  # verdicts that failed but were not declared
    missing: tuple[str, ...] = ()  # declared verdicts that did not fail (passed, unknown, or not judged)
    unknown: tuple[str, ...] = ()  # verdicts that could not be judged

    @property
    def confirmed(self) -> bool:
        return self.outcome == "confirmed"

    def to_dict(self) -> dict[str, Any]:
        return {**self.expected.to_dict(), "outcome": self.outcome, "reason": self.reason,
                "extra": list(self.extra), "missing": list(self.missing), "unknown": list(self.unknown)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Judgement:
        outcome: Outcome = "confirmed" if data.get("outcome") == "confirmed" else "unexpected"
        lists = (tuple(str(n) for n in data.get(key, ())) for key in ("extra", "missing", "unknown"))
        return cls(Expectation.from_dict(data), outcome, str(data.get("reason", "")), *lists)


def _check_of(verdict_name: str) -> str:
    return verdict_name.split("[", 1)[0]


def judge(expected: Expectation, verdicts: Sequence[Judged], status: str, error: str = "") -> Judgement:
    """The run (its verdicts and overall status: passed | failed | aborted | error) against what its
    scenario declares; ``error`` is the run's one-line error, quoted when it ended aborted or error."""
    declared = [f.name for f in expected.failing if f.capability != "*"]
    any_of = [f.check for f in expected.failing if f.capability == "*"]
    failing = [v.name for v in verdicts if v.status == "fail"]
    unknown = tuple(v.name for v in verdicts if v.status == "unknown")
    extra = tuple(n for n in failing if n not in declared and _check_of(n) not in any_of)
    failing_checks = {_check_of(n) for n in failing}
    missing = tuple(f.name for f in expected.failing
                    if (f.check not in failing_checks if f.capability == "*" else f.name not in failing))  # fmt: skip

    def unexpected(reason: str) -> Judgement:
        return Judgement(expected, "unexpected", reason, extra, missing, unknown)

    names = expected.names()
    if status == "error":
        return unexpected(f"the run ended as error, so nothing was confirmed: {error or 'see the run error'}")
    if status in ("interrupted", "killed"):
        return unexpected(f"the run was {status} before it could be judged whole: {error or status}")
    if status == "aborted":
        return unexpected(f"the drill aborted ({error or 'an abort rule fired'}) instead of failing on {names}")
    if status == "passed":
        return unexpected(f"the drill passed, but it is declared to fail on {names}")
    if not extra and not missing and not unknown:
        return Judgement(expected, "confirmed", f"failed exactly as declared: {names}")
    judged = {v.name: v.status for v in verdicts}
    word = {"pass": "passed", "unknown": "unknown"}
    parts = [f"failing but not declared: {', '.join(extra)}"] if extra else []
    if missing:
        parts.append("declared but " + ", ".join(
            f"{n} {'none failed' if n.endswith('[*]') else word.get(judged.get(n, ''), 'not judged')}"
            for n in missing))  # fmt: skip
    stray = [n for n in unknown if n not in missing]
    if stray:
        parts.append(f"could not be judged: {', '.join(stray)}")
    return unexpected("failed differently: " + "; ".join(parts))
