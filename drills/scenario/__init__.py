"""Scenario files: the typed model, its JSON Schema, the loader and the dualization lint.

    load_scenario(path, repo_root=None) -> Scenario     parse, validate, build (ScenarioError)
    list_scenarios(dir) -> [(path, name, description)]  for ``drill list``
    dualization_lint(topology) -> tuple[Verdict, ...]    static, before anything runs
    SCHEMA / schema_json()                               for ``drill schema``
"""

from __future__ import annotations

from .lint import dualization_lint
from .loader import default_repo_root, list_scenarios, load_scenario
from .model import (
    AbortRule,
    CheckSpec,
    CustomProbe,
    FaultSpec,
    Link,
    Partition,
    PowerCut,
    ProbeSpec,
    Scenario,
    Service,
    ServiceFault,
    Slicer,
    SteadyState,
    Targets,
    Topology,
    Wan,
)
from .schema import FAULT_TYPES, SCHEMA, schema_json

__all__ = [
    "AbortRule",
    "CheckSpec",
    "CustomProbe",
    "FAULT_TYPES",
    "FaultSpec",
    "Link",
    "Partition",
    "PowerCut",
    "ProbeSpec",
    "SCHEMA",
    "Scenario",
    "Service",
    "ServiceFault",
    "Slicer",
    "SteadyState",
    "Targets",
    "Topology",
    "Wan",
    "default_repo_root",
    "dualization_lint",
    "list_scenarios",
    "load_scenario",
    "schema_json",
]
