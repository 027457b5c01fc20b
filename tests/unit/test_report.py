"""Reports rendered from literal results, one per run status: HTML, Markdown, JUnit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from drills.model.expectation import Expectation, ExpectedFailure, judge
from drills.model.result import DrillResult, PhaseSpan, Verdict
from drills.model.timeline import Timeline
from drills.report import render_html, render_junit, render_markdown
from drills.report.synthetic import synthetic_run
from drills.report.view import CONTROLS, failing_first, findings, objectives

FAILED, RECORDS = synthetic_run()
TIMELINE = Timeline(tuple(RECORDS))
PASSED = replace(
    FAILED,
    status="passed",
    verdicts=tuple(v for v in FAILED.verdicts if v.status == "pass"),
)
ERROR = DrillResult(
    run_id="run-err", scenario_name="site-b-power-cut", scenario_path="scenarios/site-b-power-cut.yaml",
    scenario_digest="ab" * 32, status="error", started_utc="2026-11-28T02:00:00+00:00",
    ended_utc="2026-11-28T02:00:41+00:00",
    phases=(PhaseSpan("bringup", "2026-11-28T02:00:00+00:00", "2026-11-28T02:00:41+00:00", 0.0, 41.0),),
    error="bring-up failed: service chat-b did not become healthy within 40s",
)
ABORTED = replace(FAILED, status="aborted", error="abort: devtools down longer than 60s; faults healed early")

EXTERNAL = re.compile(
    r"""(src|href)\s*=\s*["']?\s*(https?:)?//|@import|url\(\s*["']?\s*(https?:)?//|<script|<link|<iframe""",
    re.IGNORECASE,
)


def assert_self_contained(html: str) -> None:
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize(
    ("result", "word"), [(PASSED, "PASSED"), (FAILED, "FAILED"), (ABORTED, "ABORTED"), (ERROR, "ERROR")]
)
def test_html_for_each_status(result: DrillResult, word: str) -> None:
    timeline = Timeline() if result.status == "error" else TIMELINE
    html = render_html(result, timeline)
    assert f'class="verdict v-{result.status}" id="verdict">{word}<' in html
    assert result.scenario_name in html and result.run_id in html and result.scenario_digest in html
    assert "2026-11-28 02:00:00 UTC" in html  # start, in UTC
    for p in result.phases:  # phases with their UTC timestamps
        assert p.phase in html
    assert 'id="sign-off"' in html and "Signature" in html and "Reviewer" in html
    assert 'id="remediation"' in html and "Owner" in html and "Due date" in html
    assert 'href="timeline.jsonl"' in html
    assert_self_contained(html)
    if result.error:
        assert result.error in html
    if timeline.records:
        assert html.count("<svg") == 3  # one chart per capability
    else:
        assert "No probe samples were recorded (the run broke before the probes ran)" in html


def test_html_check_rows_target_and_measured() -> None:
    html = render_html(FAILED, TIMELINE)
    rows = re.findall(r'<tr class="check-row">(.*?)</tr>', html, re.DOTALL)
    assert len(rows) == len(FAILED.verdicts)
    assert "<td>availability</td><td>devtools</td><td>≥ 95%</td>\n      <td>0%</td>" in html
    assert "<td>rto_first</td><td>chat</td><td>≤ 30s</td>\n      <td>6.5s</td><td>±100ms</td>" in html
    assert '<td class="s-unknown">UNKNOWN</td>' in html


def test_findings_in_plain_words() -> None:
    texts = [f.text for f in findings(FAILED)]
    assert (
        "devtools was unavailable for 100% of the outage window (target: available ≥ 95%): "
        "the dualization lint found that devtools has no instance in site b: losing site a takes it down"
    ) in texts
    assert any(t.startswith("devtools is not dual-site: devtools has no instance in site b") for t in texts)
    assert any("devtools did not serve a successful request again" in t for t in texts)
    assert any(t.startswith("split brain of chat could not be judged") for t in texts)
    assert findings(PASSED) == []
    assert findings(ERROR)[0].text.startswith("The run broke: bring-up failed")
    html = render_html(FAILED, TIMELINE)
    assert "devtools was unavailable for 100% of the outage window" in html


