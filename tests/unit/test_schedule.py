from __future__ import annotations

from pathlib import Path

from drills.engine.clock import FakeClock
from drills.engine.plan import HEAL_ALL, Step, due_steps, next_step_at, plan
from drills.scenario import load_scenario

REPO = Path(__file__).parent / "data" / "repo"


def scenario(tmp_path: Path, body: str):  # type: ignore[no-untyped-def]
    p = tmp_path / "s.yaml"
    p.write_text("name: plan-test\nsettle: 10s\n" + body)
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
