"""The chart's RTO spans are the rto check's recoveries: one RTO definition, drawn and judged;
and the way back after a restore (phase bands) and operator actions, drawn from their records.

Literal timelines where a chart of its own (inject -> first ok sample after the first
failure at or after the inject) would disagree with the check: a request in flight at
the inject, a blip only after the heal, a failed inject. The chart must say what the
check measured.
"""

from __future__ import annotations

import re

import pytest

from drills.checks import evaluate
from drills.model.result import Verdict
from drills.model.scenario import CheckSpec
from drills.model.timeline import ActionEvent, FaultEvent, Header, Phase, Record, Sample, Timeline, Write
from drills.report import render_html
from drills.report.chart import (
    ACTION_OK,
    GREEN,
    GREY,
    PAD_L,
    PAD_R,
    RED,
    Span,
    W,
    capability_chart,
    phase_bands,
    rto_spans,
    system_chart,
    timeline_extent,
)
from drills.report.synthetic import synthetic_run

PERIOD = 1.0
RESULT, _ = synthetic_run(duration=60, hz=1)


def _timeline(failed: dict[float, float], inject_ok: bool = True, heal_at: float = 30.0) -> Timeline:
    """chat sampled at 0.5, 1.5, ... 39.5; ``failed``: start -> latency of the failed samples."""
    records: list[Record] = [Header(run_id="r", scenario="s", t0_utc="2026-11-28T02:00:00+00:00")]
    records.append(FaultEvent(t=10.0, action="inject", fault="cut-a", type="power_cut", target="site a", ok=inject_ok))
    records.append(FaultEvent(t=heal_at, action="heal", fault="cut-a", type="power_cut", target="site a"))
    for i in range(40):
        t = i + 0.5
        records.append(Sample(t=t, probe="chat", capability="chat", ok=t not in failed,
                              latency=failed.get(t, 0.01)))
    return Timeline(tuple(records))


def _rto_first(timeline: Timeline) -> Verdict:
    verdicts = evaluate(timeline, CheckSpec(), PERIOD, capabilities=("chat",))
    return next(v for v in verdicts if v.check == "rto_first" and v.capability == "chat")


def _chart_labels(timeline: Timeline) -> list[str]:
    html = render_html(RESULT, timeline)
    return re.findall(r'class="rto"[^>]*>([^<]*)<', html)


def test_a_request_in_flight_at_the_inject_is_the_outage_the_check_measures() -> None:
    # 9.5 was in flight when the power went out (ends at 11.5, failed); 10.5 on is served again.
    # A later blip (20.5-22.5) is another outage: a chart starting at the first failure
    # *started* after the inject would say "RTO 13.5s"; the check says 0.5s.
    tl = _timeline({9.5: 2.0, 20.5: 0.2, 21.5: 0.2, 22.5: 0.2})
    verdict = _rto_first(tl)
    assert verdict.measured == 0.5
    spans = rto_spans(tl, "chat", end=40.0)
    assert spans == [Span(10.0, 10.5, "RTO 0.5s")]
    assert spans[0].end - spans[0].start == verdict.measured
    assert _chart_labels(tl) == ["RTO 0.5s"]


def test_a_failure_only_after_the_heal_is_not_an_rto() -> None:
    # Nothing failed between the inject (10) and the heal (30); a blip at 33.5 is after it.
    tl = _timeline({33.5: 0.2})
    verdict = _rto_first(tl)
    assert verdict.status == "pass" and verdict.measured == 0.0
    assert "never failed" in verdict.message
    assert rto_spans(tl, "chat", end=40.0) == []
    assert _chart_labels(tl) == []


def test_a_failed_inject_draws_no_span() -> None:
    tl = _timeline({10.5: 0.2, 11.5: 0.2}, inject_ok=False)
    assert rto_spans(tl, "chat", end=40.0) == []
    assert _rto_first(tl).status == "unknown"


def test_not_recovered_runs_to_the_end_of_the_chart() -> None:
    tl = _timeline({t + 0.5: 0.2 for t in range(10, 40)}, heal_at=45.0)
    assert _rto_first(tl).measured is None
    assert rto_spans(tl, "chat", end=39.5) == [Span(10.0, 39.5, "cut-a: not recovered")]
    assert _chart_labels(tl) == ["cut-a: not recovered"]


def test_the_span_is_the_checks_rto_on_the_synthetic_run() -> None:
    _, records = synthetic_run()
    tl = Timeline(tuple(records))
    verdicts = evaluate(tl, CheckSpec(), 0.1, capabilities=("chat", "login", "devtools"))
    for cap in ("chat", "login", "devtools"):
        first = next(v for v in verdicts if v.check == "rto_first" and v.capability == cap).measured
        spans = rto_spans(tl, cap, end=600.0)
        assert first is not None
        # the verdict reports the worst fault
        assert max(s.end - s.start for s in spans) == pytest.approx(first, abs=1e-9)


