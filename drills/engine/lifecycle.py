"""``run_drill``: one scenario from bring-up to bundle, with heal and teardown on every path.

    try:     bringup -> steady -> fault (plan) -> settle -> verify; with ``restore:`` the way back
             replaces the settle: rejoin -> settle -> failback -> steady-after (engine/restore.py)
    finally: give up on actions still performing -> stop probes -> heal-all -> teardown (signals
             held off) -> forget the run
    then:    checks on the saved timeline -> result -> evidence bundle

Exit codes come from the result (``DrillResult.exit_code``): passed 0, failed/aborted 1, error 3;
a scenario with ``expect:`` exits 0 only when it failed exactly as declared, else 1 (error: 3).

Interrupt means abandon: on SIGINT or SIGTERM the run does not heal (a healed site would have to
become healthy first, tens of seconds); it gives up on actions and probes (ABANDON_PROBES_S),
keeps the containers' logs, and removes everything of the run at once (``Stack.abandon``: every
container killed and removed in parallel, then networks and volumes) until ABANDON_REMOVE_UNTIL_S
after the signal; what is left then, the run's reaper removes while the runner goes on. It raises
``DrillInterrupted`` carrying its result (status ``interrupted``, the verdicts its partial
timeline supports) so the caller writes the bundle and exits 128 + the signal: 130 for SIGINT,
143 for SIGTERM. Measured: bench/interrupts.py.

If the runner itself dies (SIGKILL), the run's reaper container removes the stack
(drills/adapters/reaper.py) and the next ``drill`` command finalises the bundle
(drills/report/finalise.py).
"""

from __future__ import annotations

import signal
import time
import traceback
from collections.abc import Callable, Iterator
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
from drills.model.result import DrillResult, RunStatus, Verdict, overall_status, phase_spans
from drills.model.scenario import Scenario
from drills.model.timeline import Header, Timeline, load_timeline

ABANDON_PROBES_S = 0.5  # on an interrupt: how long probes and the write load get to stop (in all)
# On an interrupt the runner removes the stack itself until this long after the signal; what is
# left then, the run's reaper removes (the runner drops its connection) while the runner writes the
# bundle and exits. Measured (bench/interrupts.py): killing 13 containers takes the engine ~2 s of a
# 2-core machine and the whole removal 3-4 s, which made exits of 3.2-6.1 s; the issue asks <5 s.
ABANDON_REMOVE_UNTIL_S = 3.0


class Interrupted(KeyboardInterrupt):
    """A signal asked the run to stop; ``signum`` says which, ``at`` when (monotonic clock)."""

    def __init__(self, signum: int) -> None:
        super().__init__(f"signal {signum}")
        self.signum = signum
        self.at = time.monotonic()


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


class DrillInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM stopped the run; its stack is already removed. ``exit_code``: 128 + signal."""

    def __init__(self, result: DrillResult, signum: int = signal.SIGINT) -> None:
        super().__init__(result.error)
        self.result = result
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


@contextmanager
def interrupts_unwind() -> Iterator[None]:
    """Ctrl-C (SIGINT) and SIGTERM (CI cancelling a job) both unwind as :class:`Interrupted`, so the
    same finally blocks clean up - also when the drill was started with SIGINT ignored (a
    background job of a non-interactive shell), where Python would otherwise never see it."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise Interrupted(signum)

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


# In the bundle: <service>.log, what each container said (every container is the run's own), its
# last LOG_TAIL lines at most, read before teardown. 500 lines, the limit before, reached back only
# ~25 s in the apps' and the WAN's logs of a 2-minute run: not to the cut. A 2-minute run's apps
# write ~2,500 lines (~0.6 MB) each; LOG_TAIL bounds a long run's. An interrupt reads the last
# LOG_TAIL_INTERRUPTED: its removal has seconds, not minutes.
LOGS_DIR = "logs"
LOG_TAIL = 20_000
LOG_TAIL_INTERRUPTED = 2_000


def save_logs(stack: Stack, directory: Path, progress: Progress, tail: int = LOG_TAIL) -> None:
    """What each service said, kept with the evidence (e.g. why Patroni did or did not fail over);
    a failure to read them is a note on the console, never the run's error."""
    try:
        logs = stack.logs(tail)
        directory.mkdir(parents=True, exist_ok=True)
        for service, text in sorted(logs.items()):
            (directory / f"{service}.log").write_text(text, encoding="utf-8")
    except Exception as exc:  # noqa: BLE001 - evidence on a best-effort basis; teardown must follow
        progress.message(f"drill: could not keep the containers' logs: {type(exc).__name__}: {exc}")


