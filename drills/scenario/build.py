"""Build the typed model from schema-valid scenario data, enforcing semantic rules.

Vocabulary: *data* is the YAML as plain Python data, already valid against
:func:`drills.scenario.schema.scenario_schema`; *rules* are the checks the schema cannot
express because they need the topology or the whole file:

    unknown site / domain / link / service   (named against the compose file)
    duplicate fault ids, duplicate custom probe names
    a fault that starts or heals after the end of the fault phase; a fault phase over 24h
    two faults overlapping on one target; every site cut at once without total_outage: true
      (:mod:`drills.scenario.windows`)
    topology.compose / topology.variant naming a file outside the repository
      (:mod:`drills.scenario.confine`)
    a probe timeout of 0s
    actions: duplicate ids or one shared with a fault, both or neither trigger (at / when), a
      trigger after the end of the fault phase, a condition on a capability no probe measures
    restore: without a site cut (nothing to rejoin); an action whose id is the failback's
    per_capability / abort naming a capability no probe measures
    expect: naming a verdict for a capability or stream the scenario does not judge
      (:mod:`drills.scenario.expect`)
    a site cut shorter than the RTO target plus the stable duration (with failover judged):
      it could not tell failover from healing, since a capability that only comes back with
      the site would still meet its targets

Lifecycle: called once by :func:`drills.scenario.loader.load_scenario`; raises
ScenarioError (file, field path, rule, line) on the first broken rule.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from drills.actions import ACTION_TYPES
from drills.checks import REGISTRY
from drills.checks.failover import FailoverTargets
from drills.checks.rto import RtoTargets
from drills.errors import ScenarioError
from drills.faults import FAULT_TYPES, site_cut
from drills.model.durations import MAX_DURATION, format_duration, parse_duration
from drills.model.fields import FieldPath, Fields
from drills.model.journey import JourneyDef
from drills.model.scenario import (
    FAILBACK_ID,
    AbortRule,
    ActionSpec,
    CheckSpec,
    CustomProbe,
    FaultSpec,
    LoadSpec,
    ProbeSpec,
    RestoreSpec,
    Scenario,
    SteadyState,
    Targets,
    Trigger,
    WanSpec,
)
from drills.model.topology import Topology
from drills.probes import JOURNEYS, PROBE_TYPES, default_journeys
from drills.probes.spec import build_journey
from drills.scenario.confine import confine_topology
from drills.scenario.discover import TopologyProblem, available_variants, discover
from drills.scenario.expect import build_expectation
from drills.scenario.root import default_compose
from drills.scenario.windows import check_windows
from drills.scenario.yamlsrc import LineMap, render_path

__all__ = ["build_scenario"]

Fail = Callable[[FieldPath, str], ScenarioError]
Dur = Callable[[FieldPath, Any], float]


def build_scenario(
    *, file: str, path: Path, digest: str, data: dict[str, Any], lines: LineMap, repo_root: Path
) -> Scenario:
    def fail(p: FieldPath, rule: str) -> ScenarioError:
        return ScenarioError(file, render_path(p), rule, lines.line_of(p))

    def dur(p: FieldPath, value: Any) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise fail(p, str(exc)) from exc

    topo_data = data.get("topology") or {}
    compose = str(topo_data.get("compose", default_compose(repo_root)))
    variant = topo_data.get("variant")
    overrides = tuple(str(o) for o in topo_data.get("overrides") or ())
    confine_topology(repo_root, compose, variant, fail, overrides)
    try:
        topology = discover(repo_root, Path(compose), variant, overrides=tuple(Path(o) for o in overrides))
    except TopologyProblem as exc:
        raise _topology_error(exc, fail, repo_root, compose, variant, overrides) from exc

    probes = _probes(data.get("probes") or {}, topology, compose, fail, dur)
    ss = data.get("steady_state") or {}
    steady = SteadyState(
        duration=dur(("steady_state", "duration"), ss.get("duration", 5)),
        min_consecutive=int(ss.get("min_consecutive", 5)),
        timeout=dur(("steady_state", "timeout"), ss.get("timeout", 60)),
    )
    faults = tuple(
        _fault(i, f, topology, compose, fail, dur) for i, f in enumerate(data.get("faults") or [])
    )
    seen: dict[str, int] = {}
    for i, f in enumerate(faults):
        if f.id in seen:
            raise fail(("faults", i, "id"), f"duplicate fault id '{f.id}' (first used by faults[{seen[f.id]}])")
        seen[f.id] = i
    fault_phase = _fault_phase(data, faults, fail, dur)
    check_windows(faults, fault_phase, topology.sites, bool(data.get("total_outage", False)), fail)
    caps = probes.capabilities
    checks = _checks(data.get("checks") or {}, caps, topology, compose, fail)
    _cuts_long_enough(faults, fault_phase, checks, caps, fail)
    abort = []
    for i, rule in enumerate(data.get("abort") or []):
        cap = str(rule["capability"])
        if cap != "*" and cap not in caps:
            raise fail(("abort", i, "capability"), f"unknown capability '{cap}' (measured: {', '.join(caps)}, or *)")
        abort.append(AbortRule(cap, dur(("abort", i, "down_longer_than"), rule["down_longer_than"])))
    actions = _actions(data.get("actions") or [], topology, compose, caps, faults, fault_phase, fail, dur)
    cut_sites = tuple(dict.fromkeys(site for f in faults if (site := site_cut(f))))
    restore = _restore(data["restore"], cut_sites, topology, compose, fail, dur) if "restore" in data else None
    load_data, wan = data.get("load") or {}, data.get("wan") or {}
    # the write load is the reference messenger's chat send (through its login): another stack has none
    messenger = {"chat", "login"} <= set(topology.capabilities)
    writers = int(load_data.get("writers", LoadSpec.writers if messenger else 0))
    if writers and not messenger:
        raise fail(("load", "writers"), "the write load sends the reference messenger's chat messages, and "
                   f"{compose} serves no chat and login: set writers: 0 (a journey's declared writes are the "
                   "ledger here)")  # fmt: skip
    load = LoadSpec(writers=writers, rate=float(load_data.get("rate", LoadSpec.rate)))
    return Scenario(
        name=str(data["name"]),
        description=" ".join(str(data.get("description", "")).split()),
        path=path,
        digest=digest,
        topology=topology,
        probes=probes,
        steady_state=steady,
        faults=faults,
        fault_phase=fault_phase,
        settle=dur(("settle",), data.get("settle", 20)),
        checks=checks,
        abort=tuple(abort),
        load=load,
        wan=WanSpec(inter_site_latency=dur(("wan", "inter_site_latency"),
                                           wan.get("inter_site_latency", WanSpec.inter_site_latency))),
        expect=build_expectation(data.get("expect"), probes, load, topology, fail,
                                 actions=_expectable_actions(actions, restore),
                                 restored=cut_sites if restore is not None else ()),
        read_only=_read_only((*probes.capabilities, *topology.capabilities)),
        actions=actions,
        cut_sites=cut_sites,
        restore=restore,
    )


def _expectable_actions(actions: tuple[ActionSpec, ...], restore: RestoreSpec | None) -> tuple[str, ...]:
    """The ids an ``expect:`` may name under activation: the fault phase's actions, then the failback."""
    return tuple(a.id for a in actions) + ((FAILBACK_ID,) if restore is not None and restore.failback else ())


