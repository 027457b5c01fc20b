"""What every command table shares: the shape of one command."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = ["AddArgs", "Command", "Handler", "no_args"]

Handler = Callable[[argparse.Namespace], int]
AddArgs = Callable[[argparse.ArgumentParser], None]
# name -> (one-line help, argument builder, handler)
Command = tuple[str, AddArgs, Handler]


def no_args(parser: argparse.ArgumentParser) -> None:
    return None
