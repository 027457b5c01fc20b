"""The report shows every dualization finding with its dependency path, beside the checks it explains."""

from __future__ import annotations

from pathlib import Path

from drills.checks.dualization import dualization_lint
from drills.model.result import DrillResult, Verdict
from drills.report import render_markdown
from drills.report.view import findings
from drills.scenario.discover import discover

ROOT = Path(__file__).resolve().parents[2]


def test_every_dualization_path_is_in_the_findings_and_the_summary() -> None:
    lint = dualization_lint(discover(ROOT, Path("docker-compose.yml"), "devtools-one-site"))
    down = Verdict("availability", "devtools", "fail", "devtools availability 0.0% < target 95.0%",
                   target=0.95, measured=0.0, unit="ratio", comparison=">=")  # fmt: skip
    result = DrillResult("r1", "devtools-one-site", "scenarios/devtools-one-site.yaml", "0" * 64, "failed",
                         "2026-11-29T00:00:00+00:00", "2026-11-29T00:01:00+00:00", verdicts=(*lint, down))  # fmt: skip
    paths = [f["path"] for v in lint for f in v.details.get("found", [])]
    assert len(paths) == 3 and "devtools-a -> DRILLS_DB_HOSTS -> devtools-db-a" in paths
    (availability,) = [f.text for f in findings(result) if f.check == "availability"]
    assert all(f"(path: {p})" in availability for p in paths)  # the cause of the outage, every path of it
    (dual,) = [f.text for f in findings(result) if f.check == "dualization"]
    assert dual.startswith("devtools is not dual-site: ") and all(p in dual for p in paths)
    assert all(p in render_markdown(result) for p in paths)
