"""Abort predicate: stop a drill early when a capability has been down too long.

Pure: the runner calls ``should_abort(timeline_snapshot, scenario.abort, now_t)``
periodically (``now_t`` on the timeline's clock) and, when it returns a reason,
heals early, records it and still judges the timeline (status ``aborted``).

"Down" is the capability's one signal, as availability and max outage judge it
(drills/checks/common.py): it has been down since the start of the trailing span in which it
was not up (any of its probes down), when its latest state is not up. A rule for ``*`` applies
to every capability seen.
"""

from __future__ import annotations

from collections.abc import Sequence

from drills.checks.common import Span, fmt_d, fmt_t, probe_period, signal
from drills.model.scenario import AbortRule
from drills.model.timeline import Timeline

__all__ = ["down_since", "should_abort"]


def down_since(timeline: Timeline, capability: str, now_t: float | None = None,
               look_back: float | None = None) -> float | None:  # fmt: skip
    """Start of the trailing span in which ``capability`` was not up, or None when it is up
    (judged up to ``now_t``, default: just after its latest sample).

    ``look_back`` (seconds) only saves work, never changes the answer: the signal is first built
    over that trailing stretch (the runner asks every second, and the whole run grows to
    thousands of samples); only when the capability was not up through all of it is the signal
    rebuilt from the first sample, to find where the trailing span really starts."""
    samples = timeline.samples(capability)
    if not samples:
        return None
    period = probe_period(timeline, capability, float("inf"))  # format 1: no period, no gap rule
    end = max(samples[-1].t + 1e-6, now_t if now_t is not None else 0.0)
    if look_back is not None and end - look_back > samples[0].t:
        since = _trailing_not_up(signal(timeline, capability, end - look_back, end, period))
        if since is None or since > end - look_back:
            return since
    return _trailing_not_up(signal(timeline, capability, samples[0].t, end, period))


def _trailing_not_up(spans: list[Span]) -> float | None:
    if not spans or spans[-1].state == "up":
        return None
    since = spans[-1].start
    for sp in reversed(spans[:-1]):
        if sp.state == "up":
            break
        since = sp.start
    return since


def should_abort(timeline: Timeline, rules: Sequence[AbortRule], now_t: float) -> str | None:
    """A one-line reason to abort, or None."""
    for rule in rules:
        caps = timeline.capabilities() if rule.capability == "*" else [rule.capability]
        for cap in caps:
            since = down_since(timeline, cap, now_t, look_back=rule.down_longer_than + 1.0)
            if since is not None and now_t - since > rule.down_longer_than:
                return (
                    f"{cap} down for {fmt_d(now_t - since)} (since {fmt_t(since)}), longer than the abort "
                    f"limit {fmt_d(rule.down_longer_than)} (rule capability {rule.capability})"
                )
    return None
