"""HTTP client benchmark: CPU per request of requests.Session vs the probes' client (drills.probes.client.Http).

    python bench/http_client.py [--rounds 7] [--requests 1000]

A journey-like workload against a local http.server in another process (so the server's CPU is
not the client's): alternately a POST with a JSON body and an Authorization header, and a GET
with query parameters, each answered with a small JSON object and its status checked. For each
client and server mode, ``--rounds`` rounds of ``--requests`` requests on one thread:

    CPU us/req   the client thread's CPU time (time.thread_time) per request; median and min of the rounds
    req/s        requests per wall-clock second, median of the rounds (one client thread, no concurrency)
    conns        TCP connections the server accepted, over all rounds

Server modes: ``keep-alive`` (HTTP/1.1, as the messenger answers) and ``close`` (HTTP/1.0: a new
connection per request, as before the messenger spoke HTTP/1.1).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drills.probes.client import Http

ACK = json.dumps({"id": 41, "room": "drill-bench", "client_id": "c-1", "site": "a", "primary": "pg-a",
                  "system_id": "7301", "timeline": 2}).encode()  # fmt: skip
PAGE = json.dumps({"messages": [{"id": 41, "client_id": "c-1", "body": "drill message c-1", "site": "a"}]}).encode()


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    connections = 0

    def setup(self) -> None:
        super().setup()
        type(self).connections += 1

    def _serve(self) -> None:
        if self.path == "/connections":
            body, status = str(type(self).connections).encode(), 200
        else:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            body, status = (ACK, 201) if self.command == "POST" else (PAGE, 200)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _serve  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return None


def _serve(protocol: str, port_out: Connection) -> None:
    handler = type("Handler", (_Handler,), {"protocol_version": protocol})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    port_out.send(server.server_address[1])
    server.serve_forever()


Workload = Callable[[int], None]  # one request, numbered


def requests_client(base: str) -> Workload:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))  # as the probes had it
    auth = {"Authorization": "Bearer tok-alice-1"}

    def one(i: int) -> None:
        if i % 2:
            resp = session.request("POST", f"{base}/rooms/drill-bench/messages", timeout=2.0, headers=dict(auth),
                                   json={"body": f"drill message c-{i}", "client_id": f"c-{i}"})  # fmt: skip
            assert resp.status_code == 201 and isinstance(resp.json(), dict)
        else:
            resp = session.request("GET", f"{base}/rooms/drill-bench/messages", timeout=2.0, headers=dict(auth),
                                   params={"after": i, "limit": 5})  # fmt: skip
            assert resp.status_code == 200 and isinstance(resp.json(), dict)

    return one


def drills_client(base: str) -> Workload:
    http = Http(base, 2.0)
    http.token = "tok-alice-1"  # noqa: S105 - a fake token for the fake server

    def one(i: int) -> None:
        if i % 2:
            http.json("POST", "/rooms/drill-bench/messages", (201,),
                      json={"body": f"drill message c-{i}", "client_id": f"c-{i}"})  # fmt: skip
        else:
            http.json("GET", "/rooms/drill-bench/messages", params={"after": i, "limit": 5})

    return one


def measure(one: Workload, rounds: int, n: int) -> tuple[list[float], list[float]]:
    """Per round: CPU microseconds per request, and requests per second."""
    for i in range(50):  # warm-up: imports, the first connection
        one(i)
    cpu_us, rate = [], []
    for _ in range(rounds):
        c0, w0 = time.thread_time(), time.perf_counter()
        for i in range(n):
            one(i)
        c1, w1 = time.thread_time(), time.perf_counter()
        cpu_us.append(1e6 * (c1 - c0) / n)
        rate.append(n / (w1 - w0))
    return cpu_us, rate


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--requests", type=int, default=1000)
    args = ap.parse_args()
    clients: dict[str, Callable[[str], Workload]] = {"requests.Session": requests_client, "drills Http": drills_client}
    print(f"{args.rounds} rounds x {args.requests} requests per client and server mode; one client thread")
    print(f"{'client':<18}{'server':<12}{'CPU us/req':>12}{'(min)':>8}{'req/s':>9}{'conns':>7}")
    results: dict[tuple[str, str], float] = {}
    for mode, protocol in (("keep-alive", "HTTP/1.1"), ("close", "HTTP/1.0")):
        for name, make in clients.items():
            port_in, port_out = multiprocessing.Pipe(duplex=False)
            server = multiprocessing.Process(target=_serve, args=(protocol, port_out), daemon=True)
            server.start()
            try:
                base = f"http://127.0.0.1:{port_in.recv()}"
                cpu_us, rate = measure(make(base), args.rounds, args.requests)
                conns = int(requests.get(f"{base}/connections", timeout=2.0).text) - 1  # not this one
            finally:
                server.terminate()
                server.join(5)
            results[name, mode] = statistics.median(cpu_us)
            print(f"{name:<18}{mode:<12}{statistics.median(cpu_us):>12.0f}{min(cpu_us):>8.0f}"
                  f"{statistics.median(rate):>9.0f}{conns:>7}")  # fmt: skip
    for mode in ("keep-alive", "close"):
        ratio = results["requests.Session", mode] / results["drills Http", mode]
        print(f"{mode}: drills Http uses {ratio:.1f}x less CPU per request than requests.Session")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
