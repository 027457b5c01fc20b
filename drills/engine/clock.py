"""Clocks: time as an injected dependency.

Vocabulary
    monotonic  seconds on a clock that never goes backwards; the only clock used
               to measure durations and to stamp timeline records (``t``).
    utc_now    wall-clock time, timezone-aware UTC; for display and audit only.

Lifecycle: the runner builds one :class:`SystemClock`; tests build a
:class:`FakeClock` and advance it by hand (``advance``) or through ``sleep``,
so schedules and abort predicates are tested without waiting.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "SystemClock"]


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def utc_now(self) -> datetime: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clocks of the machine."""

    def monotonic(self) -> float:
        return time.monotonic()

    def utc_now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


class FakeClock:
    """A clock that only moves when told to; ``sleep`` advances it instantly."""

    def __init__(
        self,
        start: float = 0.0,
        utc_start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    ) -> None:
        if utc_start.tzinfo is None:
            raise ValueError("utc_start must be timezone-aware (UTC)")
        self._mono = start
        self._start = start
        self._utc_start = utc_start

    def monotonic(self) -> float:
        return self._mono

    def utc_now(self) -> datetime:
        return self._utc_start + timedelta(seconds=self._mono - self._start)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (advance by {seconds})")
        self._mono += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))
