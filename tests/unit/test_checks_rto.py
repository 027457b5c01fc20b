"""RTO against literal timelines: counted from the fault's destructive instant, stable for a
duration, reported as an interval [lower, upper] bounded by sampling."""

from __future__ import annotations

import pytest

from drills.model.timeline import FaultEvent, Sample
from tests.unit.test_checks import heal, inject, run, samples, tl


def hit(t_start: float, destructive: float, fault: str = "cut-a") -> FaultEvent:
    """An inject whose action started at ``t_start`` and first broke something at ``destructive``."""
    return FaultEvent(t_start, "inject", fault, "power_cut", "site a", destructive_t=destructive, cut_site="a")


def test_rto_first_and_stable_with_their_intervals() -> None:
    # inject at 2; fails from 3; first success at 8; flaps at 9; stable for 3s from 10
    t = tl(inject(2), samples("chat", "+++-----+-+++++"), heal(14))
    first, stable = run("rto", t, rto=6.0, rto_stable=8.0, stable_for=3.0)
    assert (first.check, first.measured, first.status) == ("rto_first", 6.0, "pass")
    assert (stable.check, stable.measured, stable.status) == ("rto_stable", 8.0, "pass")
    # last failed sample started at 7, the recovering one started at 8: an action started at 7 failed,
    # one started at 8 succeeded: RTO in [5, 6], one period wide (its latency is not uncertainty)
    assert first.details["interval"] == [5.0, 6.0]
    assert first.bound is None  # an interval, not a symmetric "±"
    assert "RTO 6s [5s, 6s] <= target 6s" in first.message
    # stable: last failure at 9, stable success from 10
    assert stable.details["interval"] == [7.0, 8.0]


def test_rto_counts_from_the_destructive_instant_not_the_start_of_the_action() -> None:
    # the action started at 1.0 but spent 0.4s preparing; the first kill went out at 1.4
    t = tl(hit(1.0, 1.4), samples("chat", "+-----++++++++"), heal(13))
    first, _ = run("rto", t, stable_for=2.0)
    assert first.measured == pytest.approx(4.6)  # success at 6.0 - 1.4, not 6.0 - 1.0
    assert "hit at 1.4s" in first.message


def test_stable_is_a_duration_not_a_sample_count() -> None:
    # success at 5 then 3 s of successes: stable for 3s, not for 4s
    t = tl(inject(0), samples("chat", "-----+++-+"), heal(20))
    _, stable3 = run("rto", t, rto=10.0, stable_for=3.0)
    assert stable3.status == "pass" and stable3.measured == 5.0
    _, stable4 = run("rto", t, rto=10.0, stable_for=4.0)
    assert stable4.status == "fail" and "never succeeded for 4s in a row" in stable4.message
    # the same 3 successes at twice the rate (0.5 s apart) cover only 1.5 s
    half = [Sample(5 + i * 0.5, "chat", "chat", True, 0.1) for i in range(3)]
    t = tl(inject(0), samples("chat", "-----"), half, [Sample(6.5, "chat", "chat", False, 0.1)], heal(20))
    _, stable = run("rto", t, rto=10.0, stable_for=3.0)
    assert stable.measured is None


def test_rto_recovery_exactly_at_the_target_passes_and_just_over_fails() -> None:
    t = tl(inject(0), samples("chat", "-----+++"))
    (first, _) = run("rto", t, rto=5.0, stable_for=3.0)
    assert first.measured == 5.0 and first.status == "pass"
    (first, _) = run("rto", t, rto=4.99, stable_for=3.0)
    assert first.status == "fail"


def test_rto_never_failed_is_zero_within_one_period() -> None:
    first, stable = run("rto", tl(inject(1), samples("chat", "+" * 12), heal(5)), stable_for=3.0)
    assert first.status == "pass" and first.measured == 0.0
    assert first.details["interval"] == [0.0, 1.0]
    assert "never failed after cut-a" in first.message
    assert stable.measured == 0.0


def test_rto_never_recovered_fails_with_no_measurement() -> None:
    first, stable = run("rto", tl(inject(1), samples("chat", "++------"), heal(5)))
    assert first.status == "fail" and first.measured is None
    assert "never recovered after cut-a" in first.message
    assert stable.status == "fail" and stable.measured is None


