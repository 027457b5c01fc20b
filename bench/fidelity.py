"""Benchmark the drills' fidelity: every known-bad scenario caught for the right reason, no false alarm.

    python bench/fidelity.py [--runs 10] [--only NAME ...] [--results PATH] [--keep DIR]
    python bench/fidelity.py --table [--runs 10] [--only NAME ...] [--results PATH]
    ... [--since REV]   count only runs measured at REV or a later commit (runs and table alike)

Runs every scenario of scenarios/ N times against the real replica (a Docker engine: `drill
setup`) and prints the detection matrix. A *known-bad* scenario declares how it must fail
(``expect:``); a *clean* one (no ``expect:``) must pass. Each run of a known-bad scenario is one
cell:

    ✓   caught for the right reason: the expectation confirmed (it failed exactly as declared)
    ~   caught, but not as declared: it failed and a declared run-time check failed, but a
        declared verdict is missing, or one not declared failed (or could not be judged)
    ✗   missed: no declared run-time check failed (it passed, or failed only on others)
    E   the run ended aborted or error

then the runs caught for the right reason (k/n), the runs caught at all, ``lint`` (whether it
declares dualization findings: those are static, known before the run, so they cannot be
missed), and ``caught by``: each run-time check that failed, with the number of runs it failed
in. Each clean scenario gets its runs passed (k/n) and its false alarms: each verdict that
failed (or was unknown), with its count. Below the tables, every run that was not confirmed
(or did not pass) with its missing and extra verdicts. Targets: each known-bad scenario caught
for the right reason in >= 9 of 10 runs; each clean one passes 10 of 10.

A run takes ~1.5-2.5 minutes, one at a time, so the bench spreads over sessions: each finished
run is appended as one JSON line to the results file (default bench/results/fidelity.jsonl);
a new session runs only what is missing to reach N runs per scenario, the run numbers taking
turns across the scenarios (run 1 of every scenario, then run 2, ...), so a partial session
covers all of them evenly. A run counts only for the scenario as it is now: the digest of its
content (comments and description aside) and of its variant's compose file
(fixtures/variants/<variant>.yml) is recorded, and runs of an edited scenario are ignored (and
counted as stale). Ctrl-C abandons the run in progress (it heals and tears down first), keeps
every finished run and prints the table. ``--table`` prints the table from the results file
without running anything.

The digest covers the scenario, not the replica it runs against (docker-compose.yml, fixtures/):
a change there that should change the outcome (e.g. the healthchecks that overloaded a 2-core
machine, fixed at 4e0c6ac) is a reason to measure again from that commit, and ``--since REV``
counts (and plans) only the runs made at REV or after it; both counts belong in a report.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.checks import check_of_verdict  # noqa: E402
from drills.errors import DrillsError  # noqa: E402
from drills.model.result import DrillResult  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "fidelity.jsonl"
NOT_RUN = "·"


def is_static(check: str) -> bool:
    """A verdict known before the run: the dualization lint's (a check of scope ``topology``)."""
    found = check_of_verdict(check)
    return found is not None and found.scope == "topology"


@dataclass(frozen=True)
class Entry:
    """One scenario file as it is now."""

    name: str
    file: str  # relative to the repository
    digest: str  # sha256 of the scenario's content (not its comments or description), then its variant's compose file
    declared: tuple[str, ...] = ()  # expect.failing as check[capability]
    known_bad: bool = False  # it has an expect: block

    @property
    def lint(self) -> bool:
        """Declares dualization findings: caught statically, whatever the run does."""
        return any(is_static(n.split("[", 1)[0]) for n in self.declared)


def read_entry(path: Path, root: Path) -> Entry:
    """The scenario's name, digest and declared failures, read from its YAML (no Docker needed)."""
    data = yaml.safe_load(path.read_bytes()) or {}
    # what the drill does and claims, not how it is explained: a reworded comment or
    # description keeps the runs already measured
    judged = {k: v for k, v in data.items() if k != "description"}
    sha = hashlib.sha256(json.dumps(judged, sort_keys=True, default=str).encode())
    variant = (data.get("topology") or {}).get("variant")
    if variant:
        sha.update((root / "fixtures" / "variants" / f"{variant}.yml").read_bytes())
    expect = data.get("expect")
    failing = (expect or {}).get("failing") or []
    declared = tuple(f"{f['check']}[{f['capability']}]" for f in failing)
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    return Entry(str(data.get("name") or path.stem), str(rel), sha.hexdigest(), declared, expect is not None)