# The way back after a restore and the operator actions: drawn from the records, escaped,
# and only added to the chart (a timeline without them draws what it drew before).

WAY_BACK = [("bringup", 0.0), ("steady", 2.0), ("fault", 10.0), ("heal", 30.0), ("rejoin", 31.0), ("settle", 35.0),
            ("failback", 40.0), ("steady-after", 48.0), ("verify", 55.0), ("teardown", 58.0)]
ACTIONS = (
    ActionEvent(t=12.0, id="activate-b", type="http", trigger="chat down for 1s", what="POST /ops/failover",
                triggered_t=11.5, end=14.5, ok=True, status=200),
    ActionEvent(t=40.0, id="failback", type="http", trigger="failback phase +0s", what="POST /ops/failover",
                triggered_t=40.0, end=41.8, ok=False, error="HTTP 503 <html>", status=503),
    ActionEvent(t=50.0, id="hang", type="exec", trigger="at 50s", what="sleep 999", triggered_t=50.0),
    ActionEvent(t=56.0, id="<late&>", type="exec", trigger="chat down for 99s", what="true",
                error="not performed: the restored site did not rejoin"),
)


def _chart(records: list[Record], *, with_way_back: bool = True) -> str:
    tl = Timeline(tuple(records))
    lo, hi = timeline_extent(tl)
    extra = (phase_bands(tl, hi), tl.actions()) if with_way_back else ((), ())
    return capability_chart("chat", tl.samples("chat"), tl.faults(), (lo, hi), "t0", rto_spans(tl, "chat", hi), *extra)


def _records(phases: list[tuple[str, float]], actions: tuple[ActionEvent, ...]) -> list[Record]:
    tl = _timeline({10.5: 0.2, 11.5: 0.2, 12.5: 0.2}, heal_at=30.0)
    return [*tl.records, *(Phase(t, p) for p, t in phases), *actions]


def _groups(svg: str, cls: str) -> list[str]:
    return re.findall(rf'<g class="{cls}">.*?</g>', svg)


def test_the_way_back_is_banded_from_each_phase_to_the_next() -> None:
    tl = Timeline(tuple(_records(WAY_BACK, ())))
    assert phase_bands(tl, end=60.0) == [Span(31.0, 35.0, "rejoin"), Span(40.0, 48.0, "failback"),
                                         Span(48.0, 55.0, "steady-after")]
    cut_short = Timeline(tuple(_records(WAY_BACK[:6], ())))  # the run stopped in settle...
    assert phase_bands(cut_short, end=39.5) == [Span(31.0, 35.0, "rejoin")]
    in_rejoin = Timeline(tuple(_records(WAY_BACK[:5], ())))  # ...or in rejoin: its band runs to the end
    assert phase_bands(in_rejoin, end=39.5) == [Span(31.0, 39.5, "rejoin")]
    svg = _chart(_records(WAY_BACK, ()))
    assert re.findall(r'class="band"[^>]*>([^<]*)<', svg) == ["rejoin", "failback", "steady-after"]
    assert re.findall(r"<title>(failback: [^<]*)</title>", svg) == ["failback: 40.0s to 48.0s (8.0s)"]


def test_actions_are_marked_with_their_outcome_and_escaped() -> None:
    records = _records(WAY_BACK, ACTIONS)
    svg = _chart(records)
    lo, hi = timeline_extent(Timeline(tuple(records)))
    actions = _groups(svg, "action")
    labels = [re.findall(r'class="mk" fill="([^"]+)"[^>]*>([^<]*)<', g)[0] for g in actions]
    assert labels == [(ACTION_OK, "activate-b 2.5s"), (RED, "failback 1.8s (failed)"),
                      (RED, "hang (did not return)"), (RED, "&lt;late&amp;&gt; (never triggered)")]
    assert "<late&>" not in svg and "<html>" not in svg and "HTTP 503 &lt;html&gt;" in actions[1]
    assert "not performed: the restored site did not rejoin" in actions[3]
    # a bar from start to return; one that never returned runs to the end of the chart
    bars = [re.findall(r'<line x1="([\d.]+)" y1="(\d+)" x2="([\d.]+)" y2="\2" stroke', g) for g in actions[:3]]
    x = [float(b[0][0]) for b in bars]
    ends = [float(b[0][2]) for b in bars]
    assert ends[0] - x[0] == pytest.approx(2.5 * (W - PAD_L - PAD_R) / (hi - lo), abs=0.15)  # 14.5 - 12.0, in px
    assert ends[2] == W - PAD_R
    # never triggered: a single marker, no bar
    assert "<polygon" in actions[3] and not re.search(r'y1="(\d+)" x2="[\d.]+" y2="\1"', actions[3])
    assert all("<polygon" not in g for g in actions[:3])


