"""Findings grouped by root cause with stable IDs, and ``drill annotate`` beside a (signed) bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from drills.cli import main
from drills.model.result import DrillResult, Verdict
from drills.report import write_bundle
from drills.report.evidence import ANNOTATIONS
from drills.report.rootcause import root_causes
from drills.report.synthetic import synthetic_run, write_jsonl

FAILED, RECORDS = synthetic_run()
LINT = Verdict("dualization", "devtools", "fail", "devtools has no instance in site b", 0.0, 1.0, "count", None,
               "==", details={"findings": ["devtools has no instance in site b"], "found": [
                   {"rule": "no-instance", "message": "devtools has no instance in site b",
                    "path": "devtools -> devtools-a", "component": "devtools-a"}]})  # fmt: skip


def _outage(cap: str, measured: float) -> tuple[Verdict, ...]:
    return tuple(Verdict(check, cap, "fail", f"{cap} {check} failed", 15.0, measured, "s", 0.1, "<=")
                 for check in ("availability", "max_outage", "rto_first", "rto_stable", "failover"))  # fmt: skip


def test_five_failing_verdicts_of_one_defect_are_one_finding_with_its_fix() -> None:
    result = replace(FAILED, verdicts=(LINT, *_outage("devtools", 300.0)))
    [cause] = root_causes(result)
    assert cause.kind == "no-instance" and cause.capability == "devtools"
    assert cause.verdicts == ("dualization[devtools]", "availability[devtools]", "max_outage[devtools]",
                              "rto_first[devtools]", "rto_stable[devtools]", "failover[devtools]")  # fmt: skip
    assert "in every site" in cause.fix and cause.id.startswith("DR-") and len(cause.id) == 11


def test_without_a_lint_finding_a_capabilitys_outage_is_one_finding_and_data_loss_another() -> None:
    rpo = Verdict("rpo", "chat", "fail", "3 acknowledged chat writes lost", 0.0, 3.0, "count", None, "==")
    causes = root_causes(replace(FAILED, verdicts=(*_outage("login", 40.0), rpo)))
    assert [(c.kind, c.capability, len(c.verdicts)) for c in causes] == [("outage", "login", 5), ("rpo", "chat", 1)]
    assert "synchronous" in causes[1].fix


def test_the_same_defect_gets_the_same_id_in_every_run_and_another_defect_another() -> None:
    night1 = replace(FAILED, run_id="r1", verdicts=(LINT, *_outage("devtools", 300.0)))
    night2 = replace(FAILED, run_id="r2", started_utc="2026-12-01T02:00:00+00:00",
                     verdicts=(LINT, *_outage("devtools", 280.5)))  # other numbers, other run
    assert [c.id for c in root_causes(night1)] == [c.id for c in root_causes(night2)]
    login = replace(FAILED, verdicts=_outage("login", 40.0))
    other_lint = replace(LINT, details={**LINT.details, "found": [{**LINT.details["found"][0], "rule": "lb-no-check"}]})
    ids = {root_causes(login)[0].id, root_causes(replace(FAILED, verdicts=(other_lint,)))[0].id,
           root_causes(night1)[0].id}
    assert len(ids) == 3


def test_unknown_verdicts_are_not_proven_findings_listed_after_the_failing_ones() -> None:
    unknown = Verdict("split_brain", "chat", "unknown", "no writes", None, None, "count")
    causes = root_causes(replace(FAILED, verdicts=(unknown, *_outage("login", 40.0))))
    assert [c.status for c in causes] == ["fail", "unknown"]
    assert "nothing was proven" in causes[1].fix


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    write_jsonl(RECORDS, tmp_path / "timeline.jsonl")
    (tmp_path / "scenario.yaml").write_text("name: site-a-power-cut\n")
    return write_bundle(FAILED, tmp_path / "timeline.jsonl", tmp_path / "scenario.yaml", tmp_path / "b", {})


def test_annotate_records_remediation_and_sign_off_and_the_manifest_stays_valid(
    bundle: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    manifest = (bundle / "SHA256SUMS").read_bytes()
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    fid = root_causes(result)[0].id
    assert main(["annotate", str(bundle)]) == 0  # lists the findings
    assert fid in capsys.readouterr().out
    assert main(["annotate", str(bundle), "--finding", fid, "--owner", "platform-team", "--due", "2027-01-31",
                 "--status", "in-progress", "--note", "devtools-b being built"]) == 0
    assert main(["annotate", str(bundle), "--sign-off", "reviewer=Ana Li"]) == 0
    saved = json.loads((bundle / ANNOTATIONS).read_text())
    assert saved["findings"][fid]["owner"] == "platform-team" and saved["findings"][fid]["due"] == "2027-01-31"
    assert saved["sign_off"][0]["role"] == "reviewer" and saved["sign_off"][0]["name"] == "Ana Li"
    assert (bundle / "SHA256SUMS").read_bytes() == manifest
    from drills.report.bundle import verify_bundle

    assert verify_bundle(bundle) == []  # annotations are not the run's files
    assert main(["report", str(bundle)]) == 0
    html = (bundle / "report.html").read_text()
    assert "platform-team" in html and "2027-01-31" in html and "in-progress" in html and "Ana Li" in html
    assert "platform-team" in (bundle / "summary.md").read_text()


@pytest.mark.parametrize(("args", "says"), [
    (["--finding", "DR-00000000", "--owner", "x"], "not a finding of this bundle"),
    (["--owner", "x"], "need --finding ID"),
    (["--finding", "{fid}", "--due", "31/01/2027"], "a date as YYYY-MM-DD"),
    (["--finding", "{fid}", "--due", "2027-02-30"], "not a date"),
    (["--sign-off", "ceo=Bob"], "the role is one of"),
    (["--sign-off", "Bob"], "ROLE=NAME"),
])  # fmt: skip
def test_bad_annotations_are_usage_errors_and_write_nothing(
    bundle: Path, args: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    fid = root_causes(result)[0].id
    assert main(["annotate", str(bundle), *[a.replace("{fid}", fid) for a in args]]) == 2
    assert says in capsys.readouterr().err
    assert not (bundle / ANNOTATIONS).exists()


def _key(folder: Path, name: str) -> tuple[Path, str]:
    """A new ed25519 key without a passphrase: (private key file, "ssh-ed25519 AAAA..." of its public half)."""
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key, " ".join(key.with_suffix(".pub").read_text().split()[:2])


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH) not installed")
def test_signed_annotations_are_checked_and_tampering_is_caught(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, public = _key(tmp_path, "owner")
    signers = tmp_path / "signers"
    signers.write_text(f"owner {public}\n")
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    fid = root_causes(result)[0].id
    assert main(["annotate", str(bundle), "--finding", fid, "--status", "fixed", "--sign-key", str(key)]) == 0
    capsys.readouterr()
    main(["verify", str(bundle), "--signers", str(signers)])
    out = capsys.readouterr().out
    assert "annotations: signed by owner" in out
    notes = bundle / ANNOTATIONS
    notes.write_text(notes.read_text().replace('"fixed"', '"accepted-risk"'))
    main(["verify", str(bundle), "--signers", str(signers)])
    assert "annotations: bad signature: annotations.json.sig does not match" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH) not installed")
def test_a_key_allowed_only_for_annotations_cannot_vouch_for_a_runs_evidence(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, public = _key(tmp_path, "reviewer")
    signers = tmp_path / "signers"
    signers.write_text(f'reviewer namespaces="drills-annotations" {public}\n')
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    fid = root_causes(result)[0].id
    assert main(["annotate", str(bundle), "--finding", fid, "--status", "fixed", "--sign-key", str(key)]) == 0
    assert main(["report", str(bundle), "--sign-key", str(key)]) == 0  # the reviewer signs the manifest too
    capsys.readouterr()
    main(["verify", str(bundle), "--signers", str(signers)])
    out = capsys.readouterr().out
    assert "annotations: signed by reviewer" in out
    assert "bad signature: SHA256SUMS.sig" in out  # not allowed for drills-bundle


def test_the_same_lint_finding_keeps_its_id_when_its_file_gains_lines() -> None:
    moved = replace(LINT, details={**LINT.details, "found": [{**LINT.details["found"][0],
                                                              "path": "edge-lb (haproxy.cfg:12) -> chat-a"}]})
    later = replace(LINT, details={**LINT.details, "found": [{**LINT.details["found"][0],
                                                              "path": "edge-lb (haproxy.cfg:19) -> chat-a"}]})
    ids = [root_causes(replace(FAILED, verdicts=(v,)))[0].id for v in (moved, later)]
    assert ids[0] == ids[1]


def test_a_steady_state_failure_is_another_finding_than_an_outage_under_a_fault() -> None:
    steady = Verdict("steady_state", "login", "fail", "login not up before the fault")
    outage = _outage("login", 40.0)
    ids = {c.kind: c.id for c in root_causes(replace(FAILED, verdicts=(steady, *outage)))}
    assert set(ids) == {"steady", "outage"} and ids["steady"] != ids["outage"]


def test_bad_signing_arguments_for_report(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = tmp_path / "k"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    assert main(["report", str(bundle), "--force", "--sign-key", str(key)]) == 2
    assert "--force and --sign-key" in capsys.readouterr().err
    locked = tmp_path / "locked"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(locked)], check=True)
    env_agent = os.environ.pop("SSH_AUTH_SOCK", None)
    try:
        assert main(["report", str(bundle), "--sign-key", str(locked)]) == 2  # fails before regenerating
    finally:
        if env_agent is not None:
            os.environ["SSH_AUTH_SOCK"] = env_agent
    assert "could not sign" in capsys.readouterr().err
