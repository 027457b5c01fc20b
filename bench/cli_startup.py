"""CLI start-up benchmark: how long ``drill`` takes for the commands that start nothing.

Each command runs N times (default 10) as a subprocess from the repository root, after one
warm-up run that is not counted (it may compile .pyc files or fill the disk cache):

    drill --version
    drill validate scenarios/site-a-power-cut.yaml
    drill lint scenarios/site-a-power-cut.yaml
    drill plan scenarios/site-a-power-cut.yaml

and prints, per command, the wall time (median, min, max) and the median CPU time (user + system
of the child and of what it ran, e.g. ``docker compose config``) in milliseconds. Wall time is what
a user waits; CPU time barely moves when other work shares the machine, so on a busy machine it
is the number to compare. The load average is printed before and after.

Bytecode: an installed ``drill`` compiles its modules once and then loads the cached bytecode.
With PYTHONDONTWRITEBYTECODE set (as in some sandboxes) every start compiles the project's
modules from source again, about 0.1-0.2 s of CPU. So the children cache their bytecode under a
temporary PYTHONPYCACHEPREFIX (nothing is written in the repository), filled by the warm-up
run; ``--as-is`` runs them in this environment unchanged instead.

Compose's answers: ``validate``, ``lint`` and ``plan`` read the topology through ``docker compose
config``, whose answer drills keeps on disk (drills/adapters/compose_cache.py), so after the
warm-up they ask Compose nothing: what a user validating unchanged files again waits. ``--cold``
turns that store off (``DRILLS_CACHE_DIR=off``): every run asks Compose, as the first one on a
fresh machine does.

    python bench/cli_startup.py [-n 10] [--drill PATH] [--budget 0.3] [--as-is] [--cold]

Exits 1 when the wall-time median of ``--version``, ``validate`` or ``lint`` is over the budget
(the target of issue 12: 0.3 s), 2 when a command fails. No Docker engine is used.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = "scenarios/site-a-power-cut.yaml"
COMMANDS = (["--version"], ["validate", SCENARIO], ["lint", SCENARIO], ["plan", SCENARIO])
BUDGETED = ("--version", "validate", "lint")


def default_drill() -> list[str]:
    """The ``drill`` installed next to this interpreter, else ``python -m drills``."""
    beside = Path(sys.executable).parent / "drill"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("drill")
    return [found] if found else [sys.executable, "-m", "drills"]


def once(argv: list[str], env: Mapping[str, str]) -> tuple[float, float]:
    """One run: (wall seconds, CPU seconds of the child and its own children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, timeout=120, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):  # 1: lint findings; 2 or more: the command itself failed
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["(no stderr)"]
        raise SystemExit(f"{' '.join(argv)}: exit {done.returncode}: {tail[0]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description="CLI start-up benchmark (see the module docstring).")
    parser.add_argument("-n", "--runs", type=int, default=10, help="timed runs per command (default %(default)s)")
    parser.add_argument("--drill", help="the drill executable (default: the one next to this Python)")
    parser.add_argument("--budget", type=float, default=0.3, help="seconds (default %(default)s)")
    parser.add_argument("--as-is", action="store_true", help="keep this environment's bytecode settings")
    parser.add_argument("--cold", action="store_true", help="no stored Compose answers: every run asks Compose")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    with tempfile.TemporaryDirectory(prefix="drills-pycache-") as pycache:
        env = dict(os.environ)
        if not args.as_is:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = pycache
        if args.cold:
            env["DRILLS_CACHE_DIR"] = "off"
        print("Compose answers: " + ("not stored (--cold): every run asks Compose" if args.cold
                                     else "stored on disk: after the warm-up no run asks Compose"))  # fmt: skip
        return bench([args.drill] if args.drill else default_drill(), args.runs, args.budget, env, args.as_is)


def bench(drill: list[str], n: int, budget: float, env: Mapping[str, str], as_is: bool) -> int:
    cache = "as this environment has it" if as_is else "cached in a temporary prefix"
    print(f"drill: {' '.join(drill)}; {n} runs per command after 1 warm-up; bytecode {cache}; "
          f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")  # fmt: skip
    rows = []
    for command in COMMANDS:
        argv = [*drill, *command]
        once(argv, env)
        runs = [once(argv, env) for _ in range(n)]
        walls = [w * 1000 for w, _ in runs]
        cpus = [c * 1000 for _, c in runs]
        rows.append((" ".join(command), statistics.median(walls), min(walls), max(walls), statistics.median(cpus)))
    width = max(len(r[0]) for r in rows) + len("drill ")
    print(f"{'command':<{width}}  {'median':>8}  {'min':>8}  {'max':>8}  {'cpu med':>8}   (ms)")
    for name, med, low, high, cpu in rows:
        print(f"{'drill ' + name:<{width}}  {med:8.0f}  {low:8.0f}  {high:8.0f}  {cpu:8.0f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    over = [name for name, med, *_ in rows if name.split()[0] in BUDGETED and med > budget * 1000]
    if over:
        print(f"over the {budget:g}s budget (wall median): {', '.join(over)}")
        return 1
    print(f"every budgeted command under {budget:g}s (wall median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