def test_rto_fault_never_healed_is_still_judged() -> None:
    first, _stable = run("rto", tl(inject(1), samples("chat", "+---++++++")), rto=10.0, stable_for=3.0)
    assert first.status == "pass" and first.measured == 3.0
    assert "never healed" in first.message
    first, _ = run("rto", tl(inject(1), samples("chat", "+-------")))
    assert first.status == "fail" and "never healed" in first.message


def test_rto_counts_a_request_in_flight_at_the_hit() -> None:
    # sample at 0.5 (latency 1s) failed; it was in flight at the hit at 1.0
    t = tl(inject(1.0), [Sample(0.5, "chat", "chat", False, 1.0), Sample(1.5, "chat", "chat", True, 0.1)])
    first, _ = run("rto", t, stable_for=0.5)
    assert first.measured == pytest.approx(0.5)
    assert first.details["interval"] == [0.0, pytest.approx(0.5)]  # never before the hit


def test_rto_reports_the_worst_of_several_faults() -> None:
    t = tl(inject(0, "f1"), inject(10, "f2"), samples("chat", "-+++++++++----+++++"), heal(5, "f1"), heal(15, "f2"))
    first, _ = run("rto", t, rto=3.0, stable_for=2.0)
    assert first.measured == 4.0 and first.status == "fail" and "worst fault f2" in first.message
    assert [f["fault"] for f in first.details["faults"]] == ["f1", "f2"]


def test_rto_without_inject_or_samples_is_unknown() -> None:
    first, stable = run("rto", tl(samples("chat", "++")))
    assert first.status == stable.status == "unknown" and "no fault was injected" in first.message
    first, _ = run("rto", tl(inject(0)))
    assert first.status == "unknown" and "no chat samples" in first.message
    failed = FaultEvent(0, "inject", "cut-a", "power_cut", "site a", ok=False, error="boom")
    first, _ = run("rto", tl(failed, samples("chat", "++")))
    assert first.status == "unknown" and "no fault inject succeeded" in first.message


def test_a_success_that_started_before_the_hit_is_not_a_recovery() -> None:
    # measured in a real drill: the cut hit at 27.82; a chat sample started at 27.59 failed (in
    # flight at the hit), one started at 27.7 got through before the site went dark and ended at
    # 27.9; everything after failed until site b served at 34.8. RTO is ~7 s, not 0.
    t = tl(inject(27.82), [Sample(27.59, "chat", "chat", False, 2.0, "read: timeout"),
                           Sample(27.7, "chat", "chat", True, 0.2),
                           *[Sample(27.8 + i * 0.5, "chat", "chat", False, 2.0, "send: timeout") for i in range(14)],
                           *[Sample(34.8 + i * 0.5, "chat", "chat", True, 0.1) for i in range(20)]],
           heal(57.6))  # fmt: skip
    first, _ = run("rto", t, stable_for=2.0)
    assert first.measured == pytest.approx(34.8 - 27.82)
    assert first.details["interval"] == [pytest.approx(34.3 - 27.82), pytest.approx(34.8 - 27.82)]


def test_a_success_the_dying_site_answered_is_not_a_recovery() -> None:
    """no-witness, measured: a login timed out at the hit, the next one (started 24 ms after it) was
    answered by site a while the power cut was still killing its containers, then 35 s of timeouts.
    Counting that answer made rto_first 24 ms for a capability that did not come back until the heal."""

    def at(t: float, ok: bool, site: str = "") -> Sample:
        return Sample(t, "login", "login", ok, 0.1 if ok else 2.0, error="" if ok else "timeout", site=site)

    racing = [at(10.0, False), at(10.1, True, "a")] + [at(10.2 + i * 0.1, False) for i in range(300)]
    back = [at(45.0 + i * 0.1, True, "a") for i in range(100)]  # after the heal at 40: site a again
    t = tl(hit(9.9, 10.0), racing, heal(40.0), back)
    first, stable = run("rto", t, "login", rto=15.0, stable_for=5.0)
    assert first.status == "fail" and first.measured == pytest.approx(35.0)
    assert stable.status == "fail" and stable.measured == pytest.approx(35.0)
    # the same answer from the surviving site b is a recovery (that is what failover looks like)
    racing[1] = at(10.1, True, "b")
    first, _ = run("rto", tl(hit(9.9, 10.0), racing, heal(40.0), back), "login", rto=15.0, stable_for=5.0)
    assert first.status == "pass" and first.measured == pytest.approx(0.1)