def test_bands_and_actions_only_add_to_the_chart() -> None:
    # The markers share their label rows with the faults; these actions sit where no fault label
    # is, so taking their elements out must give back the chart drawn without them.
    before = _chart(_records(WAY_BACK, ACTIONS), with_way_back=False)
    after = _chart(_records(WAY_BACK, ACTIONS))
    assert _groups(after, "phase") and _groups(after, "action")
    assert not _groups(before, "phase") and not _groups(before, "action") and 'class="band"' not in before
    assert re.sub(r'<g class="(phase|action)">.*?</g>', "", after) == before
    # and a timeline with neither (phases before the restore only, no actions) draws nothing new
    plain = _records(WAY_BACK[:4] + WAY_BACK[-2:], ())
    assert _chart(plain) == _chart(plain, with_way_back=False)


def test_a_fault_label_moves_out_of_an_earlier_actions_way() -> None:
    # An action whose label still runs where a fault starts pushes the fault's label to the next row.
    near = ActionEvent(t=25.0, id="a-long-operator-action-id", type="exec", trigger="at 25s", what="true",
                       triggered_t=25.0, end=26.0, ok=True)
    svg = _chart(_records(WAY_BACK, (near,)))
    heal = re.search(r'<text x="[\d.]+" y="(\d+)" class="mk" fill="[^"]+" text-anchor="\w+">heal cut-a<', svg)
    assert heal is not None and heal.group(1) == "20"


def test_the_synthetic_report_shows_the_way_back() -> None:
    result, records = synthetic_run()
    html = render_html(result, Timeline(tuple(records)))
    assert html.count('class="band"') == 3 * 3  # three phases in each of three charts
    assert html.count(">failback 1.8s<") == 3
    assert "the way back: rejoin, failback, steady-after" in html and "bars: operator action" in html
    assert "the way back" not in render_html(result, Timeline(tuple(_records(WAY_BACK[:4], ()))))


def _slow_samples(period: float, until: float, down: tuple[float, float] = (0.0, 0.0)) -> list[Sample]:
    out, t = [], 0.0
    while t < until:
        ok = not (down[0] <= t < down[1])
        out.append(Sample(t, "devtools", "devtools", ok, 0.05, "" if ok else "timeout", site="a" if t < 50 else "b"))
        t += period
    return out


def test_a_slow_probe_is_drawn_as_a_continuous_signal_and_a_real_gap_stays_grey() -> None:
    samples = [s for s in _slow_samples(5.0, 100.0) if not 60 <= s.t < 80]  # nothing started for 20 s
    svg = capability_chart("devtools", samples, [], (0.0, 100.0), "t0", [], period=5.0)
    strip = re.findall(r'<rect x="([\d.]+)" y="50" width="([\d.]+)" height="16" fill="(#[0-9a-f]+)"', svg)
    colours = [c for _, _, c in strip]
    assert colours == [GREEN, GREY, GREEN]  # not green/grey flapping every second
    gap = float(strip[1][1]) / (W - PAD_L - PAD_R) * 100.0
    assert gap == pytest.approx(20.0, abs=0.5)
    flapping = capability_chart("devtools", samples, [], (0.0, 100.0), "t0", [])  # no period: points only
    assert len(re.findall(r'y="50" ', flapping)) > 20


def test_the_site_lane_shows_which_site_served_and_the_phase_lane_every_phase() -> None:
    samples = _slow_samples(1.0, 100.0)
    phases = [Phase(0.0, "steady"), Phase(40.0, "fault"), Phase(70.0, "settle"), Phase(95.0, "verify")]
    svg = capability_chart("devtools", samples, [], (0.0, 100.0), "t0", [], phases=phases, period=1.0)
    rows = re.findall(r'<rect x="[\d.]+" y="(6[89][.\d]*|7[0-9][.\d]*)" [^>]*><title>served by site (\w)</title>', svg)
    assert {site for _, site in rows} == {"a", "b"} and len(rows) == 2  # one run each: a until 50 s, then b
    assert [p for p in ("steady", "fault", "settle") if f">{p}</text>" in svg] == ["steady", "fault", "settle"]


def test_the_system_chart_shows_primary_changes_and_the_write_stream() -> None:
    writes = [Write(t, "chat", "room", f"w{t}", acked=not (20 <= t < 26), primary="pg-a" if t < 20 else "pg-b",
                    state="acked" if not (20 <= t < 26) else "failed") for t in range(60)]  # fmt: skip
    tl = Timeline((Header("r", "s", "2026-11-28T02:00:00+00:00"), Phase(0.0, "steady"), Phase(20.0, "fault"),
                   *writes, FaultEvent(20.0, "inject", "cut-a", "power_cut", "site a")))  # fmt: skip
    svg = system_chart(tl, (0.0, 60.0), "t0")
    assert "→ pg-b at 26.0s" in svg  # the first write pg-b committed
    assert "54 of 60 writes acknowledged" in svg
    assert RED in svg and GREEN in svg
    assert system_chart(Timeline((Header("r", "s", "2026-11-28T02:00:00+00:00"),)), (0.0, 1.0), "t0") == ""
