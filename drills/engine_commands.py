"""CLI commands of the drill engine: run, validate, plan, schema, list, sweep, up, down.

Input is validated for every file before anything starts (exit 2, one line per
problem). ``run`` exits 0 when every check passed, 1 when a check failed or a
run aborted, 3 when the environment broke.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

from typing import TYPE_CHECKING

from .errors import EXIT_CHECK_FAILED, EXIT_ENVIRONMENT, EXIT_OK, ScenarioError, UsageError
from .result import DrillResult
from .scenario import list_scenarios, load_scenario, schema_json
from .scenario.model import Scenario

if TYPE_CHECKING:
    from rich.table import Table

DEFAULT_SCENARIOS = Path("scenarios")


def _load_all(files: list[str]) -> list[Scenario]:
    """Load every file first; report every invalid one; raise if any is invalid (nothing started)."""
    loaded: list[Scenario] = []
    errors: list[ScenarioError] = []
    for f in files:
        try:
            loaded.append(load_scenario(f))
        except ScenarioError as exc:
            errors.append(exc)
    if errors:
        for err in errors[:-1]:
            print(f"drill: error: {err}", file=sys.stderr)
        raise errors[-1]
    return loaded


def _scenario_files(args: argparse.Namespace) -> list[str]:
    if getattr(args, "all", False):
        files = [str(p) for p, _, _ in list_scenarios(args.dir)]
        if not files:
            raise UsageError(f"no scenario files in {args.dir}")
        return files
    if not args.files:
        raise UsageError("name a scenario file (e.g. scenarios/site-a-power-cut.yaml) or use --all")
    for f in args.files:
        if not Path(f).is_file():
            raise UsageError(f"{f}: no such scenario file")
    return list(args.files)


def verdict_table(result: DrillResult) -> Table:
    from rich.table import Table

    colour = {"passed": "green", "failed": "red", "aborted": "yellow", "error": "red"}[result.status]
    t = Table(title=f"{result.scenario_name}: [bold {colour}]{result.status.upper()}[/]", title_justify="left")
    for col in ("check", "capability", "target", "measured", "verdict"):
        t.add_column(col)
    for v in result.verdicts:
        unit = v.unit if v.unit not in ("", "ratio", "count") else ""

        def fmt(x: float | None, is_target: bool) -> str:
            if x is None:
                return "-"
            text = f"{x * 100:.1f}%" if v.unit == "ratio" else f"{x:.2f}{unit}" if unit == "s" else f"{x:g}{unit}"
            return f"{v.comparison} {text}" if is_target and v.comparison else text

        bound = f" ±{v.bound:.2f}s" if v.bound else ""
        mark = {"pass": "[green]pass[/]", "fail": "[bold red]FAIL[/]", "unknown": "[yellow]unknown[/]"}[v.status]
        t.add_row(v.check, v.capability, fmt(v.target, True), fmt(v.measured, False) + bound, mark)
    return t


def write_result_bundle(result: DrillResult, scenario: Scenario, bundle: Path) -> None:
    try:
        from .report.bundle import write_bundle
    except ImportError:  # reports not installed: keep the machine-readable result at least
        import json

        (bundle / "result.json").write_text(json.dumps(result.to_dict(), indent=2))
        shutil.copy(scenario.path, bundle / "scenario.yaml")
        return
    write_bundle(result, bundle / "timeline.jsonl", scenario.path, bundle, result.environment)


def cmd_run(args: argparse.Namespace) -> int:
    scenarios = _load_all(_scenario_files(args))  # every file valid before anything starts

    from rich.console import Console

    from .orchestrate import DrillInterrupted, run_drill
    from .progress import make_progress

    console = Console()
    codes = []
    for sc in scenarios:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        bundle = Path(args.reports) / f"{stamp}-{sc.name}"
        bundle.mkdir(parents=True, exist_ok=True)
        console.print(f"drill {sc.name}: {sc.description}".rstrip(": "))
        progress = make_progress(sc.name, interactive=None if not args.no_live else False)
        try:
            result = run_drill(sc, bundle, progress)
        except DrillInterrupted as stop:
            write_result_bundle(stop.result, sc, bundle)
            console.print(f"drill {sc.name}: interrupted; healed and torn down; evidence: {bundle}/", highlight=False)
            return 130
        write_result_bundle(result, sc, bundle)
        console.print(verdict_table(result))
        for v in result.verdicts:
            if v.status != "pass":
                console.print(f"  [red]✗[/] {v.message}", highlight=False)
        if result.error:
            console.print(f"  {result.status}: {result.error}", highlight=False)
        console.print(f"evidence: {bundle}/", highlight=False)
        if args.junit:
            src = bundle / "junit.xml"
            if src.exists():
                shutil.copy(src, args.junit)
        codes.append({"passed": EXIT_OK, "failed": EXIT_CHECK_FAILED, "aborted": EXIT_CHECK_FAILED}.get(
            result.status, EXIT_ENVIRONMENT))  # fmt: skip
    return max(codes) if EXIT_ENVIRONMENT not in codes else EXIT_ENVIRONMENT


def cmd_validate(args: argparse.Namespace) -> int:
    scenarios = _load_all(_scenario_files(args))
    for sc in scenarios:
        print(f"ok  {sc.path}  ({sc.name}: {len(sc.faults)} fault(s), sites {', '.join(sc.topology.sites)})")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from .schedule import plan

    for sc in _load_all(_scenario_files(args)):
        print(plan(sc).render())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    print(schema_json())
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    rows = list_scenarios(args.dir)
    if not rows:
        raise UsageError(f"no scenario files in {args.dir}")
    width = max(len(str(p)) for p, _, _ in rows)
    for path, name, desc in rows:
        print(f"{str(path):<{width}}  {desc or name}")
    return EXIT_OK


def _files_arg(p: argparse.ArgumentParser, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE", help="scenario file(s)")
    p.add_argument("--all", action="store_true", help="every scenario in --dir")
    p.add_argument("--dir", default=str(DEFAULT_SCENARIOS), help="scenario directory (default: scenarios)")


def _run_args(p: argparse.ArgumentParser) -> None:
    _files_arg(p)
    p.add_argument("--reports", default="reports", help="where evidence bundles go (default: reports/)")
    p.add_argument("--junit", metavar="PATH", help="also copy the JUnit XML here")
    p.add_argument("--no-live", action="store_true", help="line-by-line progress even on a terminal")


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=str(DEFAULT_SCENARIOS), help="scenario directory")


def _none(p: argparse.ArgumentParser) -> None:
    return None


from .stack_commands import COMMANDS as _STACK  # noqa: E402

COMMANDS = {
    "run": ("run drills: bring up the stack, cut, measure, judge, tear down", _run_args, cmd_run),
    "validate": ("check scenario files without starting anything", _files_arg, cmd_validate),
    "plan": ("print a scenario's timed schedule (no side effects)", _files_arg, cmd_plan),
    "schema": ("print the scenario JSON Schema (for editors)", _none, cmd_schema),
    "list": ("list scenarios with their descriptions", _dir_arg, cmd_list),
    **_STACK,
}

