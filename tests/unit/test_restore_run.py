"""The way back (``restore:``) on the lifecycle's fakes: rejoin, settle, failback, steady-after.

The fake engine's site state reads ready ``world.ready_after[site]`` seconds after its first reading
(None: never); a fake failback takes the capabilities in its script's ``downs`` down for a while.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.engine.restore import REJOIN_POLL_S
from drills.engine.runner import TICK_S
from drills.model.result import DrillResult
from tests.unit.engine_fakes import SHORT_CUT, ActionScript, World, load, run_scenario, saved

BASE = "\nname: restore-run\n" + SHORT_CUT
FAILBACK = """\
  failback: {type: http, capability: devtools, method: POST, path: /ops/failover, json: {to: a}, target: 5s,
             settle: 4s}
"""


def restore(rejoin_timeout: str = "20s", failback: bool = True, steady_after: str = "4s") -> str:
    return (f"restore:\n  rejoin: {{timeout: {rejoin_timeout}}}\n" + (FAILBACK if failback else "")
            + f"  steady_after: {steady_after}\n")  # fmt: skip


def phases(tmp_path: Path) -> dict[str, float]:
    return {p.phase: p.t for p in saved(tmp_path).phases()}


def verdicts(result: DrillResult, check: str) -> dict[str, tuple[str, str]]:
    return {v.capability: (v.status, v.message) for v in result.verdicts if v.check == check}


def test_the_way_back_plays_its_phases_in_order_and_passes(tmp_path: Path) -> None:
    world = World()
    world.ready_after["a"] = 3.0
    world.action_scripts["failback"] = ActionScript(downs={"chat": 1.5})
    result = run_scenario(tmp_path, BASE + restore(), world)

    p = phases(tmp_path)
    order = [ph.phase for ph in saved(tmp_path).phases()]
    assert order == ["bringup", "steady", "fault", "heal", "rejoin", "settle", "failback", "steady-after", "verify",
                     "teardown", "done"]  # fmt: skip
    assert p["settle"] - p["rejoin"] == pytest.approx(3.0, abs=REJOIN_POLL_S)  # waited for the site, no longer
    assert p["steady-after"] - p["failback"] >= 4.0  # the failback's own settle
    assert p["verify"] - p["steady-after"] == pytest.approx(4.0, abs=TICK_S)
    rejoins = saved(tmp_path).rejoins("a")
    assert [(r.ready, r.final) for r in rejoins] == [(False, False), (True, True)]  # one record per change
    assert rejoins[-1].t >= p["rejoin"] + 3.0
    [fb] = [a for a in saved(tmp_path).actions() if a.id == "failback"]
    assert fb.ok and fb.triggered_t == pytest.approx(p["failback"], abs=TICK_S)
    assert fb.trigger == "at the start of the failback phase"
    assert result.status == "passed", [v.message for v in result.verdicts if v.status != "pass"]
    status, message = verdicts(result, "rejoin")["a"]
    assert status == "pass" and "site a rejoined" in message
    assert verdicts(result, "activation")["failback"][0] == "pass"
    status, message = verdicts(result, "failback")["chat"]
    assert status == "pass" and "chat failback outage" in message
    assert verdicts(result, "failback")["login"][1].startswith("login failback outage 0s")
    # the heal left the site's health to the rejoin phase (the fault context said so)
    assert all(not ctx.heal_waits_healthy for _, _, ctx in world.site_reads)


def test_a_failback_outage_over_its_target_fails_it_and_not_the_failover(tmp_path: Path) -> None:
    world = World()
    world.action_scripts["failback"] = ActionScript(downs={"chat": 2.5})  # 3 s between good samples 1 s apart
    checks = "checks: {failover: {enabled: false}, failback: {max_outage: 2s}}"
    result = run_scenario(tmp_path, BASE.replace("checks: {failover: {enabled: false}}", checks) + restore(), world)
    status, message = verdicts(result, "failback")["chat"]
    assert status == "fail" and "failback outage 3s > target 2s" in message
    assert verdicts(result, "max_outage")["chat"][0] == "pass"  # the failover window ends where the failback starts
    assert result.status == "failed"


def test_a_site_that_never_rejoins_fails_the_rejoin_and_is_not_failed_back_to(tmp_path: Path) -> None:
    world = World()
    world.ready_after["a"] = None
    result = run_scenario(tmp_path, BASE + restore(rejoin_timeout="5s"), world)

    p = phases(tmp_path)
    assert "failback" not in p and "steady-after" in p
    assert p["settle"] - p["rejoin"] == pytest.approx(5.0, abs=REJOIN_POLL_S)
    last = saved(tmp_path).rejoins("a")[-1]
    assert (last.ready, last.final) == (False, True)
    status, message = verdicts(result, "rejoin")["a"]
    assert status == "fail" and "did not rejoin" in message and "neither the primary nor" in message
    [fb] = [a for a in saved(tmp_path).actions() if a.id == "failback"]
    assert (fb.triggered_t, fb.ok, fb.error) == (None, False, "not performed: the restored site did not rejoin")
    assert verdicts(result, "activation")["failback"][0] == "fail"
    assert result.status == "failed"


def test_without_restore_nothing_of_the_way_back_happens(tmp_path: Path) -> None:
    world = World()
    result = run_scenario(tmp_path, BASE, world)
    assert not {"rejoin", "failback", "steady-after"} & set(phases(tmp_path))
    assert world.site_reads == [] and saved(tmp_path).rejoins() == []
    assert not verdicts(result, "rejoin") and not verdicts(result, "failback")


@pytest.mark.parametrize(("body", "field", "rule"), [
    (BASE.replace("type: power_cut, site: a", "type: kill, site: a, service: chat") + restore(), "restore",
     "no fault cuts a site"),
    (BASE + "actions:\n  - {id: failback, type: http, at: 1s, capability: devtools, path: /x}\n" + restore(),
     "actions[0].id", "'failback' is the id of restore.failback's action"),
    (BASE + restore(rejoin_timeout="0s"), "restore.rejoin.timeout", "must be > 0s"),
])  # fmt: skip
def test_a_broken_restore_names_its_field(tmp_path: Path, body: str, field: str, rule: str) -> None:
    from drills.errors import ScenarioError

    with pytest.raises(ScenarioError) as err:
        load(tmp_path, body)
    assert err.value.field == field and rule in err.value.rule
