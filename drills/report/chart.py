"""Inline SVG timeline charts: one per capability, drawn from the data, no plotting library.

Layout of one chart (viewBox units, x = seconds since t0):

    |  inject cut-a  activate-b 1.2s   heal cut-a     failback 1.8s    <- fault and action markers
    |  |             |=====|           |              |==|
    |  ██████▒▒▒▒▒▒▒▒▒▒▒▒██████████████████████████████████████████    <- up/down strip: green ok,
    |  ~~~~~~/^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~       red failed, grey none
    |                                  ░rejoin░░      ░failback░steady-after░  <- way-back phases
    |     [//// RTO 12.3s ////]                                         <- latency line (max per
    +---------------------------------------------------------------->    column); RTO span shaded
                                                        s since t0 (t0 = ... UTC)

Markers share three label rows: each label goes to the first row where it does not run into
the one before it, so markers are placed in time order. A fault is a vertical line (red
inject, green heal; dashed: the attempt failed). An operator action (``timeline.actions()``)
is a vertical line at its start and a bar to where it returned, purple when it succeeded, red
(dashed) when it failed or never returned (the bar then runs to the end of the chart); one
that never triggered is a hollow diamond at the time it was given up. Hovering shows what it
did and why it failed.

The way back after the restore (``AFTER_RESTORE``: rejoin, failback, steady-after) is shaded
behind the strip, each phase from its ``Phase`` record to the next one, so an outage during the
failback is seen against the phase that caused it. A timeline without those phases or actions
draws what it drew before they existed.

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

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from drills.checks.rto import recoveries
from drills.model.timeline import AFTER_RESTORE, ActionEvent, FaultEvent, Sample, Timeline

__all__ = ["COLUMNS", "Span", "capability_chart", "phase_bands", "rto_spans", "timeline_extent"]

COLUMNS = 600
W, PAD_L, PAD_R = 960, 56, 16
STRIP_Y, STRIP_H = 40, 18
LAT_Y, LAT_H = 66, 70
AXIS_Y = LAT_Y + LAT_H + 6
H = AXIS_Y + 34
GREEN, RED, GREY, LINE = "#2e9d4f", "#d0312d", "#d9d9d9", "#2b5fb4"
ACTION_OK, BAND = "#7b3fa0", "#5b7fa6"
ROWS, BAND_ROWS = 3, 2  # label rows of the markers (top) and of the phase bands (in the latency area)
CHAR_W = 6  # a label's width per character, for collision avoidance


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


def phase_bands(timeline: Timeline, end: float) -> list[Span]:
    """The way back's phases (``AFTER_RESTORE``), each from its ``Phase`` record to the next one;
    ``end``: where the last one stops when no record follows it (a run cut short)."""
    phases = timeline.phases()
    bands: list[Span] = []
    for i, p in enumerate(phases):
        if p.phase in AFTER_RESTORE:
            stop = phases[i + 1].t if i + 1 < len(phases) else end
            bands.append(Span(p.t, max(stop, p.t), p.phase))
    return bands


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
    spans: list[Span], bands: Sequence[Span] = (), actions: Sequence[ActionEvent] = (),
) -> str:
    """One chart; ``spans``: the RTO spans to shade (from :func:`rto_spans`); ``bands``: the phases
    of the way back (from :func:`phase_bands`); ``actions``: the operator actions to mark."""
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
    # the way back's phases, then RTO spans (behind everything)
    out.extend(_band(b, sc, row) for b, row in zip(bands, _band_rows(bands, sc), strict=True))
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
    # fault and action markers, in time order: each label goes to the first row where it does not collide
    row_end = [float("-inf")] * ROWS
    marks: list[FaultEvent | ActionEvent] = sorted([*faults, *actions], key=lambda r: r.t)
    out.extend(_fault(ev, sc, row_end) if isinstance(ev, FaultEvent) else _action(ev, sc, row_end) for ev in marks)
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


def _row(row_end: list[float], x: float, right: float) -> int:
    """The first row whose last label ends left of ``x`` (row 0 when none); it now ends at ``right``."""
    row = next((i for i, end in enumerate(row_end) if x > end), 0)
    row_end[row] = right
    return row


def _anchor(x: float, label: str, gap: float = 3.0) -> tuple[str, float]:
    """Right of ``x``, or left of it when the label would run off the chart."""
    return ("start", x + gap) if x + CHAR_W * len(label) < W - PAD_R else ("end", x - gap)


def _fault(ev: FaultEvent, sc: _Scale, row_end: list[float]) -> str:
    x = sc.x(ev.t)
    colour = RED if ev.action == "inject" else GREEN
    dash = ' stroke-dasharray="4 3"' if not ev.ok else ""
    label = f"{ev.action} {ev.fault}" + ("" if ev.ok else " (failed)")
    row = _row(row_end, x, x + CHAR_W * len(label) + 6)
    anchor, lx = _anchor(x, label)
    return (
        f'<line x1="{x:.1f}" y1="{12 + 10 * row}" x2="{x:.1f}" y2="{AXIS_Y}" stroke="{colour}" '
        f'stroke-width="1.5"{dash}/>'
        f'<text x="{lx:.1f}" y="{10 + 10 * row}" class="mk" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(label)}</text>'
    )


def _action(ev: ActionEvent, sc: _Scale, row_end: list[float]) -> str:
    """A bar from the action's start to where it returned (the chart's end: it never did), or a
    hollow diamond where a never-triggered action was given up; the tooltip says what it did."""
    x = sc.x(ev.t)
    colour = ACTION_OK if ev.ok else RED
    tip = f"{ev.id}: {ev.what} (trigger: {ev.trigger})" + (f": {ev.error}" if ev.error else "")
    if not ev.triggered:
        label = f"{ev.id} (never triggered)"
        row = _row(row_end, x, x + CHAR_W * len(label) + 6)
        y = 13 + 10 * row
        mark = (
            f'<polygon points="{x:.1f},{y - 4} {x + 4:.1f},{y} {x:.1f},{y + 4} {x - 4:.1f},{y}" fill="#fff" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            f'<line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" y2="{AXIS_Y}" stroke="{colour}" stroke-dasharray="1 3"/>'
        )
    else:
        x2 = sc.x(ev.end) if ev.end is not None else sc.x(sc.hi)
        if ev.end is None:
            label = f"{ev.id} (did not return)"
        else:
            label = f"{ev.id} {ev.end - ev.t:.1f}s" + ("" if ev.ok else " (failed)")
        row = _row(row_end, x, max(x2, x + CHAR_W * len(label) + 6))
        y = 12 + 10 * row
        dash = "" if ev.ok else ' stroke-dasharray="4 3"'
        mark = (
            f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{AXIS_Y}" stroke="{colour}" stroke-width="1.5"{dash}/>'
            f'<line x1="{x:.1f}" y1="{y}" x2="{max(x2, x + 2):.1f}" y2="{y}" stroke="{colour}" stroke-width="2.5"/>'
            f'<line x1="{x2:.1f}" y1="{y - 3}" x2="{x2:.1f}" y2="{y + 3}" stroke="{colour}" stroke-width="1.5"/>'
        )
    anchor, lx = _anchor(x, label, gap=3.0 if ev.triggered else 6.0)  # clear of the diamond
    return (
        f'<g class="action"><title>{escape(tip)}</title>{mark}'
        f'<text x="{lx:.1f}" y="{10 + 10 * row}" class="mk" fill="{colour}" '
        f'text-anchor="{anchor}">{escape(label)}</text></g>'
    )


def _band_rows(bands: Sequence[Span], sc: _Scale) -> list[int]:
    row_end = [float("-inf")] * BAND_ROWS
    return [_row(row_end, sc.x(b.start), sc.x(b.start) + CHAR_W * len(b.label) + 6) for b in bands]


def _band(b: Span, sc: _Scale, row: int) -> str:
    """A phase of the way back: shaded from its start to the next phase, labelled at its top left."""
    x1, x2 = sc.x(b.start), sc.x(b.end)
    anchor, lx = ("start", x1 + 3) if x1 + CHAR_W * len(b.label) < W - PAD_R else ("end", W - PAD_R - 2.0)
    return (
        f'<g class="phase"><title>{escape(b.label)}: {b.start:.1f}s to {b.end:.1f}s ({b.end - b.start:.1f}s)</title>'
        f'<rect x="{x1:.1f}" y="{STRIP_Y - 4}" width="{max(1.0, x2 - x1):.1f}" height="{AXIS_Y - STRIP_Y + 4}" '
        f'fill="{BAND}" fill-opacity="0.12"/>'
        f'<line x1="{x1:.1f}" y1="{STRIP_Y - 4}" x2="{x1:.1f}" y2="{AXIS_Y}" stroke="{BAND}" stroke-opacity="0.6"/>'
        f'<text x="{lx:.1f}" y="{LAT_Y + 9 + 10 * row}" class="band" text-anchor="{anchor}">'
        f"{escape(b.label)}</text></g>"
    )
