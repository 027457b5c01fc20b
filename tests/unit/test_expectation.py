"""Declared expectations (``expect:``): the judging rule on literal verdicts, the loader's rules on bad
input, the exit code decided from the result, and the round trip through result.json."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.errors import EXIT_INVALID, ScenarioError
from drills.model.expectation import Expectation, ExpectedFailure, Judgement, judge
from drills.model.result import DrillResult, Verdict
from drills.scenario import load_scenario

REPO = Path(__file__).parent / "data" / "repo"

KAKAO = Expectation((ExpectedFailure("failover", "devtools"), ExpectedFailure("rto_first", "devtools")))


def v(check: str, cap: str, status: str = "pass") -> Verdict:
    return Verdict(check=check, capability=cap, status=status, message=f"{check} of {cap}: {status}")  # type: ignore[arg-type]


def run(*failing: tuple[str, str], unknown: tuple[tuple[str, str], ...] = ()) -> list[Verdict]:
    """Every (check, capability) of a small drill, passing unless listed."""
    out = []
    for check in ("failover", "rto_first", "availability"):
        for cap in ("chat", "devtools"):
            status = "fail" if (check, cap) in failing else "unknown" if (check, cap) in unknown else "pass"
            out.append(v(check, cap, status))
    return out


# ---- judge: one rule --------------------------------------------------------------------------


def test_exactly_the_declared_failures_confirm_it() -> None:
    j = judge(KAKAO, run(("rto_first", "devtools"), ("failover", "devtools")), "failed")
    assert (j.outcome, j.reason) == ("confirmed", "failed exactly as declared: failover[devtools], rto_first[devtools]")
    assert j.confirmed and not (j.extra or j.missing or j.unknown)


def test_a_drill_that_passed_is_unexpected() -> None:
    j = judge(KAKAO, run(), "passed")
    assert j.outcome == "unexpected"
    assert j.reason == "the drill passed, but it is declared to fail on failover[devtools], rto_first[devtools]"


def test_an_extra_failing_verdict_is_named() -> None:
    j = judge(KAKAO, run(("rto_first", "devtools"), ("failover", "devtools"), ("availability", "chat")), "failed")
    assert j.outcome == "unexpected" and j.extra == ("availability[chat]",)
    assert j.reason == "failed differently: failing but not declared: availability[chat]"


def test_a_declared_verdict_that_passed_is_named() -> None:
    j = judge(KAKAO, run(("failover", "devtools")), "failed")
    assert j.outcome == "unexpected" and j.missing == ("rto_first[devtools]",)
    assert j.reason == "failed differently: declared but rto_first[devtools] passed"


def test_extra_and_missing_together_in_one_line() -> None:
    j = judge(KAKAO, run(("failover", "devtools"), ("rto_first", "chat")), "failed")
    assert j.reason == ("failed differently: failing but not declared: rto_first[chat]; "
                        "declared but rto_first[devtools] passed")  # fmt: skip
    assert "\n" not in j.reason


def test_a_declared_verdict_never_judged_is_named() -> None:
    verdicts = [x for x in run(("failover", "devtools")) if x.name != "rto_first[devtools]"]
    j = judge(KAKAO, verdicts, "failed")
    assert j.reason == "failed differently: declared but rto_first[devtools] not judged"


def test_an_unknown_verdict_is_not_confirmed_declared_or_not() -> None:
    declared_unknown = judge(KAKAO, run(("failover", "devtools"), unknown=(("rto_first", "devtools"),)), "failed")
    assert declared_unknown.outcome == "unexpected"
    assert declared_unknown.reason == "failed differently: declared but rto_first[devtools] unknown"
    other_unknown = judge(KAKAO, run(("failover", "devtools"), ("rto_first", "devtools"),
                                     unknown=(("availability", "chat"),)), "failed")  # fmt: skip
    assert other_unknown.outcome == "unexpected" and other_unknown.unknown == ("availability[chat]",)
    assert other_unknown.reason == "failed differently: could not be judged: availability[chat]"


@pytest.mark.parametrize(("status", "start"), [
    ("error", "the run ended as error, so nothing was confirmed: pg-a never became healthy"),
    ("aborted", "the drill aborted (pg-a never became healthy) instead of failing on failover[devtools]"),
])  # fmt: skip
def test_error_and_aborted_are_unexpected_even_with_the_declared_failures(status: str, start: str) -> None:
    verdicts = run(("rto_first", "devtools"), ("failover", "devtools"))
    j = judge(KAKAO, verdicts, status, "pg-a never became healthy")
    assert j.outcome == "unexpected" and j.reason.startswith(start)


def test_a_star_entry_takes_any_failing_verdicts_of_its_check_but_at_least_one() -> None:
    any_availability = Expectation((ExpectedFailure("availability", "*"), ExpectedFailure("failover", "devtools")))
    for failing in ([("availability", "chat")], [("availability", "devtools")],
                    [("availability", "chat"), ("availability", "devtools")]):  # fmt: skip
        j = judge(any_availability, run(("failover", "devtools"), *failing), "failed")
        assert j.confirmed, (failing, j.reason)
    j = judge(any_availability, run(("failover", "devtools")), "failed")
    assert (j.outcome, j.missing) == ("unexpected", ("availability[*]",))
    assert j.reason == "failed differently: declared but availability[*] none failed"
    j = judge(any_availability, run(("failover", "devtools"), ("availability", "chat"), ("rto_first", "chat")),
              "failed")
    assert (j.outcome, j.extra) == ("unexpected", ("rto_first[chat]",))  # the star covers its own check only


def test_a_check_name_is_not_a_family() -> None:
    """``rto`` is no verdict name: declaring it never matches rto_first or rto_stable."""
    j = judge(Expectation((ExpectedFailure("rto", "devtools"),)), [v("rto_first", "devtools", "fail")], "failed")
    assert j.outcome == "unexpected" and j.extra == ("rto_first[devtools]",) and j.missing == ("rto[devtools]",)


# ---- the result: exit code and result.json ------------------------------------------------------


def result(status: str, judgement: Judgement | None) -> DrillResult:
    return DrillResult(run_id="r", scenario_name="kakao", scenario_path="s.yaml", scenario_digest="d",
                       status=status, started_utc="", ended_utc="", expectation=judgement)  # type: ignore[arg-type]  # fmt: skip


@pytest.mark.parametrize(("status", "outcome", "code"), [
    ("passed", None, 0), ("failed", None, 1), ("aborted", None, 1), ("error", None, 3),
    ("failed", "confirmed", 0), ("failed", "unexpected", 1), ("passed", "unexpected", 1),
    ("aborted", "unexpected", 1), ("error", "unexpected", 3),
])  # fmt: skip
def test_exit_code_comes_from_the_result(status: str, outcome: str | None, code: int) -> None:
    judgement = Judgement(KAKAO, outcome, "why") if outcome else None  # type: ignore[arg-type]
    assert result(status, judgement).exit_code() == code


def test_a_confirmed_judgement_on_a_passing_result_does_not_exit_0() -> None:
    """A hand-edited result.json cannot turn a pass into a confirmed failure: as_declared needs status failed."""
    assert result("passed", Judgement(KAKAO, "confirmed", "forged")).exit_code() == 1


def test_the_judgement_round_trips_through_result_json() -> None:
    j = judge(KAKAO, run(("failover", "devtools"), ("availability", "chat")), "failed")
    r = result("failed", j)
    data = r.to_dict()
    assert data["expectation"]["failing"] == [{"check": "failover", "capability": "devtools"},
                                              {"check": "rto_first", "capability": "devtools"}]  # fmt: skip
    assert data["expectation"]["outcome"] == "unexpected" and data["expectation"]["extra"] == ["availability[chat]"]
    assert DrillResult.from_dict(data) == r
    assert DrillResult.from_dict(result("passed", None).to_dict()).expectation is None
    old = result("passed", None).to_dict()
    del old["expectation"]  # a result.json written before expect: existed
    assert DrillResult.from_dict(old).expectation is None


# ---- the loader: expect: in a scenario file ------------------------------------------------------

HEAD = "name: x\nfaults:\n  - {id: cut-a, type: power_cut, site: a, at: 3s, duration: 30s}\n"


def load(tmp_path: Path, expect: str) -> Expectation | None:
    p = tmp_path / "s.yaml"
    p.write_text(HEAD + expect)
    return load_scenario(p, repo_root=REPO).expect


def bad(tmp_path: Path, expect: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, expect)
    assert info.value.exit_code == EXIT_INVALID and "\n" not in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "s.yaml"))
    return info.value


def test_expect_is_built_in_declared_order(tmp_path: Path) -> None:
    got = load(tmp_path, "expect:\n  status: failed\n  failing:\n    - {check: rto_first, capability: devtools}\n"
                         "    - {check: rpo, capability: chat}\n    - {check: dualization, capability: '*'}\n"
                         "    - {check: failover, capability: '*'}\n")
    assert got == Expectation((ExpectedFailure("rto_first", "devtools"), ExpectedFailure("rpo", "chat"),
                               ExpectedFailure("dualization", "*"), ExpectedFailure("failover", "*")))  # fmt: skip
    assert load(tmp_path, "") is None


@pytest.mark.parametrize(("expect", "field", "rule"), [
    ("expect: {status: passed, failing: [{check: failover, capability: devtools}]}", "expect.status",
     "'passed' is not allowed (allowed: failed)"),
    ("expect: {status: failed, failing: []}", "expect.failing", "must name at least one verdict that must fail"),
    ("expect: {status: failed}", "expect", "missing required field 'failing'"),
    ("expect: {failing: [{check: failover, capability: devtools}]}", "expect", "missing required field 'status'"),
    ("expect: {status: failed, failing: [{check: rto, capability: devtools}]}", "expect.failing[0].check",
     "'rto' is not allowed (allowed: activation, availability, dualization, duplicates, failback, failover, "),
    ("expect: {status: failed, failing: [{check: failover, capability: payments}]}", "expect.failing[0].capability",
     "unknown capability 'payments' for failover (here failover judges: chat, login, devtools)"),
    ("expect: {status: failed, failing: [{check: rpo, capability: devtools}]}", "expect.failing[0].capability",
     "unknown write stream 'devtools' for rpo (here rpo judges: chat, config, deploys)"),
    ("expect: {status: failed, failing: [{check: failover, capability: chat}, {check: failover, capability: chat}]}",
     "expect.failing[1]", "failover[chat] is declared twice (first at failing[0])"),
    ("expect: {status: failed, failing: [{check: failover, capability: chat, why: x}]}", "expect.failing[0].why",
     "unknown field 'why'"),
])  # fmt: skip
def test_bad_expect_names_file_and_field(tmp_path: Path, expect: str, field: str, rule: str) -> None:
    err = bad(tmp_path, expect + "\n")
    assert err.field == field and rule in err.rule, str(err)


def test_streams_follow_the_journeys_and_the_load(tmp_path: Path) -> None:
    no_load = "probes: {journeys: [login]}\nload: {writers: 0}\n"
    err = bad(tmp_path, no_load + "expect: {status: failed, failing: [{check: rpo, capability: chat}]}\n")
    assert "unknown write stream 'chat' for rpo (here rpo judges: nothing)" in err.rule
    with_load = "probes: {journeys: [login]}\n"
    got = load(tmp_path, with_load + "expect: {status: failed, failing: [{check: rpo, capability: chat}]}\n")
    assert got == Expectation((ExpectedFailure("rpo", "chat"),))
