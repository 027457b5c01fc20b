"""A command run inside the running container of one compose service in one domain (``docker exec``).

    ContainerExec(client, project).run(service, domain, argv, timeout) -> Executed(exit_code, output)

The container is found by labels (compose project, compose service, ``org.drills.domain``), never
by name. Whatever keeps the command from running raises :class:`drills.errors.ExecError`, one line
naming the service and the site: no such container, not running (with its state), the engine's
own error, no answer within the timeout. A command that ran and failed is not an error: its exit
code says so.

docker-py's ``exec_run`` waits for the answer with a ``poll()`` that has no timeout, so the call
runs in a daemon thread joined with the timeout; a command that hangs is left to its container
(removed at teardown).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import requests
from docker.errors import APIError, DockerException, NotFound

from drills.adapters import labels
from drills.errors import ExecError

__all__ = ["ContainerExec", "Executed"]


@dataclass(frozen=True)
class Executed:
    exit_code: int
    output: str  # stdout and stderr, interleaved as the engine sent them


class ContainerExec:
    """``docker exec`` in the containers of one Compose project (``client``: a docker SDK client)."""

    def __init__(self, client: Any, project: str) -> None:
        self.client, self.project = client, project

    def run(self, service: str, domain: str, argv: Sequence[str], timeout: float) -> Executed:
        where = f"exec in {service} (site {domain})"
        container = self._container(service, domain, where)
        answer: list[Executed] = []
        failure: list[ExecError] = []

        def call() -> None:
            try:
                code, raw = container.exec_run(list(argv), stdout=True, stderr=True)
                text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw or "")
                answer.append(Executed(int(code if code is not None else -1), text))
            except Exception as exc:  # noqa: BLE001 - translated below; this thread must not die silently
                error = _translate(where, exc)
                error.__cause__ = exc
                failure.append(error)

        worker = threading.Thread(target=call, name=f"exec {service}@{domain}", daemon=True)
        worker.start()
        worker.join(timeout)
        if failure:
            raise failure[0]
        if not answer:
            raise ExecError(f"{where}: no answer within {timeout:g}s (the command is left running in the container)")
        return answer[0]

    def _container(self, service: str, domain: str, where: str) -> Any:
        wanted = [f"{labels.COMPOSE_PROJECT}={self.project}", f"{labels.COMPOSE_SERVICE}={service}",
                  f"{labels.DOMAIN}={domain}"]  # fmt: skip
        try:
            found = list(self.client.containers.list(all=True, filters={"label": wanted}))
        except Exception as exc:  # every engine error becomes one ExecError line
            raise _translate(where, exc) from exc
        if not found:
            raise ExecError(f"{where}: no container of service {service} in site {domain} (project {self.project})")
        running = [c for c in found if c.status == "running"]
        if not running:
            states = ", ".join(sorted({str(c.status) for c in found}))
            raise ExecError(f"{where}: container not running ({states})")
        return running[0]


def _translate(where: str, exc: BaseException) -> ExecError:
    if isinstance(exc, NotFound):
        return ExecError(f"{where}: container gone ({exc.explanation or exc})")
    if isinstance(exc, APIError):
        return ExecError(f"{where}: {exc.explanation or exc}")
    if isinstance(exc, (DockerException, requests.RequestException)):
        return ExecError(f"{where}: the Docker engine did not answer ({type(exc).__name__}: {exc})")
    return ExecError(f"{where}: {type(exc).__name__}: {exc}")
