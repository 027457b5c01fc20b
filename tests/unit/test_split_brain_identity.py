"""Split brain judged from the database's own identity (system id + timeline), across keys and streams."""

from __future__ import annotations

from drills.checks import CheckInput, split_brain
from drills.model.result import Verdict
from drills.model.scenario import Targets
from drills.model.timeline import Timeline, Write

SYS = "7301234567890123456"


def w(t: float, stream: str, key: str, wid: str, node: str, timeline: int, system_id: str = SYS) -> Write:
    return Write(t, stream, key, wid, True, primary=f"{node}@10:00:00.000", state="acked",
                 system_id=system_id, timeline=timeline)  # fmt: skip


def judge(writes: list[Write], stream: str = "chat") -> Verdict:
    (v,) = split_brain.check(CheckInput(Timeline(tuple(writes)), stream, Targets(), 0.1))
    return v


def test_a_failover_to_a_new_timeline_passes() -> None:
    v = judge([w(1, "chat", "r", "c1", "pg-a", 1), w(2, "chat", "r", "c2", "pg-a", 1),
               w(9, "chat", "r", "c3", "pg-b", 2)])  # fmt: skip
    assert v.status == "pass" and v.details["violations"] == []


def test_two_primaries_on_different_keys_and_streams_at_once_fail_both_streams() -> None:
    writes = [w(1, "chat", "room", "c1", "pg-a", 1), w(1.5, "deploys", "flag", "d1", "pg-b", 1),
              w(2, "chat", "room", "c2", "pg-a", 1)]  # fmt: skip
    chat, deploys = judge(writes, "chat"), judge(writes, "deploys")
    assert chat.status == deploys.status == "fail"
    assert "timeline 1 had two primaries: pg-a" in chat.message and "pg-b acknowledged deploys d1" in chat.message
    # the per-key rule this replaces saw one primary per key, and passed
    legacy = [Write(x.t, x.stream, x.key, x.id, True, primary=x.primary) for x in writes]
    assert judge(legacy, "chat").status == "pass"


def test_a_write_on_an_older_timeline_after_a_promotion_fails() -> None:
    v = judge([w(1, "chat", "r", "c1", "pg-a", 1), w(5, "chat", "r", "c2", "pg-b", 2),
               w(6, "chat", "q", "c3", "pg-a", 1)])  # fmt: skip
    assert v.status == "fail" and "pg-a acknowledged chat c3 at 6.0s on timeline 1, after pg-b" in v.message


def test_a_switch_back_after_the_heal_is_a_new_timeline_and_passes() -> None:
    writes = [w(1, "chat", "r", "c1", "pg-a", 1), w(5, "chat", "r", "c2", "pg-b", 2),
              w(30, "chat", "r", "c3", "pg-a", 3)]  # fmt: skip
    assert judge(writes).status == "pass"
    legacy = [Write(x.t, x.stream, x.key, x.id, True, primary=x.primary) for x in writes]
    assert judge(legacy).status == "fail"  # without the timeline, A..B..A cannot be told from split brain


def test_clusters_are_judged_apart() -> None:
    other = "7309999999999999999"
    v = judge([w(1, "chat", "r", "c1", "pg-a", 1), w(1.5, "chat", "s", "c2", "db-x", 1, system_id=other)])
    assert v.status == "pass"  # two clusters, one primary each
