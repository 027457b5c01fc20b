"""Benchmark the drill engine: wall time by phase, the probes' CPU use, the RTO error bound.

    python bench/drill_bench.py [--runs 3] [SCENARIO]

Runs the scenario (default: the default drill) N times against the real replica
(warm images) and prints medians. Needs a Docker engine (`drill setup`).
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.engine.lifecycle import run_drill  # noqa: E402
from drills.engine.progress import LineProgress  # noqa: E402
from drills.scenario import load_scenario  # noqa: E402

PHASES = ("bringup", "steady", "fault", "settle", "verify", "teardown")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "site-a-power-cut.yaml"))
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    rows: dict[str, list[float]] = {k: [] for k in (*PHASES, "total", "probe cpu %", "samples")}
    rto: dict[str, list[float]] = {}
    bound: dict[str, list[float]] = {}
    statuses = []
    for i in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp:
            start = time.monotonic()
            result = run_drill(scenario, Path(tmp), LineProgress(stream=io.StringIO()))
            total = time.monotonic() - start
        statuses.append(result.status)
        spans = {p.phase: p.duration for p in result.phases}
        for ph in PHASES:
            rows[ph].append(spans.get(ph, 0.0))
        rows["total"].append(total)
        probes = result.environment.get("probes", {})
        probing = spans.get("steady", 0) + spans.get("fault", 0) + spans.get("settle", 0)
        cpu = sum(p["cpu_s"] for p in probes.values())
        rows["probe cpu %"].append(100 * cpu / probing if probing else 0.0)
        rows["samples"].append(sum(p["samples"] for p in probes.values()))
        for v in result.verdicts:
            if v.check == "rto_first" and v.measured is not None:
                rto.setdefault(v.capability, []).append(v.measured)
                bound.setdefault(v.capability, []).append(v.bound or 0.0)
        print(f"run {i + 1}/{args.runs}: {result.status} in {total:.1f}s", file=sys.stderr, flush=True)

    print(f"\n{scenario.name}: {args.runs} run(s), statuses {statuses}")
    print(f"{'measure':<22}{'median':>10}{'min':>10}{'max':>10}")
    for name, vals in rows.items():
        unit = "" if name in ("probe cpu %", "samples") else "s"
        print(f"{name:<22}{statistics.median(vals):>9.1f}{unit}{min(vals):>9.1f}{unit}{max(vals):>9.1f}{unit}")
    for cap, measured in rto.items():
        print(f"{'rto_first ' + cap:<22}{statistics.median(measured):>9.2f}s"
              f"{'  bound ±':>10}{statistics.median(bound[cap]):.2f}s")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
