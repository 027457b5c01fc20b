"""Benchmark the drill engine: wall time by phase and step, RTO per capability, the probe rate, runner CPU.

    python bench/drill_bench.py [--runs 5] [--keep DIR] [--reuse] [SCENARIO]

Runs the scenario (default: the default drill) N times against the real replica (warm images)
and prints, per measure, the median, p95 (nearest rank: with 5 runs it is the slowest), min
and max. Needs a Docker engine (`drill setup`). --keep DIR keeps every run's bundle (its logs
say where a slow phase spent its time). --reuse: warm mode - `drill up SCENARIO` once (its time
printed apart), then every run on that stack after its verified reset (drills.engine.warm), and
`drill down` at the end.

    phases          wall time of each phase of the run (bringup ... teardown)
    steps           the bring-up and teardown split into what the runner calls: provenance,
                    reaper, image check, compose up (--wait: every healthcheck), describe,
                    WAN baseline, keeping the logs, removal
    rto_first / rto_stable   per capability, from the verdicts (the cut's RTO)

    achieved rate   per probe: samples it *started* (overloaded ticks excluded) per second,
                    from its first to its last intended tick (steady -> verify), from the saved
                    timeline; target >= 99% of the declared rate
    start lag       per probe: p99 of (start - intended tick): how late the open loop started
    runner CPU      this process's CPU (every thread: probes, per-site probes, the write load,
                    faults, Docker calls, progress) from the steady phase to the verify phase,
                    in % of one core; target <= 10%. "probe cpu" and "load cpu" are the
                    probes' and the load's own threads (their thread CPU time) over that span
    load            the background write load's achieved writes/s and acknowledged writes
    rpo lost        acknowledged writes lost, every stream (synchronous replication: must be 0)
    RTO interval    width of rto_first's [lower, upper] (sampling resolution); target <= 100 ms
"""

from __future__ import annotations

import argparse
import io
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.engine.lifecycle import run_drill  # noqa: E402
from drills.engine.progress import LineProgress  # noqa: E402
from drills.engine.stack import Wiring  # noqa: E402
from drills.model.result import DrillResult  # noqa: E402
from drills.model.timeline import Timeline, read_timeline  # noqa: E402
from drills.scenario import load_scenario  # noqa: E402

PHASES = ("bringup", "steady", "fault", "heal", "rejoin", "settle", "failback", "steady-after", "verify", "teardown")


class StepTimer:
    """Wall time of named calls of the runner, per run: the calls are wrapped for the bench only."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, owner: object, attr: str, name: str) -> None:
        inner = getattr(owner, attr)

        def timed(*args: object, **kwargs: object) -> object:
            start = time.monotonic()
            try:
                return inner(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.monotonic() - start

        setattr(owner, attr, timed)


def instrument() -> StepTimer:
    from drills.adapters.compose import ComposeProject
    from drills.adapters.reaper import Reaper
    from drills.engine import compose_stack, lifecycle, warm
    from drills.engine.runner import Drill

    timer = StepTimer()
    timer.wrap(lifecycle, "keep_provenance", "provenance")
    timer.wrap(lifecycle, "sweep_stale", "sweep stale")
    timer.wrap(Reaper, "start", "reaper start")
    timer.wrap(compose_stack.ComposeStack, "build_images", "image check")
    timer.wrap(ComposeProject, "up", "compose up --wait")
    timer.wrap(compose_stack.ComposeStack, "describe", "describe")
    timer.wrap(Drill, "wan_baseline", "wan baseline")
    timer.wrap(lifecycle, "save_logs", "keep logs")
    timer.wrap(compose_stack.ComposeStack, "down", "remove stack")
    timer.wrap(warm.ReusedStack, "up", "verified reset")
    return timer


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-95 * len(ordered) // 100) - 1))]


class CpuSampler:
    """This process's CPU time, sampled every ``every`` s on the monotonic clock."""

    def __init__(self, every: float = 0.25) -> None:
        self.points: list[tuple[float, float]] = []
        self.every, self.stop = every, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.points.append((time.monotonic(), time.process_time()))
            self.stop.wait(self.every)

    def share(self, start: float, end: float) -> float:
        """CPU seconds per wall second between two monotonic instants (nearest samples)."""
        inside = [p for p in self.points if start <= p[0] <= end]
        if len(inside) < 2:
            return 0.0
        (t0, c0), (t1, c1) = inside[0], inside[-1]
        return (c1 - c0) / (t1 - t0)


def rates(timeline: Timeline) -> dict[str, tuple[float, float, float]]:
    """Per probe: (achieved Hz, declared Hz, p99 start lag s) over its ticks."""
    out: dict[str, tuple[float, float, float]] = {}
    every = timeline.samples(via=None)  # the edge's probes and the per-site ones
    for p in timeline.probes(via=None):
        mine = [s for s in every if s.probe == p.probe and s.intended is not None]
        if len(mine) < 2:
            continue
        ticks = sorted(s.intended for s in mine if s.intended is not None)
        span = ticks[-1] - ticks[0] + p.period
        started = [s for s in mine if not s.overloaded]
        lags = sorted(s.t - (s.intended or s.t) for s in started)
        out[p.probe] = (len(started) / span, 1 / p.period, lags[min(len(lags) - 1, int(0.99 * len(lags)))])
    return out


def probing_span(result: DrillResult) -> tuple[float, float]:
    spans = {p.phase: p for p in result.phases}
    start = spans["steady"].start_t if "steady" in spans else 0.0
    end = spans["verify"].start_t if "verify" in spans else start
    return start, end


def row(name: str, vals: list[float], unit: str = "s") -> str:
    if not vals:
        return f"{name:<26}{'-':>10}"
    return (f"{name:<26}{statistics.median(vals):>9.2f}{unit}{p95(vals):>9.2f}{unit}"
            f"{min(vals):>9.2f}{unit}{max(vals):>9.2f}{unit}")  # fmt: skip


