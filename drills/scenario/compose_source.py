"""Compose files read by hand: positions for every error, and the fallback merge.

Vocabulary
    Source          one compose file as YAML with positions (:mod:`drills.scenario.yamlsrc`):
                    every problem in it is reported as ``file:line: field: rule``.
    locate          where a service (or one of its fields) is written: the file and the line
                    to name in an error, whichever reader produced the model.
    fallback model  :func:`merged_model`, the reader used only when the Compose CLI is missing
                    (``drill validate`` on a laptop without the plugin). It knows a subset of
                    Compose: mappings merge key by key, ``!reset`` removes, lists and scalars
                    replace (so ``!override`` on a list works; on a mapping it merges),
                    ``${VAR}``, ``${VAR:-default}``, ``${VAR-default}`` and ``$$`` from the
                    process environment in labels, image, build and the wiring (environment,
                    command, entrypoint, volumes, networks: :mod:`drills.scenario.wiring`), and any service with
                    ``profiles`` is disabled. It does not know ``extends``, ``include``,
                    ``.env`` files or ``COMPOSE_PROFILES``; Compose itself
                    (:mod:`drills.adapters.compose_config`) does.

Lifecycle: :func:`read_source` per file (raises TopologyProblem on unreadable or invalid YAML),
then either Compose's model or :func:`merged_model` of the sources; both have the same shape
(:class:`drills.adapters.compose_config.ComposeModel`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

from drills.adapters.compose_config import ComposeModel
from drills.model.fields import FieldPath
from drills.scenario.wiring import canonical_wiring
from drills.scenario.yamlsrc import RESET, LineMap, YamlProblem, decode, parse_yaml, read_limited, render_path

__all__ = ["Source", "TopologyProblem", "locate", "merged_model", "read_source"]

_VAR = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\})")
FALLBACK_READER = "drills' own reader (no Compose CLI)"


class TopologyProblem(Exception):
    def __init__(self, file: Path, field: str, rule: str, line: int | None = None) -> None:
        super().__init__(f"{file}: {field}: {rule}")
        self.file = file
        self.field = field
        self.rule = rule
        self.line = line


@dataclass(frozen=True)
class Source:
    file: Path
    data: dict[str, Any]
    lines: LineMap

    def services(self) -> dict[str, Any]:
        return self.data.get("services") or {}


def read_source(path: Path) -> Source:
    try:
        data, lines = parse_yaml(decode(read_limited(path)))
    except OSError as exc:
        raise TopologyProblem(path, "", f"cannot read: {exc.strerror or exc}") from exc
    except YamlProblem as exc:
        raise TopologyProblem(path, exc.field, exc.message, exc.line) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TopologyProblem(path, "", "a compose file must be a mapping", 1)
    services = data.get("services")
    if services is not None and not isinstance(services, dict):
        raise TopologyProblem(path, "services", "must be a mapping", lines.line_of(("services",)))
    return Source(path, data, lines)


def locate(sources: Sequence[Source], service: str, key: str = "") -> tuple[Path, int | None]:
    """File and line to blame for ``services.<service>[.<key>]``.

    The last file that writes the key (it won the merge), else the first that declares the
    service, else the base file without a line (the service came from ``include``/``extends``).
    """
    path: FieldPath = ("services", service)
    if key:
        for src in reversed(sources):
            spec = src.services().get(service)
            if isinstance(spec, dict) and key in spec:
                return src.file, src.lines.line_of(path + (key,))
    for src in sources:
        if service in src.services():
            return src.file, src.lines.line_of(path)
    return sources[0].file, None


def declared_order(sources: Sequence[Source]) -> list[str]:
    """Service names in the order the files declare them (base first, then overrides)."""
    return list(dict.fromkeys(str(name) for src in sources for name in src.services()))


# ---- the fallback model ------------------------------------------------------------------------
def merged_model(sources: Sequence[Source]) -> ComposeModel:
    """The model of ``sources`` as far as the hand-written rules go (see module docstring)."""
    merged: dict[str, Any] = reduce(_merge, (src.data for src in sources), {})
    project_dir = sources[0].file.parent.resolve()
    enabled: dict[str, dict[str, Any]] = {}
    disabled: list[str] = []
    for name, written in (merged.get("services") or {}).items():
        spec = written if written is not None else {}
        if not isinstance(spec, dict):
            file, line = locate(sources, str(name))
            raise TopologyProblem(file, render_path(("services", str(name))), "must be a mapping", line)
        if spec.get("profiles"):
            disabled.append(str(name))
            continue
        enabled[str(name)] = _canonical(sources, str(name), spec, project_dir)
    networks = dict(merged.get("networks") or {})
    if any("default" in (spec.get("networks") or {}) for spec in enabled.values()):
        networks.setdefault("default", {})
    return ComposeModel(services=enabled, disabled=tuple(disabled), reader=FALLBACK_READER,
                        networks=networks, volumes=dict(merged.get("volumes") or {}))  # fmt: skip


def _merge(base: Any, over: Any) -> Any:
    """Compose's rule for mappings; a ``!reset`` anywhere in ``over`` removes its key."""
    if over is RESET:
        return RESET
    if isinstance(over, dict):
        out = dict(base) if isinstance(base, dict) else {}
        for key, value in over.items():
            merged = _merge(out.get(key), value)
            if merged is RESET:
                out.pop(key, None)
            else:
                out[key] = merged
        return out
    return over


def _canonical(sources: Sequence[Source], name: str, spec: dict[str, Any], project_dir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {
        "labels": {k: interpolate(v) for k, v in _as_mapping(sources, name, "labels", spec).items()},
        "depends_on": {k: {} for k in _as_mapping(sources, name, "depends_on", spec)},
        **canonical_wiring(spec, project_dir, interpolate),
    }
    if spec.get("image"):
        out["image"] = interpolate(str(spec["image"]))
    build = spec.get("build")
    if isinstance(build, (str, dict)):
        raw = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        context = (project_dir / interpolate(str(raw))).resolve()
        out["build"] = {"context": str(context), "dockerfile": interpolate(str(dockerfile))}
    return out


def _as_mapping(sources: Sequence[Source], name: str, key: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """Compose allows labels / depends_on as a mapping or a list of ``k=v`` / names."""
    value = spec.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, str] = {}
        for item in value:
            k, _, v = str(item).partition("=")
            out[k] = v
        return out
    file, line = locate(sources, name, key)
    raise TopologyProblem(file, render_path(("services", name, key)), "must be a mapping or a list", line)


def interpolate(text: str, env: Mapping[str, str] | None = None) -> str:
    """``${VAR}``, ``${VAR:-default}`` (unset or empty), ``${VAR-default}`` (unset), ``$$``."""
    values = os.environ if env is None else env

    def one(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        value = values.get(m["name"])
        if m["op"] == ":-" and not value:
            return m["default"]
        if m["op"] == "-" and value is None:
            return m["default"]
        return value or ""

    return _VAR.sub(one, text)
