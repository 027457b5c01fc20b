"""The ``drill`` command line: a thin dispatcher over the command tables of its modules.

    setup     setup, doctor                      the machine
    scenario  validate, plan, schema, list       scenario files only; nothing starts
    lint      lint                               the dualization lint of scenario files (no Docker)
    init      init                               labels and a starter scenario for your own stack
    run       run                                drills end to end
    stack     sweep, up, down                    the replica by hand, and leftovers
    report    report, verify, history            evidence bundles, offline
    reference reference                          the plugin reference, from the registries

Every handler returns an exit code; errors print one line on stderr (``drill: error: ...``;
a traceback is a bug) and map to their code: 0 passed, 1 a check failed, 2 invalid input (nothing
started; argparse's usage errors too), 3 environment - the project's exception tree, and an
``OSError`` no command translated (a file it could not read or write, a full disk) - and 130
interrupted (Ctrl-C). A reader that leaves early (``drill schema | head``) is not an error: 0.

Start-up is kept small: the command modules import their heavy dependencies (the scenario
loader, the check registry, Jinja2, rich, the Docker SDK) in their handlers, and ``main`` runs
the argument builder of the chosen command only, so ``drill --version`` imports none of them.
A unit test (tests/unit/test_cli_startup.py) guards it; bench/cli_startup.py times it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from drills import __version__
from drills.cli import init, lint, reference, report, run, scenario, setup, stack
from drills.cli.common import Command
from drills.errors import EXIT_ENVIRONMENT, EXIT_INTERRUPTED, EXIT_INVALID, EXIT_OK, DrillsError

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS: dict[str, Command] = {
    **setup.COMMANDS,
    **scenario.COMMANDS,
    **lint.COMMANDS,
    **init.COMMANDS,
    **run.COMMANDS,
    **stack.COMMANDS,
    **report.COMMANDS,
    **reference.COMMANDS,
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The ``drill`` parser: every command listed, with the arguments of every command, or of
    ``only`` alone (what ``main`` asks for: an argument builder may import what its defaults
    come from, and the other commands' builders need not run)."""
    parser = argparse.ArgumentParser(
        prog="drill",
        description="Disaster-recovery drills: cut a site's power, prove chat, login and devtools stay up.",
    )
    parser.add_argument("--version", action="version", version=f"drill {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, handler) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if only is None or name == only:
            add_args(p)
        p.set_defaults(handler=handler)
    return parser


def _command_of(argv: Sequence[str]) -> str:
    """The command word: the first argument that is not an option (``drill`` itself takes none
    with a value). An unknown word builds nothing and argparse names the choices."""
    return next((a for a in argv if not a.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(only=_command_of(argv))
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors exit 2
        return int(exc.code or 0)
    if not getattr(args, "handler", None):
        parser.print_help()
        return EXIT_INVALID
    _finalise_killed_runs()
    try:
        code: int = args.handler(args)
        return code
    except DrillsError as exc:
        print(f"drill: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("drill: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `drill schema | head`: the reader left; not an error of ours
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # a file no command translated: one line, an environment failure
        print(f"drill: error: {_os_error(exc)}", file=sys.stderr)
        return EXIT_ENVIRONMENT


def _finalise_killed_runs() -> None:
    """Any command finalises the bundles of runs whose runner was killed (drills/report/finalise.py),
    so `drill verify` and `drill history` see them; it costs a directory listing when there are none."""
    try:
        from drills.engine.runs import unfinalised

        if unfinalised():  # the heavy part (checks, reports) is imported only when there is one
            from drills.report.finalise import finalise_stale

            finalise_stale(lambda line: print(line, file=sys.stderr))
    except Exception as exc:  # noqa: BLE001 - never in the way of the command asked for
        print(f"drill: could not look for killed runs: {type(exc).__name__}: {exc}", file=sys.stderr)


def _os_error(exc: OSError) -> str:
    """``path: reason`` (the target of a rename), or the reason alone when no path is known
    (standard output on a full disk)."""
    path = exc.filename2 if exc.filename2 is not None else exc.filename
    reason = exc.strerror or str(exc)
    if path is None:
        return reason
    return f"{os.fsdecode(path) if isinstance(path, str | bytes | os.PathLike) else path}: {reason}"


if __name__ == "__main__":
    raise SystemExit(main())
