"""per_site: every site serves every capability by itself after the restore (per-site probes).

Literal timelines: the good one passes; a site that does not come back alone, comes back too
briefly, has no entry point, or was never probed must not pass; the edge's checks never see the
per-site samples."""

from __future__ import annotations

from collections.abc import Sequence

from drills.checks import REGISTRY, CheckInput, evaluate
from drills.checks.per_site import PerSiteTargets, serves_alone
from drills.model.result import Verdict
from drills.model.scenario import CheckSpec, Targets
from drills.model.timeline import FaultEvent, Phase, ProbeStart, Record, Sample, Timeline

CAP = "devtools"


def site(pattern: str, via: str, start: float = 0.0, cap: str = CAP) -> list[Record]:
    """One per-site sample a second from ``start``: '+' ok, '-' failed; with its probe record."""
    probe = ProbeStart(start, f"{cap}@{via}", cap, 1.0, 2.0, 3, via=via)
    return [probe, *(Sample(start + i, f"{cap}@{via}", cap, ch == "+", 0.05, "" if ch == "+" else "timeout",
                            via=via) for i, ch in enumerate(pattern))]  # fmt: skip


def run(*parts: Sequence[Record]) -> Timeline:
    """Steady 0-5, site a cut at 5 (healed at 35), recovery 35-40, settle 40-50, verify 50."""
    records: list[Record] = [Phase(0, "steady"), Phase(4.5, "fault"),
                             FaultEvent(4.8, "inject", "cut-a", "power_cut", "site a", destructive_t=5.0,
                                        cut_site="a"),
                             FaultEvent(35, "heal", "cut-a", "power_cut", "site a", end=40),
                             Phase(35, "heal"), Phase(40, "settle"), Phase(50, "verify")]  # fmt: skip
    for p in parts:
        records.extend(p)
    return Timeline(tuple(records))


def judge(tl: Timeline, **targets: object) -> Verdict:
    fn = REGISTRY["per_site"].fn
    assert fn is not None
    [v] = fn(CheckInput(tl, CAP, Targets.of(PerSiteTargets(**targets)), 0.1))  # type: ignore[arg-type]
    return v


GOOD_A = "+++++" + "-" * 35 + "++++++++++"  # dark during the cut, serves alone after the restore
GOOD_B = "+" * 50


def test_every_site_serving_alone_after_the_restore_passes() -> None:
    v = judge(run(site(GOOD_A, "a"), site(GOOD_B, "b")))
    assert v.status == "pass" and (v.measured, v.target) == (2, 2)
    assert v.message.startswith("devtools served alone by every site after the restore (a: before yes, after yes; "
                                "b: before yes, after yes; after = 40.0-50.0s, hold 2s)")
    assert v.details["sites"]["a"]["after_why"] == "ok for 9.05s"


def test_a_site_that_never_serves_alone_after_the_restore_fails_though_the_edge_is_fine() -> None:
    broken_a = "+++++" + "-" * 45  # site a's devtools never came back; the edge kept serving from b
    edge = [Sample(float(i), CAP, CAP, True, 0.05, site="b") for i in range(50)]
    tl = run(site(broken_a, "a"), site(GOOD_B, "b"), edge)
    v = judge(tl)
    assert v.status == "fail" and v.measured == 1
    assert v.message.startswith("devtools not served alone after the restore by site a (a: before yes, "
                                "after no (failing at 49.0s (timeout)); b: before yes, after yes;")
    assert REGISTRY["per_site"].finding is not None
    assert REGISTRY["per_site"].finding(v) == ("devtools is not served by every site on its own after the "
                                               "restore: site a (failing at 49.0s (timeout))")
    # the edge's own checks judge only the edge's samples: availability stays 100%
    verdicts = {x.name: x for x in evaluate(tl, CheckSpec(), 1.0, capabilities=[CAP])}
    assert verdicts[f"availability[{CAP}]"].measured == 1.0
    assert verdicts[f"per_site[{CAP}]"].status == "fail"


def test_a_brief_success_at_the_end_is_not_serving() -> None:
    flapping = "+++++" + "-" * 44 + "+"  # one lucky answer at 49 s
    v = judge(run(site(flapping, "a"), site(GOOD_B, "b")))
    assert v.status == "fail" and "ok for only 50ms (needs 2s)" in v.message
    assert judge(run(site(flapping, "a"), site(GOOD_B, "b")), hold=0.01).status == "pass"


