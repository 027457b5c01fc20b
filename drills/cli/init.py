"""``drill init``: labels and a starter scenario for a compose file of your own (no Docker engine).

    drill init --compose FILE [DIR] [--force]

Reads FILE as Compose merges it, proposes the labels drills needs (:mod:`drills.init`: each guess
printed with its reason) as an override file, ``DIR/<file stem>.drills.yml`` - FILE itself is
never edited - and writes ``DIR/scenarios/site-<x>-power-cut.yaml``, one declared journey per
entry point, layering that override (``topology.overrides``). DIR defaults to FILE's folder;
files that exist are refused unless ``--force``. Then it validates the scenario and checks FILE +
override against the contract (:mod:`drills.lint.contract`).

Exit 0: both written, the scenario validates and the contract holds; 1: written, with what is
still missing printed (each with its fix); 2: bad input (nothing written).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from drills.cli.common import Command
from drills.errors import EXIT_CHECK_FAILED, EXIT_OK, ScenarioError, UsageError

__all__ = ["COMMANDS"]


def _args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--compose", metavar="FILE", required=True, help="your compose file (it is never edited)")
    p.add_argument("dir", nargs="?", metavar="DIR", help="where to write the override and scenarios/ "
                   "(default: the compose file's folder)")  # fmt: skip
    p.add_argument("--force", action="store_true", help="overwrite the files drill init writes")


def _say(text: str) -> None:
    print(f"drill init: {text}", flush=True)


def cmd_init(args: argparse.Namespace) -> int:
    from drills.adapters.compose_config import read_model
    from drills.init import default_override_name, override_yaml, propose, starter_scenario
    from drills.lint.contract import contract_findings
    from drills.model.proxies import ProxyEntry, read_proxies
    from drills.scenario import load_scenario
    from drills.scenario.compose_source import declared_order, read_source
    from drills.scenario.discover import wan_proxies_file
    from drills.scenario.root import repo_root
    from drills.scenario.wiring import service_wiring

    compose = Path(args.compose)
    if not compose.is_file():
        raise UsageError(f"--compose {args.compose}: no such file")
    compose = compose.resolve()
    out_dir = Path(args.dir).resolve() if args.dir else compose.parent
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"{args.dir}: not a directory")
    _say(f"reading {args.compose} as Compose merges it")
    model = read_model([compose], compose.parent)  # ComposeRejected: one line, exit 2

    def proxies(wan: str) -> list[ProxyEntry]:
        file = wan_proxies_file(service_wiring(model.services[wan]))
        if file is None or not file.is_file():
            return []
        _say(f"reading {wan}'s proxies file {file}")
        return list(read_proxies(file))

    proposal = propose(model, proxies, declared_order([read_source(compose)]))
    first = proposal.sites[0] if proposal.sites else "a"
    override = out_dir / default_override_name(compose)
    scenario = out_dir / "scenarios" / f"site-{first}-power-cut.yaml"
    taken = [str(f) for f in (override, scenario) if f.exists()]
    if taken and not args.force:
        raise UsageError(f"{', '.join(taken)} exist(s): remove, choose another DIR, or --force")
    for step in proposal.steps:
        _say(step.text)
    scenario.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(override_yaml(proposal, compose.name))
    _say(f"wrote {override} (the labels; {compose.name} is unchanged)")
    root = repo_root(scenario)
    if not compose.is_relative_to(root):
        _say(f"the scenario's repo root would be {root} (the nearest folder above it with a compose file), which "
             f"does not hold {compose.name}: write into a folder inside {compose.parent}")  # fmt: skip

    def rel(p: Path) -> str:  # the scenario's paths: relative to its repo root
        return os.path.relpath(p, root)

    scenario.write_text(starter_scenario(proposal, f"{out_dir.name}-site-{first}-power-cut", rel(compose),
                                         rel(override)))  # fmt: skip
    _say(f"wrote {scenario} (repo root {root}); edit its journeys, then: drill run {scenario}")
    status = EXIT_OK
    try:
        load_scenario(scenario)
        _say(f"{scenario.name} validates")
    except ScenarioError as exc:
        _say(f"the starter scenario does not validate yet: {exc}")
        status = EXIT_CHECK_FAILED
    missing = contract_findings(read_model([compose, override], compose.parent))
    for f in missing:
        _say(f"still missing: [{f.rule}] {f.subject}: {f.message}; fix: {f.fix}")
    if missing:
        _say(f"{len(missing)} piece(s) of the contract still missing (docs/your-stack.md); drill lint --compose "
             f"{args.compose} --override {os.path.relpath(override)} lists them again")  # fmt: skip
        status = EXIT_CHECK_FAILED
    return status


COMMANDS: dict[str, Command] = {
    "init": ("propose labels (an override file) and a starter scenario for your own compose file", _args, cmd_init),
}
