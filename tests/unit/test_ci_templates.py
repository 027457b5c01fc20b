"""The CI templates call the drill CLI as it is: every subcommand and --option they write exists.

They are copied into other repositories and run at night, so a renamed option would fail there,
far from the change that renamed it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
import yaml

from drills.cli import build_parser

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = [REPO / ".github" / "workflows" / "drills-nightly.yml", REPO / "docs" / "ci" / "gitlab-ci.yml"]
CALL = re.compile(r"\.venv/bin/drill\s+([a-z]+)([^\n|;&]*)")


def _options(command: str) -> set[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {opt for action in sub.choices[command]._actions for opt in action.option_strings}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_calls_only_existing_subcommands_and_options(template: Path) -> None:
    text = template.read_text()
    yaml.safe_load(text)  # valid YAML
    calls = CALL.findall(text)
    assert {c for c, _ in calls} >= {"run", "verify", "history"}, calls
    for command, rest in calls:
        known = _options(command)
        used = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest))
        assert used <= known, f"{template.name}: drill {command} has no {sorted(used - known)}"


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_template_signs_and_checks_signatures_and_keeps_bundles_for_an_audit_period(template: Path) -> None:
    text = template.read_text()
    assert "--sign-key" in text and "--signers" in text and "--max-age" in text
    days = [int(d) for d in re.findall(r"(?:retention-days:|expire_in:)\s*(\d+)", text)]
    assert days and min(days) >= 400, days
