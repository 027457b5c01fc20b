"""Probe types a scenario declares itself (``probes.custom``): one module each, registering a
ProbeType (see drills/probes/base.py)."""
