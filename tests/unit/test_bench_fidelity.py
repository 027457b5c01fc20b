"""bench/fidelity.py's pure parts: a run's cell, a scenario's row, stale runs, the schedule, the table."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bench import fidelity
from bench.fidelity import Entry, Run, cell, current, read_entry, read_runs, render, row, run_of, schedule
from drills.model.expectation import Expectation, ExpectedFailure, judge
from drills.model.result import DrillResult, Verdict

DECLARED = ("dualization[devtools]", "availability[devtools]", "failover[devtools]")
BAD = Entry("kakao-2022", "scenarios/kakao-2022.yaml", "d1", DECLARED, known_bad=True)
CLEAN = Entry("site-a-power-cut", "scenarios/site-a-power-cut.yaml", "d2")
CONFIRMED = Run("kakao-2022", "d1", "2025-01-01T10:00:00+00:00", 120.0, "failed", True,
                failing=("availability[devtools]", "failover[devtools]"),
                static=("dualization[devtools]",))  # fmt: skip
PASSED = Run("site-a-power-cut", "d2", "2025-01-01T10:00:00+00:00", 110.0, "passed", None)


def test_a_confirmed_run_is_caught_for_the_right_reason() -> None:
    assert cell(CONFIRMED, known_bad=True) == "✓"


def test_an_extra_failing_check_is_caught_but_not_as_declared() -> None:
    run = replace(CONFIRMED, confirmed=False, failing=(*CONFIRMED.failing, "rto_stable[chat]"),
                  extra=("rto_stable[chat]",))  # fmt: skip
    assert cell(run, known_bad=True) == "~"


def test_a_missing_declared_check_with_another_one_failing_is_caught_but_not_as_declared() -> None:
    run = replace(CONFIRMED, confirmed=False, failing=("availability[devtools]",), missing=("failover[devtools]",))
    assert cell(run, known_bad=True) == "~"


def test_a_known_bad_scenario_that_passed_was_missed() -> None:
    run = replace(CONFIRMED, status="passed", confirmed=False, failing=(), missing=DECLARED[1:])
    assert cell(run, known_bad=True) == "✗"


def test_failing_only_on_checks_not_declared_is_a_miss() -> None:
    run = replace(CONFIRMED, confirmed=False, failing=("rto_stable[chat]",), extra=("rto_stable[chat]",),
                  missing=DECLARED[1:])  # fmt: skip
    assert cell(run, known_bad=True) == "✗"


@pytest.mark.parametrize("status", ["aborted", "error"])
def test_an_aborted_or_broken_run_is_an_error_whatever_failed(status: str) -> None:
    run = replace(CONFIRMED, status=status, confirmed=False, error="abort rule fired")
    assert cell(run, known_bad=True) == "E"
    assert cell(replace(PASSED, status=status), known_bad=False) == "E"


def test_a_clean_scenario_passes_or_raises_a_false_alarm() -> None:
    assert cell(PASSED, known_bad=False) == "✓"
    assert cell(replace(PASSED, status="failed", failing=("rto_stable[login]",)), known_bad=False) == "✗"


def test_the_known_bad_row_counts_the_right_reason_the_catches_and_each_check_once_per_run() -> None:
    two_caps = replace(CONFIRMED, confirmed=False, failing=("availability[devtools]", "availability[chat]"),
                       extra=("availability[chat]",), missing=("failover[devtools]",))  # fmt: skip
    missed = replace(CONFIRMED, status="passed", confirmed=False, failing=())
    r = row(BAD, [CONFIRMED, two_caps, missed, CONFIRMED])
    assert r.cells == ("✓", "~", "✗", "✓")
    assert (r.good, r.caught) == (2, 3)
    assert r.counts == (("availability", 3), ("failover", 2))  # dualization is static: not "caught by"


def test_the_clean_row_counts_every_false_alarm_across_runs() -> None:
    alarm = replace(PASSED, status="failed", failing=("rto_stable[login]",))
    both = replace(PASSED, status="failed", failing=("rto_stable[login]",), static=("dualization[chat]",),
                   unknown=("rpo[chat]",))  # fmt: skip
    r = row(CLEAN, [PASSED, alarm, both, PASSED])
    assert (r.good, r.cells) == (2, ("✓", "✗", "✗", "✓"))
    assert dict(r.counts) == {"rto_stable[login]": 2, "dualization[chat]": 1, "rpo[chat] unknown": 1}


def test_the_targets_need_enough_runs_and_nine_in_ten() -> None:
    nine = row(BAD, [CONFIRMED] * 9 + [replace(CONFIRMED, status="error", confirmed=False)])
    eight = row(BAD, [CONFIRMED] * 8 + [replace(CONFIRMED, status="error", confirmed=False)] * 2)
    assert nine.met(10)
    assert not eight.met(10)
    assert not row(BAD, [CONFIRMED] * 5).met(10)  # 5 of 5, but only 5 runs
    assert row(CLEAN, [PASSED] * 10).met(10)
    assert not row(CLEAN, [PASSED] * 9 + [replace(PASSED, status="failed")]).met(10)


def test_runs_of_an_edited_scenario_are_stale_and_others_left_out() -> None:
    old = replace(CONFIRMED, digest="old")
    other = replace(PASSED, scenario="no-witness", digest="x")
    kept, stale = current([CONFIRMED, old, PASSED, other, CONFIRMED], {"kakao-2022": "d1", "site-a-power-cut": "d2"})
    assert kept == {"kakao-2022": [CONFIRMED, CONFIRMED], "site-a-power-cut": [PASSED]}
    assert stale == 1


def test_the_missing_runs_take_turns_across_scenarios() -> None:
    plan = schedule({"a": 1, "b": 0, "c": 3}, ["a", "b", "c"], runs=3)
    assert plan == [("b", 1), ("a", 2), ("b", 2), ("a", 3), ("b", 3)]
    assert schedule({"a": 3}, ["a"], runs=3) == []


def test_records_round_trip_and_a_cut_line_is_skipped() -> None:
    lines = [CONFIRMED.to_json(), "", PASSED.to_json(), '{"scenario": "kakao-2022", "dig']
    runs, bad = read_runs(lines)
    assert runs == [CONFIRMED, PASSED]
    assert bad == 1


def test_the_digest_covers_the_variant_file(tmp_path: Path) -> None:
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    variant = tmp_path / "fixtures" / "variants" / "v.yml"
    variant.write_text("services: {}\n")
    scenario = tmp_path / "bad.yaml"
    scenario.write_text("name: bad\ntopology: {variant: v}\nexpect:\n  status: failed\n  failing:\n"
                        "    - {check: dualization, capability: chat}\n"
                        "    - {check: rpo, capability: '*'}\n")  # fmt: skip
    before = read_entry(scenario, tmp_path)
    assert (before.name, before.file, before.known_bad, before.lint) == ("bad", "bad.yaml", True, True)
    assert before.declared == ("dualization[chat]", "rpo[*]")
    variant.write_text("services: {edge: {}}\n")
    assert read_entry(scenario, tmp_path).digest != before.digest
    clean = tmp_path / "clean.yaml"
    clean.write_text("name: clean\ntopology: {variant: null}\n")
    assert (read_entry(clean, tmp_path).known_bad, read_entry(clean, tmp_path).lint) == (False, False)


def test_a_run_record_splits_static_from_run_time_verdicts() -> None:
    verdicts = (Verdict("dualization", "devtools", "fail", "one site"),
                Verdict("availability", "devtools", "fail", "down"), Verdict("rto_first", "devtools", "fail", "late"),
                Verdict("failover", "chat", "unknown", "no data"),
                Verdict("availability", "chat", "pass", "up"))  # fmt: skip
    expected = Expectation((ExpectedFailure("dualization", "devtools"), ExpectedFailure("availability", "devtools")))
    result = DrillResult("r1", "kakao-2022", "scenarios/kakao-2022.yaml", "sha", "failed", "t0", "t1",
                         verdicts=verdicts, expectation=judge(expected, verdicts, "failed"))  # fmt: skip
    run = run_of(result, "d1", "2025-01-01T10:00:00+00:00", 93.44, "abc1234")
    assert run.static == ("dualization[devtools]",)
    assert run.failing == ("availability[devtools]", "rto_first[devtools]")
    assert (run.unknown, run.extra, run.missing) == (("failover[chat]",), ("rto_first[devtools]",), ())
    assert (run.confirmed, run.took, run.commit) == (False, 93.4, "abc1234")
    assert cell(run, known_bad=True) == "~"


def test_the_table_shows_cells_targets_stale_runs_and_what_to_study() -> None:
    missed = replace(CONFIRMED, status="passed", confirmed=False, failing=(), static=(),
                     missing=("availability[devtools]",))  # fmt: skip
    alarm = replace(PASSED, status="failed", failing=("rto_stable[login]",))
    text = render([row(BAD, [CONFIRMED, missed]), row(CLEAN, [PASSED, alarm])], 3, stale=4)
    lines = text.splitlines()
    assert any(line.startswith("kakao-2022") and "✓ ✗ ·" in line and "1/2" in line and "yes" in line for line in lines)
    assert any(line.startswith("site-a-power-cut") and "rto_stable[login] 1" in line for line in lines)
    assert "known-bad: right reason >= 3/3: 0 of 1 scenarios" in lines
    assert "4 stale run(s)" in text
    assert "kakao-2022 run 2 (✗ passed" in text and "missing availability[devtools]" in text
    assert "site-a-power-cut run 2 (✗ failed" in text and "run 1 (" not in text


def test_a_session_plans_only_the_missing_runs_of_the_current_scenarios(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    entries = {e.name: e for e in (read_entry(p, fidelity.ROOT) for p in (fidelity.ROOT / "scenarios").glob("*.yaml"))}
    kakao, site_a = entries["kakao-2022"], entries["site-a-power-cut"]
    results = tmp_path / "fidelity.jsonl"
    done = replace(CONFIRMED, digest=kakao.digest)
    results.write_text("\n".join([done.to_json(), replace(done, digest="stale").to_json()]) + "\n")
    planned: list[list[tuple[str, int]]] = []
    monkeypatch.setattr(fidelity, "run_plan", lambda plan, *_: planned.append(list(plan)))
    assert fidelity.main(["--runs", "2", "--only", "kakao-2022", site_a.name, "--results", str(results)]) == 0
    assert planned == [[("site-a-power-cut", 1), ("kakao-2022", 2), ("site-a-power-cut", 2)]]
    assert "1 stale" in capsys.readouterr().out


def test_since_counts_only_runs_measured_at_a_commit_or_after_it(monkeypatch: pytest.MonkeyPatch) -> None:
    later = {"bbb", "ccc"}  # descendants of the revision asked for (and the revision itself)
    asked: list[list[str]] = []

    def git(argv: list[str], **kwargs: object) -> object:
        asked.append(argv)
        return type("Done", (), {"returncode": 0 if argv[-1] in later else 1})()

    monkeypatch.setattr(subprocess, "run", git)
    runs = {"site-a-power-cut": [replace(PASSED, commit=c) for c in ("aaa", "bbb", "aaa", "ccc")]}
    kept, earlier = fidelity.since(runs, "bbb")
    assert [r.commit for r in kept["site-a-power-cut"]] == ["bbb", "ccc"]
    assert earlier == 2
    assert all(a[:3] == ["git", "merge-base", "--is-ancestor"] and a[3] == "bbb" for a in asked)
    assert len(asked) == 3  # one question per commit
