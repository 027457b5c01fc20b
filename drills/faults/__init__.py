"""Fault registry: scenario ``type`` -> the class that injects and heals it.

A new fault type is one new module with a class that has ``type_name``,
``inject(ctx)`` and ``heal(ctx)``, plus one line here.
"""

from __future__ import annotations

from typing import Callable

from drills.model.scenario import FaultSpec
from drills.faults.base import Fault, FaultContext
from drills.faults.partition import PartitionFault
from drills.faults.power_cut import PowerCutFault
from drills.faults.service import KillFault, PauseFault, RestartFault
from drills.faults.wan import WanFault

__all__ = ["FAULTS", "Fault", "FaultContext", "make_fault"]

FAULTS: dict[str, Callable[[FaultSpec], Fault]] = {
    cls.type_name: cls
    for cls in (PowerCutFault, PartitionFault, WanFault, KillFault, PauseFault, RestartFault)
}


def make_fault(spec: FaultSpec) -> Fault:
    try:
        return FAULTS[spec.type](spec)
    except KeyError:
        raise ValueError(f"unknown fault type {spec.type!r} (allowed: {', '.join(sorted(FAULTS))})") from None
