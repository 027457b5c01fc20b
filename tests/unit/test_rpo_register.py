"""RPO of a last-writer-wins key (a config key): which acknowledged writes its one value proves lost."""

from __future__ import annotations

from drills.checks import REGISTRY, CheckInput
from drills.checks.rpo import RpoTargets, register_lost
from drills.model.result import Verdict
from drills.model.scenario import Targets
from drills.model.timeline import Phase, ReadBack, Record, Timeline, Write


def put(v: str, sent: float, t: float, state: str = "acked") -> Write:
    return Write(t=t, stream="config", key="flag", id=v, acked=state == "acked", state=state, sent=sent)


def back(*value: str, complete: bool = True) -> ReadBack:
    return ReadBack(t=100.0, stream="config", key="flag", ids=value, complete=complete, mode="register")


def judge(*records: Record) -> Verdict:
    fn = REGISTRY["rpo"].fn
    assert fn is not None
    tl = Timeline((Phase(99.0, "verify"), *records))
    return fn(CheckInput(tl, "config", Targets.of(RpoTargets()), 0.1))[0]


def test_the_last_acknowledged_value_read_back_loses_nothing() -> None:
    writes = [put("v1", 1.0, 1.1), put("v2", 2.0, 2.1), put("v3", 3.0, 3.1)]
    assert register_lost(writes, writes, back("v3")) == []
    v = judge(*writes, back("v3"))
    assert (v.status, v.measured) == ("pass", 0)


def test_an_older_value_read_back_loses_every_write_sent_after_it_was_acknowledged() -> None:
    # v1 acknowledged at 1.1; v2 and v3 were sent after that: the failover rolled both back
    writes = [put("v1", 1.0, 1.1), put("v2", 2.0, 2.1), put("v3", 3.0, 3.1)]
    v = judge(*writes, back("v1"))
    assert (v.status, v.measured) == ("fail", 2) and "v2, v3" in v.message


def test_a_concurrent_write_may_rightly_have_won() -> None:
    # v2 was sent (1.05) before v1 was acknowledged (1.2): either order is a valid outcome
    writes = [put("v2", 1.05, 1.3), put("v1", 1.0, 1.2)]
    assert register_lost(writes, writes, back("v1")) == []
    assert register_lost(writes, writes, back("v2")) == []


def test_a_value_from_a_write_without_an_answer_proves_nothing_lost() -> None:
    # v3 timed out (unknown): it may have been applied last, after v4 was acknowledged
    attempts = [put("v3", 3.0, 5.0, state="unknown"), put("v4", 4.0, 4.1)]
    acked = [w for w in attempts if w.acked]
    assert register_lost(acked, attempts, back("v3")) == []


def test_a_key_read_back_empty_or_foreign_lost_every_acknowledged_write() -> None:
    writes = [put("v1", 1.0, 1.1), put("v2", 2.0, 2.1)]
    assert register_lost(writes, writes, back()) == ["v1", "v2"]
    assert register_lost(writes, writes, back("someone-else")) == ["v1", "v2"]


def test_a_truncated_register_read_back_is_unknown_never_lost() -> None:
    writes = [put("v1", 1.0, 1.1), put("v2", 2.0, 2.1)]
    assert judge(*writes, back(complete=False)).status == "unknown"


def test_writes_without_a_sent_time_fall_back_to_their_acknowledgement() -> None:
    old = [Write(t=1.1, stream="config", key="flag", id="v1", acked=True),
           Write(t=2.1, stream="config", key="flag", id="v2", acked=True)]  # fmt: skip
    assert register_lost(old, old, back("v1")) == ["v2"]
