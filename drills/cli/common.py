"""What every command table shares: the shape of one command, and the checks of the paths it writes.

A command checks every path it will write before it starts anything, so a bad ``--reports`` or
``--junit`` is one line and exit 2 at once, not a traceback after a drill of several minutes.
These helpers create what is missing (as the command would) and raise
:class:`drills.errors.UsageError` naming the option and the path.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from drills.errors import UsageError

__all__ = ["AddArgs", "Command", "Handler", "no_args", "output_dir", "output_file"]

Handler = Callable[[argparse.Namespace], int]
AddArgs = Callable[[argparse.ArgumentParser], None]
# name -> (one-line help, argument builder, handler)
Command = tuple[str, AddArgs, Handler]


def no_args(parser: argparse.ArgumentParser) -> None:
    return None


def output_dir(path: str | Path, option: str) -> Path:
    """The directory ``option`` names, created with its parents; UsageError when it cannot hold files."""
    if not str(path):
        raise UsageError(f"{option}: an empty path names no directory")
    return _make_dir(Path(path), f"{option} {path}")


def output_file(path: str | Path, option: str) -> Path:
    """The file ``option`` names, its directory created; UsageError when it cannot be written there.

    An existing directory is refused: the command would only fail writing it at the end.
    """
    if not str(path):
        raise UsageError(f"{option}: an empty path names no file")
    target = Path(path)
    if os.path.isdir(target):  # noqa: PTH112 - False, where Path.is_dir raises for a name too long
        raise UsageError(f"{option} {path}: is a directory (name a file)")
    _make_dir(target.parent, f"{option} {path}: its directory {target.parent}")
    if os.path.exists(target) and not os.access(target, os.W_OK):  # noqa: PTH110 - as above
        raise UsageError(f"{option} {path}: the file is not writable")
    return target


def _make_dir(folder: Path, label: str) -> Path:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:  # exist_ok covers directories only: a file (or a FIFO) is in the way
        raise UsageError(f"{label}: exists and is not a directory") from exc
    except OSError as exc:  # a parent that is a file, a read-only file system, no permission
        raise UsageError(f"{label}: cannot create it ({exc.strerror or exc})") from exc
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"{label}: not writable")
    return folder
