"""``drill verify`` as an auditor uses it: the tamper matrix (files, claims, signatures).

A bundle whose result.json is what the check engine makes of its own timeline (as a real run's
is) must verify; every way of lying about it below must be rejected with a reason that says what
was wrong. Signatures are made and checked by the real ssh-keygen.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from drills.checks import evaluate_scenario
from drills.cli import main
from drills.model.expectation import Expectation, ExpectedFailure, Judgement
from drills.model.result import DrillResult, overall_status
from drills.model.timeline import load_timeline
from drills.report import write_bundle
from drills.report.bundle import write_manifest
from drills.report.evidence import SIGNATURE
from drills.report.integrity import consistency
from drills.report.synthetic import synthetic_run, write_jsonl
from drills.scenario import load_scenario

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "scenarios" / "site-a-power-cut.yaml"
needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="ssh-keygen (OpenSSH) not installed")


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundle as a run writes it: its verdicts are the check engine's over its own timeline."""
    monkeypatch.chdir(REPO)
    base, records = synthetic_run(duration=120, hz=5)
    write_jsonl(records, tmp_path / "timeline.jsonl")
    timeline, _ = load_timeline(tmp_path / "timeline.jsonl")
    verdicts = tuple(evaluate_scenario(timeline, load_scenario(SCENARIO)))
    result = replace(base, verdicts=verdicts, status=overall_status(verdicts), expectation=None)
    return write_bundle(result, tmp_path / "timeline.jsonl", SCENARIO, tmp_path / "bundle", {})


def verify(bundle: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str]:
    code = main(["verify", str(bundle), *extra])
    return code, capsys.readouterr().out


def edit_result(bundle: Path, change: dict[str, object], *, remanifest: bool = True) -> None:
    """Rewrite result.json with ``change`` applied, then (as a forger would) the manifest too."""
    path = bundle / "result.json"
    data = json.loads(path.read_text())
    data.update(change)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))
    if remanifest:
        write_manifest(bundle)


