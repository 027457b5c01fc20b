"""Compose's own reading of a project: ``docker compose config``, no engine needed.

Vocabulary
    files        the compose files in merge order: the base first, then overrides (a variant)
    project dir  where relative paths and the ``.env`` file resolve: the first file's folder,
                 as when the drill brings the project up
    model        the merged project as Compose sees it, after ``extends``, ``include``,
                 ``!reset`` / ``!override``, interpolation (environment + ``.env``) and
                 profiles. Each service is in *canonical form*::

                     labels      {name: value}          (list form already turned into a mapping)
                     depends_on  {service: {condition, required, ...}}
                     image       "repo:tag"             (interpolated)
                     build       {context: <absolute path>, dockerfile: "Dockerfile", ...}
                     environment {name: value or null}   command / entrypoint  [arg, ...] or null
                     volumes     [{type: bind|volume|..., source: <absolute path or name>, target}]
                     networks    {network: null or {aliases: [...]}}   ("default" when none)

                 and the top-level ``networks`` / ``volumes`` {name: {labels: {...}, ...}}.

    enabled      a service active with this environment's profiles (``COMPOSE_PROFILES``)
    disabled     a service declared but switched off by its profiles: only its name is known

Lifecycle: :meth:`ConfigReader.read` runs read-only commands, each with a timeout::

    docker compose --project-directory D -p drills-static -f F1 -f F2 config --format json --no-consistency
    docker compose --project-directory D -p drills-static -f F1 -f F2 --profile '*' config --services --no-consistency

The first prints the enabled services in full; the second names every declared service, so the
difference is the disabled ones. Only a service with ``profiles`` can be disabled, and it gets
them from its own file or through ``extends`` or ``include``: when none of these three words
occurs in the files, the second command (about 0.1 s of CPU) is skipped and nothing is disabled;
otherwise both run side by side. :func:`model_from_config` turns the output into a
:class:`ComposeModel` (pure, unit-tested on recorded output). A reader caches its answers per
(files and their bytes, the ``.env`` file's bytes, the environment) for the life of the process;
:func:`read_model` also keeps them on disk, keyed by the same and by the Compose that answered
(drills/adapters/compose_cache.py), so a second ``drill validate`` of unchanged files asks no one.

``--no-consistency`` skips Compose's cross-reference checks (an image or a build on every
service, every ``depends_on`` target enabled) and nothing else: file shape, interpolation,
``extends`` and ``include`` are still checked. A dependency on a service disabled by a profile
is exactly what the dualization lint reports ("disabled in this variant"), and a topology read
for validation need not be startable.

Errors (translated here):
    ComposeUnavailable   no ``docker`` CLI, no Compose v2 plugin (or one too old for these flags),
                         or no answer within the timeout: callers may fall back to a reader of
                         their own
    ComposeRejected      Compose refuses the files: the file to blame (Compose's own word, which
                         may be a file that ``include`` or ``extends`` reads; else the last file
                         of the shortest prefix of the files it refuses), the field path when the
                         message names one, and Compose's message on one line
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drills.adapters.compose_cache import DiskStore, compose_identity, store_key
from drills.adapters.host import Completed, LocalHost, Runner
from drills.errors import ComposeUnavailable, InvalidInput

__all__ = [
    "PROJECT_NAME",
    "ComposeModel",
    "ComposeRejected",
    "ConfigReader",
    "ModelReader",
    "Runner",
    "model_from_config",
    "read_model",
]

PROJECT_NAME = "drills-static"  # neutral: names nothing a run creates; -p wins over the file's `name:`
TIMEOUT_S = 20.0
_MISSING = ("is not a docker command", "unknown flag", "unknown shorthand flag", "unknown command")
_WARNING = re.compile(r'^(WARN\[|time="[^"]*" level=warning)')
_FIELD = re.compile(
    r"^(?:error while interpolating )?"
    r"(?P<field>(?:services|networks|volumes|configs|secrets|include|name|x-[\w.-]+)(?:\.[^\s:]+)*):?\s+"
    r"(?P<rule>.+)$"
)
_MAY_DISABLE = re.compile(rb"\b(profiles|extends|include)\b")
_PULLS_IN = re.compile(rb"\b(extends|include)\b")  # other files, whose variables this cannot see
_NOT_STORED = re.compile(rb"\b(extends|include|env_file)\b")  # answers decided by files not in the key
_VALIDATING = re.compile(r"^validating (?P<file>[^:]+): (?P<rest>.+)$")
_FIELD_INSIDE = re.compile(r"\bservices\.[^\s:,]+")


@dataclass(frozen=True)
class ComposeModel:
    """The merged project: enabled services in canonical form, and the disabled ones by name.

    ``services`` keeps the order its reader gave (Compose sorts by name). Treat it as read-only:
    a reader may hand the same model to several callers.
    """

    services: Mapping[str, Mapping[str, Any]]
    disabled: tuple[str, ...] = ()
    reader: str = "docker compose config"
    networks: Mapping[str, Any] = field(default_factory=dict)  # top-level, as Compose writes them
    volumes: Mapping[str, Any] = field(default_factory=dict)

    def labels(self, service: str) -> dict[str, str]:
        raw = self.services[service].get("labels") or {}
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}

    def depends_on(self, service: str) -> tuple[str, ...]:
        """The services ``service`` depends on, sorted (their order carries no meaning)."""
        return tuple(sorted(str(name) for name in (self.services[service].get("depends_on") or {})))

    def image(self, service: str) -> str | None:
        image = self.services[service].get("image")
        return str(image) if image else None

    def build(self, service: str) -> tuple[Path, str] | None:
        """(absolute context, Dockerfile name) when the service builds its image, else None."""
        build = self.services[service].get("build")
        if not isinstance(build, Mapping) or not build.get("context"):
            return None
        return Path(str(build["context"])), str(build.get("dockerfile") or "Dockerfile")


ModelReader = Callable[[Sequence[Path], Path], ComposeModel]
"""(compose files in merge order, project directory) -> model, e.g. :func:`read_model`."""


class ComposeRejected(InvalidInput):
    """Compose refuses the files. ``str()`` is one line: ``file: field: message``."""

    def __init__(self, file: Path, field: str, message: str) -> None:
        self.file = file
        self.field = field
        self.message = message
        super().__init__(f"{file}: {field + ': ' if field else ''}{message} (docker compose config)")


def model_from_config(
    config_json: str, all_services: str | None, reader: str = "docker compose config"
) -> ComposeModel:
    """Parse ``config --format json`` and ``--profile '*' config --services`` output (pure).

    ``all_services`` None: nothing can be disabled (the second command was not needed).
    """
    try:
        data = json.loads(config_json)
    except ValueError as exc:
        raise ComposeUnavailable(f"`docker compose config` printed something that is not JSON: {exc}") from exc
    services = data.get("services") if isinstance(data, dict) else None
    if not isinstance(services, dict):
        raise ComposeUnavailable("`docker compose config` printed JSON without a services mapping")
    declared = [line.strip() for line in (all_services or "").splitlines() if line.strip()]
    disabled = tuple(sorted(name for name in dict.fromkeys(declared) if name not in services))
    networks, volumes = data.get("networks"), data.get("volumes")
    return ComposeModel(services=services, disabled=disabled, reader=reader,
                        networks=networks if isinstance(networks, dict) else {},
                        volumes=volumes if isinstance(volumes, dict) else {})  # fmt: skip


def _one_line(text: str) -> str:
    """Compose's message on one line, without its warnings (``WARN[0000] ...``)."""
    lines = (line.strip() for line in text.strip().splitlines())
    return " ".join(line for line in lines if line and not _WARNING.match(line))


