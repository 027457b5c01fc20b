"""CLI commands that only read scenario files: validate, plan, schema, list (nothing starts).

Every file is loaded before any output: one line per invalid file on stderr, exit 2. A path
that is not a regular file (missing, a directory, a FIFO or a device) is refused before it is
opened, and so are files given together with ``--all``.

The scenario package (and through it JSON Schema, the plugin registries and Compose) is
imported by the handlers, not with this module: ``drill --version`` builds this table too.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from drills.cli.common import Command
from drills.errors import EXIT_OK, ScenarioError, UsageError

if TYPE_CHECKING:
    from drills.model.scenario import Scenario

__all__ = ["COMMANDS", "files_arg", "load_all", "scenario_files"]

DEFAULT_SCENARIOS = Path("scenarios")


def load_all(files: list[str]) -> list[Scenario]:
    """Load every file first; report every invalid one; raise if any is invalid (nothing started)."""
    from drills.scenario import load_scenario

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
    """The files a command acts on: those named, or with ``--all`` every scenario in ``--dir``."""
    directory = getattr(args, "dir", None)
    if getattr(args, "all", False):
        if args.files:
            raise UsageError("name scenario files or use --all, not both")
        from drills.scenario import list_scenarios

        folder = _scenario_dir(directory or str(DEFAULT_SCENARIOS))
        files = [str(p) for p, _, _ in list_scenarios(folder)]
        if not files:
            raise UsageError(f"no scenario files in {folder}")
        return files
    if directory is not None:
        raise UsageError(f"--dir {directory}: only read with --all (name files, or add --all)")
    if not args.files:
        raise UsageError("name a scenario file (e.g. scenarios/site-a-power-cut.yaml) or use --all")
    for f in args.files:
        _check_scenario_path(f)
    return list(args.files)


def _scenario_dir(directory: str) -> str:
    """``directory`` if it is one; UsageError naming it otherwise."""
    if not directory:
        raise UsageError("an empty path names no scenario directory")
    if not os.path.isdir(directory):  # noqa: PTH112 - False, where Path.is_dir raises for a name too long
        what = "not a directory" if os.path.lexists(directory) else "no such directory"
        raise UsageError(f"{directory}: {what} (scenario directory)")
    return directory


def _check_scenario_path(file: str) -> None:
    """A scenario is a regular file: reading a FIFO or a device would block or never end."""
    if not file:
        raise UsageError("an empty path names no scenario file")
    try:
        mode = Path(file).stat().st_mode
    except FileNotFoundError as exc:
        raise UsageError(f"{file}: no such scenario file") from exc
    except OSError as exc:  # a parent that is a file, a name too long, no permission, a symlink loop
        raise UsageError(f"{file}: cannot read the scenario file ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(mode):
        raise UsageError(f"{file}: is a directory, not a scenario file (every scenario in it: --all --dir {file})")
    if not stat.S_ISREG(mode):
        raise UsageError(f"{file}: not a regular file (a FIFO, a socket or a device); a scenario is a YAML file")


def cmd_validate(args: argparse.Namespace) -> int:
    scenarios = load_all(scenario_files(args))
    for sc in scenarios:
        actions = f", {len(sc.actions)} action(s)" if sc.actions else ""
        print(f"ok  {sc.path}  ({sc.name}: {len(sc.faults)} fault(s){actions}, sites {', '.join(sc.topology.sites)})")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from drills.engine.plan import plan

    for sc in load_all(scenario_files(args)):
        print(plan(sc).render())
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    if args.which == "scenario":
        from drills.scenario import schema_json

        print(schema_json())
    else:
        from drills.report.schemas import schema_text

        print(schema_text(args.which))
    return EXIT_OK


def _schema_args(p: argparse.ArgumentParser) -> None:
    which = p.add_mutually_exclusive_group()
    which.add_argument("--scenario", dest="which", action="store_const", const="scenario",
                       help="a scenario file (the default)")
    for name, what in (("result", "a bundle's result.json"), ("timeline", "one line of a bundle's timeline.jsonl"),
                       ("environment", "a bundle's environment.json")):
        which.add_argument(f"--{name}", dest="which", action="store_const", const=name, help=what)
    p.set_defaults(which="scenario")


def cmd_list(args: argparse.Namespace) -> int:
    from drills.scenario import list_scenarios

    rows = list_scenarios(_scenario_dir(args.dir))
    if not rows:
        raise UsageError(f"no scenario files in {args.dir}")
    width = max(len(str(p)) for p, _, _ in rows)
    for path, name, desc in rows:
        print(f"{path!s:<{width}}  {desc or name}")
    return EXIT_OK


def files_arg(p: argparse.ArgumentParser, many: bool = True) -> None:
    p.add_argument("files", nargs="*" if many else "?", metavar="FILE", help="scenario file(s)")
    p.add_argument("--all", action="store_true", help="every scenario in --dir")
    p.add_argument("--dir", help=f"the scenario directory of --all (default: {DEFAULT_SCENARIOS})")


def _dir_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", default=str(DEFAULT_SCENARIOS), help="scenario directory")


COMMANDS: dict[str, Command] = {
    "validate": ("check scenario files without starting anything", files_arg, cmd_validate),
    "plan": ("print a scenario's timed schedule (no side effects)", files_arg, cmd_plan),
    "schema": ("print a JSON Schema: a scenario's (for editors), or a bundle file's (--result, ...)",
               _schema_args, cmd_schema),
    "list": ("list scenarios with their descriptions", _dir_arg, cmd_list),
}

