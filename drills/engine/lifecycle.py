"""``run_drill``: one scenario from bring-up to bundle, with heal and teardown on every path.

    try:     bringup -> steady -> fault (plan) -> settle -> verify; with ``restore:`` the way back
             replaces the settle: rejoin -> settle -> failback -> steady-after (engine/restore.py)
    finally: give up on actions still performing -> stop probes -> heal-all -> teardown (signals
             held off) -> forget the run
    then:    checks on the saved timeline -> result -> evidence bundle

Exit codes come from the result (``DrillResult.exit_code``): passed 0, failed/aborted 1, error 3;
a scenario with ``expect:`` exits 0 only when it failed exactly as declared, else 1 (error: 3);
an interrupted run (Ctrl-C, SIGTERM) still heals and tears down, then raises
``DrillInterrupted`` carrying its result (status error) so the caller can
write the bundle before exiting 130.
"""

from __future__ import annotations

import signal
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path
from types import FrameType

from drills.checks import REGISTRY, evaluate, evaluate_scenario
from drills.checks.dualization import scenario_lint
from drills.engine import runs
from drills.engine.compose_stack import compose_files
from drills.engine.progress import Progress
from drills.engine.restore import play_restore
from drills.engine.runner import Drill, SteadyStateNotReached
from drills.engine.stack import Stack, Wiring
from drills.errors import DrillsError
from drills.faults import FaultContext
from drills.model.expectation import judge
from drills.model.result import DrillResult, PhaseSpan, Verdict, overall_status
from drills.model.scenario import Scenario
from drills.model.timeline import Header, load_timeline


class DrillInterrupted(KeyboardInterrupt):
    """Ctrl-C or SIGTERM stopped the run; heal and teardown already happened."""

    def __init__(self, result: DrillResult) -> None:
        super().__init__(result.error)
        self.result = result


@contextmanager
def interrupts_unwind() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM (CI cancelling a job) both unwind as KeyboardInterrupt, so the same
    finally blocks heal and tear down - also when the drill was started with SIGINT ignored (a
    background job of a non-interactive shell), where Python would otherwise never see it."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