def test_html_escapes_what_it_is_given() -> None:
    evil = replace(FAILED, description='<script>alert("x")</script>')
    html = render_html(evil, TIMELINE)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_markdown_summary() -> None:
    md = render_markdown(FAILED)
    assert md.startswith("## ❌ FAILED: drill `site-a-power-cut`")
    assert "| Check | Capability | Target | Measured | Result |" in md
    assert "| availability | devtools | ≥ 95% | 0% | ❌ fail |" in md
    assert "| rto_first | chat | ≤ 30s | 6.5s ±100ms | ✅ pass |" in md
    assert "| split_brain | chat | — | — | ❔ unknown |" in md
    assert "### Findings" in md and "devtools was unavailable for 100%" in md
    assert "### Findings" not in render_markdown(PASSED)
    err = render_markdown(ERROR)
    assert "ERROR" in err and "No verdicts were computed." in err and "did not become healthy" in err


def test_markdown_escapes_pipes() -> None:
    r = replace(PASSED, verdicts=(Verdict("availability", "a|b", "pass", "m", 0.9, 1.0, "ratio", None, ">="),))
    assert "| availability | a\\|b |" in render_markdown(r)


def _junit(result: DrillResult) -> ET.Element:
    root = ET.fromstring(render_junit(result))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert len(suites) == 1
    return suites[0]


def test_junit_one_testcase_per_verdict() -> None:
    suite = _junit(FAILED)
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [v.name for v in FAILED.verdicts]
    assert {c.get("classname") for c in cases} == {"site-a-power-cut"}
    assert suite.get("timestamp") == FAILED.started_utc[:19]  # UTC, whole seconds, no zone
    assert suite.get("tests") == str(len(FAILED.verdicts)) and suite.get("failures") == "4"
    by_name = {c.get("name"): c for c in cases}
    fail = by_name["availability[devtools]"].find("failure")
    assert fail is not None and "target >= 95%" in fail.get("message", "") and "measured 0%" in fail.get("message", "")
    unknown = by_name["split_brain[chat]"].find("failure")
    assert unknown is not None and unknown.get("type") == "unknown"
    ok = by_name["availability[chat]"]
    assert ok.find("failure") is None
    assert ok.findtext("system-out") == "chat availability 97.8% >= target 95.0%"


JUNIT_XSD = Path(__file__).parent / "data" / "junit.xsd"


@pytest.mark.parametrize("result", [PASSED, FAILED, ERROR, ABORTED], ids=lambda r: r.status)
def test_junit_is_valid_against_the_junit_schema(result: DrillResult) -> None:
    import xmlschema

    schema = xmlschema.XMLSchema(str(JUNIT_XSD))
    schema.validate(render_junit(result))
    # and the schema is strict where the old output was wrong: a zoned, fractional timestamp fails
    zoned = render_junit(result).replace(f'timestamp="{result.started_utc[:19]}"',
                                         'timestamp="2026-11-28T02:00:00.000000+00:00"')
    assert not schema.is_valid(zoned)


def test_junit_testcase_time_is_the_judged_window_and_failure_text_is_readable() -> None:
    v = Verdict("availability", "devtools", "fail", "devtools availability 0% < target 95%", 0.95, 0.0, "ratio",
                None, ">=", details={"window": [120.0, 420.0], "ok": 0, "by_site": {"a": 0}, "note": "plain"})
    rto = Verdict("rto_first", "chat", "pass", "chat RTO 6.5s", 30.0, 6.5, "s", 0.1, "<=")
    lint = Verdict("dualization", "devtools", "fail", "devtools data only in site a")
    phases = (PhaseSpan("steady", "", "", 10.0, 20.0), PhaseSpan("fault", "", "", 20.0, 80.0),
              PhaseSpan("settle", "", "", 80.0, 95.0), PhaseSpan("verify", "", "", 95.0, 99.0))
    cases = {c.get("name"): c for c in _junit(replace(FAILED, verdicts=(v, rto, lint), phases=phases)).iter("testcase")}
    assert cases["availability[devtools]"].get("time") == "300.000"  # its recorded window
    assert cases["rto_first[chat]"].get("time") == "75.000"  # first fault -> verify
    assert cases["dualization[devtools]"].get("time") == "0.000"  # the static lint judged no stretch of the run
    text = cases["availability[devtools]"].findtext("failure") or ""
    assert text.splitlines() == ["devtools availability 0% < target 95%", 'by_site: {"a": 0}', "note: plain",
                                 "ok: 0", "window: [120.0, 420.0]"]


def test_junit_broken_run_is_an_error() -> None:
    suite = _junit(ERROR)
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["run[*]"]
    err = cases[0].find("error")
    assert err is not None and "did not become healthy" in err.get("message", "")
    assert suite.get("errors") == "1"
    aborted = _junit(ABORTED)
    assert len(aborted.findall("testcase")) == len(ABORTED.verdicts) + 1
    assert aborted.find("testcase/failure[@type='aborted']") is not None


