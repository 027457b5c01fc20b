"""The probes' keep-alive transport (drills/probes/transport.py) against a real http.server on 127.0.0.1.

The server counts TCP connections and requests, so reuse, reconnects and "never sent twice" are
asserted from the server's side, not from the client's own bookkeeping.
"""

from __future__ import annotations

import http.client
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from drills.probes import transport
from drills.probes.base import Outcome, short_error
from drills.probes.client import Http, write_state
from drills.probes.custom.http import MAX_REDIRECTS, HttpProbe
from drills.probes.transport import (
    ConnectionBroken,
    ConnectionFailed,
    ConnectionRefused,
    Timeout,
    Transport,
    TransportError,
    translate,
)
from tests.unit.fakes_http import closed_port


@dataclass
class Counts:
    connections: int = 0
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, path)
    closed: threading.Event = field(default_factory=threading.Event)  # set when the server closed a connection
    release: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive. Paths: /ok, /close (Connection: close), /drop (answers, then closes without
    saying so: an idle timeout), /junk (answers, then sends stray bytes), /hang (no answer until released),
    /hangup (closes without answering), /reset (an RST instead of an answer), /moved (a redirect to /ok),
    /loop (a redirect to itself)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for a delayed ACK
    counts: Counts

    def setup(self) -> None:
        super().setup()
        self.counts.connections += 1

    def finish(self) -> None:
        super().finish()
        self.counts.closed.set()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        self.counts.requests.append((self.command, self.path))
        if self.path == "/hang":
            self.counts.release.wait(10)
        if self.path == "/hangup":
            self.close_connection = True
            return
        if self.path == "/reset":  # linger 0: close() sends an RST (no FIN first, as shutdown_request would)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
            self.close_connection = True
            return
        if self.path in ("/moved", "/loop"):
            self.send_response(302)
            self.send_header("Location", "/ok" if self.path == "/moved" else "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        body = json.dumps({"path": self.path, "echo": raw.decode()}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if self.path == "/close":
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        if self.path == "/junk":  # after the answer was read: in the socket, not in the answer's read buffer
            time.sleep(0.05)
            self.wfile.write(b"HTTP/1.1 200 OK\r\n\r\n")
        if self.path == "/drop":
            self.close_connection = True  # closed after this answer, which said nothing about it

    do_GET = do_POST = _serve  # noqa: N815 - http.server's names

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's signature
        return None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # the resets and hang-ups these tests make on purpose


@contextmanager
def running(protocol: str = "HTTP/1.1") -> Iterator[tuple[Counts, str]]:
    counts = Counts()
    handler = type("Handler", (_Handler,), {"counts": counts, "protocol_version": protocol})
    srv = _QuietServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.block_on_close = False
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield counts, f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        counts.release.set()
        srv.shutdown()
        srv.server_close()
        thread.join(5)


@pytest.fixture
def server() -> Iterator[tuple[Counts, str]]:
    with running() as started:
        yield started


def test_one_connection_carries_many_requests(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)
    for i in range(20):
        resp = t.request("POST" if i % 2 else "GET", f"/ok?i={i}", b'{"n": 1}' if i % 2 else None)
        assert resp.status_code == 200 and resp.json()["path"] == f"/ok?i={i}"
    assert (counts.connections, len(counts.requests), t.connects) == (1, 20, 1)
    t.close()


def test_each_thread_keeps_its_own_connection(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)

    def work() -> None:
        for _ in range(5):
            t.request("GET", "/ok")

    threads = [threading.Thread(target=work) for _ in range(3)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    work()
    assert (counts.connections, len(counts.requests)) == (4, 20)


def test_a_connection_the_server_closed_while_idle_is_not_reused(server: tuple[Counts, str]) -> None:
    """The server closes after /drop without a Connection: close; the POST after it must go out once, on a new one."""
    counts, url = server
    t = Transport(url, timeout=2.0)
    t.request("GET", "/drop")
    assert counts.closed.wait(2)
    time.sleep(0.05)  # the FIN crosses the loopback
    assert t.request("POST", "/ok", b"once").json()["echo"] == "once"
    assert counts.requests == [("GET", "/drop"), ("POST", "/ok")]  # the POST reached the server exactly once
    assert counts.connections == 2


def test_stray_bytes_on_an_idle_connection_make_it_unusable(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)
    t.request("GET", "/junk")
    time.sleep(0.2)
    assert t.request("POST", "/ok", b"x").json()["path"] == "/ok"  # not the stray "response"
    assert counts.requests == [("GET", "/junk"), ("POST", "/ok")] and counts.connections == 2


def test_connection_close_is_honoured(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)
    t.request("GET", "/close")
    t.request("GET", "/ok")
    t.request("GET", "/ok")
    assert (counts.connections, t.connects) == (2, 2)


def test_an_http_1_0_answer_without_keep_alive_closes_the_connection() -> None:
    with running("HTTP/1.0") as (counts, url):  # BaseHTTPRequestHandler's default: closes after each answer
        t = Transport(url, timeout=2.0)
        assert [t.request("GET", "/ok").json()["path"] for _ in range(3)] == ["/ok"] * 3
        assert (counts.connections, t.connects, len(counts.requests)) == (3, 3, 3)


def test_a_connection_idle_longer_than_max_idle_is_replaced(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0, max_idle=0.05)
    t.request("GET", "/ok")
    t.request("GET", "/ok")
    time.sleep(0.1)
    t.request("GET", "/ok")
    assert counts.connections == 2


def test_a_hung_answer_times_out_quickly_and_the_connection_is_dropped(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(Timeout) as info:
        t.request("POST", "/hang", b"x")
    assert time.monotonic() - started < 1.0
    assert short_error(info.value) == "timeout" and write_state(info.value) == "unknown"
    assert str(info.value).startswith(f"POST {url}/hang: ")
    counts.release.set()
    assert t.request("GET", "/ok").status_code == 200  # a late answer on the old connection is never read
    assert counts.connections == 2


def test_a_refused_connection(server: tuple[Counts, str]) -> None:
    t = Transport(f"http://127.0.0.1:{closed_port()}", timeout=2.0)
    with pytest.raises(ConnectionRefused) as info:
        t.request("POST", "/ok", b"x")
    assert short_error(info.value) == "connection refused" and write_state(info.value) == "failed"


@pytest.mark.parametrize(("path", "reason"), [("/hangup", "remote end closed"), ("/reset", "connection reset")])
def test_a_connection_broken_under_a_request(server: tuple[Counts, str], path: str, reason: str) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)
    with pytest.raises(ConnectionBroken) as info:
        t.request("POST", path, b"x")
    assert short_error(info.value) == reason and write_state(info.value) == "unknown"
    assert t.request("GET", "/ok").status_code == 200
    assert counts.requests == [("POST", path), ("GET", "/ok")]  # never resent


@pytest.mark.parametrize(
    ("exc", "kind", "reason"),
    [
        (TimeoutError("timed out"), Timeout, "timeout"),
        (ConnectionRefusedError(111, "Connection refused"), ConnectionRefused, "connection refused"),
        (http.client.RemoteDisconnected("Remote end closed connection without response"), ConnectionBroken,
         "remote end closed"),
        (http.client.IncompleteRead(b"ab", 10), ConnectionBroken, "remote end closed"),
        (ConnectionResetError(104, "Connection reset by peer"), ConnectionBroken, "connection reset"),
        (BrokenPipeError(32, "Broken pipe"), ConnectionBroken, "connection aborted"),
        (ConnectionAbortedError(103, "Software caused connection abort"), ConnectionBroken, "connection aborted"),
        (http.client.BadStatusLine("junk"), ConnectionBroken, "connection aborted"),
        (socket.gaierror(-2, "Name or service not known"), ConnectionFailed, "connection error"),
        (OSError(113, "No route to host"), ConnectionFailed, "connection error"),
    ],
)  # fmt: skip
def test_lower_level_errors_are_translated(exc: BaseException, kind: type[TransportError], reason: str) -> None:
    got = translate(exc, "GET http://h:1/x")
    assert type(got) is kind and short_error(got) == reason and str(got).startswith("GET http://h:1/x: ")


def test_a_response_decodes_its_body(server: tuple[Counts, str]) -> None:
    _, url = server
    resp = Transport(url, timeout=2.0).request("POST", "/ok", "é".encode())
    assert resp.json() == {"path": "/ok", "echo": "é"} and '"echo"' in resp.text
    assert resp.headers["Content-Type"] == "application/json"


def test_close_closes_every_threads_connection(server: tuple[Counts, str]) -> None:
    counts, url = server
    t = Transport(url, timeout=2.0)
    th = threading.Thread(target=t.request, args=("GET", "/ok"))
    th.start()
    th.join(5)
    t.request("GET", "/ok")
    t.close()
    t.request("GET", "/ok")  # reconnects
    assert counts.connections == 3


def test_http_calls_go_under_its_base_path_with_encoded_params(server: tuple[Counts, str]) -> None:
    counts, url = server
    http = Http(url + "/api/", timeout=2.0)
    assert http.json("GET", "/rooms", params={"after": 3, "limit": 5})["path"] == "/api/rooms?after=3&limit=5"
    assert http.json("POST", "/rooms", json={"body": "é"})["echo"] == '{"body": "\\u00e9"}'
    assert counts.connections == 1
    http.close()


def test_the_http_probe_follows_redirects_on_its_kept_connection(server: tuple[Counts, str]) -> None:
    counts, url = server
    probe = HttpProbe("h", "chat", "{chat}/moved", {"chat": url}, 2.0)
    assert probe.sample() == Outcome(True)
    assert counts.requests == [("GET", "/moved"), ("GET", "/ok")] and counts.connections == 1
    looping = HttpProbe("h", "chat", f"{url}/loop", {}, 2.0).sample()
    assert (looping.ok, looping.error) == (False, f"more than {MAX_REDIRECTS} redirects")
    assert HttpProbe("h", "chat", "ftp://x/", {}, 2.0).sample().error == "not an http(s) URL: 'ftp://x'"


def test_not_an_http_url() -> None:
    with pytest.raises(ValueError, match=r"^not an http\(s\) URL: 'ftp://x'$"):
        Transport("ftp://x", 1.0)


def test_the_public_names_are_the_ones_listed() -> None:
    defined = {n for n, v in vars(transport).items()
               if not n.startswith("_") and getattr(v, "__module__", "") == transport.__name__}  # fmt: skip
    assert defined <= set(transport.__all__) and all(hasattr(transport, n) for n in transport.__all__)
