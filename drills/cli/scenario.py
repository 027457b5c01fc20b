"""CLI commands that only read scenario files: validate, plan, schema, list (nothing starts).

Every file is loaded before any output: one line per invalid file on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drills.cli.common import Command, no_args
from drills.engine.plan import plan
from drills.errors import EXIT_OK, ScenarioError, UsageError
from drills.model.scenario import Scenario
from drills.scenario import list_scenarios, load_scenario, schema_json

__all__ = ["COMMANDS", "files_arg", "load_all", "scenario_files"]

DEFAULT_SCENARIOS = Path("scenarios")


def load_all(files: list[str]) -> list[Scenario]:
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


def scenario_files(args: argparse.Namespace) -> list[str]:
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


def cmd_validate(args: argparse.Namespace) -> int:
    scenarios = load_all(scenario_files(args))
    for sc in scenarios:
        actions = f", {len(sc.actions)} action(s)" if sc.actions else ""
        print(f"ok  {sc.path}  ({sc.name}: {len(sc.faults)} fault(s){actions}, sites {', '.join(sc.topology.sites)})")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    for sc in load_all(scenario_files(args)):
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
        print(f"{path!s:<{width}}  {desc or name}")
    return EXIT_OK


def files_arg(p: argparse.ArgumentParser, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE", help="scenario file(s)")
    p.add_argument("--all", action="store_true", help="every scenario in --dir")
    p.add_argument("--dir", default=str(DEFAULT_SCENARIOS), help="scenario directory (default: scenarios)")


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=str(DEFAULT_SCENARIOS), help="scenario directory")


COMMANDS: dict[str, Command] = {
    "validate": ("check scenario files without starting anything", files_arg, cmd_validate),
    "plan": ("print a scenario's timed schedule (no side effects)", files_arg, cmd_plan),
    "schema": ("print the scenario JSON Schema (for editors)", no_args, cmd_schema),
    "list": ("list scenarios with their descriptions", _dir_arg, cmd_list),
}

