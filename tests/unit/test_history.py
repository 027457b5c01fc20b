"""``drill history``: regressions are flagged against the median of previous runs."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drills.cli import main
from drills.model.result import DrillResult, Verdict
from drills.report import write_bundle
from drills.report.history import (
    Point,
    Rule,
    finding_events,
    flag,
    load_history,
    parse_age,
    series,
    stale,
)
from drills.report.history_html import history_chart, render_history_html
from drills.report.rootcause import root_causes
from drills.report.synthetic import synthetic_run, write_jsonl


def _p(i: int, avail: float | None, rto: float | None, judged: bool = True) -> Point:
    return Point(f"2026-11-{i + 1:02d}T02:00:00+00:00", f"run-{i}", "passed", avail, rto, judged, f"b{i}")


def test_stable_series_is_not_flagged() -> None:
    pts = flag([_p(i, a, r) for i, (a, r) in enumerate(
        [(0.995, 4.1), (0.993, 4.6), (0.996, 3.9), (0.994, 4.4), (0.992, 5.0), (0.995, 4.8), (0.991, 5.2)])])
    assert all(not p.regressions for p in pts)


def test_availability_drop_is_flagged() -> None:
    pts = flag([_p(i, a, 4.0) for i, a in enumerate([0.995, 0.994, 0.996, 0.995, 0.97])])
    assert pts[-1].regressions and "availability 97.00%" in pts[-1].regressions[0]
    assert "median 99.50%" in pts[-1].regressions[0]
    assert not any(p.regressions for p in pts[:-1])


def test_rto_rise_is_flagged_but_needs_history_and_an_absolute_floor() -> None:
    pts = flag([_p(i, 0.99, r) for i, r in enumerate([4.0, 4.2, 3.9, 4.1, 9.5])])
    assert pts[-1].regressions == ("RTO 9.5s is more than 50% above the median 4.0s of the previous 4 runs",)
    tiny = flag([_p(i, 0.99, r) for i, r in enumerate([0.2, 0.2, 0.2, 0.9])])  # +350%, but < 1 s
    assert not tiny[-1].regressions
    early = flag([_p(0, 0.99, 4.0), _p(1, 0.5, 40.0)])  # fewer than min_runs previous runs
    assert not early[-1].regressions
    never = flag([_p(i, 0.99, r) for i, r in enumerate([4.0, 4.0, 4.0])] + [_p(3, 0.99, None)])
    assert "never recovered" in never[-1].regressions[0]
    window = flag([_p(i, 0.99, r) for i, r in enumerate([50, 50, 50, 4, 4, 4, 4, 4, 9])], Rule(window=5))
    assert window[-1].regressions  # compared with the last 5 (median 4), not all runs


def _write_runs(root: Path, avails: list[float], days: list[int] | None = None) -> list[Path]:
    """One real bundle per availability (written by write_bundle, so it verifies), a night apart
    unless ``days`` says which day of November 2026 each ran."""
    base, records = synthetic_run(duration=10, hz=1)
    src = root.parent / f"{root.name}-src"
    src.mkdir(parents=True, exist_ok=True)
    write_jsonl(records, src / "timeline.jsonl")
    (src / "scenario.yaml").write_text("name: site-a-power-cut\n")
    out = []
    for i, a in enumerate(avails):
        day = (days or list(range(1, len(avails) + 1)))[i]
        verdicts = (
            Verdict("availability", "chat", "pass" if a >= 0.95 else "fail", "m", 0.95, a, "ratio", None, ">="),
            Verdict("rto_first", "chat", "pass", "m", 30.0, 4.0, "s", 0.1, "<="),
        )
        r = replace(base, run_id=f"run-{i}", started_utc=f"2026-11-{day:02d}T02:00:00+00:00",
                    status="passed" if a >= 0.95 else "failed", verdicts=verdicts, expectation=None)
        out.append(write_bundle(r, src / "timeline.jsonl", src / "scenario.yaml",
                                root / f"202611{day:02d}T020000Z-site-a-power-cut", {}))
    return out


def test_drill_history_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_runs(tmp_path / "stable", [0.99, 0.991, 0.992, 0.99, 0.989])
    assert main(["history", str(tmp_path / "stable")]) == 0
    assert "REGRESSION" not in capsys.readouterr().out
    _write_runs(tmp_path / "worse", [0.99, 0.991, 0.992, 0.99, 0.90])
    html = tmp_path / "out" / "history.html"
    assert main(["history", str(tmp_path / "worse"), "--html", str(html)]) == 1
    out = capsys.readouterr().out
    assert "2026-11-05 02:00:00 UTC  NOT MET          90.00%" in out and "REGRESSION: availability 90.00%" in out
    page = html.read_text()
    assert "<svg" in page and "http://" not in page and "https://" not in page and "REGRESSION" not in page
    assert "availability 90.00% is more than 1 points below" in page


def test_history_without_bundles_is_usage_error(tmp_path: Path) -> None:
    assert main(["history", str(tmp_path)]) == 2
    assert main(["history", str(tmp_path / "missing")]) == 2


def test_history_leaves_out_bundles_that_do_not_verify_and_says_so(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    bundles = _write_runs(tmp_path / "r", [0.99, 0.991, 0.992, 0.99])
    edited = bundles[1] / "result.json"
    edited.write_text(edited.read_text().replace('"measured": 0.991', '"measured": 0.999'))  # an edited copy
    forged = bundles[2] / "result.json"
    data = json.loads(forged.read_text())
    data["verdicts"][0]["status"], data["status"] = "fail", "passed"  # a forged status, manifest regenerated
    forged.write_text(json.dumps(data))
    from drills.report.bundle import write_manifest

    write_manifest(bundles[2])
    assert main(["history", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert f"EXCLUDED (does not verify): {bundles[1]}: tampered: result.json" in out
    assert f"EXCLUDED (does not verify): {bundles[2]}: forged status" in out
    rows = [line for line in out.splitlines() if line.startswith("  2026-11-")]
    assert [r.split()[0] for r in rows] == ["2026-11-01", "2026-11-04"]  # only the two that verify


def test_max_age_fails_when_the_last_passing_run_is_too_old(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_runs(tmp_path / "r", [0.99, 0.90], days=[1, 2])  # the last one failed: the last pass is Nov 1
    assert main(["history", str(tmp_path / "r"), "--max-age", "7d"]) == 1  # today is long after November 2026
    out = capsys.readouterr().out
    assert "TOO OLD: site-a-power-cut: last passing run 2026-11-01 02:00 UTC" in out
    now = datetime(2026, 11, 5, tzinfo=UTC)
    results = load_history(tmp_path / "r").results
    assert stale(results, parse_age("7d"), now) == []
    assert stale(results, parse_age("36h"), now)[0].startswith("site-a-power-cut: last passing run 2026-11-01")
    assert main(["history", str(tmp_path / "r"), "--max-age", "soon"]) == 2


def test_findings_are_followed_across_runs_by_their_ids() -> None:
    base, _ = synthetic_run(duration=10, hz=1)

    def night(day: int, lost: int) -> tuple[Path, DrillResult]:
        rpo = Verdict("rpo", "chat", "fail" if lost else "pass", "m", 0.0, float(lost), "count", None, "==")
        r = replace(base, started_utc=f"2026-11-{day:02d}T02:00:00+00:00", verdicts=(rpo,),
                    status="failed" if lost else "passed", expectation=None)
        return Path(f"b{day}"), r

    events = finding_events([night(1, 0), night(2, 3), night(3, 1), night(4, 0), night(5, 2)])
    [first, again] = events["site-a-power-cut"]
    assert first.id == again.id  # the same defect, the same ID
    assert (first.first_seen[:10], first.closed[:10]) == ("2026-11-02", "2026-11-04")
    assert (again.first_seen[:10], again.closed) == ("2026-11-05", "")  # open in the latest run


def test_the_history_page_draws_runs_on_the_calendar_with_target_lines(tmp_path: Path) -> None:
    _write_runs(tmp_path / "r", [0.99, 0.991, 0.992], days=[1, 2, 9])  # a week with no run
    flagged = {k: flag(v) for k, v in series(load_history(tmp_path / "r").results).items()}
    svg = history_chart(flagged[("site-a-power-cut", "chat")])
    xs = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    assert len(xs) == 3 and (xs[2] - xs[1]) > 5 * (xs[1] - xs[0])  # the gap shows
    assert "availability target 95%" in svg and "RTO target 30s" in svg
    page = render_history_html(flagged, "rule", finding_events(load_history(tmp_path / "r").results), [], [])
    assert "RPO (lost)" in page and "<svg" in page


def test_a_run_that_broke_does_not_close_a_finding() -> None:
    base, _ = synthetic_run(duration=10, hz=1)
    rpo = Verdict("rpo", "chat", "fail", "m", 0.0, 3.0, "count", None, "==")
    fixed = replace(rpo, status="pass", measured=0.0)
    runs = [(Path("b1"), replace(base, started_utc="2026-11-01T02:00:00+00:00", verdicts=(rpo,), status="failed",
                                 expectation=None)),
            (Path("b2"), replace(base, started_utc="2026-11-02T02:00:00+00:00", verdicts=(), status="error",
                                 error="bring-up failed", expectation=None)),
            (Path("b3"), replace(base, started_utc="2026-11-03T02:00:00+00:00", verdicts=(fixed,), status="passed",
                                 expectation=None))]  # fmt: skip
    [event] = finding_events(runs)["site-a-power-cut"]
    assert event.closed[:10] == "2026-11-03"  # not closed by the broken night


def test_history_shows_the_latest_remediation_of_each_finding(tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    bundles = _write_runs(tmp_path / "r", [0.90, 0.91])  # chat fails both nights: one finding, open
    [cause] = [c for c in root_causes(DrillResult.from_dict(json.loads((bundles[1] / "result.json").read_text())))
               if c.status == "fail"]  # fmt: skip
    assert main(["annotate", str(bundles[1]), "--finding", cause.id, "--owner", "sre", "--due", "2026-12-24",
                 "--status", "in-progress"]) == 0
    capsys.readouterr()
    main(["history", str(tmp_path / "r")])
    out = capsys.readouterr().out
    assert (f"{cause.id} first seen 2026-11-01 02:00:00 UTC, OPEN in the latest run "
            "[in-progress, owner sre, due 2026-12-24]") in out