def run_drill(scenario: Scenario, bundle_dir: Path, progress: Progress, *, wiring: Wiring | None = None,
              keep: Callable[[DrillResult], None] | None = None) -> DrillResult:  # fmt: skip
    """Play ``scenario`` end to end; ``wiring`` replaces the real clock, stack, probes or faults (tests).

    ``keep``: writes the result (the evidence bundle), before the run's record is dropped and with
    Ctrl-C / SIGTERM ignored: a runner killed before it is done leaves a record, so the next
    ``drill`` command finalises the bundle (status ``killed``) instead of leaving it without a result.
    An interrupted run's result is kept too, before :class:`DrillInterrupted` is raised."""
    w = wiring or Wiring()
    d = Drill(scenario, bundle_dir, progress, w)
    d.timeline.append(Header(run_id=d.run_id, scenario=scenario.name, t0_utc=d.t0_utc.isoformat()))
    error = ""
    interrupted: KeyboardInterrupt | None = None
    signum = signal.SIGINT
    stack: Stack | None = None
    brought_up = False
    ctx: FaultContext | None = None
    try:
        with interrupts_unwind():
            try:
                d.phase("bringup")
                keep_scenario(scenario, d.bundle_dir)
                # first: a runner killed from here on leaves a record the next command finalises
                runs.register(d.run_id, d.project, "run", [str(f) for f in compose_files(scenario)],
                              bundle=str(d.bundle_dir.resolve()), scenario=str(scenario.path))  # fmt: skip
                d.environment["provenance"] = keep_provenance(scenario, d.bundle_dir, progress)
                stack = w.open_stack(scenario, d.run_id, d.project)
                sweep_stale(stack, progress)
                brought_up = True  # from here on, teardown runs even if up() fails half-way
                stack.up()
                endpoints = stack.endpoints(scenario.topology.capabilities)
                needs_sites = scenario.probes.per_site or scenario.actions or scenario.restore is not None
                site_endpoints = stack.site_endpoints() if needs_sites else None
                ctx = stack.fault_context()
                if scenario.restore is not None:  # the rejoin phase judges the restored site's health
                    ctx.heal_waits_healthy = False
                d.environment = {**stack.describe(), **d.environment}
                if str(d.environment.get("reaper", "on")).startswith("off"):  # say it where it is read
                    progress.message(f"drill: reaper {d.environment['reaper']}; if this runner is killed "
                                     "(SIGKILL), `drill sweep` or the next run removes what it leaves")  # fmt: skip
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
                signum = getattr(exc, "signum", signal.SIGINT)
                where = d.phase_marks[-1][0] if d.phase_marks else "start"
                left = f" with {', '.join(d.active)} still injected" if d.active else ""
                error = f"interrupted by {signal_name(signum)} during {where}{left}"
                progress.message(f"drill: interrupted by {signal_name(signum)}: removing the stack")
    finally:
        with signals_held():
            if d.actions is not None:  # heal-all and teardown never wait on a tool; its record says so
                how = "interrupted" if interrupted else "aborted" if d.aborted else "error" if error else "ended"
                d.actions.abandon(f"still running when the drill stopped ({how})")
            if interrupted is not None:
                signalled = getattr(interrupted, "at", time.monotonic())
                error = abandon(d, stack if brought_up else None, progress, error, signalled + ABANDON_REMOVE_UNTIL_S)
            else:
                error = tear_down(d, ctx, stack if brought_up else None, progress, error)
            d.phase("done")
            d.timeline.close()
            progress.close()
    try:
        with signals_held():
            result = finish(d, error, interrupted=interrupted is not None)
            if keep is not None:
                keep(result)
    finally:  # a result that could not be judged or written is an error the caller reports, not a killed run
        runs.unregister(d.run_id)
    if stack is not None:
        stack.close()
    if interrupted is not None:
        raise DrillInterrupted(result, signum) from interrupted
    return result


def keep_scenario(scenario: Scenario, bundle_dir: Path) -> None:
    """The scenario as run, in the bundle from the start: a killed run is finalised from it."""
    dest = bundle_dir / "scenario.yaml"
    if not dest.exists() and scenario.path.is_file():
        bundle_dir.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(scenario.path.read_bytes())


def keep_provenance(scenario: Scenario, bundle_dir: Path, progress: Progress) -> dict[str, object]:
    """Where the run came from (environment.json's provenance) and the topology files it ran, copied
    into the bundle (drills.engine.provenance). Never stops the run: what failed is recorded."""
    from drills.engine.provenance import keep_topology, provenance

    try:
        facts = provenance(scenario)
        index = keep_topology(scenario, bundle_dir, facts)
    except Exception as exc:  # noqa: BLE001 - evidence about the run, not the run itself
        progress.message(f"drill: could not record the run's provenance or topology: {exc}")
        return {"note": f"not recorded: {type(exc).__name__}: {exc}"}
    if index["skipped"]:
        facts["topology_skipped"] = index["skipped"]
    return facts