@contextmanager
def signals_held() -> Iterator[None]:
    """While healing and tearing down, a second Ctrl-C must not leave the stack half-removed."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def sweep_stale(stack: Stack, progress: Progress) -> None:
    """Reap the resources of every run whose record names a process that is gone."""
    for rec in runs.records().values():
        if runs.is_stale(rec):
            removed = stack.sweep(rec.run_id)
            runs.unregister(rec.run_id)
            progress.message(f"swept stale run {rec.run_id} (pid {rec.pid} gone): {removed} resource(s)")


LOGS_DIR = "logs"  # in the bundle: <service>.log, each container's last LOG_TAIL lines, read before teardown
LOG_TAIL = 500


def save_logs(stack: Stack, directory: Path, progress: Progress) -> None:
    """What each service said, kept with the evidence (e.g. why Patroni did or did not fail over);
    a failure to read them is a note on the console, never the run's error."""
    try:
        logs = stack.logs(LOG_TAIL)
        directory.mkdir(parents=True, exist_ok=True)
        for service, text in sorted(logs.items()):
            (directory / f"{service}.log").write_text(text, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - evidence on a best-effort basis; teardown must follow
        progress.message(f"drill: could not keep the containers' logs: {type(exc).__name__}: {exc}")


def run_drill(scenario: Scenario, bundle_dir: Path, progress: Progress, *, wiring: Wiring | None = None) -> DrillResult:
    """Play ``scenario`` end to end; ``wiring`` replaces the real clock, stack, probes or faults (tests)."""
    w = wiring or Wiring()
    d = Drill(scenario, bundle_dir, progress, w)
    d.timeline.append(Header(run_id=d.run_id, scenario=scenario.name, t0_utc=d.t0_utc.isoformat()))
    error = ""
    interrupted: KeyboardInterrupt | None = None
    stack: Stack | None = None
    brought_up = False
    ctx: FaultContext | None = None
    try:
        with interrupts_unwind():
            try:
                d.phase("bringup")
                stack = w.open_stack(scenario, d.run_id, d.project)
                sweep_stale(stack, progress)
                brought_up = True  # from here on, teardown runs even if up() fails half-way
                runs.register(d.run_id, d.project, "run", [str(f) for f in compose_files(scenario)])
                stack.up()
                endpoints = stack.endpoints(scenario.topology.capabilities)
                needs_sites = scenario.probes.per_site or scenario.actions or scenario.restore is not None
                site_endpoints = stack.site_endpoints() if needs_sites else None
                ctx = stack.fault_context()
                if scenario.restore is not None:  # the rejoin phase judges the restored site's health
                    ctx.heal_waits_healthy = False
                d.environment = stack.describe()
                d.wan_baseline(ctx)
                d.phase("steady")
                d.start_probes(endpoints, site_endpoints)
                try:
                    d.steady_gate()
                except SteadyStateNotReached as exc:  # a finding about the system: judged, not an error
                    d.steady_failed = str(exc)
                    progress.message(f"drill: {exc}; no fault injected")
                else:
                    d.phase("fault")
                    d.play(ctx)
                    if d.aborted and (heal_errors := d.heal_all(ctx)):
                        raise heal_errors[0]  # a fault left in place is an environment failure
                    if scenario.restore is not None and not d.aborted:
                        play_restore(d, ctx, scenario.restore)
                    else:
                        d.phase("settle")
                        d.wait(scenario.settle)
                d.phase("verify")
                d.stop_all_probes()
                d.read_back()
            except DrillsError as exc:
                error = str(exc)
                progress.message(f"drill: error: {error}")
            except Exception as exc:  # noqa: BLE001 - a bug of ours or a library's: heal, tear down, keep evidence
                error = f"unexpected {type(exc).__name__}: {exc}"
                progress.message(f"drill: error: {error}\n{traceback.format_exc()}")
            except KeyboardInterrupt as exc:
                interrupted = exc
                error = "interrupted (Ctrl-C or SIGTERM); healed and tore down"
                progress.message(f"drill: {error.split(';')[0]}: healing and tearing down")
    finally:
        with signals_held():
            if d.actions is not None:  # heal-all and teardown never wait on a tool; its record says so
                how = "interrupted" if interrupted else "aborted" if d.aborted else "error" if error else "ended"
                d.actions.abandon(f"still running when the drill stopped ({how})")
            d.stop_all_probes()
            if ctx is not None and d.active:
                for heal_exc in d.heal_all(ctx):
                    error = error or f"heal failed: {heal_exc}"
            d.phase("teardown")
            if stack is not None and brought_up:
                save_logs(stack, d.bundle_dir / LOGS_DIR, progress)
                try:
                    stack.down()
                except Exception as exc:  # noqa: BLE001 - reported as the run's error; sweep reaps the rest
                    error = error or f"teardown failed: {exc} (drill sweep removes what is left)"
            runs.unregister(d.run_id)
            d.phase("done")
            d.timeline.close()
            progress.close()
    result = finish(d, error)
    if stack is not None:
        stack.close()
    if interrupted is not None:
        raise DrillInterrupted(result) from interrupted
    return result


def finish(d: Drill, error: str) -> DrillResult:
    """Judge the timeline as saved on disk (what ``drill verify`` re-judges), then build the result."""
    s = d.scenario
    timeline, _ = load_timeline(d.timeline.path)
    verdicts: tuple[Verdict, ...] = scenario_lint(s)
    if d.steady_failed and not error:  # nothing was injected: only the gate's outcome can be judged
        only = {"steady_state": REGISTRY["steady_state"]}
        verdicts += evaluate(timeline, s.checks, s.probes.period, capabilities=s.capabilities, registry=only)
    elif not error:
        verdicts += evaluate_scenario(timeline, s)
    status = "error" if error else ("aborted" if d.aborted else overall_status(verdicts))
    if status == "error" and not error:  # the drill's own measurement failed (e.g. probes ran too slowly)
        error = next(v.message for v in verdicts if v.about == "drill" and v.status == "fail")
    marks = d.phase_marks
    spans = tuple(
        PhaseSpan(name, _utc(d, t), _utc(d, marks[i + 1][1]), t, marks[i + 1][1])
        for i, (name, t) in enumerate(marks[:-1])
    )
    end_t = marks[-1][1] if marks else 0.0
    why = error or d.aborted or d.steady_failed
    expectation = judge(s.expect, verdicts, status, why) if s.expect is not None else None
    return DrillResult(
        run_id=d.run_id, scenario_name=s.name, scenario_path=str(s.path), scenario_digest=s.digest,
        status=status, started_utc=d.t0_utc.isoformat(), ended_utc=_utc(d, end_t), verdicts=verdicts,
        phases=spans, environment=d.environment, targets=_targets(s), error=why, description=s.description,
        expectation=expectation,
    )  # fmt: skip


def _utc(d: Drill, t: float) -> str:
    return (d.t0_utc + timedelta(seconds=t)).astimezone(UTC).isoformat()


def _targets(s: Scenario) -> dict[str, object]:
    return {cap: s.checks.for_capability(cap).to_dict() for cap in s.capabilities}
