"""Warm mode end to end (drills.engine.warm): `drill up SCENARIO`, then `drill run --reuse` twice
on that stack, a reuse refused, `drill down`.

    run 1   on the fresh stack: passes; the cut leaves pg-b the leader (a drill on the stack as it
            is now would cut a site holding no primary: the lie the reset exists to prevent)
    run 2   a container stopped by hand with its restart policy changed first: the reset starts
            it, restores its policy, switches the primary back to pg-a; the drill passes again
    run 3   a container removed by hand: no reset can bring it back - exit 3 before any probe,
            naming the service, and the stack is left up (drill down removes it)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import docker
import pytest
from jsonschema import Draft202012Validator

from drills.engine import runs
from drills.report.schemas import environment_schema
from test_drill_run import drill, labelled, only_bundle

pytestmark = pytest.mark.integration
SCENARIO = "scenarios/site-a-power-cut.yaml"


def container(run_id: str, service: str) -> Any:
    client = docker.from_env(timeout=30)
    [c] = client.containers.list(all=True, filters={"label": [f"org.drills.run={run_id}",
                                                             f"com.docker.compose.service={service}"]})  # fmt: skip
    return c


def state_of(run_id: str, service: str) -> str:
    code, out = container(run_id, service).exec_run(["replica-db", "state"])
    assert code == 0, out
    return str(out.decode().strip().splitlines()[-1])


def test_a_reused_stack_is_reset_and_proven_before_each_drill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = {"DRILLS_STATE_DIR": str(tmp_path / "state")}
    monkeypatch.setenv("DRILLS_STATE_DIR", env["DRILLS_STATE_DIR"])
    up = drill("up", SCENARIO, env=env)
    assert up.returncode == 0, up.stdout[-2000:] + up.stderr[-2000:]
    [up_id] = runs.records()
    try:
        assert "pg-a      pg-a: leader, paused: no" in up.stdout
        assert f"drill run --reuse {up_id} {SCENARIO}" in up.stdout

        first = drill("run", "--reuse", up_id, SCENARIO, "--no-live", "--reports", str(tmp_path / "r1"), env=env)
        assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-2000:]
        environment = json.loads((only_bundle(tmp_path / "r1") / "environment.json").read_text())
        assert list(Draft202012Validator(environment_schema()).iter_errors(environment)) == []
        reused = environment["reused_stack"]
        assert reused["from_up"] == up_id
        assert reused["done"][0] == "WAN reset: every link enabled, every toxic removed"
        assert len(reused["done"]) == 2 and reused["done"][1].startswith("proven back in ")  # nothing else to mend
        assert state_of(up_id, "pg-b") == "pg-b: leader, paused: no"  # left as the cut left it
        assert labelled(up_id)  # the stack is still up

        chat_b = container(up_id, "chat-b")
        chat_b.update(restart_policy={"Name": "on-failure", "MaximumRetryCount": 3})
        chat_b.stop(timeout=2)
        second = drill("run", "--reuse", SCENARIO, "--no-live", "--reports", str(tmp_path / "r2"), env=env)
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-2000:]
        done = json.loads((only_bundle(tmp_path / "r2") / "environment.json").read_text())["reused_stack"]["done"]
        assert "chat-b: started (was exited)" in done, done
        assert any(d.startswith("chat-b: restart policy") for d in done), done
        assert any(d.startswith("pg-a: org.drills.reset -> ") and "leader again" in d for d in done), done

        container(up_id, "chat-b").remove(force=True)
        third = drill("run", "--reuse", up_id, SCENARIO, "--no-live", "--reports", str(tmp_path / "r3"), env=env)
        assert third.returncode == 3, third.stdout[-3000:] + third.stderr[-2000:]
        assert f"reused stack {up_id} is not back to its `drill up` state" in third.stdout + third.stderr
        assert "service(s) gone: chat-b" in third.stdout + third.stderr
        result = json.loads((only_bundle(tmp_path / "r3") / "result.json").read_text())
        assert result["status"] == "error"
        assert [p["phase"] for p in result["phases"]] == ["bringup", "teardown"]  # no probe, no fault
        assert labelled(up_id)  # a refusal touches nothing: still up
    finally:
        down = drill("down", up_id, env=env)
    assert down.returncode == 0, down.stderr
    assert labelled(up_id) == []
    assert runs.records() == {}
    assert list((tmp_path / "state" / "runs").iterdir()) == []
