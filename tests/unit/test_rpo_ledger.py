"""The RPO ledger's rules (issue 9): write states, late acknowledgements, bounded read-backs."""

from __future__ import annotations

from drills.checks import CheckInput, rpo
from drills.model.result import Verdict
from drills.model.scenario import Targets
from drills.model.timeline import Phase, ReadBack, Record, Timeline, Write
from drills.probes.client import ApiError, write_state
from drills.probes.transport import ConnectionBroken, ConnectionRefused, Timeout


def judge(records: list[Record]) -> Verdict:
    verdicts = rpo.check(CheckInput(Timeline(tuple(records)), "chat", Targets(), 0.1))
    return next(v for v in verdicts if v.check == "rpo")


def acked(t: float, wid: str) -> Write:
    return Write(t, "chat", "room", wid, True, state="acked")


def test_a_write_acknowledged_after_the_read_back_began_is_not_judged_lost() -> None:
    straggler = acked(10.5, "c3")  # acknowledged while the read-back was running
    v = judge([acked(1, "c1"), acked(2, "c2"), Phase(10, "verify"), straggler,
               ReadBack(11, "chat", "room", ("c1", "c2"))])  # fmt: skip
    assert v.status == "pass" and v.details["late"] == ["c3"] and v.details["lost"] == []
    assert "1 acknowledged after the read-back began, not judged" in v.message


def test_the_same_write_acknowledged_before_the_read_back_is_lost() -> None:
    v = judge([acked(1, "c1"), acked(9.9, "c3"), Phase(10, "verify"), ReadBack(11, "chat", "room", ("c1",))])
    assert v.status == "fail" and v.details["lost"] == ["c3"]


def test_a_read_back_cut_short_makes_rpo_unknown_never_lost() -> None:
    rb = ReadBack(11, "chat", "room", ("c1",), complete=False, error="stopped after 400 pages of 500")
    v = judge([acked(1, "c1"), acked(2, "c2"), Phase(10, "verify"), rb])
    assert v.status == "unknown" and "stopped after 400 pages" in v.message


def test_writes_that_were_not_acknowledged_are_counted_by_state_and_never_lost() -> None:
    records: list[Record] = [acked(1, "c1"), Write(2, "chat", "room", "c2", False, state="failed"),
                             Write(3, "chat", "room", "c3", False, state="unknown"),
                             Write(4, "chat", "room", "c4", False),  # an older timeline: no state
                             Phase(10, "verify"), ReadBack(11, "chat", "room", ("c1",))]  # fmt: skip
    v = judge(records)
    assert v.status == "pass" and v.details["not_acked"] == {"failed": 1, "unknown": 2}


def test_what_a_failed_write_attempt_tells() -> None:
    assert write_state(ApiError("POST /rooms/r/messages: HTTP 503 no primary")) == "failed"
    assert write_state(ConnectionRefused("POST http://127.0.0.1:1/login: [Errno 111] Connection refused")) == "failed"
    assert write_state(Timeout("POST http://127.0.0.1:1/login: timed out")) == "unknown"
    assert write_state(ConnectionBroken("POST http://127.0.0.1:1/login: Connection reset by peer",
                                        "connection reset")) == "unknown"
    assert write_state(ConnectionBroken("POST http://127.0.0.1:1/login: Remote end closed", "remote end closed")) \
        == "unknown"
