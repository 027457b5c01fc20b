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
from drills.model.timeline import AFTER_RESTORE, ActionEvent, FaultEvent, Phase, Sample, Timeline, Write

__all__ = [
    "COLUMNS",
    "Span",
    "capability_chart",
    "phase_bands",
    "rto_spans",
    "site_colours",
    "system_chart",
    "timeline_extent",
]

COLUMNS = 600
W, PAD_L, PAD_R = 960, 56, 16
PHASE_Y, PHASE_H = 36, 11  # the run's phases, every one, labelled where they fit
STRIP_Y, STRIP_H = 50, 16  # up/down
SITE_Y, SITE_H = 68, 8  # which sites served the successful samples: one thin row per site
LAT_Y, LAT_H = 82, 64
AXIS_Y = LAT_Y + LAT_H + 6
H = AXIS_Y + 34
SITE_COLOURS = ("#5b84c4", "#e0913c", "#8d6cc0", "#3aa39a", "#b85c7a")  # site a, b, c, ... in name order
PHASE_FILL = {"steady": "#e8eef7", "fault": "#f6d9d7", "heal": "#dff0e3", "settle": "#eef5e8", "rejoin": "#dde6f0",
              "failback": "#e6def0", "steady-after": "#e8eef7", "verify": "#f1f1f1", "bringup": "#f1f1f1",
              "teardown": "#f1f1f1"}  # fmt: skip
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


def _ticks(lo: float, hi: float) -> list[float]:
    """The x axis's tick values: multiples of a round step (:func:`_nice_step`) from ``lo`` to ``hi``."""
    step = _nice_step(hi - lo)
    out, t = [], (lo // step) * step
    while t <= hi + 1e-9:
        if t >= lo:
            out.append(t)
        t += step
    return out


def _fmt_lat(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


class _Scale:
    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi
        self.k = (W - PAD_L - PAD_R) / (hi - lo)

    def x(self, t: float) -> float:
        return PAD_L + (min(max(t, self.lo), self.hi) - self.lo) * self.k


def _slot(t: float, lo: float, width: float, n: int, period: float) -> range:
    """The columns a sample started at ``t`` stands for: its whole slot ``[t, t + period)``."""
    i = min(n - 1, max(0, int((t - lo) / width)))
    last = min(n - 1, max(i, int((t + period - lo) / width - 1e-9))) if period > 0 else i
    return range(i, last + 1)


def _buckets(samples: list[Sample], lo: float, hi: float, n: int, period: float = 0.0) -> list[tuple[int, int, float]]:
    """Per column: (ok count, failed count, max latency). A sample stands for its whole slot of the
    probe's schedule, ``[t, t + period)``: a probe slower than a column is drawn as the continuous
    signal it is, and a grey column is a real gap (no sample started in it), not the space between
    two samples. The latency is counted in the column the sample started in."""
    cols = [[0, 0, 0.0] for _ in range(n)]
    width = (hi - lo) / n
    for s in samples:
        slot = _slot(s.t, lo, width, n, period)
        for j in slot:
            cols[j][0 if s.ok else 1] += 1
        first = cols[slot.start]
        if s.latency > first[2]:
            first[2] = s.latency
    return [(int(a), int(b), float(m)) for a, b, m in cols]


def _sites(samples: list[Sample], lo: float, hi: float, n: int, period: float) -> dict[str, list[bool]]:
    """Per site that served a successful sample: per column, whether it served one there (both sites
    do in an active-active steady state; one alone while the other is cut)."""
    rows: dict[str, list[bool]] = {}
    width = (hi - lo) / n
    for s in samples:
        if s.ok and s.site:
            row = rows.setdefault(s.site, [False] * n)
            for j in _slot(s.t, lo, width, n, period):
                row[j] = True
    return dict(sorted(rows.items()))


def site_colours(sites: Sequence[str]) -> dict[str, str]:
    """A colour per site name, in name order (the report's legend uses the same)."""
    return {site: SITE_COLOURS[i % len(SITE_COLOURS)] for i, site in enumerate(sorted(set(sites)))}


def _runs(values: Sequence[str]) -> list[tuple[int, int, str]]:
    """(start column, end column, value) of each run of equal values."""
    out: list[tuple[int, int, str]] = []
    start = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i, values[start]))
            start = i
    return out


