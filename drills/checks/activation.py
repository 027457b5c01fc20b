"""activation: did each operator action activate, and in time?

One verdict per action of the scenario (its subject is the action's id), from its ``action``
record in the timeline (drills/engine/actions.py writes it):

    no record                                   -> unknown (the run stopped before it was due)
    never triggered                             -> fail    (its condition never held in time)
    still running when the drill stopped        -> unknown (no outcome to judge)
    failed: its tool unreachable, a wrong       -> fail    (the finding: e.g. the tool lived in
      status, a non-zero exit code                          the site that lost power)
    activation time over its target             -> fail
    otherwise                                   -> pass

Activation time: from the instant the outage the action answers began to the action's end -
the hit (first destructive call) of the fault active when the action started (the most recent
hit, when several are active), else the action's trigger time:

    hit ─────────── triggered ── t ─────────── end
     └─────────────── activation time ──────────┘

Disabled (no verdict) with ``checks: {activation: {enabled: false}}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fault_windows, fmt_d, fmt_t
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus, format_value
from drills.model.schema_parts import boolean, obj
from drills.model.timeline import ActionEvent, Timeline

__all__ = ["ActivationTargets", "check"]


@dataclass(frozen=True)
class ActivationTargets:
    check: ClassVar[str] = "activation"
    enabled: bool = True


SCHEMA = obj(
    "Operator actions: each must trigger, succeed, and (with its own target) activate in time.",
    {"enabled": boolean("Judge every action of the scenario (default true).")},
)


def build(fields: Fields, base: ActivationTargets) -> ActivationTargets:
    return ActivationTargets(enabled=bool(fields.child("activation").get("enabled", base.enabled)))


def _secs(d: float) -> str:
    return f"{d:.1f}s"


def reference(timeline: Timeline, rec: ActionEvent) -> tuple[float, str, str, str]:
    """(instant, fault id, cut site, words) the activation time counts from: the hit of the fault active
    when the action started (the latest hit, when several are), else the trigger time."""
    active = [w for w in fault_windows(timeline) if w.start <= rec.t < w.end]
    if active:
        w = max(active, key=lambda w: w.start)
        return w.start, w.event.fault, w.event.cut_site, f"{w.event.fault} hit at {fmt_t(w.start)}"
    at = rec.triggered_t if rec.triggered_t is not None else rec.t
    return at, "", "", f"its trigger at {fmt_t(at)}"


def _when(rec: ActionEvent) -> str:
    if rec.triggered_t is None:
        return f"trigger: {rec.trigger}"
    if rec.trigger.startswith("at the start"):
        return f"started {rec.trigger}, at {fmt_t(rec.triggered_t)}"
    if rec.trigger.startswith("at "):
        return f"triggered {rec.trigger} into the fault phase, at {fmt_t(rec.triggered_t)}"
    return f"triggered when {rec.trigger} at {fmt_t(rec.triggered_t)}"


def _answer(rec: ActionEvent) -> str:
    if rec.status is not None:
        return f" (HTTP {rec.status})"
    if rec.exit_code is not None:
        return f" (exit code {rec.exit_code})"
    return ""


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    if not inp.targets.get(ActivationTargets).enabled:
        return ()
    aid = inp.subject
    records = [a for a in inp.timeline.actions() if a.id == aid]
    if not records:
        return (Verdict(check="activation", capability=aid, status="unknown", unit="s", comparison="<=",
                        message=f"{aid}: no record of the action: the run stopped before it was due"),)  # fmt: skip
    rec = records[-1]
    details: dict[str, Any] = {
        "type": rec.type, "what": rec.what, "trigger": rec.trigger, "triggered_t": rec.triggered_t,
        "start": rec.t, "end": rec.end, "ok": rec.ok, "error": rec.error, "status": rec.status,
        "exit_code": rec.exit_code, "output": list(rec.output),
    }  # fmt: skip

    def verdict(status: VerdictStatus, outcome: str, message: str, measured: float | None = None) -> Verdict:
        return Verdict(check="activation", capability=aid, status=status, message=message, target=rec.target,
                       measured=measured, unit="s", comparison="<=",
                       details={**details, "outcome": outcome})  # fmt: skip

    head = f"{aid}: {rec.what}"
    if not rec.triggered:
        return (verdict("fail", "never triggered", f"{head} never triggered: {rec.error or rec.trigger}"),)
    if rec.end is None:
        return (verdict("unknown", "unfinished", f"{head} did not finish: {rec.error} ({_when(rec)})"),)
    ref_t, fault, cut, ref_text = reference(inp.timeline, rec)
    details.update(reference=fault or "trigger", reference_t=ref_t, cut_site=cut)
    during = f", during {fault}" + (f" (site {cut} without power)" if cut else "") if fault else ""
    activation = rec.end - ref_t
    if not rec.ok:
        message = f"{head} failed: {rec.error} after {_secs(rec.end - rec.t)} ({_when(rec)}{during})"
        return (verdict("fail", "failed", message, activation),)
    done = f"{head} succeeded{_answer(rec)}; activated {_secs(activation)} after {ref_text}"
    if rec.target is not None and activation > rec.target:
        return (verdict("fail", "late", f"{done} > target {fmt_d(rec.target)} ({_when(rec)})", activation),)
    within = f" <= target {fmt_d(rec.target)}" if rec.target is not None else ""
    return (verdict("pass", "activated", f"{done}{within} ({_when(rec)})", activation),)


def finding(v: Verdict) -> str:
    outcome = v.details.get("outcome")
    if outcome == "never triggered":
        return f"the operator action {v.capability} never triggered"
    if outcome == "late" and v.measured is not None:
        return (f"the operator action {v.capability} took {format_value(v.measured, 's')} to activate "
                f"(allowed {v.target_text()})")  # fmt: skip
    return f"the operator action {v.capability} failed"


register(Check(
    "activation", "action", check,
    summary="Each operator action (`actions:`) must trigger, succeed, and activate within its own `target`: from "
    "the hit of the fault active when it started (else its trigger) to its end. An action whose tool is "
    "unreachable fails, with the reason; one the run never reached is unknown.",
    targets=ActivationTargets, schema=SCHEMA, build=build, labels={"activation": "operator action"}, finding=finding,
))
