"""Report rendering benchmark: a 10-minute timeline at 10 Hz x 3 journeys (18,000 samples)
with two outages, rendered as HTML, Markdown and JUnit; median of 5 runs each.

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

from drills.model.timeline import Sample, Timeline
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
    print(f"timeline: {len(records)} records, {len(samples)} samples ({failed} failed), "
          f"{len(timeline.capabilities())} capabilities, {len(result.verdicts)} verdicts; median of {RUNS} runs")
    print(f"{'format':<10} {'median':>10} {'output':>12}   (bundle = write_bundle end to end, incl. JSONL parse)")
    for name, seconds, size in rows:
        print(f"{name:<10} {seconds * 1000:>8.1f}ms {size:>10,d} B")
    html_median = rows[0][1]
    if html_median >= HTML_BUDGET:
        print(f"FAIL: HTML took {html_median:.2f}s (budget {HTML_BUDGET}s)")
        return 1
    print(f"ok: HTML under the {HTML_BUDGET:g}s budget")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
