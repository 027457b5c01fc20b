"""Helpers shared by the replica integration tests and bench/replica.py.

* :class:`Journeys` - the three user journeys through the edge (login; chat send + read back;
  devtools config write + read back and a deploy record), each one HTTP call chain with timeouts.
* :func:`cut_site` - a site's power cut: every Toxiproxy proxy whose name touches the domain is
  disabled, then every container of the domain is SIGKILLed at once (one thread each).
* :class:`ChatLedger` - a bounded background writer that records every acknowledged message, so
  a test can prove none was lost.
* :func:`patroni_history` - a node's Patroni /history (one entry per promotion since bootstrap),
  and :func:`spin` - a process that keeps one core busy (the soak: no failover without a fault).

Everything talks to 127.0.0.1 published ports only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Self

import requests
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from drills.adapters import ComposeProject
from drills.model.topology import parse_link_name

TIMEOUT = (1.0, 5.0)  # connect, read
API_TIMEOUT = (1.0, 15.0)


class JourneyFailed(Exception):
    pass


def _check(resp: requests.Response, status: int) -> dict[str, Any]:
    if resp.status_code != status:
        raise JourneyFailed(f"{resp.request.method} {resp.url} -> {resp.status_code} {resp.text[:200]}")
    return resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}


@dataclass
class Journeys:
    chat_url: str
    login_url: str
    devtools_url: str
    room: str = field(default_factory=lambda: f"room-{uuid.uuid4().hex[:8]}")
    _n: int = 0
    _admin_token: str | None = None

    @classmethod
    def of(cls, project: ComposeProject) -> Journeys:
        return cls(project.endpoint_url("chat"), project.endpoint_url("login"),
                   project.endpoint_url("devtools"))

    def token(self, user: str = "ops", password: str = "ops-pw") -> str:
        body = _check(requests.post(f"{self.login_url}/login",
                                    json={"user": user, "password": password}, timeout=TIMEOUT), 200)
        return str(body["token"])

    def admin_token(self) -> str:
        """An ``ops`` token, fetched once: tokens are verified statelessly in every site, so chat
        and devtools journeys do not depend on login being up."""
        if self._admin_token is None:
            self._admin_token = self.token()
        return self._admin_token

    @staticmethod
    def _auth(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def send(self, token: str, client_id: str, body: str = "hello") -> int:
        out = _check(requests.post(f"{self.chat_url}/rooms/{self.room}/messages",
                                   json={"body": body, "client_id": client_id},
                                   headers=self._auth(token), timeout=TIMEOUT), 201)
        return int(out["id"])

    def read_all(self, token: str, max_pages: int = 100) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = []
        after = 0
        for _ in range(max_pages):
            page = _check(requests.get(f"{self.chat_url}/rooms/{self.room}/messages",
                                       params={"after": after, "limit": 1000},
                                       headers=self._auth(token), timeout=TIMEOUT), 200)["messages"]
            if not page:
                break
            messages += page
            after = page[-1]["id"]
        return messages

    # -- the three journeys: each returns normally or raises --------------------------------------
    def login(self) -> None:
        token = self.token("alice", "alice-pw")
        _check(requests.get(f"{self.login_url}/verify", headers=self._auth(token), timeout=TIMEOUT), 200)

    def chat(self) -> None:
        token = self.admin_token()
        self._n += 1
        client_id = f"probe-{uuid.uuid4().hex[:12]}"
        msg_id = self.send(token, client_id, f"probe {self._n}")
        page = _check(requests.get(f"{self.chat_url}/rooms/{self.room}/messages",
                                   params={"after": msg_id - 1, "limit": 1},
                                   headers=self._auth(token), timeout=TIMEOUT), 200)["messages"]
        if not page or page[0]["client_id"] != client_id:
            raise JourneyFailed(f"message {client_id} not read back: {page}")

    def devtools(self) -> None:
        token = self.admin_token()
        key = f"k-{uuid.uuid4().hex[:8]}"
        auth = self._auth(token)
        _check(requests.put(f"{self.devtools_url}/config/{key}", json={"value": key},
                            headers=auth, timeout=TIMEOUT), 200)
        got = _check(requests.get(f"{self.devtools_url}/config/{key}", headers=auth, timeout=TIMEOUT), 200)
        if got["value"] != key:
            raise JourneyFailed(f"config {key} read back {got}")
        dep = _check(requests.post(f"{self.devtools_url}/deploys", json={"service": "chat", "version": key},
                                   headers=auth, timeout=TIMEOUT), 201)
        _check(requests.get(f"{self.devtools_url}/deploys/{dep['id']}", headers=auth, timeout=TIMEOUT), 200)

    def by_name(self) -> dict[str, Callable[[], None]]:
        return {"chat": self.chat, "login": self.login, "devtools": self.devtools}


def until_ok(journey: Callable[[], None], within_s: float, period_s: float = 0.2) -> float:
    """Retry ``journey`` until it succeeds; return the seconds it took. Bounded by ``within_s``."""
    start = time.monotonic()
    try:
        for attempt in Retrying(stop=stop_after_delay(within_s), wait=wait_fixed(period_s),
                                retry=retry_if_exception_type((JourneyFailed, requests.RequestException)),
                                reraise=True):
            with attempt:
                journey()
    except RetryError as exc:  # pragma: no cover - reraise=True re-raises the last error
        raise JourneyFailed(str(exc)) from exc
    return time.monotonic() - start


def toxiproxy_base(project: ComposeProject) -> str:
    host, port = project.toxiproxy_api()
    return f"http://{host}:{port}"


def set_links(project: ComposeProject, domain: str, enabled: bool) -> list[str]:
    """Enable/disable every proxy whose <from>_<to>_<what> name touches ``domain``."""
    base = toxiproxy_base(project)
    names = [n for n in requests.get(f"{base}/proxies", timeout=TIMEOUT).json()
             if parse_link_name(n, ("a", "b", "edge")).touches(domain)]

    def one(name: str) -> None:
        r = requests.post(f"{base}/proxies/{name}", json={"enabled": enabled}, timeout=API_TIMEOUT)
        r.raise_for_status()

    with ThreadPoolExecutor(max_workers=max(1, len(names))) as pool:
        list(pool.map(one, names))
    return names


def cut_site(project: ComposeProject, site: str) -> tuple[list[str], list[str]]:
    """Power cut: cut every WAN link of ``site``, then SIGKILL all its containers at once.

    The links go first (a few hundred ms): Toxiproxy's API blocks for seconds (25 s seen) when
    it disables a proxy whose upstream peer has just vanished, because it drains the dead link.
    """
    victims = [project.client.containers.get(s.container_id)
               for s in project.services(domain=site) if s.status == "running"]
    links = set_links(project, site, False)
    with ThreadPoolExecutor(max_workers=len(victims)) as pool:
        list(pool.map(lambda c: c.kill(signal="SIGKILL"), victims))
    return [c.name for c in victims], links


class ChatLedger:
    """Writes one chat message every ``period_s`` in a background thread and records the acks."""

    def __init__(self, journeys: Journeys, token: str, period_s: float = 0.1, max_writes: int = 2000) -> None:
        self.journeys, self.token, self.period_s, self.max_writes = journeys, token, period_s, max_writes
        self.acked: dict[str, int] = {}
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        for i in range(self.max_writes):
            if self._stop.is_set():
                return
            client_id = f"ledger-{i:05d}"
            try:
                self.acked[client_id] = self.journeys.send(self.token, client_id, f"ledger {i}")
            except (JourneyFailed, requests.RequestException):
                self.failed += 1
            self._stop.wait(self.period_s)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def lost(self) -> list[str]:
        """Acknowledged client ids that cannot be read back (the RPO evidence)."""
        present = {m["client_id"] for m in self.journeys.read_all(self.token)}
        return sorted(set(self.acked) - present)


def patroni_history(container: Any) -> list[Any] | None:
    """The node's Patroni ``/history``, read inside its container (its REST API is not published):
    one entry per promotion since the bootstrap; None when it did not answer."""
    url = "http://127.0.0.1:8008/history"
    code = f"import json, urllib.request; print(json.dumps(json.load(urllib.request.urlopen('{url}', timeout=5))))"
    rc, out = container.exec_run(["python3", "-c", code])
    return list(json.loads(out.decode())) if rc == 0 else None


def spin(core: int | None) -> None:
    """Keep one core busy until killed (run it in a daemon multiprocessing.Process); pinned to
    ``core`` where the platform allows."""
    if core is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {core})
    while True:
        pass