@dataclass(frozen=True)
class Run:
    """One finished run, as one line of the results file."""

    scenario: str
    digest: str
    started: str  # UTC, ISO 8601
    took: float  # s
    status: str  # passed | failed | aborted | error
    confirmed: bool | None  # the expectation confirmed; None: a clean scenario (no expect:)
    failing: tuple[str, ...] = ()  # failing run-time verdicts, check[capability]
    static: tuple[str, ...] = ()  # failing dualization verdicts
    unknown: tuple[str, ...] = ()  # verdicts that could not be judged
    missing: tuple[str, ...] = ()  # declared but did not fail
    extra: tuple[str, ...] = ()  # failed (or unknown) but not declared
    error: str = ""
    commit: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Run:
        def names(key: str) -> tuple[str, ...]:
            return tuple(str(n) for n in d.get(key) or ())

        confirmed = d.get("confirmed")
        return cls(str(d["scenario"]), str(d["digest"]), str(d.get("started", "")), float(d.get("took", 0.0)),
                   str(d["status"]), None if confirmed is None else bool(confirmed), names("failing"),
                   names("static"), names("unknown"), names("missing"), names("extra"), str(d.get("error", "")),
                   str(d.get("commit", "")))  # fmt: skip


def run_of(result: DrillResult, digest: str, started: str, took: float, commit: str) -> Run:
    """The record of a finished drill."""
    failed = [v for v in result.verdicts if v.status == "fail"]
    judged = result.expectation
    return Run(result.scenario_name, digest, started, round(took, 1), result.status,
               None if judged is None else judged.confirmed,
               failing=tuple(v.name for v in failed if not is_static(v.check)),
               static=tuple(v.name for v in failed if is_static(v.check)),
               unknown=tuple(v.name for v in result.verdicts if v.status == "unknown"),
               missing=() if judged is None else judged.missing,
               extra=() if judged is None else judged.extra,
               error=result.error, commit=commit)  # fmt: skip


def read_runs(lines: Iterable[str]) -> tuple[list[Run], int]:
    """The runs of a results file's lines, and how many lines could not be read (a line cut short)."""
    runs: list[Run] = []
    bad = 0
    for line in lines:
        if not line.strip():
            continue
        try:
            runs.append(Run.from_dict(json.loads(line)))
        except (ValueError, KeyError, TypeError):
            bad += 1
    return runs, bad


def current(runs: Iterable[Run], digests: Mapping[str, str]) -> tuple[dict[str, list[Run]], int]:
    """The runs of each scenario as it is now (its digest), in file order, and how many are stale.

    Runs of scenarios not in ``digests`` (left out by --only) are neither kept nor stale."""
    kept: dict[str, list[Run]] = {name: [] for name in digests}
    stale = 0
    for r in runs:
        if r.scenario not in digests:
            continue
        if r.digest == digests[r.scenario]:
            kept[r.scenario].append(r)
        else:
            stale += 1
    return kept, stale


def schedule(done: Mapping[str, int], order: Sequence[str], runs: int) -> list[tuple[str, int]]:
    """The missing runs as (scenario, run number), run numbers taking turns across the scenarios:
    every scenario's next run before any scenario's run after that."""
    todo = [(k, i, name) for i, name in enumerate(order) for k in range(done.get(name, 0) + 1, runs + 1)]
    return [(name, k) for k, _, name in sorted(todo)]


def cell(run: Run, known_bad: bool) -> str:
    """One run in the matrix (see the module docstring); a clean scenario: ✓ passed, ✗ a false alarm."""
    if run.status in ("aborted", "error"):
        return "E"
    if not known_bad:
        return "✓" if run.status == "passed" else "✗"
    if run.confirmed:
        return "✓"
    declared_failed = [n for n in run.failing if n not in run.extra]
    return "~" if run.status == "failed" and declared_failed else "✗"


@dataclass(frozen=True)
class Row:
    """One scenario's line of the tables."""

    entry: Entry
    runs: tuple[Run, ...]  # in the order they ran
    cells: tuple[str, ...]  # one per run
    good: int  # known-bad: caught for the right reason; clean: passed
    caught: int  # known-bad: ✓ or ~
    counts: tuple[tuple[str, int], ...]  # known-bad: the run-time checks it was caught by; clean: false alarms

    def met(self, wanted: int) -> bool:
        """The target: the right reason in >= 90% of at least ``wanted`` runs (known-bad), every one passed (clean)."""
        n = len(self.runs)
        if n < wanted:
            return False
        return self.good * 10 >= 9 * n if self.entry.known_bad else self.good == n


def row(entry: Entry, runs: Sequence[Run]) -> Row:
    cells = tuple(cell(r, entry.known_bad) for r in runs)
    counts: Counter[str] = Counter()
    for r in runs:
        if entry.known_bad:  # each check once per run, whatever the number of its failing verdicts
            counts.update({n.split("[", 1)[0] for n in r.failing})
        else:
            counts.update({*r.static, *r.failing, *(f"{n} unknown" for n in r.unknown)})
    good = cells.count("✓")
    ranked = tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    return Row(entry, tuple(runs), cells, good, good + cells.count("~"), ranked)


