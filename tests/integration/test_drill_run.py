"""The drill engine end to end, as users run it: the `drill` CLI against the real replica.

    site-a power cut   exits 0; prints availability, max outage, RTO and RPO per capability
    known-bad library  kakao-2022, devtools-one-site, no-witness, lb-no-check, runbook-one-site:
                       each fails exactly as its expect: declares (exits 0, "expected failure
                       confirmed"; exit 1 would mean it passed or failed differently), and for
                       its reason (which capabilities, which checks)
    async-replication  fails on RPO only, as its expect: declares: acknowledged writes lost with
                       site a (the standby was asynchronous), every capability failed over
    bad scenarios      exit 2 before the engine is even contacted; nothing is created
    (interrupts: tests/integration/test_interrupts.py)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker
import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def drill(*args: str, env: dict[str, str] | None = None, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run the CLI; past ``timeout`` it gets SIGINT (so it heals and tears down) before any kill."""
    proc = subprocess.Popen([sys.executable, "-m", "drills", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "COLUMNS": "140", **(env or {})})  # fmt: skip
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        try:
            out, err = proc.communicate(timeout=180)
        finally:
            proc.kill()
        pytest.fail(f"drill {' '.join(args)} ran past {timeout:.0f}s; interrupted:\n{out[-2000:]}{err[-2000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def labelled(run_id: str | None = None) -> list[str]:
    client = docker.from_env(timeout=30)
    label = "org.drills.run" if run_id is None else f"org.drills.run={run_id}"
    flt: dict[str, str | list[str] | bool] = {"label": label}
    try:
        names = ([c.name for c in client.containers.list(all=True, filters=flt)]
                 + [n.name for n in client.networks.list(filters=flt)]
                 + [v.name for v in client.volumes.list(filters=flt)])  # fmt: skip
        return [str(n) for n in names if n]
    finally:
        client.close()


def only_bundle(reports: Path) -> Path:
    [bundle] = [p for p in reports.iterdir() if p.is_dir()]
    return bundle


def test_default_drill_passes_and_reports_every_capability(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "drills-ci"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "drills-ci", "-f", str(key)], check=True)
    signers = key.parent / "allowed_signers"
    signers.write_text("drills-ci " + " ".join(key.with_suffix(".pub").read_text().split()[:2]) + "\n")
    reports = tmp_path / "reports"
    res = drill("run", "scenarios/site-a-power-cut.yaml", "--no-live", "--reports", str(reports),
                "--sign-key", str(key))
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    for check in ("availability", "max_outage", "rto_first", "rto_stable", "rpo", "failover", "surviving_sites"):
        for cap in ("chat", "login", "devtools"):
            if check == "rpo" and cap != "chat":
                continue
            assert any(check in line and cap in line for line in res.stdout.splitlines()), (check, cap)
    bundle = only_bundle(reports)
    result = json.loads((bundle / "result.json").read_text())
    assert result["status"] == "passed"
    rpo = [v for v in result["verdicts"] if v["check"] == "rpo" and v["capability"] == "chat"]
    assert rpo and rpo[0]["measured"] == 0 and rpo[0]["details"], "acknowledged chat writes were read back"
    checked = drill("verify", str(bundle), "--signers", str(signers))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "every verdict follow from the timeline" in checked.stdout  # the run's verdicts, re-judged offline
    assert "signed by drills-ci" in checked.stdout
    assert labelled(result["run_id"]) == []


