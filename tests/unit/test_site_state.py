"""read_site_state: is a restored site whole again? (the rejoin phase's one reading, on a fake engine)"""

from __future__ import annotations

import pytest
from docker.errors import APIError

from drills.adapters.site_state import read_site_state
from tests.unit.fakes_docker import FakeContainer, FakeDocker

PROJECT = "drills-run-1"


def site_a(fake: FakeDocker, pg: dict[str, object] | None = None, chat: dict[str, object] | None = None,
           label: str | None = "replica-db in-sync") -> FakeContainer:  # fmt: skip
    """pg-a (a datastore asking ``label``), chat-a, and site b's pg-b (never read for site a)."""
    base = {"com.docker.compose.project": PROJECT, "org.drills.domain": "a"}
    labels = {**base, "com.docker.compose.service": "pg-a", "org.drills.role": "datastore"}
    if label is not None:
        labels["org.drills.in-sync"] = label
    db = fake.add("pg-a-1", labels, **{"health": "healthy", **(pg or {})})
    fake.add("chat-a-1", {**base, "com.docker.compose.service": "chat-a", "org.drills.role": "app"},
             **{"health": "healthy", **(chat or {})})  # fmt: skip
    fake.add("pg-b-1", {**base, "org.drills.domain": "b", "com.docker.compose.service": "pg-b",
                        "org.drills.role": "datastore"}, status="exited")  # fmt: skip
    return db


def test_ready_when_every_service_is_healthy_and_the_datastore_says_in_sync() -> None:
    fake = FakeDocker()
    db = site_a(fake, pg={"exec_answer": (0, b"pg-a: synchronous standby, streaming\n")})
    state = read_site_state(fake, PROJECT, "a")
    assert state.ready
    assert state.detail == "pg-a: synchronous standby, streaming; 2 of 2 services healthy"
    assert db.execs == [["replica-db", "in-sync"]]  # split like argv, never a shell


def test_not_ready_while_the_datastore_is_not_in_sync_and_it_says_why() -> None:
    fake = FakeDocker()
    site_a(fake, pg={"exec_answer": (1, b"noise\npg-a: synchronous standby, WAL receiver catchup\n")})
    state = read_site_state(fake, PROJECT, "a")
    assert not state.ready and state.detail.startswith("pg-a: synchronous standby, WAL receiver catchup;")


@pytest.mark.parametrize(("chat", "why"), [
    ({"health": "starting"}, "chat-a: starting"),
    ({"status": "exited", "health": None}, "chat-a: exited"),
])  # fmt: skip
def test_an_unhealthy_service_keeps_the_site_not_ready(chat: dict[str, object], why: str) -> None:
    fake = FakeDocker()
    site_a(fake, chat=chat, pg={"exec_answer": (0, b"the primary")})
    state = read_site_state(fake, PROJECT, "a")
    assert not state.ready and state.detail.endswith(f"1 of 2 services healthy ({why})")


def test_a_datastore_that_is_not_healthy_is_not_asked() -> None:
    fake = FakeDocker()
    db = site_a(fake, pg={"health": "unhealthy", "exec_answer": (0, b"")})
    state = read_site_state(fake, PROJECT, "a")
    assert not state.ready and db.execs == [] and "pg-a: unhealthy" in state.detail


def test_without_the_label_a_healthy_datastore_counts_and_the_detail_says_so() -> None:
    fake = FakeDocker()
    db = site_a(fake, label=None)
    state = read_site_state(fake, PROJECT, "a")
    assert state.ready and db.execs == [] and "pg-a: healthy (no org.drills.in-sync to ask)" in state.detail


def test_an_engine_that_fails_is_a_state_never_a_raise() -> None:
    fake = FakeDocker()
    site_a(fake, pg={"fail": {"exec_run": APIError("container is restarting")}})
    state = read_site_state(fake, PROJECT, "a")
    assert not state.ready and "exec in pg-a (site a)" in state.detail and "restarting" in state.detail
    empty = read_site_state(FakeDocker(), PROJECT, "a")
    assert (empty.ready, empty.detail) == (False, "no container of site a")
