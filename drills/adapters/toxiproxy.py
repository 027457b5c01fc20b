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
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import requests
import toxiproxy.api
from toxiproxy import Toxiproxy as _Server
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from drills.errors import FaultError

__all__ = ["TOXIC_TYPES", "ProxyState", "WanClient"]

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
            known = ", ".join(sorted(self.proxies())) or "none"
            raise FaultError(f"no toxiproxy link named {name!r} (links: {known})")
        return proxy

    def set_enabled(self, name: str, enabled: bool) -> None:
        proxy = self._proxy(name)
        self._guard(f"{'enable' if enabled else 'disable'} {name}", proxy.enable if enabled else proxy.disable)

    def set_many(self, names: list[str], enabled: bool) -> None:
        """Enable or disable several links at once (one listing, then the calls in parallel)."""
        from concurrent.futures import ThreadPoolExecutor

        raw = self._guard("list proxies", self._server.proxies)
        missing = [n for n in names if n not in raw]
        if missing:
            raise FaultError(f"no toxiproxy link named {missing[0]!r} (links: {', '.join(sorted(raw))})")
        verb = "enable" if enabled else "disable"
        calls = [partial(self._guard, f"{verb} {n}", raw[n].enable if enabled else raw[n].disable) for n in names]
        with ThreadPoolExecutor(max_workers=min(16, max(1, len(calls)))) as pool:
            for fut in [pool.submit(c) for c in calls]:
                fut.result()

    def add_toxic(
        self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "downstream",
        toxicity: float = 1.0,
    ) -> None:
        if kind not in TOXIC_TYPES:
            raise FaultError(f"unknown toxic type {kind!r} (allowed: {', '.join(TOXIC_TYPES)})")
        proxy = self._proxy(link)
        self._guard(
            f"add toxic {name} to {link}", proxy.add_toxic,
            name=name, type=kind, stream=stream, toxicity=toxicity, attributes=attributes,
        )  # fmt: skip

    def toxics(self, link: str) -> list[str]:
        return sorted(self._guard(f"list toxics of {link}", self._proxy(link).toxics))

    def remove_toxic(self, link: str, name: str) -> None:
        self._guard(f"remove toxic {name} from {link}", self._proxy(link).destroy_toxic, name)

    def reset(self) -> None:
        """Enable every proxy and remove every toxic: the WAN's heal-all."""
        self._guard("reset", self._server.reset)
