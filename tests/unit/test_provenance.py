"""Provenance (who ran it, from what, on which trigger) and the topology kept in the bundle."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from drills.checks import evaluate_scenario
from drills.checks.dualization import scenario_lint
from drills.cli import main
from drills.engine.provenance import _ci_url, _operator, _trigger, keep_topology, provenance
from drills.model.expectation import judge
from drills.model.result import overall_status
from drills.model.scenario import Scenario
from drills.model.timeline import load_timeline
from drills.report import write_bundle
from drills.report.synthetic import synthetic_run, write_jsonl
from drills.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
GITHUB = {"GITHUB_ACTOR": "octo", "GITHUB_EVENT_NAME": "schedule", "GITHUB_SERVER_URL": "https://github.com",
          "GITHUB_REPOSITORY": "org/drills", "GITHUB_RUN_ID": "42"}
GITLAB = {"GITLAB_USER_LOGIN": "tanuki", "CI_PIPELINE_SOURCE": "web", "CI_JOB_URL": "https://gitlab.example/j/7"}


@pytest.mark.parametrize(("env", "who", "trigger", "url"), [
    (GITHUB, "octo", "schedule", "https://github.com/org/drills/actions/runs/42"),
    ({**GITHUB, "GITHUB_EVENT_NAME": "workflow_dispatch"}, "octo", "manual", "https://github.com/org/drills/actions/runs/42"),
    (GITLAB, "tanuki", "manual", "https://gitlab.example/j/7"),
    ({"BUILD_USER_ID": "jenkins-bob", "JENKINS_URL": "https://ci", "BUILD_URL": "https://ci/job/3"}, "jenkins-bob",
     "ci", "https://ci/job/3"),
    ({"DRILLS_OPERATOR": "ops-team", "DRILLS_TRIGGER": "cron", "GITHUB_ACTOR": "octo"}, "ops-team", "cron", None),
])  # fmt: skip
def test_operator_trigger_and_ci_url_come_from_the_ci_variables(
    env: dict[str, str], who: str, trigger: str, url: str | None
) -> None:
    assert _operator(env)[0] == who and _trigger(env)[0] == trigger and _ci_url(env) == url


def test_without_ci_variables_it_is_the_local_user_running_by_hand() -> None:
    who, source = _operator({})
    assert who and source == "local user"
    assert _trigger({}) == ("manual", "no CI variable: run by hand") and _ci_url({}) is None


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo, check=True,
                   capture_output=True)  # fmt: skip


def test_provenance_names_the_commit_and_every_shaping_file_that_differs(tmp_path: Path) -> None:
    repo = tmp_path / "stack"
    shutil.copytree(REPO / "tests" / "unit" / "data" / "repo", repo)
    (repo / "scenarios").mkdir()
    (repo / "scenarios" / "cut.yaml").write_text("name: cut\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "stack")
    scenario = load_scenario(repo / "scenarios" / "cut.yaml")
    clean = provenance(scenario, {})
    assert clean["commit"] and clean["modified"] == []
    assert {"scenarios/cut.yaml", "docker-compose.yml"} <= set(clean["shaping_files"])

    mounted = next(p for p in clean["shaping_files"] if p.startswith("fixtures/") and (repo / p).is_file())
    (repo / mounted).write_text((repo / mounted).read_text() + "\n# edited after the commit\n")
    (repo / "scenarios" / "cut.yaml").write_text("name: cut\ndescription: changed\n")
    dirty = provenance(scenario, GITHUB)
    assert set(dirty["modified"]) == {mounted, "scenarios/cut.yaml"}
    assert dirty["operator"] == "octo" and dirty["trigger"] == "schedule"


def test_outside_git_provenance_says_so(tmp_path: Path) -> None:
    shutil.copytree(REPO / "tests" / "unit" / "data" / "repo", tmp_path / "stack")
    (tmp_path / "stack" / "cut.yaml").write_text("name: cut\n")
    facts = provenance(load_scenario(tmp_path / "stack" / "cut.yaml"), {})
    assert facts["commit"] is None and "not in a git repository" in facts["note"]


@pytest.fixture
def kept_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundle as a run writes it, topology/ included (kakao-2022: its lint fails on devtools)."""
    monkeypatch.chdir(REPO)
    scenario = load_scenario(REPO / "scenarios" / "kakao-2022.yaml")
    bundle = tmp_path / "bundle"
    index = keep_topology(scenario, bundle)
    assert "docker-compose.yml" in index["files"] and index["skipped"] == []
    return _judged_bundle(scenario, bundle, tmp_path)


