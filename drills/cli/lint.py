"""``drill lint``: the dualization lint of scenario files, before anything runs (no Docker engine).

    drill lint SCENARIO... | --all [--dir scenarios]

Every file is loaded first (an invalid one: one line on stderr, exit 2, nothing linted). Then,
per scenario and per capability, each finding with its rule and dependency path::

    scenarios/devtools-one-site.yaml  (devtools-one-site: docker-compose.yml + variant devtools-one-site)
      ok    chat
      FAIL  devtools: 2 finding(s)
        - [no-instance] devtools has no instance in site b: losing site a takes it down
            path: devtools -> devtools-a

The findings are exactly the ``dualization`` verdicts a run of the scenario records
(:func:`drills.checks.dualization.scenario_lint`). Exit 0 clean, 1 findings, 2 invalid.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from drills.cli.common import Command
from drills.cli.scenario import files_arg, load_all, scenario_files
from drills.errors import EXIT_CHECK_FAILED, EXIT_OK

if TYPE_CHECKING:
    from drills.model.result import Verdict
    from drills.model.scenario import Scenario

__all__ = ["COMMANDS", "render"]


def _found(v: Verdict) -> list[dict[str, Any]]:
    found = v.details.get("found")
    if isinstance(found, list) and found:
        return [f for f in found if isinstance(f, dict)]
    return [{"rule": "dualization", "message": v.message, "path": ""}]


def render(scenario: Scenario, verdicts: tuple[Verdict, ...]) -> list[str]:
    """The lines ``drill lint`` prints for one scenario."""
    topo = scenario.topology
    variant = f" + variant {topo.variant}" if topo.variant else ""
    lines = [f"{scenario.path}  ({scenario.name}: {topo.compose.name}{variant})"]
    for v in verdicts:
        if v.status == "pass":
            lines.append(f"  ok    {v.capability}")
            continue
        found = _found(v)
        lines.append(f"  FAIL  {v.capability}: {len(found)} finding(s)")
        for f in found:
            lines.append(f"    - [{f.get('rule', '')}] {f.get('message', '')}")
            if f.get("path"):
                lines.append(f"        path: {f['path']}")
    return lines


def cmd_lint(args: argparse.Namespace) -> int:
    from drills.checks.dualization import scenario_lint  # the check registry: only when linting

    scenarios = load_all(scenario_files(args))
    flagged = findings = 0
    for sc in scenarios:
        verdicts = scenario_lint(sc)
        failing = [v for v in verdicts if v.status != "pass"]
        flagged += bool(failing)
        findings += sum(len(_found(v)) for v in failing)
        print("\n".join(render(sc, verdicts)))
    if flagged:
        print(f"lint: {findings} finding(s) in {flagged} of {len(scenarios)} scenario(s)")
        return EXIT_CHECK_FAILED
    print(f"lint: {len(scenarios)} scenario(s), every capability survives losing any one site")
    return EXIT_OK


COMMANDS: dict[str, Command] = {
    "lint": ("dualization lint: what in a scenario's wiring does not survive losing one site (no Docker)",
             files_arg, cmd_lint),
}  # fmt: skip
