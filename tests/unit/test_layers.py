"""The package layout is the pipeline: no module imports a layer above its own, and no cycles.

Layers, lowest first (a module may import its own layer and the ones below):

    errors, model  <  adapters  <  setup | lint | init  <  faults | probes | checks  <  actions  <  scenario
                   <  engine  <  report  <  cli  <  pytest_plugin, __main__

faults, probes and checks are peers that never import one another; actions (an operator reaching
a tool) sit above them: an http action calls a capability with the probes' authenticated client. Every import counts,
including the ones inside functions: a lazy import still ties two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "drills"
RANK = {
    "drills": 0, "drills.errors": 0, "drills.model": 1, "drills.adapters": 2, "drills.setup": 3, "drills.lint": 3,
    "drills.init": 3, "drills.faults": 4, "drills.probes": 4, "drills.checks": 4, "drills.actions": 5,
    "drills.scenario": 6, "drills.engine": 7, "drills.report": 8, "drills.cli": 9, "drills.pytest_plugin": 10,
    "drills.__main__": 10,
}  # fmt: skip
PEERS = {"drills.faults", "drills.probes", "drills.checks"}


def modules() -> dict[str, Path]:
    out = {}
    for path in PKG.rglob("*.py"):
        parts = path.relative_to(PKG.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def layer(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: relative import (first-party imports are absolute)"
            subs = [f"{node.module}.{a.name}" for a in node.names]
            names = [sub if sub in known else node.module for sub in subs]
        found.update(n for n in names if n == "drills" or n.startswith("drills."))
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {i for i in imports(path, known) if i in known} - {name} for name, path in known.items()}


def test_every_module_has_a_layer() -> None:
    assert {layer(m) for m in modules()} <= set(RANK), "a new top-level module or package needs a place in RANK"


def test_no_module_imports_a_layer_above_its_own() -> None:
    upward = []
    for module, deps in graph().items():
        for dep in deps:
            a, b = layer(module), layer(dep)
            if RANK[b] > RANK[a] or (a != b and a in PEERS and b in PEERS):
                upward.append(f"{module} -> {dep}")
    assert upward == []


def test_there_is_no_import_cycle() -> None:
    g = graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in g[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    assert cycles == []
