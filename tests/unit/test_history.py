"""``drill history``: regressions are flagged against the median of previous runs."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from drills.cli import main
from drills.model.result import Verdict
from drills.report.history import Point, Rule, flag
from drills.report.synthetic import synthetic_run


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


def _write_runs(root: Path, avails: list[float]) -> None:
    base, _ = synthetic_run(duration=10, hz=1)
    for i, a in enumerate(avails):
        verdicts = (
            Verdict("availability", "chat", "pass" if a >= 0.95 else "fail", "m", 0.95, a, "ratio", None, ">="),
            Verdict("rto_first", "chat", "pass", "m", 30.0, 4.0, "s", 0.1, "<="),
        )
        r = replace(base, run_id=f"run-{i}", started_utc=f"2026-11-{i + 1:02d}T02:00:00+00:00",
                    status="passed" if a >= 0.95 else "failed", verdicts=verdicts)
        d = root / f"202611{i + 1:02d}T020000Z-site-a-power-cut"
        d.mkdir(parents=True)
        (d / "result.json").write_text(json.dumps(r.to_dict()))


def test_drill_history_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write_runs(tmp_path / "stable", [0.99, 0.991, 0.992, 0.99, 0.989])
    assert main(["history", str(tmp_path / "stable")]) == 0
    assert "REGRESSION" not in capsys.readouterr().out
    _write_runs(tmp_path / "worse", [0.99, 0.991, 0.992, 0.99, 0.90])
    html = tmp_path / "out" / "history.html"
    assert main(["history", str(tmp_path / "worse"), "--html", str(html)]) == 1
    out = capsys.readouterr().out
    assert "2026-11-05 02:00:00 UTC  failed         90.00%" in out and "REGRESSION: availability 90.00%" in out
    page = html.read_text()
    assert "<svg" in page and "http://" not in page and "https://" not in page and "REGRESSION" not in page
    assert "availability 90.00% is more than 1 points below" in page


def test_history_without_bundles_is_usage_error(tmp_path: Path) -> None:
    assert main(["history", str(tmp_path)]) == 2
    assert main(["history", str(tmp_path / "missing")]) == 2
