"""One capability, one up/down signal, judged by time: availability, max outage, the abort rule
and the sampling rate against literal timelines (docs/measuring.md). Each rule has the timeline
that must fail it and the one that must pass."""

from __future__ import annotations

import random
from typing import Any

import pytest

from drills.checks import REGISTRY, CheckInput, down_since, evaluate, should_abort
from drills.checks.common import judged_window, signal
from drills.model.result import Verdict, overall_status
from drills.model.scenario import AbortRule, CheckSpec
from drills.model.timeline import OVERLOADED, FaultEvent, Phase, ProbeStart, Record, Sample, Timeline
from tests.unit.targets import flat_targets

P = 1.0


def at(t: float, ok: bool, latency: float = 0.05, probe: str = "chat", cap: str = "chat", **kw: Any) -> Sample:
    return Sample(t, probe, cap, ok, latency, "" if ok else kw.pop("error", "HTTP 503"), intended=t, **kw)


def pattern(p: str, start: float = 0.0, period: float = P, probe: str = "chat", latency: float = 0.05) -> list[Sample]:
    return [at(start + i * period, ch == "+", latency, probe) for i, ch in enumerate(p)]


def tl(*parts: list[Sample] | Record) -> Timeline:
    out: list[Record] = []
    for part in parts:
        out.extend(part if isinstance(part, list) else [part])
    return Timeline(tuple(out))


def inject(t: float = 0.0) -> FaultEvent:
    return FaultEvent(t, "inject", "cut-a", "power_cut", "site a")


def judge(check: str, timeline: Timeline, subject: str = "chat", **targets: Any) -> Verdict:
    fn = REGISTRY[check].fn
    assert fn is not None
    (v,) = fn(CheckInput(timeline, subject, flat_targets(**targets), P))
    return v


# ---------------------------------------------------------------- availability is time, not a count


def test_irregular_spacing_weighs_each_sample_by_the_time_it_speaks_for() -> None:
    # a burst of three successes in the first second, then failures one every two seconds
    t = tl(inject(), [at(0, True), at(0.25, True), at(0.5, True), at(1, False), at(3, False)],
           pattern("+++++", start=5), Phase(10, "verify"))  # fmt: skip
    v = judge("availability", t, availability=0.7)
    assert v.measured == pytest.approx(0.6)  # down 1..5 of 0..10 (by count it would be 8/10)
    assert v.status == "fail" and v.details["down_s"] == pytest.approx(4.0)
    assert judge("availability", t, availability=0.6).status == "pass"


def test_fast_503s_and_slow_timeouts_of_the_same_outage_weigh_the_same() -> None:
    fast = tl(inject(), pattern("+++----+++"), Phase(10, "verify"))
    # a closed loop stuck on one 4 s timeout: one failed sample where the fast one had four
    slow = tl(inject(), pattern("+++"), [at(3, False, latency=4.0, error="timeout")], pattern("+++", start=7),
              Phase(10, "verify"))  # fmt: skip
    for timeline in (fast, slow):
        v = judge("availability", timeline, availability=0.8)
        assert v.measured == pytest.approx(0.6) and v.status == "fail"  # by count: 6/10 and 6/7 = 86% pass
        assert judge("max_outage", timeline, max_outage=3.0).measured == pytest.approx(4.0)
    assert judge("availability", slow, availability=0.6).status == "pass"


def test_a_success_slower_than_the_declared_timeout_is_down() -> None:
    declared = ProbeStart(0, "chat", "chat", period=P, timeout=2.0, max_in_flight=3)
    samples = [*pattern("++"), at(2, True, latency=2.5), *pattern("+++++++", start=3)]
    v = judge("availability", tl(declared, inject(), samples, Phase(10, "verify")))
    assert v.measured == pytest.approx(0.9) and v.details["down_s"] == pytest.approx(1.0)
    on_time = [*pattern("++"), at(2, True, latency=1.9), *pattern("+++++++", start=3)]
    assert judge("availability", tl(declared, inject(), on_time, Phase(10, "verify"))).measured == 1.0


def test_overloaded_ticks_are_down() -> None:
    samples = [*pattern("++"), Sample(2, "chat", "chat", False, 0.0, OVERLOADED, intended=2), *pattern("++", 3)]
    v = judge("availability", tl(inject(), samples, Phase(5, "verify")), availability=0.9)
    assert v.measured == pytest.approx(0.8) and v.status == "fail"


