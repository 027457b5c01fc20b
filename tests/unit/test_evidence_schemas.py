"""The evidence files carry a format version and match the JSON Schemas ``drill schema`` prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from drills.cli import main
from drills.model.result import RESULT_FORMAT, DrillResult
from drills.report import write_bundle
from drills.report.schemas import SCHEMAS, environment_schema, result_schema, timeline_schema
from drills.report.synthetic import synthetic_run, write_jsonl


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("schemas")
    result, records = synthetic_run(duration=90, hz=2)  # every record kind: probes, samples, faults, writes, ...
    write_jsonl(records, tmp / "timeline.jsonl")
    (tmp / "scenario.yaml").write_text("name: schemas\n")
    return write_bundle(result, tmp / "timeline.jsonl", tmp / "scenario.yaml", tmp / "bundle", {"docker": "27"})


def problems(schema: dict[str, object], data: object) -> list[str]:
    return [e.message for e in Draft202012Validator(schema).iter_errors(data)]


@pytest.mark.parametrize("which", sorted(SCHEMAS))
def test_each_schema_is_a_valid_draft_2020_12_schema_and_printed_by_drill_schema(
    which: str, capsys: pytest.CaptureFixture[str]
) -> None:
    Draft202012Validator.check_schema(SCHEMAS[which]())
    assert main(["schema", f"--{which}"]) == 0
    assert json.loads(capsys.readouterr().out) == SCHEMAS[which]()


def test_a_bundles_evidence_files_match_their_schemas(bundle: Path) -> None:
    result = json.loads((bundle / "result.json").read_text())
    env = json.loads((bundle / "environment.json").read_text())
    assert result["format"] == RESULT_FORMAT and env["format"] == 1
    assert problems(result_schema(), result) == []
    assert problems(environment_schema(), env) == []
    lines = [json.loads(line) for line in (bundle / "timeline.jsonl").read_text().splitlines() if line.strip()]
    kinds = {rec["kind"] for rec in lines}
    assert {"header", "phase", "sample", "fault"} <= kinds
    schema = timeline_schema()
    assert [(rec["kind"], problems(schema, rec)) for rec in lines if problems(schema, rec)] == []


def test_the_schemas_are_strict_where_it_matters(bundle: Path) -> None:
    result = json.loads((bundle / "result.json").read_text())
    assert problems(result_schema(), {**result, "verdict": "pass"})  # a misspelt field is not silently allowed
    assert problems(result_schema(), {**result, "status": "green"})
    broken_verdict = {**result["verdicts"][0], "status": "ok"}
    assert problems(result_schema(), {**result, "verdicts": [broken_verdict]})
    sample = {"kind": "sample", "t": 1.0, "probe": "chat", "capability": "chat", "ok": "yes", "latency": 0.1}
    assert problems(timeline_schema(), sample)
    assert problems(timeline_schema(), {"kind": "weather", "t": 1.0})
    assert problems(environment_schema(), {"drills_version": "0.1"})  # no format, no host


def test_result_json_round_trips_and_a_newer_format_is_refused(bundle: Path) -> None:
    data = json.loads((bundle / "result.json").read_text())
    assert DrillResult.from_dict(data).to_dict() == data
    legacy = {k: v for k, v in data.items() if k != "format"}  # written before formats were recorded
    assert DrillResult.from_dict(legacy).to_dict() == data
    with pytest.raises(ValueError, match="newer than this drills reads"):
        DrillResult.from_dict({**data, "format": RESULT_FORMAT + 1})
