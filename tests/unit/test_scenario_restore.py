"""A scenario's ``restore:`` section: parsed into the typed model, judged by evaluate_scenario, and every
mistake reported as one line naming the field (against tests/unit/data/repo's two-site topology)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.actions.http import HttpAction
from drills.checks import evaluate_scenario
from drills.checks.failback import FailbackTargets
from drills.checks.rejoin import RejoinTargets
from drills.errors import ScenarioError
from drills.model.scenario import FAILBACK_ID, RestoreSpec, Scenario, Trigger
from drills.model.timeline import ActionEvent, FaultEvent, Phase, ProbeStart, Record, RejoinState, Sample, Timeline
from tests.unit.engine_fakes import load

HEAD = """\
name: way-back
probes: {period: 1s, timeout: 1s, journeys: [chat, login, devtools]}
faults:
  - {id: cut-a, type: power_cut, site: a, at: 2s, duration: 30s}
settle: 5s
"""  # 5 lines: restore: starts on line 6
RESTORE = """\
restore:
  rejoin: {timeout: 90s}
  failback:
    type: http
    capability: devtools
    via: edge
    method: POST
    path: /ops/failover
    json: {to: a}
    timeout: 45s
    target: 20s
    settle: 15s
  steady_after: 10s
checks:
  rejoin: {target: 60s}
  failback: {max_outage: 10s}