# ---------------------------------------------------------------- gaps


def test_time_without_a_sample_is_not_up_after_two_periods() -> None:
    t = tl(inject(), pattern("+++"), pattern("++", start=8), Phase(10, "verify"))
    v = judge("availability", t, availability=0.5)
    assert v.measured == pytest.approx(0.6) and v.details["unknown_s"] == pytest.approx(4.0)  # 4..8
    assert "4s without a sample" in v.message and v.status == "pass"
    m = judge("max_outage", t, max_outage=3.0)
    assert m.measured == pytest.approx(4.0) and m.status == "fail" and "0 failed samples" in m.message
    regular = tl(inject(), pattern("+" * 10), Phase(10, "verify"))
    assert judge("availability", regular).measured == 1.0 and judge("max_outage", regular).measured == 0.0


def test_a_declared_period_sets_the_gap_rule() -> None:
    # 10 Hz declared, then 0.5 s without a sample: more than two periods
    declared = ProbeStart(0, "chat", "chat", period=0.1, timeout=2.0, max_in_flight=21)
    samples = pattern("+" * 10, period=0.1) + pattern("+" * 5, start=1.5, period=0.1)
    spans = signal(tl(declared, samples), "chat", 0.0, 2.0, 0.1)
    assert [(round(s.start, 3), round(s.end, 3), s.state) for s in spans] == [
        (0.0, 1.1, "up"), (1.1, 1.5, "unknown"), (1.5, 2.0, "up")]  # fmt: skip


def test_the_sample_before_the_window_speaks_for_its_start() -> None:
    t = tl(pattern("-" * 4 + "+" * 6), inject(2.5), Phase(10, "verify"))  # down from 0, back at 4
    v = judge("max_outage", t)
    assert v.measured == pytest.approx(1.5) and v.details["longest"]["start"] == 2.5


# ---------------------------------------------------------------- several probes, one signal


def test_several_probes_on_one_capability_are_up_only_when_all_are() -> None:
    chat = pattern("+++------+")  # the journey: a 6 s outage
    health = pattern("+" * 10, start=0.05, probe="health")  # an always-ok /health on chat
    t = tl(inject(), chat, health, Phase(10, "verify"))
    m = judge("max_outage", t, max_outage=5.0)
    assert m.measured == pytest.approx(6.0) and m.status == "fail"  # merged by count it was 0.05 s, pass
    a = judge("availability", t, availability=0.5)
    assert a.measured == pytest.approx(0.395) and a.status == "fail"
    both_ok = tl(inject(), pattern("+" * 10), health, Phase(10, "verify"))
    # health first speaks at 0.05: before that the capability is not known to be up
    assert judge("max_outage", both_ok).measured == pytest.approx(0.05)
    assert judge("availability", both_ok).measured == pytest.approx(0.995)


def test_a_declared_probe_that_never_answered_keeps_its_capability_from_being_up() -> None:
    declared = [ProbeStart(0, n, "chat", period=P, timeout=2.0, max_in_flight=3) for n in ("chat", "health")]
    t = tl(*declared, inject(), pattern("+" * 10), Phase(10, "verify"))
    v = judge("availability", t, availability=0.5)
    assert v.measured == 0.0 and v.details["unknown_s"] == pytest.approx(10.0)


def test_abort_uses_the_same_signal() -> None:
    chat = pattern("+++" + "-" * 7)
    health = pattern("+" * 10, start=0.05, probe="health")
    t = tl(chat, health)
    assert down_since(t, "chat") == 3.0
    rule = AbortRule("chat", 5.0)
    assert should_abort(t, [rule], now_t=8.5) is not None
    assert should_abort(t, [rule], now_t=7.5) is None
    assert down_since(tl(pattern("+" * 10), health), "chat") is None


@pytest.mark.parametrize("seed", range(20))
def test_abort_looking_back_a_stretch_answers_as_the_whole_run_does(seed: int) -> None:
    # Random irregular samples of two probes, some slow past the timeout, a gap now and then.
    rng = random.Random(seed)
    samples: list[Sample] = []
    for probe, start in (("chat", 0.0), ("health", 0.03)):
        t, run_ok = start, True
        while t < 60:
            if rng.random() < 0.08:
                run_ok = not run_ok  # outages come in runs
            samples.append(at(round(t, 3), run_ok and rng.random() > 0.05, rng.choice([0.05] * 5 + [3.0]), probe))
            t += rng.choice([P, P, P, 0.4, 2.5, 7.0])
    declared = [ProbeStart(0, n, "chat", period=P, timeout=2.0, max_in_flight=3) for n in ("chat", "health")]
    answers = set()
    for now in [x / 2 for x in range(1, 130)]:
        seen = tl(*declared, [s for s in samples if s.t < now])  # what the runner has seen by then
        full = down_since(seen, "chat", now)
        for look_back in (0.5, 2.0, 5.0, 30.0):
            assert down_since(seen, "chat", now, look_back=look_back) == full, (now, look_back)
        answers.add(full is None)
    assert answers == {True, False}  # the timeline had both: the comparison was not vacuous