def _restore(r: dict[str, Any] | None, cut_sites: tuple[str, ...], topo: Topology,
             compose: str, fail: Fail, dur: Dur) -> RestoreSpec:  # fmt: skip
    """``restore:``: needs a site cut (something to come back); the failback is an action with the fixed id."""
    r = r or {}
    if not cut_sites:
        raise fail(("restore",), "no fault cuts a site (power_cut): there is nothing to rejoin or fail back to")
    rj = r.get("rejoin") or {}
    timeout = dur(("restore", "rejoin", "timeout"), rj.get("timeout", RestoreSpec.rejoin_timeout))
    if timeout <= 0:
        raise fail(("restore", "rejoin", "timeout"), "must be > 0s")
    failback = None
    settle = RestoreSpec.failback_settle
    if (fb := r.get("failback")) is not None:
        base: FieldPath = ("restore", "failback")
        kind = str(fb["type"])
        params = ACTION_TYPES[kind].build(Fields(fb, base, topo, compose, fail))
        target = dur(base + ("target",), fb["target"]) if "target" in fb else None
        failback = ActionSpec(id=FAILBACK_ID, type=kind, trigger=Trigger(at=0.0, phase="failback"), params=params,
                              target=target)  # fmt: skip
        settle = dur(base + ("settle",), fb.get("settle", settle))
    return RestoreSpec(rejoin_timeout=timeout, failback=failback, failback_settle=settle,
                       steady_after=dur(("restore", "steady_after"), r.get("steady_after", 0)))  # fmt: skip


