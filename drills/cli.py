"""The ``drill`` command line.

Every subcommand returns an exit code; errors from the project's exception
tree print one line on stderr (``drill: error: ...``) and map to their code:
0 passed, 1 a check failed, 2 invalid input (nothing started), 3 environment.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from . import __version__
from .errors import EXIT_INVALID, DrillsError

Handler = Callable[[argparse.Namespace], int]
AddArgs = Callable[[argparse.ArgumentParser], None]


def _no_args(parser: argparse.ArgumentParser) -> None:
    return None


def repo_root() -> Path:
    """The project checkout: the directory holding docker-compose.yml (cwd first, then the package's parent)."""
    for cand in (Path.cwd(), Path(__file__).resolve().parent.parent):
        if (cand / "docker-compose.yml").is_file():
            return cand
    return Path.cwd()


def cmd_setup(args: argparse.Namespace) -> int:
    from .setup import LocalHost, StepReport, run_setup

    def emit(r: StepReport) -> None:
        print(f"  {r.step:<11} {r.seconds:6.1f}s  {r.detail}", flush=True)

    print("drill setup: making this machine ready for drills", flush=True)
    reports = run_setup(LocalHost(), repo_root(), emit)
    print(f"drill setup: ready in {sum(r.seconds for r in reports):.1f}s", flush=True)
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose
    from .setup import LocalHost

    rows = diagnose(LocalHost())
    width = max(len(r.item) for r in rows)
    print(f"drills {__version__}")
    for r in rows:
        print(f"  {r.item:<{width}}  {r.value}")
    return 0


# name -> (one-line help, argument builder, handler). Other modules contribute
# their own tables (see _command_tables), so the CLI stays a thin dispatcher.
Command = tuple[str, AddArgs, Handler]
COMMANDS: dict[str, Command] = {
    "setup": ("install and start what drills need (engine, Compose v2, images); idempotent", _no_args, cmd_setup),
    "doctor": ("read-only report: engine, Compose, images, Toxiproxy, free disk", _no_args, cmd_doctor),
}


def _command_tables() -> dict[str, Command]:
    table = dict(COMMANDS)
    for module in ("drills.engine_commands", "drills.report.commands"):
        try:
            mod = __import__(module, fromlist=["COMMANDS"])
        except ModuleNotFoundError as exc:
            if not (exc.name and module.startswith(exc.name)):  # a broken import inside it: surface it
                raise
            continue
        table.update(mod.COMMANDS)
    return table


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drill",
        description="Disaster-recovery drills: cut a site's power, prove chat, login and devtools stay up.",
    )
    parser.add_argument("--version", action="version", version=f"drill {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (help_text, add_args, handler) in _command_tables().items():
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
