"""Inline SVG timeline charts: one per capability, drawn from the data, no plotting library.

Layout of one chart (viewBox units, x = seconds since t0):

    |  inject cut-a        heal cut-a           <- fault markers (labelled vertical lines)
    |  ████████████▒▒▒▒▒▒▒████████████████      <- up/down strip: green ok, red failed, grey none
    |  ~~~~~~~~~~~~/^~~~~~~~~~~~~~~~~~~~~~      <- latency line (max per column)
    |     [//// RTO 12.3s ////]                 <- RTO span shaded
    +--------------------------------------> s since t0 (t0 = ... UTC)

Downsampling keeps it fast and small: samples are bucketed into at most
``COLUMNS`` columns; a column is red if any sample in it failed. Adjacent columns
of the same colour merge into one rectangle, so a 10-minute 10 Hz timeline is a
handful of elements, not thousands.

RTO spans come from the one RTO definition, :func:`drills.checks.rto.recoveries` (the
function the rto check judges with), so the chart always shows the number in the checks
table: for each fault the capability failed under, inject -> inject + ``first``
(``RTO 6.5s``), or inject -> end of the chart when ``first`` is None (``cut-a: not
recovered``). A fault the capability never failed under draws no span.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from drills.checks.rto import recoveries
from drills.model.timeline import FaultEvent, Sample, Timeline

__all__ = ["COLUMNS", "Span", "capability_chart", "rto_spans", "timeline_extent"]

COLUMNS = 600
W, PAD_L, PAD_R = 960, 56, 16
STRIP_Y, STRIP_H = 40, 18
LAT_Y, LAT_H = 66, 70
AXIS_Y = LAT_Y + LAT_H + 6
H = AXIS_Y + 34
GREEN, RED, GREY, LINE = "#2e9d4f", "#d0312d", "#d9d9d9", "#2b5fb4"


@dataclass(frozen=True)
class Span:
    start: float
    end: float
    label: str


def timeline_extent(timeline: Timeline) -> tuple[float, float]:
    ts = [r.t for r in timeline.records if hasattr(r, "t")]  # every record but the header
    if not ts:
        return 0.0, 1.0
    lo, hi = min(0.0, *ts), max(ts)
    return lo, hi if hi > lo else lo + 1.0


def rto_spans(timeline: Timeline, capability: str, end: float) -> list[Span]:
    """The rto check's recoveries of ``capability`` as spans; ``end``: where "not recovered" stops.

    Only ``first`` is drawn; it depends neither on the stable run length nor on the probe
    period (those only shape ``stable`` and the error bounds), so neutral values are passed.
    """
    spans: list[Span] = []
    for r in recoveries(timeline, capability, stable_for=0.0, probe_period=0.0):
        if r.failed_at is None:
            continue  # never failed under this fault: nothing to shade
        if r.first is None:
            spans.append(Span(r.inject_t, max(end, r.inject_t), f"{r.fault}: not recovered"))
        else:
            spans.append(Span(r.inject_t, r.inject_t + r.first, f"RTO {r.first:.1f}s"))
    return spans


def _nice_step(span: float, target_ticks: int = 10) -> float:
    raw = span / target_ticks
    for step in (0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if step >= raw:
            return step
    return 3600.0 * max(1, round(raw / 3600))


def _fmt_lat(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


class _Scale:
    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi
        self.k = (W - PAD_L - PAD_R) / (hi - lo)

    def x(self, t: float) -> float:
        return PAD_L + (min(max(t, self.lo), self.hi) - self.lo) * self.k


def _buckets(samples: list[Sample], lo: float, hi: float, n: int) -> list[tuple[int, int, float]]:
    """Per column: (ok count, failed count, max latency)."""
    cols = [[0, 0, 0.0] for _ in range(n)]
    width = (hi - lo) / n
    for s in samples:
        i = min(n - 1, max(0, int((s.t - lo) / width)))
        c = cols[i]
        if s.ok:
            c[0] += 1
        else:
            c[1] += 1
        if s.latency > c[2]:
            c[2] = s.latency
    return [(int(a), int(b), float(m)) for a, b, m in cols]


def capability_chart(
    capability: str, samples: list[Sample], faults: list[FaultEvent], extent: tuple[float, float], t0_label: str,
    spans: list[Span],
) -> str:
    """One chart; ``spans``: the RTO spans to shade (from :func:`rto_spans`)."""
    lo, hi = extent
    sc = _Scale(lo, hi)
    n = max(1, min(COLUMNS, int(W - PAD_L - PAD_R)))
    cols = _buckets(samples, lo, hi, n)
    colw = (W - PAD_L - PAD_R) / n
    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(capability)} timeline">',
        f"<title>{escape(capability)}: availability and latency over time</title>",
        f'<text x="4" y="{STRIP_Y + 13}" class="lbl">up/down</text>',
        f'<text x="4" y="{LAT_Y + LAT_H / 2 + 4:.0f}" class="lbl">latency</text>',
    ]
    # RTO spans (behind everything)
    for sp in spans:
        x1, x2 = sc.x(sp.start), sc.x(sp.end)
        out.append(
            f'<rect x="{x1:.1f}" y="{STRIP_Y - 4}" width="{max(1.0, x2 - x1):.1f}" height="{AXIS_Y - STRIP_Y + 4}" '
            f'fill="#f4b400" fill-opacity="0.18"/>'
            f'<text x="{(x1 + x2) / 2:.1f}" y="{AXIS_Y - 4}" class="rto" text-anchor="middle">{escape(sp.label)}</text>'
        )
    # up/down strip: run-length merged columns
    run_start, run_colour = 0, ""
    for i in range(n + 1):
        colour = ""
        if i < n:
            ok, bad, _ = cols[i]
            colour = RED if bad else (GREEN if ok else GREY)
        if i == n or colour != run_colour:
            if run_colour and i > run_start:
                out.append(
                    f'<rect x="{PAD_L + run_start * colw:.1f}" y="{STRIP_Y}" width="{(i - run_start) * colw:.1f}" '
                    f'height="{STRIP_H}" fill="{run_colour}"/>'
                )
            run_start, run_colour = i, colour
    # latency line
    lats = [c[2] for c in cols if c[0] or c[1]]
    top = max(lats) if lats else 0.0
    if top > 0:
        pts = []
        for i, (ok, bad, m) in enumerate(cols):
            if ok or bad:
                y = LAT_Y + LAT_H - (m / top) * LAT_H
                pts.append(f"{PAD_L + (i + 0.5) * colw:.1f},{y:.1f}")
        out.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="{LINE}" stroke-width="1.2"/>')
        out.append(f'<text x="{PAD_L - 4}" y="{LAT_Y + 8}" class="tick" text-anchor="end">{_fmt_lat(top)}</text>')
    out.append(f'<text x="{PAD_L - 4}" y="{LAT_Y + LAT_H}" class="tick" text-anchor="end">0</text>')
    # fault markers: labels go to the first of three rows where they do not collide
    row_end = [float("-inf")] * 3
    for ev in faults:
        x = sc.x(ev.t)
        colour = RED if ev.action == "inject" else GREEN
        dash = ' stroke-dasharray="4 3"' if not ev.ok else ""
        label = f"{ev.action} {ev.fault}" + ("" if ev.ok else " (failed)")
        row = next((i for i, end in enumerate(row_end) if x > end), 0)
        row_end[row] = x + 6 * len(label) + 6
        anchor, lx = ("start", x + 3) if x + 6 * len(label) < W - PAD_R else ("end", x - 3)
        out.append(
            f'<line x1="{x:.1f}" y1="{12 + 10 * row}" x2="{x:.1f}" y2="{AXIS_Y}" stroke="{colour}" '
            f'stroke-width="1.5"{dash}/>'
            f'<text x="{lx:.1f}" y="{10 + 10 * row}" class="mk" fill="{colour}" '
            f'text-anchor="{anchor}">{escape(label)}</text>'
        )
    # x axis
    out.append(f'<line x1="{PAD_L}" y1="{AXIS_Y}" x2="{W - PAD_R}" y2="{AXIS_Y}" stroke="#555"/>')
    step = _nice_step(hi - lo)
    t = (lo // step) * step
    while t <= hi + 1e-9:
        if t >= lo:
            x = sc.x(t)
            out.append(
                f'<line x1="{x:.1f}" y1="{AXIS_Y}" x2="{x:.1f}" y2="{AXIS_Y + 4}" stroke="#555"/>'
                f'<text x="{x:.1f}" y="{AXIS_Y + 15}" class="tick" text-anchor="middle">{t:g}</text>'
            )
        t += step
    out.append(
        f'<text x="{W - PAD_R}" y="{AXIS_Y + 29}" class="tick" text-anchor="end">'
        f"seconds since t0 (t0 = {escape(t0_label)})</text>"
    )
    out.append("</svg>")
    return "".join(out)
