"""What a plugin's builder reads: its own mapping of a scenario file, with positions for errors.

A fault, probe or check plugin turns its (already schema-valid) YAML mapping into its frozen
params dataclass through a :class:`Fields`, which knows where in the file that mapping is, so
every rule a plugin enforces fails with the file, the field path and the line:

    scenarios/x.yaml:7: faults[1].site: unknown site 'c' (sites in docker-compose.yml: a, b)

Lifecycle: made by the scenario builder (:mod:`drills.scenario.build`) for each plugin entry;
never kept after the model is built.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from drills.errors import ScenarioError
from drills.model.durations import parse_duration
from drills.model.topology import EDGE, Topology

__all__ = ["FieldPath", "Fields", "PathKey"]

PathKey: TypeAlias = str | int
FieldPath: TypeAlias = tuple[PathKey, ...]
OnError: TypeAlias = Callable[[FieldPath, str], ScenarioError]


@dataclass(frozen=True)
class Fields:
    data: Mapping[str, Any]
    path: FieldPath
    topology: Topology
    compose: str  # the compose file as the scenario names it (for messages)
    on_error: OnError

    def fail(self, rule: str, *keys: PathKey) -> ScenarioError:
        """An error at this mapping (or at ``keys`` below it), to be raised by the caller."""
        return self.on_error(self.path + keys, rule)

    def has(self, key: str) -> bool:
        return key in self.data

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def child(self, key: str) -> Fields:
        value = self.data.get(key) or {}
        return Fields(value, self.path + (key,), self.topology, self.compose, self.on_error)

    def duration(self, key: str, default: float) -> float:
        value = self.optional_duration(key)
        return default if value is None else value

    def optional_duration(self, key: str) -> float | None:
        if key not in self.data:
            return None
        try:
            return parse_duration(self.data[key])
        except ValueError as exc:
            raise self.fail(str(exc), key) from exc

    def site(self, value: object, *keys: PathKey, edge_ok: bool = False) -> str:
        """``value`` (found at ``keys``) as a site - or, with ``edge_ok``, any domain - of the topology."""
        name = str(value)
        known = list(self.topology.sites) + ([EDGE] if edge_ok else [])
        if name not in known:
            kind = "domain" if edge_ok else "site"
            raise self.fail(f"unknown {kind} '{name}' ({kind}s in {self.compose}: {', '.join(known) or 'none'})", *keys)
        return name

    def service(self, value: object, site: str, *keys: PathKey) -> str:
        """``value`` (found at ``keys``) as the compose service it names in ``site``: a service's name,
        or a capability, meaning that capability's one instance in that site."""
        want = str(value)
        local = self.topology.services_in(site)
        match = [s for s in local if s.name == want] or [s for s in local if s.capability == want]
        if len(match) != 1:
            names = ", ".join(s.name for s in local) or "none"
            why = "ambiguous" if match else "unknown"
            raise self.fail(f"{why} service '{want}' in site {site} (services there: {names})", *keys)
        return match[0].name
