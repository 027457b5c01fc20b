"""Adapters: the only modules that talk to Docker, Compose and Toxiproxy.

Lower-level errors are translated into :mod:`drills.errors` here, with ``raise ... from``.

    docker_client.engine_client  a Docker SDK client that answered a ping
    compose.ComposeProject up / down / discovery by labels (context manager)
    compose_config        the merged Compose model, as `docker compose config` answers it
    sweep.sweep           reap every resource labelled with a run id
    labels                the label vocabulary the runner reads from containers
    toxiproxy.WanClient   the Toxiproxy server (the WAN), every call with a timeout
    host                  commands on this machine, as argument lists with timeouts

The names below are imported on first use (PEP 562), not with the package: ``compose`` and
``sweep`` import the Docker SDK (and requests), a third of a second, and commands that never
touch the engine (``drill validate``, ``drill lint``) read ``compose_config`` and ``labels``
through this package. The first lookup binds all of them at once, so ``sweep`` is the function
even when the ``drills.adapters.sweep`` submodule was imported before - unless ``sweep`` is the
only name ever asked for after that: there, import it from ``drills.adapters.sweep``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_SOURCES = {
    "ComposeProject": "drills.adapters.compose",
    "Service": "drills.adapters.labels",
    "parse_endpoints": "drills.adapters.labels",
    "SweepReport": "drills.adapters.sweep",
    "leftovers": "drills.adapters.sweep",
    "sweep": "drills.adapters.sweep",
}


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    exported = {n: getattr(importlib.import_module(m), n) for n, m in _SOURCES.items()}
    globals().update(exported)  # replaces the ``sweep`` submodule the imports bound here
    return exported[name]
