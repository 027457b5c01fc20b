"""RTO: how long after each fault inject a capability served users again.

For every successful fault inject (``FaultEvent`` action=inject, ok=True):

    inject ──► first failure ──► first success ──► first run of N successes
      t_i        (in [t_i, heal])       t_first          t_stable (start of the run)

    rto_first  = t_first  - t_i      (0 when the capability never failed: reported so)
    rto_stable = t_stable - t_i      (N = rto.stable_after)

Samples count from the inject when they *ended* after it (``t + latency >= t_i``):
a request in flight when the power went out is a casualty of the fault. The first
failure is looked for up to the fault's heal (its own heal or the heal-all ``*``);
a fault never healed is searched to the end of the timeline and says so.

Error bound (``Verdict.bound``): the real recovery instant lies between the start of
the last failed sample and the end of the recovering sample, so
``bound = (t_recover - t_last_failed) + latency_recover`` -- about one probe period
plus the recovering sample's latency. Never failed: the probe period (a shorter
outage can fall between two samples). The verdict reports the worst fault.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_d, fmt_t, is_heal_of
from drills.model.fields import Fields
from drills.model.result import Verdict, format_value
from drills.model.schema_parts import duration, integer, obj
from drills.model.timeline import FaultEvent, Sample, Timeline

__all__ = ["Recovery", "RtoTargets", "check", "recoveries"]


@dataclass(frozen=True)
class RtoTargets:
    check: ClassVar[str] = "rto"
    target: float = 20.0  # inject -> first success
    stable_target: float = 20.0  # inject -> start of a stable run of successes
    stable_after: int = 10  # consecutive successes that make a recovery stable


SCHEMA = obj(
    "Recovery time after each fault inject.",
    {
        "target": duration("Inject -> first success after the first failure (default 20s)."),
        "stable_target": duration("Inject -> start of a stable run of successes (default: same as target)."),
        "stable_after": integer("Consecutive successes that make a recovery stable (default 10).", minimum=1),
    },
)


def build(fields: Fields, base: RtoTargets) -> RtoTargets:
    f = fields.child("rto")
    first = f.duration("target", base.target)
    # a target set at this level is also the stable target unless that is set too
    stable = f.duration("stable_target", first if f.has("target") else base.stable_target)
    return RtoTargets(target=first, stable_target=stable, stable_after=int(f.get("stable_after", base.stable_after)))


@dataclass(frozen=True)
class Recovery:
    fault: str
    inject_t: float
    heal_t: float | None
    failed_at: float | None  # None: never failed
    first: float | None  # rto_first (None: never recovered)
    first_bound: float | None
    stable: float | None
    stable_bound: float | None


def _bound(samples: list[Sample], i: int, period: float) -> float:
    prev = samples[i - 1].t if i > 0 else samples[i].t - period
    return (samples[i].t - prev) + samples[i].latency


def _recovery(inj: FaultEvent, heals: list[FaultEvent], samples: list[Sample], n: int, period: float) -> Recovery:
    heal_t = next((h.t for h in heals if h.t >= inj.t and is_heal_of(h.fault, inj.fault)), None)
    after = [s for s in samples if s.t + s.latency >= inj.t]
    limit = heal_t if heal_t is not None else float("inf")
    k = next((i for i, s in enumerate(after) if not s.ok and s.t <= limit), None)
    if k is None:
        return Recovery(inj.fault, inj.t, heal_t, None, 0.0, period, 0.0, period)
    j = next((i for i in range(k + 1, len(after)) if after[i].ok), None)
    if j is None:
        return Recovery(inj.fault, inj.t, heal_t, after[k].t, None, None, None, None)
    first = after[j].t - inj.t
    m = next((i for i in range(j, len(after) - n + 1) if all(s.ok for s in after[i : i + n])), None)
    if m is None:
        return Recovery(inj.fault, inj.t, heal_t, after[k].t, first, _bound(after, j, period), None, None)
    return Recovery(
        inj.fault, inj.t, heal_t, after[k].t, first, _bound(after, j, period),
        after[m].t - inj.t, _bound(after, m, period),
    )


def recoveries(timeline: Timeline, capability: str, stable_after: int, probe_period: float) -> list[Recovery]:
    """One :class:`Recovery` of ``capability`` per successful fault inject, in time order.

    The one definition of RTO: the rto check judges it, and report charts draw it.
    """
    events = timeline.faults()
    injects = [e for e in events if e.action == "inject" and e.ok]
    heals = sorted((e for e in events if e.action == "heal"), key=lambda e: e.t)
    samples = timeline.samples(capability)
    return [_recovery(i, heals, samples, stable_after, probe_period) for i in sorted(injects, key=lambda e: e.t)]


def _healed(r: Recovery) -> str:
    return f"healed at {fmt_t(r.heal_t)}" if r.heal_t is not None else "never healed"


def _verdict(check: str, cap: str, target: float, recs: list[Recovery], stable: bool, n: int) -> Verdict:
    def value(r: Recovery) -> float | None:
        return r.stable if stable else r.first

    def bound(r: Recovery) -> float | None:
        return r.stable_bound if stable else r.first_bound

    what = f"stable RTO ({n} consecutive successes)" if stable else "RTO"
    details: dict[str, Any] = {"faults": [asdict(r) for r in recs]}
    missing = [r for r in recs if value(r) is None]
    if missing:
        r = missing[0]
        reason = (
            f"no run of {n} consecutive successes after recovering" if stable and r.first is not None
            else "never recovered"
        )
        message = (
            f"{cap} {reason} after {r.fault} (injected at {fmt_t(r.inject_t)}, {_healed(r)}, "
            f"first failure at {fmt_t(r.failed_at or r.inject_t)}): {what} unmeasurable, target {fmt_d(target)}"
        )
        return Verdict(check=check, capability=cap, status="fail", message=message, target=target,
                       measured=None, unit="s", comparison="<=", details=details)
    worst = max(recs, key=lambda r: value(r) or 0.0)
    measured = value(worst) or 0.0
    passed = measured <= target
    cmp = "<=" if passed else ">"
    if worst.failed_at is None:
        message = (
            f"{cap} never failed after {worst.fault} (injected at {fmt_t(worst.inject_t)}, {_healed(worst)}): "
            f"{what} 0s {cmp} target {fmt_d(target)}"
        )
    else:
        b = bound(worst) or 0.0
        message = (
            f"{cap} {what} {fmt_d(measured)} (±{fmt_d(b)}) {cmp} target {fmt_d(target)} "
            f"(worst fault {worst.fault}: injected at {fmt_t(worst.inject_t)}, first failure at "
            f"{fmt_t(worst.failed_at)}, {_healed(worst)})"
        )
    return Verdict(check=check, capability=cap, status="pass" if passed else "fail", message=message,
                   target=target, measured=measured, unit="s", bound=bound(worst), comparison="<=",
                   details=details)


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, t = inp.subject, inp.targets.get(RtoTargets)
    samples = inp.timeline.samples(cap)
    recs = recoveries(inp.timeline, cap, t.stable_after, inp.probe_period)
    why = ""
    if not samples:
        why = f"no {cap} samples"
    elif not recs:
        failed = [e for e in inp.timeline.faults() if e.action == "inject"]
        why = "no fault inject succeeded" if failed else "no fault was injected"
    if why:
        return tuple(
            Verdict(check=c, capability=cap, status="unknown", message=f"{cap} {label} unknown: {why}",
                    target=tgt, unit="s", comparison="<=")
            for c, label, tgt in (("rto_first", "RTO", t.target), ("rto_stable", "stable RTO", t.stable_target))
        )
    return (
        _verdict("rto_first", cap, t.target, recs, False, t.stable_after),
        _verdict("rto_stable", cap, t.stable_target, recs, True, t.stable_after),
    )


def finding(v: Verdict) -> str:
    what = "serve a successful request again" if v.check == "rto_first" else "become stable again"
    if v.measured is None:
        return f"{v.subject} did not {what} before the run ended (RTO target {v.target_text()})"
    return f"{v.subject} took {format_value(v.measured, 's')} to {what} after the fault (RTO target {v.target_text()})"


register(Check(
    "rto", "capability", check,
    summary="How long after each fault the capability served users again (first success, and stable).",
    targets=RtoTargets, schema=SCHEMA, build=build,
    labels={"rto_first": "RTO (first success)", "rto_stable": "RTO (stable)"}, finding=finding,
))
