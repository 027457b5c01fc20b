"""Journey probes and their registry (see base.py for the lifecycle)."""

from drills.probes import custom  # noqa: F401  (registers the probe types)
from drills.probes import journeys  # noqa: F401  (registers the probe types)
from drills.probes.base import PROBES, LedgerProbe, Outcome, Probe, ProbeLoop

__all__ = ["PROBES", "LedgerProbe", "Outcome", "Probe", "ProbeLoop"]
