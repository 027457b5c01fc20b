"""Findings grouped by root cause, each with a stable ID and a suggested fix.

A drill that loses devtools with site a fails five verdicts (availability, max_outage, rto_first,
rto_stable, failover) for one defect; listing five findings hides that, and nothing tracks the
defect from one night to the next. So the verdicts that did not pass are grouped:

    lint       each dualization finding is a root cause of its own (rule, capability, component,
               path); the run-time verdicts of that capability that did not pass are what it
               caused, listed under its first finding
    outage     otherwise, a capability's availability / RTO / failover / per-site / steady-state
               verdicts are one cause: it did not stay up through the scenario's faults
    data       rpo, duplicates, split_brain: one cause per check and stream
    way back   rejoin, failback, activation: one cause per check and subject
    drill      verdicts about the drill's own measurement (sampling rate): one per capability
    other      any other check: one per check and capability

    root_causes(result) -> [RootCause]   failing ones first, then the unknown ones

A RootCause's ``id`` (``DR-`` + 8 hex digits) is a digest of what identifies the defect, not of
the run: the same lint finding (rule, capability, component, path), or the same kind of failure of
the same capability in the same scenario, gets the same ID in every run, so history can say when
it first appeared and when it was closed. Measured numbers never enter it. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from drills.lint.catalogue import FIXES
from drills.model.result import DrillResult, Verdict

__all__ = ["RootCause", "finding_id", "root_causes"]

_OUTAGE = ("availability", "max_outage", "rto_first", "rto_stable", "failover", "per_site", "surviving_sites")
_DATA = ("rpo", "duplicates", "split_brain")
_WAY_BACK = ("rejoin", "failback", "activation")

_FIX = {
    "outage": "make {cap} survive the loss of a site: an instance in every site that the entry point "
              "health-checks and fails over to, and clients that retry; the timeline shows when it came back, "
              "or that it did not",
    "rpo": "acknowledge a write only once another site holds it (synchronous replication), or set an RPO "
           "target above 0 knowingly",
    "duplicates": "make writes idempotent: the client's id unique in the store, a retry returning the first "
                  "answer",
    "split_brain": "fence the old primary: a consensus with a witness outside both sites, and a primary that "
                   "stops accepting writes when it loses the majority",
    "rejoin": "make the restored site rejoin by itself: its datastore node follows the new primary "
              "(pg_rewind or a fresh copy) and its services turn healthy",
    "failback": "make the way back work from the surviving site: the action's tool, credentials and path must "
                "not depend on the site that was lost",
    "activation": "make the activation work from the surviving site: the action's tool, credentials and path "
                  "must not depend on the site that was lost",
    "steady": "make {cap} healthy before drilling it: the stack came up, but {cap} did not answer steadily "
              "(see the steady phase in the timeline)",
    "drill": "the drill could not sample at its declared rate: run it on a less loaded machine, or lower the "
             "probe rate; no other verdict of this run can be trusted",
    "other": "see the check's message and the timeline",
    "unknown": "nothing was proven either way: give the check what its message says was missing (samples in "
               "its window, a write load, a recorded identity) and run the drill again",
}  # fmt: skip


@dataclass(frozen=True)
class RootCause:
    id: str  # DR-xxxxxxxx, stable across runs (see the module docstring)
    kind: str  # a lint rule name, outage, rpo, duplicates, split_brain, rejoin, failback, activation, drill, other
    capability: str  # or "*" (the whole system)
    title: str  # one line: the defect
    fix: str  # the suggested fix, one line
    status: str  # fail | unknown
    verdicts: tuple[str, ...]  # the verdicts it explains, e.g. ("dualization[devtools]", "availability[devtools]")
    expected: bool = False  # every verdict it explains is a failure the scenario declares (a confirmed run)


def _no_lines(path: str) -> str:
    """A dependency path without line numbers (``haproxy.cfg:12`` -> ``haproxy.cfg``): editing a file
    above the finding moves its line, not the defect."""
    return re.sub(r":\d+\b", "", path)


def finding_id(*parts: str) -> str:
    """``DR-`` + the first 8 hex digits of sha256 over ``parts`` (joined with NUL)."""
    return "DR-" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:8]


def _family(check: str) -> str:
    if check in _OUTAGE:
        return "outage"
    if check == "steady_state":  # not up before any fault: another defect than not surviving one
        return "steady"
    if check in _DATA or check in _WAY_BACK:
        return check
    return "other"


def _declared(result: DrillResult, names: list[str]) -> bool:
    exp = result.expectation
    if exp is None or not result.as_declared:
        return False
    by_name = {v.name: v for v in result.verdicts}
    return all(exp.expected.declares(by_name[n].check, by_name[n].capability) for n in names if n in by_name)


def _lint_causes(result: DrillResult, v: Verdict) -> list[RootCause]:
    found = v.details.get("found")
    items = [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []
    if not items:  # an older result: the sentence is all there is
        items = [{"rule": "dualization", "message": v.message, "path": "", "component": ""}]
    out = []
    for f in items:
        rule, message, path = str(f.get("rule", "")), str(f.get("message", "")), str(f.get("path", ""))
        title = f"{message} (path: {path})" if path else message
        out.append(RootCause(
            id=finding_id("lint", rule, v.capability, str(f.get("component", "")), _no_lines(path)),
            kind=rule, capability=v.capability, title=title,
            fix=FIXES.get(rule, "see the dualization lint's finding (docs/lint.md)"),
            status=v.status, verdicts=(v.name,),
        ))  # fmt: skip
    return out


def _title(kind: str, cap: str, status: str, checks: list[str]) -> str:
    if status == "unknown":
        return f"{'the system' if cap == '*' else cap}: {', '.join(checks)} could not be judged (not enough data)"
    words = {
        "outage": f"{cap} did not stay available through the scenario's faults ({', '.join(checks)} failed)",
        "steady": f"{cap} was not up before any fault was injected (steady state not reached)",
        "rpo": f"acknowledged writes of {cap} were lost",
        "duplicates": f"writes of {cap} were applied more than once",
        "split_brain": f"two primaries accepted writes of {cap} (split brain)",
        "rejoin": f"site {cap} did not rejoin after its restore",
        "failback": f"the failback ({cap}) did not work",
        "activation": f"the activation ({cap}) did not work",
        "drill": f"the drill did not sample {cap} at its declared rate",
    }
    return words.get(kind, f"{cap}: {', '.join(checks)} failed")


def root_causes(result: DrillResult) -> list[RootCause]:
    """The verdicts that did not pass, grouped by root cause (see the module docstring)."""
    failing = [v for v in result.verdicts if v.status != "pass"]
    causes: list[RootCause] = []
    lint_of: dict[str, int] = {}  # capability -> index of its first lint cause
    for v in failing:
        if v.check == "dualization":
            for c in _lint_causes(result, v):
                lint_of.setdefault(c.capability, len(causes))
                causes.append(c)
    groups: dict[tuple[str, str, str], list[Verdict]] = {}
    for v in failing:
        if v.check == "dualization":
            continue
        if v.status == "fail" and v.about == "system" and v.capability in lint_of:
            i = lint_of[v.capability]
            causes[i] = _with(causes[i], v.name)
            continue
        kind = "drill" if v.about == "drill" else _family(v.check)
        key = (kind if kind != "other" else f"other:{v.check}", v.capability, v.status)
        groups.setdefault(key, []).append(v)
    for (kind_key, cap, status), vs in groups.items():
        kind = kind_key.split(":", 1)[0]
        checks = [v.check for v in vs]
        causes.append(RootCause(
            id=finding_id(kind_key, cap, status, result.scenario_name),
            kind=kind, capability=cap, title=_title(kind, cap, status, checks),
            fix=_FIX["unknown"] if status == "unknown" else _FIX.get(kind, _FIX["other"]).format(cap=cap),
            status=status, verdicts=tuple(v.name for v in vs),
        ))  # fmt: skip
    causes = [_expected(result, c) for c in causes]
    return sorted(causes, key=lambda c: (c.status != "fail", c.expected))


def _with(cause: RootCause, verdict: str) -> RootCause:
    return RootCause(cause.id, cause.kind, cause.capability, cause.title, cause.fix, cause.status,
                     (*cause.verdicts, verdict), cause.expected)  # fmt: skip


def _expected(result: DrillResult, cause: RootCause) -> RootCause:
    if not _declared(result, list(cause.verdicts)):
        return cause
    return RootCause(cause.id, cause.kind, cause.capability, cause.title, cause.fix, cause.status, cause.verdicts,
                     True)  # fmt: skip
