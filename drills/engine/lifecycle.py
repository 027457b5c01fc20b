"""``run_drill``: one scenario from bring-up to bundle, with heal and teardown on every path.

    try:     bringup -> steady -> fault (plan) -> settle -> verify
    finally: stop probes -> heal-all -> teardown (signals held off) -> forget the run
    then:    checks on the saved timeline -> result -> evidence bundle

Exit codes come from the result: passed 0, failed/aborted 1, error 3;
an interrupted run (Ctrl-C, SIGTERM) still heals and tears down, then raises
``DrillInterrupted`` carrying its result (status error) so the caller can
write the bundle before exiting 130.
"""

from __future__ import annotations

import signal
import traceback
from contextlib import contextmanager
from datetime import timedelta, timezone
from pathlib import Path
from types import FrameType
from typing import Iterator

from drills.engine import runs
from drills.checks import evaluate
from drills.adapters.docker_client import engine_client
from drills.engine.environment import describe
from drills.errors import DrillsError
from drills.faults import FaultContext
from drills.engine.progress import Progress
from drills.model.result import DrillResult, PhaseSpan, Verdict, overall_status
from drills.engine.runner import Drill
from drills.checks.dualization import dualization_lint
from drills.model.scenario import Scenario
from drills.model.timeline import Header
from drills.adapters import ComposeProject, sweep
from drills.adapters.toxiproxy import WanClient


class DrillInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the run; heal and teardown already happened."""

    def __init__(self, result: DrillResult) -> None:
        super().__init__(result.error)
        self.result = result


@contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (CI cancelling a job) unwinds like Ctrl-C, so the same finally blocks heal and tear down."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def signals_held() -> Iterator[None]:
    """While healing and tearing down, a second Ctrl-C must not leave the stack half-removed."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def compose_files(scenario: Scenario) -> list[Path]:
    files = [scenario.topology.compose]
    if scenario.topology.variant_file is not None:
        files.append(scenario.topology.variant_file)
    return files


def sweep_stale(client: object, progress: Progress) -> None:
    for rec in runs.records().values():
        if runs.is_stale(rec):
            removed = sweep(client, rec.run_id)
            runs.unregister(rec.run_id)
            progress.message(f"swept stale run {rec.run_id} (pid {rec.pid} gone): {removed.total} resource(s)")


def run_drill(scenario: Scenario, bundle_dir: Path, progress: Progress) -> DrillResult:
    d = Drill(scenario, bundle_dir, progress)
    d.timeline.append(Header(run_id=d.run_id, scenario=scenario.name, t0_utc=d.t0_utc.isoformat()))
    error = ""
    interrupted: KeyboardInterrupt | None = None
    client = None
    project: ComposeProject | None = None
    ctx: FaultContext | None = None
    files = compose_files(scenario)
    try:
        with sigterm_as_interrupt():
            try:
                d.phase("bringup")
                client = engine_client()
                sweep_stale(client, progress)
                repo_root = scenario.topology.compose.parent
                project = ComposeProject(d.project, files, {"DRILLS_RUN_ID": d.run_id}, repo_root, client=client)
                runs.register(d.run_id, d.project, "run", [str(f) for f in files])
                project.up(wait=True)
                endpoints = {cap: project.endpoint_url(cap) for cap in scenario.topology.capabilities}
                host, port = project.toxiproxy_api()
                wan = WanClient(host, port)
                ctx = FaultContext(client, d.project, wan, scenario.topology)
                d.environment = describe(client, d.project, wan.version().strip('"'))
                d.phase("steady")
                d.start_probes(endpoints)
                d.steady_gate()
                d.phase("fault")
                d.play(ctx)
                if d.aborted:
                    d.heal_all(ctx)
                d.phase("settle")
                d.wait(scenario.settle)
                d.phase("verify")
                d.stop_all_probes()
                d.read_back()
            except DrillsError as exc:
                error = str(exc)
                progress.message(f"drill: error: {error}")
            except Exception as exc:  # a bug of ours or a library's: still heal, tear down, keep evidence
                error = f"unexpected {type(exc).__name__}: {exc}"
                progress.message(f"drill: error: {error}\n{traceback.format_exc()}")
            except KeyboardInterrupt as exc:
                interrupted = exc
                error = "interrupted (Ctrl-C or SIGTERM); healed and tore down"
                progress.message(f"drill: {error.split(';')[0]}: healing and tearing down")
    finally:
        with signals_held():
            d.stop_all_probes()
            if ctx is not None and d.active:
                for heal_exc in d.heal_all(ctx):
                    error = error or f"heal failed: {heal_exc}"
            d.phase("teardown")
            if project is not None:
                try:
                    project.down()
                except Exception as exc:  # noqa: BLE001 - reported as the run's error; sweep reaps the rest
                    error = error or f"teardown failed: {exc} (drill sweep removes what is left)"
            runs.unregister(d.run_id)
            d.phase("done")
            d.timeline.close()
            progress.close()
    result = finish(d, error, client)
    if client is not None:
        client.close()
    if interrupted is not None:
        raise DrillInterrupted(result) from interrupted
    return result


def finish(d: Drill, error: str, client: object) -> DrillResult:
    s = d.scenario
    timeline = d.timeline.snapshot()
    verdicts: tuple[Verdict, ...] = dualization_lint(s.topology, s.capabilities)
    if not error:
        verdicts += evaluate(timeline, s.checks, s.probes.period, capabilities=s.capabilities)
    status = "error" if error else ("aborted" if d.aborted else overall_status(verdicts))
    marks = d.phase_marks
    spans = tuple(
        PhaseSpan(name, _utc(d, t), _utc(d, marks[i + 1][1]), t, marks[i + 1][1])
        for i, (name, t) in enumerate(marks[:-1])
    )
    end_t = marks[-1][1] if marks else 0.0
    return DrillResult(
        run_id=d.run_id, scenario_name=s.name, scenario_path=str(s.path), scenario_digest=s.digest,
        status=status, started_utc=d.t0_utc.isoformat(), ended_utc=_utc(d, end_t), verdicts=verdicts,
        phases=spans, environment=d.environment, targets=_targets(s), error=error or d.aborted,
        description=s.description,
    )  # fmt: skip


def _utc(d: Drill, t: float) -> str:
    return (d.t0_utc + timedelta(seconds=t)).astimezone(timezone.utc).isoformat()


def _targets(s: Scenario) -> dict[str, object]:
    return {cap: s.checks.for_capability(cap).to_dict() for cap in s.capabilities}
