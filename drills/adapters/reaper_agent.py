"""The reaper of one drill run, as it runs inside its container (the pattern of testcontainers' Ryuk).

Standalone on purpose: the standard library only, started as ``python3 -c <this file's text> <run id>``
in one of our own images (drills/adapters/reaper.py starts it), so nothing has to be built into an
image for it. It talks to the Docker engine through the engine's socket, mounted at
``/var/run/docker.sock``.

    listen on :8080 -> the runner connects and sends "<run id>\\n" -> "ACK\\n"
    the runner ends cleanly: it sends "BYE\\n" (its own teardown removed everything) -> exit 0
    the connection drops without BYE (the runner was SIGKILLed, its machine lost power ...), or no
    runner connects within CONNECT_WITHIN_S -> reap: remove every container, network and volume
    labelled ``org.drills.run=<run id>``, again every ROUND_S until QUIET_ROUNDS rounds in a row
    found nothing (a ``docker compose up`` orphaned by the killed runner may still be creating
    things), for at most GIVE_UP_S -> exit

It never touches anything without that exact label: the engine's filter selects by it, and each
item's labels are checked again before it is removed.
"""

from __future__ import annotations

import http.client
import json
import socket
import sys
import time
import urllib.parse
from typing import Any

LABEL = "org.drills.run"
ENGINE_SOCKET = "/var/run/docker.sock"
PORT = 8080
CONNECT_WITHIN_S = 60.0
ROUND_S = 2.0
QUIET_ROUNDS = 5
GIVE_UP_S = 600.0
LIST_PATHS = {"containers": "/containers/json", "networks": "/networks", "volumes": "/volumes"}  # Engine API


def log(text: str) -> None:
    print(f"reaper: {text}", flush=True)


class EngineConnection(http.client.HTTPConnection):
    """HTTP over the engine's Unix socket."""

    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self.socket_path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(30)
        sock.connect(self.socket_path)
        self.sock = sock


def api(method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    conn = EngineConnection(ENGINE_SOCKET)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
    finally:
        conn.close()
    try:
        return resp.status, json.loads(raw) if raw else None
    except ValueError:
        return resp.status, raw.decode("utf-8", "replace")


def owned(item: dict[str, Any], run_id: str) -> bool:
    """The item carries this run's label (checked on every item, whatever the engine's filter did)."""
    return (item.get("Labels") or {}).get(LABEL) == run_id


def listing(kind: str, run_id: str) -> list[dict[str, Any]]:
    query = {"filters": json.dumps({"label": [f"{LABEL}={run_id}"]})}
    if kind == "containers":
        query["all"] = "1"
    status, data = api("GET", f"{LIST_PATHS[kind]}?{urllib.parse.urlencode(query)}")
    if status != 200:
        raise RuntimeError(f"listing {kind} answered {status}: {data}")
    items = data.get("Volumes") or [] if kind == "volumes" else data or []
    return [i for i in items if owned(i, run_id)]


def remove_network(net: dict[str, Any]) -> int:
    status, data = api("DELETE", f"/networks/{net['Id']}")
    if status in (403, 409) or (status >= 400 and "active endpoints" in str(data)):
        _, inspected = api("GET", f"/networks/{net['Id']}")
        for cid in (inspected or {}).get("Containers") or {}:
            api("POST", f"/networks/{net['Id']}/disconnect", {"Container": cid, "Force": True})
        status, data = api("DELETE", f"/networks/{net['Id']}")
    return status


def sweep(run_id: str) -> int:
    """One round: remove what carries the run's label; returns how many items were found."""
    found = 0
    for c in listing("containers", run_id):
        found += 1
        status, data = api("DELETE", f"/containers/{c['Id']}?force=1&v=1")
        log(f"container {c.get('Names', [c['Id']])[0]}: {status}{'' if status < 300 else f' {data}'}")
    for n in listing("networks", run_id):
        found += 1
        log(f"network {n.get('Name')}: {remove_network(n)}")
    for v in listing("volumes", run_id):
        found += 1
        status, data = api("DELETE", f"/volumes/{urllib.parse.quote(v['Name'])}?force=1")
        log(f"volume {v['Name']}: {status}{'' if status < 300 else f' {data}'}")
    return found


def reap(run_id: str) -> None:
    started, quiet = time.monotonic(), 0
    while quiet < QUIET_ROUNDS and time.monotonic() - started < GIVE_UP_S:
        try:
            quiet = quiet + 1 if sweep(run_id) == 0 else 0
        except Exception as exc:  # noqa: BLE001 - keep trying: the engine may be busy
            log(f"round failed: {type(exc).__name__}: {exc}")
            quiet = 0
        time.sleep(ROUND_S)
    log(f"done after {time.monotonic() - started:.1f}s")


def watch(conn: socket.socket, run_id: str) -> str:
    """Serve one connection: "bye" (the runner tore down itself), "dropped" (the runner's connection
    ended without BYE: reap), or "stranger" (it never named this run: keep waiting for the runner)."""
    buf = b""
    conn.settimeout(10)
    while b"\n" not in buf:
        chunk = conn.recv(256)
        if not chunk or len(buf) > 256:
            return "stranger"
        buf += chunk
    hello, _, buf = buf.partition(b"\n")
    if hello.decode("utf-8", "replace").strip() != run_id:
        return "stranger"
    conn.sendall(b"ACK\n")
    conn.settimeout(None)  # from here on: wait for BYE or for the connection to drop
    while b"BYE" not in buf:
        try:
            chunk = conn.recv(256)
        except OSError:
            return "dropped"
        if not chunk:
            return "dropped"
        buf = (buf + chunk)[-16:]
    return "bye"


def main(argv: list[str]) -> int:
    run_id = argv[1]
    server = socket.create_server(("0.0.0.0", PORT))  # noqa: S104 - published on the host's 127.0.0.1 only
    server.settimeout(CONNECT_WITHIN_S)
    log(f"watching run {run_id}")
    while True:
        try:
            conn, _ = server.accept()
        except TimeoutError:
            log(f"no runner connected within {CONNECT_WITHIN_S:.0f}s: reaping")
            break
        with conn:
            try:
                outcome = watch(conn, run_id)
            except OSError:
                outcome = "stranger"
        if outcome == "bye":
            log("the runner tore down by itself and said BYE")
            return 0
        if outcome == "dropped":
            log("the runner's connection dropped: reaping")
            break
        log("a connection that did not name this run: ignored")
    reap(run_id)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
