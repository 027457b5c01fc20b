"""Compare a power cut's two link modes on a drill: blackhole (the default) against refuse.

    python bench/power_cut_modes.py [--runs 2] [--keep DIR] [SCENARIO]
    python bench/power_cut_modes.py --from DIR        (the tables of runs kept with --keep DIR)

Runs the scenario (default: the default drill) N times per mode, the modes taking turns, with
every power_cut fault of it set to that mode, against the real replica (warm images, a Docker
engine: `drill setup`). Prints one table per mode:

    rto_first, rto_stable   median of the rto verdicts' measured value (s), per capability
    max outage              median of the max_outage verdicts' measured value (s)
    pass / fail             verdicts of every check on that capability, summed over the runs
    errors in the cut       the failed edge samples of each fault window (hit -> start of its
                            heal), from the saved timeline, by kind: timeout, refused, reset
                            (reset, remote end closed, aborted), http 5xx, overloaded (a tick
                            that found every worker busy: samples hung), other
    writes in the cut       the writes sent inside a fault window, by state: acked, failed
                            (refused, or answered with an error: not stored) and unknown (no
                            answer, or the connection ended under it: maybe stored)

The runs share the machine with whatever else runs on it: the load average before and after
each run is printed, because a busy machine lengthens every timing; ``--max-load L`` waits (up
to 10 minutes) before each run until the 1-minute load average is below L.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.checks.common import fault_windows  # noqa: E402
from drills.engine.lifecycle import run_drill  # noqa: E402
from drills.engine.progress import LineProgress  # noqa: E402
from drills.faults.power_cut import MODES, Mode, PowerCut  # noqa: E402
from drills.model.result import DrillResult  # noqa: E402
from drills.model.scenario import Scenario  # noqa: E402
from drills.model.timeline import Timeline, read_timeline  # noqa: E402
from drills.scenario import load_scenario  # noqa: E402

ERROR_KINDS = ("timeout", "refused", "reset", "http 5xx", "overloaded", "other")
MEASURES = ("rto_first", "rto_stable", "max_outage")


def error_kind(error: str) -> str:
    """The kind of one failed sample's reason (``Sample.error``)."""
    text = error.lower()
    if text == "overloaded":
        return "overloaded"
    if "timeout" in text or "timed out" in text:
        return "timeout"
    if "refused" in text:
        return "refused"
    if any(word in text for word in ("reset", "remote end closed", "aborted")):
        return "reset"
    if re.search(r"\bhttp 5\d\d\b", text):
        return "http 5xx"
    return "other"


def errors_in_cuts(timeline: Timeline) -> dict[str, Counter[str]]:
    """Per capability, the kinds of the failed edge samples of every fault window."""
    out: dict[str, Counter[str]] = {}
    samples = timeline.samples()
    for window in fault_windows(timeline):
        for s in window.during(samples):
            if not s.ok:
                out.setdefault(s.capability, Counter())[error_kind(s.error)] += 1
    return out


def writes_in_cuts(timeline: Timeline) -> Counter[str]:
    """The states of the writes sent (attempt started) inside a fault window: hit -> its heal."""
    out: Counter[str] = Counter()
    windows = fault_windows(timeline)
    for w in timeline.writes():
        sent = w.t if w.sent is None else w.sent
        if any(win.start <= sent < win.end for win in windows):
            out[w.state or ("acked" if w.acked else "unknown")] += 1
    return out


def with_mode(scenario: Scenario, mode: Mode) -> Scenario:
    faults = tuple(
        replace(f, params=replace(f.params, mode=mode)) if isinstance(f.params, PowerCut) else f
        for f in scenario.faults
    )
    return replace(scenario, faults=faults)


