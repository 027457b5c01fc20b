#!/usr/bin/env python3
"""notes: a tiny HTTP notes service over Redis with Sentinel (a drills example stack).

One process per site. It finds the Redis master through the Sentinels (every one it is told
about, asked in parallel: the answer with the highest config epoch wins, and only while at least
a majority of them answer), writes with a Lua script and acknowledges a write only once
``WAIT 1`` confirms that a replica has it - unless the master has no replica connected at all
(then it is alone and the write is accepted, like Patroni's non-strict synchronous mode).

Environment:
    NOTES_SITE            the site this instance runs in (a, b): every answer says it
    NOTES_SENTINELS       host:port,host:port,...  every Sentinel of the group
    NOTES_MASTER_NAME     the Sentinel master group (default notes)
    NOTES_TOKEN_SECRET    HMAC secret shared by every site (tokens verify anywhere)
    NOTES_WAIT_MS         how long a write waits for a replica's acknowledgement (default 1000)
    NOTES_PORT            listening port (default 8080)

API (JSON bodies; errors are {"error": "...", "site": ...}):
    POST /session                    {"user", "password"} -> 200 {"token", "user", "site"}
    PUT  /notes/<book>/<id>          {"text"} -> 201 (200 if that id exists) {"book", "id", "n",
                                     "site", "master", "cluster", "epoch", "replicas", "created"}
    GET  /notes/<book>?after=&limit= -> 200 {"book", "notes": [{"n", "id", "text", "site"}], "site"}
    GET  /notes/<book>/<id>          -> 200 {"n", "id", "text", "site", "book", "written_in"} | 404
    GET  /health                     -> 200 while the process lives
    GET  /ready                      -> 200 when a confirmed master answers, else 503
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import redis
import redis.exceptions

SITE = os.environ.get("NOTES_SITE", "?")
MASTER_NAME = os.environ.get("NOTES_MASTER_NAME", "notes")
SECRET = os.environ.get("NOTES_TOKEN_SECRET", "notes-demo-secret").encode()
WAIT_MS = int(os.environ.get("NOTES_WAIT_MS", "1000"))
PORT = int(os.environ.get("NOTES_PORT", "8080"))
DEMO_USER, DEMO_PASSWORD = "demo", "demo-pw"  # a demo account only: never reuse it
TOKEN_TTL_S = 3600
NAME = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
REFRESH_S = 0.5  # how often the master is looked up again
ASK_TIMEOUT_S = 0.6  # per Sentinel: connect + answer

# Insert a note once: KEYS ids (hash id -> n), log (zset n -> id), data (hash id -> json), seq.
INSERT = """
local n = redis.call('HGET', KEYS[1], ARGV[1])
if n then return {tonumber(n), 0} end
n = redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[1], ARGV[1], n)
redis.call('ZADD', KEYS[2], n, ARGV[1])
redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
return {n, 1}
"""


def log(msg: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} notes-{SITE}: {msg}", file=sys.stderr, flush=True)


def parse_hosts(value: str) -> list[tuple[str, int]]:
    out = []
    for item in filter(None, (p.strip() for p in value.split(","))):
        host, _, port = item.rpartition(":")
        out.append((host, int(port)))
    return out


def keys(book: str) -> list[str]:
    tag = "{" + book + "}"
    return [f"notes:{tag}:ids", f"notes:{tag}:log", f"notes:{tag}:data", f"notes:{tag}:seq"]


# -- tokens: HMAC-signed, verified with the shared secret alone (no datastore) ----------------------


def issue_token(user: str) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"u": user, "exp": int(time.time()) + TOKEN_TTL_S}).encode())
    sig = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return f"{body.decode()}.{sig}"


def verify_token(token: str) -> str | None:
    body, _, sig = token.partition(".")
    if not hmac.compare_digest(hmac.new(SECRET, body.encode(), hashlib.sha256).hexdigest(), sig):
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(body.encode()))
    except ValueError:
        return None
    return claims["u"] if claims.get("exp", 0) > time.time() else None


# -- finding the master ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Master:
    host: str
    port: int
    epoch: int  # the Sentinels' config epoch of this master: a promotion makes a new, larger one
    node: str  # e.g. redis-b@3f2a1c0d (the node's name, and its process' run id)
    cluster: str  # the data set's identity: a random id stored in Redis itself, replicated
    client: redis.Redis


class NoMaster(Exception):
    pass


class Locator:
    """Keeps the current master, looked up every REFRESH_S and at once after a failed request."""

    def __init__(self, sentinels: list[tuple[str, int]]) -> None:
        self.sentinels = [redis.Redis(host=h, port=p, socket_timeout=ASK_TIMEOUT_S, socket_connect_timeout=ASK_TIMEOUT_S,
                                      decode_responses=True) for h, p in sentinels]  # fmt: skip
        self.pool = ThreadPoolExecutor(max_workers=max(1, len(sentinels)), thread_name_prefix="sentinel")
        self.lock = threading.Lock()
        self.master: Master | None = None
        self.clients: dict[tuple[str, int], redis.Redis] = {}  # one client (and pool) per master address
        self.why = "starting"
        self.wake = threading.Event()
        threading.Thread(target=self.loop, name="locator", daemon=True).start()

    def current(self) -> Master:
        with self.lock:
            if self.master is None:
                raise NoMaster(self.why)
            return self.master

    def failed(self, master: Master, why: str) -> None:
        """A request to ``master`` failed: not ready until the next lookup confirms a master."""
        with self.lock:
            if self.master is master:
                self.master, self.why = None, why
        self.wake.set()

    def loop(self) -> None:
        while True:
            try:
                found, why = self.lookup()
            except Exception as exc:  # noqa: BLE001 - keep looking
                found, why = None, f"lookup failed: {exc}"
            with self.lock:
                if (found is None) != (self.master is None) or (found and self.master and found.node != self.master.node):
                    log(f"master: {found.node if found else 'none'} (epoch {found.epoch if found else '-'}; {why})")
                self.master, self.why = found, why
            self.wake.wait(REFRESH_S)
            self.wake.clear()

    def ask(self, sentinel: redis.Redis) -> tuple[str, int, int]:
        raw = sentinel.execute_command("SENTINEL", "MASTER", MASTER_NAME)
        if isinstance(raw, dict):
            info = {str(k): v for k, v in raw.items()}
        else:
            info = dict(zip(raw[0::2], raw[1::2]))
        flags = str(info.get("flags", ""))
        if "o_down" in flags or info.get("is_odown"):
            raise NoMaster("the master is objectively down")
        return str(info["ip"]), int(info["port"]), int(info["config-epoch"])

    def lookup(self) -> tuple[Master | None, str]:
        futures = [self.pool.submit(self.ask, s) for s in self.sentinels]
        done, _ = wait(futures, timeout=2 * ASK_TIMEOUT_S + 0.2)
        answers = [f.result() for f in done if f.exception() is None]
        down = sum(1 for f in done if isinstance(f.exception(), NoMaster))
        majority = len(self.sentinels) // 2 + 1
        if down and len(answers) + down >= majority and len(answers) < majority:
            return None, f"{down} Sentinel(s) see the master down: failover pending"
        if len(answers) < majority:
            return None, f"only {len(answers)} of {len(self.sentinels)} Sentinels answer (need {majority})"
        host, port, epoch = max(answers, key=lambda a: a[2])
        with self.lock:
            old = self.master
        if old is not None and (old.host, old.port, old.epoch) == (host, port, epoch):
            client, node, cluster = old.client, old.node, old.cluster
        else:
            client = self.clients.get((host, port))
            if client is None:
                client = self.clients[(host, port)] = redis.Redis(
                    host=host, port=port, socket_timeout=1.5, socket_connect_timeout=1.0, decode_responses=True)
            node, cluster = "", ""
        role = client.execute_command("ROLE")
        if str(role[0]) != "master":
            return None, f"{host}:{port} (epoch {epoch}) is not a master yet ({role[0]})"
        if not node:
            run_id = client.info("server").get("run_id", "")
            node = f"{host.removesuffix('-wan')}@{run_id[:8]}"
            client.set("notes:cluster", uuid.uuid4().hex, nx=True)
            cluster = client.get("notes:cluster") or ""
        return Master(host, port, epoch, node, cluster, client), f"{len(answers)} of {len(self.sentinels)} Sentinels answer"


# -- the data -------------------------------------------------------------------------------------


class Unavailable(Exception):
    """503: nothing was acknowledged (the write may or may not have been stored)."""


class Notes:
    def __init__(self, locator: Locator) -> None:
        self.locator = locator

    def run(self, fn):  # type: ignore[no-untyped-def]
        master = self.locator.current()
        try:
            return fn(master)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, redis.exceptions.ReadOnlyError) as exc:
            self.locator.failed(master, f"{master.node}: {exc.__class__.__name__}")
            raise Unavailable(f"master {master.node} failed: {exc}") from exc
        except redis.exceptions.ResponseError as exc:
            if str(exc).startswith(("READONLY", "LOADING", "MASTERDOWN")):
                self.locator.failed(master, f"{master.node}: {exc}")
            raise Unavailable(f"master {master.node}: {exc}") from exc

    def put(self, book: str, note_id: str, text: str) -> tuple[dict, bool]:
        def write(m: Master) -> tuple[dict, bool]:
            doc = json.dumps({"id": note_id, "text": text, "site": SITE})
            pipe = m.client.pipeline(transaction=False)  # one connection: WAIT waits for this write
            pipe.eval(INSERT, 4, *keys(book), note_id, doc)
            pipe.execute_command("WAIT", 1, WAIT_MS)
            (n, created), acked = pipe.execute()
            replicas = int(acked)
            if replicas < 1:
                connected = int(m.client.info("replication").get("connected_slaves", 0))
                if connected > 0:
                    raise Unavailable(f"not replicated: {connected} replica(s) connected, none confirmed within "
                                      f"{WAIT_MS} ms")  # fmt: skip
            return ({"book": book, "id": note_id, "n": int(n), "site": SITE, "master": m.node, "cluster": m.cluster,
                     "epoch": m.epoch, "replicas": replicas, "created": bool(created)}, bool(created))  # fmt: skip

        return self.run(write)

    def page(self, book: str, after: int, limit: int) -> list[dict]:
        def read(m: Master) -> list[dict]:
            ids, log_key, data, _ = keys(book)
            rows = m.client.zrangebyscore(log_key, f"({after}", "+inf", start=0, num=limit, withscores=True)
            if not rows:
                return []
            docs = m.client.hmget(data, [r[0] for r in rows])
            out = []
            for (note_id, n), doc in zip(rows, docs):
                d = json.loads(doc) if doc else {"id": note_id, "text": None, "site": None}
                out.append({"n": int(n), "id": note_id, "text": d.get("text"), "site": d.get("site")})
            return out

        return self.run(read)

    def get(self, book: str, note_id: str) -> dict | None:
        def read(m: Master) -> dict | None:
            ids, _, data, _ = keys(book)
            pipe = m.client.pipeline(transaction=False)  # one round trip (the master may be in the other site)
            pipe.hget(ids, note_id)
            pipe.hget(data, note_id)
            n, doc = pipe.execute()
            if n is None or doc is None:
                return None
            d = json.loads(doc)
            return {"book": book, "n": int(n), "id": note_id, "text": d.get("text"), "written_in": d.get("site")}

        return self.run(read)


# -- HTTP -----------------------------------------------------------------------------------------


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer has a Content-Length
    timeout = 30  # an idle keep-alive connection is closed after 30 s
    server_version = "notes/0.1"
    notes: Notes
    locator: Locator

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: a drill sends ~20 requests/s
        pass

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps({**body, "site": SITE}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Site", SITE)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, status: int, message: str) -> None:
        self.answer(status, {"error": message})

    def body(self) -> dict | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            value = json.loads(raw or b"null")
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    def user(self) -> str | None:
        auth = self.headers.get("Authorization", "")
        return verify_token(auth[7:]) if auth.startswith("Bearer ") else None

    def dispatch(self) -> None:
        url = urlsplit(self.path)
        parts = [unquote(p) for p in url.path.strip("/").split("/")] if url.path.strip("/") else []
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        method = self.command
        if parts == ["health"]:
            return self.answer(200, {"status": "up"}) if method == "GET" else self.error(405, "use GET")
        if parts == ["ready"]:
            if method != "GET":
                return self.error(405, "use GET")
            try:
                m = self.locator.current()
            except NoMaster as exc:
                return self.answer(503, {"ready": False, "error": f"no master: {exc}"})
            return self.answer(200, {"ready": True, "master": m.node, "epoch": m.epoch})
        if parts == ["session"]:
            if method != "POST":
                return self.error(405, "use POST")
            body = self.body()
            if body is None:
                return self.error(400, "a JSON object {user, password} is expected")
            if (body.get("user"), body.get("password")) != (DEMO_USER, DEMO_PASSWORD):
                return self.error(401, "unknown user or wrong password")
            return self.answer(200, {"token": issue_token(DEMO_USER), "user": DEMO_USER})
        if not parts or parts[0] != "notes" or len(parts) not in (2, 3):
            return self.error(404, f"no route {url.path}")
        if self.user() is None:
            return self.error(401, "a valid token is needed: Authorization: Bearer <token> (POST /session)")
        book = parts[1]
        if not NAME.match(book) or (len(parts) == 3 and not NAME.match(parts[2])):
            return self.error(400, "book and note ids are [A-Za-z0-9_.:-]{1,128}")
        if len(parts) == 3 and method == "PUT":
            body = self.body()
            if body is None or not isinstance(body.get("text"), str) or len(body["text"]) > 10_000:
                return self.error(400, 'a JSON object {"text": "..."} (at most 10,000 characters) is expected')
            doc, created = self.notes.put(book, parts[2], body["text"])
            return self.answer(201 if created else 200, doc)
        if len(parts) == 3 and method == "GET":
            doc = self.notes.get(book, parts[2])
            return self.answer(200, doc) if doc else self.error(404, f"no note {parts[2]} in {book}")
        if len(parts) == 2 and method == "GET":
            try:
                after = int(query.get("after", "0"))
                limit = int(query.get("limit", "100"))
            except ValueError:
                return self.error(400, "after and limit are integers")
            if not 1 <= limit <= 1000:
                return self.error(400, "limit is 1..1000")
            return self.answer(200, {"book": book, "notes": self.notes.page(book, after, limit)})
        return self.error(405, f"{method} is not allowed on {url.path}")

    def handle_any(self) -> None:
        try:
            self.dispatch()
        except NoMaster as exc:
            self.error(503, f"no master: {exc}")
        except Unavailable as exc:
            self.error(503, str(exc))
        except (BrokenPipeError, ConnectionResetError):  # the client left before the answer: nothing to say
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - one bad request never kills the server
            log(f"{self.command} {self.path}: {exc!r}")
            self.error(500, f"internal error: {exc.__class__.__name__}")

    do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = do_HEAD = handle_any


def main() -> None:
    sentinels = parse_hosts(os.environ.get("NOTES_SENTINELS", ""))
    if not sentinels:
        sys.exit("NOTES_SENTINELS is empty: host:port,host:port,...")
    locator = Locator(sentinels)
    Handler.locator, Handler.notes = locator, Notes(locator)
    server = ThreadingHTTPServer(("0.0.0.0", PORT), Handler)
    server.daemon_threads = True
    log(f"listening on :{PORT}; Sentinels {', '.join(f'{h}:{p}' for h, p in sentinels)}")
    server.serve_forever()


if __name__ == "__main__":
    main()
