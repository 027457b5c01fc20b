"""Static topology discovery: sites, capabilities, services and links, before anything runs.

Nothing here talks to the Docker engine. The merged Compose model of the compose file plus the
variant override comes from Compose itself (``docker compose config``, see
:mod:`drills.adapters.compose_config`), so ``extends``, ``include``, ``!reset``/``!override``,
interpolation, ``.env`` and profiles mean what they mean to Compose. When the Compose CLI is
missing, the hand-written reader of :mod:`drills.scenario.compose_source` stands in (same model
shape, a subset of the rules). Either way, these are read from the model:

    services.<name>.labels["org.drills.domain"]      a | b | edge   (sites = domains != edge)
    services.<name>.labels["org.drills.capability"]  chat | login | devtools | ...  (app services)
    services.<name>.labels["org.drills.role"]        optional: pairs counterparts across sites
    services disabled by profiles                    disabled in this variant: known by name only
    services.<name>.depends_on                       list or mapping (sorted: order means nothing)
    services.<name>.labels["org.drills.startup-only"] optional: comma-separated depends_on entries
                                                     that only order start-up (bootstrap): the lint
                                                     shows them, judges only the wiring's edges
    services.<name>.environment, command, entrypoint, volumes, networks (+ aliases), and the
    top-level networks / volumes with their org.drills.domain label: the wiring the lint reads
    (:mod:`drills.scenario.wiring`)

Services keep the order the files declare them in (services that only ``include`` brings come
last), so capabilities and lint verdicts read in the file's order.

Links come from the proxies file the WAN really loads: the service labelled
``org.drills.role: wan`` runs Toxiproxy with ``-config PATH`` (``--config``, ``=`` or a separate
argument, in its command or entrypoint), and PATH is read from the bind mount that holds it in
that service (the deepest mount wins, as in the container). So a variant that mounts another
proxies file gets that file's links (:mod:`drills.model.proxies`: ``[{"name": "edge_a_chat",
"listen": ..., "upstream": ..., "enabled": true}, ...]``, names ``<from>_<to>_<what>``). No WAN
service, or one without ``-config``: no links. A ``-config`` path no bind mount holds (baked into
the image, or on a named volume) cannot be read before anything runs: an error.

Errors raise :class:`TopologyProblem` (file, field path, rule, line); lines come from the YAML
source, whichever reader built the model (no line for what only an included file writes). A file
Compose rejects is named with Compose's own message, on one line. The loader turns a problem
into a ScenarioError against the file that is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from drills.adapters.compose_config import ComposeModel, ComposeRejected, ModelReader, read_model
from drills.errors import ComposeUnavailable
from drills.model.fields import FieldPath
from drills.model.proxies import ProxiesError, read_proxies
from drills.model.topology import EDGE, Link, Mount, Service, Topology, Wiring, parse_link_name
from drills.scenario.compose_source import (
    Source,
    TopologyProblem,
    declared_order,
    locate,
    merged_model,
    read_source,
)
from drills.scenario.wiring import resources, service_wiring

__all__ = [
    "VARIANTS_DIR",
    "ModelReader",
    "TopologyProblem",
    "discover",
    "fallback_only",
    "variant_dirs",
    "variant_places",
    "wan_proxies_file",
]

DOMAIN_LABEL = "org.drills.domain"
CAPABILITY_LABEL = "org.drills.capability"
ROLE_LABEL = "org.drills.role"
STARTUP_ONLY_LABEL = "org.drills.startup-only"
WAN_ROLE = "wan"
CONFIG_FLAGS = ("-config", "--config")  # Toxiproxy's flag naming its proxies file
VARIANTS_DIR = Path("fixtures/variants")

def fallback_only(files: Sequence[Path], project_dir: Path) -> ComposeModel:
    """A reader that always declines, so :func:`discover` uses the hand-written model."""
    raise ComposeUnavailable("the Compose CLI is not used (fallback_only)")


def _model(sources: Sequence[Source], reader: ModelReader) -> ComposeModel:
    files = [src.file for src in sources]
    try:
        return reader(files, files[0].parent)
    except ComposeUnavailable:
        return merged_model(sources)
    except ComposeRejected as exc:
        src = next((s for s in sources if s.file.resolve() == exc.file.resolve()), None)
        field = _field_path(exc.field)
        # a line only from the file Compose blames, and only when that file writes the service
        written = src is not None and bool(field) and field[:2] in src.lines.lines
        line = src.lines.line_of(field) if src is not None and written else None
        file = src.file if src is not None else exc.file
        raise TopologyProblem(file, exc.field, f"{exc.message} (docker compose config)", line) from exc


def _field_path(field: str) -> FieldPath:
    """``services.a.labels[1]`` -> ("services", "a", "labels", 1)."""
    parts: list[str] = re.findall(r"[^.\[\]]+|\[\d+\]", field)
    return tuple(int(p[1:-1]) if p.startswith("[") else p for p in parts)


def _services(model: ComposeModel, sources: Sequence[Source]) -> tuple[list[Service], list[str]]:
    declared = declared_order(sources)
    rank = {name: i for i, name in enumerate(declared)}
    ordered = sorted(model.services, key=lambda n: (rank.get(n, len(rank)), n))
    enabled: list[Service] = []
    for name in ordered:
        labels = model.labels(name)
        domain = labels.get(DOMAIN_LABEL, "")
        if not domain:
            file, line = locate(sources, name, "labels")
            raise TopologyProblem(
                file,
                f"services.{name}.labels",
                f"every service needs the label {DOMAIN_LABEL} (a site name or {EDGE})",
                line,
            )
        enabled.append(
            Service(
                name=name,
                domain=domain,
                capability=labels.get(CAPABILITY_LABEL) or None,
                depends_on=model.depends_on(name),
                role=labels.get(ROLE_LABEL, ""),
                startup_only=tuple(x.strip() for x in labels.get(STARTUP_ONLY_LABEL, "").split(",") if x.strip()),
            )
        )
    disabled = sorted(model.disabled, key=lambda n: (rank.get(n, len(rank)), n))
    return enabled, disabled


def _config_arg(args: tuple[str, ...]) -> str | None:
    """The value of Toxiproxy's ``-config`` / ``--config`` flag (``-config=F`` or ``-config F``)."""
    for i, arg in enumerate(args):
        name, eq, value = arg.partition("=")
        if name in CONFIG_FLAGS:
            return value if eq else (args[i + 1] if i + 1 < len(args) else None)
    return None


