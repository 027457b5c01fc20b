"""The chart's RTO spans are the rto check's recoveries: one RTO definition, drawn and judged.

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
from drills.model.timeline import FaultEvent, Header, Record, Sample, Timeline
from drills.report import render_html
from drills.report.chart import Span, rto_spans
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
