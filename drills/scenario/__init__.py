"""Scenario files in: read, validate and build the typed model (nothing starts here).

    load_scenario(path, repo_root=None) -> Scenario     parse, validate, build (ScenarioError)
    list_scenarios(dir) -> [(path, name, description)]  for ``drill list``
    scenario_schema() / schema_json()                    for ``drill schema`` (from the plugin registries)

The model itself lives in :mod:`drills.model`; the static topology is read by
:mod:`drills.scenario.discover`.
"""

from __future__ import annotations

from drills.scenario.loader import list_scenarios, load_scenario
from drills.scenario.root import repo_root
from drills.scenario.schema import scenario_schema, schema_json

__all__ = [
    "list_scenarios",
    "load_scenario",
    "repo_root",
    "scenario_schema",
    "schema_json",
]
