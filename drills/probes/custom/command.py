"""command: an argument list, run without a shell, must exit 0 within the timeout."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from drills.model.fields import Fields
from drills.probes.base import Outcome, ProbeType, register_probe_type


@dataclass(frozen=True)
class CommandParams:
    argv: tuple[str, ...]


def build(fields: Fields) -> CommandParams:
    return CommandParams(argv=tuple(str(a) for a in fields.get("argv")))


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


def make(name: str, capability: str, params: Any, endpoints: dict[str, str], timeout: float) -> CommandProbe:
    if not isinstance(params, CommandParams):
        raise TypeError(f"probe {name}: params are {type(params).__name__}, not CommandParams")
    return CommandProbe(name, capability, params.argv, timeout)


register_probe_type(ProbeType(
    name="command",
    summary="A command (an argument list, run without a shell) must exit 0 within the timeout.",
    fields={
        "argv": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "string"},
            "description": "The command and its arguments.",
        },
    },
    required=("argv",),
    build=build,
    make=make,
))