"""


def scenario(tmp_path: Path, body: str = RESTORE) -> Scenario:
    return load(tmp_path, HEAD + body)


def error(tmp_path: Path, body: str, head: str = HEAD) -> ScenarioError:
    with pytest.raises(ScenarioError) as caught:
        load(tmp_path, head + body)
    return caught.value


def test_restore_is_built_into_the_model(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    assert s.restore is not None and s.cut_sites == ("a",)
    fb = s.restore.failback
    assert fb is not None
    assert (s.restore.rejoin_timeout, s.restore.failback_settle, s.restore.steady_after) == (90.0, 15.0, 10.0)
    assert (fb.id, fb.type, fb.target) == (FAILBACK_ID, "http", 20.0)
    assert fb.trigger == Trigger(at=0.0, phase="failback")
    assert fb.trigger.describe() == "at the start of the failback phase"
    assert fb.params == HttpAction(capability="devtools", method="POST", path="/ops/failover", body='{"to": "a"}',
                                   timeout=45.0)  # fmt: skip
    assert fb.what == "POST /ops/failover through devtools (edge)"
    assert s.actions == () and s.all_actions == (fb,)  # judged by activation[failback], played after the fault phase
    assert s.checks.defaults.get(RejoinTargets) == RejoinTargets(target=60.0)
    assert s.checks.defaults.get(FailbackTargets) == FailbackTargets(max_outage=10.0)


def test_restore_defaults_and_no_restore(tmp_path: Path) -> None:
    s = scenario(tmp_path, "restore: {}\n")
    assert s.restore == RestoreSpec() and s.restore.failback is None and s.all_actions == ()
    plain = scenario(tmp_path, "")
    assert plain.restore is None and plain.cut_sites == ("a",)


def way_back(s: Scenario, rejoined: bool = True) -> Timeline:
    """A run of ``s``: site a cut 2-32 s, ready at 40, failback 50-65, steady-after 65-75."""
    fb = s.restore.failback if s.restore else None
    assert fb is not None
    records: list[Record] = [
        Phase(0, "steady"), Phase(2, "fault"),
        FaultEvent(2.0, "inject", "cut-a", "power_cut", "site a", end=3.0, destructive_t=2.1, cut_site="a"),
        Phase(32, "heal"), FaultEvent(32.0, "heal", "cut-a", "power_cut", "site a", end=34.0),
        Phase(34, "rejoin"), RejoinState(34.0, "a", False, "pg-a: not streaming yet"),
        RejoinState(40.0, "a", True, "pg-a: in sync; 5 of 5 services healthy", final=True), Phase(40, "settle"),
    ]  # fmt: skip
    if rejoined:
        records += [Phase(50, "failback"),
                    ActionEvent(50.0, fb.id, fb.type, fb.trigger.describe(), fb.what, triggered_t=50.0, end=53.0,
                                ok=True, target=fb.target, status=200)]  # fmt: skip
    else:
        records += [ActionEvent(50.0, fb.id, fb.type, fb.trigger.describe(), fb.what, target=fb.target,
                                error="not performed: the restored site did not rejoin")]  # fmt: skip
    records += [Phase(65, "steady-after"), Phase(75, "verify")]
    for cap in ("chat", "login", "devtools"):
        records.append(ProbeStart(0.0, cap, cap, 1.0, 1.0, 3))
        records += [Sample(float(i), cap, cap, not 51 <= i < 54, 0.05, site="b") for i in range(75)]
    return Timeline(tuple(records))


def test_evaluate_scenario_judges_the_restored_site_the_failback_and_its_action(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    verdicts = {v.name: v for v in evaluate_scenario(way_back(s), s)}
    assert verdicts["rejoin[a]"].status == "pass" and verdicts["rejoin[a]"].measured == 8.0  # heal 32 -> ready 40
    assert "rejoin[b]" not in verdicts  # site b was never cut
    for cap in ("chat", "login", "devtools"):
        assert (verdicts[f"failback[{cap}]"].status, verdicts[f"failback[{cap}]"].measured) == ("pass", 3.0)
    activation = verdicts["activation[failback]"]
    assert (activation.status, activation.measured, activation.target) == ("pass", 3.0, 20.0)
    assert activation.details["reference"] == "trigger"  # no fault active any more: from its trigger
    # the failover's outage window ended at the failback: the 3 s of it are not the failover's
    assert verdicts["max_outage[chat]"].measured == 0.0


def test_evaluate_scenario_when_the_site_never_rejoined(tmp_path: Path) -> None:
    s = scenario(tmp_path)
    verdicts = {v.name: v for v in evaluate_scenario(way_back(s, rejoined=False), s)}
    assert verdicts["activation[failback]"].status == "fail"
    assert verdicts["failback[chat]"].status == "unknown"
    assert "not performed: the restored site did not rejoin" in verdicts["failback[chat]"].message


def test_the_way_back_is_judged_only_when_declared_or_recorded(tmp_path: Path) -> None:
    s, plain = scenario(tmp_path), scenario(tmp_path, "")
    way_back_records = (RejoinState, ActionEvent)
    no_way_back = Timeline(tuple(r for r in way_back(s).records if not isinstance(r, way_back_records)
                                 and not (isinstance(r, Phase) and r.phase in ("rejoin", "failback", "steady-after"))))
    assert not {v.check for v in evaluate_scenario(no_way_back, plain)} & {"rejoin", "failback", "activation"}
    # declared but never played (the run stopped at the heal): unknown, never silently absent
    verdicts = {v.name: v for v in evaluate_scenario(no_way_back, s)}
    assert verdicts["rejoin[a]"].status == "unknown" and verdicts["activation[failback]"].status == "unknown"
    assert not [n for n in verdicts if n.startswith("failback[")]  # no failback phase, no record: nothing to judge


@pytest.mark.parametrize(("body", "field", "line", "rule"), [
    ("restore: {rejoin: {timeout: 0s}}\n", "restore.rejoin.timeout", 6, "must be > 0s"),
    ("restore: {rejoin: {timeout: soon}}\n", "restore.rejoin.timeout", 6, "not a duration: 'soon'"),
    ("restore: {steady_after: -1s}\n", "restore.steady_after", 6, "must be >= 0s"),
    ("restore: {rejoin: {timeout: 10s}, failover: {}}\n", "restore.failover", 6,
     "unknown field 'failover' (allowed: failback, rejoin, steady_after)"),
    ("restore: {failback: {type: teleport}}\n", "restore.failback.type", 6,
     "'teleport' is not allowed (allowed: exec, http)"),
    ("restore: {failback: {type: http, path: /ops/failover}}\n", "restore.failback", 6,
     "missing required field 'capability'"),
    ("restore: {failback: {type: exec, site: b, command: [promote]}}\n", "restore.failback", 6,
     "missing required field 'service'"),
    ("restore: {failback: {type: http, capability: payments, path: /ops/failover}}\n", "restore.failback.capability",
     6, "unknown capability 'payments'"),
    ("restore: {failback: {type: http, capability: devtools, path: /a, via: c}}\n", "restore.failback.via", 6,
     "unknown site 'c'"),
    ("restore: {failback: {type: http, capability: devtools, path: /a, at: 1s}}\n", "restore.failback.at", 6,
     "unknown field 'at'"),  # the failback has no trigger of its own: it runs when its phase starts
    ("restore: {failback: {type: http, capability: devtools, path: /a, id: back}}\n", "restore.failback.id", 6,
     "unknown field 'id'"),  # its id is always failback
    ("restore: {failback: {type: http, capability: devtools, path: /a, settle: later}}\n",
     "restore.failback.settle", 6, "not a duration: 'later'"),
    ("restore: {}\nexpect: {status: failed, failing: [{check: rejoin, capability: b}]}\n",
     "expect.failing[0].capability", 7, "unknown restored site 'b' for rejoin (here rejoin judges: a)"),
    ("expect: {status: failed, failing: [{check: rejoin, capability: a}]}\n", "expect.failing[0].capability", 6,
     "unknown restored site 'a' for rejoin (here rejoin judges: nothing)"),
    ("restore: {}\nexpect: {status: failed, failing: [{check: activation, capability: failback}]}\n",
     "expect.failing[0].capability", 7, "unknown action 'failback' for activation (here activation judges: nothing)"),
])  # fmt: skip
def test_a_broken_restore_names_its_field(tmp_path: Path, body: str, field: str, line: int, rule: str) -> None:
    err = error(tmp_path, body)
    assert (err.field, err.line) == (field, line), str(err)
    assert rule in err.rule, str(err)


def test_restore_without_a_site_cut_is_rejected_on_restore(tmp_path: Path) -> None:
    kill = "name: k\nfaults:\n  - {id: k, type: kill, site: a, service: chat, at: 1s, duration: 1s}\n"
    err = error(tmp_path, "restore: {rejoin: {timeout: 30s}}\n", head=kill)
    assert (err.field, err.line) == ("restore", 4)
    assert err.rule == "no fault cuts a site (power_cut): there is nothing to rejoin or fail back to"


ACTION = "  - {id: %s, type: http, at: 1s, capability: devtools, path: /ops/x}\n"


@pytest.mark.parametrize("restore", [RESTORE, "restore: {}\n", ""])
def test_failback_is_the_failbacks_id_with_or_without_a_failback(tmp_path: Path, restore: str) -> None:
    # a fault-phase action named failback would be judged as the failback (checks.failback reads its record)
    err = error(tmp_path, restore + "actions:\n" + ACTION % "promote" + ACTION % FAILBACK_ID)
    assert err.field == "actions[1].id", str(err)
    assert f"'{FAILBACK_ID}' is the id of restore.failback's action" in err.rule


def test_expect_may_name_the_restored_site_and_the_failback(tmp_path: Path) -> None:
    expect = ("expect:\n  status: failed\n  failing:\n    - {check: rejoin, capability: a}\n"
              "    - {check: activation, capability: failback}\n"
              "    - {check: failback, capability: chat}\n")  # fmt: skip
    s = scenario(tmp_path, RESTORE + expect)
    assert s.expect is not None and s.expect.names() == "rejoin[a], activation[failback], failback[chat]"
