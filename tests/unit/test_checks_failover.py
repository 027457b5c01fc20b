"""failover: back before the heal, from a surviving site; the timelines that must fail and pass."""

from __future__ import annotations

from drills.checks import REGISTRY, CheckInput
from drills.checks.failover import FailoverTargets
from drills.model.result import Verdict
from drills.model.scenario import Targets
from drills.model.timeline import FaultEvent, Record, Sample, Timeline


def cut(t: float, site: str = "a", fault: str = "cut-a") -> FaultEvent:
    return FaultEvent(t - 0.3, "inject", fault, "power_cut", f"site {site}", destructive_t=t, cut_site=site)


def heal(t: float, fault: str = "cut-a") -> FaultEvent:
    return FaultEvent(t, "heal", fault, "power_cut", "site a", end=t + 15)


def served(pattern: str, start: float = 0.0, cap: str = "devtools") -> list[Sample]:
    """One sample a second: 'a'/'b' ok served by that site, '-' failed, '?' ok without a site."""
    return [Sample(start + i, cap, cap, ch != "-", 0.05, "refused" if ch == "-" else "",
                   "" if ch in "-?" else ch) for i, ch in enumerate(pattern)]  # fmt: skip


def judge(*parts: list[Sample] | Record, **targets: bool) -> dict[str, Verdict]:
    records: list[Record] = []
    for p in parts:
        records.extend(p if isinstance(p, list) else [p])
    fn = REGISTRY["failover"].fn
    assert fn is not None
    inp = CheckInput(Timeline(tuple(records)), "devtools", Targets.of(FailoverTargets(**targets)), 1.0)
    return {v.check: v for v in fn(inp)}


def test_recovery_only_after_the_heal_did_not_fail_over_whatever_the_targets() -> None:
    # site a cut at 3, healed at 33; devtools down the whole cut, back (from site a) at 40
    v = judge(cut(3), served("aaa" + "-" * 37 + "aaaaa"), heal(33))["failover"]
    assert v.status == "fail"
    assert v.message.startswith("devtools did not fail over: recovered only after cut-a was healed")
    assert "heal started at 33.0s, first success at 40.0s" in v.message
    sites = judge(cut(3), served("aaa" + "-" * 37 + "aaaaa"), heal(33))["surviving_sites"]
    assert sites.status == "pass" and "no success during cut-a (site a)" in sites.message
    assert REGISTRY["failover"].finding is not None
    assert REGISTRY["failover"].finding(v).startswith("devtools did not fail over")


def test_recovery_from_the_surviving_site_before_the_heal_failed_over() -> None:
    verdicts = judge(cut(3), served("aaa" + "-" * 8 + "b" * 22 + "aaaa"), heal(33))
    assert verdicts["failover"].status == "pass"
    assert "back from site b at 11.0s, before the heal at 33.0s" in verdicts["failover"].message
    assert verdicts["surviving_sites"].status == "pass"


def test_a_success_from_the_cut_site_is_not_a_failover() -> None:
    # the only successes before the heal claim site a, which had no power
    verdicts = judge(cut(3), served("aaa" + "-" * 8 + "a" * 22 + "aaaa"), heal(33))
    assert verdicts["failover"].status == "fail"
    sites = verdicts["surviving_sites"]
    assert sites.status == "fail" and sites.measured == 22
    assert "22 of 22 successes during cut-a (site a) were served by site a, which was cut" in sites.message


def test_one_success_from_the_dead_site_among_many_fails_surviving_sites() -> None:
    v = judge(cut(3), served("aaa" + "--" + "b" * 10 + "a" + "b" * 20), heal(36))["surviving_sites"]
    assert v.status == "fail" and v.measured == 1 and "first at 15.0s" in v.message


def test_a_capability_that_never_failed_failed_over() -> None:
    verdicts = judge(cut(3), served("aaa" + "b" * 30), heal(33))
    assert verdicts["failover"].status == "pass" and "never failed" in verdicts["failover"].message
    assert verdicts["surviving_sites"].status == "pass"


def test_failing_again_before_the_heal_is_not_back() -> None:
    v = judge(cut(3), served("aaa" + "--bbb" + "-" * 25 + "aaa"), heal(33))["failover"]
    assert v.status == "fail" and "recovered only after cut-a was healed" in v.message


def test_never_recovered_and_never_healed() -> None:
    v = judge(cut(3), served("aaa" + "-" * 20))["failover"]
    assert v.status == "fail" and "did not fail over" in v.message and "was never healed" in v.message


def test_a_partial_fault_judges_failover_without_sites() -> None:
    kill = FaultEvent(2.0, "inject", "kill-a", "kill", "devtools-a (site a)", destructive_t=2.1)
    verdicts = judge(kill, served("aa" + "-" * 5 + "a" * 10), heal(15, "kill-a"))
    assert verdicts["failover"].status == "pass"  # back before the heal; served by site a is fine: a is up
    assert verdicts["surviving_sites"].status == "pass" and "no site was cut" in verdicts["surviving_sites"].message


def test_successes_without_a_site_cannot_be_judged() -> None:
    v = judge(cut(3), served("???" + "??????"), heal(9))["surviving_sites"]
    assert v.status == "unknown"


def test_each_verdict_can_be_turned_off() -> None:
    assert set(judge(cut(3), served("aaa"), heal(5), enabled=False)) == {"surviving_sites"}
    assert set(judge(cut(3), served("aaa"), heal(5), surviving_sites=False)) == {"failover"}


def test_a_short_outage_after_a_steady_failover_does_not_undo_it() -> None:
    # back from b at 11 and steady for 18 s, then down 4 s just before the heal (a real drill on this machine)
    v = judge(cut(3), served("aaa" + "-" * 8 + "b" * 18 + "----" + "aaaa"), heal(33))["failover"]
    assert v.status == "pass" and "back from site b at 11.0s" in v.message


def test_a_return_shorter_than_the_stable_duration_is_not_a_failover() -> None:
    # back from b for 4 s (stable_for is 5 s), then down until the heal
    v = judge(cut(3), served("aaa" + "-" * 8 + "b" * 4 + "-" * 18 + "aaaa"), heal(33))["failover"]
    assert v.status == "fail" and "recovered only after cut-a was healed" in v.message


def test_a_success_from_the_site_while_its_links_were_still_being_cut_is_not_judged() -> None:
    # the cut hit at 3.0 and completed at 4.5 (the inject returned): the success from site a
    # started at 4.0 reached it before its edge link was cut; the one at 5.0 could not have
    event = FaultEvent(2.7, "inject", "cut-a", "power_cut", "site a", destructive_t=3.0, cut_site="a", end=4.5)
    ok_a = [Sample(4.0, "devtools", "devtools", True, 0.1, site="a")]
    v = judge(event, served("aaa"), ok_a, served("b" * 30, start=5.0), heal(33))["surviving_sites"]
    assert v.status == "pass", v.message
    late = [Sample(5.0, "devtools", "devtools", True, 0.1, site="a")]
    v = judge(event, served("aaa"), late, served("b" * 30, start=6.0), heal(33))["surviving_sites"]
    assert v.status == "fail" and v.measured == 1
