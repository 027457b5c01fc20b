"""Files bind-mounted into a service, read for the names they wire it to.

Vocabulary (one kind per file, recognised by its content, not its name)
    toxiproxy  a JSON list of ``{name, listen, upstream, enabled}``: the WAN's proxies. A client
               reaching ``listen`` reaches ``upstream``.
    haproxy    ``global`` / ``defaults`` / ``frontend`` / ``backend`` / ``listen`` sections; each
               ``server NAME ADDRESS [params]`` of a backend (or listen) section, and whether
               it is health-checked: ``check`` on its line, or on the ``default-server`` line of
               its section or of the ``defaults`` section before it, and no ``no-check``.
    etcd       a YAML mapping with ``initial-cluster`` (``name=url,...``): consensus members.
    patroni    a YAML mapping with ``scope`` and ``postgresql``: its DCS hosts (``etcd`` /
               ``etcd3``: ``host``, ``hosts``, ``url``, ``urls``) and ``synchronous_mode`` (from
               ``bootstrap.dcs``; Patroni's default is off).
    text       any other text file: the host names of every line but comments (``#``, ``;``, ``//``)
               (:func:`drills.lint.hosts.refs_in`).

Lifecycle: :func:`read_mount` reads a bind mount's source (a directory: its first files, in name
order) once per lint; a source that cannot be read yields a ``note`` and nothing else. Parsers
are pure functions of the text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from drills.lint.hosts import Ref, parse_ref, refs_in

__all__ = ["Haproxy", "MountedFile", "Patroni", "Proxy", "Server", "etcd_members", "read_mount"]

MAX_BYTES = 256 * 1024
MAX_FILES = 50


@dataclass(frozen=True)
class Proxy:
    name: str
    listen: Ref
    upstream: Ref


@dataclass(frozen=True)
class Server:
    backend: str
    name: str
    address: Ref | None
    checked: bool


@dataclass(frozen=True)
class Haproxy:
    servers: tuple[Server, ...]


@dataclass(frozen=True)
class Patroni:
    scope: str
    name: str
    dcs: tuple[Ref, ...]
    synchronous: bool
    how: str  # where synchronous_mode was read


@dataclass(frozen=True)
class MountedFile:
    """One file read from a bind mount, parsed as the first kind it matches."""

    path: Path
    label: str  # how a dependency path names it: the file name
    proxies: tuple[Proxy, ...] = ()
    haproxy: Haproxy | None = None
    etcd: tuple[tuple[str, Ref | None], ...] = ()  # (member name, its peer URL's host)
    patroni: Patroni | None = None
    lines: tuple[tuple[int, tuple[Ref, ...]], ...] = ()  # text: (line number, failover list)
    notes: tuple[str, ...] = field(default=())


def read_mount(source: str) -> Iterator[MountedFile]:
    """The files of one bind mount's source, parsed (see module docstring)."""
    path = Path(source)
    files = sorted(p for p in path.rglob("*") if p.is_file())[:MAX_FILES] if path.is_dir() else [path]
    for file in files:
        try:
            data = file.read_bytes()[:MAX_BYTES]
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield MountedFile(file, file.name, notes=(f"{file}: not read ({exc.__class__.__name__})",))
            continue
        yield parse_file(file, text)


def parse_file(path: Path, text: str) -> MountedFile:
    label = path.name
    proxies = _toxiproxy(text)
    if proxies is not None:
        return MountedFile(path, label, proxies=proxies)
    if _is_haproxy(text):
        return MountedFile(path, label, haproxy=_haproxy(text))
    data = _yaml(text)
    if isinstance(data, dict) and data.get("initial-cluster"):
        return MountedFile(path, label, etcd=etcd_members(str(data["initial-cluster"])))
    if isinstance(data, dict) and "scope" in data and "postgresql" in data:
        return MountedFile(path, label, patroni=_patroni(data, label))
    lines = tuple((n, refs) for n, line in enumerate(text.splitlines(), 1)
                  if not line.lstrip().startswith(_COMMENT) for refs in refs_in(line))  # fmt: skip
    return MountedFile(path, label, lines=lines)


