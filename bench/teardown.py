"""Benchmark teardown: how long removing a run's stack takes, and whether it ever leaves anything.

    python bench/teardown.py [--runs 50] [--grace 0 2 ...]

Brings the reference replica up (warm images, `compose up --wait`) once per run and removes it
the way a drill does (:meth:`drills.adapters.compose.ComposeProject.down`: `compose down -v
--remove-orphans -t GRACE`, then the label sweep as a backstop), cycling through the ``--grace``
values, so each is measured on the same machine state. Per grace it prints the median, p95, min
and max seconds of the removal, how often it raised (TeardownError: something was left) and how
many resources were left behind (leaks; the run's label swept afterwards so the next run starts
clean). Issue 15's target: <= 3 s, and 0 leaks.

The parallel removal withdrawn in session 12 left a stale network endpoint in ~1 of 56
teardowns; this bench is how a faster teardown earns its place.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.adapters import ComposeProject, leftovers, sweep  # noqa: E402
from drills.adapters.docker_client import engine_client  # noqa: E402
from drills.errors import DrillsError  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=50, help="teardowns in all (default 50)")
    ap.add_argument("--grace", type=int, nargs="+", default=[0, 2], help="compose down -t values to compare")
    args = ap.parse_args()
    client = engine_client()
    spent: dict[int, list[float]] = {g: [] for g in args.grace}
    errors: dict[int, list[str]] = {g: [] for g in args.grace}
    leaks: dict[int, int] = dict.fromkeys(args.grace, 0)
    ups: list[float] = []
    try:
        for i in range(args.runs):
            grace = args.grace[i % len(args.grace)]
            run_id = f"tdbench-{uuid.uuid4().hex[:6]}"
            project = ComposeProject(f"drills-{run_id}", ["docker-compose.yml"], {"DRILLS_RUN_ID": run_id}, ROOT,
                                     client=client)  # fmt: skip
            start = time.monotonic()
            project.up(wait=True)
            ups.append(time.monotonic() - start)
            start, error = time.monotonic(), ""
            try:
                project.down(grace=grace)
            except DrillsError as exc:
                error = str(exc)
                errors[grace].append(error)
            spent[grace].append(time.monotonic() - start)
            left = leftovers(client, run_id)
            if left.total:
                leaks[grace] += left.total
                sweep(client, run_id)
            print(f"run {i + 1}/{args.runs}: -t {grace}: {spent[grace][-1]:.2f}s"
                  f"{' LEFT ' + str(left.total) if left.total else ''}"
                  f"{' ERROR ' + error if error else ''}",
                  file=sys.stderr, flush=True)  # fmt: skip
    finally:
        client.close()
    print(f"\nteardown of the reference replica: {args.runs} run(s); bring-up median {statistics.median(ups):.1f}s")
    print(f"{'compose down':<18}{'runs':>6}{'median':>9}{'p95':>9}{'min':>9}{'max':>9}{'errors':>8}{'leaks':>7}")
    for g in args.grace:
        vals = spent[g]
        if not vals:
            continue
        print(f"{'-t ' + str(g):<18}{len(vals):>6}{statistics.median(vals):>8.2f}s{p95(vals):>8.2f}s"
              f"{min(vals):>8.2f}s{max(vals):>8.2f}s{len(errors[g]):>8}{leaks[g]:>7}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
