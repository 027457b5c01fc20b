"""The plan: a scenario's fault schedule as ordered, timed steps (no side effects).

Vocabulary
    step      at offset ``t`` (seconds from the start of the fault phase): inject or heal
              one fault, or ``heal_all`` (fault id ``*``) -- every fault still active.
    plan      the steps in play order; it ALWAYS ends with heal-all at the end of the
              fault phase (``scenario.fault_phase``), even with no faults.
    actions   the scenario's operator actions are not steps: the runner starts each when its
              trigger holds (drills/engine/actions.py); :meth:`Plan.render` lists them in place.

Lifecycle: ``drill plan FILE`` prints :meth:`Plan.render`; the runner plays the plan:

    done = 0
    while done < len(plan.steps):
        for step in due_steps(plan, clock.monotonic() - fault_start, done):
            apply(step); done += 1
        clock.sleep(...)                 # until next_step_at(plan, done)

At equal offsets heals come before injects (a fault healed at 30s makes room for one
injected at 30s), and heal-all comes last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drills.model.durations import format_duration
from drills.model.scenario import Scenario

__all__ = ["HEAL_ALL", "Plan", "Step", "due_steps", "next_step_at", "plan"]

HEAL_ALL = "*"
_ORDER = {"heal": 0, "inject": 1, "heal_all": 2}


@dataclass(frozen=True)
class Step:
    t: float
    action: Literal["inject", "heal", "heal_all"]
    fault: str  # fault id, or "*" for heal-all
    type: str  # fault type, or "heal_all"
    target: str  # human description of what is hit


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    steps: tuple[Step, ...]

    @property
    def fault_phase(self) -> float:
        return self.scenario.fault_phase

    @property
    def way_back(self) -> tuple[float, float]:
        """(shortest, longest) time the restore's phases add beyond the settle (0, 0 without restore:)."""
        r = self.scenario.restore
        if r is None:
            return 0.0, 0.0
        fb = (r.failback_settle, r.failback.params.limit() + r.failback_settle) if r.failback else (0.0, 0.0)
        return fb[0] + r.steady_after, r.rejoin_timeout + fb[1] + r.steady_after

    @property
    def min_duration(self) -> float:
        """Steady-state gate (at best) + fault phase + settle (+ the way back); bring-up not included."""
        s = self.scenario
        return s.steady_state.duration + s.fault_phase + s.settle + self.way_back[0]

    @property
    def max_duration(self) -> float:
        s = self.scenario
        return s.steady_state.timeout + s.fault_phase + s.settle + self.way_back[1]

    def render(self) -> str:
        s = self.scenario
        fd = format_duration
        topo = s.topology
        compose = " + ".join(f.name for f in (topo.compose, *topo.overrides)) + (
            f" + variant {topo.variant}" if topo.variant else "")
        rows: list[tuple[str, str, str]] = [
            ("bring-up", "", f"compose up {compose}; wait until every service is ready"),
            ("steady-state", "", (f"{s.steady_state.min_consecutive} consecutive ok samples per journey over "
                                  f"{fd(s.steady_state.duration)} (give up after {fd(s.steady_state.timeout)})")),
        ]
        timed: list[tuple[float, tuple[str, str, str]]] = [
            (st.t, ("faults", f"+{fd(st.t)}", f"{st.action:<6} {st.fault} ({st.type} {st.target})"))
            for st in self.steps if st.action != "heal_all"
        ]  # fmt: skip
        watched: list[tuple[str, str, str]] = []
        for a in s.actions:
            what = f"{a.what}; activated within {fd(a.target)}" if a.target is not None else a.what
            if a.trigger.at is not None:
                timed.append((a.trigger.at, ("actions", f"+{fd(a.trigger.at)}", f"{a.id} ({a.type}): {what}")))
            else:
                until = f"given up at +{fd(a.trigger.until)}"
                watched.append(("actions", "when", f"{a.id} ({a.type}) once {a.trigger.describe()} ({until}): {what}"))
        rows += [row for _, row in sorted(timed, key=lambda tr: tr[0])] + watched
        wait = " (once no action performs any more)" if s.actions else ""
        rows += [("heal-all", f"+{fd(st.t)}", f"heal every fault still active{wait}")
                 for st in self.steps if st.action == "heal_all"]  # fmt: skip
        end = s.fault_phase
        judged = ("read back writes; judge availability, max outage, RTO, failover, per-site, RPO, split brain"
                  + (", operator actions" if s.actions else ""))
        if s.restore is None:
            rows += [("settle", f"+{fd(end)}", f"observe {fd(s.settle)} until +{fd(end + s.settle)}"),
                     ("checks", f"+{fd(end + s.settle)}", judged)]  # fmt: skip
        else:
            rows += self._way_back(end, judged)
        rows.append(("teardown", "", "remove every container, network and volume of the run"))
        w0 = max(len(r[0]) for r in rows)
        w1 = max(len(r[1]) for r in rows + [("", "offset", "")])
        head = [
            f"Drill plan: {s.name}  ({s.path}, sha256 {s.digest[:12]})",
            *( [s.description] if s.description else [] ),
            f"Probes: {', '.join(s.capabilities)} every {fd(s.probes.period)} (timeout {fd(s.probes.timeout)})"
            + (f"; each journey also through each site's own entry point every {fd(s.probes.site_period)}"
               if s.probes.per_site else ""),
            ("Write load: " + (f"{s.load.writers} writer(s) x {s.load.rate:g} writes/s through the edge, every write "
                               "read back" if s.load.writers else "off")
             + (f"; WAN latency between sites {fd(s.wan.inter_site_latency)} each way"
                if s.wan.inter_site_latency > 0 else "")),
            "",
            f"{'phase':<{w0}}  {'offset':<{w1}}  what",
        ]
        body = [f"{p:<{w0}}  {o:<{w1}}  {w}" for p, o, w in rows]
        back = "" if s.restore is None else f" + the way back {fd(self.way_back[0])}..{fd(self.way_back[1])}"
        tail = [
            "",
            (f"Expected duration: fault phase {fd(s.fault_phase)} + settle {fd(s.settle)}{back} = "
             f"{fd(s.fault_phase + s.settle + self.way_back[0])}, plus bring-up and the steady-state gate "
             f"({fd(s.steady_state.duration)}..{fd(s.steady_state.timeout)}): "
             f"{fd(self.min_duration)}..{fd(self.max_duration)} + bring-up"),
        ]
        return "\n".join(head + body + tail)


    def _way_back(self, end: float, judged: str) -> list[tuple[str, str, str]]:
        """The rows of ``restore:`` (offsets after the rejoin depend on how long it takes)."""
        s, fd = self.scenario, format_duration
        r = s.restore
        if r is None:
            return []
        sites = ", ".join(s.cut_sites)
        wait = (f"wait until site {sites} rejoined: datastore in sync, every service healthy (give up after "
                f"{fd(r.rejoin_timeout)})")  # fmt: skip
        rows = [("rejoin", f"+{fd(end)}", wait), ("settle", "", f"observe {fd(s.settle)}")]
        if r.failback is not None:
            fb = r.failback
            within = f"; activated within {fd(fb.target)}" if fb.target is not None else ""
            what = (f"{fb.id} ({fb.type}): {fb.what}{within}; then observe {fd(r.failback_settle)} (skipped if the "
                    "site did not rejoin)")  # fmt: skip
            rows.append(("failback", "", what))
        if r.steady_after > 0:
            rows.append(("steady-after", "", f"observe {fd(r.steady_after)}: every site must serve alone"))
        rows.append(("checks", "", judged + ", rejoin" + (", failback" if r.failback else "")))
        return rows


def plan(scenario: Scenario) -> Plan:
    """The ordered steps of ``scenario``'s fault phase, ending with heal-all."""
    steps: list[Step] = []
    for f in scenario.faults:
        steps.append(Step(f.at, "inject", f.id, f.type, f.target))
        if f.heal_at is not None:
            steps.append(Step(f.heal_at, "heal", f.id, f.type, f.target))
    steps.sort(key=lambda st: (st.t, _ORDER[st.action]))
    end = max([scenario.fault_phase, *(st.t for st in steps)])
    steps.append(Step(end, "heal_all", HEAL_ALL, "heal_all", "every active fault"))
    return Plan(scenario=scenario, steps=tuple(steps))


def due_steps(p: Plan, elapsed: float, done: int = 0) -> tuple[Step, ...]:
    """Steps not yet played (index >= ``done``) whose offset is <= ``elapsed``, in order."""
    out: list[Step] = []
    for st in p.steps[done:]:
        if st.t > elapsed:
            break
        out.append(st)
    return tuple(out)


def next_step_at(p: Plan, done: int) -> float | None:
    """Offset of the next step to play, or None when the plan is finished."""
    return p.steps[done].t if done < len(p.steps) else None
