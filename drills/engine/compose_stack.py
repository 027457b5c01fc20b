"""The real stack of a run: one Compose project on the local Docker engine, with its WAN.

It composes the adapters (see :mod:`drills.engine.stack` for the lifecycle it serves)::

    ComposeStack(scenario, run_id, project)
        engine_client()                 a Docker client that answered a ping (EngineUnavailable)
        ComposeProject(project, files)  compose up / down, endpoints and the WAN API by labels
        WanClient(toxiproxy API)        opened on first use, after up()
        Reaper.start(...)               before compose up: removes the run if the runner dies
        describe(...)                   drills, Compose, Toxiproxy, engine and image versions

Every call below raises only :mod:`drills.errors` types (the adapters translate).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker

from drills.adapters import ComposeProject, labels, leftovers, sweep
from drills.adapters.docker_client import engine_client
from drills.adapters.reaper import Reaper, ReaperError
from drills.adapters.toxiproxy import WanClient
from drills.engine.environment import describe
from drills.errors import TeardownError
from drills.faults import FaultContext
from drills.model.scenario import Scenario

__all__ = ["ComposeStack", "compose_files"]


def compose_files(scenario: Scenario) -> list[Path]:
    """The compose file of the scenario's topology, its overrides, then its variant (if any)."""
    files = [scenario.topology.compose, *scenario.topology.overrides]
    if scenario.topology.variant_file is not None:
        files.append(scenario.topology.variant_file)
    return files


def _say_builds(text: str) -> None:
    """A build's progress on stderr (a first build takes minutes); an image present says nothing."""
    if not text.endswith("present, skipped"):
        print(f"drill: {text.strip()}", file=sys.stderr, flush=True)


class ComposeStack:
    def __init__(self, scenario: Scenario, run_id: str, project: str) -> None:
        self.scenario, self.project = scenario, project
        self.client: docker.DockerClient = engine_client()
        self.compose = ComposeProject(project, compose_files(scenario), {"DRILLS_RUN_ID": run_id},
                                      scenario.topology.compose.parent, client=self.client)  # fmt: skip
        self._wan: WanClient | None = None
        self.run_id = run_id
        self.reaper: Reaper | None = None
        self.reaper_state = "not started"
        self.logs_since: float | None = None  # a reused stack's logs: from this drill's start (epoch s)

    def sweep(self, run_id: str) -> int:
        return sweep(self.client, run_id).total

    def up(self) -> None:
        try:
            self.reaper = Reaper.start(self.client, self.run_id)
            self.reaper_state = "on"
        except ReaperError as exc:  # the run goes on: a later `drill run` sweeps a killed run instead
            self.reaper_state = f"off: {exc}"
        self.build_images()
        self.compose.up(wait=True)

    def build_images(self) -> None:
        """Build the images the topology declares (``image:`` with ``build:``) that the engine lacks
        or built from another context: a stack of your own needs no setup step of its own."""
        from drills.adapters.compose_config import read_model
        from drills.setup.replica_images import build_specs, specs_from_model

        files = compose_files(self.scenario)
        specs = specs_from_model(read_model(files, self.scenario.topology.compose.parent))
        build_specs(self.client, specs, progress=_say_builds)

    def endpoints(self, capabilities: Sequence[str]) -> dict[str, str]:
        return {cap: self.compose.endpoint_url(cap) for cap in capabilities}

    def site_endpoints(self) -> dict[str, dict[str, str]]:
        return self.compose.site_endpoint_urls()

    def wan(self) -> WanClient:
        if self._wan is None:
            host, port = self.compose.toxiproxy_api()
            self._wan = WanClient(host, port)
        return self._wan

    def fault_context(self) -> FaultContext:
        return FaultContext(self.client, self.project, self.wan(), self.scenario.topology)

    def describe(self) -> dict[str, object]:
        return {**describe(self.client, self.project, self.wan().version().strip('"')), "reaper": self.reaper_state}

    def logs(self, tail: int) -> dict[str, str]:
        """What every container of the run said (timestamped), its last ``tail`` lines at most, by
        compose service. Every container was created by this run, so all it said belongs to it (no
        ``since``: that filter compares the runner's clock with the engine's) - except on a reused
        stack (drills.engine.warm), where ``logs_since`` is the drill's start."""
        since = {} if self.logs_since is None else {"since": self.logs_since}

        def read(c: Any) -> tuple[str, str]:
            raw = c.logs(tail=tail, timestamps=True, **since)
            text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
            return str(c.labels.get(labels.COMPOSE_SERVICE, c.name)), text

        containers = self.compose.containers()
        if not containers:
            return {}
        with ThreadPoolExecutor(max_workers=min(16, len(containers)), thread_name_prefix="logs") as pool:
            return dict(pool.map(read, containers))  # in parallel: an interrupt's removal waits for them

    def down(self) -> None:
        self.compose.down()
        self._release_reaper()

    def abandon(self, within: float) -> str:
        """Everything of the run removed at once (an interrupt): no ``compose down`` and its stop
        grace period; a fresh client, as the interrupted call may have left the old one mid-request.
        Twice when the first round found something: a ``compose up`` killed mid-way may have had a
        create in flight. When the removal is not done within ``within`` s and the run's reaper
        watches it, the connection to the reaper is dropped (no BYE), so the reaper removes what is
        left while the runner goes on; the returned note says so ("" when everything is gone)."""
        outcome: dict[str, Any] = {}

        def remove() -> None:
            client = None
            try:
                client = engine_client()
                for _ in range(2):
                    if not sweep(client, self.run_id).total:
                        break
                outcome["left"] = leftovers(client, self.run_id)
            except Exception as exc:  # noqa: BLE001 - raised below, in the caller's thread
                outcome["error"] = exc
            finally:
                if client is not None:
                    client.close()

        worker = threading.Thread(target=remove, name="abandon", daemon=True)
        worker.start()
        worker.join(within if self.reaper is not None else None)  # without a reaper, nobody else would
        if worker.is_alive() and self.reaper is not None:
            self.reaper.close()
            self.reaper = None
            return f"the run's reaper is removing what is left of the stack (not done within {within:.1f}s)"
        if "error" in outcome:
            raise outcome["error"]
        left = outcome.get("left")
        if left is None:
            raise TeardownError(f"run {self.run_id}: the removal ended without saying what is left")
        if left.total:
            raise TeardownError(f"run {self.run_id} left {left.containers + left.networks + left.volumes}")
        self._release_reaper()
        return ""

    def _release_reaper(self) -> None:
        if self.reaper is not None:
            self.reaper.release()
            self.reaper = None

    def close(self) -> None:
        if self.reaper is not None:  # not released: the stack may still exist, the reaper sweeps it
            self.reaper.close()
        self.client.close()
