"""The drill lifecycle end to end against fakes: phases, the steady-state gate, the fault
schedule on the fake clock, abort rules, run records and verdicts from the saved timeline.

Failures, heal/teardown on every path and signals: test_lifecycle_failures.py.
Fakes (stepping clock, fake probes, faults and stack): engine_fakes.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drills.checks import evaluate
from drills.checks.dualization import dualization_lint
from drills.engine import runs
from drills.engine.lifecycle import LOG_TAIL, run_drill
from drills.model.timeline import Header, Timeline
from tests.unit.engine_fakes import FaultScript, RecordingProgress, World, load, run_scenario, saved

pytestmark = pytest.mark.timeout(10)  # a fake clock that stopped advancing must not hang the suite

BASE = """
name: lifecycle-test
probes: {period: 1s, timeout: 1s, journeys: [chat, login, devtools]}
steady_state: {duration: 2s, min_consecutive: 2, timeout: 10s}
faults:
  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 4s}
  - {id: slow, type: wan, link: edge_b_chat, latency: 50ms, at: 3s}
fault_phase: 10s
settle: 3s
checks: {failover: {enabled: false}}  # a short cut on a fake engine: failover is not what is tested
"""
PHASES = ["bringup", "steady", "fault", "heal", "settle", "verify", "teardown", "done"]  # heal: recovery window


def phase_at(tl: Timeline, name: str) -> float:
    [t] = [p.t for p in tl.phases() if p.phase == name]
    return t


def test_a_clean_run_plays_every_phase_in_order_and_passes(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    result = run_scenario(tmp_path, BASE, world, progress)

    assert (result.status, result.error) == ("passed", "")
    tl = saved(tmp_path)
    assert isinstance(tl.records[0], Header) and tl.records[0].run_id == result.run_id
    assert [p.phase for p in tl.phases()] == PHASES
    assert [s.phase for s in result.phases] == PHASES[:-1]
    assert all(a.end_t == b.start_t for a, b in zip(result.phases, result.phases[1:], strict=False))
    assert phase_at(tl, "settle") - phase_at(tl, "fault") == pytest.approx(10.0)  # fault_phase
    assert phase_at(tl, "verify") - phase_at(tl, "settle") == pytest.approx(3.0)  # settle
    assert world.stack.calls == ["up", "endpoints", "site_endpoints", "fault_context", "describe", "logs", "down",
                                 "close"]  # fmt: skip
    # what each service said is kept with the evidence, read before teardown
    assert (tmp_path / "bundle" / "logs" / "pg-a.log").read_text() == f"pg-a said this (last {LOG_TAIL} lines)\n"
    assert world.stack.opened_with == (result.run_id, f"drills-{result.run_id}")
    assert result.started_utc == "2026-01-01T00:00:00+00:00"  # the fake clock's UTC origin
    assert result.environment["fake"] is True
    counts = {cap: {"samples": len(tl.samples(cap)), "cpu_s": 0.0} for cap in ("chat", "login", "devtools")}
    counts |= {f"{cap}@{site}": {"samples": len(tl.samples(cap, via=site)), "cpu_s": 0.0}
               for site in ("a", "b") for cap in ("chat", "login", "devtools")}  # the per-site probes
    assert result.environment["probes"] == counts and counts["chat"]["samples"] > 10
    assert counts["chat@a"]["samples"] > 0
    assert {p.period for p in tl.probes(via="a")} == {1.0}  # probes.per_site.period
    assert progress.closed and progress.states[-1].phase == "done"


def test_steady_gate_waits_for_consecutive_successes_then_holds_its_duration(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.down_until["login"] = (4.0, "HTTP 503")  # login samples at 0..3 fail, from 4 on succeed
    result = run_scenario(tmp_path, BASE, world, progress)

    tl = saved(tmp_path)
    assert [s.ok for s in tl.samples("login")][:6] == [False, False, False, False, True, True]
    # two ok samples in a row at 4 s and 5 s, then the 2 s steady duration: the fault phase starts at 7 s
    assert phase_at(tl, "fault") - phase_at(tl, "steady") == pytest.approx(7.0, abs=0.21)
    assert any(s.note == "waiting for steady state" for s in progress.states)
    assert result.status == "passed"


def test_fault_schedule_plays_at_planned_offsets_stamped_when_each_action_started(tmp_path: Path) -> None:
    world = World()
    world.scripts["cut-a"] = FaultScript(inject_takes=0.5, heal_takes=0.7)  # slow actions on the fake clock
    result = run_scenario(tmp_path, BASE, world)

    tl = saved(tmp_path)
    start = phase_at(tl, "fault")
    got = [(e.action, e.fault, round(e.t - start, 3), e.ok) for e in tl.faults()]
    assert got == [
        ("inject", "cut-a", 2.0, True),
        ("inject", "slow", 3.0, True),
        ("heal", "cut-a", 6.0, True),
        ("heal", "slow", 10.0, True),  # heal-all at the end of the fault phase
    ]
    scenario = load(tmp_path, BASE)
    for e in tl.faults():
        spec = scenario.fault(e.fault)
        assert spec is not None and (e.type, e.target) == (spec.type, spec.target)
    assert [a for a, _, _ in world.log][-1] == "wan.reset"  # heal-all resets the WAN last
    assert result.status == "passed"


def test_an_abort_rule_heals_early_skips_the_rest_of_the_plan_and_marks_the_run_aborted(tmp_path: Path) -> None:
    body = """