def _read_only(capabilities: tuple[str, ...]) -> tuple[str, ...]:
    """The capabilities whose journey acknowledges no writes: its registry entry declares no RPO stream.

    A capability without a journey (a custom probe's) may write for all anyone knows: not read-only.
    The write load writes through chat, whose journey writes too.
    """
    return tuple(c for c in dict.fromkeys(capabilities) if c in JOURNEYS and not JOURNEYS[c].streams)


def _topology_error(
    exc: TopologyProblem, fail: Fail, root: Path, compose: str, variant: str | None, overrides: tuple[str, ...] = ()
) -> ScenarioError:
    if exc.rule == "compose file not found":
        missing = [i for i, o in enumerate(overrides) if (root / o).resolve() == exc.file.resolve()]
        field: FieldPath = ("topology", "overrides", missing[0]) if missing else ("topology", "compose")
        return fail(field, f"compose file not found: {exc.file} (repo root {root})")
    if exc.rule == "variant file not found":
        known = ", ".join(available_variants(root, root / compose)) or "none"
        return fail(("topology", "variant"), f"unknown variant '{variant}' (variants: {known}; looked for {exc.file})")
    return ScenarioError(str(exc.file), exc.field, exc.rule, exc.line)


def _probes(p: dict[str, Any], topo: Topology, compose: str, fail: Fail, dur: Dur) -> ProbeSpec:
    period = dur(("probes", "period"), p.get("period", "100ms"))
    if period <= 0:
        raise fail(("probes", "period"), "must be > 0s")
    journeys: list[str] = []
    declared: list[JourneyDef] = []
    streams = {s: j.name for j in JOURNEYS.values() for s in j.streams}
    for i, j in enumerate(p.get("journeys", default_journeys())):
        if isinstance(j, str):
            journeys.append(j)
            continue
        d = build_journey(Fields(j, ("probes", "journeys", i), topo, compose, fail), set(journeys), JOURNEYS)
        for s in d.streams:
            if s in streams:
                raise fail(("probes", "journeys", i), f"stream '{s}' is the {streams[s]} journey's: name yours "
                           "otherwise (a read-back is one journey's view of its keys)")  # fmt: skip
            streams[s] = d.name
        journeys.append(d.name)
        declared.append(d)
    custom: list[CustomProbe] = []
    names: set[str] = set(journeys)
    for i, c in enumerate(p.get("custom") or []):
        if c["name"] in names:
            raise fail(("probes", "custom", i, "name"), f"duplicate probe name '{c['name']}'")
        names.add(c["name"])
        params = PROBE_TYPES[c["type"]].build(Fields(c, ("probes", "custom", i), topo, compose, fail))
        custom.append(CustomProbe(name=c["name"], type=c["type"], capability=c["capability"], params=params))
    per_site = p.get("per_site") or {}
    site_period = dur(("probes", "per_site", "period"), per_site.get("period", "1s"))
    if site_period <= 0:
        raise fail(("probes", "per_site", "period"), "must be > 0s")
    timeout = dur(("probes", "timeout"), p.get("timeout", "2s"))
    if timeout <= 0:
        raise fail(("probes", "timeout"), "must be > 0s: a sample with no time to answer always fails")
    return ProbeSpec(
        period=period,
        timeout=timeout,
        journeys=tuple(journeys),
        custom=tuple(custom),
        declared=tuple(declared),
        per_site=bool(per_site.get("enabled", True)),
        site_period=site_period,
    )


