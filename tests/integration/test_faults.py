"""Every fault type against the real replica, through the pytest plugin's fixtures.

Each block injects one fault, observes its effect through the edge or the
Toxiproxy API, and on exit heals it; after each heal every journey works again.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from docker.models.containers import Container

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
