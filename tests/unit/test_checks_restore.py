"""The way back (``restore:``) judged on literal timelines: rejoin, failback, and the windows of the
failover's checks and of per_site once a rejoin, a failback and a steady-after phase follow the heal.

Each test tries to make a check say something the timeline does not show: a stale "ready" read
before the power came back, an outage of the settle counted as the failback's, the failback's
outage counted against the failover, a site judged while the failback still moves it.

The reference run (one sample a second; site a loses power 10-30 s):

    steady 0 | fault 5 (cut-a hits at 10) | heal 30 | rejoin 32 | settle 40 | failback 50 |
    steady-after 60 | verify 70
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pytest

from drills.checks import REGISTRY, CheckInput, evaluate, judged_window
from drills.checks.availability import AvailabilityTargets
from drills.checks.failback import FailbackTargets, failback_window
from drills.checks.max_outage import MaxOutageTargets
from drills.checks.per_site import PerSiteTargets
from drills.checks.rejoin import RejoinTargets, power_back
from drills.model.result import Verdict
from drills.model.scenario import FAILBACK_ID, CheckSpec, Targets
from drills.model.timeline import ActionEvent, FaultEvent, Phase, ProbeStart, Record, RejoinState, Sample, Timeline

P = 1.0  # one sample a second
END = 70.0  # verify
CAPS = ("chat", "login", "devtools")

CUT = FaultEvent(9.8, "inject", "cut-a", "power_cut", "site a", end=11.0, destructive_t=10.0, cut_site="a")
STEADY_TO_HEAL = [Phase(0, "steady"), Phase(5, "fault"), Phase(30, "heal")]
WAY_BACK = [*STEADY_TO_HEAL, Phase(32, "rejoin"), Phase(40, "settle"), Phase(50, "failback"),
            Phase(60, "steady-after"), Phase(END, "verify")]  # fmt: skip
NOT_YET = "pg-a: not streaming yet; 4 of 5 services healthy (chat-a starting)"
IN_SYNC = "pg-a: in sync; 5 of 5 services healthy"
TRIGGER, WHAT = "at the start of the failback phase", "POST /ops/failover through devtools (edge)"
FAILBACK_DONE = ActionEvent(50.0, FAILBACK_ID, "http", TRIGGER, WHAT, triggered_t=50.0, end=53.0, ok=True, target=20.0,
                            status=200)  # fmt: skip


def without(phase: str) -> list[Phase]:
    return [p for p in WAY_BACK if p.phase != phase]


def heal(t: float, fault: str = "cut-a", ok: bool = True) -> FaultEvent:
    return FaultEvent(t, "heal", fault, "power_cut", "site a", ok=ok, error="" if ok else "pg-a did not start",
                      end=t + 2.0)  # fmt: skip


def cut(t: float, fault: str) -> FaultEvent:
    return FaultEvent(t - 0.2, "inject", fault, "power_cut", "site a", end=t + 1.0, destructive_t=t, cut_site="a")


def edge(cap: str, down: Sequence[tuple[float, float]] = (), until: float = END, via: str = "") -> list[Record]:
    """A probe's record and one sample a second from 0 to ``until``: failed in each ``[start, end)``
    of ``down``, else served (by site b while a is dark)."""
    name = f"{cap}@{via}" if via else cap
    out: list[Record] = [ProbeStart(0.0, name, cap, P, 2.0, 3, via=via)]
    for i in range(int(until)):
        t = float(i)
        ok = not any(a <= t < b for a, b in down)
        out.append(Sample(t, name, cap, ok, 0.05, "" if ok else "timeout", site="b", via=via))
    return out


def rejoined(at: float = 40.0, site: str = "a") -> list[Record]:
    """What the rejoin phase records for a site that is ready at ``at``."""
    return [RejoinState(32.0, site, False, NOT_YET), RejoinState(at, site, True, IN_SYNC, final=True)]


def timeline(*parts: Iterable[Record], phases: Sequence[Record] = WAY_BACK,
             faults: Sequence[Record] = (CUT, heal(30.0))) -> Timeline:  # fmt: skip
    records: list[Record] = [*phases, *faults]
    for part in parts:
        records.extend(part)
    return Timeline(tuple(sorted(records, key=lambda r: getattr(r, "t", 0.0))))


def judge(check: str, tl: Timeline, subject: str, *targets: Any) -> tuple[Verdict, ...]:
    fn = REGISTRY[check].fn
    assert fn is not None
    return fn(CheckInput(tl, subject, Targets.of(*targets), P))


def one(check: str, tl: Timeline, subject: str, *targets: Any) -> Verdict:
    [v] = judge(check, tl, subject, *targets)
    return v


def finding(v: Verdict) -> str:
    fn = REGISTRY[v.check].finding
    assert fn is not None
    return fn(v)


# -- rejoin ----------------------------------------------------------------------------------------


def test_rejoin_within_target_passes_measured_from_the_power_coming_back() -> None:
    v = one("rejoin", timeline(rejoined(at=40.0)), "a")
    assert (v.status, v.measured, v.target) == ("pass", 10.0, 60.0)  # ready at 40, heal of cut-a started at 30
    assert v.message == f"site a rejoined 10s after its power's return at 30.0s <= target 1m ({IN_SYNC})"
    assert (v.details["power_back"], v.details["rejoined"], v.details["fault"]) == (30.0, 40.0, "cut-a")


def test_rejoin_later_than_target_fails() -> None:
    v = one("rejoin", timeline(rejoined(at=40.0)), "a", RejoinTargets(target=9.0))
    assert (v.status, v.measured) == ("fail", 10.0)
    assert "rejoined 10s after its power's return at 30.0s > target 9s" in v.message
    assert finding(v) == "site a took 10s to rejoin after the restore (allowed ≤ 9s)"


def test_a_site_never_ready_fails_naming_what_was_still_missing() -> None:
    behind = "pg-a: not the synchronous standby; 5 of 5 services healthy"
    records = [RejoinState(32.0, "a", False, NOT_YET), RejoinState(50.0, "a", False, behind),
               RejoinState(152.0, "a", False, behind, final=True)]  # fmt: skip
    v = one("rejoin", timeline(records), "a")
    assert v.status == "fail" and v.measured is None
    assert v.message == f"site a did not rejoin within 2m2s of its power's return at 30.0s: {behind}"
    assert finding(v) == f"site a never rejoined after the restore ({behind})"


def test_a_ready_read_before_the_power_came_back_does_not_count() -> None:
    stale = RejoinState(20.0, "a", True, "read while the power was out")
    given_up = [RejoinState(32.0, "a", False, NOT_YET), RejoinState(152.0, "a", False, NOT_YET, final=True)]
    v = one("rejoin", timeline([stale], given_up), "a")
    assert v.status == "fail" and NOT_YET in v.message
    late = one("rejoin", timeline([stale], rejoined(at=45.0)), "a")
    assert (late.status, late.measured) == ("pass", 15.0)  # from the heal at 30, not the stale 20
    # nothing read after the power came back: the rejoin was never watched, nothing to fail on
    only_stale = one("rejoin", timeline([stale]), "a")
    assert only_stale.status == "unknown" and "never reached the rejoin phase" in only_stale.message


def test_another_sites_ready_record_does_not_count() -> None:
    v = one("rejoin", timeline([RejoinState(32.0, "a", False, NOT_YET, final=True)], rejoined(at=35.0, site="b")), "a")
    assert v.status == "fail" and v.details["states"] == 1


def test_no_heal_of_the_cut_is_unknown() -> None:
    v = one("rejoin", timeline(rejoined(), faults=(CUT,)), "a")
    assert v.status == "unknown" and v.message == "site a: rejoin unknown: no heal of its cut on the timeline"
    failed_heal = one("rejoin", timeline(rejoined(), faults=(CUT, heal(30.0, ok=False))), "a")
    assert failed_heal.status == "unknown"
    assert power_back(timeline(faults=(CUT, heal(30.0))), "b") is None  # site b was never cut


def test_a_restored_site_without_rejoin_records_is_unknown_and_still_judged() -> None:
    tl = timeline(edge("chat"))
    [v] = [x for x in evaluate(tl, CheckSpec(), P, capabilities=["chat"], restored=("a",)) if x.check == "rejoin"]
    assert v.name == "rejoin[a]" and v.status == "unknown"
    assert v.message == "site a: rejoin unknown: the run never reached the rejoin phase"
    # without restore: (nothing declared, nothing recorded) there is no rejoin verdict at all
    assert not [x for x in evaluate(tl, CheckSpec(), P, capabilities=["chat"]) if x.check == "rejoin"]


def test_rejoin_disabled_gives_no_verdict() -> None:
    assert judge("rejoin", timeline(rejoined()), "a", RejoinTargets(enabled=False)) == ()
    off = CheckSpec(defaults=Targets.of(RejoinTargets(enabled=False)))
    assert not [x for x in evaluate(timeline(rejoined()), off, P, restored=("a",)) if x.check == "rejoin"]


def test_two_cuts_of_the_same_site_count_from_the_last_heal() -> None:
    faults = (cut(10.0, "cut-a1"), heal(15.0, "cut-a1"), cut(20.0, "cut-a2"), heal(30.0, "cut-a2"))
    v = one("rejoin", timeline(rejoined(at=40.0), faults=faults), "a")
    assert (v.status, v.measured, v.details["fault"]) == ("pass", 10.0, "cut-a2")  # not 25 s from cut-a1's heal
    assert one("rejoin", timeline(rejoined(at=40.0), faults=faults), "a", RejoinTargets(target=9.0)).status == "fail"


def test_the_last_cut_not_healed_is_unknown_not_counted_from_an_earlier_heal() -> None:
    # cut-a1 healed at 15; cut-a2 hit at 20 and its heal failed: the power never came back for good
    faults = (cut(10.0, "cut-a1"), heal(15.0, "cut-a1"), cut(20.0, "cut-a2"), heal(30.0, "cut-a2", ok=False))
    v = one("rejoin", timeline(rejoined(at=40.0), faults=faults), "a")
    assert v.status == "unknown" and "no heal of its cut" in v.message
    assert power_back(timeline(faults=faults), "a") is None


def test_overlapping_cuts_count_from_the_heal_that_brought_the_power_back() -> None:
    # cut-a2 (15-25) inside cut-a1 (10-30): the power is back only when cut-a1 is healed too
    faults = (cut(10.0, "cut-a1"), cut(15.0, "cut-a2"), heal(25.0, "cut-a2"), heal(30.0, "cut-a1"))
    v = one("rejoin", timeline(rejoined(at=40.0), faults=faults), "a")
    assert (v.measured, v.details["fault"]) == (10.0, "cut-a1")


def test_a_cut_healed_by_the_heal_all_counts_from_it() -> None:
    heal_all = FaultEvent(30.0, "heal", "*", "heal_all", "all", end=31.0)
    v = one("rejoin", timeline(rejoined(at=40.0), faults=(CUT, heal_all)), "a")
    assert (v.status, v.measured) == ("pass", 10.0)


def test_a_wait_cut_short_before_the_target_is_unknown_not_a_failure() -> None:
    # the run aborted 5 s into the rejoin phase: the site had 60 s, nothing says it would not have made it
    aborted = [*STEADY_TO_HEAL, Phase(32, "rejoin"), Phase(37, "verify")]
    v = one("rejoin", timeline([RejoinState(32.0, "a", False, NOT_YET)], phases=aborted), "a")
    assert v.status == "unknown" and NOT_YET in v.message
    # ... but one that was still not ready past its target has failed, final record or not
    long = [*STEADY_TO_HEAL, Phase(32, "rejoin"), Phase(100, "verify")]
    v = one("rejoin", timeline([RejoinState(32.0, "a", False, NOT_YET)], phases=long), "a")
    assert v.status == "fail" and "did not rejoin within 1m10s" in v.message


# -- failback --------------------------------------------------------------------------------------


def failback(tl: Timeline, cap: str = "chat", max_outage: float = 10.0) -> Verdict:
    return one("failback", tl, cap, FailbackTargets(max_outage=max_outage))


def test_no_failback_phase_and_no_failback_action_gives_no_verdict() -> None:
    no_failback = without("failback")
    tl = timeline(edge("chat", down=[(51, 55)]), rejoined(), phases=no_failback)
    assert failback_window(tl) is None and judge("failback", tl, "chat") == ()
    assert not [v for v in evaluate(tl, CheckSpec(), P, capabilities=CAPS) if v.check == "failback"]


def test_a_short_outage_during_the_failback_passes() -> None:
    v = failback(timeline(edge("chat", down=[(51, 55)]), [FAILBACK_DONE]))
    assert (v.status, v.measured, v.target) == ("pass", 4.0, 10.0)
    assert v.details["window"] == [50.0, 60.0] and v.details["recovered"] is True
    assert "4 failed samples from 51.0s, recovered at 55.0s" in v.message


def test_no_outage_at_all_passes_with_zero() -> None:
    v = failback(timeline(edge("chat"), [FAILBACK_DONE]))
    assert (v.status, v.measured) == ("pass", 0.0)


def test_an_outage_longer_than_max_outage_fails() -> None:
    v = failback(timeline(edge("chat", down=[(51, 58)]), [FAILBACK_DONE]), max_outage=5.0)
    assert (v.status, v.measured) == ("fail", 7.0)
    assert finding(v) == "chat was down 7s during the failback (allowed ≤ 5s)"


def test_a_capability_still_down_at_the_end_of_the_failback_fails() -> None:
    v = failback(timeline(edge("chat", down=[(55, END)]), [FAILBACK_DONE]), max_outage=30.0)
    assert v.status == "fail" and v.details["recovered"] is False
    assert v.measured == 5.0  # 55 -> the window end at 60, short of max_outage: it is the not coming back that fails
    assert finding(v) == "chat did not come back after the failback"


def test_a_failback_declared_but_not_performed_is_unknown() -> None:
    not_done = ActionEvent(40.5, FAILBACK_ID, "http", TRIGGER, WHAT, target=20.0,
                           error="not performed: the restored site did not rejoin")
    no_failback = without("failback")
    tl = timeline(edge("chat"), [not_done], phases=no_failback)
    v = failback(tl)
    assert v.status == "unknown" and "not performed: the restored site did not rejoin" in v.message
    verdicts = {x.name: x for x in evaluate(tl, CheckSpec(), P, capabilities=["chat"], actions=(FAILBACK_ID,))}
    assert verdicts["activation[failback]"].status == "fail"  # it never triggered: the operator action failed


def test_an_outage_during_the_settle_is_not_the_failbacks() -> None:
    settle_outage = timeline(edge("chat", down=[(41, 48)]), [FAILBACK_DONE])
    assert (failback(settle_outage, max_outage=1.0).status, failback(settle_outage).measured) == ("pass", 0.0)
    # down from the settle into the failback: only its part inside the failback phase counts
    straddling = failback(timeline(edge("chat", down=[(41, 52)]), [FAILBACK_DONE]))
    assert (straddling.status, straddling.measured) == ("pass", 2.0)


def test_an_outage_after_the_failback_phase_is_not_the_failbacks() -> None:
    v = failback(timeline(edge("chat", down=[(61, 68)]), [FAILBACK_DONE]), max_outage=1.0)
    assert (v.status, v.measured) == ("pass", 0.0)


def test_per_site_failures_during_the_failback_are_not_the_users() -> None:
    tl = timeline(edge("chat"), edge("chat", down=[(50, 60)], via="a"), [FAILBACK_DONE])
    assert (failback(tl, max_outage=1.0).status, failback(tl).measured) == ("pass", 0.0)


def test_no_sample_in_the_failback_is_unknown() -> None:
    v = failback(timeline(edge("chat", until=48.0), [FAILBACK_DONE]))
    assert v.status == "unknown" and "no chat samples" in v.message


# -- the failover's window ends where the way back begins ------------------------------------------

FAILOVER_AND_FAILBACK = ((10, 13), (51, 58))  # 3 s down after the cut, 7 s during the failback


def test_faults_and_settle_ends_at_the_failback_phase() -> None:
    tl = timeline(edge("chat", down=FAILOVER_AND_FAILBACK), rejoined(), [FAILBACK_DONE])
    w = judged_window(tl, "faults+settle", P)
    assert w is not None and (w.start, w.end) == (10.0, 50.0)  # the rejoin (32-40) is in it, the failback is not
    targets = Targets.of(MaxOutageTargets(target=5.0))
    outage = one("max_outage", tl, "chat", targets.items[0])
    assert (outage.status, outage.measured) == ("pass", 3.0)  # not the failback's 7 s
    availability = one("availability", tl, "chat")
    assert availability.measured == pytest.approx(37 / 40)
    assert failback(tl).measured == 7.0  # the failback's outage is the failback check's


def test_without_a_failback_it_ends_at_steady_after_and_without_restore_at_verify() -> None:
    no_failback = without("failback")
    tl = timeline(edge("chat", down=FAILOVER_AND_FAILBACK), phases=no_failback)
    w = judged_window(tl, "faults+settle", P)
    assert w is not None and w.end == 60.0
    plain = [*STEADY_TO_HEAL, Phase(32, "settle"), Phase(END, "verify")]
    tl = timeline(edge("chat", down=FAILOVER_AND_FAILBACK), phases=plain)
    w = judged_window(tl, "faults+settle", P)
    assert w is not None and (w.start, w.end) == (10.0, END)
    assert one("max_outage", tl, "chat", MaxOutageTargets(target=5.0)).status == "fail"  # the 7 s now counts
    w = judged_window(tl, "all", P)
    assert w is not None and (w.start, w.end) == (0.0, END)


def test_the_faults_window_still_ends_at_the_heal() -> None:
    tl = timeline(edge("chat", down=FAILOVER_AND_FAILBACK), rejoined(), [FAILBACK_DONE])
    w = judged_window(tl, "faults", P)
    assert w is not None and (w.start, w.end) == (10.0, 30.0)
    v = one("availability", tl, "chat", AvailabilityTargets(window="faults"))
    assert v.measured == pytest.approx(17 / 20)


# -- per_site: the after-window is the steady-after phase ------------------------------------------


def per_site(tl: Timeline, cap: str = "devtools") -> Verdict:
    return one("per_site", tl, cap, PerSiteTargets())


def site_a(down_after: Sequence[tuple[float, float]]) -> list[Record]:
    """Site a's own devtools: dark during the cut and the rejoin (10-40), then as ``down_after`` says."""
    return edge("devtools", down=[(10, 40), *down_after], via="a")


def test_a_site_switching_during_the_failback_but_serving_in_steady_after_passes() -> None:
    tl = timeline(site_a([(50, 60)]), edge("devtools", via="b"), rejoined(), [FAILBACK_DONE])
    v = per_site(tl)
    assert v.status == "pass" and v.details["after_window"] == [60.0, END]


def test_a_site_failing_at_the_end_of_steady_after_fails() -> None:
    tl = timeline(site_a([(66, END)]), edge("devtools", via="b"), rejoined(), [FAILBACK_DONE])
    v = per_site(tl)
    assert v.status == "fail" and "by site a" in v.message and "failing at 69.0s" in v.message


def test_without_steady_after_the_after_window_ends_where_the_failback_begins() -> None:
    no_steady_after = without("steady-after")
    tl = timeline(site_a([(50, END)]), edge("devtools", via="b"), rejoined(), [FAILBACK_DONE], phases=no_steady_after)
    v = per_site(tl)
    assert v.status == "pass" and v.details["after_window"] == [40.0, 50.0]
    broken = timeline(site_a([(45, END)]), edge("devtools", via="b"), rejoined(), [FAILBACK_DONE],
                      phases=no_steady_after)  # fmt: skip
    assert per_site(broken).status == "fail"
