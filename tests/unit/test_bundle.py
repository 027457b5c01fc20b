"""The evidence bundle: written files, SHA256SUMS, tamper detection, ``drill verify`` / ``drill report``."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from drills.cli import main
from drills.errors import UsageError
from drills.model.result import DrillResult
from drills.report import bundle_files, verify_bundle, write_bundle
from drills.report.synthetic import synthetic_run, write_jsonl

SCENARIO = b"name: site-a-power-cut\n# exact bytes matter: \xc3\xa9\r\n"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    result, records = synthetic_run(duration=60, hz=2)
    write_jsonl(records, tmp_path / "timeline.jsonl")
    (tmp_path / "scn.yaml").write_bytes(SCENARIO)
    return write_bundle(result, tmp_path / "timeline.jsonl", tmp_path / "scn.yaml",
                        tmp_path / "reports" / "20261128T020000Z-site-a-power-cut",
                        {"docker": "27.3.1", "images": {"chat": "sha256:1b2c"}})


def test_bundle_has_every_file_and_verifies(bundle: Path) -> None:
    assert sorted(p.name for p in bundle.iterdir()) == sorted(bundle_files())
    assert (bundle / "scenario.yaml").read_bytes() == SCENARIO
    env = json.loads((bundle / "environment.json").read_text())
    assert env["docker"] == "27.3.1" and env["images"]["chat"] == "sha256:1b2c"
    assert {"hostname", "os", "python", "cpu_count"} <= set(env["host"])
    assert "commit" in env["scenario_git"] and env["drills_version"]
    result = DrillResult.from_dict(json.loads((bundle / "result.json").read_text()))
    assert result.status == "failed" and len(result.verdicts) == 9
    assert verify_bundle(bundle) == []  # the files; the claims: test_bundle_integrity.py (these verdicts are literal)


def test_manifest_is_sha256sum_format(bundle: Path) -> None:
    lines = (bundle / "SHA256SUMS").read_text().splitlines()
    names = [line.split("  ", 1)[1] for line in lines]
    assert names == sorted(n for n in bundle_files() if n != "SHA256SUMS")
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest
    if shutil.which("sha256sum"):
        subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=bundle, check=True)


@pytest.mark.parametrize("name", [n for n in bundle_files() if n != "SHA256SUMS"])
def test_one_flipped_byte_is_reported(bundle: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = bundle / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    assert verify_bundle(bundle) == [f"tampered: {name} (sha256 differs from SHA256SUMS)"]
    assert main(["verify", str(bundle)]) == 1
    assert f"tampered: {name}" in capsys.readouterr().out


def test_deleted_and_unlisted_files_are_reported(bundle: Path) -> None:
    (bundle / "junit.xml").unlink()
    (bundle / "extra.txt").write_text("slipped in later\n")
    problems = verify_bundle(bundle)
    assert "missing: junit.xml (listed in SHA256SUMS)" in problems
    assert "unlisted: extra.txt (not in SHA256SUMS)" in problems
    assert main(["verify", str(bundle)]) == 1


def test_missing_manifest_and_not_a_bundle(bundle: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bundle / "SHA256SUMS").unlink()
    assert verify_bundle(bundle) == ["missing: SHA256SUMS (the manifest; nothing can be verified)"]
    assert main(["verify", str(bundle)]) == 1
    with pytest.raises(UsageError):
        verify_bundle(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    assert main(["verify", str(tmp_path / "empty")]) == 2
    assert main(["verify", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "not a drill bundle" in err and "no such bundle directory" in err


def test_broken_run_still_gets_a_bundle(tmp_path: Path) -> None:
    result, _ = synthetic_run()
    broken = replace(result, status="error", verdicts=(), error="bring-up failed: chat-b unhealthy")
    tl = tmp_path / "timeline.jsonl"
    tl.write_text('{"kind":"header","run_id":"r","scenario":"s","t0_utc":"2026-11-28T02:00:00+00:00"}\n{"kind":"sam')
    out = write_bundle(broken, tl, tmp_path / "gone.yaml", tmp_path / "b", {})
    assert verify_bundle(out) == [] or verify_bundle(out) == ["missing: scenario.yaml (every bundle has one)"]
    html = (out / "report.html").read_text()
    assert "ERROR" in html and "chat-b unhealthy" in html and "last line was cut off" in html
    assert "bundle_notes" in json.loads((out / "environment.json").read_text())
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    (tmp_path / "s.yaml").write_text("name: s\n")
    out2 = write_bundle(broken, empty, tmp_path / "s.yaml", tmp_path / "b2", {})
    assert verify_bundle(out2) == []
    out3 = write_bundle(broken, tmp_path / "never-written.jsonl", tmp_path / "s.yaml", tmp_path / "b3", {})
    assert (out3 / "timeline.jsonl").read_text() == "" and verify_bundle(out3) == []


def test_timeline_written_in_place_is_kept(tmp_path: Path) -> None:
    result, records = synthetic_run(duration=30, hz=1)
    out = tmp_path / "bundle"
    out.mkdir()
    write_jsonl(records, out / "timeline.jsonl")
    before = (out / "timeline.jsonl").read_bytes()
    (tmp_path / "s.yaml").write_text("name: s\n")
    write_bundle(result, out / "timeline.jsonl", tmp_path / "s.yaml", out, {})
    assert (out / "timeline.jsonl").read_bytes() == before and verify_bundle(out) == []


def test_drill_report_regenerates_and_rewrites_manifest(bundle: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (bundle / "report.html").write_text("stale")  # derived files may be regenerated
    assert main(["report", str(bundle)]) == 0
    assert "FAILED" in (bundle / "report.html").read_text()
    assert verify_bundle(bundle) == []
    out = capsys.readouterr().out
    assert "rewrote report.html" in out


def test_drill_report_refuses_to_bless_tampered_evidence(bundle: Path) -> None:
    (bundle / "result.json").write_text((bundle / "result.json").read_text().replace('"failed"', '"passed"', 1))
    assert main(["report", str(bundle)]) == 2
    assert verify_bundle(bundle) == ["tampered: result.json (sha256 differs from SHA256SUMS)"]
    assert main(["report", "--force", str(bundle)]) == 0
    assert verify_bundle(bundle) == []


def test_report_on_missing_bundle_is_usage_error(tmp_path: Path) -> None:
    assert main(["report", str(tmp_path / "nope")]) == 2


REPO = Path(__file__).resolve().parents[2]


def test_drill_report_recomputes_verdicts_offline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    scenario = REPO / "scenarios" / "site-a-power-cut.yaml"
    if not scenario.is_file():
        pytest.skip("scenarios/site-a-power-cut.yaml is not in this checkout")
    monkeypatch.chdir(REPO)  # the scenario's compose topology is read from the checkout
    result, records = synthetic_run(duration=120, hz=5)
    write_jsonl(records, tmp_path / "timeline.jsonl")
    out = write_bundle(result, tmp_path / "timeline.jsonl", scenario, tmp_path / "b", {})
    assert main(["report", str(out)]) == 0
    assert "re-evaluated the checks" in capsys.readouterr().out
    html = (out / "report.html").read_text()
    assert 'id="recomputed"' in html and "Verdicts recomputed offline." in html
    assert "max_outage" in html  # computed by the check engine, absent from the literal result
    assert "dualization" in html  # the static lint is kept from result.json
    assert "Verdicts recomputed offline." in (out / "summary.md").read_text()
    assert verify_bundle(out) == []
    assert json.loads((out / "result.json").read_text())["verdicts"] == [v.to_dict() for v in result.verdicts]


def test_drill_report_without_check_engine_uses_result_json(bundle: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from drills.report import recompute

    def unavailable(*_: object) -> None:
        raise recompute._Unavailable("the check engine is not available (test)")

    monkeypatch.setattr(recompute, "_evaluate", unavailable)
    assert main(["report", str(bundle)]) == 0
    html = (bundle / "report.html").read_text()
    assert 'id="recomputed"' not in html and "Verdicts are those recorded in result.json" in html