def _counts_text(counts: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts) or "none"


def _matrix(rows: Sequence[Row], columns: int, heads: str, tail: Callable[[Row], str]) -> list[str]:
    """A header and one line per row: the name, a cell per run number (· not run yet), then ``tail``."""
    width = max([len("scenario"), *(len(r.entry.name) for r in rows)]) + 2
    w = len(str(columns))
    numbers = " ".join(f"{k:>{w}}" for k in range(1, columns + 1))
    lines = [f"{'scenario':<{width}}{numbers}  {heads}"]
    for r in rows:
        cells = " ".join(f"{c:>{w}}" for c in (*r.cells, *[NOT_RUN] * (columns - len(r.cells))))
        lines.append(f"{r.entry.name:<{width}}{cells}  {tail(r)}")
    return lines


def _bad_tail(r: Row) -> str:
    n, lint = len(r.runs), "yes" if r.entry.lint else "no"
    return f"{f'{r.good}/{n}':>5}  {f'{r.caught}/{n}':>6}  {lint:<4}  {_counts_text(r.counts)}"


def _clean_tail(r: Row) -> str:
    return f"{f'{r.good}/{len(r.runs)}':>6}  {_counts_text(r.counts)}"


def _study(r: Row) -> list[str]:
    """The runs to look at: not confirmed (known-bad) or not passed (clean), with what differed."""
    out = []
    for k, (mark, run) in enumerate(zip(r.cells, r.runs, strict=True), 1):
        if mark == "✓":
            continue
        alarms = () if r.entry.known_bad else run.static + run.failing
        parts = [f"missing {', '.join(run.missing)}" if run.missing else "",
                 f"extra {', '.join(run.extra)}" if run.extra else "",
                 f"failing {', '.join(alarms)}" if alarms else "",
                 f"unknown {', '.join(run.unknown)}" if run.unknown else "",
                 f"error: {run.error}" if run.error else ""]  # fmt: skip
        why = "; ".join(p for p in parts if p) or run.status
        out.append(f"  {r.entry.name} run {k} ({mark} {run.status}, {run.started}, {run.commit}): {why}")
    return out


def render(rows: Sequence[Row], wanted: int, stale: int = 0, unreadable: int = 0) -> str:
    """The two tables, the targets and the runs to study, as printed."""
    columns = max([wanted, *(len(r.runs) for r in rows)])
    bad = [r for r in rows if r.entry.known_bad]
    clean = [r for r in rows if not r.entry.known_bad]
    out = ["Known-bad scenarios (✓ caught for the right reason, ~ caught otherwise, ✗ missed, E error/aborted)"]
    out += _matrix(bad, columns, "right  caught  lint  caught by (runs)", _bad_tail)
    out += ["", "Clean scenarios (✓ passed, ✗ a false alarm, E error/aborted)"]
    out += _matrix(clean, columns, "passed  false alarms (runs)", _clean_tail)
    need = (9 * wanted + 9) // 10
    met_bad, met_clean = sum(r.met(wanted) for r in bad), sum(r.met(wanted) for r in clean)
    out += [
        "",
        f"known-bad: right reason >= {need}/{wanted}: {met_bad} of {len(bad)} scenarios",
        f"clean: {wanted}/{wanted}: {met_clean} of {len(clean)} scenarios",
    ]
    short = [r.entry.name for r in rows if len(r.runs) < wanted]
    if short:
        out.append(f"short of {wanted} runs: {', '.join(short)}")
    if stale or unreadable:
        out.append(f"ignored: {stale} stale run(s) (the scenario or its variant changed since), "
                   f"{unreadable} unreadable line(s)")  # fmt: skip
    study = [line for r in rows for line in _study(r)]
    if study:
        out += ["", "Runs not confirmed (known-bad) or not passed (clean):", *study]
    return "\n".join(out)


# --- running (needs a Docker engine) ---------------------------------------------------------------------------


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                          check=False, timeout=10)  # fmt: skip
    return done.stdout.strip() or "unknown"


def since(runs: Mapping[str, list[Run]], rev: str) -> tuple[dict[str, list[Run]], int]:
    """The runs measured at ``rev`` or a descendant of it, and how many earlier ones were left out."""
    verdict: dict[str, bool] = {}

    def later(commit: str) -> bool:
        if commit not in verdict:
            done = subprocess.run(["git", "merge-base", "--is-ancestor", rev, commit], cwd=ROOT, capture_output=True,
                                  check=False, timeout=10)  # fmt: skip
            verdict[commit] = done.returncode == 0
        return verdict[commit]

    kept = {name: [r for r in rs if later(r.commit)] for name, rs in runs.items()}
    return kept, sum(map(len, runs.values())) - sum(map(len, kept.values()))


