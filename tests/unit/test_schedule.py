from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from drills.engine.clock import FakeClock
from drills.engine.plan import HEAL_ALL, Step, due_steps, next_step_at, plan
from drills.engine.runner import Drill
from drills.engine.stack import Wiring
from drills.faults import FaultContext
from drills.model.scenario import FaultSpec
from drills.scenario import load_scenario
from tests.unit.engine_fakes import RecordingProgress

REPO = Path(__file__).parent / "data" / "repo"


def scenario(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    p = tmp_path / "s.yaml"
    p.write_text("name: plan-test\nsettle: 10s\nchecks: {failover: {enabled: false}}\n" + body)
    return load_scenario(p, repo_root=REPO)


FAULTS = """
faults:
  - {id: slow, type: wan, link: edge_b_chat, latency: 50ms, at: 12s}
  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 10s}
  - {id: part, type: partition, between: [a, b], at: 20s, duration: 5s}
"""


def test_plan_orders_steps_and_ends_with_heal_all(tmp_path: Path) -> None:
    p = plan(scenario(tmp_path, FAULTS))
    got = [(st.t, st.action, st.fault) for st in p.steps]
    assert got == [
        (2.0, "inject", "cut-a"),
        (12.0, "heal", "cut-a"),
        (12.0, "inject", "slow"),
        (20.0, "inject", "part"),
        (25.0, "heal", "part"),
        (25.0, "heal_all", HEAL_ALL),
    ]


def test_plan_without_faults_still_heals_all(tmp_path: Path) -> None:
    p = plan(scenario(tmp_path, "fault_phase: 15s\n"))
    assert [(st.t, st.action) for st in p.steps] == [(15.0, "heal_all")]


def test_explicit_fault_phase_moves_heal_all(tmp_path: Path) -> None:
    p = plan(scenario(tmp_path, "fault_phase: 40s\n" + FAULTS))
    assert p.steps[-1].action == "heal_all" and p.steps[-1].t == 40.0


def test_render_shows_phases_faults_and_duration(tmp_path: Path) -> None:
    text = plan(scenario(tmp_path, FAULTS)).render()
    for fault in ("cut-a", "slow", "part"):
        assert fault in text
    for phase in ("bring-up", "steady-state", "faults", "heal-all", "settle", "checks", "teardown"):
        assert phase in text
    assert "power_cut site a" in text and "edge_b_chat" in text
    assert "fault phase 25s + settle 10s = 35s" in text
    assert text.index("inject cut-a") < text.index("inject slow") < text.index("heal-all")


def test_due_steps_plays_the_schedule_against_a_fake_clock(tmp_path: Path) -> None:
    p = plan(scenario(tmp_path, FAULTS))
    clock, played = FakeClock(), list[Step]()
    while (at := next_step_at(p, len(played))) is not None:
        clock.sleep(at - clock.monotonic())
        played.extend(due_steps(p, clock.monotonic(), len(played)))
    assert tuple(played) == p.steps
    assert clock.monotonic() == 25.0
    assert due_steps(p, 1.9) == ()
    assert [st.fault for st in due_steps(p, 12.0)] == ["cut-a", "cut-a", "slow"]
    assert [st.fault for st in due_steps(p, 12.0, done=1)] == ["cut-a", "slow"]


# ---------------------------------------------------------------- stamping the faults


class _Prepared:
    """A fault that prepares for ``prep`` seconds, breaks, then works on for ``rest`` seconds."""

    def __init__(self, spec: FaultSpec, clock: FakeClock, prep: float, rest: float, breaks: bool = True) -> None:
        self.spec, self.clock, self.prep, self.rest, self.breaks = spec, clock, prep, rest, breaks

    def inject(self, ctx: FaultContext) -> None:
        self.clock.advance(self.prep)  # listing proxies, holding restart policies...
        if self.breaks:
            ctx.destructive()
            self.clock.advance(0.01)
            ctx.destructive()  # a second call changes nothing
        self.clock.advance(self.rest)

    def heal(self, ctx: FaultContext) -> None:
        self.clock.advance(5.0)  # waiting for the site to be healthy again


def _drill(tmp_path: Path, body: str, breaks: bool = True) -> tuple[Drill, FaultContext]:
    clock = FakeClock(start=100.0)
    wiring = Wiring(clock=clock, make_fault=lambda spec: _Prepared(spec, clock, 0.4, 0.2, breaks))
    d = Drill(scenario(tmp_path, body), tmp_path / "bundle", RecordingProgress(), wiring)
    wan = type("Wan", (), {"reset": lambda self: None, "add_toxic": lambda self, *a: None})()
    ctx = FaultContext(cast(Any, None), "p", cast(Any, wan), cast(Any, None))
    return d, ctx


def test_an_inject_records_start_destructive_instant_and_end(tmp_path: Path) -> None:
    d, ctx = _drill(tmp_path, "faults:\n  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 30s}\n")
    d.inject(ctx, "cut-a")
    d.heal(ctx, "cut-a")
    inj, hl = d.timeline.snapshot().faults()
    assert (inj.t, inj.destructive_t) == (0.0, 0.4) and inj.end == pytest.approx(0.61)
    assert inj.measured_from == 0.4  # RTO counts from the first destructive call, not the preparation
    assert inj.cut_site == "a"
    assert hl.t == pytest.approx(0.61) and hl.destructive_t is None and hl.end == pytest.approx(5.61)
    ctx.destructive()  # the runner's callback does not outlive the inject: nothing is stamped
    assert d.timeline.snapshot().faults() == [inj, hl]


def test_a_fault_that_never_breaks_anything_is_measured_from_its_start(tmp_path: Path) -> None:
    d, ctx = _drill(tmp_path, "faults:\n  - {id: p, type: partition, between: [a, b], at: 2s, duration: 30s}\n", False)
    d.inject(ctx, "p")
    (inj,) = d.timeline.snapshot().faults()
    assert (inj.destructive_t, inj.measured_from, inj.cut_site) == (None, 0.0, "")


def test_the_heal_phase_starts_with_the_heal_that_leaves_no_fault_and_no_inject_after_it(tmp_path: Path) -> None:
    d, ctx = _drill(tmp_path, FAULTS)
    d.phase("fault")
    d.play(ctx)
    phases = [(p.phase, p.t) for p in d.timeline.snapshot().phases()]
    heals = {e.fault: e.t for e in d.timeline.snapshot().faults() if e.action == "heal"}
    # cut-a's heal at +12s leaves no fault active, but slow and part are injected later; part's
    # heal at +25s leaves slow active: recovery starts with heal-all, which heals slow
    assert [name for name, _ in phases] == ["fault", "heal"]
    assert heals["part"] < phases[1][1] == heals["slow"]
