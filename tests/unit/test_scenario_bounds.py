"""Bounds a scenario must keep: durations at most 24h, a probe timeout above 0, one fault per
target at a time, and every site cut at once only when the file declares a total outage."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.errors import ScenarioError
from drills.model.durations import MAX_DURATION, parse_duration
from drills.model.scenario import Scenario
from drills.scenario import load_scenario, scenario_schema
from drills.scenario.schema import MAX_ITEMS

REPO = Path(__file__).parent / "data" / "repo"
NO_FAILOVER = "checks: {failover: {enabled: false}}\n"


def load(tmp_path: Path, text: str) -> Scenario:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return load_scenario(p, repo_root=REPO)


def refused(tmp_path: Path, text: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load(tmp_path, text)
    assert str(info.value).startswith(f"{tmp_path / 's.yaml'}:{info.value.line}: {info.value.field}: ")
    return info.value


@pytest.mark.parametrize(("value", "seconds"), [("24h", 86400.0), (86400, 86400.0), ("1440m", 86400.0)])
def test_a_duration_may_be_24h(value: object, seconds: float) -> None:
    assert parse_duration(value) == seconds == MAX_DURATION


@pytest.mark.parametrize("value", ["25h", "1441m", 86401, 1e99, float("inf"), 10**400, "9" * 400])
def test_a_duration_over_24h_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^must be <= 24h, got ") as info:
        parse_duration(value)
    assert len(str(info.value)) < 80  # the value is cut short


@pytest.mark.parametrize(
    ("text", "field", "line"),
    [
        ("name: x\nsettle: 25h\n", "settle", 2),
        ("name: x\nsettle: 1.0e+99\n", "settle", 2),
        ("name: x\nsteady_state:\n  timeout: 100000\n", "steady_state.timeout", 3),
        ("name: x\nfaults:\n  - {id: c, type: power_cut, site: a, at: 1s, duration: 25h}\n", "faults[0].duration", 3),
        ("name: x\nprobes: {period: 1441m}\n", "probes.period", 2),
    ],
)
def test_durations_over_24h_name_the_field(tmp_path: Path, text: str, field: str, line: int) -> None:
    err = refused(tmp_path, text)
    assert (err.field, err.line) == (field, line)
    assert "must be <= 24h" in err.rule


def test_a_fault_phase_over_24h_is_refused_even_when_each_duration_is_not(tmp_path: Path) -> None:
    err = refused(tmp_path, "name: x\nfaults:\n  - {id: c, type: power_cut, site: a, at: 20h, duration: 5h}\n"
                  + NO_FAILOVER)  # fmt: skip
    assert (err.field, err.line) == ("faults[0].duration", 3)
    assert "ends at 25h: a fault phase lasts at most 24h" in err.rule


def test_the_schema_documents_the_maximum() -> None:
    settle = scenario_schema()["properties"]["settle"]
    assert "at most 24h" in settle["description"]
    assert settle["anyOf"][0]["maximum"] == MAX_DURATION


@pytest.mark.parametrize("timeout", ["0s", "0", "0ms"])
def test_a_probe_timeout_of_zero_is_refused(tmp_path: Path, timeout: str) -> None:
    err = refused(tmp_path, f"name: x\nprobes:\n  timeout: {timeout}\n")
    assert (err.field, err.line) == ("probes.timeout", 3)
    assert err.rule.startswith("must be > 0s")


def test_load_numbers_are_bounded(tmp_path: Path) -> None:
    assert refused(tmp_path, "name: x\nload: {writers: 100000}\n").field == "load.writers"
    assert refused(tmp_path, "name: x\nload: {rate: 1.0e+12}\n").field == "load.rate"


CUTS = "name: x\nfaults:\n  - {id: one, type: power_cut, site: a, at: 1s, duration: 30s}\n"


@pytest.mark.parametrize(
    ("second", "total_outage"),
    [
        ("{id: two, type: power_cut, site: a, at: 10s, duration: 30s}", ""),
        ("{id: two, type: power_cut, site: a, mode: refuse, at: 30s, duration: 5s}", ""),  # another mode, same site
        ("{id: two, type: power_cut, site: a, at: 1s, duration: 100s}", ""),  # same start, holds the first
        ("{id: two, type: power_cut, site: a, at: 20s}", "fault_phase: 60s\n"),  # open-ended
    ],
)
def test_two_overlapping_cuts_of_one_site_are_refused(tmp_path: Path, second: str, total_outage: str) -> None:
    err = refused(tmp_path, CUTS + f"  - {second}\n" + total_outage + NO_FAILOVER)
    assert (err.field, err.line) == ("faults[1].at", 4)
    assert "overlaps faults[0] ('one', 1s to 31s): site a is cut by one fault at a time" in err.rule


def test_the_later_fault_is_blamed_whatever_the_file_order(tmp_path: Path) -> None:
    text = ("name: x\nfaults:\n  - {id: late, type: power_cut, site: a, at: 20s, duration: 30s}\n"
            "  - {id: early, type: power_cut, site: a, at: 1s, duration: 30s}\n" + NO_FAILOVER)  # fmt: skip
    err = refused(tmp_path, text)
    assert (err.field, err.line) == ("faults[0].at", 3)
    assert "overlaps faults[1] ('early', 1s to 31s)" in err.rule


def test_back_to_back_cuts_of_one_site_are_fine(tmp_path: Path) -> None:
    s = load(tmp_path, CUTS + "  - {id: two, type: power_cut, site: a, at: 31s, duration: 30s}\n" + NO_FAILOVER)
    assert [f.id for f in s.faults] == ["one", "two"]


@pytest.mark.parametrize(
    ("faults", "says"),
    [
        (["{id: w1, type: wan, link: edge_a_chat, latency: 1s, at: 1s, duration: 10s}",
          "{id: w2, type: wan, link: edge_a_chat, down: true, at: 5s, duration: 10s}"], "wan on edge_a_chat"),
        (["{id: p1, type: partition, between: [a, b], at: 1s, duration: 10s}",
          "{id: p2, type: partition, between: [b, a], at: 5s, duration: 10s}"], "partition on a|b"),
        (["{id: k1, type: kill, site: a, service: chat, at: 1s, duration: 10s}",
          "{id: k2, type: kill, site: a, service: chat-a, at: 5s, duration: 10s}"], "kill on chat-a (site a)"),
    ],
)  # fmt: skip
def test_two_overlapping_faults_of_one_kind_on_one_target_are_refused(
    tmp_path: Path, faults: list[str], says: str
) -> None:
    err = refused(tmp_path, "name: x\nfaults:\n" + "".join(f"  - {f}\n" for f in faults))
    assert (err.field, err.line) == ("faults[1].at", 4)
    assert f"{says} is applied by one fault at a time" in err.rule


def test_overlapping_faults_on_different_targets_or_of_different_kinds_are_fine(tmp_path: Path) -> None:
    s = load(tmp_path, "name: x\nfaults:\n"
             "  - {id: w1, type: wan, link: edge_a_chat, latency: 1s, at: 1s, duration: 10s}\n"
             "  - {id: w2, type: wan, link: edge_b_chat, latency: 1s, at: 5s, duration: 10s}\n"
             "  - {id: k1, type: kill, site: a, service: chat, at: 1s, duration: 10s}\n"
             "  - {id: k2, type: pause, site: a, service: chat, at: 5s, duration: 10s}\n")  # fmt: skip
    assert len(s.faults) == 4


BOTH = ("name: x\nfaults:\n  - {id: cut-a, type: power_cut, site: a, at: 1s, duration: 30s}\n"
        "  - {id: cut-b, type: power_cut, site: b, at: 10s, duration: 30s}\n" + NO_FAILOVER)  # fmt: skip


def test_cutting_every_site_at_once_must_be_declared(tmp_path: Path) -> None:
    err = refused(tmp_path, BOTH)
    assert (err.field, err.line) == ("faults[1].at", 4)  # cut-b makes it total
    assert "every site (a, b) is cut at 10s: a total outage; if that is the drill, declare it" in err.rule
    assert err.rule.endswith("with total_outage: true")


def test_a_declared_total_outage_loads(tmp_path: Path) -> None:
    s = load(tmp_path, BOTH + "total_outage: true\n")
    assert s.cut_sites == ("a", "b")


def test_every_site_cut_one_after_the_other_is_no_total_outage(tmp_path: Path) -> None:
    text = ("name: x\nfaults:\n  - {id: cut-a, type: power_cut, site: a, at: 1s, duration: 30s}\n"
            "  - {id: cut-b, type: power_cut, site: b, at: 31s, duration: 30s}\n" + NO_FAILOVER)  # fmt: skip
    assert load(tmp_path, text).cut_sites == ("a", "b")
    err = refused(tmp_path, text + "total_outage: true\n")
    assert (err.field, err.line) == ("total_outage", 6)
    assert "no instant has every site (a, b) cut" in err.rule


def test_a_list_longer_than_its_maximum_is_refused_before_its_items_are_read(tmp_path: Path) -> None:
    """The schema validates every item before it counts them: the count comes first (one line, at the list)."""
    fault = "  - {id: c, type: power_cut, site: a, at: 1s, duration: 30s, bogus: 1}\n"
    err = refused(tmp_path, "name: x\nfaults:\n" + fault * (MAX_ITEMS["faults"] + 1))
    assert (err.field, err.line) == ("faults", 2)
    assert err.rule == f"{MAX_ITEMS['faults'] + 1} items: at most {MAX_ITEMS['faults']}"
    probe = "    - {name: p, type: command, capability: c, argv: ['true']}\n"
    err = refused(tmp_path, "name: x\nprobes:\n  custom:\n" + probe * (MAX_ITEMS["custom"] + 1))
    assert (err.field, err.line) == ("probes.custom", 3)
