"""The topology layer: the reference replica as one Compose project per run.

    images.build_images   build the replica's images locally (no registry)
    compose.ComposeProject up / down / discovery by labels (context manager)
    sweep.sweep           reap every resource labelled with a run id
    labels                the label vocabulary and proxy naming ``<from>_<to>_<what>``
"""

from __future__ import annotations

from .compose import ComposeProject
from .images import build_images, image_specs
from .labels import ProxyName, Service, parse_endpoints, parse_proxy_name
from .sweep import SweepReport, leftovers, sweep

__all__ = [
    "ComposeProject",
    "ProxyName",
    "Service",
    "SweepReport",
    "build_images",
    "image_specs",
    "leftovers",
    "parse_endpoints",
    "parse_proxy_name",
    "sweep",
]
