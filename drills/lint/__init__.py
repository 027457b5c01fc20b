"""The dualization lint: a dependency graph read from the real wiring, and the rules that judge it.

Static, before anything runs, no Docker engine: it reads the topology
(:func:`drills.scenario.discover.discover`, Compose's own model) and the files bind-mounted
into its services.

    hosts     every host / host:port a text names, in failover lists
    files     mounted files: Toxiproxy proxies, HAProxy backends, etcd and Patroni configs, text
    resolve   what a name really reaches from a service: networks, aliases, through the WAN
    groups    consensus groups (etcd) and replicated datastores (Patroni, replicas)
    graph     :func:`build`: the wiring graph (dependencies, backends, groups)
    survive   what still runs when one site is lost, and the path that explains each loss
    finding   one finding: capability, rule, plain words, path, one-site component
    rules     :func:`lint`: the findings of every rule
    activation  the activation-path rule: a scenario's operator actions and the tools they reach

Lifecycle: ``lint(build(topology), capabilities, rpo_target, actions, cut_sites)``; the checks
package turns the findings into the run's ``dualization`` verdicts (:mod:`drills.checks.dualization`).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from drills.lint.catalogue import RULES
    from drills.lint.finding import Finding
    from drills.lint.graph import Graph, build
    from drills.lint.rules import lint

__all__ = ["RULES", "Finding", "Graph", "build", "lint"]

# Loaded on first use (PEP 562): importing a light submodule (drills.lint.catalogue) runs this
# file, and a command that never lints (drill validate) should not pay for the graph and the rules.
_WHERE = {"RULES": "catalogue", "Finding": "finding", "Graph": "graph", "build": "graph", "lint": "rules"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