def _phase_lane(phases: Sequence[Phase], sc: _Scale, end: float, y: float = PHASE_Y) -> list[str]:
    """Every phase of the run as a segment of one lane, labelled inside when the label fits."""
    out = [f'<text x="4" y="{y + 9}" class="lbl">phase</text>']
    for i, ph in enumerate(phases):
        stop = phases[i + 1].t if i + 1 < len(phases) else end
        x1, x2 = sc.x(ph.t), sc.x(max(stop, ph.t))
        fill = PHASE_FILL.get(ph.phase, "#eeeeee")
        label = (f'<text x="{x1 + 2:.1f}" y="{y + 9}" class="tick">{escape(ph.phase)}</text>'
                 if x2 - x1 > CHAR_W * len(ph.phase) + 4 else "")  # fmt: skip
        out.append(f'<g class="phase-lane"><title>{escape(ph.phase)}: {ph.t:.1f}s to {stop:.1f}s</title>'
                   f'<rect x="{x1:.1f}" y="{y}" width="{max(0.5, x2 - x1):.1f}" height="{PHASE_H}" '
                   f'fill="{fill}" stroke="#fff" stroke-width="0.5"/>{label}</g>')  # fmt: skip
    return out


def capability_chart(
    capability: str, samples: list[Sample], faults: list[FaultEvent], extent: tuple[float, float], t0_label: str,
    spans: list[Span], bands: Sequence[Span] = (), actions: Sequence[ActionEvent] = (),
    phases: Sequence[Phase] = (), period: float = 0.0, colours: dict[str, str] | None = None,
) -> str:
    """One chart; ``spans``: the RTO spans to shade (from :func:`rto_spans`); ``bands``: the phases
    of the way back (from :func:`phase_bands`); ``actions``: the operator actions to mark;
    ``phases``: every phase of the run (a lane); ``period``: the probe's period (each sample covers
    its slot); ``colours``: a colour per serving site (:func:`site_colours`)."""
    lo, hi = extent
    sc = _Scale(lo, hi)
    n = max(1, min(COLUMNS, int(W - PAD_L - PAD_R)))
    cols = _buckets(samples, lo, hi, n, period)
    colw = (W - PAD_L - PAD_R) / n
    out: list[str] = [
        f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-label="{escape(capability)} timeline">',
        f"<title>{escape(capability)}: availability and latency over time</title>",
        f'<text x="4" y="{STRIP_Y + 12}" class="lbl">up/down</text>',
        f'<text x="4" y="{SITE_Y + 7}" class="lbl">site</text>',
        f'<text x="4" y="{LAT_Y + LAT_H / 2 + 4:.0f}" class="lbl">latency</text>',
    ]
    if phases:
        out.extend(_phase_lane(phases, sc, hi))
    served = _sites(samples, lo, hi, n, period)
    palette = colours or site_colours(list(served))
    row_h = SITE_H / max(1, len(served))
    for k, (site, row) in enumerate(served.items()):
        for a, b, on in _runs(["x" if x else "" for x in row]):
            if on:
                out.append(f'<rect x="{PAD_L + a * colw:.1f}" y="{SITE_Y + k * row_h:.1f}" '
                           f'width="{(b - a) * colw:.1f}" height="{row_h:.1f}" fill="{palette.get(site, "#999")}">'
                           f"<title>served by site {escape(site)}</title></rect>")
    # the way back's phases, then RTO spans (behind everything)
    out.extend(_band(b, sc, row) for b, row in zip(bands, _band_rows(bands, sc), strict=True))
    for sp in spans:
        x1, x2 = sc.x(sp.start), sc.x(sp.end)
        out.append(
            f'<rect x="{x1:.1f}" y="{STRIP_Y - 4}" width="{max(1.0, x2 - x1):.1f}" height="{AXIS_Y - STRIP_Y + 4}" '
            f'fill="#f4b400" fill-opacity="0.18"/>'
            f'<text x="{(x1 + x2) / 2:.1f}" y="{LAT_Y + LAT_H - 6}" class="rto" text-anchor="middle">'
            f"{escape(sp.label)}</text>"
        )  # the label inside the latency area, clear of the axis and its tick labels
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
    for t in _ticks(lo, hi):
        x = sc.x(t)
        out.append(
            f'<line x1="{x:.1f}" y1="{AXIS_Y}" x2="{x:.1f}" y2="{AXIS_Y + 4}" stroke="#555"/>'
            f'<text x="{x:.1f}" y="{AXIS_Y + 15}" class="tick" text-anchor="middle">{t:g}</text>'
        )
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


SYS_PHASE_Y, SYS_PRIMARY_Y, SYS_WRITES_Y, SYS_LANE_H = 8, 26, 44, 12
SYS_AXIS_Y = SYS_WRITES_Y + SYS_LANE_H + 8
SYS_H = SYS_AXIS_Y + 30


