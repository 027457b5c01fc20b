"""RPO, duplicates, split brain and the abort predicate against literal timelines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from drills.checks import CheckFn, CheckInput, rpo, should_abort, split_brain
from drills.model.result import Verdict
from drills.model.scenario import AbortRule
from drills.model.timeline import ReadBack, Record, Sample, Timeline, Write
from tests.unit.targets import flat_targets


def w(t: float, wid: str, acked: bool = True, key: str = "room-1", primary: str = "", stream: str = "chat") -> Write:
    return Write(t, stream, key, wid, acked, primary=primary)


def rb(ids: tuple[str, ...], key: str = "room-1", complete: bool = True, t: float = 100.0) -> ReadBack:
    return ReadBack(t, "chat", key, ids, complete=complete, error="" if complete else "timeout after 40 rows")


def judge(records: Sequence[Record], check: CheckFn = rpo.check, **targets: Any) -> tuple[Verdict, ...]:
    return check(CheckInput(Timeline(tuple(records)), "chat", flat_targets(**targets), 0.1))


# ---------------------------------------------------------------- RPO / duplicates


def test_nothing_lost_nothing_duplicated_passes() -> None:
    v_rpo, v_dup = judge([w(1, "c1"), w(2, "c2"), w(3, "c3", acked=False), rb(("c1", "c2"))])
    assert (v_rpo.status, v_rpo.measured) == ("pass", 0.0)
    assert v_rpo.message == "chat RPO 0 acknowledged writes lost <= target 0 (2 acked across 1 key(s))"
    assert (v_dup.status, v_dup.measured) == ("pass", 0.0)


def test_lost_acked_writes_fail_and_are_listed() -> None:
    v_rpo, _ = judge([w(1, "c1"), w(2, "c2"), w(3, "c3"), rb(("c1",))])
    assert v_rpo.status == "fail" and v_rpo.measured == 2.0
    assert "c2, c3" in v_rpo.message and v_rpo.details["lost"] == ["c2", "c3"]


def test_unacked_writes_may_be_lost() -> None:
    v_rpo, _ = judge([w(1, "c1"), w(2, "c2", acked=False), rb(("c1",))])
    assert v_rpo.status == "pass"


def test_rpo_target_allows_some_loss() -> None:
    v_rpo, _ = judge([w(1, "c1"), w(2, "c2"), rb(("c1",))], rpo=1)
    assert v_rpo.status == "pass" and v_rpo.measured == 1.0


def test_duplicated_writes_get_their_own_verdict() -> None:
    v_rpo, v_dup = judge([w(1, "c1"), w(2, "c2"), rb(("c1", "c2", "c2", "c1", "c9", "c9"))])
    assert v_rpo.status == "pass"
    assert v_dup.check == "duplicates" and v_dup.status == "fail" and v_dup.measured == 3.0
    assert v_dup.details["duplicates"] == ["c1", "c2", "c9"]


def test_missing_read_back_is_unknown() -> None:
    v_rpo, v_dup = judge([w(1, "c1"), w(2, "c2", key="room-2"), rb(("c1",))])
    assert v_rpo.status == "unknown" and "read-back missing for room-2" in v_rpo.message
    assert v_dup.status == "pass"


def test_incomplete_read_back_is_unknown() -> None:
    v_rpo, v_dup = judge([w(1, "c1"), w(2, "c2"), rb(("c1",), complete=False)])
    assert v_rpo.status == "unknown" and "incomplete" in v_rpo.message and "timeout after 40 rows" in v_rpo.message
    assert v_dup.status == "unknown"


def test_duplicates_in_an_incomplete_read_back_still_fail() -> None:
    _, v_dup = judge([w(1, "c1"), rb(("c1", "c1"), complete=False)])
    assert v_dup.status == "fail"


def test_a_register_that_could_not_be_read_back_leaves_duplicates_judged_on_the_logs_only() -> None:
    # kakao-2022: site b has no devtools, so its per-site probe's config key (a register) never
    # read back; duplicates must not turn unknown for it (a register holds one value).
    reg = ReadBack(100.0, "chat", "flag-b", (), complete=False, error="remote end closed", mode="register")
    _, v_dup = judge([w(1, "c1"), rb(("c1",)), reg])
    assert (v_dup.status, v_dup.details["incomplete_readback"]) == ("pass", [])
    _, v_dup = judge([w(1, "c1", key="flag-b"), reg])
    assert v_dup.status == "pass" and "not applicable" in v_dup.message
    _, v_dup = judge([w(1, "c1"), rb(("c1", "c1")), reg])
    assert v_dup.status == "fail"  # the log's duplicate is still found


def test_last_read_back_of_a_key_wins() -> None:
    v_rpo, _ = judge([w(1, "c1"), rb((), t=50), rb(("c1",), t=60)])
    assert v_rpo.status == "pass"


def test_no_acked_writes_or_no_read_back_is_unknown() -> None:
    v_rpo, v_dup = judge([w(1, "c1", acked=False)])
    assert v_rpo.status == "unknown" and "no acknowledged chat writes" in v_rpo.message
    assert v_dup.status == "unknown" and "no chat read-back" in v_dup.message


# ---------------------------------------------------------------- split brain


def test_clean_failover_is_not_split_brain() -> None:
    recs = [w(1, "c1", primary="pg-a"), w(2, "c2", primary="pg-a"),
            w(5, "c3", primary="pg-b"), w(6, "c4", primary="pg-b")]  # fmt: skip
    (v,) = judge(recs, split_brain.check)
    assert v.status == "pass" and "pg-a, pg-b" in v.message


def test_interleaved_primaries_are_split_brain_and_list_the_ids() -> None:
    recs = [
        w(1, "c1", primary="pg-a"),
        w(2, "c2", primary="pg-a"),
        w(3, "c3", primary="pg-b"),
        w(4, "c4", primary="pg-a"),
        w(9, "c5", primary="pg-a"),
    ]
    (v,) = judge(recs, split_brain.check)
    assert v.status == "fail"
    assert v.details["interleaved"] == [{"key": "room-1", "primaries": ["pg-a", "pg-b"], "ids": ["c2", "c3", "c4"]}]
    assert "pg-a and pg-b" in v.message and "c2, c3, c4" in v.message


def test_different_keys_may_have_different_primaries() -> None:
    recs = [w(1, "c1", key="r1", primary="pg-a"), w(2, "c2", key="r2", primary="pg-b"),
            w(3, "c3", key="r1", primary="pg-a")]  # fmt: skip
    (v,) = judge(recs, split_brain.check)
    assert v.status == "pass"


def test_unacked_writes_do_not_count_for_split_brain() -> None:
    recs = [w(1, "c1", primary="pg-a"), w(2, "c2", primary="pg-b", acked=False), w(3, "c3", primary="pg-a")]
    (v,) = judge(recs, split_brain.check)
    assert v.status == "pass"


def test_no_primary_identity_is_unknown() -> None:
    (v,) = judge([w(1, "c1"), w(2, "c2")], split_brain.check)
    assert v.status == "unknown" and "primary identity was not reported" in v.message


def test_split_brain_can_be_disabled() -> None:
    assert judge([w(1, "c1", primary="a")], split_brain.check, split_brain=False) == ()


# ---------------------------------------------------------------- abort


def s(t: float, ok: bool, cap: str = "devtools") -> Sample:
    return Sample(t, cap, cap, ok, 0.1)


def test_abort_fires_when_down_longer_than_the_limit() -> None:
    t = Timeline((s(0, True), s(10, False), s(50, False), s(0, True, "chat")))
    rule = AbortRule("*", 30.0)
    assert should_abort(t, [rule], now_t=39.0) is None
    reason = should_abort(t, [rule], now_t=41.0)
    assert reason is not None and reason.startswith("devtools down for 31s (since 10.0s)")


def test_abort_does_not_fire_after_recovery_or_for_other_capabilities() -> None:
    t = Timeline((s(10, False), s(20, True), s(0, False, "chat")))
    assert should_abort(t, [AbortRule("devtools", 5.0)], now_t=100.0) is None
    assert should_abort(t, [AbortRule("chat", 5.0)], now_t=100.0) is not None
    assert should_abort(t, [], now_t=100.0) is None
