"""``drill setup`` and ``drill doctor``: make the machine ready, and report what it has."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from drills import __version__
from drills.cli.common import Command, no_args

if TYPE_CHECKING:
    from drills.setup.doctor import DoctorRow

__all__ = ["COMMANDS"]


def cmd_setup(args: argparse.Namespace) -> int:
    from drills.scenario import repo_root
    from drills.setup import LocalHost, StepReport, run_setup

    def emit(r: StepReport) -> None:
        print(f"  {r.step:<11} {r.seconds:6.1f}s  {r.detail}", flush=True)

    print("drill setup: making this machine ready for drills", flush=True)
    reports = run_setup(LocalHost(), repo_root(), emit)
    print(f"drill setup: ready in {sum(r.seconds for r in reports):.1f}s", flush=True)
    return 0


def up_stacks_row() -> DoctorRow:
    """The stacks of `drill up` (warm mode: `drill run --reuse` drills on them)."""
    from drills.engine import runs
    from drills.setup.doctor import DoctorRow

    ups = sorted(r.run_id for r in runs.records().values() if r.kind == "up")
    return DoctorRow("drill up stacks", f"{len(ups)}{': ' + ', '.join(ups) if ups else ''}"
                     f"{' (drill run --reuse RUN drills on one; drill down removes them)' if ups else ''}")


def cmd_doctor(args: argparse.Namespace) -> int:
    from drills.scenario import repo_root
    from drills.setup import LocalHost
    from drills.setup.doctor import diagnose

    rows = [*diagnose(LocalHost(), repo_root()), up_stacks_row()]
    width = max(len(r.item) for r in rows)
    print(f"drills {__version__}")
    for r in rows:
        print(f"  {r.item:<{width}}  {r.value}")
    return 0


COMMANDS: dict[str, Command] = {
    "setup": ("install and start what drills need (engine, Compose v2, images); idempotent", no_args, cmd_setup),
    "doctor": ("read-only report: engine, Compose, images, Toxiproxy, free disk", no_args, cmd_doctor),
}