def tear_down(d: Drill, ctx: FaultContext | None, stack: Stack | None, progress: Progress, error: str) -> str:
    """The normal end: stop probes, heal what is still injected, keep the logs, compose down.
    Returns the run's error (the first one wins)."""
    d.stop_all_probes()
    if ctx is not None and d.active:
        for heal_exc in d.heal_all(ctx):
            error = error or f"heal failed: {heal_exc}"
    d.phase("teardown")
    if stack is not None:
        save_logs(stack, d.bundle_dir / LOGS_DIR, progress)
        try:
            stack.down()
        except Exception as exc:  # noqa: BLE001 - reported as the run's error; sweep reaps the rest
            error = error or f"teardown failed: {exc} (drill sweep removes what is left)"
    return error


def abandon(d: Drill, stack: Stack | None, progress: Progress, error: str, remove_until: float) -> str:
    """An interrupt's end: no heal, probes get ABANDON_PROBES_S, the logs are kept, then every
    container, network and volume of the run is removed at once - by the runner until
    ``remove_until`` (monotonic), by the run's reaper after that. Returns the run's error."""
    d.stop_all_probes(within=ABANDON_PROBES_S)
    d.phase("teardown")
    if stack is None:
        return f"{error}; abandoned: nothing had been started"
    save_logs(stack, d.bundle_dir / LOGS_DIR, progress, LOG_TAIL_INTERRUPTED)
    try:
        handed_over = stack.abandon(within=max(0.5, remove_until - time.monotonic()))
    except Exception as exc:  # noqa: BLE001 - the reaper and `drill sweep` remove the rest
        return f"{error}; removing the stack failed: {exc} (drill sweep removes what is left)"
    if handed_over:
        progress.message(f"drill: {handed_over}")
        return f"{error}; abandoned: {handed_over}"
    return f"{error}; abandoned: the stack was removed"


def finish(d: Drill, error: str, *, interrupted: bool = False) -> DrillResult:
    """Judge the timeline as saved on disk (what ``drill verify`` re-judges), then build the result."""
    s = d.scenario
    timeline, _ = load_timeline(d.timeline.path)
    verdicts: tuple[Verdict, ...] = scenario_lint(s)
    if d.steady_failed and not error:  # nothing was injected: only the gate's outcome can be judged
        only = {"steady_state": REGISTRY["steady_state"]}
        verdicts += evaluate(timeline, s.checks, s.probes.period, capabilities=s.capabilities, registry=only)
    elif interrupted:  # what the partial timeline supports; a check that cannot judge it is skipped
        verdicts += _partial_verdicts(timeline, s)
    elif not error:
        verdicts += evaluate_scenario(timeline, s)
    status: RunStatus = (
        "interrupted" if interrupted else "error" if error else "aborted" if d.aborted else overall_status(verdicts)
    )
    if status == "error" and not error:  # the drill's own measurement failed (e.g. probes ran too slowly)
        error = next(v.message for v in verdicts if v.about == "drill" and v.status == "fail")
    marks = d.phase_marks
    end_t = marks[-1][1] if marks else 0.0
    spans = phase_spans(marks[:-1], end_t, lambda t: _utc(d, t))  # "done" starts no span
    why = error or d.aborted or d.steady_failed
    expectation = judge(s.expect, verdicts, status, why) if s.expect is not None else None
    return DrillResult(
        run_id=d.run_id, scenario_name=s.name, scenario_path=str(s.path), scenario_digest=s.digest,
        status=status, started_utc=d.t0_utc.isoformat(), ended_utc=_utc(d, end_t), verdicts=verdicts,
        phases=spans, environment=d.environment, targets=_targets(s), error=why, description=s.description,
        expectation=expectation,
    )  # fmt: skip


def _partial_verdicts(timeline: Timeline, s: Scenario) -> tuple[Verdict, ...]:
    try:
        return evaluate_scenario(timeline, s)
    except Exception:  # noqa: BLE001 - an interrupted run's bundle must still be written
        return ()


def _utc(d: Drill, t: float) -> str:
    return (d.t0_utc + timedelta(seconds=t)).astimezone(UTC).isoformat()


def _targets(s: Scenario) -> dict[str, object]:
    return {cap: s.checks.for_capability(cap).to_dict() for cap in s.capabilities}