def _split_message(message: str) -> tuple[str, str]:
    """``services.a.labels must be a mapping`` -> ("services.a.labels", "must be a mapping").

    A field path further inside the message (``cannot override services.a.x``) is the field too,
    and the message stays whole.
    """
    match = _FIELD.match(message)
    if match:
        return match["field"].replace(".[", "["), match["rule"]
    inside = _FIELD_INSIDE.search(message)
    return (inside[0].replace(".[", "["), message) if inside else ("", message)


_VARIABLE = re.compile(rb"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _environment_read(texts: Iterable[bytes], everything: bool) -> tuple[tuple[str, str], ...]:
    """The part of the environment Compose may read for these files: the variables they name, and
    COMPOSE_* / DOCKER_*; all of it when a file pulls in others (include, extends) this cannot see."""
    if everything:
        return tuple(sorted(os.environ.items()))
    named = {m.decode() for text in texts for m in _VARIABLE.findall(text)}
    return tuple(sorted((k, v) for k, v in os.environ.items()
                        if k in named or k.startswith(("COMPOSE_", "DOCKER_"))))  # fmt: skip


@dataclass
class ConfigReader:
    """Asks Compose for the merged model of some files; caches each answer for the process, and in
    ``store`` (on disk, drills/adapters/compose_cache.py) when one is given."""

    host: Runner = field(default_factory=LocalHost)
    timeout: float = TIMEOUT_S
    store: DiskStore | None = None
    identity: Callable[[], str | None] = compose_identity
    _cache: dict[tuple[Any, ...], ComposeModel] = field(default_factory=dict, repr=False)

    def read(self, files: Sequence[Path], project_dir: Path | None = None) -> ComposeModel:
        """The model of ``files``; ComposeUnavailable or ComposeRejected (see module docstring)."""
        paths = tuple(Path(f).resolve() for f in files)
        if not paths:
            raise ValueError("read() needs at least one compose file")
        folder = (project_dir or paths[0].parent).resolve()
        texts = {path: _read_bytes(path) for path in (*paths, folder / ".env")}
        digest = hashlib.sha256(b"\0".join(str(p).encode() + b"\0" + t for p, t in texts.items())).hexdigest()
        may_disable = any(_MAY_DISABLE.search(texts[path]) for path in paths)
        pulls_in = any(_PULLS_IN.search(texts[path]) for path in paths)
        key = (paths, folder, digest, _environment_read(texts.values(), everything=pulls_in))
        if key not in self._cache:
            storable = self.store is not None and not any(_NOT_STORED.search(texts[path]) for path in paths)
            stored = store_key([str(k) for k in key[:3]] + [list(key[3]), may_disable],
                               self.identity()) if storable else None  # fmt: skip
            hit = self.store.get(stored) if self.store is not None and stored is not None else None
            if hit is not None:
                self._cache[key] = model_from_config(str(hit["config"]), hit.get("names"))
            else:
                config, names = self._ask(paths, folder, may_disable)
                if self.store is not None and stored is not None:
                    self.store.put(stored, {"config": config, "names": names})
                self._cache[key] = model_from_config(config, names)
        return self._cache[key]

    # ---- the compose CLI ----------------------------------------------------------------------
    def _argv(self, paths: Sequence[Path], folder: Path, *args: str) -> list[str]:
        argv = ["docker", "compose", "--project-directory", str(folder), "-p", PROJECT_NAME]
        for path in paths:
            argv += ["-f", str(path)]
        return argv + list(args)

    def _run(self, argv: Sequence[str], folder: Path) -> Completed:
        done = self.host.run(argv, timeout=self.timeout, cwd=folder)
        if done.rc == 127:
            raise ComposeUnavailable("the `docker` CLI is not on PATH")
        if done.rc == 124 and "timed out" in done.stderr:
            raise ComposeUnavailable(f"`docker compose config` did not answer within {self.timeout:.0f}s")
        if not done.ok and any(marker in done.stderr for marker in _MISSING):
            raise ComposeUnavailable(
                f"`docker compose config` needs the Compose v2 plugin (2.24 or later): {done.last_line()}"
            )
        return done

    def _ask(self, paths: tuple[Path, ...], folder: Path, may_disable: bool) -> tuple[str, str | None]:
        """Compose's answers: the model as JSON, and every declared service's name (None when no
        service can be disabled)."""
        full = self._argv(paths, folder, "config", "--format", "json", "--no-consistency")
        names = self._argv(paths, folder, "--profile", "*", "config", "--services", "--no-consistency")
        if not may_disable:
            config = self._run(full, folder)
            if not config.ok:
                raise self._rejected(paths, folder, config)
            return config.stdout, None
        from concurrent.futures import ThreadPoolExecutor  # imports logging: only when it is needed

        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="compose-config") as pool:
            jobs = [pool.submit(self._run, argv, folder) for argv in (full, names)]
            config, declared = (job.result() for job in jobs)
        for done in (config, declared):
            if not done.ok:
                raise self._rejected(paths, folder, done)
        return config.stdout, declared.stdout

    def _rejected(self, paths: tuple[Path, ...], folder: Path, done: Completed) -> ComposeRejected:
        message = _one_line(done.stderr or done.stdout) or f"exit code {done.rc}"
        validating = _VALIDATING.match(message)
        named = [p for p in paths if str(p) in message]
        if validating:  # Compose names the file, maybe one that ``include`` or ``extends`` reads
            file, message = Path(validating["file"]), validating["rest"]
        elif named:
            file = named[-1]
        else:
            file = self._blame(paths, folder)
        field_path, rule = _split_message(message)
        return ComposeRejected(file, field_path, rule)

    def _blame(self, paths: tuple[Path, ...], folder: Path) -> Path:
        """The first file whose addition makes Compose refuse (the last one when unsure)."""
        for n in range(1, len(paths)):
            done = self._run(self._argv(paths[:n], folder, "config", "--quiet", "--no-consistency"), folder)
            if not done.ok:
                return paths[n - 1]
        return paths[-1]


def _read_bytes(path: Path) -> bytes:
    """The file's bytes; a missing file reads as a marker, so it still counts in the cache key."""
    try:
        return path.read_bytes()
    except OSError:
        return b"\0missing"


_DEFAULT = ConfigReader(store=DiskStore())


def read_model(files: Sequence[Path], project_dir: Path | None = None) -> ComposeModel:
    """The merged model of ``files`` from this machine's Compose (cached per process and on disk)."""
    return _DEFAULT.read(files, project_dir)