def _write_colour(acked: int, failed: int) -> str:
    if not acked and not failed:
        return ""
    if not failed:
        return GREEN
    return RED if not acked else "#e8a33d"  # amber: some acknowledged, some not


def system_chart(timeline: Timeline, extent: tuple[float, float], t0_label: str) -> str:
    """The whole system over the run: its phases, which datastore node committed the acknowledged
    writes (a change of primary is a change of colour, labelled), and the write stream (green: every
    write in the column acknowledged, amber: some, red: none). Faults are vertical lines across it.
    "" when the run recorded no writes (nothing to show beyond the capability charts)."""
    writes: list[Write] = sorted(timeline.writes(), key=lambda w: w.t)
    if not writes:
        return ""
    lo, hi = extent
    sc = _Scale(lo, hi)
    n = max(1, min(COLUMNS, int(W - PAD_L - PAD_R)))
    colw, width = (W - PAD_L - PAD_R) / n, (hi - lo) / n
    out = [f'<svg class="chart" viewBox="0 0 {W} {SYS_H}" role="img" aria-label="system timeline">',
           "<title>the system: phases, datastore primary, write stream</title>",
           f'<text x="4" y="{SYS_PRIMARY_Y + 9}" class="lbl">primary</text>',
           f'<text x="4" y="{SYS_WRITES_Y + 9}" class="lbl">writes</text>']  # fmt: skip
    out.extend(_phase_lane(timeline.phases(), sc, hi, y=SYS_PHASE_Y))
    committed = [w for w in writes if w.acked and w.primary]
    nodes = site_colours([w.primary for w in committed])
    for i, w in enumerate(committed):
        if i and committed[i - 1].primary == w.primary:
            continue
        nxt = next((c.t for c in committed[i + 1:] if c.primary != w.primary), committed[-1].t)
        x1, x2 = sc.x(w.t), sc.x(max(nxt, w.t))
        label = f"{w.primary}" if not i else f"→ {w.primary}"
        text = (f'<text x="{x1 + 2:.1f}" y="{SYS_PRIMARY_Y + 9}" class="tick" fill="#fff">{escape(label)}</text>'
                if x2 - x1 > CHAR_W * len(label) + 4 else "")  # fmt: skip
        out.append(f'<g><title>primary {escape(w.primary)} from {w.t:.1f}s</title><rect x="{x1:.1f}" '
                   f'y="{SYS_PRIMARY_Y}" width="{max(1.0, x2 - x1):.1f}" height="{SYS_LANE_H}" '
                   f'fill="{nodes[w.primary]}"/>{text}</g>')  # fmt: skip
        if i:
            out.append(f'<text x="{x1:.1f}" y="{SYS_PRIMARY_Y - 2}" class="mk" fill="#333">{escape(label)} '
                       f"at {w.t:.1f}s</text>")
    cols = [[0, 0] for _ in range(n)]
    for w in writes:
        j = min(n - 1, max(0, int((w.t - lo) / width)))
        cols[j][0 if w.acked else 1] += 1
    colours = [_write_colour(a, f) for a, f in cols]
    for a, b, colour in _runs(colours):
        if colour:
            out.append(f'<rect x="{PAD_L + a * colw:.1f}" y="{SYS_WRITES_Y}" width="{(b - a) * colw:.1f}" '
                       f'height="{SYS_LANE_H}" fill="{colour}"/>')
    for ev in timeline.faults():
        x = sc.x(ev.t)
        colour = RED if ev.action == "inject" else GREEN
        out.append(f'<line x1="{x:.1f}" y1="{SYS_PHASE_Y}" x2="{x:.1f}" y2="{SYS_AXIS_Y}" stroke="{colour}" '
                   f'stroke-width="1.2"><title>{escape(ev.action)} {escape(ev.fault)} at {ev.t:.1f}s</title></line>')
    out.append(f'<line x1="{PAD_L}" y1="{SYS_AXIS_Y}" x2="{W - PAD_R}" y2="{SYS_AXIS_Y}" stroke="#555"/>')
    out.extend(f'<text x="{sc.x(t):.1f}" y="{SYS_AXIS_Y + 13}" class="tick" text-anchor="middle">{t:g}</text>'
               for t in _ticks(lo, hi))
    acked = sum(1 for w in writes if w.acked)
    out.append(f'<text x="{W - PAD_R}" y="{SYS_AXIS_Y + 26}" class="tick" text-anchor="end">{acked} of '
               f"{len(writes)} writes acknowledged; seconds since t0 (t0 = {escape(t0_label)})</text></svg>")
    return "".join(out)
