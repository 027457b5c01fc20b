"""Report formats as plugins: the registry, the bundle's file lists and docs/reports.md agree,
and a format that registers itself is written, verified and regenerated with no other change;
the way back after a restore is timed in JUnit and listed in the HTML phases table."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from drills.engine.lifecycle import LOGS_DIR
from drills.engine.provenance import TOPOLOGY_DIR
from drills.model.result import PhaseSpan
from drills.model.timeline import AFTER_RESTORE, Timeline
from drills.report import bundle_files, regenerate, render_html, render_junit, verify_bundle, write_bundle
from drills.report.bundle import derived_files
from drills.report.evidence import EVIDENCE_FILES, MANIFEST, SIGNATURE
from drills.report.formats import FORMATS, Rendering, ReportFormat, register
from drills.report.formats.html import evidence_links
from drills.report.synthetic import synthetic_run, write_jsonl

DOC = Path(__file__).resolve().parents[2] / "docs" / "reports.md"


def _doc_formats() -> set[tuple[str, str, str]]:
    """(name, file, description) of each row of the "Report formats" table."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Report formats", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([^`]+)` \| `([^`]+)` \| (.+?) \|$", section, re.MULTILINE)
    return {(name, file, what) for name, file, what in rows}


def _doc_tree() -> set[str]:
    """File names in the bundle tree at the top of docs/reports.md."""
    tree = DOC.read_text(encoding="utf-8").split("```", 2)[1]
    return set(re.findall(r"^[├└]── (\S+)", tree, re.MULTILINE))


def test_registry_bundle_lists_and_docs_name_the_same_formats() -> None:
    registered = {(f.name, f.file, f.description) for f in FORMATS.values()}
    assert {name for name, _, _ in registered} == {"html", "junit", "markdown"}
    assert _doc_formats() == registered
    assert set(derived_files()) == {f.file for f in FORMATS.values()}
    assert set(bundle_files()) == {*EVIDENCE_FILES, *derived_files(), MANIFEST}
    # logs/ is a directory of the run's own (one file per service): named, not listed file by file;
    # the signature is optional (drill run --sign-key), so not in every bundle
    assert _doc_tree() == {*bundle_files(), f"{LOGS_DIR}/", f"{TOPOLOGY_DIR}/", SIGNATURE}


def test_the_html_report_links_every_other_file_of_the_bundle() -> None:
    links = dict(evidence_links())
    assert set(links) == set(bundle_files()) - {FORMATS["html"].file}
    assert links["junit.xml"] == FORMATS["junit"].description
    result, records = synthetic_run(duration=20, hz=1)
    html = render_html(result, Timeline(tuple(records)))
    for name in links:
        assert f'href="{name}"' in html


@pytest.mark.parametrize(
    ("fmt", "says"),
    [
        (ReportFormat("html", "other.html", "x", lambda r: ""), "already registered"),
        (ReportFormat("csv", "summary.md", "x", lambda r: ""), "already written by 'markdown'"),
        (ReportFormat("csv", "result.json", "x", lambda r: ""), "the run itself writes"),
        (ReportFormat("csv", MANIFEST, "x", lambda r: ""), "the run itself writes"),
        (ReportFormat("csv", "sub/verdicts.csv", "x", lambda r: ""), "plain visible file name"),
        (ReportFormat("csv", ".verdicts.csv", "x", lambda r: ""), "plain visible file name"),
    ],
)
def test_register_refuses_a_clash(fmt: ReportFormat, says: str) -> None:
    before = dict(FORMATS)
    with pytest.raises(ValueError, match=re.escape(says)):
        register(fmt)
    assert before == FORMATS


def _verdicts_csv(r: Rendering) -> str:
    return "".join(f"{v.name},{v.status}\n" for v in r.result.verdicts)


def test_a_registered_format_is_written_verified_and_regenerated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(FORMATS, "csv", ReportFormat("csv", "verdicts.csv", "one line per verdict", _verdicts_csv))
    assert "verdicts.csv" in derived_files() and "verdicts.csv" in bundle_files()
    result, records = synthetic_run(duration=20, hz=1)
    write_jsonl(records, tmp_path / "timeline.jsonl")
    (tmp_path / "s.yaml").write_text("name: site-a-power-cut\n")
    out = write_bundle(result, tmp_path / "timeline.jsonl", tmp_path / "s.yaml", tmp_path / "b", {})
    written = (out / "verdicts.csv").read_text()
    assert written.splitlines()[0] == f"{result.verdicts[0].name},{result.verdicts[0].status}"
    assert "verdicts.csv" in (out / MANIFEST).read_text()
    assert verify_bundle(out) == []
    (out / "verdicts.csv").write_text("edited\n")  # a derived file: regenerating restores it
    regen = regenerate(out, force=False)  # verdicts may be recomputed offline: render what it used
    assert (out / "verdicts.csv").read_text() == _verdicts_csv(Rendering(regen.result, Timeline()))
    assert verify_bundle(out) == []


def _suite_properties(xml: str) -> dict[str, str]:
    suite = ET.fromstring(xml).find("testsuite")
    assert suite is not None
    return {p.get("name", ""): p.get("value", "") for p in suite.findall("properties/property")}


def test_junit_times_the_way_back_as_suite_properties() -> None:
    result, _ = synthetic_run(duration=20, hz=1)
    phases = tuple(PhaseSpan(name, "", "", start, end) for name, start, end in (
        ("heal", 420.0, 431.0), ("rejoin", 431.0, 443.3), ("settle", 443.3, 463.3), ("failback", 463.3, 484.6),
        ("steady-after", 484.6, 494.6), ("verify", 494.6, 500.0)))  # fmt: skip
    props = _suite_properties(render_junit(replace(result, phases=phases)))
    assert {k: v for k, v in props.items() if k.startswith("phase.")} == {
        "phase.rejoin": "12.3s", "phase.failback": "21.3s", "phase.steady-after": "10.0s"}
    assert list(props)[:2] == ["run_id", "status"] and props["run_id"] == result.run_id  # kept as they were
    before = tuple(p for p in phases if p.phase not in AFTER_RESTORE)  # a run without restore:
    assert not [k for k in _suite_properties(render_junit(replace(result, phases=before))) if k.startswith("phase.")]


def test_the_html_phases_table_lists_the_way_back_with_durations() -> None:
    result, records = synthetic_run()
    html = render_html(result, Timeline(tuple(records)))
    table = html[html.index('<table id="phases">'):]
    rows = dict(re.findall(r"<tr><td>([a-z-]+)</td>(?:<td>[^<]*</td>){3}<td>([^<]*)</td></tr>",
                           table[: table.index("</table>")]))
    assert {p: rows[p] for p in AFTER_RESTORE} == {"rejoin": "5s", "failback": "30s", "steady-after": "30s"}
