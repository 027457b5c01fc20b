"""``drill history --html``: one self-contained page, a small SVG chart per capability.

Each chart: availability per run (line, left axis 0-100%), RTO per run (bars, right axis),
regressions circled in red. x = run index (oldest left); run start UTC in the table below.
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from drills.report.history import Point
from drills.report.view import fmt_utc, template_env

__all__ = ["history_chart", "render_history_html"]

W, H, PAD = 720, 150, 40


def history_chart(points: list[Point]) -> str:
    n = len(points)
    step = (W - 2 * PAD) / max(1, n)
    rtos = [p.rto for p in points if p.rto is not None]
    top = max(rtos) if rtos else 1.0
    top = top if top > 0 else 1.0
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="history">',
           f'<line x1="{PAD}" y1="{H - PAD}" x2="{W - PAD}" y2="{H - PAD}" stroke="#555"/>',
           f'<text x="{PAD - 4}" y="{14}" class="tick" text-anchor="end">100%</text>',
           f'<text x="{PAD - 4}" y="{H - PAD}" class="tick" text-anchor="end">0%</text>',
           f'<text x="{W - PAD + 4}" y="{14}" class="tick">{top:.1f}s</text>',
           f'<text x="{W - PAD + 4}" y="{H - PAD}" class="tick">RTO</text>']
    plot_h = H - PAD - 10
    pts = []
    for i, p in enumerate(points):
        cx = PAD + (i + 0.5) * step
        if p.rto is not None:
            h = p.rto / top * plot_h
            out.append(f'<rect x="{cx - step * 0.3:.1f}" y="{H - PAD - h:.1f}" width="{step * 0.6:.1f}" '
                       f'height="{h:.1f}" fill="#f4b400" fill-opacity="0.5"><title>RTO {p.rto:.1f}s</title></rect>')
        if p.availability is not None:
            y = H - PAD - p.availability * plot_h
            pts.append((cx, y, p))
        out.append(f'<text x="{cx:.1f}" y="{H - PAD + 14}" class="tick" text-anchor="middle">{i + 1}</text>')
    if pts:
        out.append('<polyline fill="none" stroke="#2b5fb4" stroke-width="1.5" points="'
                   + " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in pts) + '"/>')
        for x, y, p in pts:
            colour = "#d0312d" if p.status != "passed" else "#2e9d4f"
            out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>'
                       f'{escape(fmt_utc(p.started_utc))}: {(p.availability or 0.0) * 100:.2f}%</title></circle>')
    for i, p in enumerate(points):
        if p.regressions:
            cx = PAD + (i + 0.5) * step
            out.append(f'<circle cx="{cx:.1f}" cy="{H - PAD - plot_h / 2:.1f}" r="{max(6.0, step * 0.4):.1f}" '
                       f'fill="none" stroke="#d0312d" stroke-width="2"/>')
    out.append(f'<text x="{W / 2:.0f}" y="{H - 6}" class="tick" text-anchor="middle">run (oldest first)</text></svg>')
    return "".join(out)


def render_history_html(flagged: dict[tuple[str, str], list[Point]], rule_text: str) -> str:
    groups = [
        {"scenario": s, "capability": c, "svg": Markup(history_chart(pts)),  # noqa: S704 - its one text (a time) is escaped
         "rows": [{"n": i + 1, "start": fmt_utc(p.started_utc), "status": p.status, "run_id": p.run_id,
                   "availability": "—" if p.availability is None else f"{p.availability * 100:.2f}%",
                   "rto": ("never recovered" if p.rto_judged else "—") if p.rto is None else f"{p.rto:.1f}s",
                   "regressions": p.regressions} for i, p in enumerate(pts)]}
        for (s, c), pts in sorted(flagged.items())
    ]
    return template_env().get_template("history.html.j2").render(groups=groups, rule_text=rule_text)
