"""A service's wiring from the Compose model: what the dualization lint reads besides the labels.

Vocabulary
    canonical form   what ``docker compose config --format json`` writes for a service::

                         environment  {NAME: "value" | null}
                         command      ["arg", ...] | null          entrypoint  the same
                         volumes      [{type, source, target, ...}]  (a bind's source is absolute)
                         networks     {name: null | {aliases: [...], ...}}

                     and, at the top level, ``networks`` / ``volumes`` {name: {labels: {...}}}.
    written form     what a compose file may say instead (lists of ``K=V``, a command string,
                     ``./src:/dst:ro`` volumes, a list of networks); only the fallback reader
                     (:mod:`drills.scenario.compose_source`, no Compose CLI) needs it turned
                     into the canonical form, by :func:`canonical_wiring`.

Lifecycle: :func:`service_wiring` and :func:`resources` run once per discovery, on either
reader's model; both are pure.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from drills.model.topology import Mount, Resource, Wiring

__all__ = ["DOMAIN_LABEL", "canonical_wiring", "resources", "service_wiring"]

DOMAIN_LABEL = "org.drills.domain"


def service_wiring(spec: Mapping[str, Any]) -> Wiring:
    """The :class:`Wiring` of one service in canonical form."""
    env = spec.get("environment") or {}
    networks = spec.get("networks") or {}
    mounts = [Mount(str(vol.get("type") or "volume"), str(vol.get("source") or ""), str(vol["target"]))
              for vol in spec.get("volumes") or [] if isinstance(vol, Mapping) and vol.get("target")]  # fmt: skip
    return Wiring(
        environment=tuple(sorted((str(k), "" if v is None else str(v)) for k, v in env.items())),
        command=_args(spec.get("command")),
        entrypoint=_args(spec.get("entrypoint")),
        mounts=tuple(mounts),
        networks=tuple(sorted((str(name), _aliases(opts)) for name, opts in networks.items())),
    )


def resources(declared: Mapping[str, Any]) -> tuple[Resource, ...]:
    """Top-level networks or volumes with their ``org.drills.domain`` label, sorted by name."""
    out = []
    for name, spec in declared.items():
        labels = spec.get("labels") if isinstance(spec, Mapping) else None
        domain = str(labels.get(DOMAIN_LABEL) or "") if isinstance(labels, Mapping) else ""
        out.append(Resource(str(name), domain))
    return tuple(sorted(out, key=lambda r: r.name))


def _args(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(shlex.split(value))
    if isinstance(value, list):
        return tuple(str(a) for a in value)
    return ()


def _aliases(opts: Any) -> tuple[str, ...]:
    aliases = opts.get("aliases") if isinstance(opts, Mapping) else None
    return tuple(sorted(str(a) for a in aliases)) if isinstance(aliases, list) else ()


# ---- the written form, for the fallback reader -------------------------------------------------
def canonical_wiring(spec: Mapping[str, Any], project_dir: Path, interpolate: Callable[[str], str]) -> dict[str, Any]:
    """The wiring keys of a written service in canonical form (see module docstring).

    Not known here: ``env_file``, long-syntax ``networks`` priorities and the like; a service
    without ``networks`` or ``network_mode`` joins ``default``, as with Compose.
    """
    out: dict[str, Any] = {"command": _written_args(spec.get("command"), interpolate),
                           "entrypoint": _written_args(spec.get("entrypoint"), interpolate)}  # fmt: skip
    env = _written_env(spec.get("environment"), interpolate)
    if env:
        out["environment"] = env
    volumes = [v for v in (_written_volume(x, project_dir, interpolate) for x in spec.get("volumes") or []) if v]
    if volumes:
        out["volumes"] = volumes
    networks = spec.get("networks")
    if isinstance(networks, list):
        out["networks"] = {str(n): None for n in networks}
    elif isinstance(networks, Mapping):
        out["networks"] = dict(networks)
    elif not spec.get("network_mode"):
        out["networks"] = {"default": None}
    return out


def _written_args(value: Any, interpolate: Callable[[str], str]) -> list[str] | None:
    if isinstance(value, str):
        return shlex.split(interpolate(value))
    if isinstance(value, list):
        return [interpolate(str(a)) for a in value]
    return None


def _written_env(value: Any, interpolate: Callable[[str], str]) -> dict[str, str | None]:
    if isinstance(value, Mapping):
        return {str(k): None if v is None else interpolate(str(v)) for k, v in value.items()}
    out: dict[str, str | None] = {}
    for item in value if isinstance(value, list) else []:
        name, eq, val = str(item).partition("=")
        out[name] = interpolate(val) if eq else os.environ.get(name)
    return out


def _written_volume(value: Any, project_dir: Path, interpolate: Callable[[str], str]) -> dict[str, Any] | None:
    if isinstance(value, Mapping):
        kind, source, target = str(value.get("type") or "volume"), str(value.get("source") or ""), value.get("target")
    elif isinstance(value, str):
        parts = interpolate(value).split(":")
        if len(parts) == 1:
            kind, source, target = "volume", "", parts[0]
        else:
            source, target = parts[0], parts[1]
            kind = "bind" if source.startswith((".", "/", "~")) else "volume"
    else:
        return None
    if kind == "bind" and source:
        source = str((project_dir / Path(interpolate(source)).expanduser()).resolve())
    out: dict[str, Any] = {"type": kind, "target": str(target)}
    if source:
        out["source"] = source
    return out