def run_known_bad(name: str, reports: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    res = drill("run", f"scenarios/{name}.yaml", "--no-live", "--reports", str(reports))
    result = json.loads((only_bundle(reports) / "result.json").read_text())
    assert labelled(result["run_id"]) == []
    return res, result


def statuses(result: dict[str, Any], check: str) -> dict[str, str]:
    return {v["capability"]: v["status"] for v in result["verdicts"] if v["check"] == check}


def run_failing(result: dict[str, Any]) -> set[str]:
    """The capabilities with a failing run-time verdict (the lint's dualization ones aside)."""
    return {v["capability"] for v in result["verdicts"] if v["status"] == "fail" and v["check"] != "dualization"}


# Each known-bad scenario of the library (docs/lint.md), run once through its expect:, plus what
# shows it failed for the right reason. bench/fidelity.py runs each of them N times.
def why_kakao_2022(result: dict[str, Any]) -> None:
    # devtools in both sites, its data in site a: only the site loss shows the hole
    assert run_failing(result) == {"devtools"}
    assert statuses(result, "failover") == {"chat": "pass", "login": "pass", "devtools": "fail"}
    [fo] = [v for v in result["verdicts"] if v["check"] == "failover" and v["capability"] == "devtools"]
    assert fo["message"].startswith("devtools did not fail over: recovered only after cut-a was healed"), fo
    assert statuses(result, "per_site")["devtools"] == "pass"  # site b serves devtools alone before and after


def why_devtools_one_site(result: dict[str, Any]) -> None:
    assert run_failing(result) == {"devtools"}
    assert statuses(result, "failover") == {"chat": "pass", "login": "pass", "devtools": "fail"}
    assert statuses(result, "per_site")["devtools"] == "fail"  # site b has no devtools at all


def why_no_witness(result: dict[str, Any]) -> None:
    # no etcd majority without site a: the standby is never promoted, nothing fails over
    assert statuses(result, "failover") == {"chat": "fail", "login": "fail", "devtools": "fail"}
    assert all(statuses(result, "rpo")[s] == "pass" for s in ("chat", "config", "deploys"))


def why_lb_no_check(result: dict[str, Any]) -> None:
    # chat-a hangs and the edge keeps sending it every other request; login and devtools untouched
    assert run_failing(result) == {"chat"}
    assert statuses(result, "availability") == {"chat": "fail", "login": "pass", "devtools": "pass"}


def why_runbook_one_site(result: dict[str, Any]) -> None:
    assert run_failing(result) == {"devtools"}
    [ps] = [v for v in result["verdicts"] if v["check"] == "per_site" and v["capability"] == "devtools"]
    assert ps["status"] == "fail" and "site b" in ps["message"] and "HTTP 404" in ps["message"], ps


def why_manual_activation_one_site(result: dict[str, Any]) -> None:
    # the 2022 failure end to end: the runbook's step needs devtools, which lived only in site a
    [act] = [v for v in result["verdicts"] if v["check"] == "activation" and v["capability"] == "activate-b"]
    assert act["status"] == "fail" and "during cut-a (site a without power)" in act["message"], act
    [lint] = [v for v in result["verdicts"] if v["check"] == "dualization" and v["capability"] == "chat"]
    assert "losing site a leaves no way to activate" in lint["message"], lint


WHY = {"kakao-2022": why_kakao_2022, "devtools-one-site": why_devtools_one_site, "no-witness": why_no_witness,
       "lb-no-check": why_lb_no_check, "runbook-one-site": why_runbook_one_site,
       "manual-activation-one-site": why_manual_activation_one_site}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WHY))
def test_known_bad_scenario_fails_exactly_as_declared(name: str, tmp_path: Path) -> None:
    res, result = run_known_bad(name, tmp_path)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "expected failure confirmed" in res.stdout
    assert result["status"] == "failed" and result["expectation"]["outcome"] == "confirmed", result["expectation"]
    WHY[name](result)


def test_manual_activation_through_devtools_in_site_b_passes(tmp_path: Path) -> None:
    # automatic failover off: site b leads only because the operator action promoted it
    res = drill("run", "scenarios/manual-activation.yaml", "--no-live", "--reports", str(tmp_path))
    result = json.loads((only_bundle(tmp_path) / "result.json").read_text())
    assert labelled(result["run_id"]) == []
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    [act] = [v for v in result["verdicts"] if v["check"] == "activation"]
    assert act["status"] == "pass" and act["measured"] <= act["target"], act
    records = [json.loads(line) for line in (only_bundle(tmp_path) / "timeline.jsonl").read_text().splitlines()]
    [done] = [r for r in records if r.get("kind") == "action"]
    assert done["ok"] and done["status"] == 200, done
    said = json.loads(" ".join(done["output"]))  # what devtools said it did: paused until then, pg-b not leading
    assert (said["promoted"], said["resumed"]) == ("pg-b", True), said
    hit = next(r["destructive_t"] for r in records if r.get("kind") == "fault" and r["action"] == "inject")
    by_b = [r["t"] for r in records if r.get("kind") == "write" and r.get("acked")
            and str(r.get("primary", "")).startswith("pg-b")]  # fmt: skip
    assert by_b and min(by_b) > done["triggered_t"] > hit, "pg-b led only after the activation"