def _fault(i: int, f: dict[str, Any], topo: Topology, compose: str, fail: Fail, dur: Dur) -> FaultSpec:
    base: FieldPath = ("faults", i)
    kind = str(f["type"])
    params = FAULT_TYPES[kind].build(Fields(f, base, topo, compose, fail))
    duration = dur(base + ("duration",), f["duration"]) if "duration" in f else None
    return FaultSpec(id=str(f["id"]), type=kind, at=dur(base + ("at",), f["at"]), duration=duration, params=params)


def _actions(
    items: list[dict[str, Any]], topo: Topology, compose: str, caps: tuple[str, ...], faults: tuple[FaultSpec, ...],
    fault_phase: float, fail: Fail, dur: Dur,
) -> tuple[ActionSpec, ...]:  # fmt: skip
    fault_ids = {f.id: i for i, f in enumerate(faults)}
    seen: dict[str, int] = {}
    out: list[ActionSpec] = []
    for i, a in enumerate(items):
        base: FieldPath = ("actions", i)
        aid = str(a["id"])
        if aid in fault_ids:
            raise fail(base + ("id",), f"'{aid}' is already the id of faults[{fault_ids[aid]}]: an id names one "
                       "fault or one action")  # fmt: skip
        if aid == FAILBACK_ID:  # reserved, restore.failback or not: checks.failback reads its record by this id
            raise fail(base + ("id",), f"'{FAILBACK_ID}' is the id of restore.failback's action: rename it")
        if aid in seen:
            raise fail(base + ("id",), f"duplicate action id '{aid}' (first used by actions[{seen[aid]}])")
        seen[aid] = i
        trigger = _trigger(a, base, caps, fault_phase, fail, dur)
        kind = str(a["type"])
        params = ACTION_TYPES[kind].build(Fields(a, base, topo, compose, fail))
        target = dur(base + ("target",), a["target"]) if "target" in a else None
        out.append(ActionSpec(id=aid, type=kind, trigger=trigger, params=params, target=target))
    return tuple(out)


def _trigger(a: dict[str, Any], base: FieldPath, caps: tuple[str, ...], fault_phase: float, fail: Fail,
             dur: Dur) -> Trigger:  # fmt: skip
    """Exactly one of ``at`` (an offset in the fault phase) and ``when`` (a condition watched in it)."""
    fd = format_duration
    if "at" in a and "when" in a:
        raise fail(base + ("when",), "an action has one trigger: give at (a time) or when (a condition), not both")
    if "at" not in a and "when" not in a:
        raise fail(base, "no trigger: give at (an offset in the fault phase) or when (a condition on a capability)")
    if "at" in a:
        at = dur(base + ("at",), a["at"])
        if at >= fault_phase:
            raise fail(base + ("at",), f"starts at {fd(at)}, not before the end of the fault phase "
                       f"(fault_phase: {fd(fault_phase)})")  # fmt: skip
        return Trigger(at=at)
    w: dict[str, Any] = a["when"]
    wp = base + ("when",)
    cap = str(w["capability"])
    if cap not in caps:
        raise fail(wp + ("capability",), f"unknown capability '{cap}' (measured by the probes: {', '.join(caps)})")
    down_for = dur(wp + ("down_for",), w["down_for"])
    if down_for <= 0:
        raise fail(wp + ("down_for",), "must be > 0s")
    until = dur(wp + ("timeout",), w["timeout"]) if "timeout" in w else fault_phase
    if until > fault_phase:
        raise fail(wp + ("timeout",), f"gives up at {fd(until)}, after the end of the fault phase (fault_phase: "
                   f"{fd(fault_phase)}): conditions are watched during the fault phase only")  # fmt: skip
    if until <= down_for:
        raise fail(wp + ("timeout",) if "timeout" in w else wp + ("down_for",),
                   f"{cap} cannot have been down for {fd(down_for)} by {fd(until)}, when the condition is given up")
    return Trigger(capability=cap, down_for=down_for, until=until)


