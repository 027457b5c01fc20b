"""``drill run``: every file validated first (exit 2, nothing started), then each drill.

``run`` exits 0 when every check passed, 1 when a check failed or a
run aborted, 3 when the environment broke, 130 on SIGINT (Ctrl-C) and 143 on SIGTERM (the run is
abandoned: its stack removed at once, its bundle written with status interrupted). A scenario with ``expect:`` (a known
DR mistake) exits 0 when it failed exactly as declared ("expected failure
confirmed"), 1 when it passed or failed differently (the reason is printed).
With several files, the highest code wins (3 before 1 before 0). ``--sign-key KEY`` signs each
bundle's manifest (drills.report.signing); the key is checked before anything starts (exit 2), and
a bundle that could not be signed makes the exit code 3. ``--reuse [RUN]`` drills on a stack of
``drill up`` after a verified reset (drills.engine.warm): a stack brought up from other compose
files, or from files changed since, is exit 2 before anything starts.
"""

from __future__ import annotations

import argparse
import shutil
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from drills.cli.common import Command, output_dir, output_file
from drills.cli.report import sign_key_arg
from drills.cli.scenario import files_arg, load_all, scenario_files
from drills.errors import EXIT_ENVIRONMENT

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from drills.model.result import DrillResult, Verdict
    from drills.model.scenario import Scenario


def _cell(v: Verdict, x: float | None, *, is_target: bool) -> str:
    """One target or measured value of a verdict, in the verdict's unit."""
    if x is None:
        return "-"
    unit = v.unit if v.unit not in ("", "ratio", "count") else ""
    text = f"{x * 100:.1f}%" if v.unit == "ratio" else f"{x:.2f}{unit}" if unit == "s" else f"{x:g}{unit}"
    return f"{v.comparison} {text}" if is_target and v.comparison else text


def verdict_table(result: DrillResult) -> Table:
    from rich.table import Table

    from drills.report.view import status_class, status_word

    colour = {"passed": "green", "confirmed": "green", "failed": "red", "aborted": "yellow", "error": "red",
              "interrupted": "yellow", "killed": "red"}[
        status_class(result)]  # fmt: skip
    t = Table(title=f"{result.scenario_name}: [bold {colour}]{status_word(result)}[/]", title_justify="left")
    for col in ("check", "capability", "target", "measured", "verdict"):
        t.add_column(col)
    for v in result.verdicts:
        bound = f" {v.uncertainty_text()}" if v.uncertainty_text() else ""
        mark = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "unknown": "[yellow]unknown[/]"}[v.status]
        t.add_row(v.check, v.capability, _cell(v, v.target, is_target=True),
                  _cell(v, v.measured, is_target=False) + bound, mark)
    return t


def outcome_lines(result: DrillResult, *, markup: bool = True) -> list[str]:
    """What to print under the verdict table: each verdict that did not pass (a declared one marked
    expected), the run's error, and whether the declared expectation was confirmed."""
    from rich.markup import escape

    exp = result.expectation

    def paint(text: str, colour: str) -> str:
        return f"[{colour}]{text}[/]" if markup else text

    def plain(text: str) -> str:  # rich would read rto_first[devtools] as a style tag
        return escape(text) if markup else text

    lines = []
    for v in result.verdicts:
        if v.status != "pass":
            declared = exp is not None and v.status == "fail" and exp.expected.declares(v.check, v.capability)
            mark = paint("✗ (expected)", "yellow") if declared else paint("✗", "red")
            lines.append(f"  {mark} {plain(v.message)}")
    if result.error:
        lines.append(plain(f"  {result.status}: {result.error}"))
    if exp is not None and result.as_declared:
        lines.append(paint("expected failure confirmed", "bold green") + plain(f": {exp.expected.names()}"))
    elif exp is not None:
        lines.append(paint("expected failure NOT confirmed", "bold red") + plain(f": {exp.reason}"))
    return lines


