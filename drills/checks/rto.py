"""RTO: how long after each fault hit a capability served users again, as an interval.

For every successful fault inject (``FaultEvent`` action=inject, ok=True), from the instant
it hit (``measured_from``: its first destructive call, not the start of its preparation):

    hit ──► first failure ──► first success ──► first success stable for D
     d       (in [d, heal])      t_first           t_stable

    rto_first  = t_first  - d      (0 when the capability never failed: reported so)
    rto_stable = t_stable - d      (D = rto.stable_for: every sample started in
                                    [t_stable, t_stable + D) succeeded, and sampling
                                    reached t_stable + D - one period)

Samples count from the hit when they *ended* after it (``t + latency >= d``): a request
in flight when the power went out is a casualty of the fault. A success served by the site a
power cut takes down, started before that cut's heal, is not a recovery either: it raced the
cut (which takes a second or two to kill every container of the site). The first failure is looked
for up to the fault's heal (its own heal or the heal-all ``*``); a fault never healed is
searched to the end of the timeline and says so. Whether the recovery came before the heal
(failover) or only after it (healing) is the failover check's question, not this one's.

Recovery is defined by what users start: the capability is back at the first instant from
which an action a user *starts* succeeds. Samples are such actions, started on the open-loop
schedule, so that instant lies after the start of the last failed sample before the
recovering one and no later than the start of the recovering sample: RTO is in
``[t_last_failed - d, t_recover - d]`` (``details["interval"]``, and the message), one probe
period wide when the two are consecutive ticks. The point value (``measured``, judged
against the target) is its upper end, the start of the recovering sample. Never failed:
``[0, one probe period]`` (a shorter outage can fall between two samples). The verdict
reports the worst fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, FaultWindow, fault_windows, fmt_d, fmt_t
from drills.model.fields import Fields
from drills.model.result import Verdict, format_interval, format_value
from drills.model.schema_parts import duration, obj
from drills.model.timeline import Sample, Timeline

__all__ = ["Recovery", "RtoTargets", "check", "fmt_interval", "recoveries"]

EPS = 1e-9


@dataclass(frozen=True)
class RtoTargets:
    check: ClassVar[str] = "rto"
    target: float = 15.0  # hit -> first success
    stable_target: float = 15.0  # hit -> start of a success stable for stable_for
    stable_for: float = 5.0  # how long every sample must succeed for a recovery to be stable


SCHEMA = obj(
    "Recovery time after each fault hit (its first destructive call).",
    {
        "target": duration("Hit -> first success after the first failure (default 15s)."),
        "stable_target": duration("Hit -> start of a recovery stable for stable_for (default: same as target)."),
        "stable_for": duration("How long every sample must succeed for a recovery to count as stable (default 5s)."),
    },
)


def build(fields: Fields, base: RtoTargets) -> RtoTargets:
    f = fields.child("rto")
    first = f.duration("target", base.target)
    # a target set at this level is also the stable target unless that is set too
    stable = f.duration("stable_target", first if f.has("target") else base.stable_target)
    return RtoTargets(target=first, stable_target=stable, stable_for=f.duration("stable_for", base.stable_for))


@dataclass(frozen=True)
class Recovery:
    fault: str
    inject_t: float  # the instant the fault hit (measured_from)
    heal_t: float | None
    failed_at: float | None  # None: never failed
    first: float | None  # rto_first (None: never recovered)
    first_interval: tuple[float, float] | None
    stable: float | None
    stable_interval: tuple[float, float] | None


def _interval(samples: list[Sample], i: int, d: float, period: float) -> tuple[float, float]:
    """[last failed start, recovering start] - d; the recovering sample is ``samples[i]``."""
    failed = [s.t for s in samples[:i] if not s.ok]
    lower = max(0.0, (failed[-1] if failed else samples[i].t - period) - d)
    return round(lower, 4), round(max(0.0, samples[i].t - d), 4)


def _stable_from(
    after: list[Sample], j: int, stable_for: float, period: float, recovering: Callable[[Sample], bool]
) -> int | None:
    """Index of the first recovering sample at or after ``j`` from which every sample succeeds for ``stable_for``."""
    for m in range(j, len(after)):
        if not recovering(after[m]):
            continue
        end = after[m].t + stable_for
        window = [s for s in after[m:] if s.t < end - EPS]
        reached = after[-1].t >= end - period - EPS
        if reached and all(s.ok for s in window):
            return m
    return None


def _recovery(w: FaultWindow, samples: list[Sample], stable_for: float, period: float) -> Recovery:
    inj, d, heal_t = w.event, w.start, w.heal
    after = [s for s in samples if s.t + s.latency >= d]
    limit = heal_t if heal_t is not None else float("inf")
    k = next((i for i, s in enumerate(after) if not s.ok and s.t <= limit), None)
    if k is None:
        never = (0.0, round(period, 4))
        return Recovery(inj.fault, d, heal_t, None, 0.0, never, 0.0, never)
    cut = w.event.cut_site

    def recovering(s: Sample) -> bool:
        """A success that says the capability is back: started after the hit (one started before it
        that ended well just after slipped through before the site went dark), and - for a site
        cut - not served by the cut site before its heal: a power cut takes a second or two to
        kill every container, and a request the dying site answered meanwhile is not a recovery
        (no-witness, measured: one login answered by site a 24 ms after the hit, between the first
        timeout and a 35 s outage)."""
        return s.ok and s.t >= d and not (cut and s.site == cut and s.t < limit)

    j = next((i for i in range(k + 1, len(after)) if recovering(after[i])), None)
    if j is None:
        return Recovery(inj.fault, d, heal_t, after[k].t, None, None, None, None)
    first, first_iv = max(0.0, after[j].t - d), _interval(after, j, d, period)
    m = _stable_from(after, j, stable_for, period, recovering)
    if m is None:
        return Recovery(inj.fault, d, heal_t, after[k].t, first, first_iv, None, None)
    return Recovery(inj.fault, d, heal_t, after[k].t, first, first_iv, max(0.0, after[m].t - d),
                    _interval(after, m, d, period))  # fmt: skip


def recoveries(timeline: Timeline, capability: str, stable_for: float, probe_period: float) -> list[Recovery]:
    """One :class:`Recovery` of ``capability`` per successful fault inject, in time order.

    The one definition of RTO: the rto check judges it, and report charts draw it.
    """
    samples = timeline.samples(capability)
    return [_recovery(w, samples, stable_for, probe_period) for w in fault_windows(timeline)]


def fmt_interval(iv: tuple[float, float] | None) -> str:
    return "" if iv is None else format_interval(iv[0], iv[1], "s")


def _healed(r: Recovery) -> str:
    return f"healed at {fmt_t(r.heal_t)}" if r.heal_t is not None else "never healed"


def _verdict(check: str, cap: str, target: float, recs: list[Recovery], stable: bool, stable_for: float) -> Verdict:
    def value(r: Recovery) -> float | None:
        return r.stable if stable else r.first

    def interval(r: Recovery) -> tuple[float, float] | None:
        return r.stable_interval if stable else r.first_interval

    what = f"stable RTO (successes for {fmt_d(stable_for)})" if stable else "RTO"
    details: dict[str, Any] = {"faults": [asdict(r) for r in recs]}
    missing = [r for r in recs if value(r) is None]
    if missing:
        r = missing[0]
        reason = (
            f"never succeeded for {fmt_d(stable_for)} in a row" if stable and r.first is not None
            else "never recovered"
        )
        message = (
            f"{cap} {reason} after {r.fault} (hit at {fmt_t(r.inject_t)}, {_healed(r)}, "
            f"first failure at {fmt_t(r.failed_at or r.inject_t)}): {what} unmeasurable, target {fmt_d(target)}"
        )
        return Verdict(check=check, capability=cap, status="fail", message=message, target=target,
                       measured=None, unit="s", comparison="<=", details=details)
    worst = max(recs, key=lambda r: value(r) or 0.0)
    measured = value(worst) or 0.0
    passed = measured <= target + EPS
    cmp = "<=" if passed else ">"
    iv = interval(worst)
    details["interval"] = list(iv) if iv else None
    if worst.failed_at is None:
        message = (
            f"{cap} never failed after {worst.fault} (hit at {fmt_t(worst.inject_t)}, {_healed(worst)}): "
            f"{what} 0s {fmt_interval(iv)} {cmp} target {fmt_d(target)}"
        )
    else:
        message = (
            f"{cap} {what} {fmt_d(measured)} {fmt_interval(iv)} {cmp} target {fmt_d(target)} "
            f"(worst fault {worst.fault}: hit at {fmt_t(worst.inject_t)}, first failure at "
            f"{fmt_t(worst.failed_at)}, {_healed(worst)})"
        )
    return Verdict(check=check, capability=cap, status="pass" if passed else "fail", message=message,
                   target=target, measured=measured, unit="s", comparison="<=", details=details)


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, t = inp.subject, inp.targets.get(RtoTargets)
    samples = inp.timeline.samples(cap)
    recs = recoveries(inp.timeline, cap, t.stable_for, inp.probe_period)
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
        _verdict("rto_first", cap, t.target, recs, False, t.stable_for),
        _verdict("rto_stable", cap, t.stable_target, recs, True, t.stable_for),
    )


def finding(v: Verdict) -> str:
    what = "serve a successful request again" if v.check == "rto_first" else "become stable again"
    if v.measured is None:
        return f"{v.subject} did not {what} before the run ended (RTO target {v.target_text()})"
    iv = v.details.get("interval")
    within = f" (between {format_value(iv[0], 's')} and {format_value(iv[1], 's')})" if iv else ""
    return (f"{v.subject} took {format_value(v.measured, 's')}{within} to {what} after the fault "
            f"(RTO target {v.target_text()})")  # fmt: skip


register(Check(
    "rto", "capability", check,
    summary="How long after each fault hit the capability served users again (first success, and stable "
    "for a duration), with the interval sampling allows.",
    targets=RtoTargets, schema=SCHEMA, build=build,
    labels={"rto_first": "RTO (first success)", "rto_stable": "RTO (stable)"}, finding=finding,
))
