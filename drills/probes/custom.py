"""Probes a scenario declares itself: ``http`` (a URL must answer a status) and
``command`` (an argument list must exit 0 within the timeout).

URLs may name a capability's entry point in braces: ``{chat}/health`` becomes
``http://127.0.0.1:<published port>/health``.
"""

from __future__ import annotations

import subprocess
from typing import Sequence

import requests

from drills.probes.base import Outcome, register, short_error


@register("http")
class HttpProbe:
    def __init__(self, name: str, capability: str, url: str, endpoints: dict[str, str], timeout: float,
                 expect_status: int = 200) -> None:  # fmt: skip
        self.name, self.capability = name, capability
        self.url = url.format(**endpoints)
        self.timeout, self.expect = timeout, expect_status
        self.session = requests.Session()

    def sample(self) -> Outcome:
        try:
            resp = self.session.get(self.url, timeout=self.timeout)
        except requests.RequestException as exc:
            return Outcome(False, short_error(exc))
        if resp.status_code != self.expect:
            return Outcome(False, f"HTTP {resp.status_code}, expected {self.expect}")
        return Outcome(True)


@register("command")
class CommandProbe:
    def __init__(self, name: str, capability: str, argv: Sequence[str], timeout: float) -> None:
        self.name, self.capability = name, capability
        self.argv, self.timeout = list(argv), timeout

    def sample(self) -> Outcome:
        try:
            proc = subprocess.run(self.argv, capture_output=True, timeout=self.timeout, check=False)
        except FileNotFoundError:
            return Outcome(False, f"{self.argv[0]}: command not found")
        except subprocess.TimeoutExpired:
            return Outcome(False, "timeout")
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).decode(errors="replace").strip().splitlines()[-1:] or [""]
            return Outcome(False, f"exit {proc.returncode}: {tail[0][:120]}".strip())
        return Outcome(True)