name: abort-test
probes: {period: 1s, timeout: 1s, journeys: [chat, login, devtools]}
steady_state: {duration: 2s, min_consecutive: 2, timeout: 10s}
faults:
  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 7s}
  - {id: slow, type: wan, link: edge_b_chat, latency: 50ms, at: 3s}
  - {id: late, type: wan, link: edge_a_chat, latency: 10ms, at: 8s}
fault_phase: 10s
settle: 3s
abort: [{capability: chat, down_longer_than: 2s}]
checks: {failover: {enabled: false}}  # a short cut on a fake engine: failover is not what is tested
"""
    world, progress = World(), RecordingProgress()
    world.scripts["cut-a"] = FaultScript(downs={"chat": "connection refused"})
    result = run_scenario(tmp_path, body, world, progress)

    assert result.status == "aborted"
    assert result.error.startswith("chat down for") and "abort limit 2s" in result.error
    tl = saved(tmp_path)
    start = phase_at(tl, "fault")
    heals = {e.fault: e.t - start for e in tl.faults() if e.action == "heal"}
    assert 4.0 < heals["cut-a"] < 6.0  # chat down from +2 s; healed once down longer than 2 s, not at +9 s
    assert heals["slow"] == pytest.approx(heals["cut-a"])  # early heal-all, not the plan's at +10 s
    assert "late" not in {e.fault for e in tl.faults()}  # the plan stopped where it was
    assert any(m.startswith("ABORT: chat down for") for m in progress.messages)
    assert [p.phase for p in tl.phases()] == PHASES  # settle and verify still run
    verdict = {v.name: v.status for v in result.verdicts}
    assert verdict["availability[chat]"] == "fail"  # aborted runs are still judged


def test_verdicts_are_judged_from_the_saved_timeline(tmp_path: Path) -> None:
    world = World()
    world.lost = {"room-m3"}  # the fake service drops one acknowledged chat message
    result = run_scenario(tmp_path, BASE, world)

    scenario = load(tmp_path, BASE)
    tl = saved(tmp_path)
    assert tl.readbacks() and tl.readbacks()[0].t >= phase_at(tl, "verify")  # read back in verify
    expected = dualization_lint(scenario.topology, scenario.capabilities) + evaluate(
        tl, scenario.checks, scenario.probes.period, capabilities=scenario.capabilities)  # fmt: skip
    assert result.verdicts == expected
    [rpo] = [v for v in result.verdicts if v.name == "rpo[chat]"]
    assert (rpo.status, rpo.measured) == ("fail", 1) and "room-m3" in rpo.message
    assert result.status == "failed"
    assert result.targets["chat"]["rpo"] == {"target": 0, "duplicates": 0}


def test_the_run_is_recorded_while_it_runs_and_forgotten_after(tmp_path: Path) -> None:
    world = World()
    seen: dict[str, runs.RunRecord] = {}
    world.stack.hooks["up"] = lambda: seen.update(runs.records())
    result = run_scenario(tmp_path, BASE, world)

    [rec] = seen.values()
    assert (rec.run_id, rec.project, rec.kind) == (result.run_id, f"drills-{result.run_id}", "run")
    assert rec.pid == os.getpid()
    assert rec.files == (str(load(tmp_path, BASE).topology.compose),)
    assert runs.records() == {}


def test_stale_runs_are_swept_before_bring_up_and_live_ones_are_left(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=30)  # reaped: its pid names no process
    runs.register("old-run", "drills-old-run", "run", [])
    path = runs.state_dir() / "runs" / "old-run.json"
    path.write_text(path.read_text().replace(f'"pid": {os.getpid()}', f'"pid": {gone.pid}'))
    runs.register("live-run", "drills-live-run", "run", [])  # this process: alive
    world, progress = World(), RecordingProgress()
    run_drill(load(tmp_path, BASE), tmp_path / "bundle", progress, wiring=world.wiring())

    assert world.stack.swept == ["old-run"]
    assert world.stack.calls.index("sweep") < world.stack.calls.index("up")
    assert set(runs.records()) == {"live-run"}
    assert any(m.startswith("swept stale run old-run") and "3 resource(s)" in m for m in progress.messages)



def test_a_site_without_its_own_entry_point_for_a_capability_fails_the_per_site_check(tmp_path: Path) -> None:
    world = World()
    world.site_missing = {("b", "devtools")}  # e.g. the kakao-2022 variant: devtools only in site a
    result = run_scenario(tmp_path, BASE, world)
    verdicts = {v.name: v for v in result.verdicts}
    assert verdicts["per_site[devtools]"].status == "fail"
    assert "b: before no, after no (site b has no entry point for devtools)" in verdicts["per_site[devtools]"].message
    assert verdicts["per_site[chat]"].status == "pass" and verdicts["availability[devtools]"].status == "pass"
    assert result.status == "failed"
    [unprobed] = [p for p in saved(tmp_path).probes(via=None) if p.error]
    assert (unprobed.probe, unprobed.via, unprobed.max_in_flight) == ("devtools@b", "b", 0)


def test_per_site_probes_can_be_turned_off(tmp_path: Path) -> None:
    world = World()
    off = BASE.replace("journeys: [chat, login, devtools]}", "journeys: [chat, login, devtools], "
                       "per_site: {enabled: false}}")  # fmt: skip
    result = run_scenario(tmp_path, off, world)
    assert "site_endpoints" not in world.stack.calls and not saved(tmp_path).probes(via="a")
    assert {v.name: v.status for v in result.verdicts}["per_site[chat]"] == "unknown"


def test_a_run_without_a_reaper_says_so_on_the_console_not_only_in_the_bundle(tmp_path: Path) -> None:
    world, progress = World(), RecordingProgress()
    world.described = {"reaper": "off: image drills/messenger-app:0.1.0 not found"}
    result = run_scenario(tmp_path, BASE, world, progress)
    assert result.environment["reaper"] == "off: image drills/messenger-app:0.1.0 not found"
    assert ("drill: reaper off: image drills/messenger-app:0.1.0 not found; if this runner is killed (SIGKILL), "
            "`drill sweep` or the next run removes what it leaves") in progress.messages
    on, quiet = World(), RecordingProgress()
    on.described = {"reaper": "on"}
    (tmp_path / "on").mkdir()
    run_scenario(tmp_path / "on", BASE, on, quiet)
    assert not [m for m in quiet.messages if "reaper" in m]
