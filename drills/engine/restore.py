"""The judged way back (a scenario's ``restore:``), played after heal-all while the probes run on:

    rejoin        read each cut site's state every REJOIN_POLL_S (``wiring.read_site_state``:
                  its datastore in sync, its services healthy) until all are ready or
                  ``restore.rejoin.timeout`` passed; a ``rejoin`` record on every change and a
                  final one (the rejoin check judges them)
    settle        the scenario's settle: the failover's recovery window ends here
    failback      only when every site rejoined: the failback action (id ``failback``), performed
                  like any operator action (drills/engine/actions.py) at the phase start and
                  awaited until it returns or its deadline, then ``failback.settle`` of probing.
                  A site that never rejoined is not failed back to: the action's record says why
                  (activation[failback] fails)
    steady-after  ``restore.steady_after`` of probing; per_site judges this phase

Abort rules are watched throughout, as in the fault phase; an abort ends the way back at once.
Without ``restore:`` the run settles, then verifies, as before (drills/engine/lifecycle.py).
"""

from __future__ import annotations

from drills.engine.actions import ActionRunner, action_context
from drills.engine.runner import EPSILON_S, TICK_S, Drill
from drills.faults import FaultContext
from drills.model.scenario import ActionSpec, RestoreSpec
from drills.model.timeline import ActionEvent, RejoinState

__all__ = ["REJOIN_POLL_S", "play_restore"]

REJOIN_POLL_S = 1.0


def play_restore(d: Drill, ctx: FaultContext, restore: RestoreSpec) -> None:
    d.phase("rejoin")
    rejoined = _rejoin(d, ctx, d.scenario.cut_sites, restore.rejoin_timeout)
    if d.aborted:
        return
    d.phase("settle")
    d.wait(d.scenario.settle, watch_abort=True)
    if restore.failback is not None and not d.aborted:
        if rejoined:
            d.phase("failback")
            _failback(d, ctx, restore.failback, restore.failback_settle)
        else:
            fb = restore.failback
            d.timeline.append(ActionEvent(t=round(d.now(), 4), id=fb.id, type=fb.type, trigger=fb.trigger.describe(),
                                          what=fb.what, target=fb.target,
                                          error="not performed: the restored site did not rejoin"))  # fmt: skip
    if restore.steady_after > 0 and not d.aborted:
        d.phase("steady-after")
        d.wait(restore.steady_after, watch_abort=True)


def _rejoin(d: Drill, ctx: FaultContext, sites: tuple[str, ...], timeout: float) -> bool:
    """Wait until every site in ``sites`` is ready (True) or ``timeout`` passed (False)."""
    deadline = d.now() + timeout
    last: dict[str, RejoinState] = {}
    pending = list(sites)
    while pending:
        for site in list(pending):
            state = d.wiring.read_site_state(ctx, site)
            t = round(d.now(), 4)
            rec = RejoinState(t=t, site=site, ready=state.ready, detail=state.detail, final=state.ready)
            before = last.get(site)
            if before is None or (before.ready, before.detail) != (rec.ready, rec.detail) or rec.final:
                d.timeline.append(rec)
            last[site] = rec
            if state.ready:
                pending.remove(site)
                d.progress.message(f"rejoin: site {site} rejoined ({state.detail})")
        if not pending:
            return True
        if d.now() >= deadline - EPSILON_S:  # a float remainder must not spin the loop
            for site in pending:
                d.timeline.append(RejoinState(t=round(d.now(), 4), site=site, ready=False, detail=last[site].detail,
                                              final=True))  # fmt: skip
                d.progress.message(f"rejoin: site {site} did not rejoin within {timeout:.0f}s: {last[site].detail}")
            return False
        d.wait(min(REJOIN_POLL_S, max(0.0, deadline - d.now())), watch_abort=True)
        if d.aborted:
            return False
    return True


def _failback(d: Drill, ctx: FaultContext, spec: ActionSpec, settle: float) -> None:
    start = d.now()
    d.actions = ActionRunner((spec,), start, d.wiring.make_action,
                             action_context(ctx, d.endpoints, d.site_endpoints), d.timeline, d.timeline.snapshot,
                             d.now, TICK_S)  # fmt: skip
    for run in d.actions.poll(d.now()):
        d.progress.message(f"failback: {run.spec.what}")
    d.actions.settle(lambda s: d.wait(s, watch_abort=True), lambda: bool(d.aborted))
    if not d.aborted:
        d.wait(settle, watch_abort=True)