def _mounted(mounts: tuple[Mount, ...], path: PurePosixPath) -> Mount | None:
    """The mount holding ``path`` in the container: the deepest target at or above it."""
    holding = [m for m in mounts if path == PurePosixPath(m.target) or PurePosixPath(m.target) in path.parents]
    return max(holding, key=lambda m: len(PurePosixPath(m.target).parts), default=None)


def wan_proxies_file(w: Wiring) -> Path | None:
    """The host file a Toxiproxy service loads with ``-config``, when a bind mount holds it."""
    config = _config_arg(w.entrypoint) or _config_arg(w.command)
    if config is None:
        return None
    path = PurePosixPath("/") / config
    mount = _mounted(w.mounts, path)
    if mount is None or mount.kind != "bind" or not mount.source:
        return None
    return Path(mount.source) / path.relative_to(mount.target)


def _proxies_file(services: list[Service], wiring: dict[str, Wiring], sources: Sequence[Source]) -> Path | None:
    """The host file the WAN service loads with ``-config`` (see module docstring); None: no WAN, no file."""
    found: list[tuple[str, Path]] = []
    for svc in services:
        if svc.role != WAN_ROLE:
            continue
        w = wiring[svc.name]
        config = _config_arg(w.entrypoint) or _config_arg(w.command)
        if config is None:
            continue
        key = "entrypoint" if _config_arg(w.entrypoint) else "command"
        path = PurePosixPath("/") / config
        mount = _mounted(w.mounts, path)
        if mount is None or mount.kind != "bind" or not mount.source:
            file, line = locate(sources, svc.name, key)
            how = f"it is on volume {mount.source or '(anonymous)'}" if mount is not None else "no bind mount holds it"
            raise TopologyProblem(file, f"services.{svc.name}.{key}", f"the WAN's proxies file {config} cannot be "
                                  f"read before anything runs: {how} (bind-mount the file there)", line)  # fmt: skip
        found.append((svc.name, Path(mount.source) / path.relative_to(mount.target)))
    if len(found) > 1:
        file, line = locate(sources, found[1][0], "labels")
        raise TopologyProblem(file, f"services.{found[1][0]}.labels", "one WAN service (org.drills.role: wan) may "
                              f"load a proxies file; {', '.join(n for n, _ in found)} do", line)  # fmt: skip
    return found[0][1] if found else None


