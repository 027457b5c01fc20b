"""CONTRIBUTING.md's worked examples are real: each one, run as the module it says it is,
registers a plugin that the schema, the loader, the runner's pieces and the reports accept."""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drills.checks import REGISTRY, evaluate
from drills.cli.reference import render_reference
from drills.faults import FAULT_TYPES, make_fault
from drills.model.timeline import FaultEvent, Sample, Timeline
from drills.probes import JOURNEYS
from drills.report.formats import FORMATS, Rendering
from drills.report.synthetic import synthetic_run
from drills.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
REPO = Path(__file__).parent / "data" / "repo"
EXAMPLE = re.compile(r"```python\n# (drills/[\w/]+\.py)\n(.*?)```", re.DOTALL)


def examples() -> dict[str, str]:
    return dict(EXAMPLE.findall((ROOT / "CONTRIBUTING.md").read_text()))


@pytest.fixture
def load_example() -> Iterator[Any]:
    """Run one example as the module its first line names; undo its registration afterwards."""
    registries: tuple[dict[str, Any], ...] = (FAULT_TYPES, JOURNEYS, REGISTRY, FORMATS)
    before = [set(r) for r in registries]
    loaded: list[str] = []

    def load(path: str) -> types.ModuleType:
        name = path.removesuffix(".py").replace("/", ".")
        module = types.ModuleType(name)
        sys.modules[name] = module
        loaded.append(name)
        # compiled as CONTRIBUTING.md's text: the module it names does not exist in the tree
        exec(compile(examples()[path], f"CONTRIBUTING.md ({path})", "exec"), module.__dict__)  # noqa: S102 - our docs
        return module

    yield load
    for name in loaded:
        sys.modules.pop(name, None)
    for registry, keys in zip(registries, before, strict=True):
        for key in set(registry) - keys:
            del registry[key]


def test_there_is_one_example_per_plugin_kind() -> None:
    assert sorted(examples()) == [
        "drills/checks/p99_latency.py",
        "drills/faults/stop.py",
        "drills/probes/journeys/history.py",
        "drills/report/formats/csv_verdicts.py",
    ]


def test_the_fault_example(load_example: Any, tmp_path: Path) -> None:
    mod = load_example("drills/faults/stop.py")
    p = tmp_path / "s.yaml"
    p.write_text("name: s\nfaults:\n  - {id: stop-chat, type: stop, site: b, service: chat-b, at: 1s, duration: 5s}\n")
    s = load_scenario(p, repo_root=REPO)
    assert s.faults[0].target == "chat-b (site b)"
    assert isinstance(make_fault(s.faults[0]), mod.StopFault)
    assert "### `stop`" in render_reference()
    p.write_text("name: s\nfaults:\n  - {id: x, type: stop, site: b, service: chat-a, at: 1s}\n")
    with pytest.raises(Exception, match=r"faults\[0\]\.service: no service 'chat-a' in site b"):
        load_scenario(p, repo_root=REPO)


def test_the_journey_example(load_example: Any, tmp_path: Path) -> None:
    load_example("drills/probes/journeys/history.py")
    p = tmp_path / "s.yaml"
    p.write_text("name: s\nprobes: {journeys: [chat, history]}\n")
    s = load_scenario(p, repo_root=REPO)
    assert s.capabilities == ("chat", "history")
    probe = JOURNEYS["history"].make({"chat": "http://127.0.0.1:9", "login": "http://127.0.0.1:9"}, lambda: 0.0, 0.5,
                                     run_id="r1")  # fmt: skip
    outcome = probe.sample()  # nothing listens on port 9: a failed sample, not an exception
    assert outcome.ok is False and outcome.error


def test_the_check_example(load_example: Any, tmp_path: Path) -> None:
    load_example("drills/checks/p99_latency.py")
    p = tmp_path / "s.yaml"
    p.write_text("name: s\nchecks:\n  p99_latency: {target: 300ms}\n")
    s = load_scenario(p, repo_root=REPO)
    fast = [Sample(10.0 + i / 10, "chat", "chat", True, 0.05) for i in range(100)]
    slow = [Sample(10.0 + i / 10, "login", "login", True, 0.05 if i < 90 else 2.0) for i in range(100)]
    tl = Timeline((FaultEvent(10.0, "inject", "cut", "power_cut", "site a"), *fast, *slow))
    verdicts = evaluate(tl, s.checks, 0.1, capabilities=("chat", "login"))
    got = {v.capability: v for v in verdicts if v.check == "p99_latency"}
    assert (got["chat"].status, got["login"].status) == ("pass", "fail")
    finding = REGISTRY["p99_latency"].finding
    assert finding is not None and "login answered slowly" in finding(got["login"])


def test_the_report_format_example(load_example: Any) -> None:
    load_example("drills/report/formats/csv_verdicts.py")
    result, records = synthetic_run(seed=3)
    text = FORMATS["csv"].render(Rendering(result, Timeline(tuple(records))))
    rows = text.splitlines()
    assert rows[0] == "check,capability,status,target,measured,unit"
    assert len(rows) == 1 + len(result.verdicts)
