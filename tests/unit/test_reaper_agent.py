"""The reaper agent's logic: its connection protocol (over a socket pair) and its sweep, against a
fake engine API on a Unix socket that ignores the label filter on purpose - the agent must still
remove only what carries its run's label. The real reaper on a real engine: tests/integration/
test_interrupts.py."""

from __future__ import annotations

import json
import socket
import socketserver
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from drills.adapters import reaper_agent

RUN = "drill-x-20261207t000000-abcd"


def converse(send: bytes, close: bool) -> tuple[str, bytes]:
    """What ``watch`` makes of a peer that sends ``send`` (then closes its end when ``close``)."""
    agent, peer = socket.socketpair()
    with agent, peer:
        peer.sendall(send)
        if close:
            peer.shutdown(socket.SHUT_WR)
        outcome = reaper_agent.watch(agent, RUN)
        peer.settimeout(1)
        try:
            answer = peer.recv(16)
        except TimeoutError:
            answer = b""
    return outcome, answer


def test_a_runner_that_names_its_run_is_acknowledged_and_bye_means_nothing_to_reap() -> None:
    assert converse(f"{RUN}\nBYE\n".encode(), close=False) == ("bye", b"ACK\n")


def test_a_connection_that_drops_without_bye_means_reap() -> None:
    assert converse(f"{RUN}\n".encode(), close=True) == ("dropped", b"ACK\n")


def test_a_connection_naming_another_run_is_a_stranger_and_gets_no_ack() -> None:
    assert converse(b"drill-other-run\n", close=True) == ("stranger", b"")
    assert converse(b"", close=True) == ("stranger", b"")


LISTINGS = {"/containers/json": "containers", "/networks": "networks", "/volumes": "volumes"}  # the Engine API's


class FakeEngine(socketserver.ThreadingUnixStreamServer):
    def __init__(self, path: str, items: dict[str, list[dict[str, Any]]]) -> None:
        self.items = items
        self.calls: list[str] = []
        super().__init__(path, Handler)


class Handler(BaseHTTPRequestHandler):
    server: FakeEngine

    def log_message(self, *args: object) -> None:
        pass

    def address_string(self) -> str:
        return "unix"

    def _reply(self, status: int, body: object = None) -> None:
        raw = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_GET(self) -> None:
        self.server.calls.append(f"GET {self.path}")
        kind = LISTINGS.get(urllib.parse.urlparse(self.path).path)
        if kind is None:  # as the engine answers a path it does not serve
            self._reply(404, {"message": f"page not found: {self.path}"})
            return
        every = self.server.items[kind]  # the label filter is ignored here on purpose
        self._reply(200, {"Volumes": every} if kind == "volumes" else every)

    def do_DELETE(self) -> None:
        self.server.calls.append(f"DELETE {urllib.parse.urlparse(self.path).path}")
        kind, ident = urllib.parse.urlparse(self.path).path.strip("/").split("/")[:2]
        key = "Name" if kind == "volumes" else "Id"
        self.server.items[kind] = [i for i in self.server.items[kind] if i[key] != ident]
        self._reply(204)


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    mine, theirs = {"org.drills.run": RUN}, {"org.drills.run": "drill-someone-else"}
    items: dict[str, list[dict[str, Any]]] = {
        "containers": [{"Id": "c1", "Names": ["/pg-a"], "Labels": mine},
                       {"Id": "c2", "Names": ["/their-pg"], "Labels": theirs},
                       {"Id": "c3", "Names": ["/unlabelled"], "Labels": None}],
        "networks": [{"Id": "n1", "Name": "site-a", "Labels": mine}, {"Id": "n2", "Name": "bridge", "Labels": {}}],
        "volumes": [{"Name": "pgdata-a", "Labels": mine}, {"Name": "their-data", "Labels": theirs}],
    }  # fmt: skip
    path = str(tmp_path / "engine.sock")
    server = FakeEngine(path, items)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(reaper_agent, "ENGINE_SOCKET", path)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_sweep_removes_only_what_carries_the_runs_label(engine: FakeEngine) -> None:
    assert reaper_agent.sweep(RUN) == 3
    deleted = [c for c in engine.calls if c.startswith("DELETE")]
    assert deleted == ["DELETE /containers/c1", "DELETE /networks/n1", "DELETE /volumes/pgdata-a"]
    listing = next(c for c in engine.calls if c.startswith("GET /containers"))
    assert json.loads(urllib.parse.parse_qs(urllib.parse.urlparse(listing[4:]).query)["filters"][0]) == {
        "label": [f"org.drills.run={RUN}"]}  # fmt: skip
    assert reaper_agent.sweep(RUN) == 0  # what is left belongs to others


def test_reaping_stops_after_quiet_rounds(engine: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reaper_agent, "ROUND_S", 0.0)
    reaper_agent.reap(RUN)
    rounds = [c for c in engine.calls if c.startswith("GET /containers")]
    assert len(rounds) == 1 + reaper_agent.QUIET_ROUNDS  # one that found the run, then the quiet ones
