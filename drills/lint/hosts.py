"""Host names found in text: every ``host`` or ``host:port`` a value names, in failover lists.

Vocabulary
    Ref            one host named in the text: ``host``, ``port`` (None when not written).
    failover list  the hosts one item names together: a comma list (``pg-a-wan,pg-b-wan``), a
                   URL's host list (``postgres://u@h1:5432,h2/db``), a key-value DSN's
                   (``host=a,b port=5432,5433``), a member list (``a=http://x:2380,b=http://y``).
                   Any one of them will do. Hosts written apart (whitespace, separate lines)
                   are separate lists: each one is needed.

Shapes only: whether a name is real (a service, a network alias) is the resolver's question,
so plenty of harmless words come out here (``read-write``, ``warn``) and are dropped there.
IP addresses and paths are never names.

    refs_in("postgres://u@pg-a-wan:5432,pg-b-wan/db")  -> [(Ref(pg-a-wan, 5432), Ref(pg-b-wan, None))]
    refs_in("host=a,b port=1,2 dbname=x")               -> [(Ref(a, 1), Ref(b, 2)), (Ref(x, None),)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Ref", "parse_ref", "refs_in"]

_HOST = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$")
_IP = re.compile(r"^[0-9.]+$")
_DSN_KEY = re.compile(r"(?<![\w.-])(host|hostaddr|port)\s*=\s*([^\s'\"]+)")
_SPLIT = re.compile(r"[\s;|&'\"`()\[\]{}<>]+")
_COMMA_SPACE = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Ref:
    host: str
    port: int | None = None

    def __str__(self) -> str:
        return self.host if self.port is None else f"{self.host}:{self.port}"


def parse_ref(item: str) -> Ref | None:
    """One item -> its host: ``name=``/``--flag=`` prefixes, scheme, user and path dropped."""
    text = item.strip().strip(",:")
    if "://" in text:
        text = text[text.index("://") + 3 :]
    elif text.startswith(("/", ".", "~", "$")):
        return None
    text = re.split(r"[/?#]", text, maxsplit=1)[0]  # the path, and any query's "k=v"
    text = text.rpartition("=")[2].rpartition("@")[2]  # "name=", "--flag=", "user:pw@"
    if text.startswith("-"):
        return None
    host, colon, port = text.partition(":")
    if not _HOST.match(host) or _IP.match(host):
        return None
    if colon and port:
        return Ref(host, int(port)) if port.isdigit() else None
    return Ref(host)


def _dsn(text: str) -> tuple[list[tuple[Ref, ...]], str]:
    """A key-value DSN's host list (ports paired by position), and the text without those keys."""
    found: dict[str, list[str]] = {}
    for key, value in _DSN_KEY.findall(text):
        found.setdefault(key, []).extend(v for v in value.split(",") if v)
    hosts = found.get("host", []) + found.get("hostaddr", [])
    if not hosts:
        return [], text
    ports = found.get("port", [])
    refs = []
    for i, host in enumerate(hosts):
        ref = parse_ref(host)
        port = ports[i] if i < len(ports) else (ports[0] if len(ports) == 1 else "")
        if ref is not None:
            refs.append(Ref(ref.host, int(port)) if port.isdigit() and ref.port is None else ref)
    return ([tuple(refs)] if refs else []), _DSN_KEY.sub(" ", text)


def refs_in(text: str) -> list[tuple[Ref, ...]]:
    """Every failover list ``text`` names, in order (see module docstring)."""
    lists, rest = _dsn(text)
    for chunk in _SPLIT.split(_COMMA_SPACE.sub(",", rest)):
        refs = tuple(r for r in (parse_ref(item) for item in chunk.split(",")) if r is not None)
        if refs:
            lists.append(refs)
    return lists
