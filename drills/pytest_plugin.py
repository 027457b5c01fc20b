"""pytest plugin for drills (registered through the ``pytest11`` entry point).

Scenario files as tests, opt-in: with ``--drills-scenarios`` on the command line, or
``drills_scenarios = true`` in the pytest configuration, every ``*.yaml`` / ``*.yml`` in a
directory named ``scenarios`` is one test item that runs the drill (``pytest
--drills-scenarios scenarios/``). Without either, nothing is collected: the plugin is
loaded wherever drills is installed, and a folder of YAML data that happens to be called
``scenarios`` must not start containers. Naming such a folder or file on the command
line without the flag prints one line saying how to turn collection on.

A failing drill shows its verdict table, not a Python traceback; a broken scenario
file shows its one-line error. A scenario with ``expect:`` (a known DR mistake that must
fail in a declared way) behaves like a strict ``xfail``: the item is reported *xfailed* when
the drill failed exactly as declared, and *fails* when it passed or failed differently
(with the reason under its verdict table).

Fixtures for drills written in Python (always available, nothing to enable):

    def test_devtools_survives_site_a(drill_stack, chaos):
        with chaos.power_cut("a"):
            assert drill_stack.get("devtools", "/runbook").status_code == 200

``drill_stack`` brings the reference replica up once per test module (torn
down after it); ``chaos`` injects a fault and heals it when the block exits.
See docs/pytest-plugin.md.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from drills.errors import DrillsError


class DrillFailed(Exception):
    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


OPTION = "--drills-scenarios"
INI = "drills_scenarios"
_IGNORED = pytest.StashKey[int]()  # scenario files named on the command line but not collected


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("drills", "disaster-recovery drills")
    group.addoption(OPTION, action="store_true", default=False, dest=INI,
                    help="collect every *.yaml in a folder named 'scenarios' as a drill test "
                         "(each one runs the drill: containers, faults, minutes)")  # fmt: skip
    parser.addini(INI, type="bool", default=False,
                  help=f"collect scenario files as drill tests, as {OPTION} does (default: false)")


def collects_scenarios(config: pytest.Config) -> bool:
    """True when scenario collection was asked for (flag or ini option)."""
    return bool(config.getoption(INI) or config.getini(INI))


def _is_scenario_file(path: Path) -> bool:
    return path.suffix in (".yaml", ".yml") and path.parent.name == "scenarios"


def _named_on_command_line(config: pytest.Config, path: Path) -> bool:
    """``path`` or its ``scenarios`` folder was a positional argument (not from testpaths)."""
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False
    named = {Path(config.invocation_params.dir, arg.split("::")[0]).resolve() for arg in config.args}
    return path.resolve() in named or path.parent.resolve() in named


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if not _is_scenario_file(file_path):
        return None
    if collects_scenarios(parent.config):
        return ScenarioFile.from_parent(parent, path=file_path)
    if _named_on_command_line(parent.config, file_path):
        parent.config.stash[_IGNORED] = parent.config.stash.get(_IGNORED, 0) + 1
    return None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    ignored = config.stash.get(_IGNORED, 0)
    if ignored:
        terminalreporter.write_line(
            f"drills: {ignored} scenario file(s) not collected: pass {OPTION} "
            f"(or set {INI} = true in the pytest configuration) to run them as drills"
        )


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        yield ScenarioItem.from_parent(self, name=self.path.stem)


class ScenarioItem(pytest.Item):
    def runtest(self) -> None:
        from drills.cli.run import outcome_lines, verdict_table
        from drills.cli.run import write_result_bundle as write_bundle
        from drills.engine.lifecycle import run_drill
        from drills.engine.progress import LineProgress
        from drills.scenario import load_scenario

        scenario = load_scenario(self.path)  # ScenarioError -> shown as one line below
        reports = Path(self.config.rootpath) / "reports"
        bundle = reports / f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{scenario.name}"
        bundle.mkdir(parents=True, exist_ok=True)
        log = io.StringIO()
        result = run_drill(scenario, bundle, LineProgress(stream=log),
                           keep=lambda r: write_bundle(r, scenario, bundle))  # DrillInterrupted: kept, then raised
        if result.as_declared and result.expectation is not None:  # strict xfail, confirmed
            pytest.xfail(f"expected failure confirmed: {result.expectation.expected.names()} (evidence: {bundle}/)")
        if result.exit_code() != 0:
            from rich.console import Console

            out = io.StringIO()
            console = Console(file=out, width=110, color_system=None)
            console.print(verdict_table(result))
            for line in outcome_lines(result, markup=False):
                console.print(line, markup=False, highlight=False)
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
    from drills.adapters import ComposeProject
    from drills.adapters.docker_client import engine_client
    from drills.adapters.toxiproxy import WanClient
    from drills.scenario import repo_root

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
