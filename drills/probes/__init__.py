"""Journey probes and their registry (see base.py for the lifecycle)."""

from . import custom, journeys  # noqa: F401  (registers the probe types)
from .base import PROBES, LedgerProbe, Outcome, Probe, ProbeLoop

__all__ = ["PROBES", "LedgerProbe", "Outcome", "Probe", "ProbeLoop"]
