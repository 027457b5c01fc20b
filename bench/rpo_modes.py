"""Benchmark RPO's power to see: asynchronous replication must lose acknowledged writes, synchronous never.

    python bench/rpo_modes.py [--runs 10] [--only async|sync] [--short]

Runs scenarios/async-replication.yaml N times as shipped (fixtures/variants/async-replication.yml:
Patroni synchronous_mode off) and N times without its variant (synchronous replication, the
default), everything else the same (the write load, the WAN latency, the cut), against the real
replica, and prints per mode: how many runs
reported RPO > 0 (any acknowledged write lost, on any stream), the lost and acknowledged write
counts, the load's achieved rate, the run statuses, and how many runs ended as declared (async:
its ``expect:`` confirmed - RPO failed and nothing else; sync: passed). Targets: async RPO > 0 in >= 9 of 10
runs; sync RPO 0 in 10 of 10. Needs a Docker engine (`drill setup`); each run takes ~2 minutes.
``--short`` runs both scenarios with a 15 s cut (RTO target 10 s, stable for 3 s) and a 6 s
settle, everything else as shipped: what is measured (the writes acknowledged around the cut)
does not depend on how long the site stays dark, and 20 runs take ~30 minutes instead of ~45.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.engine.lifecycle import run_drill  # noqa: E402
from drills.engine.progress import LineProgress  # noqa: E402
from drills.scenario import load_scenario  # noqa: E402

SCENARIO = ROOT / "scenarios" / "async-replication.yaml"
MODES = {"async": "async-replication", "sync": None}  # topology.variant


def variant_of(scenario_file: Path, tmp: Path, variant: str | None, short: bool) -> Path:
    """The scenario with ``variant``, and with ``short``: a 15 s cut, RTO 10 s stable for 3 s, 6 s settle."""
    data = yaml.safe_load(scenario_file.read_text())
    data["topology"]["variant"] = variant
    if variant is None:
        data.pop("expect", None)  # synchronous replication must simply pass
    if short:
        for f in data["faults"]:
            f["duration"] = "15s"
        data["settle"] = "6s"  # per_site needs its hold (2 s) of 1 s samples after the restore
        data.setdefault("checks", {})["rto"] = {"target": "10s", "stable_for": "3s"}
    out = tmp / scenario_file.name
    out.write_text(yaml.safe_dump(data, sort_keys=False))
    return out


def one_run(variant: str | None, short: bool, keep: Path | None) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(variant_of(SCENARIO, Path(tmp), variant, short), repo_root=ROOT)
        bundle = Path(tmp) / "bundle" if keep is None else keep / f"{variant or 'sync'}-{time.strftime('%H%M%S')}"
        start = time.monotonic()
        result = run_drill(scenario, bundle, LineProgress(stream=io.StringIO()))
        took = time.monotonic() - start
    rpo = [v for v in result.verdicts if v.check == "rpo"]
    lost = sum(len(v.details.get("lost", [])) for v in rpo)
    acked = sum(int(v.details.get("acked", 0)) for v in rpo)
    unknown = [v.capability for v in rpo if v.status == "unknown"]
    load = result.environment.get("load", {})
    other = [v.name for v in result.verdicts if v.status != "pass" and v.check != "rpo"]
    confirmed = result.expectation.confirmed if result.expectation is not None else result.status == "passed"
    return {"status": result.status, "as_declared": int(confirmed), "lost": lost, "acked": acked,
            "unknown": ",".join(unknown),
            "other": ",".join(other) + (f" error: {result.error}" if result.error else ""),
            "load_per_s": float(load.get("achieved_per_s", 0.0)), "took": took}  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", choices=sorted(MODES))
    ap.add_argument("--short", action="store_true", help="a 15 s cut and a 6 s settle (see above)")
    ap.add_argument("--keep", type=Path, help="keep each run's evidence bundle under this directory")
    args = ap.parse_args()
    table: dict[str, list[dict[str, float | str]]] = {}
    for mode, variant in MODES.items():
        if args.only and mode != args.only:
            continue
        for i in range(args.runs):
            row = one_run(variant, args.short, args.keep)
            table.setdefault(mode, []).append(row)
            print(f"{mode} run {i + 1}/{args.runs}: {row['status']}"
                  f"{' as declared' if row['as_declared'] else ' NOT as declared'}, "
                  f"lost {row['lost']} of {row['acked']} acked"
                  f"{' (unknown: ' + str(row['unknown']) + ')' if row['unknown'] else ''}, "
                  f"load {row['load_per_s']}/s, {row['took']:.0f}s"
                  f"{'; also not passed: ' + str(row['other']) if row['other'] else ''}",
                  file=sys.stderr, flush=True)  # fmt: skip
    print(f"\n{'mode':<7}{'runs':>5}{'RPO>0':>7}{'lost median':>13}{'lost max':>10}{'acked median':>14}"
          f"{'load/s median':>15}{'RPO unknown':>13}{'as declared':>13}")  # fmt: skip
    for mode, rows in table.items():
        lost = [float(r["lost"]) for r in rows]
        print(f"{mode:<7}{len(rows):>5}{sum(1 for x in lost if x > 0):>7}{statistics.median(lost):>13.0f}"
              f"{max(lost):>10.0f}{statistics.median(float(r['acked']) for r in rows):>14.0f}"
              f"{statistics.median(float(r['load_per_s']) for r in rows):>15.1f}"
              f"{sum(1 for r in rows if r['unknown']):>13}{sum(int(r['as_declared']) for r in rows):>13}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
