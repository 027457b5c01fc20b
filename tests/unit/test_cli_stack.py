"""``drill sweep`` and ``drill down`` against a fake engine and real run records (DRILLS_STATE_DIR),
and the verdict table ``drill run`` prints."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from rich.console import Console

from drills.adapters import compose_config, docker_client
from drills.cli import main
from drills.cli.run import _cell, verdict_table
from drills.engine import runs, warm
from drills.engine.warm import Fingerprint
from drills.model.result import DrillResult, Verdict, VerdictStatus
from drills.setup import replica_images
from tests.unit.fakes_docker import FakeCli, FakeDocker, FakeVolume, as_client, labels_of

RUN = "org.drills.run"
UP_STATE = Fingerprint(states={"pg-a": "pg-a: leader, paused: no"}, links=("a_b_pg",))
REPO = Path(__file__).parent / "data" / "repo"


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeDocker:
    monkeypatch.setenv("DRILLS_STATE_DIR", str(tmp_path / "state"))
    fake = FakeDocker()
    for run_id in ("dead-run", "live-run", "up-replica"):
        fake.add(f"{run_id}-chat-a", {RUN: run_id})
        fake.network(f"{run_id}_site_a", labels={RUN: run_id})
        fake.volumes_.append(FakeVolume(f"{run_id}_pg", fake.log, labels={RUN: run_id}))
    monkeypatch.setattr(docker_client, "engine_client", lambda timeout=10: as_client(fake))
    return fake


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def record(run_id: str, kind: str, pid: int | None = None) -> None:
    runs.register(run_id, f"drills-{run_id}", kind, ["docker-compose.yml"])
    if pid is not None:  # rewrite the pid, as if another process had registered it
        path = runs.state_dir() / "runs" / f"{run_id}.json"
        path.write_text(path.read_text().replace(f'"pid": {runs.records()[run_id].pid}', f'"pid": {pid}'))


def test_sweep_removes_only_runs_whose_process_is_gone(engine: FakeDocker, capsys: pytest.CaptureFixture[str]) -> None:
    pid = dead_pid()
    record("dead-run", "run", pid)
    record("live-run", "run")  # this very process: alive
    record("up-replica", "up", pid)  # `drill up` stacks are never stale
    assert main(["sweep"]) == 0
    assert capsys.readouterr().out == (
        f"swept stale run dead-run (pid {pid} gone): 1 container(s), 1 network(s), 1 volume(s)\n"
    )
    assert engine.log.of("remove") == ["dead-run-chat-a"]
    assert sorted(runs.records()) == ["live-run", "up-replica"]
    assert engine.closed


def test_sweep_with_nothing_stale_says_so(engine: FakeDocker, capsys: pytest.CaptureFixture[str]) -> None:
    record("live-run", "run")
    assert main(["sweep"]) == 0
    assert capsys.readouterr().out.startswith("nothing stale to sweep (use --all")
    assert engine.log.of("remove") == []


def test_sweep_all_removes_every_drills_resource_and_record(
    engine: FakeDocker, capsys: pytest.CaptureFixture[str]
) -> None:
    record("live-run", "run")
    record("up-replica", "up")
    engine.add("not-ours", {})
    assert main(["sweep", "--all"]) == 0
    assert capsys.readouterr().out == "swept every drills resource: 3 container(s), 3 network(s), 3 volume(s)\n"
    assert "not-ours" not in engine.log.of("remove")
    assert runs.records() == {}


def test_down_removes_the_recorded_up_stacks(engine: FakeDocker, capsys: pytest.CaptureFixture[str]) -> None:
    record("up-replica", "up")
    record("live-run", "run")
    assert main(["down"]) == 0
    assert capsys.readouterr().out == "down: up-replica: removed 1 container(s), 1 network(s), 1 volume(s)\n"
    assert engine.log.of("remove") == ["up-replica-chat-a"]
    assert sorted(runs.records()) == ["live-run"]


def test_down_of_an_unknown_stack_names_the_known_ones(engine: FakeDocker, capsys: pytest.CaptureFixture[str]) -> None:
    record("up-replica", "up")
    record("live-run", "run")
    assert main(["down", "live-run"]) == 2
    assert capsys.readouterr().err == "drill: error: live-run: no such `drill up` stack (known: up-replica)\n"
    assert engine.log.of("remove") == [] and engine.closed


# -- the verdict table of `drill run` ---------------------------------------------------------------


def verdict(check: str, status: VerdictStatus, target: float | None, measured: float | None, unit: str, cmp: str = "",
            bound: float | None = None) -> Verdict:  # fmt: skip
    return Verdict(check, "chat", status, f"{check} {status}", target, measured, unit, bound, cmp)


@pytest.mark.parametrize(
    ("v", "target", "measured"),
    [
        (verdict("availability", "pass", 0.9, 0.9512, "ratio", ">="), ">= 90.0%", "95.1%"),
        (verdict("rto_first", "fail", 20.0, 23.456, "s", "<="), "<= 20.00s", "23.46s"),
        (verdict("rpo", "pass", 0, 0, "count", "<="), "<= 0", "0"),
        (verdict("split_brain", "unknown", None, None, ""), "-", "-"),
        (verdict("lag", "pass", 5, 3, "ms"), "5ms", "3ms"),
    ],
)
def test_cells_are_in_the_verdicts_unit(v: Verdict, target: str, measured: str) -> None:
    assert _cell(v, v.target, is_target=True) == target
    assert _cell(v, v.measured, is_target=False) == measured


def test_the_verdict_table_has_one_row_per_verdict() -> None:
    verdicts = (verdict("availability", "pass", 0.9, 0.95, "ratio", ">="),
                verdict("rto_first", "fail", 20.0, 23.5, "s", "<=", bound=0.1),
                verdict("split_brain", "unknown", None, None, ""))  # fmt: skip
    result = DrillResult("r1", "cut-a", "scenarios/cut-a.yaml", "0" * 64, "failed", "t0", "t1", verdicts)
    console = Console(record=True, width=120, color_system=None)
    console.print(verdict_table(result))
    text = console.export_text()
    assert "cut-a: FAILED" in text
    rows = [line for line in text.splitlines() if "│ chat" in line]
    assert len(rows) == 3
    assert "23.50s ±100ms" in rows[1] and "FAIL" in rows[1]  # one spelling of a bound, as in the reports
    assert "pass" in rows[0] and "unknown" in rows[2]


# -- drill up ---------------------------------------------------------------------------------------


@pytest.fixture
def up_world(engine: FakeDocker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[FakeDocker, FakeCli]:
    cli = FakeCli.install(tmp_path, monkeypatch)
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(runs, "new_run_id", lambda name: f"{name}-t1")  # the one random input
    project = "drills-up-replica-t1"
    lb = engine.add("edge-lb", {**labels_of("edge-lb", "edge", "entrypoint", project), RUN: "up-replica-t1",
                                "org.drills.endpoints": "chat:8081,login:8082"})  # fmt: skip
    lb.ports = {"8081/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49153"}],
                "8082/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49154"}]}  # fmt: skip
    toxi = engine.add("toxiproxy", {**labels_of("toxiproxy", "edge", "wan", project), RUN: "up-replica-t1",
                                    "org.drills.toxiproxy-api": "8474"})  # fmt: skip
    toxi.ports = {"8474/tcp": [{"HostIp": "127.0.0.1", "HostPort": "49160"}]}
    # no image to build, no Toxiproxy to list: the fingerprint is warm mode's (tests/unit/test_warm.py)
    monkeypatch.setattr(replica_images, "build_specs", lambda client, specs, progress: [])
    monkeypatch.setattr(compose_config, "read_model", lambda files, root: None)
    monkeypatch.setattr(replica_images, "specs_from_model", lambda model: [])
    monkeypatch.setattr(warm, "read_fingerprint", lambda client, project, wan, files, containers: UP_STATE)
    return engine, cli


def test_up_brings_the_replica_up_records_it_and_prints_its_addresses(
    up_world: tuple[FakeDocker, FakeCli], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, cli = up_world
    assert main(["up"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "bringing up drills-up-replica-t1 ...",
        "up: drills-up-replica-t1  (remove with: drill down up-replica-t1)",
        "  chat      http://127.0.0.1:49153",
        "  login     http://127.0.0.1:49154",
        "  toxiproxy http://127.0.0.1:49160",
        "  pg-a      pg-a: leader, paused: no",
    ]
    (rec,) = runs.records().values()
    assert rec.stack == UP_STATE.to_dict()  # what a --reuse must find again
    assert (rec.run_id, rec.project, rec.kind, rec.files) == (
        "up-replica-t1", "drills-up-replica-t1", "up", (str(REPO / "docker-compose.yml"),))  # fmt: skip
    up = cli.calls()[-1]
    assert up["argv"][:3] == ["compose", "-p", "drills-up-replica-t1"] and up["run"] == "up-replica-t1"
    assert engine.closed


def test_up_of_a_variant_adds_its_file(up_world: tuple[FakeDocker, FakeCli], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs, "new_run_id", lambda name: "up-replica-t1")  # the project the fake engine holds
    _, cli = up_world
    assert main(["up", "--variant", "kakao-2022"]) == 0
    assert str(REPO / "fixtures" / "variants" / "kakao-2022.yml") in cli.calls()[-1]["argv"]


def test_a_failed_up_is_torn_down_and_forgotten(
    up_world: tuple[FakeDocker, FakeCli], capsys: pytest.CaptureFixture[str]
) -> None:
    engine, cli = up_world
    cli.answer("up", rc=1, stderr="pull access denied for drills/messenger-app\n")
    assert main(["up"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("drill: error: `docker compose up -d --remove-orphans --wait --wait-timeout 300` failed "
                          "(exit 1): pull access denied for drills/messenger-app")  # fmt: skip
    assert [c["argv"][5] for c in cli.calls()[1:]] == ["up", "down"]
    assert runs.records() == {}
    assert sorted(engine.log.of("remove")) == ["edge-lb", "toxiproxy"]  # swept by the run label
    assert engine.closed


def test_the_verdict_table_shows_an_rto_interval_when_the_check_recorded_one() -> None:
    rto = replace(verdict("rto_first", "pass", 15.0, 9.35, "s", "<="), details={"interval": [9.23, 9.47]})
    result = DrillResult("r1", "cut-a", "s.yaml", "0" * 64, "passed", "t0", "t1", (rto,))
    console = Console(record=True, width=120, color_system=None)
    console.print(verdict_table(result))
    assert "9.35s [9.23s, 9.47s]" in console.export_text()


def test_up_of_a_scenario_brings_up_its_topology_and_says_how_to_reuse_it(
    up_world: tuple[FakeDocker, FakeCli], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(runs, "new_run_id", lambda name: "up-replica-t1")  # the project the fake engine holds
    _, cli = up_world
    scenario = tmp_path / "cut.yaml"
    scenario.write_text(f"name: cut\ntopology: {{compose: {REPO / 'docker-compose.yml'}}}\n"
                        "faults: [{id: c, type: power_cut, site: a, at: 1s, duration: 30s}]\n")  # fmt: skip
    assert main(["up", str(scenario)]) == 0
    assert f"drill run --reuse up-replica-t1 {scenario}" in capsys.readouterr().out
    assert cli.calls()[-1]["argv"][:3] == ["compose", "-p", "drills-up-replica-t1"]
    (rec,) = runs.records().values()
    assert rec.files == (str(REPO / "docker-compose.yml"),)


def test_up_of_a_scenario_and_a_variant_is_exit_2(
    up_world: tuple[FakeDocker, FakeCli], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["up", "whatever.yaml", "--variant", "kakao-2022"]) == 2
    assert "--variant: give a scenario or a variant, not both" in capsys.readouterr().err
    assert runs.records() == {}