def test_chart_shades_the_rto_checks_spans_and_is_downsampled() -> None:
    # The span is computed from the timeline with the rto check's own definition
    # (tests/unit/test_chart.py); on this timeline it matches the verdict below.
    rto = Verdict("rto_first", "chat", "pass", "chat RTO 6.5s", 30.0, 6.5, "s", 0.1, "<=",
                  details={"faults": [{"fault": "cut-a", "inject_t": 120.0, "failed_at": 120.0, "first": 6.5}]})
    html = render_html(replace(FAILED, verdicts=(rto,)), TIMELINE)
    assert re.findall(r'class="rto"[^>]*>([^<]*)<', html)[0] == "RTO 6.5s"
    # 6,000 samples per capability become a handful of merged rectangles and <= 600 line points
    chat = html[html.index('aria-label="chat timeline"'):]
    chat = chat[: chat.index("</svg>")]
    strip = re.findall(r'<rect x="[\d.]+" y="50" ', chat)  # the up/down strip's rectangles
    assert 0 < len(strip) < 20
    points = re.search(r'<polyline points="([^"]*)"', chat)
    assert points is not None and len(points.group(1).split()) <= 600


def test_objectives_give_each_capability_target_to_measured_worst() -> None:
    rows = {o.capability: o for o in objectives(FAILED)}
    assert list(rows) == list(dict.fromkeys(v.capability for v in FAILED.verdicts
                                            if v.capability != "*" and v.check != "rpo"))  # fmt: skip
    dev = rows["devtools"]
    assert dev.status == "fail" and dev.availability is not None and dev.availability.status == "fail"
    assert dev.availability.text == "≥ 95% → 0%"
    chat = rows["chat"]
    assert chat.rto is not None and chat.rto.text.startswith("≤ 30s → ") and chat.rto.status == "pass"


def test_a_confirmed_known_bad_run_labels_its_declared_failures_expected() -> None:
    failing = tuple(ExpectedFailure(v.check, v.capability) for v in FAILED.verdicts if v.status == "fail")
    unknown_free = replace(FAILED, verdicts=tuple(v for v in FAILED.verdicts if v.status != "unknown"))
    judged = judge(Expectation(failing), unknown_free.verdicts, "failed")
    assert judged.confirmed
    confirmed = replace(unknown_free, expectation=judged)
    assert {o.capability: o.status for o in objectives(confirmed)}["devtools"] == "expected"
    order = [v.status for v in failing_first(confirmed)]
    assert order == sorted(order, key=lambda s: s == "pass")  # every declared failure before the passes
    html = render_html(confirmed, TIMELINE)
    assert "NOT MET (expected)" in html


def test_the_first_screen_has_verdict_scope_objectives_controls_then_checks_failing_first() -> None:
    html = render_html(FAILED, TIMELINE)
    marks = ['id="verdict"', 'id="scope"', 'id="objectives"', 'id="controls"', 'id="checks"', 'id="findings"']
    positions = [html.index(m) for m in marks]
    assert positions == sorted(positions), dict(zip(marks, positions, strict=True))
    assert "not production" in html and "ISO 22301" in html and "DORA" in html
    rows = re.findall(r'<tr class="check-row">.*?class="s-(\w+)"', html, re.DOTALL)
    assert rows[0] != "pass" and rows == sorted(rows, key=lambda s: {"fail": 0, "unknown": 1, "pass": 2}[s])
    md = render_markdown(FAILED)
    assert md.index("| Capability | Result |") < md.index("| Check | Capability |")
    assert "not production" in md and "| devtools | ❌ not met | ≥ 95% → 0% |" in md


def test_the_control_mapping_is_the_one_docs_reports_md_documents() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "reports.md").read_text()
    rows = re.findall(r"^\| ((?:ISO|SOC|DORA)[^|]+) \| ([^|]+) \|$", doc, re.MULTILINE)
    assert [(a.strip(), b.strip()) for a, b in rows] == list(CONTROLS)


def test_the_rto_objective_shows_the_longer_of_first_and_stable_recovery() -> None:
    first = Verdict("rto_first", "chat", "pass", "m", 15.0, 4.2, "s", 0.1, "<=")
    stable = Verdict("rto_stable", "chat", "pass", "m", 15.0, 9.8, "s", 0.1, "<=")
    [row] = objectives(replace(FAILED, verdicts=(first, stable)))
    assert row.rto is not None and row.rto.text == "≤ 15s → 9.8s"
