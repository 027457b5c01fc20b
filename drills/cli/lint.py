"""``drill lint``: the dualization lint of scenario files, before anything runs (no Docker engine).

    drill lint SCENARIO... | --all [--dir scenarios]
    drill lint --compose FILE [--variant NAME]     a stack of your own, before any scenario exists

Every file is loaded first (an invalid one: one line on stderr, exit 2, nothing linted). Then,
per scenario and per capability, each finding with its rule and dependency path::

    scenarios/devtools-one-site.yaml  (devtools-one-site: docker-compose.yml + variant devtools-one-site)
      ok    chat
      FAIL  devtools: 2 finding(s)
        - [no-instance] devtools has no instance in site b: losing site a takes it down
            path: devtools -> devtools-a

The findings are exactly the ``dualization`` verdicts a run of the scenario records
(:func:`drills.checks.dualization.scenario_lint`). Exit 0 clean, 1 findings, 2 invalid.

With ``--compose``, a compose file (plus a variant) is checked against the labels contract
(:mod:`drills.lint.contract`, docs/your-stack.md: one finding per missing piece, with its fix),
then - when its services can be placed in sites - linted for dualization with every capability's
default targets.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drills.cli.common import Command
from drills.cli.scenario import files_arg, load_all, scenario_files
from drills.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError

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
    files = " + ".join(f.name for f in (topo.compose, *topo.overrides))
    return [f"{scenario.path}  ({scenario.name}: {files}{variant})", *_verdict_lines(verdicts)]


def _verdict_lines(verdicts: tuple[Verdict, ...]) -> list[str]:
    lines: list[str] = []
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


def lint_args(p: argparse.ArgumentParser) -> None:
    files_arg(p)
    p.add_argument("--compose", metavar="FILE", help="a compose file to check against the labels contract "
                   "(docs/your-stack.md) and lint for dualization, without a scenario")  # fmt: skip
    p.add_argument("--override", metavar="FILE", action="append", default=[], help="with --compose: layer this "
                   "compose file on it first (repeatable), e.g. the labels drill init proposed")  # fmt: skip
    p.add_argument("--variant", metavar="NAME", help="with --compose: layer this variant on top "
                   "(variants/NAME.yml next to the compose file)")  # fmt: skip


def lint_compose(compose: str, variant: str | None, overrides: Sequence[str] = ()) -> int:
    """``drill lint --compose``: the contract's findings, then the dualization lint's."""
    from drills.adapters.compose_config import read_model
    from drills.checks.dualization import dualization_lint
    from drills.lint.contract import contract_findings
    from drills.scenario.discover import TopologyProblem, discover, variant_places
    from drills.scenario.root import repo_root

    path = Path(compose)
    if not path.is_file():
        raise UsageError(f"--compose {compose}: no such file")
    path = path.resolve()
    root = repo_root(path)
    files = [path]
    for o in overrides:
        if not Path(o).is_file():
            raise UsageError(f"--override {o}: no such file")
        files.append(Path(o).resolve())
    if variant:
        places = variant_places(root, path, variant)
        found = next((f for f in places if f.is_file()), None)
        if found is None:
            raise UsageError(f"--variant {variant}: no such variant (looked for {', '.join(map(str, places))})")
        files.append(found)
    model = read_model(files, path.parent)
    findings = contract_findings(model)
    shown = " + ".join([compose, *overrides]) + (f" + variant {variant}" if variant else "")
    print(f"{shown}  (contract: docs/your-stack.md)")
    for f in findings:
        print(f"  - [{f.rule}] {f.subject}: {f.message}")
        print(f"      fix: {f.fix}")
    if not findings:
        print("  ok    every label and wiring piece drills needs is there")
    try:
        topology = discover(root, path, variant, overrides=files[1 : 1 + len(overrides)])
    except TopologyProblem as exc:
        print(f"  dualization: not judged: {exc.rule}")
        print(f"lint: {len(findings)} contract finding(s); the dualization lint could not read the topology")
        return EXIT_CHECK_FAILED
    verdicts = dualization_lint(topology)
    print("\n".join(_verdict_lines(verdicts)))
    failing = sum(v.status != "pass" for v in verdicts)
    if findings or failing:
        print(f"lint: {len(findings)} contract finding(s), {failing} capability(ies) with dualization findings")
        return EXIT_CHECK_FAILED
    print("lint: the stack meets the contract and every capability survives losing any one site")
    return EXIT_OK


def cmd_lint(args: argparse.Namespace) -> int:
    from drills.checks.dualization import scenario_lint  # the check registry: only when linting

    if args.compose is not None:
        if args.files or args.all or args.dir is not None:
            raise UsageError("--compose lints one compose file: name no scenario (and no --all)")
        return lint_compose(args.compose, args.variant, args.override)
    if args.variant is not None or args.override:
        raise UsageError("--variant and --override go with --compose (a scenario names its own files)")

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
             lint_args, cmd_lint),
}  # fmt: skip