def test_an_honest_bundle_verifies_with_every_verdict_rejudged(bundle: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert json.loads((bundle / "result.json").read_text())["status"] == "failed"  # devtools is down 300 s
    code, out = verify(bundle, capsys)
    assert code == 0, out
    assert "intact" in out and "every verdict follow from the timeline" in out


def test_edited_missing_and_added_files_are_rejected(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = bytearray((bundle / "timeline.jsonl").read_bytes())
    data[-20] ^= 1
    (bundle / "timeline.jsonl").write_bytes(bytes(data))
    (bundle / "summary.md").unlink()
    (bundle / "extra.txt").write_text("added later\n")
    code, out = verify(bundle, capsys)
    assert code == 1
    assert "tampered: timeline.jsonl" in out and "missing: summary.md" in out and "unlisted: extra.txt" in out
    assert "REJECTED" in out


def test_forged_passed_status_with_a_regenerated_manifest_is_rejected(bundle: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    edit_result(bundle, {"status": "passed"})
    code, out = verify(bundle, capsys)
    assert code == 1, out
    assert "forged status: result.json says passed, its verdicts say failed" in out
    assert "devtools" in out  # names what did not pass
    assert "tampered" not in out  # the manifest was regenerated: only the claims give it away


def test_forged_verdicts_are_rejected_against_the_timeline(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((bundle / "result.json").read_text())
    failing = next(v for v in data["verdicts"] if v["status"] == "fail")
    for v in data["verdicts"]:
        v["status"] = "pass"
    edit_result(bundle, {"verdicts": data["verdicts"], "status": "passed"})
    code, out = verify(bundle, capsys)
    assert code == 1, out
    name = f"{failing['check']}[{failing['capability']}]"
    assert f"differs from the evidence: {name} has status pass (re-judged: fail)" in out


def test_a_dropped_verdict_and_an_edited_number_are_rejected(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads((bundle / "result.json").read_text())
    dropped = next(v for v in data["verdicts"] if v["status"] == "fail")
    kept = [v for v in data["verdicts"] if v is not dropped]
    number = next(v for v in kept if v["measured"])  # a non-zero measured value
    number["measured"] = number["measured"] / 2
    edit_result(bundle, {"verdicts": kept})
    code, out = verify(bundle, capsys)
    assert code == 1, out
    assert f"left out: {dropped['check']}[{dropped['capability']}]" in out
    assert f"differs from the evidence: {number['check']}[{number['capability']}] has measured" in out


def test_a_forged_confirmed_expectation_is_rejected(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    expected = Expectation((ExpectedFailure("rpo", "chat"),))  # declared to fail on rpo only: not what happened
    forged = Judgement(expected, "confirmed", "failed exactly as declared: rpo[chat]")
    edit_result(bundle, {"expectation": replace(result, expectation=forged).to_dict()["expectation"]})
    code, out = verify(bundle, capsys)
    assert code == 1, out
    assert "forged expectation: result.json says the declared failure was confirmed, its verdicts say unexpected" in out
    assert "the expectation in result.json is not the scenario's expect:" in out


def test_a_run_that_ended_early_may_claim_less_than_its_verdicts(bundle: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert consistency(bundle).problems == ()
    edit_result(bundle, {"status": "aborted", "error": "abort rule: devtools down longer than 60s"})
    assert not [p for p in consistency(bundle).problems if p.startswith("forged status")]


def test_without_the_scenario_beside_it_the_report_says_verdicts_were_not_rejudged(
    bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "copy" / "bundle"
    shutil.copytree(bundle, elsewhere)
    monkeypatch.chdir(tmp_path / "copy")  # no compose file anywhere above: the scenario cannot be rebuilt
    edit_result(elsewhere, {"status": "passed"})
    code, out = verify(elsewhere, capsys)
    assert code == 1 and "forged status" in out  # the status check needs nothing but result.json


def _keypair(folder: Path, principal: str) -> tuple[Path, str]:
    key = folder / principal.replace("@", "-at-")
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", principal, "-f", str(key)], check=True)
    kind, blob = key.with_suffix(".pub").read_text().split()[:2]
    return key, f"{principal} {kind} {blob}\n"


@needs_ssh_keygen
def test_signature_matrix(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ci_key, ci_line = _keypair(tmp_path, "ci@drills")
    other_key, other_line = _keypair(tmp_path, "someone@else")
    signers = tmp_path / "allowed_signers"
    signers.write_text(ci_line)

    code, out = verify(bundle, capsys, "--signers", str(signers))
    assert code == 1 and "not signed: no SHA256SUMS.sig" in out

    assert main(["report", str(bundle), "--sign-key", str(ci_key)]) == 0
    capsys.readouterr()
    code, out = verify(bundle, capsys, "--signers", str(signers))
    assert code == 0, out
    assert "signed by ci@drills" in out
    code, out = verify(bundle, capsys)
    assert code == 0 and "SHA256SUMS.sig present, not checked" in out

    (bundle / "summary.md").write_text("# PASSED\n")  # edited, then the manifest regenerated to match
    write_manifest(bundle)
    code, out = verify(bundle, capsys, "--signers", str(signers))
    assert code == 1 and "bad signature: SHA256SUMS.sig does not match SHA256SUMS" in out

    assert main(["report", str(bundle), "--sign-key", str(other_key)]) == 0  # a key the file does not allow
    capsys.readouterr()
    code, out = verify(bundle, capsys, "--signers", str(signers))
    assert code == 1 and "was not made by a key" in out
    signers.write_text(ci_line + other_line)
    assert verify(bundle, capsys, "--signers", str(signers))[0] == 0

    (bundle / SIGNATURE).write_text("-----BEGIN SSH SIGNATURE-----\ngarbage\n-----END SSH SIGNATURE-----\n")
    code, out = verify(bundle, capsys, "--signers", str(signers))
    assert code == 1 and "bad signature" in out


@needs_ssh_keygen
def test_regenerating_a_signed_bundle_drops_a_signature_that_no_longer_matches(
    bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, line = _keypair(tmp_path, "ci@drills")
    (tmp_path / "signers").write_text(line)
    assert main(["report", str(bundle), "--sign-key", str(key)]) == 0
    (bundle / "report.html").write_text("stale\n")  # a derived file out of date: regenerating changes the manifest
    write_manifest(bundle)
    assert main(["report", str(bundle)]) == 0
    out = capsys.readouterr().out
    assert "no longer matched and was removed" in out
    assert not (bundle / SIGNATURE).exists()


def test_bad_signing_arguments_are_usage_errors(bundle: Path, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(bundle), "--signers", str(tmp_path / "nope")]) == 2
    assert "no such allowed-signers file" in capsys.readouterr().err
    assert main(["report", str(bundle), "--sign-key", str(tmp_path / "nokey")]) == 2
    assert "--sign-key" in capsys.readouterr().err
    assert main(["run", str(SCENARIO), "--sign-key", str(tmp_path / "nokey"), "--reports", str(tmp_path / "r")]) == 2
    assert not (tmp_path / "r").exists() or not any((tmp_path / "r").iterdir())  # nothing started


@pytest.mark.parametrize(("change", "says"), [
    ({"expectation": "confirmed"}, "does not match its schema at expectation"),
    ({"environment": ["not", "a", "mapping"]}, "does not match its schema at environment"),
    ({"verdicts": [{"check": "rpo", "capability": "chat", "status": "pass", "message": "m", "measured": "0"}]},
     "does not match its schema at verdicts/0/measured"),
])  # fmt: skip
def test_a_malformed_result_json_is_rejected_with_a_reason_not_a_traceback(
    bundle: Path, change: dict[str, object], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_result(bundle, change)
    code, out = verify(bundle, capsys)
    assert code == 1 and "unreadable: result.json " + says in out, out
