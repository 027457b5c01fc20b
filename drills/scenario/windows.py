"""Fault windows: one fault per target at a time, and no total outage unless the file says so.

Vocabulary
    window   when a fault holds: from its ``at`` to its own heal (``at + duration``), or to the
             end of the fault phase (heal-all) when it has no duration; half-open, so a fault
             may start the instant another one on the same target heals.
    target   what a fault hits, as far as two faults can collide on it: a site cut (power_cut)
             hits its site, whatever its mode; a partition its pair of domains, in either order;
             any other fault what its params describe (a service, a link), per fault type.
    total outage   an instant at which every site of the topology is cut.

Two overlapping faults on one target have no meaning the engine can keep: the first heal would
undo what the second still holds (a site powered on in the middle of its second cut; a run that
exited 3 after 180 s), so they are refused here. Cutting every site at once is a legitimate
drill (what does the edge say when nothing serves?) but far more often a typo (``site: a`` twice
meant ``a`` then ``b``): the scenario declares it with ``total_outage: true``, and a declaration
no instant fulfils is refused too.

Lifecycle: :func:`check_windows` is called once by :mod:`drills.scenario.build`, after the fault
phase is known; it raises ScenarioError through ``fail`` at the fault to change.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

from drills.errors import ScenarioError
from drills.faults import site_cut
from drills.faults.partition import Partition
from drills.model.durations import format_duration
from drills.model.fields import FieldPath
from drills.model.scenario import FaultSpec

__all__ = ["check_windows"]

Fail = Callable[[FieldPath, str], ScenarioError]


@dataclass(frozen=True)
class _Window:
    index: int  # in faults:
    fault: FaultSpec
    start: float
    end: float

    def span(self) -> str:
        return f"{format_duration(self.start)} to {format_duration(self.end)}"


def check_windows(
    faults: tuple[FaultSpec, ...], fault_phase: float, sites: tuple[str, ...], total_outage: bool, fail: Fail
) -> None:
    """Raise at the first fault that overlaps another on its target, then at a total outage the
    file does not declare (or a declared one that never happens)."""
    windows = [_Window(i, f, f.at, f.heal_at if f.heal_at is not None else fault_phase) for i, f in enumerate(faults)]
    _overlaps(windows, fail)
    _total_outage(windows, sites, total_outage, fail)


def _target(f: FaultSpec) -> tuple[str, str]:
    site = site_cut(f)
    if site:
        return ("site cut", site)
    if isinstance(f.params, Partition):
        return (f.type, "|".join(sorted(f.params.between)))
    return (f.type, f.target)


def _overlaps(windows: list[_Window], fail: Fail) -> None:
    by_target: dict[tuple[str, str], list[_Window]] = {}
    for w in windows:
        by_target.setdefault(_target(w.fault), []).append(w)
    clashes: list[tuple[_Window, _Window]] = []  # (the one to move, the one it overlaps)
    for group in by_target.values():
        group.sort(key=lambda w: (w.start, w.index))
        longest = group[0]  # of the windows started so far, the one that ends last
        for w in group[1:]:
            if w.start < longest.end and w.end > w.start and longest.end > longest.start:
                clashes.append((w, longest))
            if w.end > longest.end:
                longest = w
    if not clashes:
        return
    w, other = min(clashes, key=lambda c: c[0].index)  # the first in file order
    kind, what = _target(w.fault)
    hit = f"site {what} is cut" if kind == "site cut" else f"{kind} on {what} is applied"
    again = "cut it" if kind == "site cut" else "apply it"
    raise fail(("faults", w.index, "at"),
               f"overlaps faults[{other.index}] ('{other.fault.id}', {other.span()}): {hit} by one fault at a time "
               f"(the first heal would undo the other); {again} again at {format_duration(other.end)} or later, "
               "or give one fault the longer duration")  # fmt: skip


def _total_outage(windows: list[_Window], sites: tuple[str, ...], declared: bool, fail: Fail) -> None:
    cuts: dict[str, list[_Window]] = {}
    for w in windows:
        site = site_cut(w.fault)
        if site and w.end > w.start:
            cuts.setdefault(site, []).append(w)
    everyone = bool(sites) and all(s in cuts for s in sites)
    for ws in cuts.values():
        ws.sort(key=lambda w: w.start)  # disjoint per site once _overlaps passed: sorted by start, by end too
    starts = {s: [w.start for w in cuts[s]] for s in sites} if everyone else {}
    # An intersection of half-open windows, when not empty, starts at one of their starts.
    for w in sorted((w for ws in cuts.values() for w in ws), key=lambda w: (w.start, w.index)) if everyone else []:
        holding = [_holding(cuts[s], starts[s], w.start) for s in sites]
        if all(h is not None for h in holding):
            if declared:
                return
            last = max((h for h in holding if h is not None), key=lambda h: (h.start, h.index))
            raise fail(("faults", last.index, "at"),
                       f"every site ({', '.join(sites)}) is cut at {format_duration(w.start)}: a total outage; "
                       "if that is the drill, declare it with total_outage: true")  # fmt: skip
    if declared:
        raise fail(("total_outage",), f"true, but no instant has every site ({', '.join(sites) or 'none'}) cut by "
                   "a power_cut: cut them all at once, or remove total_outage")  # fmt: skip


def _holding(cuts: list[_Window], starts: list[float], at: float) -> _Window | None:
    """The cut of ``cuts`` (disjoint, sorted) that holds at ``at``, if any: the last to start by then."""
    i = bisect.bisect_right(starts, at) - 1
    return cuts[i] if i >= 0 and at < cuts[i].end else None