def write_result_bundle(result: DrillResult, scenario: Scenario, bundle: Path) -> None:
    from drills.report.bundle import write_bundle

    write_bundle(result, bundle / "timeline.jsonl", scenario.path, bundle, result.environment)


def _sign(bundle: Path, key: Path | None, console: Console) -> bool:
    """Sign the bundle's manifest when asked; False (and why, on the console) when it could not be."""
    if key is None:
        return True
    from drills.errors import UsageError
    from drills.report.signing import sign_manifest

    try:
        sign_manifest(bundle, key)
    except UsageError as exc:
        console.print(f"drill: the bundle is NOT signed: {exc}", highlight=False, soft_wrap=True)
        return False
    return True


def cmd_run(args: argparse.Namespace) -> int:
    if args.reuse and Path(args.reuse).is_file():  # `--reuse scenario.yaml`: argparse took the file as RUN
        args.files, args.reuse = [args.reuse, *args.files], ""
    scenarios = load_all(scenario_files(args))  # every file valid before anything starts
    reports = output_dir(args.reports, "--reports")  # and every output path writable
    if args.junit is not None:
        output_file(args.junit, "--junit")
    key = None
    if args.sign_key is not None:
        from drills.report.signing import signing_key

        key = signing_key(args.sign_key)

    from rich.console import Console

    from drills.engine.lifecycle import DrillInterrupted, run_drill
    from drills.engine.progress import make_progress

    reuse = {}  # run_drill's wiring: the default one, unless --reuse
    if args.reuse is not None:  # checked before anything starts: exit 2 when the stack cannot be it
        from drills.engine import runs
        from drills.engine.stack import Wiring
        from drills.engine.warm import ReusedStack, choose_up

        up = choose_up(runs.records(), args.reuse, scenarios)
        reuse["wiring"] = Wiring(open_stack=partial(ReusedStack, record=up))

    console = Console()
    codes = []
    for sc in scenarios:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        bundle = reports / f"{stamp}-{sc.name}"
        bundle.mkdir(parents=True, exist_ok=True)
        console.print(f"drill {sc.name}: {sc.description}".rstrip(": "))
        progress = make_progress(sc.name, interactive=None if not args.no_live else False)
        try:
            result = run_drill(sc, bundle, progress, keep=partial(write_result_bundle, scenario=sc, bundle=bundle),
                               **reuse)
        except DrillInterrupted as stop:  # its bundle is written
            _sign(bundle, key, console)
            console.print(f"drill {sc.name}: {stop.result.error}; evidence: {bundle}/", highlight=False,
                          soft_wrap=True)
            return stop.exit_code  # 130 SIGINT, 143 SIGTERM
        signed = _sign(bundle, key, console)
        console.print(verdict_table(result))
        for line in outcome_lines(result):
            console.print(line, highlight=False)
        console.print(f"evidence: {bundle}/", highlight=False, soft_wrap=True)  # one line, for log readers
        if args.junit:
            src = bundle / "junit.xml"
            if src.exists():
                shutil.copy(src, args.junit)
        codes.append(result.exit_code() if signed else max(result.exit_code(), EXIT_ENVIRONMENT))
    return max(codes) if EXIT_ENVIRONMENT not in codes else EXIT_ENVIRONMENT


def _run_args(p: argparse.ArgumentParser) -> None:
    files_arg(p)
    p.add_argument("--reports", default="reports", help="where evidence bundles go (default: reports/)")
    p.add_argument("--junit", metavar="PATH", help="also copy the JUnit XML here")
    p.add_argument("--no-live", action="store_true", help="line-by-line progress even on a terminal")
    p.add_argument("--reuse", nargs="?", const="", metavar="RUN",
                   help="drill on the running stack of `drill up SCENARIO` (default: the only one) instead of a "
                   "fresh one: it is reset and proven back to its state at `drill up` first, else the run "
                   "ends in error (exit 3); it stays up")
    sign_key_arg(p)


COMMANDS: dict[str, Command] = {
    "run": ("run drills: bring up the stack, cut, measure, judge, tear down", _run_args, cmd_run),
}
