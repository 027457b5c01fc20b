"""What ``drill verify`` checks beyond the manifest: the bundle's claims agree with its evidence.

A manifest proves the files are the ones it lists, not that they tell the truth: anyone who can
edit result.json can regenerate SHA256SUMS. So the claims are checked against what they rest on:

    status        result.json's ``status`` is what its own verdicts give (``overall_status``): a
                  ``passed`` over a failing verdict is rejected, whatever the manifest says. A run
                  that ended early (aborted, error, interrupted, killed) may claim less than its
                  verdicts, never more: such a status is accepted, a ``passed`` is not.
    expectation   the recorded judgement (confirmed / unexpected) is what judging the recorded
                  verdicts against the recorded ``expect:`` gives.
    verdicts      re-judged from timeline.jsonl and scenario.yaml by this drills (the check engine of
                  :mod:`drills.report.recompute`): every verdict's status, target and measured value
                  equal result.json's, none added or missing, and the scenario's ``expect:`` is the
                  one recorded. The dualization lint's verdicts come from the compose topology, not
                  the timeline: they are kept as recorded. When the scenario cannot be rebuilt here
                  (its compose file is not beside it), the verdicts are not re-judged and the report
                  says so: ``Consistency.rejudged`` is False, with the reason.

Forging the timeline and result.json together, consistently, passes all of this: only a signature
(:mod:`drills.report.signing`) ties a bundle to who made it.

    consistency(bundle) -> Consistency(problems, rejudged, note)
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from drills import __version__
from drills.model.expectation import judge
from drills.model.result import ENDED_EARLY, DrillResult, Verdict, overall_status

__all__ = ["Consistency", "claim_problems", "consistency"]

_TOLERANCE = 1e-6  # a measured value read back from JSON and recomputed: the same float, give or take


@dataclass(frozen=True)
class Consistency:
    problems: tuple[str, ...]  # one sentence each; () when every claim agrees with the evidence
    rejudged: bool  # the verdicts were recomputed from the timeline (else see note)
    note: str = ""
    differences: tuple[str, ...] = ()  # re-judged differently by another drills version than the one that
    # judged the run (a check may have changed since): shown, not counted as problems


def _load_result(bundle: Path) -> DrillResult | str:
    """The bundle's result, or why it cannot be one: unreadable JSON, or a document that does not match
    result.json's schema (a string where a verdict belongs, a number spelt as text ...)."""
    from jsonschema import Draft202012Validator

    from drills.report.schemas import result_schema

    try:
        data = json.loads((bundle / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"unreadable: result.json ({type(exc).__name__}: {exc})"
    error = next(iter(Draft202012Validator(result_schema()).iter_errors(data)), None)
    if error is not None:
        where = "/".join(str(x) for x in error.absolute_path) or "the document"
        return f"unreadable: result.json does not match its schema at {where}: {error.message[:200]}"
    try:
        return DrillResult.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        return f"unreadable: result.json ({type(exc).__name__}: {exc})"


def _status_problems(result: DrillResult) -> list[str]:
    implied = overall_status(result.verdicts)
    if result.status in ENDED_EARLY or result.status == implied:
        return []
    failing = [v.name for v in result.verdicts if v.status != "pass"]
    why = f"{', '.join(failing[:6])}{' ...' if len(failing) > 6 else ''} did not pass" if failing else "no verdict"
    return [f"forged status: result.json says {result.status}, its verdicts say {implied} ({why})"]


def _expectation_problems(result: DrillResult) -> list[str]:
    recorded = result.expectation
    if recorded is None:
        return []
    again = judge(recorded.expected, result.verdicts, result.status, result.error)
    if again.outcome != recorded.outcome:
        return [(f"forged expectation: result.json says the declared failure was {recorded.outcome}, "
                 f"its verdicts say {again.outcome} ({again.reason})")]
    return []


def claim_problems(result: DrillResult) -> list[str]:
    """The checks that need nothing but result.json: its status and its expectation follow from its verdicts."""
    return _status_problems(result) + _expectation_problems(result)


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return a == b or (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= _TOLERANCE * max(1.0, abs(a)))


def _verdict_problems(recorded: tuple[Verdict, ...], fresh: tuple[Verdict, ...], by: str) -> list[str]:
    mine = {v.name: v for v in fresh}
    theirs = {v.name: v for v in recorded}
    out = []
    for name, v in theirs.items():
        f = mine.get(name)
        if f is None:
            out.append(f"not in the evidence: {name} is in result.json but the timeline gives no such verdict")
            continue
        diffs = [f"status {v.status} (re-judged: {f.status})"] if v.status != f.status else []
        diffs += [f"measured {v.measured} (re-judged: {f.measured})"] if not _same(v.measured, f.measured) else []
        diffs += [f"target {v.target} (re-judged: {f.target})"] if not _same(v.target, f.target) else []
        if diffs:
            out.append(f"differs from the evidence: {name} has {'; '.join(diffs)}{by}")
    out += [f"left out: {name} ({mine[name].status}) follows from the timeline but is not in result.json{by}"
            for name in mine if name not in theirs]
    return out


def consistency(bundle: Path) -> Consistency:
    """Check the bundle's claims against its evidence (see the module docstring)."""
    from drills.report.recompute import recompute_verdicts

    result = _load_result(bundle)
    if isinstance(result, str):
        return Consistency((result,), rejudged=False, note="result.json could not be read")
    problems = claim_problems(result)
    again = recompute_verdicts(bundle, result)
    if again.result is None:
        return Consistency(tuple(problems), rejudged=False, note=again.note)
    ran = str(result.environment.get("drills_version") or _recorded_version(bundle) or "")
    other_version = bool(ran) and ran != __version__
    own_topology = (bundle / "topology").is_dir()
    by = (f" (judged by drills {ran}, re-judged by {__version__}: a check may have changed)" if other_version
          else "" if own_topology else " (re-judged against this checkout, as the bundle keeps no topology/: "
          "verify in a checkout of the commit environment.json names)")
    found = _verdict_problems(result.verdicts, again.result.verdicts, by)
    fresh_exp, recorded_exp = again.result.expectation, result.expectation
    if (fresh_exp is None) != (recorded_exp is None) or (
        fresh_exp is not None and recorded_exp is not None and fresh_exp.expected != recorded_exp.expected
    ):
        found.append("differs from the evidence: the expectation in result.json is not the scenario's expect:")
    if other_version:  # another drills judged it: what differs is shown, not counted against the bundle
        return Consistency(tuple(problems), rejudged=True, differences=tuple(found))
    return Consistency(tuple(problems + found), rejudged=True)


def _recorded_version(bundle: Path) -> str | None:
    try:
        env = json.loads((bundle / "environment.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return str(env.get("drills_version")) if isinstance(env, dict) and env.get("drills_version") else None
