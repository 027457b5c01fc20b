"""Probes: journeys and probe types, each one file that registers itself (see base.py).

    JOURNEYS      name -> JourneyType   built-in user actions (drills/probes/journeys/)
    PROBE_TYPES   name -> ProbeType     probes a scenario declares itself (drills/probes/custom/)
    build_probes(spec, endpoints, clock, run_id) -> [Probe]   every probe a scenario declares
    build_site_probes(...)   the journeys again through each site's own entry point (per_site.py)
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable

from drills.errors import PluginError
from drills.model.scenario import ProbeSpec
from drills.probes import custom, journeys
from drills.probes.base import (
    JOURNEYS,
    PROBE_TYPES,
    JourneyType,
    LedgerProbe,
    Outcome,
    Probe,
    ProbeLoop,
    ProbeType,
    default_journeys,
    register_journey,
    register_probe_type,
)
from drills.probes.declared import DeclaredJourney
from drills.probes.per_site import SiteProbe, Unprobed, build_site_probes

__all__ = [
    "JOURNEYS",
    "PROBE_TYPES",
    "JourneyType",
    "LedgerProbe",
    "Outcome",
    "Probe",
    "ProbeLoop",
    "ProbeType",
    "SiteProbe",
    "Unprobed",
    "build_probes",
    "build_site_probes",
    "default_journeys",
    "load_plugins",
    "register_journey",
    "register_probe_type",
]

for _package in (journeys, custom):
    for _module in pkgutil.iter_modules(_package.__path__):
        importlib.import_module(f"{_package.__name__}.{_module.name}")

PLUGINS_ENV = "DRILLS_PLUGINS"


def load_plugins(value: str | None = None) -> list[str]:
    """Import each module ``DRILLS_PLUGINS`` names (comma-separated, importable from ``sys.path``):
    a journey, probe type, check, fault or action of your own registers itself there, with the same
    contract as the built-ins. PluginError names the module that failed. Costs nothing when unset
    (entry points would cost ~150 ms of start-up on every command)."""
    names = [n.strip() for n in (os.environ.get(PLUGINS_ENV, "") if value is None else value).split(",")]
    loaded = []
    for name in filter(None, names):
        try:
            importlib.import_module(name)
        except Exception as exc:
            raise PluginError(f"{PLUGINS_ENV}: cannot load plugin {name!r}: {type(exc).__name__}: {exc}") from exc
        loaded.append(name)
    return loaded


load_plugins()


def build_probes(spec: ProbeSpec, endpoints: dict[str, str], clock: Callable[[], float], run_id: str) -> list[Probe]:
    """The journeys and custom probes of ``spec``, ready to sample (nothing is sent yet)."""
    probes: list[Probe] = []
    for j in spec.journeys:
        mine = spec.declared_journey(j)
        if mine is not None:
            probes.append(DeclaredJourney(mine, endpoints, clock, spec.timeout, run_id=run_id))
        else:
            probes.append(JOURNEYS[j].make(endpoints, clock, spec.timeout, run_id=run_id))
    probes.extend(PROBE_TYPES[cp.type].make(cp.name, cp.capability, cp.params, endpoints, spec.timeout)
                  for cp in spec.custom)  # fmt: skip
    return probes