def run_plan(plan: Sequence[tuple[str, int]], entries: Mapping[str, Entry], runs_wanted: int, results: Path,
             kept: dict[str, list[Run]], keep: Path | None) -> None:  # fmt: skip
    """Play ``plan``, appending each finished run to ``results`` and to ``kept``; Ctrl-C propagates."""
    from drills.engine.lifecycle import run_drill
    from drills.engine.progress import LineProgress
    from drills.scenario import load_scenario

    commit = _commit()
    loaded = {name: load_scenario(ROOT / entries[name].file, repo_root=ROOT) for name in {n for n, _ in plan}}
    results.parent.mkdir(parents=True, exist_ok=True)
    for i, (name, k) in enumerate(plan, 1):
        started = datetime.now(UTC)
        stamp = started.isoformat(timespec="seconds")
        with tempfile.TemporaryDirectory() as tmp:
            bundle = Path(tmp) if keep is None else keep / f"{name}-{started.strftime('%Y%m%dT%H%M%S')}"
            t0 = time.monotonic()
            result = run_drill(loaded[name], bundle, LineProgress(stream=io.StringIO()))
            took = time.monotonic() - t0
        run = run_of(result, entries[name].digest, stamp, took, commit)
        with results.open("a", encoding="utf-8") as f:
            f.write(run.to_json() + "\n")
        kept[name].append(run)
        mark = cell(run, entries[name].known_bad)
        print(f"[{i}/{len(plan)}] {name} run {k} of {runs_wanted}: {run.status} {mark}, {took:.0f}s; "
              f"failing: {', '.join((*run.static, *run.failing)) or 'none'}"
              f"{'; unknown: ' + ', '.join(run.unknown) if run.unknown else ''}"
              f"{'; error: ' + run.error if run.error else ''}", file=sys.stderr, flush=True)  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="runs per scenario to reach (default 10)")
    ap.add_argument("--only", nargs="+", metavar="NAME", help="these scenarios only (name or file stem)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="the results file (JSON lines; appended to)")
    ap.add_argument("--table", action="store_true", help="print the table from the results file; run nothing")
    ap.add_argument("--keep", type=Path, help="keep each run's evidence bundle under this directory")
    ap.add_argument("--since", metavar="REV", help="count only runs measured at this commit or a later one")
    args = ap.parse_args(argv)
    entries = {e.name: e for e in (read_entry(p, ROOT) for p in sorted((ROOT / "scenarios").glob("*.yaml")))}
    if args.only:
        stems = {Path(e.file).stem: e.name for e in entries.values()}
        unknown = [n for n in args.only if n not in entries and n not in stems]
        if unknown:
            ap.error(f"unknown scenario {', '.join(unknown)} (scenarios: {', '.join(entries)})")
        wanted = {stems.get(n, n) for n in args.only}
        entries = {name: e for name, e in entries.items() if name in wanted}
    lines = args.results.read_text(encoding="utf-8").splitlines() if args.results.is_file() else []
    recorded, unreadable = read_runs(lines)
    kept, stale = current(recorded, {name: e.digest for name, e in entries.items()})
    if args.since:
        if subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"{args.since}^{{commit}}"], cwd=ROOT,
                          capture_output=True, check=False, timeout=10).returncode != 0:  # fmt: skip
            ap.error(f"--since: {args.since} is not a commit of this repository")
        kept, earlier = since(kept, args.since)
        print(f"counting runs measured at {args.since} or later: {earlier} earlier run(s) left out", file=sys.stderr)
    rc = 0
    if not args.table:
        plan = schedule({name: len(rs) for name, rs in kept.items()}, list(entries), args.runs)
        print(f"{len(plan)} run(s) to go (~{len(plan) * 2 / 60:.1f} h at ~2 min each); "
              f"{sum(map(len, kept.values()))} recorded, {stale} stale ignored; results: {args.results}",
              file=sys.stderr, flush=True)  # fmt: skip
        try:
            if plan:
                run_plan(plan, entries, args.runs, args.results, kept, args.keep)
        except DrillsError as exc:  # a scenario that does not load, an engine that is not there
            print(f"fidelity: {exc}", file=sys.stderr)
            rc = 1
        except KeyboardInterrupt:
            print("interrupted: the run in progress is dropped, every finished run is kept", file=sys.stderr)
    rows = [row(e, kept[name]) for name, e in entries.items()]
    print(render(rows, args.runs, stale, unreadable))
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