def test_a_site_without_an_entry_point_for_the_capability_fails() -> None:
    missing = [ProbeStart(0.0, f"{CAP}@b", CAP, 1.0, 2.0, 0, via="b", error="site b has no entry point for devtools")]
    v = judge(run(site(GOOD_A, "a"), missing))
    assert v.status == "fail" and "b: before no, after no (site b has no entry point for devtools)" in v.message


def test_before_the_cut_is_reported_but_only_after_the_restore_is_judged() -> None:
    late_b = "-----" + "+" * 45  # site b could not serve alone before the cut, fine after
    v = judge(run(site(GOOD_A, "a"), site(late_b, "b")))
    assert v.status == "pass" and "b: before no, after yes" in v.message
    assert v.details["sites"]["b"]["before"] is False


def test_unknown_without_per_site_probes_a_restore_or_samples_after_it() -> None:
    edge_only = run([Sample(float(i), CAP, CAP, True, 0.05, site="b") for i in range(50)])
    assert judge(edge_only).status == "unknown" and "not probed per site" in judge(edge_only).message
    no_settle = Timeline(tuple(r for r in run(site(GOOD_A, "a")).records if not (isinstance(r, Phase)
                                                                                and r.phase == "settle")))
    assert judge(no_settle).status == "unknown" and "never reached the restore" in judge(no_settle).message
    stopped_early = run(site(GOOD_A[:38], "a"), site(GOOD_B, "b"))  # a's probe has no sample after 40 s
    v = judge(stopped_early)
    assert v.status == "unknown" and "after unknown" in v.message
    fn = REGISTRY["per_site"].fn
    assert fn is not None
    assert fn(CheckInput(run(site("-" * 50, "a")), CAP, Targets.of(PerSiteTargets(enabled=False)), 0.1)) == ()


def test_a_sample_in_flight_at_the_cut_says_nothing_about_before_it() -> None:
    # site b's last sample before the hit at 5 s started at 4.6 s and failed at 5.5 s: the cut broke it
    b: list[Record] = [ProbeStart(0.0, f"{CAP}@b", CAP, 1.0, 2.0, 3, via="b"),
         *(Sample(0.6 + i, f"{CAP}@b", CAP, True, 0.9, via="b") for i in range(4)),
         Sample(4.6, f"{CAP}@b", CAP, False, 0.9, "HTTP 503", via="b"),
         *(Sample(5.6 + i, f"{CAP}@b", CAP, True, 0.9, via="b") for i in range(45))]  # fmt: skip
    v = judge(run(site(GOOD_A, "a"), b))
    assert v.details["sites"]["b"]["before"] is True and "b: before yes, after yes" in v.message


def test_a_settle_too_short_for_the_hold_is_unknown_not_a_finding() -> None:
    short = Timeline(tuple(r for r in run(site(GOOD_A, "a"), site(GOOD_B, "b")).records
                           if not (isinstance(r, Phase) and r.phase == "verify")) + (Phase(41.5, "verify"),))
    v = judge(short)  # settle 40-41.5 s: 1 s samples cannot show 2 s of serving
    assert v.status == "unknown" and "the window (1.5s) is shorter than the hold plus two periods (4.0s)" in v.message
    failing = Timeline(tuple(r for r in run(site("+" * 5 + "-" * 45, "a"), site(GOOD_B, "b")).records
                             if not (isinstance(r, Phase) and r.phase == "verify")) + (Phase(41.5, "verify"),))
    assert judge(failing).status == "fail"  # a site still failing is a finding however short the settle


def test_serves_alone_on_irregular_samples() -> None:
    samples = [Sample(t, "x@a", "x", ok, lat, via="a") for t, ok, lat in
               [(0.0, True, 0.1), (0.3, False, 2.0), (1.1, True, 0.2), (1.5, True, 0.9), (3.0, True, 0.1)]]  # fmt: skip
    assert serves_alone(samples, 0.0, 4.0, 2.0).serves is True  # ok from 1.1 to 3.1
    assert serves_alone(samples, 0.0, 2.0, 2.0).serves is False  # ok from 1.1 to 2.4 only
    assert serves_alone(samples, 0.0, 1.0, 0.1).serves is True  # it ended after 1.0: nothing about [0, 1)
    assert serves_alone(samples, 5.0, 6.0, 0.1).serves is None
