"""Adapters: the only modules that talk to Docker, Compose and Toxiproxy.

Lower-level errors are translated into :mod:`drills.errors` here, with ``raise ... from``.

    docker_client.engine_client  a Docker SDK client that answered a ping
    compose.ComposeProject up / down / discovery by labels (context manager)
    compose_config        the merged Compose model, as `docker compose config` answers it
    sweep.sweep           reap every resource labelled with a run id
    labels                the label vocabulary the runner reads from containers
    toxiproxy.WanClient   the Toxiproxy server (the WAN), every call with a timeout
    host                  commands on this machine, as argument lists with timeouts
"""

from __future__ import annotations

from drills.adapters.compose import ComposeProject
from drills.adapters.labels import Service, parse_endpoints
from drills.adapters.sweep import SweepReport, leftovers, sweep

__all__ = [
    "ComposeProject",
    "Service",
    "SweepReport",
    "leftovers",
    "parse_endpoints",
    "sweep",
]