def _links(proxies: Path | None, domains: tuple[str, ...]) -> list[Link]:
    if proxies is None:
        return []
    try:
        entries = read_proxies(proxies)
    except ProxiesError as exc:
        raise TopologyProblem(proxies, exc.field, exc.rule) from exc
    out: list[Link] = []
    for i, entry in enumerate(entries):
        try:
            link = parse_link_name(entry.name, domains)
        except ValueError as exc:
            raise TopologyProblem(proxies, f"[{i}].name", str(exc)) from exc
        if entry.enabled:
            out.append(replace(link, listen=entry.listen, upstream=entry.upstream))
    return out


def discover(repo_root: Path, compose: Path, variant: str | None, reader: ModelReader | None = None,
             overrides: Sequence[Path] = ()) -> Topology:  # fmt: skip
    """Read the topology of ``compose`` (+ its ``overrides``, then the variant) under ``repo_root``;
    raise TopologyProblem.

    ``reader`` asks for the merged model (default: Compose itself, cached per process); when it
    raises ComposeUnavailable the hand-written reader stands in.
    """
    compose_file = compose if compose.is_absolute() else repo_root / compose
    if not compose_file.is_file():
        raise TopologyProblem(compose_file, "", "compose file not found")
    files = [compose_file]
    for o in overrides:
        extra = o if o.is_absolute() else repo_root / o
        if not extra.is_file():
            raise TopologyProblem(extra, "", "compose file not found")
        files.append(extra)
    variant_file: Path | None = None
    if variant:
        places = variant_places(repo_root, compose_file, variant)
        variant_file = next((f for f in places if f.is_file()), places[0])
        if not variant_file.is_file():
            raise TopologyProblem(variant_file, "", "variant file not found")
        files.append(variant_file)
    sources = [read_source(f) for f in files]
    model = _model(sources, reader or read_model)
    services, disabled = _services(model, sources)
    sites = tuple(sorted({s.domain for s in services if s.domain != EDGE}))
    caps = tuple(dict.fromkeys(c for s in services if (c := s.capability)))
    wiring = {s.name: service_wiring(model.services[s.name]) for s in services}
    proxies = _proxies_file(services, wiring, sources)
    return Topology(
        compose=compose_file,
        variant=variant,
        variant_file=variant_file,
        overrides=tuple(files[1 : 1 + len(overrides)]),
        services=tuple(services),
        links=tuple(_links(proxies, (*sites, EDGE))),
        sites=sites,
        capabilities=caps,
        disabled=tuple(disabled),
        wiring=tuple(wiring.items()),
        networks=resources(model.networks),
        volumes=resources(model.volumes),
        proxies_file=proxies,
        root=repo_root,
    )


def variant_places(repo_root: Path, compose_file: Path, variant: str) -> list[Path]:
    """The files variant ``variant`` of ``compose_file`` may be, in the order they are looked for."""
    return [d / f"{variant}.yml" for d in variant_dirs(repo_root, compose_file)]


def variant_dirs(repo_root: Path, compose_file: Path) -> tuple[Path, ...]:
    """Where a variant of ``compose_file`` is looked for, in order: ``variants/`` next to it (a
    stack of your own keeps its variants with it), then the repository's ``fixtures/variants/``
    (the reference replica's)."""
    return tuple(dict.fromkeys([compose_file.parent / "variants", repo_root / VARIANTS_DIR]))


def available_variants(repo_root: Path, compose_file: Path | None = None) -> tuple[str, ...]:
    dirs = variant_dirs(repo_root, compose_file or repo_root / "docker-compose.yml")
    return tuple(sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.yml")}))
