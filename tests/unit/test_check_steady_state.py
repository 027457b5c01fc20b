"""The steady_state check, on literal timelines: the gate opened, or which capability kept it shut."""

from __future__ import annotations

from drills.checks import REGISTRY, CheckInput
from drills.model.result import Verdict
from drills.model.scenario import Targets
from drills.model.timeline import Phase, Record, Sample, Timeline


def judge(records: list[Record], cap: str) -> Verdict:
    fn = REGISTRY["steady_state"].fn
    assert fn is not None
    (v,) = fn(CheckInput(Timeline(tuple(records)), cap, Targets(), 0.1))
    return v


def samples(cap: str, marks: str, start: float = 1.0, error: str = "HTTP 401") -> list[Record]:
    return [Sample(start + i * 0.1, cap, cap, m == "+", 0.01, "" if m == "+" else error) for i, m in enumerate(marks)]


def test_the_gate_opened_passes_every_capability_even_after_early_failures() -> None:
    tl = [Phase(0.5, "steady"), *samples("login", "--+++++"), Phase(2.0, "fault")]
    assert judge(tl, "login").status == "pass"


def test_the_gate_gave_up_fails_the_capability_whose_last_sample_failed_with_its_error() -> None:
    tl = [Phase(0.5, "steady"), *samples("login", "+++--"), *samples("chat", "--+++++"), Phase(60.0, "verify")]
    login, chat = judge(tl, "login"), judge(tl, "chat")
    assert login.status == "fail" and "HTTP 401" in login.message and login.details["ok"] == 3
    assert chat.status == "pass"  # chat was fine; the finding names the capability that was not


def test_a_capability_with_no_sample_in_the_steady_phase_fails() -> None:
    tl = [Phase(0.5, "steady"), *samples("chat", "+++"), Phase(60.0, "verify")]
    v = judge(tl, "devtools")
    assert v.status == "fail" and "no sample at all" in v.message


def test_samples_outside_the_steady_phase_do_not_count() -> None:
    tl = [*samples("login", "+++++", start=0.0), Phase(0.6, "steady"), *samples("login", "-", start=1.0),
          Phase(60.0, "verify"), *samples("login", "+", start=61.0)]  # fmt: skip
    assert judge(tl, "login").status == "fail"


def test_without_a_steady_phase_it_is_unknown() -> None:
    assert judge(samples("chat", "+++"), "chat").status == "unknown"


def test_a_capability_still_recovering_when_the_gate_gave_up_fails() -> None:
    # devtools' last sample succeeded, but not five in a row: the gate was right to wait for it
    tl = [Phase(0.5, "steady"), *samples("devtools", "+++-++", error="timeout"), *samples("chat", "+++++"),
          Phase(90.0, "verify")]  # fmt: skip
    v = judge(tl, "devtools")
    assert v.status == "fail" and "timeout" in v.message
    assert judge(tl, "chat").status == "pass"


def test_a_gate_that_gave_up_never_lets_the_drill_pass() -> None:
    # every capability looks steady at the end, yet the fault was never injected: nobody passes
    tl = [Phase(0.5, "steady"), *samples("devtools", "+++++"), *samples("chat", "+++++"), Phase(90.0, "verify")]
    for cap in ("chat", "devtools"):
        v = judge(tl, cap)
        assert v.status == "fail" and "the gate gave up although its samples were ok" in v.message
