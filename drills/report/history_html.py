"""``drill history --html``: one self-contained page, a small SVG chart per scenario and capability.

Each chart is drawn against the calendar, not the run index: x is each run's start (UTC), so a
night with no run is a visible gap. Availability per run is a line with a dot per run (left axis,
0-100%; the dot green when the capability met its objectives, red when not, amber when not
proven, grey when it failed as its scenario declares); RTO per run is a bar (right axis, seconds);
the targets are dashed lines (availability blue, RTO amber); regressions are circled in red.
Below each chart, the runs as a table (result, availability, RTO, RPO, finding IDs); then, per
scenario, when each finding (root-cause ID) was first seen and when it was closed; the bundles
left out because they do not verify; and the scenarios whose last passing run is too old.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from markupsafe import Markup

from drills.report.history import FindingEvent, Point
from drills.report.view import fmt_utc, parse_utc, template_env

__all__ = ["history_chart", "render_history_html"]

W, H, PAD = 720, 170, 44
_DOT = {"pass": "#2e9d4f", "fail": "#d0312d", "unknown": "#c77700", "expected": "#7a8a7f"}


def _x(points: list[Point]) -> list[float]:
    """Each run's x from its start time; runs without a readable time are spread evenly."""
    times = [parse_utc(p.started_utc) for p in points]
    known = [t for t in times if t is not None]
    if len(known) < 2 or max(known) == min(known):
        step = (W - 2 * PAD) / max(1, len(points))
        return [PAD + (i + 0.5) * step for i in range(len(points))]
    lo, hi = min(known), max(known)
    span = (hi - lo).total_seconds()
    inner = W - 2 * PAD - 20
    return [PAD + 10 + ((t - lo).total_seconds() / span) * inner if t is not None else PAD for t in times]


def _day(t: datetime | None) -> str:
    return t.strftime("%Y-%m-%d") if t is not None else ""


def history_chart(points: list[Point]) -> str:
    xs = _x(points)
    plot_h = H - PAD - 12
    base = H - PAD
    rto_values = [p.rto for p in points if p.rto is not None] + [p.rto_target for p in points if p.rto_target]
    top = max(rto_values, default=1.0) * 1.15 or 1.0
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="history">',
           f'<line x1="{PAD}" y1="{base}" x2="{W - PAD}" y2="{base}" stroke="#555"/>',
           f'<text x="{PAD - 4}" y="{base - plot_h + 4}" class="tick" text-anchor="end">100%</text>',
           f'<text x="{PAD - 4}" y="{base}" class="tick" text-anchor="end">0%</text>',
           f'<text x="{W - PAD + 4}" y="{base - plot_h + 4}" class="tick">{top:.1f}s</text>',
           f'<text x="{W - PAD + 4}" y="{base}" class="tick">0s</text>']  # fmt: skip
    avail_target = next((p.availability_target for p in reversed(points) if p.availability_target is not None), None)
    rto_target = next((p.rto_target for p in reversed(points) if p.rto_target is not None), None)
    if avail_target is not None:
        y = base - avail_target * plot_h
        out.append(f'<line x1="{PAD}" y1="{y:.1f}" x2="{W - PAD}" y2="{y:.1f}" stroke="#2b5fb4" '
                   f'stroke-dasharray="5 4"/><text x="{PAD + 4}" y="{y - 3:.1f}" class="tick">availability target '
                   f'{avail_target * 100:g}%</text>')  # fmt: skip
    if rto_target is not None:
        y = base - rto_target / top * plot_h
        out.append(f'<line x1="{PAD}" y1="{y:.1f}" x2="{W - PAD}" y2="{y:.1f}" stroke="#c77700" '
                   f'stroke-dasharray="2 3"/><text x="{W - PAD - 4}" y="{y - 3:.1f}" class="tick" '
                   f'text-anchor="end">RTO target {rto_target:g}s</text>')  # fmt: skip
    line = []
    for x, p in zip(xs, points, strict=True):
        when = escape(fmt_utc(p.started_utc))
        if p.rto is not None:
            h = p.rto / top * plot_h
            out.append(f'<rect x="{x - 3:.1f}" y="{base - h:.1f}" width="6" height="{h:.1f}" fill="#f4b400" '
                       f'fill-opacity="0.55"><title>{when}: RTO {p.rto:.1f}s</title></rect>')
        if p.availability is not None:
            line.append((x, base - p.availability * plot_h, p, when))
        if p.regressions:
            out.append(f'<circle cx="{x:.1f}" cy="{base - plot_h / 2:.1f}" r="8" fill="none" stroke="#d0312d" '
                       'stroke-width="2"/>')
    if line:
        out.append('<polyline fill="none" stroke="#2b5fb4" stroke-width="1.5" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in line) + '"/>')
        for x, y, p, when in line:
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.2" fill="{_DOT.get(p.status, "#555")}"><title>'
                       f'{when}: {(p.availability or 0.0) * 100:.2f}% ({escape(p.status)})</title></circle>')
    times = [parse_utc(p.started_utc) for p in points]
    if points:
        first, last = 0, len(points) - 1
        out.append(f'<text x="{xs[first]:.1f}" y="{base + 14}" class="tick" text-anchor="start">'
                   f'{_day(times[first])}</text>')
        if last != first:
            out.append(f'<text x="{xs[last]:.1f}" y="{base + 14}" class="tick" text-anchor="end">'
                       f'{_day(times[last])}</text>')
    out.append(f'<text x="{W / 2:.0f}" y="{H - 6}" class="tick" text-anchor="middle">run start (UTC), to scale: '
               'a gap is a period with no run</text></svg>')
    return "".join(out)


def render_history_html(
    flagged: dict[tuple[str, str], list[Point]], rule_text: str,
    events: dict[str, list[FindingEvent]] | None = None, excluded: Sequence[tuple[object, str]] | None = None,
    too_old: list[str] | None = None,
) -> str:
    word = {"pass": "met", "fail": "NOT MET", "unknown": "not proven", "expected": "failed as declared"}
    groups = [
        {"scenario": s, "capability": c, "svg": Markup(history_chart(pts)),  # noqa: S704 - every text in it is escaped
         "rows": [{"start": fmt_utc(p.started_utc), "status": p.status, "word": word.get(p.status, p.status),
                   "run_id": p.run_id,
                   "availability": "—" if p.availability is None else f"{p.availability * 100:.2f}%",
                   "rto": ("never recovered" if p.rto_judged else "—") if p.rto is None else f"{p.rto:.1f}s",
                   "rpo": "—" if p.rpo is None else f"{p.rpo:g}", "findings": " ".join(p.findings),
                   "regressions": p.regressions} for p in pts]}
        for (s, c), pts in sorted(flagged.items())
    ]  # fmt: skip
    findings = [{"scenario": s, "id": e.id, "title": e.title, "first": fmt_utc(e.first_seen),
                 "closed": fmt_utc(e.closed) if e.closed else "", "remediation": e.remediation}
                for s, evs in sorted((events or {}).items()) for e in evs]  # fmt: skip
    return template_env().get_template("history.html.j2").render(
        groups=groups, rule_text=rule_text, findings=findings,
        excluded=[(str(b), why) for b, why in excluded or []], too_old=too_old or [])
