"""per_site: after the restore, every site serves every capability by itself (bypassing the edge).

The edge hides a site that lost a capability as long as the other site still serves it: after a
drill, site a may be "back" for the edge while its devtools never came up. Per-site probes
(``Sample.via`` = the site; see drills/probes/per_site.py) ask each site directly.

    before   the per-site probe's samples from its start to the first fault's hit (else the
             fault phase): did the site serve the capability alone before the cut?
    after    from the end of the recovery window (the settle phase: the restored site is back)
             to the start of the read-back (verify), or of a failback: does it serve it alone
             after the restore? With a steady-after phase (``restore.steady_after``), that phase
             instead: every site serving alone once the way back is over, failback included.

A site *serves alone* at the end of a window when that site's probe's last samples in the
window (started and ended in it: a sample still in flight when the power went out says
nothing about before the cut) were successes for at least ``hold`` (from the start of the first of them to the end of
the last): a single lucky answer is not serving. No sample in the window: unknown.

Verdict per capability: fail when any site does not serve it alone after the restore (or has no
entry point for it: it cannot serve it at all); unknown when a site's state after the restore is
unknown, or nothing was probed per site; pass otherwise. The before-the-cut state is reported
beside it (a site that could not serve alone even before the cut is a dualization hole the edge
was hiding).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fault_windows, fmt_d
from drills.model.durations import format_duration
from drills.model.fields import Fields
from drills.model.result import Verdict, VerdictStatus
from drills.model.schema_parts import boolean, duration, obj
from drills.model.timeline import Sample, Timeline

__all__ = ["PerSiteTargets", "check", "serves_alone"]


@dataclass(frozen=True)
class PerSiteTargets:
    check: ClassVar[str] = "per_site"
    enabled: bool = True
    hold: float = 2.0  # seconds of consecutive per-site successes that count as serving


SCHEMA = obj(
    "After the restore, every site serves every capability by itself, probed through its own entry point.",
    {
        "enabled": boolean("Judge it (default true; needs probes.per_site)."),
        "hold": duration("How long a site's probe must have succeeded without a failure to count as serving "
                         "(default 2s)."),
    },
)


def build(fields: Fields, base: PerSiteTargets) -> PerSiteTargets:
    f = fields.child("per_site")
    return PerSiteTargets(enabled=bool(f.get("enabled", base.enabled)),
                          hold=f.duration("hold", base.hold))  # fmt: skip


@dataclass(frozen=True)
class SiteState:
    """Whether a site served a capability alone at the end of a window, and why (for messages)."""

    serves: bool | None  # None: unknown (no sample in the window)
    why: str


def serves_alone(samples: list[Sample], start: float, end: float, hold: float) -> SiteState:
    """The state at the end of ``[start, end)`` from one per-site probe's samples (see module doc)."""
    inside = sorted((s for s in samples if start <= s.t and s.end <= end), key=lambda s: s.t)
    if not inside:
        return SiteState(None, "no sample")
    last = inside[-1]
    if not last.ok:
        return SiteState(False, f"failing at {last.t:.1f}s ({last.error or 'failed'})")
    first_ok = last
    for s in reversed(inside):
        if not s.ok:
            break
        first_ok = s
    held = last.end - first_ok.t
    if held + 1e-9 < hold:
        return SiteState(False, f"ok for only {fmt_d(held)} (needs {fmt_d(hold)})")
    return SiteState(True, f"ok for {fmt_d(held)}")


def _windows(tl: Timeline, first: float) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """(before, after) windows, or None when the run never reached a restore (no settle phase)."""
    phases = {p.phase: p.t for p in reversed(tl.phases())}  # the first start of each phase
    hits = fault_windows(tl)
    cut = hits[0].start if hits else phases.get("fault", phases.get("settle"))
    settle = phases.get("steady-after", phases.get("settle"))
    if cut is None or settle is None:
        return None
    later = [phases[n] for n in ("failback", "steady-after", "verify", "teardown") if phases.get(n, -1.0) > settle]
    end = min(later) if later else max((s.end for s in tl.samples(via=None)), default=settle)
    return (first, cut), (settle, end)