def _fault_phase(
    data: dict[str, Any], faults: tuple[FaultSpec, ...], fail: Fail, dur: Callable[[FieldPath, Any], float]
) -> float:
    ends = [f.heal_at if f.heal_at is not None else f.at for f in faults]
    if "fault_phase" not in data:
        end = max(ends, default=0.0)
        for i, f in enumerate(faults):
            if f.duration is None and f.at >= end:
                raise fail(("faults", i), f"fault '{f.id}' has no duration and starts when the fault phase ends "
                           f"({format_duration(end)}): give it a duration or set fault_phase")
        if end > MAX_DURATION:
            i = ends.index(end)
            raise fail(("faults", i, "duration" if faults[i].duration is not None else "at"),
                       f"ends at {format_duration(end)}: a fault phase lasts at most "
                       f"{format_duration(MAX_DURATION)}")  # fmt: skip
        return end
    end = dur(("fault_phase",), data["fault_phase"])
    for i, f in enumerate(faults):
        if f.at >= end:
            raise fail(("faults", i, "at"), f"starts at {format_duration(f.at)}, not before the end of the fault "
                       f"phase (fault_phase: {format_duration(end)})")
        if f.heal_at is not None and f.heal_at > end:
            raise fail(("faults", i, "duration"), f"heals at {format_duration(f.heal_at)}, after the end of the fault "
                       f"phase (fault_phase: {format_duration(end)})")
    return end


def _cuts_long_enough(
    faults: tuple[FaultSpec, ...], fault_phase: float, checks: CheckSpec, caps: tuple[str, ...], fail: Fail
) -> None:
    """A site cut must outlast the RTO target plus the stable duration of every capability judged."""
    fd = format_duration
    for i, f in enumerate(faults):
        site = site_cut(f)
        if not site:
            continue
        length = (f.heal_at if f.heal_at is not None else fault_phase) - f.at
        for cap in caps:
            targets = checks.for_capability(cap)
            if not targets.get(FailoverTargets).enabled:
                continue
            rto = targets.get(RtoTargets)
            need = max(rto.target, rto.stable_target) + rto.stable_for
            if length < need:
                raise fail(("faults", i, "duration" if f.duration is not None else "at"),
                           f"the cut of site {site} lasts {fd(length)}, shorter than {cap}'s RTO target plus its "
                           f"stable duration ({fd(max(rto.target, rto.stable_target))} + {fd(rto.stable_for)} = "
                           f"{fd(need)}): it cannot tell failover from healing; cut longer, lower checks.rto, or "
                           "set checks.failover.enabled: false")  # fmt: skip


def _targets(fields: Fields, base: Targets) -> Targets:
    """Every configurable check's params read from ``fields`` (``checks:`` or one capability's overrides)."""
    return Targets.of(*(c.build(fields, base.get(c.targets)) for c in REGISTRY.values() if c.targets is not None))


def _checks(c: dict[str, Any], caps: tuple[str, ...], topo: Topology, compose: str, fail: Fail) -> CheckSpec:
    defaults = _targets(Fields(c, ("checks",), topo, compose, fail), Targets())
    per: list[tuple[str, Targets]] = []
    for cap, over in (c.get("per_capability") or {}).items():
        p: FieldPath = ("checks", "per_capability", cap)
        if cap not in caps:
            raise fail(p, f"unknown capability '{cap}' (measured by the probes: {', '.join(caps)})")
        per.append((cap, _targets(Fields(over or {}, p, topo, compose, fail), defaults)))
    return CheckSpec(defaults=defaults, per_capability=tuple(per))
