"""Benchmark the way there and back: the full cycle's phase timings over N runs.

    python bench/full_cycle.py [--runs 5] [--scenario scenarios/full-cycle.yaml] [--results PATH]
    python bench/full_cycle.py --table [--results PATH]

Runs the scenario (a ``restore:`` with a failback: cut -> failover -> restore -> rejoin ->
failback -> steady-after) against the real replica until N runs of its current content are
recorded, one JSON line per finished run (default bench/results/full_cycle.jsonl; a run counts
only for the scenario as it is now - its digest, comments and description aside - so targets
can be tightened from these numbers and measured again). Then prints, per measure, the median,
min, max and the number of runs, and how many runs passed:

    failover outage   max_outage[cap] of the failover (the cut, until the end of its settle)
    rto               rto_first[cap]: the cut's hit -> the first good sample
    rejoin            rejoin[site]: the power back -> the site rejoined (datastore in sync,
                      every service healthy)
    failback          activation[failback]: the switchover's start -> its answer
    failback outage   failback[cap]: the longest outage inside the failback phase
    phases            each phase of the way back, as the timeline marks it (rejoin, settle,
                      failback, steady-after)

Each run is one drill (~2.5 min), one at a time; Ctrl-C keeps every finished run.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.errors import DrillsError  # noqa: E402
from drills.model.result import DrillResult  # noqa: E402
from drills.model.timeline import AFTER_RESTORE, load_timeline  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "full_cycle.jsonl"
SCENARIO = ROOT / "scenarios" / "full-cycle.yaml"
MEASURES = {  # verdict check -> the measure's name in the table
    "max_outage": "failover outage",
    "rto_first": "rto",
    "rejoin": "rejoin",
    "activation": "failback",
    "failback": "failback outage",
}


def measures(result: DrillResult, phases: dict[str, float]) -> dict[str, float]:
    """``{"<measure> [subject]": seconds}`` of one run, from its verdicts and its phase lengths."""
    out: dict[str, float] = {}
    for v in result.verdicts:
        name = MEASURES.get(v.check)
        if name is None or v.measured is None or (v.check == "activation" and v.capability != "failback"):
            continue
        out[f"{name} [{v.capability}]"] = round(v.measured, 3)
    for phase, seconds in phases.items():
        out[f"phase {phase}"] = round(seconds, 3)
    return out


def phase_lengths(timeline_path: Path) -> dict[str, float]:
    """How long each phase of the way back lasted (to the start of the next phase)."""
    timeline, _ = load_timeline(timeline_path)
    marks = timeline.phases()
    return {p.phase: marks[i + 1].t - p.t for i, p in enumerate(marks[:-1]) if p.phase in (*AFTER_RESTORE, "settle")}


def table(runs: Sequence[dict[str, Any]]) -> str:
    if not runs:
        return "no run recorded for the scenario as it is now"
    keys = sorted({k for r in runs for k in r["measures"]}, key=lambda k: (k.startswith("phase"), k))
    rows = [("measure", "median", "min", "max", "runs")]
    for k in keys:
        xs = [r["measures"][k] for r in runs if k in r["measures"]]
        rows.append((k, f"{statistics.median(xs):.1f}s", f"{min(xs):.1f}s", f"{max(xs):.1f}s", str(len(xs))))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    lines = ["  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows]
    passed = sum(1 for r in runs if r["status"] == "passed")
    failing = sorted({f for r in runs for f in r["failing"]})
    lines += ["", f"{passed}/{len(runs)} runs passed" + (f"; failing verdicts seen: {', '.join(failing)}" if failing
                                                          else "")]  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="runs of the current scenario to reach (default 5)")
    ap.add_argument("--scenario", type=Path, default=SCENARIO, help="a scenario with restore: (default full-cycle)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="the results file (JSON lines; appended to)")
    ap.add_argument("--table", action="store_true", help="print the table from the results file; run nothing")
    ap.add_argument("--keep", type=Path, help="keep each run's evidence bundle under this directory")
    args = ap.parse_args(argv)
    from bench.fidelity import _commit, read_entry  # the fidelity bench's "same scenario" (its digest), commit

    digest = read_entry(args.scenario.resolve(), ROOT).digest
    lines = args.results.read_text(encoding="utf-8").splitlines() if args.results.is_file() else []
    runs = [r for r in map(json.loads, filter(None, lines)) if r.get("digest") == digest]
    rc = 0
    if not args.table and len(runs) < args.runs:
        from drills.engine.lifecycle import run_drill
        from drills.engine.progress import LineProgress
        from drills.scenario import load_scenario

        try:
            scenario = load_scenario(args.scenario, repo_root=ROOT)
            if scenario.restore is None:
                ap.error(f"{args.scenario}: no restore: block - nothing of the way back to measure")
            args.results.parent.mkdir(parents=True, exist_ok=True)
            commit = _commit()
            for k in range(len(runs) + 1, args.runs + 1):
                started = datetime.now(UTC)
                base = args.keep or Path(tempfile.gettempdir()) / "drills-full-cycle"
                bundle = base / f"{scenario.name}-{started.strftime('%Y%m%dT%H%M%S')}"
                t0 = time.monotonic()
                result = run_drill(scenario, bundle, LineProgress(stream=io.StringIO()))
                took = time.monotonic() - t0
                failing = [v.name for v in result.verdicts if v.status == "fail"]
                run: dict[str, Any] = {
                    "scenario": scenario.name, "digest": digest, "started": started.isoformat(timespec="seconds"),
                    "took": round(took, 1), "status": result.status, "commit": commit, "error": result.error,
                    "failing": failing,
                    "measures": measures(result, phase_lengths(bundle / "timeline.jsonl"))}  # fmt: skip
                with args.results.open("a", encoding="utf-8") as f:
                    f.write(json.dumps(run, sort_keys=True) + "\n")
                runs.append(run)
                print(f"[{k}/{args.runs}] {run['status']}, {took:.0f}s; failing: {', '.join(failing) or 'none'}",
                      file=sys.stderr, flush=True)  # fmt: skip
        except DrillsError as exc:
            print(f"full_cycle: {exc}", file=sys.stderr)
            rc = 1
        except KeyboardInterrupt:
            print("interrupted: the run in progress is dropped, every finished run is kept", file=sys.stderr)
    print(f"{args.scenario.name}: {len(runs)} run(s) of its current content")
    print(table(runs))
    return rc


if __name__ == "__main__":
    sys.exit(main())
