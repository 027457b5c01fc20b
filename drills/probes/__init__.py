"""Journey probes and their registry (see base.py for the lifecycle).

    build_probes(spec, endpoints, clock, run_id) -> [Probe]   every probe a scenario declares
"""

from __future__ import annotations

from typing import Callable

from drills.model.scenario import ProbeSpec
from drills.probes import custom, journeys  # noqa: F401  (registers the probe types)
from drills.probes.base import PROBES, LedgerProbe, Outcome, Probe, ProbeLoop

__all__ = ["PROBES", "LedgerProbe", "Outcome", "Probe", "ProbeLoop", "build_probes"]


def build_probes(spec: ProbeSpec, endpoints: dict[str, str], clock: Callable[[], float], run_id: str) -> list[Probe]:
    """The journeys and custom probes of ``spec``, ready to sample (nothing is sent yet)."""
    probes: list[Probe] = [PROBES[j](endpoints, clock, spec.timeout, run_id=run_id) for j in spec.journeys]
    for cp in spec.custom:
        if cp.type == "http":
            probes.append(PROBES["http"](cp.name, cp.capability, cp.url, endpoints, spec.timeout, cp.expect_status))
        else:
            probes.append(PROBES["command"](cp.name, cp.capability, cp.argv, spec.timeout))
    return probes