@dataclass
class ModeRuns:
    statuses: list[str] = field(default_factory=list)
    measured: dict[tuple[str, str], list[float]] = field(default_factory=dict)  # (measure, capability) -> values
    verdicts: dict[str, Counter[str]] = field(default_factory=dict)  # capability -> status -> count
    errors: dict[str, Counter[str]] = field(default_factory=dict)  # capability -> kind -> count
    writes: Counter[str] = field(default_factory=Counter)  # write state -> count, writes sent in a fault window
    wall: list[float] = field(default_factory=list)

    def add(self, result: DrillResult, timeline: Timeline, wall: float) -> None:
        self.statuses.append(result.status)
        self.wall.append(wall)
        self.writes.update(writes_in_cuts(timeline))
        for v in result.verdicts:
            if v.capability == "*":
                continue
            self.verdicts.setdefault(v.capability, Counter())[v.status] += 1
            if v.check in MEASURES and v.measured is not None:
                self.measured.setdefault((v.check, v.capability), []).append(v.measured)
        for cap, kinds in errors_in_cuts(timeline).items():
            self.errors.setdefault(cap, Counter()).update(kinds)

    def table(self, mode: str, capabilities: tuple[str, ...]) -> str:
        runs = len(self.statuses)
        head = (f"{'capability':<10}" + "".join(f"{m:>12}" for m in MEASURES) + f"{'pass':>6}{'fail':>6}"
                + "".join(f"{k:>11}" for k in ERROR_KINDS))  # fmt: skip
        title = (f"mode {mode}: {runs} run(s), statuses {Counter(self.statuses).most_common()}, "
                 f"median wall {statistics.median(self.wall):.0f}s")  # fmt: skip
        lines = [title, head]
        for cap in capabilities:
            row = f"{cap:<10}"
            for m in MEASURES:
                got = self.measured.get((m, cap), [])
                row += f"{statistics.median(got):>11.2f}s" if got else f"{'-':>12}"
            counts = self.verdicts.get(cap, Counter())
            row += f"{counts['pass']:>6}{counts['fail']:>6}"
            row += "".join(f"{self.errors.get(cap, Counter())[k]:>11}" for k in ERROR_KINDS)
            lines.append(row)
        states = ", ".join(f"{state} {self.writes[state]}" for state in ("acked", "failed", "unknown"))
        lines.append(f"writes sent in the cut: {states}")
        return "\n".join(lines)


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def wait_for_load(limit: float | None, patience: float = 600.0) -> None:
    deadline = time.monotonic() + patience
    while limit is not None and os.getloadavg()[0] >= limit and time.monotonic() < deadline:
        time.sleep(5)


def from_bundles(directory: Path) -> dict[Mode, ModeRuns]:
    """The runs kept by ``--keep DIR``: DIR/<mode>-<n>/ with result.json and timeline.jsonl."""
    by_mode: dict[Mode, ModeRuns] = {mode: ModeRuns() for mode in MODES}
    for mode in MODES:
        for bundle in sorted(directory.glob(f"{mode}-*")):
            result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text(encoding="utf-8")))
            phases = [p.duration for p in result.phases]
            by_mode[mode].add(result, read_timeline(bundle / "timeline.jsonl"), sum(phases))
    return by_mode


def print_tables(name: str, by_mode: dict[Mode, ModeRuns], capabilities: tuple[str, ...]) -> None:
    print(f"\n{name}: power_cut modes")
    for mode in MODES:
        if by_mode[mode].statuses:
            print("\n" + by_mode[mode].table(mode, capabilities))


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "site-a-power-cut.yaml"))
    ap.add_argument("--runs", type=int, default=2, help="runs per mode (default 2)")
    ap.add_argument("--keep", type=Path, help="keep each run's timeline and result in DIR/<mode>-<n>")
    ap.add_argument("--from", dest="source", type=Path, help="print the tables of the runs kept in DIR; run nothing")
    ap.add_argument("--max-load", type=float, help="before each run, wait until the 1-minute load average is below")
    args = ap.parse_args()
    base = load_scenario(args.scenario)
    if args.source:
        print_tables(f"{base.name} (kept in {args.source})", from_bundles(args.source), base.capabilities)
        return 0
    if not any(isinstance(f.params, PowerCut) for f in base.faults):
        print(f"{args.scenario}: no power_cut fault to compare", file=sys.stderr)
        return 2
    by_mode: dict[Mode, ModeRuns] = {mode: ModeRuns() for mode in MODES}
    for i in range(args.runs):
        for mode in MODES:  # taking turns: a change in the machine's load hits both modes alike
            scenario = with_mode(base, mode)
            with tempfile.TemporaryDirectory() as tmp:
                bundle = args.keep / f"{mode}-{i + 1}" if args.keep else Path(tmp)
                bundle.mkdir(parents=True, exist_ok=True)
                wait_for_load(args.max_load)
                before, start = load(), time.monotonic()
                result = run_drill(scenario, bundle, LineProgress(stream=io.StringIO()))
                wall = time.monotonic() - start
                if args.keep:  # for --from (the CLI writes the rest of a bundle; the timeline is there)
                    (bundle / "result.json").write_text(json.dumps(result.to_dict(), default=str), encoding="utf-8")
                by_mode[mode].add(result, read_timeline(bundle / "timeline.jsonl"), wall)
            print(f"run {i + 1}/{args.runs} {mode}: {result.status} in {wall:.0f}s "
                  f"(load {before} -> {load()})", file=sys.stderr, flush=True)  # fmt: skip
            for v in result.verdicts:
                if v.status != "pass":
                    print(f"  {v.status:8} {v.message}", file=sys.stderr, flush=True)
    print_tables(base.name, by_mode, base.capabilities)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
