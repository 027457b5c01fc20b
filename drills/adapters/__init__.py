"""The topology layer: the reference replica as one Compose project per run.

    images.build_images   build the replica's images locally (no registry)
    compose.ComposeProject up / down / discovery by labels (context manager)
    sweep.sweep           reap every resource labelled with a run id
    labels                the label vocabulary and proxy naming ``<from>_<to>_<what>``
"""

from __future__ import annotations

from drills.adapters.compose import ComposeProject
from drills.adapters.labels import ProxyName, Service, parse_endpoints, parse_proxy_name
from drills.adapters.sweep import SweepReport, leftovers, sweep

__all__ = [
    "ComposeProject",
    "ProxyName",
    "Service",
    "SweepReport",
    "leftovers",
    "parse_endpoints",
    "parse_proxy_name",
    "sweep",
]