def test_full_cycle_fails_over_rejoins_fails_back_and_each_site_serves_alone(tmp_path: Path) -> None:
    res = drill("run", "scenarios/full-cycle.yaml", "--no-live", "--reports", str(tmp_path))
    bundle = only_bundle(tmp_path)
    result = json.loads((bundle / "result.json").read_text())
    assert labelled(result["run_id"]) == []
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    records = [json.loads(line) for line in (bundle / "timeline.jsonl").read_text().splitlines()]
    phases = [r["phase"] for r in records if r.get("kind") == "phase"]
    assert phases[phases.index("heal"):] == ["heal", "rejoin", "settle", "failback", "steady-after", "verify",
                                             "teardown", "done"]  # fmt: skip
    [ready] = [r for r in records if r.get("kind") == "rejoin" and r["ready"]]
    assert ready["site"] == "a" and "pg-a: synchronous standby, streaming" in ready["detail"], ready
    by = {f"{v['check']}[{v['capability']}]": v for v in result["verdicts"]}
    assert by["rejoin[a]"]["status"] == "pass" and by["activation[failback]"]["status"] == "pass"
    [fb] = [r for r in records if r.get("kind") == "action" and r["id"] == "failback"]
    said = json.loads(" ".join(fb["output"]))  # devtools moved the primary home: pg-a leads again
    assert (said["promoted"], said["previous_leader"]) == ("pg-a", "pg-b"), said
    # the writes say the same: pg-a, then pg-b after the cut, then pg-a again on a newer timeline
    acked = [r for r in records if r.get("kind") == "write" and r.get("acked") and r.get("timeline") is not None]
    leaders = [str(w["primary"]).split("@")[0] for w in sorted(acked, key=lambda w: w["t"])]
    runs = [name for i, name in enumerate(leaders) if i == 0 or leaders[i - 1] != name]
    assert runs == ["pg-a", "pg-b", "pg-a"], runs
    assert all(by[f"per_site[{c}]"]["status"] == "pass" for c in ("chat", "login", "devtools"))


def test_async_replication_variant_fails_on_rpo_with_the_lost_writes_listed(tmp_path: Path) -> None:
    # Whether an acknowledged write is in flight at the instant of the cut is chance: bench/rpo_modes.py
    # measured RPO > 0 in 9 of 10 runs. A run that lost nothing, and deviated in nothing else, is run
    # once more; two in a row (~1 %) fail the test, and so does any other deviation at once.
    for attempt in (1, 2):
        reports = tmp_path / f"attempt-{attempt}"
        res, result = run_known_bad("async-replication", reports)
        judged = result["expectation"]
        if attempt == 1 and judged["missing"] == ["rpo[*]"] and not judged["extra"] and not judged["unknown"]:
            continue  # lost nothing this time, and nothing else went differently
        break
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
    assert "expected failure confirmed" in res.stdout
    assert result["expectation"]["outcome"] == "confirmed", result["expectation"]
    rpo = [v for v in result["verdicts"] if v["check"] == "rpo" and v["status"] == "fail"]
    assert rpo and all(v["measured"] > 0 and v["details"]["lost"] for v in rpo), rpo
    assert "acknowledged writes lost" in rpo[0]["message"]
    assert result["environment"]["load"]["acked"] > 0  # the write load ran through the fault
    lint = [v for v in result["verdicts"] if v["check"] == "dualization" and v["status"] == "fail"]
    assert lint and "replicates asynchronously" in lint[0]["message"], lint  # caught statically too
    # it failed for the right reason: the datastore did fail over, every capability came back
    assert {v["capability"]: v["status"] for v in result["verdicts"] if v["check"] == "failover"} == {
        "chat": "pass", "login": "pass", "devtools": "pass"}


BAD = {
    "unknown-site.yaml": ("faults[0].site", "name: bad\nfaults:\n  - {id: cut, type: power_cut, site: c, at: 1s}\n"),
    "negative-time.yaml": ("faults[0].at", "name: bad\nfaults:\n  - {id: cut, type: power_cut, site: a, at: -5s}\n"),
    "typo.yaml": ("settel", "name: bad\nsettel: 5s\nfaults:\n  - {id: cut, type: power_cut, site: a, at: 1s}\n"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_scenario_exits_2_before_touching_docker(name: str, tmp_path: Path) -> None:
    field, text = BAD[name]
    path = ROOT / "scenarios" / f".tmp-{os.getpid()}-{name}"
    path.write_text(text)
    try:
        # An unreachable engine proves validation happens first: with a valid file this would exit 3.
        res = drill("run", str(path.relative_to(ROOT)), "--reports", str(tmp_path),
                    env={"DOCKER_HOST": "unix:///nonexistent.sock"}, timeout=30)  # fmt: skip
    finally:
        path.unlink()
    assert res.returncode == 2, res.stderr
    [line] = res.stderr.strip().splitlines()
    assert path.name in line and field in line
    # The run id would start with the scenario's name ("bad"): nothing of it may exist.
    assert not [r for r in labelled() if r.startswith("drills-bad-")] and not any(tmp_path.iterdir())