def warm_stack(scenario: str) -> tuple[Wiring, str]:
    """`drill up SCENARIO` (timed, printed), and the wiring that reuses that stack."""
    from drills.engine import runs
    from drills.engine.warm import ReusedStack

    before = set(runs.records())
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "drills", "up", scenario], check=True, stdout=subprocess.DEVNULL)
    print(f"drill up: {time.monotonic() - start:.1f}s", file=sys.stderr, flush=True)
    (up_id,) = set(runs.records()) - before
    return Wiring(open_stack=partial(ReusedStack, record=runs.records()[up_id])), up_id


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "site-a-power-cut.yaml"))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", metavar="DIR", help="keep every run's bundle under DIR")
    ap.add_argument("--reuse", action="store_true", help="warm mode: drill up once, every run reuses that stack")
    args = ap.parse_args()
    scenario = load_scenario(args.scenario)
    wiring, up_id = (warm_stack(args.scenario) if args.reuse else (None, ""))
    timer = instrument()
    phases: dict[str, list[float]] = {}
    steps: dict[str, list[float]] = {}
    rows: dict[str, list[float]] = {k: [] for k in ("total", "runner cpu %", "probe cpu %", "load cpu %",
                                                    "samples", "load writes/s", "load acked", "rpo lost")}  # fmt: skip
    hz: dict[str, list[float]] = {}
    lag: dict[str, list[float]] = {}
    declared: dict[str, float] = {}
    rto: dict[str, list[float]] = {}
    bound: dict[str, list[float]] = {}
    statuses = []
    for i in range(args.runs):
        cpu = CpuSampler()
        cpu.thread.start()
        timer.spent = {}
        with tempfile.TemporaryDirectory() as tmp:
            where = Path(args.keep) / f"run-{i + 1}" if args.keep else Path(tmp)
            start = time.monotonic()
            result = run_drill(scenario, where, LineProgress(stream=io.StringIO()), wiring=wiring)
            total = time.monotonic() - start
            timeline = read_timeline(where / "timeline.jsonl")
        cpu.stop.set()
        statuses.append(result.status)
        for p in result.phases:
            phases.setdefault(p.phase, []).append(p.duration)
        for name, spent in timer.spent.items():
            steps.setdefault(name, []).append(spent)
        rows["total"].append(total)
        a, b = probing_span(result)
        rows["runner cpu %"].append(100 * cpu.share(start + a, start + b))
        probes = result.environment.get("probes", {})
        rows["probe cpu %"].append(100 * sum(p["cpu_s"] for p in probes.values()) / (b - a) if b > a else 0.0)
        rows["samples"].append(sum(p["samples"] for p in probes.values()))
        load = result.environment.get("load", {})
        rows["load writes/s"].append(float(load.get("achieved_per_s", 0.0)))
        rows["rpo lost"].append(float(sum(len(v.details.get("lost", [])) for v in result.verdicts
                                          if v.check == "rpo")))  # fmt: skip
        rows["load cpu %"].append(100 * float(load.get("cpu_s", 0.0)) / (b - a) if b > a else 0.0)
        rows["load acked"].append(float(load.get("acked", 0)))
        for name, (achieved, want, p99) in rates(timeline).items():
            hz.setdefault(name, []).append(achieved)
            lag.setdefault(name, []).append(p99)
            declared[name] = want
        for v in result.verdicts:
            if v.check in ("rto_first", "rto_stable") and v.measured is not None:
                rto.setdefault(f"{v.check} {v.capability}", []).append(v.measured)
            if v.check == "rto_first" and v.measured is not None:
                lo, hi = v.details.get("interval") or (v.measured, v.measured)
                bound.setdefault(v.capability, []).append(hi - lo)
        print(f"run {i + 1}/{args.runs}: {result.status} in {total:.1f}s", file=sys.stderr, flush=True)
        if args.reuse:
            reset = result.environment.get("reused_stack") or {}
            print(f"  reset: {'; '.join(reset.get('done', []))}", file=sys.stderr, flush=True)
        for v in result.verdicts:
            if v.status != "pass" or v.check == "sampling_rate":
                print(f"  {v.status:8} {v.message}", file=sys.stderr, flush=True)

    if up_id:
        subprocess.run([sys.executable, "-m", "drills", "down", up_id], check=True, stdout=subprocess.DEVNULL)
    print(f"\n{scenario.name}: {args.runs} run(s){' on one reused stack' if up_id else ''}, statuses {statuses}")
    print(f"{'measure':<26}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}")
    print("phases")
    for name in sorted(phases, key=lambda n: PHASES.index(n) if n in PHASES else len(PHASES)):
        print(row("  " + name, phases[name]))
    print("steps")
    for name, vals in steps.items():
        print(row("  " + name, vals))
    print("recovery (s after the cut)")
    for name, vals in rto.items():
        print(row("  " + name, vals))
    print("runner")
    for name, vals in rows.items():
        print(row("  " + name, vals, "s" if name == "total" else ""))
    for name, got in hz.items():
        med = statistics.median(got)
        print(f"{'  rate ' + name:<26}{med:>8.2f}Hz{min(got):>8.2f}Hz{max(got):>8.2f}Hz"
              f"  = {100 * med / declared[name]:.1f}% of {declared[name]:g} Hz; "
              f"p99 start lag {1000 * statistics.median(lag[name]):.1f}ms")  # fmt: skip
    for cap, widths in bound.items():
        print(f"{'  rto interval ' + cap:<26}median {1000 * statistics.median(widths):.1f}ms, "
              f"max {1000 * max(widths):.1f}ms (target <= 100ms)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
