from __future__ import annotations

import re

import pytest

from drills.engine.clock import FakeClock, SystemClock
from drills.model.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("100ms", 0.1), ("5s", 5.0), ("1.5s", 1.5), ("2m", 120.0), ("1h", 3600.0),
     (3, 3.0), (0.25, 0.25), ("7", 7.0), ("0", 0.0)],
)
def test_parse_accepts_documented_forms(text: object, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "5 days", "", "1.5.2s", None, True, [5], "nan", "5sec"])
def test_parse_rejects_garbage_naming_the_allowed_forms(text: object) -> None:
    with pytest.raises(ValueError, match=re.escape("100ms, 5s, 1.5s, 2m, 1h")):
        parse_duration(text)


@pytest.mark.parametrize("text", ["-5s", -1, "-100ms"])
def test_parse_rejects_negatives(text: object) -> None:
    with pytest.raises(ValueError, match=r"must be >= 0s"):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.1, "100ms"), (1.5, "1.5s"), (30, "30s"), (90, "1m30s"), (120, "2m"), (3720, "1h2m")],
)
def test_format(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


def test_format_round_trips_through_parse() -> None:
    for value in (0.1, 0.25, 1.5, 30.0, 120.0):
        assert parse_duration(format_duration(value)) == pytest.approx(value)


def test_fake_clock_only_moves_when_told() -> None:
    clock = FakeClock(start=10.0)
    t0, u0 = clock.monotonic(), clock.utc_now()
    clock.sleep(2.5)
    assert clock.monotonic() == 12.5
    assert (clock.utc_now() - u0).total_seconds() == 2.5
    assert t0 == 10.0
    with pytest.raises(ValueError, match="cannot go backwards"):
        clock.advance(-1)


def test_system_clock_is_monotonic_and_utc() -> None:
    clock = SystemClock()
    a = clock.monotonic()
    assert clock.monotonic() >= a
    assert clock.utc_now().utcoffset() is not None
