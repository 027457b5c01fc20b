"""The ``drill`` command line: a thin dispatcher over the command tables of its modules.

    setup     setup, doctor                      the machine
    scenario  validate, plan, schema, list       scenario files only; nothing starts
    lint      lint                               the dualization lint of scenario files (no Docker)
    run       run                                drills end to end
    stack     sweep, up, down                    the replica by hand, and leftovers
    report    report, verify, history            evidence bundles, offline
    reference reference                          the plugin reference, from the registries

Every handler returns an exit code; errors from the project's exception tree print one
line on stderr (``drill: error: ...``) and map to their code: 0 passed, 1 a check failed,
2 invalid input (nothing started), 3 environment.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from drills import __version__
from drills.cli import lint, reference, report, run, scenario, setup, stack
from drills.cli.common import Command
from drills.errors import EXIT_INVALID, DrillsError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, Command] = {
    **setup.COMMANDS,
    **scenario.COMMANDS,
    **lint.COMMANDS,
    **run.COMMANDS,
    **stack.COMMANDS,
    **report.COMMANDS,
    **reference.COMMANDS,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drill",
        description="Disaster-recovery drills: cut a site's power, prove chat, login and devtools stay up.",
    )
    parser.add_argument("--version", action="version", version=f"drill {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        add_args(p)
        p.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_INVALID
    try:
        code: int = args.handler(args)
        return code
    except DrillsError as exc:
        print(f"drill: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("drill: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `drill schema | head`: the reader left; not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