# ---------------------------------------------------------------- sampling rate


def rate(timeline: Timeline) -> Verdict:
    return judge("sampling_rate", timeline)


def ten_hz(n: int, spacing: float, probe: str = "chat", start: float = 0.0) -> list[Sample]:
    return [at(start + round(i * spacing, 4), True, probe=probe) for i in range(n)]


def test_the_declared_rate_passes_and_a_closed_loop_rate_is_an_error() -> None:
    declared = ProbeStart(0, "chat", "chat", period=0.1, timeout=2.0, max_in_flight=21)
    ok = rate(tl(declared, inject(), ten_hz(100, 0.1), Phase(10, "verify")))
    assert ok.status == "pass" and ok.measured == 1.0 and ok.about == "drill"
    slow = rate(tl(declared, inject(), ten_hz(72, 1 / 7.2), Phase(10, "verify")))  # main's chat: 7.2 Hz
    assert slow.status == "fail" and slow.measured == pytest.approx(0.72)
    assert "7.2/10 Hz" in slow.message
    assert overall_status([ok]) == "passed" and overall_status([ok, slow]) == "error"


def test_overloaded_ticks_kept_the_schedule_late_starts_did_not() -> None:
    declared = ProbeStart(0, "chat", "chat", period=0.1, timeout=2.0, max_in_flight=21)
    over = [Sample(8.5 + i / 10, "chat", "chat", False, 0.0, OVERLOADED, intended=8.5 + i / 10) for i in range(15)]
    v = rate(tl(declared, inject(), ten_hz(85, 0.1), over, Phase(10, "verify")))
    assert v.measured == 1.0 and v.status == "pass"  # the system was down, the drill measured it
    assert v.details["probes"]["chat"]["overloaded"] == 15
    # a starved runner: the last 15 ticks each started 0.3 s after their intended time
    late = [Sample(8.5 + i / 10 + 0.3, "chat", "chat", True, 0.01, intended=8.5 + i / 10) for i in range(15)]
    v = rate(tl(declared, inject(), ten_hz(85, 0.1), late, Phase(10, "verify")))
    assert v.measured == pytest.approx(0.85) and v.status == "fail"
    assert v.details["probes"]["chat"]["late"] == 12  # three started after the window end


def test_the_slowest_probe_of_a_capability_is_judged() -> None:
    declared = [ProbeStart(0, n, "chat", period=0.1, timeout=2.0, max_in_flight=21) for n in ("chat", "health")]
    t = tl(*declared, inject(), ten_hz(100, 0.1), ten_hz(50, 0.2, probe="health"), Phase(10, "verify"))
    v = rate(t)
    assert v.status == "fail" and v.details["worst"] == "health" and v.measured == pytest.approx(0.5)


def test_no_samples_is_unknown_and_format_one_timelines_use_the_scenario_period() -> None:
    assert rate(tl(inject(), Phase(10, "verify"))).status == "unknown"
    v = rate(tl(inject(), pattern("+" * 10), Phase(10, "verify")))  # no probe record: P = 1 s
    assert v.status == "pass" and v.measured == 1.0


def test_evaluate_judges_the_sampling_rate_of_every_capability() -> None:
    t = tl(inject(), pattern("+" * 20))
    names = {v.name for v in evaluate(t, CheckSpec(), P, capabilities=("chat",), streams=())}
    assert "sampling_rate[chat]" in names


def test_the_judged_window_starts_when_the_fault_hit_not_when_its_preparation_began() -> None:
    hit = FaultEvent(10.0, "inject", "cut-a", "power_cut", "site a", destructive_t=10.5)
    window = judged_window(Timeline((hit, Phase(40.0, "verify"))), "faults+settle", 0.1)
    assert window is not None and (window.start, window.end) == (10.5, 40.0)