def _word(state: SiteState) -> str:
    return "unknown" if state.serves is None else ("yes" if state.serves else "no")


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap, t = inp.subject, inp.targets.get(PerSiteTargets)
    if not t.enabled:
        return ()
    tl = inp.timeline
    declared = [p for p in tl.probes(cap, via=None) if p.via]
    if not declared:
        return (Verdict("per_site", cap, "unknown",
                        f"{cap}: not probed per site (probes.per_site is off, or the stack labels no "
                        "org.drills.site-endpoints)"),)  # fmt: skip
    sites = list(dict.fromkeys(p.via for p in declared))
    first = min(p.t for p in declared)
    windows = _windows(tl, first)
    if windows is None:
        return (Verdict("per_site", cap, "unknown",
                        f"{cap}: per site unknown: the run never reached the restore (no settle phase)"),)  # fmt: skip
    (b0, b1), (a0, a1) = windows
    per: dict[str, dict[str, object]] = {}
    before: dict[str, SiteState] = {}
    after: dict[str, SiteState] = {}
    for site in sites:
        errors = [p.error for p in declared if p.via == site and p.error]
        if errors:
            before_s = after_s = SiteState(False, errors[0])
        else:
            samples = tl.samples(cap, via=site)
            before_s, after_s = serves_alone(samples, b0, b1, t.hold), serves_alone(samples, a0, a1, t.hold)
            period = max((p.period for p in declared if p.via == site), default=0.0)
            if after_s.serves is False and not after_s.why.startswith("failing") and a1 - a0 < t.hold + 2 * period:
                # only too few successes, in a settle too short to hold them: that is not a finding
                after_s = SiteState(None, f"{after_s.why}; the window ({a1 - a0:.1f}s) is shorter than the hold "
                                          f"plus two periods ({t.hold + 2 * period:.1f}s)")
        before[site], after[site] = before_s, after_s
        per[site] = {"before": before_s.serves, "before_why": before_s.why,
                     "after": after_s.serves, "after_why": after_s.why}  # fmt: skip
    failing = [s for s in sites if after[s].serves is False]
    unknown = [s for s in sites if after[s].serves is None]
    serving = len(sites) - len(failing) - len(unknown)
    table = "; ".join(f"{s}: before {_word(before[s])}, after {_word(after[s])}"
                      + ("" if after[s].serves else f" ({after[s].why})") for s in sites)  # fmt: skip
    window = f"after = {a0:.1f}-{a1:.1f}s, hold {format_duration(t.hold)}"
    details = {"sites": per, "after_window": [a0, a1], "before_window": [b0, b1], "hold": t.hold}
    status: VerdictStatus
    if failing:
        status, head = "fail", f"{cap} not served alone after the restore by site {', '.join(failing)}"
    elif unknown:
        status, head = "unknown", f"{cap} per site unknown after the restore for site {', '.join(unknown)}"
    else:
        status, head = "pass", f"{cap} served alone by every site after the restore"
    return (Verdict("per_site", cap, status, f"{head} ({table}; {window})", target=float(len(sites)),
                    measured=float(serving), unit="count", comparison=">=", details=details),)  # fmt: skip


def finding(v: Verdict) -> str:
    sites = v.details.get("sites", {})
    bad = [f"site {s} ({d.get('after_why')})" for s, d in sites.items()
           if isinstance(d, dict) and d.get("after") is not True]
    return f"{v.subject} is not served by every site on its own after the restore: {', '.join(bad) or v.message}"


register(Check(
    "per_site", "capability", check,
    summary="After the restore, each site serves each capability by itself, through its own entry point "
    "(bypassing the edge); the state before the cut is reported beside it.",
    targets=PerSiteTargets, schema=SCHEMA, build=build,
    labels={"per_site": "served alone by every site"}, finding=finding,
))
