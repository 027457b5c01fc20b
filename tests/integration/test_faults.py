"""Every fault type against the real replica, through the pytest plugin's fixtures.

Each block injects one fault, observes its effect through the edge or the
Toxiproxy API, and on exit heals it; after each heal every journey works again.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from docker.models.containers import Container

from drills.faults.power_cut import Mode, PowerCut
from drills.model.scenario import FaultSpec
from drills.pytest_plugin import Chaos, Stack

sys.path.insert(0, str(Path(__file__).parent))
from replica_helpers import Journeys, until_ok

pytestmark = pytest.mark.integration


def journeys(stack: Stack) -> Journeys:
    return Journeys(stack.endpoints["chat"], stack.endpoints["login"], stack.endpoints["devtools"])


def all_journeys_ok(stack: Stack) -> None:
    j = journeys(stack)
    for journey in j.by_name().values():
        until_ok(journey, within_s=60)


def container(stack: Stack, service: str) -> Container:
    found: list[Container] = stack.client.containers.list(all=True, filters={"label": [
        f"com.docker.compose.project={stack.project.name}", f"com.docker.compose.service={service}"]})
    [c] = found
    return c


def test_wan_latency_slows_the_link_and_heal_removes_it(drill_stack: Stack, chaos: Chaos) -> None:
    all_journeys_ok(drill_stack)

    def health_latency() -> float:
        best = 10.0
        for _ in range(5):
            start = time.monotonic()
            drill_stack.get("login", "/health")
            best = min(best, time.monotonic() - start)
        return best

    base = health_latency()
    with chaos.wan("edge_a_login", latency=0.4), chaos.wan("edge_b_login", latency=0.4):
        assert drill_stack.wan.toxics("edge_a_login") == ["chaos-1-latency"]
        slowed = health_latency()
    assert slowed - base >= 0.35, (base, slowed)
    assert drill_stack.wan.toxics("edge_a_login") == [] and drill_stack.wan.toxics("edge_b_login") == []


def test_partition_cuts_only_links_between_the_sites(drill_stack: Stack, chaos: Chaos) -> None:
    with chaos.partition("a", "b"):
        state = drill_stack.wan.proxies()
        between = [n for n in state if {n.split("_")[0], n.split("_")[1]} == {"a", "b"}]
        assert between and not any(state[n].enabled for n in between)
        assert all(p.enabled for n, p in state.items() if n not in between)
    assert all(p.enabled for p in drill_stack.wan.proxies().values())
    all_journeys_ok(drill_stack)


@pytest.mark.parametrize(("action", "expected"), [("kill", "exited"), ("pause", "paused")])
def test_kill_and_pause_one_service_then_heal(drill_stack: Stack, chaos: Chaos, action: str, expected: str) -> None:
    with chaos.service(action, "a", "chat-a"):
        ctr = container(drill_stack, "chat-a")
        assert ctr.status == expected
        until_ok(journeys(drill_stack).chat, within_s=30)  # site b's chat serves through the edge
    assert container(drill_stack, "chat-a").status == "running"
    all_journeys_ok(drill_stack)


def test_restart_one_service_comes_back_healthy(drill_stack: Stack, chaos: Chaos) -> None:
    before = container(drill_stack, "login-b").attrs["State"]["StartedAt"]
    with chaos.service("restart", "b", "login-b"):
        pass
    after = container(drill_stack, "login-b")
    assert after.attrs["State"]["StartedAt"] != before
    assert after.attrs["State"]["Health"]["Status"] == "healthy"


# -- a power cut's links, seen by a TCP client ------------------------------------------------------

REQUEST = b"GET /health HTTP/1.0\r\nHost: drills\r\n\r\n"
# A TCP client in the edge domain (etcd-w stays up when site a loses power), through edge_a_chat
# like the load balancer: "refused", "answered", "closed" (EOF), "reset" or "timeout".
EDGE_CLIENT = """
import socket
s = socket.socket()
s.settimeout(2)
try:
    s.connect(("wan-edge", 10081))
    s.sendall(b"GET /health HTTP/1.0\\r\\nHost: drills\\r\\n\\r\\n")
    print("answered" if s.recv(64) else "closed")
except ConnectionRefusedError:
    print("refused")
except ConnectionResetError:
    print("reset")
except socket.timeout:
    print("timeout")
"""


def from_the_edge(stack: Stack) -> str:
    code, out = container(stack, "etcd-w").exec_run(["python3", "-c", EDGE_CLIENT])
    assert code == 0 and isinstance(out, bytes), out
    return out.decode().strip()


def after_the_answer(sock: socket.socket) -> str:
    """What a connection that already sent its request gets: "answered", "closed", "reset" or "timeout"."""
    try:
        return "answered" if sock.recv(64) else "closed"
    except ConnectionResetError:
        return "reset"
    except TimeoutError:
        return "timeout"


@pytest.mark.parametrize("mode", ["blackhole", "refuse"])
def test_a_power_cut_blackholes_or_refuses_the_sites_links_and_its_heal_resets_them(
    drill_stack: Stack, chaos: Chaos, mode: Mode
) -> None:
    direct = urlsplit(drill_stack.project.site_endpoint_urls()["a"]["chat"])  # edge_a_chat-direct, published
    address = (str(direct.hostname), int(direct.port or 0))
    assert from_the_edge(drill_stack) == "answered"
    spec = FaultSpec(id=f"cut-{mode}", type="power_cut", at=0.0, duration=None, params=PowerCut("a", mode))
    with socket.create_connection(address, timeout=5) as held:  # open before the cut, idle
        with chaos.fault(spec):
            held.settimeout(1.5)
            held.sendall(REQUEST)
            if mode == "blackhole":
                assert after_the_answer(held) == "timeout"  # no answer and no close: it hangs
                # a new connection is accepted (never refused), then reset when Toxiproxy fails to
                # reach the dead site, or left hanging while Toxiproxy still dials it
                assert from_the_edge(drill_stack) in ("reset", "closed", "timeout")
                assert [n for n in drill_stack.wan.toxics("edge_a_chat") if n.startswith("drills-blackhole-")]
            else:
                assert after_the_answer(held) in ("closed", "reset")  # closed when the link went down
                assert from_the_edge(drill_stack) == "refused"
            assert drill_stack.wan.toxics("edge_b_chat") == []
        if mode == "blackhole":
            assert after_the_answer(held) in ("closed", "reset")  # the heal dropped what hung, like a reboot
    assert drill_stack.wan.toxics("edge_a_chat") == [] and all(p.enabled for p in drill_stack.wan.proxies().values())
    deadline = time.monotonic() + 30
    while from_the_edge(drill_stack) != "answered":
        assert time.monotonic() < deadline, "site a's chat does not answer through edge_a_chat after the heal"
        time.sleep(0.5)
    all_journeys_ok(drill_stack)
