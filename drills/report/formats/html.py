"""The HTML report: one self-contained file (inline CSS and SVG, no scripts, no network).

    format ``html`` -> report.html           render_html(result, timeline, recomputed="", notes=()) -> str

Sections, in reading order for someone who was not there. The first screen: the verdict (with a
scenario's ``expect:``, whether it failed exactly as declared: EXPECTED FAILURE CONFIRMED), when and
how long, the scope in one sentence (a replica, not production), objectives vs achieved per
capability (availability, RTO, RPO: target -> measured worst), the control mapping, then the checks
with those that did not pass first. Then findings, a timeline chart per capability, the run's
facts, phases (UTC),
fault events, remediation and sign-off (blank, for a person to fill in), objectives
and targets, environment, and the evidence files of the bundle (relative links: the
evidence, every other registered report format, the manifest).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from drills import __version__
from drills.model.result import DrillResult
from drills.model.timeline import AFTER_RESTORE, Timeline
from drills.report.annotations import Annotations
from drills.report.chart import capability_chart, phase_bands, rto_spans, site_colours, system_chart, timeline_extent
from drills.report.evidence import EVIDENCE, MANIFEST, MANIFEST_DESCRIPTION
from drills.report.formats.base import FORMATS, Rendering, ReportFormat, register
from drills.report.rootcause import root_causes
from drills.report.view import (
    CONTROLS,
    Clock,
    expectation_text,
    expected_failure,
    failing_first,
    findings,
    flatten,
    fmt_bound,
    fmt_target,
    fmt_utc,
    fmt_value,
    objectives,
    observed,
    run_duration,
    scope_sentence,
    status_class,
    status_word,
    template_env,
)

__all__ = ["evidence_links", "render_html"]

NAME = "html"


def evidence_links() -> tuple[tuple[str, str], ...]:
    """(file, description) of every other file in the bundle, as the report links them."""
    others = tuple((f.file, f.description) for f in FORMATS.values() if f.name != NAME)
    return (*EVIDENCE, *others, (MANIFEST, MANIFEST_DESCRIPTION))


def _checks(result: DrillResult) -> list[dict[str, str]]:
    return [
        {
            "check": v.check,
            "capability": v.capability,
            "target": fmt_target(v),
            "measured": fmt_value(v.measured, v.unit),
            "bound": fmt_bound(v),
            "status": v.status,
            "expected": "expected" if expected_failure(result, v) else "",
            "message": v.message,
        }
        for v in failing_first(result)
    ]


def _charts(result: DrillResult, timeline: Timeline, clock: Clock) -> list[dict[str, Any]]:
    extent = timeline_extent(timeline)
    faults = timeline.faults()
    bands, actions = phase_bands(timeline, extent[1]), timeline.actions()
    t0_label = fmt_utc(clock.t0) if clock.t0 else "unknown"
    charts = []
    order = [v.capability for v in result.verdicts]
    caps = sorted(timeline.capabilities(), key=lambda c: (order.index(c) if c in order else len(order), c))
    phases = timeline.phases()
    colours = site_colours([s.site for s in timeline.samples() if s.site])
    for cap in caps:
        samples = timeline.samples(cap)
        bad = sum(1 for s in samples if not s.ok)
        period = min((p.period for p in timeline.probes(cap) if p.period > 0), default=0.0)
        charts.append(
            {
                "capability": cap,
                # capability_chart escapes every text it puts in the SVG
                "svg": Markup(capability_chart(cap, samples, faults, extent, t0_label,  # noqa: S704
                                               rto_spans(timeline, cap, extent[1]), bands, actions,
                                               phases=phases, period=period, colours=colours)),
                "samples": len(samples),
                "failed": bad,
                "probes": ", ".join(sorted({s.probe for s in samples})),
            }
        )
    return charts


def _causes(result: DrillResult, annotations: Annotations | None) -> list[dict[str, Any]]:
    notes = annotations.findings if annotations is not None else {}
    return [{"id": c.id, "kind": c.kind, "capability": c.capability, "title": c.title, "fix": c.fix,
             "status": c.status, "expected": c.expected, "verdicts": ", ".join(c.verdicts),
             "observed": observed(result, c.verdicts), "note": notes.get(c.id)}
            for c in root_causes(result)]  # fmt: skip


def render_html(
    result: DrillResult, timeline: Timeline, recomputed: str = "", notes: tuple[str, ...] = (),
    annotations: Annotations | None = None,
) -> str:
    """Render the report. ``recomputed``: a sentence when verdicts were recomputed offline;
    ``annotations``: remediation and sign-off recorded after the run (drill annotate)."""
    header = timeline.header
    clock = Clock.of(header.t0_utc if header else None, result.started_utc)
    found = findings(result)
    context = {
        "r": result,
        "status_word": status_word(result),
        "status_class": status_class(result),
        "expectation": expectation_text(result),
        "started": fmt_utc(result.started_utc),
        "ended": fmt_utc(result.ended_utc),
        "duration": run_duration(result),
        "t0": fmt_utc(clock.t0) if clock.t0 else "—",
        "checks": _checks(result),
        "failing": any(v.status != "pass" for v in result.verdicts),
        "objectives": objectives(result),
        "scope": scope_sentence(result),
        "controls": CONTROLS,
        "findings": found,
        "charts": _charts(result, timeline, clock),
        "system_chart": Markup(system_chart(timeline, timeline_extent(timeline),  # noqa: S704 - escaped inside
                                            fmt_utc(clock.t0) if clock.t0 else "unknown")),
        "site_legend": list(site_colours([s.site for s in timeline.samples() if s.site]).items()),
        "legend_bands": any(p.phase in AFTER_RESTORE for p in timeline.phases()),
        "legend_actions": bool(timeline.actions()),
        "phases": [
            {"phase": p.phase, "start": fmt_utc(p.start_utc), "end": fmt_utc(p.end_utc),
             "start_t": f"{p.start_t:.1f}s", "duration": fmt_value(p.duration, "s")}
            for p in result.phases
        ],
        "faults": [
            {"t": f"{e.t:.1f}s", "utc": clock.at(e.t), "action": e.action, "fault": e.fault,
             "type": e.type, "target": e.target, "ok": e.ok, "error": e.error}
            for e in timeline.faults()
        ],
        "targets": flatten(result.targets),
        "environment": flatten(result.environment),
        "evidence": evidence_links(),
        "recomputed": recomputed,
        "notes": notes,
        "causes": _causes(result, annotations),
        "run_findings": [f for f in found if f.check in ("run", "expect")],
        "sign_off": {s.role: s for s in annotations.sign_off} if annotations is not None else {},
        "version": __version__,
    }
    return template_env().get_template("report.html.j2").render(**context)


def _render(r: Rendering) -> str:
    return render_html(r.result, r.timeline, recomputed=r.recomputed, notes=r.notes, annotations=r.annotations)


register(ReportFormat(NAME, "report.html", "the report for people (self-contained: open it offline, print it)",
                      _render))
