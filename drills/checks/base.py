"""What a check is, and the registry every check module adds itself to.

A check module holds its targets dataclass (its defaults, and ``check = "<name>"``), the JSON
Schema of its entry under ``checks:``, its builder from YAML, the function that judges a timeline
(``CheckInput -> tuple[Verdict, ...]``), a plain-words summary, the label of each verdict it
produces, and the finding sentence a report shows when one fails; it ends with
``register(Check(...))``. The package imports every module in it, so a new check is one new file.

Scopes: ``capability`` checks judge each capability's samples, ``stream`` checks each write
stream's ledger, ``action`` checks each operator action's record (the subject is its id),
``site`` checks each site a power cut took down and the restore brought back (rejoin);
``topology`` checks (the dualization lint) judge the static topology before
anything runs and are not called by :func:`drills.checks.evaluate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from drills.checks.common import CheckInput
from drills.model.fields import Fields
from drills.model.registry import add_unique
from drills.model.result import Verdict
from drills.model.schema_parts import JsonSchema

__all__ = ["REGISTRY", "Check", "CheckFn", "Scope", "check_of_verdict", "register"]

CheckFn = Callable[[CheckInput], tuple[Verdict, ...]]
Scope = Literal["capability", "stream", "action", "site", "topology"]


def _no_targets(fields: Fields, base: Any) -> Any:
    return base


@dataclass(frozen=True)
class Check:
    name: str  # registry name, and the key of its targets under ``checks:``
    scope: Scope
    fn: CheckFn | None  # None for topology checks, which judge before anything runs
    summary: str = ""
    targets: type | None = None  # its params dataclass (None: it takes no targets)
    schema: JsonSchema | None = None  # JSON Schema of ``checks.<name>`` (None: not configurable)
    build: Callable[[Fields, Any], Any] = _no_targets  # (mapping holding ``<name>``, base params) -> params
    labels: dict[str, str] = field(default_factory=dict)  # verdict check name -> short label
    finding: Callable[[Verdict], str] | None = None  # plain-words headline of a verdict that did not pass

    @property
    def verdicts(self) -> tuple[str, ...]:
        """The ``Verdict.check`` names this check produces."""
        return tuple(self.labels) or (self.name,)


REGISTRY: dict[str, Check] = {}


def register(check: Check) -> Check:
    return add_unique(REGISTRY, check.name, check, "check")


def check_of_verdict(verdict_check: str) -> Check | None:
    """The registered check that produces verdicts named ``verdict_check`` (e.g. rto_first -> rto)."""
    return next((c for c in REGISTRY.values() if verdict_check in c.verdicts), None)
