"""Benchmark interrupts: how fast a signalled drill exits, and whether anything of it is left.

    python bench/interrupts.py [--matrix] [--kills 20] [--scenario scenarios/site-b-power-cut.yaml]
                               [--results PATH] [--seed N]
    python bench/interrupts.py --table [--results PATH]

Each case starts ``drill run`` as a user would (a child process), waits for a moment of the run,
signals it, and measures:

    exit       seconds from the (first) signal to the runner's exit, and its exit code
               (130 SIGINT, 143 SIGTERM, -9 killed)
    gone       seconds from the signal until nothing labelled with the run id exists (containers,
               networks, volumes), polled every 0.5 s for up to CLEAN_WITHIN_S; "leak" if never
    reaper     whether the run's reaper container is gone too
    bundle     the bundle's status after one more `drill` command (a killed run's is finalised
               then) and whether `drill verify` accepts it
    stages     where a SIGINT's / SIGTERM's exit seconds go, from the phase marks of the bundle's
               timeline: stop (signal -> the teardown phase: the interrupt reaches the run, actions
               and probes stop), remove (teardown -> done: logs kept, the stack removed), write
               (done -> exit: judging, the bundle written, the process gone)

Cases:
    --matrix   every signal x every moment, once each: signals SIGINT, SIGTERM, SIGTERM then
               SIGKILL after 10 s (a CI runner's or `docker stop`'s grace period), SIGKILL;
               moments bringup (containers being created), fault (the cut injected), settle
    --kills N  N SIGKILLs at a random moment (uniform over the first RANDOM_SPAN_S seconds of
               the run): the leak count the issue's target is 0 for

One JSON line per case goes to the results file (default bench/results/interrupts.jsonl);
--table prints medians per case and the leak count. tests/integration/test_interrupts.py runs one
representative case of each kind through :func:`interrupt_once`.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "interrupts.jsonl"
SCENARIO = ROOT / "scenarios" / "site-b-power-cut.yaml"
SIGNALS = ("SIGINT", "SIGTERM", "SIGTERM+KILL", "SIGKILL")
MOMENTS = ("bringup", "fault", "settle")
GRACE_S = 10.0  # SIGTERM+KILL: the SIGKILL follows this long after the SIGTERM
CLEAN_WITHIN_S = 60.0
RANDOM_SPAN_S = 90.0
EXPECTED_EXIT = {"SIGINT": 130, "SIGTERM": 143, "SIGKILL": -9}


@dataclass(frozen=True)
class Outcome:
    signal: str
    moment: str  # bringup | fault | settle | "random 37.2s"
    exit_code: int | None
    exit_s: float | None  # signal -> exit
    gone_s: float | None  # signal -> nothing labelled with the run left (None: leaked)
    left: tuple[str, ...]  # what was still there when polling gave up
    reaper_gone: bool
    status: str  # result.json's status after one more drill command ("" none)
    verified: bool  # `drill verify` accepted the bundle
    run_id: str
    when: str = ""
    commit: str = ""
    stages: tuple[float, float, float] | None = None  # stop, remove, write (s); None: not measured

    @property
    def leaked(self) -> bool:
        return self.gone_s is None


def _records(bundle_root: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for tl in bundle_root.glob("*/timeline.jsonl"):
        for line in tl.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # the line being written
    return out


def _labelled(client: Any, label: str) -> list[str]:
    """What carries ``label`` on the engine ``client`` (a docker SDK client)."""
    from drills.adapters.sweep import container_name, labelled_containers  # race-free: no inspect per container

    flt = {"label": label}
    return ([f"container {container_name(x)}" for x in labelled_containers(client, flt)]
            + [f"network {x.name}" for x in client.networks.list(filters=flt)]
            + [f"volume {x.name}" for x in client.volumes.list(filters=flt)])  # fmt: skip


def _reached(moment: str, records: list[dict[str, object]], client: Any, run_id: str) -> bool:
    if moment == "bringup":  # compose up is creating the run's containers
        return bool(run_id) and any(x.startswith("container") for x in _labelled(client, f"org.drills.run={run_id}"))
    if moment == "fault":  # the cut has been injected
        return any(r.get("kind") == "fault" and r.get("action") == "inject" and r.get("ok") for r in records)
    return any(r.get("kind") == "phase" and r.get("phase") == moment for r in records)


def stages(records: list[dict[str, object]], sent_wall: float, exit_wall: float) -> tuple[float, float, float] | None:
    """(stop, remove, write) seconds of an abandoned run, from its phase marks (see the docstring)."""
    header = next((r for r in records if r.get("kind") == "header"), None)
    marks = {str(r.get("phase")): float(str(r.get("t"))) for r in records if r.get("kind") == "phase"}
    if header is None or "teardown" not in marks or "done" not in marks:
        return None
    t0 = datetime.fromisoformat(str(header["t0_utc"])).timestamp()
    teardown, done = t0 + marks["teardown"], t0 + marks["done"]
    return (round(teardown - sent_wall, 2), round(done - teardown, 2), round(exit_wall - done, 2))


def drill_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "drills", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, check=False)  # fmt: skip


def interrupt_once(scenario: Path, reports: Path, how: str, moment: str | float,
                   say: Callable[[str], None] = lambda _m: None) -> Outcome:  # fmt: skip
    """One case: run ``scenario`` into ``reports``, signal it with ``how`` at ``moment`` (a phase name,
    or seconds after the start), then measure (see the module docstring)."""
    import docker

    client = docker.from_env(timeout=30)
    proc = subprocess.Popen([sys.executable, "-m", "drills", "run", str(scenario), "--no-live", "--reports",
                             str(reports)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    started = time.monotonic()
    run_id = ""
    try:
        while proc.poll() is None:
            records = _records(reports)
            run_id = run_id or next((str(r["run_id"]) for r in records if r.get("kind") == "header"), "")
            if isinstance(moment, float):
                if time.monotonic() - started >= moment:
                    break
            elif _reached(moment, records, client, run_id):
                break
            if time.monotonic() - started > 600:
                raise RuntimeError(f"the run never reached {moment}")
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError(f"the run ended (exit {proc.returncode}) before {moment}")
        sent, sent_wall = time.monotonic(), time.time()
        if how == "SIGTERM+KILL":
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(GRACE_S)
            except subprocess.TimeoutExpired:
                proc.kill()
        else:
            proc.send_signal(getattr(signal, how))
        proc.wait(120)
        exit_s, exit_wall = time.monotonic() - sent, time.time()
        run_id = run_id or next((str(r["run_id"]) for r in _records(reports) if r.get("kind") == "header"), "")
        left: list[str] = []
        gone_s = None
        while time.monotonic() - sent < CLEAN_WITHIN_S:
            left = _labelled(client, f"org.drills.run={run_id}")
            if not left:
                gone_s = time.monotonic() - sent
                break
            time.sleep(0.5)
        reaper_deadline = time.monotonic() + 30
        while _labelled(client, f"org.drills.reaper={run_id}") and time.monotonic() < reaper_deadline:
            time.sleep(0.5)
        reaper_gone = not _labelled(client, f"org.drills.reaper={run_id}")
    finally:
        if proc.poll() is None:
            proc.kill()
        client.close()
    drill_cli("history", str(reports))  # any command finalises a killed run's bundle
    bundles = [p for p in reports.iterdir() if p.is_dir()]
    status, verified = "", False
    if len(bundles) == 1 and (bundles[0] / "result.json").is_file():
        status = str(json.loads((bundles[0] / "result.json").read_text())["status"])
        verified = drill_cli("verify", str(bundles[0])).returncode == 0
    split = stages(_records(reports), sent_wall, exit_wall) if proc.returncode in (130, 143) else None
    out = Outcome(how, moment if isinstance(moment, str) else f"random {moment:.1f}s", proc.returncode, exit_s,
                  gone_s, tuple(left) if gone_s is None else (), reaper_gone, status, verified, run_id,
                  stages=split)  # fmt: skip
    say(f"{out.signal:<13} {out.moment:<14} exit {out.exit_code} after {exit_s:.1f}s; "
        + (f"clean after {gone_s:.1f}s" if gone_s is not None else f"LEAKED {len(left)}: {', '.join(left[:4])}")
        + f"; reaper {'gone' if reaper_gone else 'STILL THERE'}; bundle {status or 'none'}"
        + (" (verifies)" if verified else " (does NOT verify)")
        + (f"; stop {split[0]:.1f}s, remove {split[1]:.1f}s, write {split[2]:.1f}s" if split else ""))
    return out


def table(outcomes: Sequence[dict[str, object]]) -> str:
    if not outcomes:
        return "no case recorded"
    groups: dict[tuple[str, str], list[dict[str, object]]] = {}
    for o in outcomes:
        moment = str(o["moment"])
        groups.setdefault((str(o["signal"]), "random" if moment.startswith("random") else moment), []).append(o)
    rows = [("signal", "moment", "runs", "exit codes", "exit s (median, max)", "clean s (median, max)", "leaks",
             "reaper left", "bundles (status: verifies)", "stop/remove/write s (median)")]  # fmt: skip
    for (sig, moment), os_ in sorted(groups.items(), key=lambda kv: (SIGNALS.index(kv[0][0]), kv[0][1])):
        exits = [float(str(o["exit_s"])) for o in os_ if o["exit_s"] is not None]
        cleans = [float(str(o["gone_s"])) for o in os_ if o["gone_s"] is not None]
        codes = sorted({str(o["exit_code"]) for o in os_})
        statuses: dict[str, list[int]] = {}
        for o in os_:
            statuses.setdefault(str(o["status"] or "none"), [0, 0])[0] += 1
            statuses[str(o["status"] or "none")][1] += bool(o["verified"])
        rows.append((sig, moment, str(len(os_)), ",".join(codes),
                     f"{statistics.median(exits):.1f}, {max(exits):.1f}" if exits else "-",
                     f"{statistics.median(cleans):.1f}, {max(cleans):.1f}" if cleans else "-",
                     str(sum(1 for o in os_ if o["gone_s"] is None)),
                     str(sum(1 for o in os_ if not o["reaper_gone"])),
                     " ".join(f"{k} {v[0]}: {v[1]}" for k, v in sorted(statuses.items())),
                     _median_stages(os_)))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    leaks = sum(1 for o in outcomes if o["gone_s"] is None)
    lines.append(f"\n{len(outcomes)} case(s); leaked: {leaks}")
    return "\n".join(lines)


def _median_stages(outcomes: Sequence[dict[str, object]]) -> str:
    split = [o["stages"] for o in outcomes if isinstance(o.get("stages"), list | tuple)]
    if not split:
        return "-"
    return " / ".join(f"{statistics.median(float(str(x[i])) for x in split):.1f}"  # type: ignore[index]
                      for i in range(3))  # fmt: skip


def _say(prefix: str, text: str) -> None:
    print(f"{prefix} {text}", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--matrix", action="store_true", help="every signal at every moment, once")
    ap.add_argument("--kills", type=int, default=0, help="this many SIGKILLs at random moments")
    ap.add_argument("--scenario", type=Path, default=SCENARIO)
    ap.add_argument("--results", type=Path, default=RESULTS, help="JSON lines, appended to")
    ap.add_argument("--seed", type=int, default=None, help="seed of the random moments")
    ap.add_argument("--table", action="store_true", help="print the table of the results file; run nothing")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from bench.fidelity import _commit

    cases: list[tuple[str, str | float]] = []
    if not args.table:
        if args.matrix:
            cases += [(s, m) for m in MOMENTS for s in SIGNALS]
        rng = random.Random(args.seed)
        cases += [("SIGKILL", round(rng.uniform(1.0, RANDOM_SPAN_S), 1)) for _ in range(args.kills)]
    args.results.parent.mkdir(parents=True, exist_ok=True)
    commit = _commit() if cases else ""
    try:
        for i, (how, moment) in enumerate(cases, 1):
            with tempfile.TemporaryDirectory(prefix="drills-interrupt-") as tmp:
                prefix = f"[{i}/{len(cases)}]"
                try:
                    out = interrupt_once(args.scenario, Path(tmp), how, moment,
                                         functools.partial(_say, prefix))  # fmt: skip
                except RuntimeError as exc:
                    print(f"[{i}/{len(cases)}] {how} {moment}: not measured: {exc}", flush=True)
                    continue
            row = {**asdict(out), "when": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit}
            with args.results.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(row) + "\n")
    except KeyboardInterrupt:
        print("stopped; finished cases are kept", file=sys.stderr)
    lines = args.results.read_text(encoding="utf-8").splitlines() if args.results.is_file() else []
    print(table([json.loads(x) for x in lines if x.strip()]))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("COLUMNS", "140")
    sys.exit(main())
