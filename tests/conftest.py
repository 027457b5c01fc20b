"""Shared test configuration.

Integration tests (marked ``integration``) drive a real Docker engine. Locally
they skip with a clear reason when no engine answers; in CI (``CI`` set) a
missing engine is an error, never a silent skip.
"""

from __future__ import annotations

import os

import pytest


def _engine_problem() -> str | None:
    try:
        from drills.adapters.docker_client import engine_client

        engine_client(timeout=5).close()
    except Exception as exc:  # noqa: BLE001 - turned into a skip reason / CI failure below
        return str(exc)
    return None


@pytest.fixture(scope="session")
def docker_engine() -> None:
    problem = _engine_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI needs a Docker engine and none answers: {problem}")
        pytest.skip(f"no Docker engine reachable ({problem}); run `drill setup` first")


@pytest.fixture(autouse=True)
def _engine_for_integration(request: pytest.FixtureRequest) -> None:
    """Every test marked ``integration`` gets the engine check above, without asking for it."""
    if request.node.get_closest_marker("integration"):
        request.getfixturevalue("docker_engine")
