"""Abort predicate: stop a drill early when a capability has been down too long.

Pure: the runner calls ``should_abort(timeline_snapshot, scenario.abort, now_t)``
periodically (``now_t`` on the timeline's clock) and, when it returns a reason,
heals early, records it and still judges the timeline (status ``aborted``).

"Down" = the capability's most recent samples all failed; it has been down since the
first of those trailing failures. A rule for ``*`` applies to every capability seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from drills.checks.common import fmt_d, fmt_t
from drills.model.scenario import AbortRule
from drills.model.timeline import Timeline

__all__ = ["down_since", "should_abort"]


def down_since(timeline: Timeline, capability: str) -> float | None:
    """Start of the trailing run of failed samples, or None when the last sample was ok."""
    since: float | None = None
    for s in reversed(timeline.samples(capability)):
        if s.ok:
            break
        since = s.t
    return since


def should_abort(timeline: Timeline, rules: Sequence[AbortRule], now_t: float) -> str | None:
    """A one-line reason to abort, or None."""
    for rule in rules:
        caps = timeline.capabilities() if rule.capability == "*" else [rule.capability]
        for cap in caps:
            since = down_since(timeline, cap)
            if since is not None and now_t - since > rule.down_longer_than:
                return (
                    f"{cap} down for {fmt_d(now_t - since)} (since {fmt_t(since)}), longer than the abort "
                    f"limit {fmt_d(rule.down_longer_than)} (rule capability {rule.capability})"
                )
    return None
