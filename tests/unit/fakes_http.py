"""Tiny real HTTP servers on 127.0.0.1 for unit tests: the reference messenger and Toxiproxy.

Each runs in a daemon thread on an ephemeral port and answers the few endpoints drills calls,
with real sockets and HTTP/1.1 keep-alive (as the messenger and Toxiproxy answer), so the code
under test keeps its real HTTP clients (the probes' transport, requests), connections and timeouts.

    serve(app)           a context manager: an App on 127.0.0.1:<free port>, yields its base URL
    App                  handle(method, path, query, headers, body) -> Reply; knobs shared by both fakes:
        .forced          [(method, path prefix, status, body)]: the next matching request gets it (once)
        .hang            path prefixes that hold the request until the test ends (client timeouts)
        .seen            every (method, path, authorization) received, in order
    FakeMessenger        fixtures/README.md's HTTP API: login, verify, rooms, config, deploys, runbook
    FakeToxiproxy        /version, /proxies, /proxies/<name>, /proxies/<name>/toxics[/<toxic>], /reset
    closed_port()        a port on 127.0.0.1 nothing listens on
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Body = dict[str, Any] | list[Any] | str | None


@dataclass
class Reply:
    status: int
    body: Body = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class App:
    forced: list[tuple[str, str, int, Body]] = field(default_factory=list)
    hang: set[str] = field(default_factory=set)
    seen: list[tuple[str, str, str]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def respond(self, method: str, target: str, headers: dict[str, str], raw: bytes) -> Reply:
        url = urlsplit(target)
        path = url.path
        self.seen.append((method, path, headers.get("authorization", "")))
        if any(path.startswith(p) for p in self.hang):
            self.released.wait(10)
            return Reply(503, {"error": "released"})
        for i, (m, prefix, status, body) in enumerate(self.forced):
            if m == method and path.startswith(prefix):
                del self.forced[i]
                return Reply(status, body, "application/json" if not isinstance(body, str) else "text/plain")
        try:
            body_json = json.loads(raw) if raw else None
        except ValueError:
            return Reply(400, {"error": "body is not JSON"})
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        return self.handle(method, path, query, headers, body_json)

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        return Reply(404, {"error": "unknown route"})

    def calls(self, method: str, prefix: str = "") -> int:
        return sum(1 for m, p, _ in self.seen if m == method and p.startswith(prefix))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the real services
    disable_nagle_algorithm = True  # headers and body are two writes: no wait for a delayed ACK
    app: App

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        reply = self.app.respond(self.command, self.path, headers, raw)
        if reply.body is None:
            data = b""
        elif isinstance(reply.body, str):
            data = reply.body.encode()
        else:
            data = json.dumps(reply.body).encode()
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except OSError:  # the client gave up (its timeout): nothing to answer
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return None


@contextmanager
def serve(app: App) -> Iterator[str]:
    handler = type("Handler", (_Handler,), {"app": app})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        app.released.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the reference messenger ------------------------------------------------------------------------

USERS = {"alice": ("alice-pw", "user"), "ops": ("ops-pw", "admin")}


@dataclass
class FakeMessenger(App):
    """One app serving chat, login and devtools at one address (the paths do not overlap)."""

    site: str = "a"
    primary: str = "pg-a@20:41:03.120"
    tokens: dict[str, str] = field(default_factory=dict)  # token -> user
    rooms: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    unreadable: set[str] = field(default_factory=set)  # client ids stored but never listed (a lost write)
    config: dict[str, dict[str, Any]] = field(default_factory=dict)
    deploys: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_id: int = 1
    # GET /runbook: the current version (drills.probes.journeys.devtools.RUNBOOK_VERSION); None: this
    # site has no runbook (404, as the app answers when its DRILLS_RUNBOOK file is missing)
    runbook: str | None = "# Site loss\n\nrunbook-version: 3\n\n1. Promote the standby.\n"

    def revoke_tokens(self) -> None:
        self.tokens.clear()

    def _user(self, headers: dict[str, str]) -> str | None:
        auth = headers.get("authorization", "")
        return self.tokens.get(auth.removeprefix("Bearer ")) if auth.startswith("Bearer ") else None

    def _id(self) -> int:
        n = self.next_id
        self.next_id += 1
        return n

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        parts = path.strip("/").split("/")
        if (method, path) == ("POST", "/login"):
            name = str(body.get("user", ""))
            if USERS.get(name, ("",))[0] != body.get("password") or not name:
                return Reply(401, {"error": "unknown user or wrong password"})
            token = f"tok-{name}-{len(self.tokens) + 1}-{self.next_id}"
            self.tokens[token] = name
            return Reply(200, {"token": token, "user": name, "role": USERS[name][1], "site": self.site})
        user = self._user(headers)
        if user is None:
            return Reply(401, {"error": "no or invalid token"})
        if (method, path) == ("GET", "/verify"):
            return Reply(200, {"user": user, "role": USERS[user][1]})
        if parts[0] == "rooms" and len(parts) == 3 and parts[2] == "messages":
            return self._room(method, parts[1], query, body)
        if USERS[user][1] != "admin":
            return Reply(403, {"error": "admin role required"})
        if parts[0] == "config" and len(parts) == 2:
            return self._config(method, parts[1], body)
        if parts[0] == "deploys":
            return self._deploys(method, parts[1:], query, body)
        if (method, path) == ("GET", "/runbook"):
            if self.runbook is None:
                return Reply(404, {"error": f"no runbook in site {self.site} (/srv/runbook/runbook.md does not exist)"})
            return Reply(200, self.runbook, "text/markdown")
        return Reply(404, {"error": "unknown route"})

    def _room(self, method: str, room: str, query: dict[str, str], body: Any) -> Reply:
        msgs = self.rooms.setdefault(room, [])
        if method == "POST":
            cid = str(body["client_id"])
            old = next((m for m in msgs if m["client_id"] == cid), None)
            msg = old or {"id": self._id(), "client_id": cid, "body": body["body"], "site": self.site}
            if old is None:
                msgs.append(msg)
            ack = {"id": msg["id"], "room": room, "client_id": cid, "site": self.site, "primary": self.primary}
            return Reply(201, ack)
        after, limit = int(query.get("after", 0)), int(query.get("limit", 100))
        first = max(after + 1, int(query.get("from", 0)))
        page = [m for m in msgs if m["id"] >= first and m["client_id"] not in self.unreadable][:limit]
        return Reply(200, {"messages": page})

    def _config(self, method: str, key: str, body: Any) -> Reply:
        if method == "PUT":
            version = self.config.get(key, {}).get("version", 0) + 1
            self.config[key] = {"key": key, "value": body["value"], "version": version, "site": self.site}
            return Reply(200, self.config[key])
        if key not in self.config:
            return Reply(404, {"error": f"unknown key {key}"})
        return Reply(200, self.config[key])

    def _deploys(self, method: str, rest: list[str], query: dict[str, str], body: Any) -> Reply:
        if method == "POST" and not rest:
            dep = {"id": self._id(), "service": body["service"], "version": body["version"], "site": self.site}
            self.deploys[dep["id"]] = dep
            return Reply(201, {**dep, "primary": self.primary})
        if method == "GET" and len(rest) == 1 and rest[0].isdigit() and int(rest[0]) in self.deploys:
            return Reply(200, self.deploys[int(rest[0])])
        if method == "GET" and not rest:
            after, limit = int(query.get("after", 0)), int(query.get("limit", 100))
            return Reply(200, {"deploys": [d for i, d in sorted(self.deploys.items()) if i > after][:limit]})
        return Reply(404, {"error": "unknown deploy"})


# -- Toxiproxy ------------------------------------------------------------------------------------


@dataclass
class FakeToxiproxy(App):
    """Toxiproxy 2.5's HTTP API, the parts toxiproxy-python calls."""

    proxies: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {name, listen, upstream, enabled}
    toxics: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)  # proxy -> toxic name -> toxic
    resets: int = 0

    def add_proxy(self, name: str, enabled: bool = True) -> None:
        self.proxies[name] = {"name": name, "listen": f"[::]:{20000 + len(self.proxies)}", "upstream": f"{name}:1",
                              "enabled": enabled}  # fmt: skip
        self.toxics[name] = {}

    def handle(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: Any) -> Reply:
        parts = path.strip("/").split("/")
        if (method, path) == ("GET", "/version"):
            return Reply(200, "2.5.0\n", "text/plain")
        if (method, path) == ("POST", "/reset"):
            self.resets += 1
            for p in self.proxies.values():
                p["enabled"] = True
            self.toxics = {n: {} for n in self.proxies}
            return Reply(204)
        if parts[0] != "proxies":
            return Reply(404, {"error": "not found"})
        if len(parts) == 1:
            if method == "GET":
                return Reply(200, {n: {**p, "toxics": list(self.toxics[n].values())} for n, p in self.proxies.items()})
            if body["name"] in self.proxies:
                return Reply(409, {"error": "proxy already exists", "status": 409})
            self.add_proxy(body["name"])
            self.proxies[body["name"]].update(listen=body["listen"], upstream=body["upstream"])
            return Reply(201, self.proxies[body["name"]])
        name = parts[1]
        if name not in self.proxies:
            return Reply(404, {"error": "proxy not found", "status": 404})
        if len(parts) == 2 and method == "POST":
            self.proxies[name]["enabled"] = bool(body["enabled"])
            return Reply(200, self.proxies[name])
        if len(parts) == 3 and method == "GET":
            return Reply(200, list(self.toxics[name].values()))
        if len(parts) == 3 and method == "POST":
            if body.get("type") not in ("latency", "bandwidth", "timeout", "reset_peer", "slicer", "slow_close",
                                        "limit_data"):  # fmt: skip
                return Reply(400, {"error": "bad toxic type", "status": 400})
            if body["name"] in self.toxics[name]:
                return Reply(409, {"error": "toxic already exists", "status": 409})
            self.toxics[name][body["name"]] = dict(body)
            return Reply(200, body)
        if len(parts) == 4 and method == "DELETE":
            if self.toxics[name].pop(parts[3], None) is None:
                return Reply(404, {"error": "toxic not found", "status": 404})
            return Reply(204)
        return Reply(405, {"error": "method not allowed"})
