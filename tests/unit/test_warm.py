"""Warm mode's pure parts (drills.engine.warm): the fingerprint's differences, which `drill up`
stack ``--reuse`` may use, the one-run-at-a-time lock, and `drill run --reuse` refusing before
anything starts. The reset against a real stack: tests/integration/test_warm_stack.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from drills.adapters import docker_client
from drills.cli import main
from drills.engine import runs
from drills.engine.compose_stack import compose_files
from drills.engine.warm import Fingerprint, _Lock, choose_up, differences, file_digests
from drills.errors import TopologyError, UsageError
from drills.model.scenario import Scenario
from drills.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "site-a-power-cut.yaml"
KAKAO = ROOT / "scenarios" / "kakao-2022.yaml"

UP = Fingerprint(
    files={"/x/docker-compose.yml": "aa"},
    images={"pg-a": "sha256:1", "pg-b": "sha256:1", "chat-a": "sha256:2"},
    restart={"pg-a": {"Name": "unless-stopped"}, "pg-b": {"Name": "unless-stopped"}, "chat-a": {"Name": ""}},
    states={"pg-a": "pg-a: leader, paused: no", "pg-b": "pg-b: sync_standby, paused: no"},
    links=("a_b_pg", "edge_a_chat"),
)


def test_the_same_stack_has_no_difference() -> None:
    assert differences(UP, replace(UP)) == []
    assert Fingerprint.from_dict(UP.to_dict()) == UP


def test_a_primary_in_the_other_site_is_a_difference_a_reset_may_mend() -> None:
    after_cut = replace(UP, states={"pg-a": "pg-a: sync_standby, paused: no", "pg-b": "pg-b: leader, paused: no"})
    assert differences(UP, after_cut) == [
        "pg-a: 'pg-a: sync_standby, paused: no', was 'pg-a: leader, paused: no'",
        "pg-b: 'pg-b: leader, paused: no', was 'pg-b: sync_standby, paused: no'",
    ]
    assert differences(UP, after_cut, fixed_only=True) == []  # not a reason to refuse at once


def test_a_cluster_left_unpaused_differs() -> None:
    paused = replace(UP, states={**UP.states, "pg-b": "pg-b: sync_standby, paused: yes"})
    assert differences(paused, UP) == ["pg-b: 'pg-b: sync_standby, paused: no', was 'pg-b: sync_standby, paused: yes'"]


def test_a_restart_policy_held_off_by_a_killed_power_cut_differs() -> None:
    held = replace(UP, restart={**UP.restart, "pg-a": {"Name": "no"}})
    assert differences(UP, held) == ["pg-a: restart policy no, was unless-stopped"]


def test_what_no_reset_can_mend_is_found_with_fixed_only() -> None:
    other = replace(UP, files={"/x/docker-compose.yml": "bb", "/x/extra.yml": "cc"},
                    images={"pg-a": "sha256:9", "pg-b": "sha256:1", "edge-lb": "sha256:3"})  # fmt: skip
    assert differences(UP, other, fixed_only=True) == [
        "docker-compose.yml changed since drill up",
        "extra.yml is new since drill up",
        "service(s) gone: chat-a",
        "service(s) not in the recorded stack: edge-lb",
        "pg-a: runs another image than at drill up",
    ]


def test_a_missing_state_and_a_lost_link_differ() -> None:
    now = replace(UP, states={"pg-a": UP.states["pg-a"]}, links=("a_b_pg",))
    assert differences(UP, now) == ["pg-b: 'no state read', was 'pg-b: sync_standby, paused: no'",
                                    "WAN link(s) gone: edge_a_chat"]  # fmt: skip


def _scenario(path: Path) -> Scenario:
    return load_scenario(path)


def _up(run_id: str, scenario: Scenario, digests: dict[str, str] | None = None) -> runs.RunRecord:
    files = [str(Path(f).resolve()) for f in compose_files(scenario)]
    stack = Fingerprint(files=digests if digests is not None else file_digests(files)).to_dict()
    return runs.register(run_id, f"drills-{run_id}", "up", files, stack=stack)


def test_reuse_picks_the_only_up_stack_made_from_the_scenarios_files() -> None:
    sc = _scenario(DEFAULT)
    rec = _up("up-site-a", sc)
    runs.register("a-run", "drills-a-run", "run", [])
    assert choose_up(runs.records(), "", [sc]) == rec
    assert choose_up(runs.records(), "up-site-a", [sc]).stack == rec.stack


def test_reuse_refuses_without_a_stack_or_with_an_unknown_or_ambiguous_one() -> None:
    sc = _scenario(DEFAULT)
    with pytest.raises(UsageError, match=r"no `drill up` stack is running \(start one with: drill up SCENARIO\)"):
        choose_up(runs.records(), "", [sc])
    _up("up-one", sc)
    _up("up-two", sc)
    with pytest.raises(UsageError, match="2 `drill up` stacks are running, name one: up-one, up-two"):
        choose_up(runs.records(), "", [sc])
    with pytest.raises(UsageError, match=r"--reuse up-three: no such `drill up` stack \(running: up-one, up-two\)"):
        choose_up(runs.records(), "up-three", [sc])


def test_reuse_refuses_a_stack_of_other_compose_files() -> None:
    _up("up-default", _scenario(DEFAULT))
    with pytest.raises(UsageError, match=r"kakao-2022.yaml: topology: --reuse up-default was brought up from "
                                         r"docker-compose.yml, the scenario runs docker-compose.yml \+ kakao-2022.yml"):
        choose_up(runs.records(), "up-default", [_scenario(DEFAULT), _scenario(KAKAO)])


def test_reuse_refuses_when_a_compose_file_changed_since_drill_up() -> None:
    sc = _scenario(DEFAULT)
    _up("up-old", sc, digests={str(Path(f).resolve()): "0" * 64 for f in compose_files(sc)})
    with pytest.raises(UsageError, match=r"topology: docker-compose.yml changed since drill up: the running stack "
                                         r"up-old may differ \(drill down up-old && drill up "):
        choose_up(runs.records(), "up-old", [sc])


def test_reuse_refuses_a_stack_whose_state_was_never_recorded() -> None:
    sc = _scenario(DEFAULT)
    runs.register("up-bare", "drills-up-bare", "up", [str(Path(f).resolve()) for f in compose_files(sc)])
    with pytest.raises(UsageError, match="its state was not recorded"):
        choose_up(runs.records(), "up-bare", [sc])


def test_one_reused_run_at_a_time_per_stack() -> None:
    first = _Lock("up-x")
    with pytest.raises(TopologyError, match="the `drill up` stack up-x is in use by another drill run"):
        _Lock("up-x")
    _Lock("up-y").release()  # another stack: its own lock
    first.release()
    _Lock("up-x").release()  # free again


def test_down_forgets_the_stack_and_its_lock() -> None:
    sc = _scenario(DEFAULT)
    _up("up-z", sc)
    _Lock("up-z").release()
    lock = runs.state_dir() / "runs" / "up-z.lock"
    assert lock.exists()
    runs.unregister("up-z")
    assert not lock.exists()
    assert runs.records() == {}


def test_run_reuse_with_no_stack_is_exit_2_and_touches_no_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def no_engine(timeout: float = 10) -> object:
        raise AssertionError("the engine was reached")

    monkeypatch.setattr(docker_client, "engine_client", no_engine)
    assert main(["run", "--reuse", "--reports", str(tmp_path / "r"), str(DEFAULT)]) == 2
    assert "--reuse: no `drill up` stack is running" in capsys.readouterr().err
    assert not list((tmp_path / "r").glob("*"))  # no bundle begun


def test_run_reuse_followed_by_a_scenario_file_reads_it_as_the_scenario(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _up("up-one", _scenario(KAKAO))
    assert main(["run", "--reports", str(tmp_path / "r"), "--reuse", str(DEFAULT)]) == 2
    assert "--reuse up-one was brought up from docker-compose.yml + kakao-2022.yml" in capsys.readouterr().err
