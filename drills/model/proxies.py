"""The Toxiproxy proxies file (``toxiproxy -config FILE``): the one reader of its format.

Format (Toxiproxy's own; an object with other keys is read all the same, they are ignored)::

    [{"name": "b_a_postgres", "listen": "wan-b:5432", "upstream": "pg-a:5432", "enabled": true}, ...]

    name      a non-empty string, unique in the file (topology discovery also wants
              ``<from>_<to>_<what>``: :func:`drills.model.topology.parse_link_name`)
    listen    ``host:port``; an empty host, ``0.0.0.0`` or ``[::]`` listens on every interface
    upstream  ``host:port``, the host not empty
    enabled   optional, ``true`` or ``false`` (default true): a disabled proxy forwards nothing

Who reads it: topology discovery (the WAN's links, from the file the WAN service mounts:
:mod:`drills.scenario.discover`) and the dualization lint (what a name that reaches the WAN
reaches: :mod:`drills.lint.files`). Both get the same entries and the same errors.

Errors: :class:`ProxiesError`, one line ``file: [3].upstream: rule``, an invalid input (exit 2):
a broken proxies file is not half read.

Lifecycle: :func:`read_proxies` once per discovery or lint; :func:`parse_proxies` is pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from drills.errors import InvalidInput

__all__ = ["ProxiesError", "ProxyEntry", "is_proxies", "parse_proxies", "read_proxies", "split_address"]

EVERY_INTERFACE = ("", "0.0.0.0", "[::]", "::")  # noqa: S104 - read, not bound


class ProxiesError(InvalidInput):
    """A proxies file breaks its format. ``str()`` is one line: ``file: field: rule``."""

    def __init__(self, file: Path, field: str, rule: str) -> None:
        self.file = file
        self.field = field
        self.rule = rule
        super().__init__(f"{file}: {field + ': ' if field else ''}{rule}")


@dataclass(frozen=True)
class ProxyEntry:
    """One proxy of the file, as written (``listen`` / ``upstream`` are ``host:port``)."""

    name: str
    listen: str
    upstream: str
    enabled: bool = True

    @property
    def listen_host(self) -> str:
        """The interface it listens on; "" for every interface."""
        host = split_address(self.listen)[0]
        return "" if host in EVERY_INTERFACE else host

    @property
    def listen_port(self) -> int:
        return split_address(self.listen)[1]


def split_address(text: str) -> tuple[str, int]:
    """``"wan-b:5432"`` -> ("wan-b", 5432); ``"[::]:80"`` -> ("[::]", 80). ValueError when it is not one."""
    host, colon, port = text.rpartition(":")
    if not colon or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"must be host:port (e.g. wan-b:5432), got {text!r}")
    return host, int(port)


def is_proxies(data: Any) -> bool:
    """Whether parsed JSON is meant as a proxies file: a list with an object naming an upstream.

    How the lint tells a mounted proxies file from other JSON before reading it strictly.
    """
    return isinstance(data, list) and any(isinstance(p, dict) and "upstream" in p for p in data)


def read_proxies(file: Path) -> tuple[ProxyEntry, ...]:
    """Every proxy of ``file``, enabled or not, in file order; ProxiesError when it cannot be read or is broken."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProxiesError(file, "", f"cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ProxiesError(file, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return parse_proxies(file, text)


def parse_proxies(file: Path, text: str) -> tuple[ProxyEntry, ...]:
    """The proxies of ``text`` (the content of ``file``, named in errors); see the module docstring."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ProxiesError(file, "", f"not JSON: {exc}") from exc
    if not isinstance(data, list):
        raise ProxiesError(file, "", "must be a JSON list of proxies ({name, listen, upstream, enabled})")
    out: list[ProxyEntry] = []
    first: dict[str, int] = {}
    for i, item in enumerate(data):
        entry = _entry(file, i, item)
        if entry.name in first:
            raise ProxiesError(file, f"[{i}].name", f"duplicate name {entry.name!r} (first at [{first[entry.name]}])")
        first[entry.name] = i
        out.append(entry)
    return tuple(out)


def _entry(file: Path, i: int, item: Any) -> ProxyEntry:
    if not isinstance(item, dict):
        raise ProxiesError(file, f"[{i}]", "must be an object with name, listen, upstream")
    values: dict[str, str] = {}
    for key in ("name", "listen", "upstream"):
        value = item.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ProxiesError(file, f"[{i}].{key}", "required: a non-empty string")
        values[key] = value.strip()
    for key in ("listen", "upstream"):
        try:
            host, _ = split_address(values[key])
        except ValueError as exc:
            raise ProxiesError(file, f"[{i}].{key}", str(exc)) from exc
        if key == "upstream" and not host:
            raise ProxiesError(file, f"[{i}].upstream", f"names no host: {values[key]!r}")
    enabled = item.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ProxiesError(file, f"[{i}].enabled", f"must be true or false, got {enabled!r}")
    return ProxyEntry(values["name"], values["listen"], values["upstream"], enabled)
