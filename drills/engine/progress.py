"""Live progress of a drill: phase, elapsed, active faults, each capability up/down.

On a terminal it is a live panel (rich); elsewhere (CI logs) it prints one
line whenever something changes, and at most every few seconds otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table


@dataclass
class LiveState:
    phase: str = "bringup"
    elapsed: float = 0.0
    active_faults: list[str] = field(default_factory=list)
    capabilities: dict[str, bool | None] = field(default_factory=dict)  # None: no sample yet
    note: str = ""


class Progress(Protocol):
    def update(self, state: LiveState) -> None: ...

    def message(self, text: str) -> None: ...

    def close(self) -> None: ...


def _caps(state: LiveState) -> str:
    marks = {True: "up", False: "DOWN", None: "-"}
    return "  ".join(f"{c} {marks[v]}" for c, v in state.capabilities.items())


class LineProgress:
    """For logs: a line on every change of phase/faults/capability state, else every ``every`` s."""

    def __init__(self, stream: TextIO | None = None, every: float = 5.0) -> None:
        self.stream: TextIO = stream or sys.stdout
        self.every = every
        self._last_key: tuple[object, ...] = ()
        self._last_at = 0.0

    def update(self, state: LiveState) -> None:
        key = (state.phase, tuple(state.active_faults), tuple(state.capabilities.items()), state.note)
        now = time.monotonic()
        if key == self._last_key and now - self._last_at < self.every:
            return
        self._last_key, self._last_at = key, now
        faults = ", ".join(state.active_faults) or "none"
        note = f"  ({state.note})" if state.note else ""
        print(f"[{state.elapsed:6.1f}s] {state.phase:<8} faults: {faults:<20} {_caps(state)}{note}",
              file=self.stream, flush=True)  # fmt: skip

    def message(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def close(self) -> None:
        return None


class RichProgress:
    """For a terminal: one live panel, redrawn in place."""

    def __init__(self, title: str) -> None:
        self.console = Console(stderr=False)
        self.title = title
        self.live = Live(self._render(LiveState()), console=self.console, refresh_per_second=4, transient=True)
        self.live.start()

    def _render(self, state: LiveState) -> Table:
        t = Table(title=f"drill {self.title}", show_header=False, box=None)
        t.add_row("phase", f"[bold]{state.phase}[/bold]   elapsed {state.elapsed:5.1f}s")
        t.add_row("faults", ", ".join(state.active_faults) or "none")
        for cap, ok in state.capabilities.items():
            style = {True: "[green]up[/green]", False: "[bold red]DOWN[/bold red]", None: "[dim]-[/dim]"}[ok]
            t.add_row(cap, style)
        if state.note:
            t.add_row("", f"[dim]{state.note}[/dim]")
        return t

    def update(self, state: LiveState) -> None:
        self.live.update(self._render(state))

    def message(self, text: str) -> None:
        self.live.console.print(text, highlight=False)

    def close(self) -> None:
        self.live.stop()


def make_progress(title: str, interactive: bool | None = None) -> Progress:
    if interactive is None:
        interactive = sys.stdout.isatty()
    return RichProgress(title) if interactive else LineProgress()
