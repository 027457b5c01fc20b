"""Every check against literal timelines (no Docker)."""

from __future__ import annotations

from typing import Any

import pytest

from drills.checks import REGISTRY, Check, CheckInput, availability, evaluate, judged_window, max_outage, rto
from drills.model.result import Verdict, overall_status
from drills.model.scenario import CheckSpec
from drills.model.timeline import FaultEvent, Phase, Record, Sample, Timeline
from tests.unit.targets import flat_targets

P = 1.0  # probe period used by these timelines: one sample per second


def samples(cap: str, pattern: str, start: float = 0.0, latency: float = 0.1) -> list[Sample]:
    """'+' ok, '-' failed, one character per second from ``start``."""
    return [Sample(start + i * P, cap, cap, ch == "+", latency) for i, ch in enumerate(pattern)]


def tl(*parts: list[Sample] | Record) -> Timeline:
    out: list[Record] = []
    for part in parts:
        if isinstance(part, list):
            out.extend(part)
        else:
            out.append(part)
    return Timeline(tuple(out))


def inject(t: float, fault: str = "cut-a") -> FaultEvent:
    return FaultEvent(t, "inject", fault, "power_cut", "site a")


def heal(t: float, fault: str = "cut-a") -> FaultEvent:
    return FaultEvent(t, "heal", fault, "power_cut", "site a")


def run(check: Check | str, timeline: Timeline, subject: str = "chat", **targets: Any) -> tuple[Verdict, ...]:
    fn = REGISTRY[check].fn if isinstance(check, str) else check.fn
    assert fn is not None, "a timeline check"
    return fn(CheckInput(timeline, subject, flat_targets(**targets), P))


# ---------------------------------------------------------------- window


def test_window_default_runs_from_first_inject_to_verify_phase() -> None:
    t = tl(samples("chat", "+" * 30), Phase(0, "fault"), inject(5), Phase(20, "settle"), Phase(25, "verify"))
    w = judged_window(t, "faults+settle", P)
    assert w is not None and (w.start, w.end) == (5, 25)
    w = judged_window(t, "faults", P)
    assert w is not None and (w.start, w.end) == (5, 20)
    w = judged_window(t, "all", P)
    assert w is not None and (w.start, w.end) == (0, 25)


def test_window_without_phases_ends_one_period_after_last_sample() -> None:
    w = judged_window(tl(samples("chat", "+++"), inject(1)), "faults+settle", P)
    assert w is not None and (w.start, w.end) == (1, 3)


# ---------------------------------------------------------------- availability


def test_availability_no_samples_is_unknown() -> None:
    (v,) = run("availability", tl(inject(0), samples("login", "++")))
    assert v.status == "unknown" and "no chat samples" in v.message


def test_availability_empty_timeline_is_unknown() -> None:
    (v,) = run("availability", tl())
    assert v.status == "unknown"


def test_availability_all_failed() -> None:
    (v,) = run("availability", tl(inject(0), samples("chat", "-" * 10)))
    assert v.status == "fail" and v.measured == 0.0
    assert v.message == "chat availability 0.0% < target 90.0% (up 0ms of 10s; 0/10 samples ok, window 0.0s-10.0s)"


def test_availability_all_ok() -> None:
    (v,) = run("availability", tl(inject(0), samples("chat", "+" * 10)))
    assert v.status == "pass" and v.measured == 1.0


def test_availability_only_counts_the_window() -> None:
    # 5 failures before the inject are outside the window
    (v,) = run("availability", tl(samples("chat", "-----" + "+" * 9 + "-"), inject(5)), availability=0.9)
    assert v.measured == pytest.approx(0.9) and v.status == "pass"
    assert "9/10 samples ok" in v.message


def test_availability_flapping_capability() -> None:
    (v,) = run("availability", tl(inject(0), samples("chat", "+-" * 10)), availability=0.6)
    assert v.status == "fail" and v.measured == 0.5


# ---------------------------------------------------------------- max outage


