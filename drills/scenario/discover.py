"""Static topology discovery: read sites, capabilities, services and links from files.

Nothing here talks to Docker. The compose file (plus the variant override, merged
the way Compose merges: mappings key by key, ``!reset`` removes, ``!override``
replaces) is read with PyYAML:

    services.<name>.labels["org.drills.domain"]      a | b | edge   (sites = domains != edge)
    services.<name>.labels["org.drills.capability"]  chat | login | devtools | ...  (app services)
    services.<name>.labels["org.drills.role"]        optional: pairs counterparts across sites
    services.<name>.profiles: [...]                  disabled in this variant -> treated as absent
    services.<name>.depends_on                       list or mapping
    services.<name>.labels["org.drills.startup-only"] optional: comma-separated depends_on entries
                                                     that only order start-up (bootstrap), not
                                                     needed at run time; the lint skips them

Links come from ``fixtures/toxiproxy/proxies.json``: ``[{"name": "edge_a_chat",
"listen": ..., "upstream": ..., "enabled": true}, ...]``, names ``<from>_<to>_<what>``.

Errors raise :class:`TopologyProblem` (file, path, rule, line); the loader turns
them into ScenarioError against the file that is wrong.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from drills.model.topology import EDGE, Link, Service, Topology, parse_link_name
from drills.scenario.yamlsrc import RESET, LineMap, Path_, YamlProblem, parse_yaml, render_path

__all__ = ["TopologyProblem", "discover", "PROXIES_FILE", "VARIANTS_DIR"]

DOMAIN_LABEL = "org.drills.domain"
CAPABILITY_LABEL = "org.drills.capability"
ROLE_LABEL = "org.drills.role"
STARTUP_ONLY_LABEL = "org.drills.startup-only"
PROXIES_FILE = Path("fixtures/toxiproxy/proxies.json")
VARIANTS_DIR = Path("fixtures/variants")


class TopologyProblem(Exception):
    def __init__(self, file: Path, field: str, rule: str, line: int | None = None) -> None:
        super().__init__(f"{file}: {field}: {rule}")
        self.file = file
        self.field = field
        self.rule = rule
        self.line = line


def _read_compose(path: Path) -> tuple[dict[str, Any], LineMap]:
    try:
        data, lines = parse_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TopologyProblem(path, "", f"cannot read: {exc.strerror}") from exc
    except YamlProblem as exc:
        raise TopologyProblem(path, "", exc.message, exc.line) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise TopologyProblem(path, "", "a compose file must be a mapping", 1)
    services = data.get("services", {})
    if not isinstance(services, dict):
        raise TopologyProblem(path, "services", "must be a mapping", lines.line_of(("services",)))
    return data, lines


def _merge(base: Any, over: Any) -> Any:
    if over is RESET:
        return RESET
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for key, value in over.items():
            merged = _merge(base.get(key), value) if key in base else value
            if merged is RESET:
                out.pop(key, None)
            else:
                out[key] = merged
        return out
    return over


def _as_mapping(value: Any, file: Path, path: Path_, lines: LineMap) -> dict[str, str]:
    """Compose allows labels / depends_on as a mapping or a list of ``k=v`` / names."""
    if value is None:
        return {}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    if isinstance(value, list):
        out: dict[str, str] = {}
        for item in value:
            key, _, val = str(item).partition("=")
            out[key] = val
        return out
    raise TopologyProblem(file, render_path(path), "must be a mapping or a list", lines.line_of(path))


def _services(
    compose: dict[str, Any], file: Path, lines: LineMap
) -> tuple[list[Service], list[str]]:
    enabled: list[Service] = []
    disabled: list[str] = []
    for name, spec in (compose.get("services") or {}).items():
        spec = spec or {}
        path: Path_ = ("services", str(name))
        if not isinstance(spec, dict):
            raise TopologyProblem(file, render_path(path), "must be a mapping", lines.line_of(path))
        if spec.get("profiles"):
            disabled.append(str(name))
            continue
        labels = _as_mapping(spec.get("labels"), file, path + ("labels",), lines)
        domain = labels.get(DOMAIN_LABEL, "")
        if not domain:
            raise TopologyProblem(
                file,
                render_path(path + ("labels",)),
                f"every service needs the label {DOMAIN_LABEL} (a site name or {EDGE})",
                lines.line_of(path),
            )
        deps = _as_mapping(spec.get("depends_on"), file, path + ("depends_on",), lines)
        enabled.append(
            Service(
                name=str(name),
                domain=domain,
                capability=labels.get(CAPABILITY_LABEL) or None,
                depends_on=tuple(deps),
                role=labels.get(ROLE_LABEL, ""),
                startup_only=tuple(x.strip() for x in labels.get(STARTUP_ONLY_LABEL, "").split(",") if x.strip()),
            )
        )
    return enabled, disabled


def _links(proxies: Path, domains: tuple[str, ...]) -> list[Link]:
    if not proxies.is_file():
        return []
    try:
        data = json.loads(proxies.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TopologyProblem(proxies, "", f"cannot read proxies: {exc}") from exc
    if not isinstance(data, list):
        raise TopologyProblem(proxies, "", "must be a JSON list of proxies")
    out: list[Link] = []
    for i, item in enumerate(data):
        name = str(item.get("name", "")) if isinstance(item, dict) else ""
        try:
            link = parse_link_name(name, domains)
        except ValueError as exc:
            raise TopologyProblem(proxies, f"[{i}].name", str(exc)) from exc
        if not item.get("enabled", True):
            continue
        out.append(replace(link, listen=str(item.get("listen", "")), upstream=str(item.get("upstream", ""))))
    return out


def discover(repo_root: Path, compose: Path, variant: str | None) -> Topology:
    """Read the topology of ``compose`` (+ variant) under ``repo_root``; raise TopologyProblem."""
    compose_file = compose if compose.is_absolute() else repo_root / compose
    if not compose_file.is_file():
        raise TopologyProblem(compose_file, "", "compose file not found")
    data, lines = _read_compose(compose_file)
    variant_file: Path | None = None
    if variant:
        variant_file = repo_root / VARIANTS_DIR / f"{variant}.yml"
        if not variant_file.is_file():
            raise TopologyProblem(variant_file, "", "variant file not found")
        over, lines = _read_compose(variant_file)
        data = _merge(data, over)
        services_file = variant_file
    else:
        services_file = compose_file
    services, disabled = _services(data, services_file, lines)
    sites = tuple(sorted({s.domain for s in services if s.domain != EDGE}))
    caps = tuple(dict.fromkeys(c for s in services if (c := s.capability)))
    return Topology(
        compose=compose_file,
        variant=variant,
        variant_file=variant_file,
        services=tuple(services),
        links=tuple(_links(repo_root / PROXIES_FILE, (*sites, EDGE))),
        sites=sites,
        capabilities=caps,
        disabled=tuple(disabled),
    )


def available_variants(repo_root: Path) -> tuple[str, ...]:
    folder = repo_root / VARIANTS_DIR
    if not folder.is_dir():
        return ()
    return tuple(sorted(p.stem for p in folder.glob("*.yml")))
