"""pytest plugin for drills (registered through the ``pytest11`` entry point).

Scenario files as tests: ``pytest scenarios/`` collects every ``*.yaml`` in a
directory named ``scenarios`` as one test item that runs the drill. A failing
drill shows its verdict table, not a Python traceback; a broken scenario file
shows its one-line error.

Fixtures for drills written in Python:

    def test_devtools_survives_site_a(drill_stack, chaos):
        with chaos.power_cut("a"):
            assert drill_stack.get("devtools", "/runbook").status_code == 200

``drill_stack`` brings the reference replica up once per test module (torn
down after it); ``chaos`` injects a fault and heals it when the block exits.
"""

from __future__ import annotations

import io
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from drills.errors import DrillsError


class DrillFailed(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix in (".yaml", ".yml") and file_path.parent.name == "scenarios":
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from drills.cli.run import verdict_table
        from drills.cli.run import write_result_bundle as write_bundle
        from drills.engine.lifecycle import DrillInterrupted, run_drill
        from drills.engine.progress import LineProgress
        from drills.scenario import load_scenario

        scenario = load_scenario(self.path)  # ScenarioError -> shown as one line below
        reports = Path(self.config.rootpath) / "reports"
        bundle = reports / f"{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{scenario.name}"
        bundle.mkdir(parents=True, exist_ok=True)
        log = io.StringIO()
        try:
            result = run_drill(scenario, bundle, LineProgress(stream=log))
        except DrillInterrupted as stop:
            write_bundle(stop.result, scenario, bundle)
            raise
        write_bundle(result, scenario, bundle)
        if result.status != "passed":
            from rich.console import Console

            out = io.StringIO()
            console = Console(file=out, width=110, color_system=None)
            console.print(verdict_table(result))
            for v in result.failed_verdicts():
                console.print(f"  x {v.message}", highlight=False)
            if result.error:
                console.print(f"  {result.status}: {result.error}", highlight=False)
            console.print(f"evidence: {bundle}/", highlight=False)
            raise DrillFailed(out.getvalue())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, DrillFailed):
            return excinfo.value.text
        if isinstance(excinfo.value, DrillsError):
            return f"drill: error: {excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"drill {self.name}"


# ---- fixtures ------------------------------------------------------------------------------

@dataclass
class Stack:
    """The reference replica, up for one test module."""

    project: Any  # drills.topology.ComposeProject
    endpoints: dict[str, str]
    wan: Any  # drills.wan.WanClient
    client: Any  # docker.DockerClient
    run_id: str

    def get(self, capability: str, path: str, **kw: Any) -> Any:
        import requests

        return requests.get(self.endpoints[capability] + path, timeout=kw.pop("timeout", 5), **kw)

    def post(self, capability: str, path: str, **kw: Any) -> Any:
        import requests

        return requests.post(self.endpoints[capability] + path, timeout=kw.pop("timeout", 5), **kw)


@pytest.fixture(scope="module")
def drill_stack() -> Iterator[Stack]:
    from drills.scenario import repo_root
    from drills.adapters.docker_client import engine_client
    from drills.adapters import ComposeProject
    from drills.adapters.toxiproxy import WanClient

    root = repo_root()
    run_id = f"pytest-{uuid.uuid4().hex[:8]}"
    client = engine_client()
    project = ComposeProject(f"drills-{run_id}", [root / "docker-compose.yml"], {"DRILLS_RUN_ID": run_id}, root,
                             client=client)
    try:
        project.up(wait=True)
        endpoints = {c: project.endpoint_url(c) for c in project.capabilities()}
        yield Stack(project, endpoints, WanClient(*project.toxiproxy_api()), client, run_id)
    finally:
        project.down()
        client.close()


class Chaos:
    """Inject one fault for the duration of a ``with`` block; heal it on exit, whatever happened."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self._n = 0

    @contextmanager
    def fault(self, spec: Any) -> Iterator[None]:
        from drills.faults import FaultContext, make_fault
        from drills.scenario.discover import discover

        root = self.stack.project.repo_root
        topo = discover(root, root / "docker-compose.yml", None)
        ctx = FaultContext(self.stack.client, self.stack.project.name, self.stack.wan, topo)
        fault = make_fault(spec)
        try:
            fault.inject(ctx)
            yield
        finally:
            fault.heal(ctx)

    def _spec(self, type_: str, params: Any) -> Any:
        from drills.model.scenario import FaultSpec

        self._n += 1
        return FaultSpec(id=f"chaos-{self._n}", type=type_, at=0.0, duration=None, params=params)

    def power_cut(self, site: str) -> Any:
        from drills.faults.power_cut import PowerCut

        return self.fault(self._spec("power_cut", PowerCut(site)))

    def partition(self, x: str, y: str) -> Any:
        from drills.faults.partition import Partition

        return self.fault(self._spec("partition", Partition((x, y))))

    def wan(self, link: str, **params: Any) -> Any:
        """Degrade one link: latency=0.2 (seconds), jitter, bandwidth_kbps, timeout, reset_peer, down."""
        from drills.faults.wan import Wan

        return self.fault(self._spec("wan", Wan(link=link, **params)))

    def service(self, action: str, site: str, service: str) -> Any:
        """``action`` is kill, pause or restart; ``service`` a compose service name (e.g. chat-a)."""
        from drills.faults.service import ServiceFault

        return self.fault(self._spec(action, ServiceFault(site=site, service=service, resolved=service)))


@pytest.fixture
def chaos(drill_stack: Stack) -> Chaos:
    return Chaos(drill_stack)