def test_max_outage_longest_run_until_next_success() -> None:
    (v,) = run("max_outage", tl(inject(0), samples("chat", "+--+----+")), max_outage=4.0)
    assert v.measured == 4.0 and v.status == "pass" and v.bound == P
    assert "4 failed samples from 4.0s, recovered at 8.0s" in v.message


def test_max_outage_exceeding_target_fails() -> None:
    (v,) = run("max_outage", tl(inject(0), samples("chat", "+-----+")), max_outage=4.0)
    assert v.status == "fail" and v.measured == 5.0


def test_max_outage_never_recovered_runs_to_window_end() -> None:
    t = tl(inject(0), samples("chat", "++------"), Phase(10, "verify"))
    (v,) = run("max_outage", t, max_outage=20.0)
    assert v.measured == 8.0 and "not recovered" in v.message


def test_max_outage_all_ok_is_zero_and_no_samples_unknown() -> None:
    (v,) = run("max_outage", tl(inject(0), samples("chat", "+++")))
    assert v.status == "pass" and v.measured == 0.0
    (v,) = run("max_outage", tl(inject(0)))
    assert v.status == "unknown"


def test_max_outage_flapping_counts_the_longest_flap_only() -> None:
    (v,) = run("max_outage", tl(inject(0), samples("chat", "+-+-+--+-+")), max_outage=1.5)
    assert v.measured == 2.0 and v.status == "fail"
    assert v.details["runs"] == 4


# RTO: tests/unit/test_checks_rto.py


# ---------------------------------------------------------------- evaluate


def test_evaluate_runs_every_check_for_every_capability() -> None:
    t = tl(inject(0), samples("chat", "+" * 20), samples("login", "+" * 20))
    verdicts = evaluate(t, CheckSpec(), P, capabilities=("chat", "login", "devtools"), streams=())
    names = {v.name for v in verdicts}
    for cap in ("chat", "login", "devtools"):
        for check in ("availability", "max_outage", "rto_first", "rto_stable"):
            assert f"{check}[{cap}]" in names
    devtools = [v for v in verdicts if v.capability == "devtools"]
    assert devtools and all(v.status == "unknown" for v in devtools)
    assert overall_status(verdicts) == "failed"


def test_evaluate_uses_per_capability_targets() -> None:
    t = tl(inject(0), samples("chat", "---" + "+" * 20), samples("devtools", "---" + "+" * 20))
    spec = CheckSpec(flat_targets(rto=2.0), (("devtools", flat_targets(rto=5.0)),))
    verdicts = {v.name: v for v in evaluate(t, spec, P, streams=())}
    assert verdicts["rto_first[chat]"].status == "fail"
    assert verdicts["rto_first[devtools]"].status == "pass"


def test_crashing_check_becomes_unknown_and_the_others_still_run() -> None:
    def boom(inp: CheckInput) -> tuple[Verdict, ...]:
        raise ZeroDivisionError("division by zero in test")

    registry = {"boom": Check("boom", "capability", boom), "availability": REGISTRY["availability"]}
    t = tl(inject(0), samples("chat", "++++"))
    verdicts = evaluate(t, CheckSpec(), P, registry=registry, streams=())
    crashed = [v for v in verdicts if v.check == "boom"]
    assert len(crashed) == 1 and crashed[0].status == "unknown"
    assert "ZeroDivisionError: division by zero in test" in crashed[0].message
    assert any(v.check == "availability" and v.status == "pass" for v in verdicts)


def test_evaluate_with_no_writes_at_all_reports_missing_data() -> None:
    verdicts = evaluate(tl(inject(0), samples("chat", "++")), CheckSpec(), P)
    rpo = [v for v in verdicts if v.check == "rpo"]
    assert len(rpo) == 1 and rpo[0].capability == "*" and rpo[0].status == "unknown"


def test_registry_modules_are_the_checks() -> None:
    assert REGISTRY["availability"].fn is availability.check
    assert REGISTRY["max_outage"].fn is max_outage.check
    assert REGISTRY["rto"].fn is rto.check
