"""Report rendering benchmark: a 10-minute timeline at 10 Hz x 3 journeys (18,000 samples)
with two outages, rendered as HTML, Markdown and JUnit; median of 5 runs each. Then what an
auditor's tools cost on such bundles: ``drill verify`` (files, claims, every verdict re-judged from
the timeline and the bundle's own topology/) of one bundle, and ``drill history`` (every bundle
verified, series, finding events) over 30 nights of them.

    python bench/report_bench.py          (exits 1 if the HTML median is not under 2 s)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills.model.timeline import Record, Sample, Timeline
from drills.report import render_html, render_junit, render_markdown, write_bundle
from drills.report.synthetic import synthetic_run, write_jsonl

RUNS = 5
HTML_BUDGET = 2.0


def _median(fn: Callable[[], str]) -> tuple[float, int]:
    times, size = [], 0
    for _ in range(RUNS):
        start = time.perf_counter()
        size = len(fn())
        times.append(time.perf_counter() - start)
    return statistics.median(times), size


def _auditor_rows(root: Path, records: list[Record]) -> list[tuple[str, float, int]]:
    """verify of one honest bundle (its verdicts are the check engine's over its timeline) and history
    over 30 of them, a night apart; the scenario is the default drill's, its topology kept."""
    import os
    from dataclasses import replace

    from drills.checks import evaluate_scenario
    from drills.checks.dualization import scenario_lint
    from drills.engine.provenance import keep_topology
    from drills.model.result import overall_status
    from drills.report.bundle import verify_bundle
    from drills.report.history import finding_events, load_history, series
    from drills.report.integrity import consistency
    from drills.scenario import load_scenario

    repo = Path(__file__).resolve().parent.parent
    here = Path.cwd()
    os.chdir(repo)
    try:
        scenario = load_scenario(repo / "scenarios" / "site-a-power-cut.yaml")
        base, _ = synthetic_run(duration=600.0, hz=10.0)
        verdicts = scenario_lint(scenario) + tuple(evaluate_scenario(Timeline(tuple(records)), scenario))
        honest = replace(base, verdicts=verdicts, status=overall_status(verdicts), expectation=None)
        nights = root / "nights"
        for day in range(30):
            out = nights / f"night-{day:02d}"
            keep_topology(scenario, out)
            started = f"2026-11-{day + 1:02d}T02:00:00+00:00"
            write_bundle(replace(honest, run_id=f"n{day}", started_utc=started), root / "timeline.jsonl",
                         scenario.path, out, {})  # fmt: skip
        one = nights / "night-00"

        def verify() -> str:
            problems = verify_bundle(one) + list(consistency(one).problems)
            assert not problems, problems
            return "ok"

        def history() -> str:
            h = load_history(nights)
            assert len(h.results) == 30 and not h.excluded, h.excluded
            return str(len(series(h.results))) + str(len(finding_events(h.results)))

        v, _ = _median(verify)
        hist, _ = _median(history)
        return [("verify", v, 1), ("history", hist, 30)]
    finally:
        os.chdir(here)


def main() -> int:
    result, records = synthetic_run(duration=600.0, hz=10.0)
    timeline = Timeline(tuple(records))
    samples = [r for r in records if isinstance(r, Sample)]
    failed = sum(1 for s in samples if not s.ok)
    rows = [
        ("html", *_median(lambda: render_html(result, timeline))),
        ("markdown", *_median(lambda: render_markdown(result))),
        ("junit", *_median(lambda: render_junit(result))),
    ]
    with tempfile.TemporaryDirectory() as tmp:  # end to end: parse the JSONL, render all, hash
        root = Path(tmp)
        write_jsonl(records, root / "timeline.jsonl")
        (root / "scenario.yaml").write_text("name: site-a-power-cut\n")
        n = iter(range(RUNS))

        def bundle() -> str:
            out = write_bundle(result, root / "timeline.jsonl", root / "scenario.yaml", root / f"b{next(n)}", {})
            return (out / "SHA256SUMS").read_text()

        seconds, _ = _median(bundle)
        size = sum(p.stat().st_size for p in (root / "b0").iterdir())
        rows.append(("bundle", seconds, size))
        rows += _auditor_rows(root, records)
    print(f"timeline: {len(records)} records, {len(samples)} samples ({failed} failed), "
          f"{len(timeline.capabilities())} capabilities, {len(result.verdicts)} verdicts; median of {RUNS} runs")
    print(f"{'format':<10} {'median':>10} {'output':>12}   (bundle = write_bundle end to end, incl. JSONL parse; "
          "verify: 1 bundle; history: 30 bundles)")
    for name, seconds, size in rows:
        unit = " bundles" if name in ("verify", "history") else " B"
        print(f"{name:<10} {seconds * 1000:>8.1f}ms {size:>10,d}{unit}")
    html_median = rows[0][1]
    if html_median >= HTML_BUDGET:
        print(f"FAIL: HTML took {html_median:.2f}s (budget {HTML_BUDGET}s)")
        return 1
    print(f"ok: HTML under the {HTML_BUDGET:g}s budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
