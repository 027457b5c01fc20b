"""Steady state: the system under test reached its steady state before any fault.

The runner's gate waits (bounded by ``steady_state.timeout``) until every capability has a run of
successful samples; only then does the fault phase start. A system that never gets there - tokens
rejected in one site, a service that never becomes healthy - is a *finding about the system*, not
broken tooling: this check turns it into a failing verdict (exit 1) with each capability's last error.

    the phase after ``steady`` is ``fault``   -> pass (the gate opened)
    otherwise (the gate gave up)              -> per capability: fail when one of its last 5
                                                 samples in the steady phase failed (it was not
                                                 steady: still recovering) or it has none; pass
                                                 otherwise, unless every capability looks steady:
                                                 then all fail (the fault was never injected,
                                                 so the drill must not pass)
    no ``steady`` phase recorded              -> unknown
"""

from __future__ import annotations

from drills.checks.base import Check, register
from drills.checks.common import CheckInput, fmt_t
from drills.model.result import Verdict

__all__ = ["check"]


def _steady_window(inp: CheckInput) -> tuple[float, float, str] | None:
    phases = sorted(inp.timeline.phases(), key=lambda p: p.t)
    for i, p in enumerate(phases):
        if p.phase == "steady":
            nxt = phases[i + 1] if i + 1 < len(phases) else None
            end = nxt.t if nxt else max((s.t for s in inp.timeline.samples()), default=p.t)
            return p.t, end, nxt.phase if nxt else ""
    return None


TAIL = 5  # the gate's default run of successes (steady_state.min_consecutive)


def _nobody_failed(inp: CheckInput, start: float, end: float) -> bool:
    """Whether every capability's last TAIL samples in the steady window succeeded: then the gate
    gave up for a reason this check cannot see, and no capability may pass (a drill whose fault
    was never injected must not pass)."""
    for cap in inp.timeline.capabilities():
        tail = [s for s in inp.timeline.samples(cap) if start <= s.t < end][-TAIL:]
        if not tail or not all(s.ok for s in tail):
            return False
    return True


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    cap = inp.subject
    window = _steady_window(inp)
    if window is None:
        return (Verdict("steady_state", cap, "unknown", f"{cap} steady state unknown: no steady phase was recorded"),)
    start, end, after = window
    samples = [s for s in inp.timeline.samples(cap) if start <= s.t < end]
    ok = sum(1 for s in samples if s.ok)
    counts = f"{ok} of {len(samples)} samples ok from {fmt_t(start)} to {fmt_t(end)}"
    if after == "fault":
        return (Verdict("steady_state", cap, "pass", f"{cap} reached steady state before the fault phase ({counts})",
                        details={"ok": ok, "total": len(samples)}),)  # fmt: skip
    if samples and all(s.ok for s in samples[-TAIL:]) and not _nobody_failed(inp, start, end):
        return (Verdict("steady_state", cap, "pass", f"{cap} was steady when the gate gave up ({counts})",
                        details={"ok": ok, "total": len(samples)}),)  # fmt: skip
    bad = [s for s in samples[-TAIL:] if not s.ok]
    last = (bad[-1].error or "failed") if bad else ("no sample at all" if not samples else
                                                   "the gate gave up although its samples were ok")  # fmt: skip
    return (Verdict("steady_state", cap, "fail",
                    f"{cap} never reached steady state, so no fault was injected: last sample: {last} ({counts})",
                    details={"ok": ok, "total": len(samples), "last_error": last}),)  # fmt: skip


def finding(v: Verdict) -> str:
    why = str(v.details.get("last_error", "")) or "it never succeeded steadily"
    return f"{v.subject} never reached steady state before any fault (last error: {why}): the system was not ready"


register(Check(
    "steady_state", "capability", check,
    summary="Before any fault, every capability served its users steadily (the runner's gate opened).",
    labels={"steady_state": "steady state"}, finding=finding,
))
