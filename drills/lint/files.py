"""Files bind-mounted into a service, read for the names they wire it to.

Vocabulary (one kind per file, recognised by its content, not its name)
    toxiproxy  a JSON list of ``{name, listen, upstream, enabled}`` (one with an ``upstream``): the
               WAN's proxies, read by the one reader of the format (:mod:`drills.model.proxies`,
               strict: a broken entry is a ProxiesError naming the file and field, never a file
               half read). A client reaching ``listen`` reaches ``upstream``.
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
order) once per lint; a source that cannot be read yields a ``note`` and nothing else, a broken
proxies file raises (an invalid input, as in discovery). Parsers are pure functions of the text;
:func:`content_digest` fingerprints a source's content (one file, or every file of a directory).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import yaml

from drills.lint.hosts import Ref, parse_ref, refs_in
from drills.model.proxies import is_proxies, parse_proxies

__all__ = ["Haproxy", "MountedFile", "Patroni", "Proxy", "Server", "content_digest", "etcd_members", "read_mount"]

MAX_BYTES = 256 * 1024
MAX_FILES = 50
MAX_ENTRIES = 5000  # directory entries looked at while finding those files


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
    files = _first_files(path) if path.is_dir() else [path]
    for file in files:
        try:
            with file.open("rb") as f:  # bounded: a huge file (or a device) is never read to its end
                data = f.read(MAX_BYTES)
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            yield MountedFile(file, file.name, notes=(f"{file}: not read ({exc.__class__.__name__})",))
            continue
        yield parse_file(file, text)


def _first_files(folder: Path) -> list[Path]:
    """The first MAX_FILES regular files under ``folder``, in name order, looking at no more than
    MAX_ENTRIES entries: a mount of a large tree (a home directory, a repository with its
    virtualenv) costs the lint milliseconds, not a walk of the whole tree."""
    out: list[Path] = []
    seen = 0
    for root, dirs, names in os.walk(folder):
        dirs.sort()
        seen += len(dirs) + len(names)
        out.extend(p for n in sorted(names) if (p := Path(root) / n).is_file())
        if len(out) >= MAX_FILES or seen >= MAX_ENTRIES:
            break
    return out[:MAX_FILES]


def parse_file(path: Path, text: str) -> MountedFile:
    label = path.name
    proxies = _toxiproxy(path, text)
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


def _toxiproxy(path: Path, text: str) -> tuple[Proxy, ...] | None:
    """The enabled proxies of a proxies file; None when the text is no proxies file."""
    if not text.lstrip().startswith("["):
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not is_proxies(data):
        return None
    out = []
    for entry in parse_proxies(path, text):
        upstream = parse_ref(entry.upstream)  # None: an IP address, which names no service
        if entry.enabled and upstream is not None:
            out.append(Proxy(entry.name, Ref(entry.listen_host, entry.listen_port), upstream))
    return tuple(out)


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


MAX_DIGEST_FILES = 1000
MAX_DIGEST_BYTES = 64 * 1024 * 1024


def content_digest(source: str) -> str | None:
    """sha256 of a bind mount's content; None when it cannot be read whole (missing, unreadable, too big).

    A file: its bytes. A directory: every file under it, in name order, each with its relative
    path, so two copies of one tree at different places are equal, and a file never equals a
    directory. Past MAX_DIGEST_FILES files or MAX_DIGEST_BYTES bytes the content is not compared.
    """
    path = Path(source)
    digest = hashlib.sha256()
    if path.is_file():
        files, kind = [path], b"file\0"
    elif path.is_dir():
        files, kind = list(islice((p for p in path.rglob("*") if p.is_file()), MAX_DIGEST_FILES + 1)), b"dir\0"
        if len(files) > MAX_DIGEST_FILES:
            return None
        files.sort()
    else:
        return None
    digest.update(kind)
    try:
        if sum(f.stat().st_size for f in files) > MAX_DIGEST_BYTES:
            return None
        for file in files:
            data = file.read_bytes()
            if file != path:
                digest.update(file.relative_to(path).as_posix().encode() + b"\0" + str(len(data)).encode() + b"\0")
            digest.update(data)
    except OSError:
        return None
    return digest.hexdigest()