def _judged_bundle(scenario: Scenario, bundle: Path, tmp_path: Path) -> Path:
    """Write ``bundle`` as a run would: its verdicts (lint included) and its expectation are the
    check engine's over a synthetic timeline of the scenario."""
    base, records = synthetic_run(duration=120, hz=5)
    write_jsonl(records, tmp_path / "timeline.jsonl")
    timeline, _ = load_timeline(tmp_path / "timeline.jsonl")
    verdicts = scenario_lint(scenario) + tuple(evaluate_scenario(timeline, scenario))
    status = overall_status(verdicts)
    assert scenario.expect is not None
    result = replace(base, verdicts=verdicts, status=status, expectation=judge(scenario.expect, verdicts, status))
    return write_bundle(result, tmp_path / "timeline.jsonl", scenario.path, bundle, {})


def test_a_bundle_with_its_topology_is_rejudged_the_same_anywhere(
    kept_bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    far = tmp_path / "elsewhere" / "audit" / "bundle"
    shutil.copytree(kept_bundle, far)
    monkeypatch.chdir(tmp_path / "elsewhere")  # no checkout above it
    assert main(["verify", str(far)]) == 0
    out = capsys.readouterr().out
    assert "every verdict follow from the timeline" in out, out
    # the lint is re-judged from the kept files too: forging its verdict is caught
    data = json.loads((far / "result.json").read_text())
    for v in data["verdicts"]:
        if v["check"] == "dualization":
            v["status"] = "pass"
    (far / "result.json").write_text(json.dumps(data))
    from drills.report.bundle import write_manifest

    write_manifest(far)
    assert main(["verify", str(far)]) == 1
    out = capsys.readouterr().out
    assert "differs from the evidence: dualization[devtools] has status pass (re-judged: fail)" in out


def test_the_kept_topology_is_covered_by_the_manifest(kept_bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = kept_bundle / "topology" / "docker-compose.yml"
    compose.write_text(compose.read_text().replace("org.drills.domain", "org.drills.domian", 1))
    assert main(["verify", str(kept_bundle)]) == 1
    assert "tampered: topology/docker-compose.yml" in capsys.readouterr().out


def test_the_kept_topology_holds_no_secrets(tmp_path: Path) -> None:
    repo = tmp_path / "stack"
    shutil.copytree(REPO / "tests" / "unit" / "data" / "repo", repo)
    compose = repo / "docker-compose.yml"
    compose.write_text(compose.read_text().replace(
        "    image: postgres\n    labels: {org.drills.domain: a}\n",
        "    image: postgres\n    labels: {org.drills.domain: a}\n"
        "    environment: {DB_PASSWORD: \"${DB_PASSWORD}\", PEER_HOST: pg-b-wan}\n", 1))
    (repo / ".env").write_text("DB_PASSWORD=hunter2-very-secret\n")
    (repo / "cut.yaml").write_text("name: cut\n")
    bundle = tmp_path / "bundle"
    index = keep_topology(load_scenario(repo / "cut.yaml"), bundle)
    kept = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert "topology/.env" not in kept and "topology/docker-compose.yml" in kept
    assert not any("hunter2" in (bundle / k).read_text(errors="replace") for k in kept)
    if index.get("resolved"):  # the merged model, when Compose (or its stand-in) could read it
        resolved = json.loads((bundle / "topology" / "compose.resolved.json").read_text())
        env = resolved["services"]["pg-a"]["environment"]
        assert env["DB_PASSWORD"] == "<redacted>" and env["PEER_HOST"] == "pg-b-wan"


def test_a_bundle_whose_topology_copy_is_incomplete_keeps_its_lint_verdicts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mounted file left out of topology/ (too large, a secret, a link) must not change what the
    lint finds when the bundle is re-judged: the lint is then not re-run, its verdicts are kept."""
    monkeypatch.chdir(REPO)
    scenario = load_scenario(REPO / "scenarios" / "kakao-2022.yaml")
    bundle = tmp_path / "bundle"
    keep_topology(scenario, bundle)
    index_path = bundle / "topology" / "index.json"
    index = json.loads(index_path.read_text())
    proxies = next(f for f in index["files"] if f.endswith(".json"))
    haproxy = next(f for f in index["files"] if f.endswith("haproxy.cfg"))
    (bundle / "topology" / haproxy).write_text("# left out of the copy (e.g. over 256 kB)\n")
    index.update(complete=False, skipped=[{"path": haproxy, "why": "larger than 256 kB"}])
    index_path.write_text(json.dumps(index))
    assert proxies  # the scenario still rebuilds from the copy
    _judged_bundle(scenario, bundle, tmp_path)
    assert main(["verify", str(bundle)]) == 0, capsys.readouterr().out


def test_secrets_links_and_large_directories_are_not_copied(tmp_path: Path) -> None:
    repo = tmp_path / "stack"
    shutil.copytree(REPO / "tests" / "unit" / "data" / "repo", repo)
    app = repo / "app"
    (app / ".git").mkdir(parents=True)
    (app / ".git" / "config").write_text("[http] extraheader = AUTHORIZATION: basic c2VjcmV0\n")
    (app / ".env").write_text("TOKEN=abc\n")
    (app / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    (app / "server.key").write_text("key\n")
    (app / "nginx.conf").write_text("upstream chat { server chat-a:8080; }\n")
    (app / "passwd-link").symlink_to("/etc/passwd")
    compose = repo / "docker-compose.yml"
    compose.write_text(compose.read_text().replace(
        "    image: postgres\n    labels: {org.drills.domain: a}\n",
        "    image: postgres\n    labels: {org.drills.domain: a}\n    volumes: [\"./app:/app:ro\"]\n", 1))
    (repo / "cut.yaml").write_text("name: cut\n")
    bundle = tmp_path / "bundle"
    index = keep_topology(load_scenario(repo / "cut.yaml"), bundle)
    assert "app/nginx.conf" in index["files"]
    kept = {p.relative_to(bundle / "topology").as_posix() for p in (bundle / "topology").rglob("*") if p.is_file()}
    assert not {"app/.env", "app/.git/config", "app/id_ed25519", "app/server.key", "app/passwd-link"} & kept
    why = {s["path"]: s["why"] for s in index["skipped"]}
    assert why["app/passwd-link"] == "a symbolic link: not followed" and "secret" in why["app/.env"]
    assert index["complete"] is False


def test_secrets_are_scrubbed_from_the_resolved_model() -> None:
    from drills.engine.provenance import _scrub

    scrubbed = _scrub({"environment": {"DATABASE_URL": "postgres://app:pw@db/app", "DB_PASSWORD": "x",
                                       "PEER": "pg-b-wan"},
                       "command": ["redis-server", "--requirepass", "S3cret", "--port", "6379"],
                       "build": {"args": ["API_TOKEN=abc", "MODE=fast"]}})  # fmt: skip
    assert scrubbed == {"environment": {"DATABASE_URL": "postgres://app:<redacted>@db/app", "DB_PASSWORD": "<redacted>",
                                        "PEER": "pg-b-wan"},
                        "command": ["redis-server", "--requirepass", "<redacted>", "--port", "6379"],
                        "build": {"args": ["API_TOKEN=<redacted>", "MODE=fast"]}}  # fmt: skip
