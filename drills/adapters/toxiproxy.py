"""Adapter to the Toxiproxy server (the WAN between failure domains).

Wraps ``toxiproxy-python`` so the rest of drills sees one small interface and
only ``drills.errors.FaultError``. Two gaps of that library are closed here:
its HTTP calls have no timeout (we give every call one), and a failed call
returns an unchecked response (we check the status). One it keeps: the
library stores the server's address in class attributes, so one process talks
to one Toxiproxy server at a time (one drill per process, as the CLI runs them).

    drills (faults) ──> Toxiproxy adapter ──HTTP 127.0.0.1:<published 8474>──> toxiproxy server
                                                                                 │ proxies
    site a  <────────────── edge_a_chat, b_a_postgres, ... ──────────────────────┘

Calls on many links at once (``set_many``, ``add_toxics``, ``remove_toxics``) list the proxies
once, then run one worker per link in parallel: a site cut touches every link of the site at the
same instant, not one after the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import requests
import toxiproxy.api
from toxiproxy import Toxiproxy as _Server
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists
from toxiproxy.proxy import Proxy as _Proxy

from drills.errors import FaultError

__all__ = ["TOXIC_TYPES", "ProxyState", "Toxic", "WanClient"]

TOXIC_TYPES = ("latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data")


class _TimedRequests:
    """Stands in for the ``requests`` module inside toxiproxy-python, adding a timeout."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout

    def _call(self, method: str, url: str, **kw: Any) -> requests.Response:
        resp = requests.request(method, url, timeout=kw.pop("timeout", self.timeout), **kw)
        if resp.status_code >= 500:
            raise FaultError(f"toxiproxy {method} {url}: HTTP {resp.status_code} {resp.text.strip()[:200]}")
        return resp

    def get(self, url: str, **kw: Any) -> requests.Response:
        return self._call("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> requests.Response:
        return self._call("POST", url, **kw)

    def delete(self, url: str, **kw: Any) -> requests.Response:
        return self._call("DELETE", url, **kw)


@dataclass(frozen=True)
class ProxyState:
    name: str
    listen: str
    upstream: str
    enabled: bool


@dataclass(frozen=True)
class Toxic:
    """One toxic to add: its ``name`` is unique on its ``link``; ``stream`` is ``upstream`` (client
    to server) or ``downstream`` (server to client); ``attributes`` are its type's, in ms or bytes."""

    link: str
    name: str
    kind: str
    attributes: Mapping[str, int] = field(default_factory=dict)
    stream: str = "downstream"
    toxicity: float = 1.0


def _in_parallel(calls: Sequence[Callable[[], object]]) -> None:
    """Run every call, one thread each (at most 64: a site has ~20 links, none may wait for a
    thread), then raise the first error, if any."""
    if not calls:
        return
    with ThreadPoolExecutor(max_workers=min(64, len(calls))) as pool:
        futures = [pool.submit(c) for c in calls]
    errors = [exc for f in futures if (exc := f.exception()) is not None]
    if errors:
        raise errors[0]


def _check_kind(kind: str) -> None:
    if kind not in TOXIC_TYPES:
        raise FaultError(f"unknown toxic type {kind!r} (allowed: {', '.join(TOXIC_TYPES)})")


class WanClient:
    """One Toxiproxy server, reached on 127.0.0.1 through its published API port."""

    def __init__(self, host: str, port: int, timeout: float = 5.0) -> None:
        self.host, self.port = host, port
        toxiproxy.api.requests = _TimedRequests(timeout)
        self._server = _Server()
        self._server.update_api_consumer(host, port)

    def _guard(self, what: str, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except (NotFound, InvalidToxic, ProxyExists) as exc:
            raise FaultError(f"toxiproxy {what}: {type(exc).__name__}: {exc}") from exc
        except requests.RequestException as exc:
            raise FaultError(f"toxiproxy at {self.host}:{self.port} unreachable during {what}: {exc}") from exc

    def version(self) -> str:
        resp = self._guard("version", toxiproxy.api.APIConsumer.get, "/version")
        return str(resp.text).strip()

    def proxies(self) -> dict[str, ProxyState]:
        raw = self._guard("list proxies", self._server.proxies)
        return {n: ProxyState(n, p.listen, p.upstream, bool(p.enabled)) for n, p in raw.items()}

    def create(self, name: str, listen: str, upstream: str) -> ProxyState:
        p = self._guard(f"create {name}", self._server.create, upstream=upstream, name=name, listen=listen)
        return ProxyState(p.name, p.listen, p.upstream, bool(p.enabled))

    def _proxy(self, name: str) -> Any:
        proxy = self._guard(f"get {name}", self._server.get_proxy, name)
        if proxy is None:
            raise self._unknown(name, self.proxies())
        return proxy

    def _on_link(self, link: str, what: str, call: Callable[[Any], Any]) -> Any:
        """``call(proxy)`` on a handle of ``link``, without listing every proxy first; an unknown
        link is named with the known ones (the listing happens only then)."""
        handle = _Proxy(name=link, upstream="", listen="", enabled=True)
        try:
            return self._guard(what, call, handle)
        except FaultError as exc:
            if isinstance(exc.__cause__, NotFound) and link not in (known := self.proxies()):
                raise self._unknown(link, known) from exc.__cause__
            raise

    @staticmethod
    def _unknown(name: str, known: Mapping[str, object]) -> FaultError:
        return FaultError(f"no toxiproxy link named {name!r} (links: {', '.join(sorted(known)) or 'none'})")

    def _listing(self, names: Sequence[str]) -> dict[str, Any]:
        """One listing of the raw proxies; FaultError naming the first of ``names`` that is not one."""
        raw: dict[str, Any] = self._guard("list proxies", self._server.proxies)
        missing = [n for n in names if n not in raw]
        if missing:
            raise self._unknown(missing[0], raw)
        return raw

    def set_enabled(self, name: str, enabled: bool) -> None:
        proxy = self._proxy(name)
        self._guard(f"{'enable' if enabled else 'disable'} {name}", proxy.enable if enabled else proxy.disable)

    def set_many(self, names: list[str], enabled: bool) -> None:
        """Enable or disable several links at once (one listing, then the calls in parallel)."""
        raw = self._listing(names)
        verb = "enable" if enabled else "disable"
        _in_parallel([partial(self._guard, f"{verb} {n}", raw[n].enable if enabled else raw[n].disable) for n in names])

    def add_toxic(
        self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "downstream",
        toxicity: float = 1.0,
    ) -> None:
        _check_kind(kind)
        self._on_link(link, f"add toxic {name} to {link}", lambda p: p.add_toxic(
            name=name, type=kind, stream=stream, toxicity=toxicity, attributes=dict(attributes)))  # fmt: skip

    def add_toxics(self, toxics: Sequence[Toxic]) -> None:
        """Add toxics on several links at once: an unknown link or toxic type adds none; then each
        link's toxics in the given order, the links in parallel. The first error is raised once
        every link is done (what was added stays: the caller's heal removes it by name)."""
        for t in toxics:
            _check_kind(t.kind)
        by_link: dict[str, list[Toxic]] = {}
        for t in toxics:
            by_link.setdefault(t.link, []).append(t)
        known = self.proxies()
        missing = [n for n in by_link if n not in known]
        if missing:
            raise self._unknown(missing[0], known)

        def add_in_order(mine: list[Toxic]) -> None:
            for t in mine:
                self.add_toxic(t.link, t.name, t.kind, dict(t.attributes), t.stream, t.toxicity)

        _in_parallel([partial(add_in_order, mine) for mine in by_link.values()])

    def toxics(self, link: str) -> list[str]:
        return sorted(self._on_link(link, f"list toxics of {link}", lambda p: p.toxics()))

    def remove_toxic(self, link: str, name: str) -> None:
        self._on_link(link, f"remove toxic {name} from {link}", lambda p: p.destroy_toxic(name))

    def remove_toxics(self, links: Sequence[str], names: Sequence[str]) -> None:
        """Remove the toxics ``names`` (in that order) from each of ``links`` that has them, the
        links in parallel; a name a link does not have is skipped, so this is idempotent."""

        def remove_present(link: str) -> None:
            present = set(self.toxics(link))
            for name in names:
                if name in present:
                    self.remove_toxic(link, name)

        _in_parallel([partial(remove_present, link) for link in links])

    def reset(self) -> None:
        """Enable every proxy and remove every toxic: the WAN's heal-all."""
        self._guard("reset", self._server.reset)
