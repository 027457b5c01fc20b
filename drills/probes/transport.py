"""The probes' HTTP/1.1 transport: keep-alive connections on the standard library's http.client.

Why not ``requests``: the probes send ~8 requests per 100 ms tick, and requests' per-request
machinery (session merging, hooks, urllib3's pool and retry objects) cost most of the runner's
CPU. This is the part of it probes need, at a fraction of the CPU per request
(``bench/http_client.py`` measures both).

    Transport(base_url, timeout)       one origin (scheme://host:port)
      .request(method, target, body, headers) -> Response(status_code, headers, content, text, json())

    connections: one per (thread, Transport), kept in a ``threading.local``: a ProbeLoop worker
    is a long-lived thread, so it reuses its own connection sample after sample and never shares
    it. Before an idle connection is reused, a zero-timeout poll checks the server has not closed
    it (readable while idle = closed, or junk): then it is dropped and a new one opened, so a
    request is never sent on a dead connection, and nothing is ever sent twice (no retries).
    A connection is dropped after any error, after a response that closes it (``Connection:
    close``, HTTP/1.0 without keep-alive), and when it has been idle longer than ``max_idle``
    (shorter than the servers' idle timeouts, so a server never closes one under a new request).
    Every connect and every read is bounded by the timeout.

Exceptions (all are TransportError; ``reason`` is the short text a timeline row shows):

    TransportError              the request failed below HTTP: no status was received
      +-- Timeout               "timeout": the connect or a read took longer than the timeout
      +-- ConnectionRefused     "connection refused": nothing listens; nothing was sent
      +-- ConnectionBroken      "connection reset" | "remote end closed" | "connection aborted":
      |                         the connection broke mid-request (it may have been processed)
      +-- ConnectionFailed      "connection error": anything else (name resolution, unreachable
                                host, TLS)

The lower-level errors (OSError, http.client.HTTPException) are translated here, with
``raise ... from``, and never escape.
"""

from __future__ import annotations

import json
import select
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    import http.client

# http.client (and the email and ssl modules it loads) is imported where a request is made:
# `drill validate` reads the probe registry through this module and sends nothing

__all__ = [
    "MAX_IDLE",
    "ConnectionBroken",
    "ConnectionFailed",
    "ConnectionRefused",
    "Response",
    "Timeout",
    "Transport",
    "TransportError",
    "translate",
]

MAX_IDLE = 5.0  # s; below HAProxy's client timeout (15 s) and the messenger's idle timeout (30 s)
USER_AGENT = "drills-probe"


class TransportError(Exception):
    """The request failed below HTTP (no status received). ``reason``: a few words, for a timeline row."""

    reason = "connection error"


class Timeout(TransportError):
    reason = "timeout"


class ConnectionRefused(TransportError):
    reason = "connection refused"


class ConnectionBroken(TransportError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ConnectionFailed(TransportError):
    reason = "connection error"


def translate(exc: BaseException, what: str) -> TransportError:
    """The TransportError for a lower-level error of the request ``what`` ("GET http://h:p/path")."""
    import http.client

    detail = f"{what}: {str(exc) or type(exc).__name__}"
    if isinstance(exc, TimeoutError):
        return Timeout(detail)
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionRefused(detail)
    if isinstance(exc, http.client.RemoteDisconnected | http.client.IncompleteRead):
        return ConnectionBroken(detail, "remote end closed")
    if isinstance(exc, ConnectionResetError):
        return ConnectionBroken(detail, "connection reset")
    if isinstance(exc, BrokenPipeError | ConnectionAbortedError | http.client.HTTPException):
        return ConnectionBroken(detail, "connection aborted")  # incl. a malformed status line or headers
    return ConnectionFailed(detail)


@dataclass(frozen=True)
class Response:
    status_code: int
    headers: http.client.HTTPMessage
    content: bytes

    @property
    def text(self) -> str:
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:  # an unknown charset name
            return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON; ValueError if it is not."""
        return json.loads(self.content)


class _Conn:
    def __init__(self, connection: http.client.HTTPConnection) -> None:
        self.http = connection
        self.idle_since = time.monotonic()


def _closed_while_idle(conn: http.client.HTTPConnection) -> bool:
    """Whether an idle connection is unusable: closed here, or readable (the server closed it or sent junk)."""
    sock = conn.sock
    if sock is None:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))  # POLLHUP / POLLERR are reported whatever was registered


class Transport:
    """Keep-alive HTTP/1.1 to one origin, one connection per thread; see the module docstring."""

    def __init__(self, base_url: str, timeout: float, *, max_idle: float = MAX_IDLE) -> None:
        url = urlsplit(base_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.scheme, self.host = url.scheme, url.hostname
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.origin = f"{url.scheme}://{url.netloc}"
        self.timeout, self.max_idle = timeout, max_idle
        self.connects = 0  # connections opened so far (tests and the benchmark read it)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: set[_Conn] = set()  # every live connection, whichever thread holds it (for close)

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:  # fmt: skip
        """Send one request on this thread's connection and read the whole response; TransportError if it fails."""
        import http.client

        conn = self._checkout()
        what = f"{method} {self.origin}{target}"
        try:
            if conn.http.sock is None:
                conn.http.connect()
            hc = conn.http
            hc.putrequest(method, target, skip_accept_encoding=True)
            hc.putheader("User-Agent", USER_AGENT)
            for name, value in (headers or {}).items():
                hc.putheader(name, value)
            if body is not None or method in ("POST", "PUT", "PATCH"):
                hc.putheader("Content-Length", str(len(body or b"")))
            hc.endheaders(body)
            resp = hc.getresponse()
            content = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self._drop(conn)
            raise translate(exc, what) from exc
        except BaseException:
            self._drop(conn)
            raise
        if resp.will_close:  # Connection: close, or HTTP/1.0 without keep-alive
            self._drop(conn)
        else:
            conn.idle_since = time.monotonic()
        return Response(resp.status, resp.msg, content)

    def close(self) -> None:
        """Close every connection, on every thread (a later request opens a new one)."""
        with self._lock:
            conns, self._open = list(self._open), set()
        for conn in conns:
            conn.http.close()

    def _checkout(self) -> _Conn:
        import http.client

        conn: _Conn | None = getattr(self._local, "conn", None)
        if conn is not None and (time.monotonic() - conn.idle_since > self.max_idle or _closed_while_idle(conn.http)):
            self._drop(conn)
            conn = None
        if conn is None:
            cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
            conn = _Conn(cls(self.host, self.port, timeout=self.timeout))  # connected by request()
            conn.http.auto_open = 0  # never reconnect behind our back
            self._local.conn = conn
            with self._lock:
                self._open.add(conn)
                self.connects += 1
        return conn

    def _drop(self, conn: _Conn) -> None:
        conn.http.close()
        if getattr(self._local, "conn", None) is conn:
            self._local.conn = None
        with self._lock:
            self._open.discard(conn)
