"""JUnit XML: one ``<testsuite>`` per drill, one ``<testcase>`` per verdict.

    format ``junit`` -> junit.xml            render_junit(result) -> str

    classname   the scenario name          name   verdict.name, e.g. ``availability[chat]``
    pass        an empty testcase
    fail        <failure type="fail">      message states the target and the measured value
    unknown     <failure type="unknown">   a failure, not an error: the drill counts an unknown
                                           verdict as "not proven" (exit 1, like a failed check),
                                           while JUnit <error> means the test harness broke
    run broke   status error -> one extra testcase ``run[*]`` with <error>, so a CI dashboard
                shows a broken run as broken even when no verdict exists; status aborted ->
                ``run[*]`` with <failure type="aborted">; interrupted or killed -> ``run[*]``
                with <error type="interrupted"> / <error type="killed">.
    expect:     a scenario that declares how it must fail (a known DR mistake):
                a declared verdict that failed -> a *passing* testcase, with the property
                ``expected_failure`` and a system-out saying so; one extra testcase ``expect[*]``:
                passing with "expected failure confirmed" when the drill failed exactly as
                declared, else <failure type="unexpected"> with the reason (it passed, or failed
                differently, or broke); the suite's property ``expectation`` is the outcome.

Every testcase's ``system-out`` carries the verdict message. ``timestamp`` is the run start in UTC
without a zone or fractions (``2026-11-28T02:00:00``: JUnit's schema allows no zone). A testcase's
``time`` is the length of the stretch of the run its verdict judged: the window the check records
(``details.window``) when it records one, else from the first fault's phase to the verify phase
(the window run-time checks judge by default); 0 for the static lint and for a run with no such
phases. A failure's text is the verdict message, then its details one per line, values as JSON.
The suite's properties also time the way back after a restore: one ``phase.<name>`` per phase
of it the run reached (``phase.rejoin`` = ``14.0s``; rejoin, failback, steady-after), so a CI
dashboard shows how long the restored site took to rejoin without opening the report.
Built with xml.etree, so the output is always well-formed.
"""

from __future__ import annotations

import json
import math
import socket
import xml.etree.ElementTree as ET
from datetime import UTC

from drills.model.result import ENDED_EARLY, DrillResult, Verdict
from drills.model.timeline import AFTER_RESTORE
from drills.report.formats.base import Rendering, ReportFormat, register
from drills.report.view import expected_failure, fmt_target, fmt_value, parse_utc

__all__ = ["render_junit"]


def _failure_text(v: Verdict) -> str:
    target = fmt_target(v, ascii_only=True)
    measured = fmt_value(v.measured, v.unit)
    head = "unknown (not enough data, or the check crashed)" if v.status == "unknown" else "failed"
    return f"{v.name} {head}: target {target}, measured {measured}: {v.message}"


def _failure_body(v: Verdict) -> str:
    """The message, then each detail on its own line, its value as JSON (never a Python repr)."""
    lines = [v.message]
    for key, value in sorted(v.details.items()):
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        lines.append(f"{key}: {text}")
    return "\n".join(lines)


def _judged_s(result: DrillResult, v: Verdict) -> float:
    """The length of the stretch of the run ``v`` judged (see the module docstring)."""
    window = v.details.get("window")
    if isinstance(window, (list, tuple)) and len(window) == 2 and all(isinstance(x, (int, float)) for x in window):
        span = float(window[1]) - float(window[0])
        return span if math.isfinite(span) and span > 0 else 0.0
    if v.check == "dualization":
        return 0.0
    starts = {p.phase: p.start_t for p in result.phases}
    first_fault = next((p.start_t for p in result.phases if p.phase == "fault"), None)
    end = starts.get("verify")
    return max(0.0, end - first_fault) if first_fault is not None and end is not None else 0.0


def _timestamp(utc: str) -> str:
    """``2026-11-28T02:00:00``: UTC, whole seconds, no zone (what JUnit's xs:dateTime pattern allows)."""
    dt = parse_utc(utc)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if dt is not None else "1970-01-01T00:00:00"


def _seconds(result: DrillResult) -> float:
    start, end = parse_utc(result.started_utc), parse_utc(result.ended_utc)
    return max(0.0, (end - start).total_seconds()) if start and end else 0.0


def render_junit(result: DrillResult) -> str:
    suite = ET.Element("testsuite")
    cases: list[ET.Element] = []
    failures = errors = 0
    for v in result.verdicts:
        case = ET.Element("testcase", classname=result.scenario_name, name=v.name,
                          time=f"{_judged_s(result, v):.3f}")
        out = v.message
        if expected_failure(result, v):
            props = ET.SubElement(case, "properties")
            ET.SubElement(props, "property", name="expected_failure", value="declared in the scenario's expect:")
            out = f"expected failure (declared in the scenario's expect:): {v.message}"
        elif v.status != "pass":
            failures += 1
            fail = ET.SubElement(case, "failure", message=_failure_text(v), type=v.status)
            fail.text = _failure_body(v)
        ET.SubElement(case, "system-out").text = out
        cases.append(case)
    if result.expectation is not None:
        exp = result.expectation
        case = ET.Element("testcase", classname=result.scenario_name, name="expect[*]", time="0.000")
        if result.as_declared:
            text = f"expected failure confirmed: {exp.reason}"
        else:
            failures += 1
            text = f"expected failure not confirmed: {exp.reason}"
            ET.SubElement(case, "failure", message=text, type="unexpected").text = text
        ET.SubElement(case, "system-out").text = text
        cases.insert(0, case)
    if result.status in ENDED_EARLY:
        case = ET.Element("testcase", classname=result.scenario_name, name="run[*]", time=f"{_seconds(result):.3f}")
        text = result.error or f"the run ended with status {result.status}"
        if result.status != "aborted":
            errors += 1
            kind = "environment" if result.status == "error" else result.status
            ET.SubElement(case, "error", message=text, type=kind).text = text
        else:
            failures += 1
            ET.SubElement(case, "failure", message=text, type="aborted").text = text
        ET.SubElement(case, "system-out").text = text
        cases.insert(0, case)
    host = result.environment.get("host", {})
    suite.attrib.update(
        name=f"drill.{result.scenario_name}",
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{_seconds(result):.3f}",
        timestamp=_timestamp(result.started_utc),
        hostname=str(host.get("hostname") if isinstance(host, dict) and host.get("hostname") else socket.gethostname()),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("run_id", result.run_id),
        ("status", result.status),
        ("scenario_path", result.scenario_path),
        ("scenario_digest", result.scenario_digest),
        ("started_utc", result.started_utc),
        ("ended_utc", result.ended_utc),
        *((("expectation", result.expectation.outcome),) if result.expectation is not None else ()),
        *((f"phase.{p.phase}", f"{p.duration:.1f}s") for p in result.phases if p.phase in AFTER_RESTORE),
    ):
        ET.SubElement(props, "property", name=name, value=str(value))
    suite.extend(cases)
    suites = ET.Element("testsuites", name="drills", tests=suite.get("tests", "0"),
                        failures=str(failures), errors=str(errors), time=suite.get("time", "0"))
    suites.append(suite)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


def _render(r: Rendering) -> str:
    return render_junit(r.result)


register(ReportFormat("junit", "junit.xml", "the verdicts as JUnit test cases, for CI", _render))
