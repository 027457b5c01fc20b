"""failover: a capability must come back *before* its fault is healed, from a surviving site.

Healing is not failover. For every successful fault inject, the fault window runs from the
instant it hit (``measured_from``: its first destructive call) to the start of its heal (its
own or the heal-all ``*``); the recovery window (heal -> the restored site is back) follows.

    hit ──────── fault window ──────── heal ──── recovery ──── settle
     d     fails ... back from b?       h
           └─ failover: after the first failure, a run of successes served by a site
              other than the one cut, lasting rto.stable_for, before h

    failover         per capability: not back before the heal -> fail, whatever the RTO
                     and outage targets ("did not fail over: recovered only after cut-a was
                     healed"); never failed under the fault -> pass.
    surviving_sites  per capability: during a site cut (``FaultEvent.cut_site``), every
                     successful sample that started once the cut was complete (the inject
                     returned: ``FaultEvent.end``; a sample started while its links were
                     still being cut may rightly reach the site) and ended before the heal
                     was served by another site (``Sample.site``); one served by the site
                     without power means the probe did not measure what it claims.

Samples count for a fault when they ended after the hit (a request in flight when the power
went out is a casualty of the fault) and started before the heal. A fault never healed is
judged to the end of the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, FaultWindow, fault_windows, fmt_d, fmt_t
from drills.checks.rto import RtoTargets
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus
from drills.model.schema_parts import boolean, obj
from drills.model.timeline import Sample

__all__ = ["FailoverTargets", "check"]


@dataclass(frozen=True)
class FailoverTargets:
    check: ClassVar[str] = "failover"
    enabled: bool = True  # judge failover before the heal
    surviving_sites: bool = True  # judge that successes during a site cut came from other sites


SCHEMA = obj(
    "Failover, not healing: every capability back before its fault is healed, served from a surviving site.",
    {
        "enabled": boolean("A capability not back before the heal fails (default true)."),
        "surviving_sites": boolean("During a site cut, every success must come from another site (default true)."),
    },
)


def build(fields: Fields, base: FailoverTargets) -> FailoverTargets:
    f = fields.child("failover")
    return FailoverTargets(enabled=bool(f.get("enabled", base.enabled)),
                           surviving_sites=bool(f.get("surviving_sites", base.surviving_sites)))  # fmt: skip


def _steady_back(inside: list[Sample], first_failure: int, cut: str, end: float, stable_for: float) -> Sample | None:
    """The first sample of a run of successes served by surviving sites, after ``first_failure``, that
    lasted ``stable_for`` before ``end`` (the heal): a brief return between outages is not a failover,
    and one short outage after a real failover does not undo it."""
    start: Sample | None = None
    for s in inside[first_failure + 1 :]:
        if s.ok and (not cut or s.site != cut):
            start = start or s
        else:
            if start is not None and s.t - start.t >= stable_for:
                return start
            start = None
    return start if start is not None and end - start.t >= stable_for else None


def _judge_failover(cap: str, w: FaultWindow, samples: list[Sample], stable_for: float) -> tuple[bool, str]:
    """(failed over, why) for one fault window."""
    fid, cut = w.event.fault, w.event.cut_site
    inside = w.during(samples)
    failures = [i for i, s in enumerate(inside) if not s.ok]
    if not failures:
        return True, f"{cap} never failed under {fid} (hit at {fmt_t(w.start)})"
    down_from = inside[failures[0]].t
    back = _steady_back(inside, failures[0], cut, w.end, stable_for)
    if back is not None:
        where = f" from site {back.site}" if back.site else ""
        return True, (f"{cap} failed over under {fid}: down from {fmt_t(down_from)}, back{where} at "
                      f"{fmt_t(back.t)}, before the heal at {fmt_t(w.end)} (steady for at least "
                      f"{fmt_d(stable_for)})")  # fmt: skip
    healed = "was never healed" if w.heal is None else f"was healed (heal started at {fmt_t(w.end)})"
    later = next((s for s in samples if s.ok and s.t >= w.end), None)
    if later is None:
        return False, f"{cap} did not fail over: down from {fmt_t(down_from)} under {fid}, and {fid} {healed}"
    return False, (f"{cap} did not fail over: recovered only after {fid} was healed (down from "
                   f"{fmt_t(down_from)}, heal started at {fmt_t(w.end)}, first success at {fmt_t(later.t)})")


def _judge_sites(cap: str, windows: list[FaultWindow], samples: list[Sample]) -> Verdict:
    cuts = [w for w in windows if w.event.cut_site]
    if not cuts:
        return Verdict("surviving_sites", cap, "pass", f"{cap}: no site was cut, nothing served by a dead site")
    wrong: list[Sample] = []
    unknown = judged = 0
    for w in cuts:
        done = w.start if w.event.end is None else max(w.start, w.event.end)  # the cut is complete
        ok = [s for s in samples if s.ok and s.t >= done and s.t + s.latency <= w.end]
        judged += len(ok)
        unknown += sum(1 for s in ok if not s.site)
        wrong += [s for s in ok if s.site == w.event.cut_site]
    details: dict[str, object] = {"judged": judged, "from_cut_site": len(wrong), "site_unknown": unknown,
                                  "first": wrong[0].t if wrong else None}  # fmt: skip
    names = ", ".join(f"{w.event.fault} (site {w.event.cut_site})" for w in cuts)
    if wrong:
        dead = next(w.event.cut_site for w in cuts if w.start <= wrong[0].t < w.end)
        return Verdict("surviving_sites", cap, "fail",
                       f"{cap}: {len(wrong)} of {judged} successes during {names} were served by site {dead}, "
                       f"which was cut (first at {fmt_t(wrong[0].t)})",
                       target=0, measured=len(wrong), unit="count", comparison="==", details=details)  # fmt: skip
    if not judged:
        return Verdict("surviving_sites", cap, "pass", f"{cap}: no success during {names}, none from a cut site",
                       target=0, measured=0, unit="count", comparison="==", details=details)  # fmt: skip
    if unknown == judged:
        return Verdict("surviving_sites", cap, "unknown",
                       f"{cap}: no success during {names} says which site served it", details=details)
    note = f" ({unknown} without a site)" if unknown else ""
    return Verdict("surviving_sites", cap, "pass",
                   f"{cap}: all {judged - unknown} successes during {names} came from surviving sites{note}",
                   target=0, measured=0, unit="count", comparison="==", details=details)  # fmt: skip


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, t = inp.subject, inp.targets.get(FailoverTargets)
    samples = inp.timeline.samples(cap)
    windows = fault_windows(inp.timeline)
    out: list[Verdict] = []
    if t.enabled:
        if not samples or not windows:
            why = f"no {cap} samples" if not samples else "no fault inject succeeded"
            out.append(Verdict("failover", cap, "unknown", f"{cap} failover unknown: {why}"))
        else:
            stable_for = inp.targets.get(RtoTargets).stable_for  # one meaning of "back": stable, as for RTO
            judged = [(w, *_judge_failover(cap, w, samples, stable_for)) for w in windows]
            bad = [(w, why) for w, ok, why in judged if not ok]
            faults = [{"fault": w.event.fault, "hit": w.start, "heal": w.heal, "failed_over": ok, "why": why}
                      for w, ok, why in judged]  # fmt: skip
            status: VerdictStatus = "fail" if bad else "pass"
            message = bad[0][1] if bad else "; ".join(why for _, _, why in judged)
            out.append(Verdict("failover", cap, status, message, details={"faults": faults}))
    if t.surviving_sites:
        out.append(_judge_sites(cap, windows, samples) if samples else
                   Verdict("surviving_sites", cap, "unknown", f"{cap}: no samples"))  # fmt: skip
    return tuple(out)


def finding(v: Verdict) -> str:
    if v.check == "surviving_sites":
        return v.message
    return v.message if "did not fail over" in v.message else f"{v.subject}: failover not shown ({v.message})"


register(Check(
    "failover", "capability", check,
    summary="Failover, not healing: each capability is back before its fault is healed, and during a site cut "
    "every success comes from a surviving site.",
    targets=FailoverTargets, schema=SCHEMA, build=build,
    labels={"failover": "failover before heal", "surviving_sites": "served by surviving sites"}, finding=finding,
))