def etcd_members(value: str) -> tuple[tuple[str, Ref | None], ...]:
    """``etcd-a=http://etcd-a-wan:2380,etcd-b=...`` -> (("etcd-a", Ref(etcd-a-wan, 2380)), ...)."""
    out = []
    for item in value.split(","):
        name, eq, url = item.strip().partition("=")
        if eq and name:
            out.append((name, parse_ref(url)))
    return tuple(out)


def _yaml(text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def _toxiproxy(text: str) -> tuple[Proxy, ...] | None:
    if not text.lstrip().startswith("["):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, list) or not all(isinstance(p, dict) and "upstream" in p for p in data):
        return None
    out = []
    for p in data:
        listen, upstream = _endpoint(str(p.get("listen", ""))), parse_ref(str(p["upstream"]))
        if p.get("enabled", True) is not False and upstream is not None:
            out.append(Proxy(str(p.get("name", "")), listen, upstream))
    return tuple(out)


def _endpoint(listen: str) -> Ref:
    """A listen address; an address of every interface (``0.0.0.0``, ``[::]``, ``:8080``) has host ""."""
    host, _, port = listen.rpartition(":")
    host = "" if host in ("", "0.0.0.0", "[::]", "::") else host  # noqa: S104 - read, not bound
    return Ref(host, int(port) if port.isdigit() else None)


_COMMENT = ("#", ";", "//")
_SECTIONS = ("global", "defaults", "frontend", "backend", "listen", "resolvers", "peers", "userlist")


def _is_haproxy(text: str) -> bool:
    lines = text.splitlines()
    return any(line.split()[:1] in (["backend"], ["listen"]) for line in lines if not line[:1].isspace()) and any(
        line.split()[:1] == ["server"] for line in lines
    )


def _haproxy(text: str) -> Haproxy:
    servers: list[Server] = []
    kind, name = "", ""
    defaults: list[str] = []  # default-server params of the last defaults section
    local: list[str] = []  # default-server params of the current section
    for raw in text.splitlines():
        words = raw.split("#", 1)[0].split()
        if not words:
            continue
        if not raw[:1].isspace() and words[0] in _SECTIONS:
            kind, name, local = words[0], (words[1] if len(words) > 1 else ""), []
            if kind == "defaults":
                defaults = []
            continue
        if words[0] == "default-server":
            (defaults if kind == "defaults" else local).extend(words[1:])
        elif words[0] == "server" and kind in ("backend", "listen") and len(words) >= 3:
            params = words[3:]
            checked = "no-check" not in params and "check" in (*defaults, *local, *params)
            address = words[2].rpartition("@")[2]  # ipv4@host:port
            servers.append(Server(name, words[1], parse_ref(address), checked))
    return Haproxy(tuple(servers))


def _patroni(data: dict[str, Any], label: str) -> Patroni:
    dcs: list[Ref] = []
    for key in ("etcd3", "etcd"):
        conf = data.get(key)
        if not isinstance(conf, dict):
            continue
        for field_name in ("host", "hosts", "url", "urls"):
            value = conf.get(field_name)
            items = value if isinstance(value, list) else str(value or "").split(",")
            dcs.extend(r for r in (parse_ref(str(i)) for i in items) if r is not None)
    bootstrap = data.get("bootstrap")
    dcs_conf = bootstrap.get("dcs") if isinstance(bootstrap, dict) else None
    mode = dcs_conf.get("synchronous_mode", False) if isinstance(dcs_conf, dict) else False
    synchronous = mode is True or str(mode).lower() in ("true", "on", "yes", "quorum")
    return Patroni(str(data.get("scope", "")), str(data.get("name", "")), tuple(dcs), synchronous,
                   f"{label}: bootstrap.dcs.synchronous_mode={mode}")  # fmt: skip
