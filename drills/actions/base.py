"""Operator actions: what a human does during an outage, performed the way that human would.

A scenario's ``actions:`` are steps an operator takes in the fault phase - e.g. activating the
standby through devtools once chat has been down for 5 s. Each is performed through a tool, as
the operator would reach it: an HTTP call to a capability (as the admin user), or a command run
inside a named service's container. If the tool lived in the site that lost power, the action
fails: that is the finding (the 2022 outage lasted days because the tools to switch over burned
with their site), never a crash.

One module per action type, each holding its params dataclass (``describe()``, ``limit()``), its
JSON-Schema fields, its builder from the scenario's YAML (enforcing the rules that need the
topology) and the class that performs it; it ends with ``register(ActionType(...))``. The package
imports every module in it, so a new action type is one new file.

    Action.perform(ctx) -> ActionOutcome    never raises for a failure of the tool: an unreachable
                                            service, a wrong status, a container that is not
                                            running are an outcome with ``ok=False`` and a
                                            one-line ``error`` (the runner records it; a raise
                                            is recorded too, as a failed action)
    Prepares.prepare(ctx)                   optional: called once when the fault phase starts,
                                            before anything is due (e.g. the http type's early
                                            login); returns at once, its work in a thread of its own

``ActionContext`` is what an action may reach: the capabilities' entry points (the edge's, and
each site's own) and ``docker exec`` in the run's containers (:class:`ContainerRunner`). The
runner (drills/engine/actions.py) decides when an action is due, runs it in a thread of its own
and appends its timeline record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable

from drills.model.fields import Fields
from drills.model.registry import add_unique, typed_params
from drills.model.scenario import ActionParams, ActionSpec
from drills.model.schema_parts import JsonSchema

if TYPE_CHECKING:  # the Docker SDK behind it is imported only by a run, not by loading a scenario
    from drills.adapters.container_exec import Executed

__all__ = [
    "ACTION_TYPES",
    "Action",
    "ActionContext",
    "ActionOutcome",
    "ActionType",
    "ContainerRunner",
    "Prepares",
    "make_action",
    "params_of",
    "register",
]

P = TypeVar("P")


class ContainerRunner(Protocol):
    """Runs a command in the running container of a compose service in a site
    (:class:`drills.adapters.container_exec.ContainerExec`); ExecError when it cannot."""

    def run(self, service: str, domain: str, argv: Sequence[str], timeout: float) -> Executed: ...


@dataclass(frozen=True)
class ActionContext:
    """What an action may reach while the drill runs."""

    endpoints: Mapping[str, str]  # capability -> the edge's entry URL
    site_endpoints: Mapping[str, Mapping[str, str]]  # site -> capability -> that site's own entry URL
    containers: ContainerRunner


@dataclass(frozen=True)
class ActionOutcome:
    """What an action did: ``ok``, else ``error`` (one line); what its tool answered, when it did."""

    ok: bool
    error: str = ""
    status: int | None = None  # HTTP status
    exit_code: int | None = None  # a command's exit code
    output: tuple[str, ...] = field(default_factory=tuple)  # a command's last output lines


class Action(Protocol):
    spec: ActionSpec

    def perform(self, ctx: ActionContext) -> ActionOutcome: ...


@runtime_checkable
class Prepares(Protocol):
    """An action with something to do when the fault phase starts (see the module docstring)."""

    def prepare(self, ctx: ActionContext) -> None: ...


@dataclass(frozen=True)
class ActionType:
    """Everything drills knows about one action type (see the module docstring)."""

    name: str  # the scenario's ``type``
    summary: str  # what it does, in plain words (docs, ``drill reference``)
    fields: dict[str, JsonSchema]  # JSON Schema of its own fields (besides id, type, at, when, target)
    required: tuple[str, ...]
    build: Callable[[Fields], ActionParams]  # schema-valid mapping -> params; raises ScenarioError
    make: Callable[[ActionSpec], Action]  # the performer of one scheduled action


ACTION_TYPES: dict[str, ActionType] = {}


def register(action_type: ActionType) -> ActionType:
    return add_unique(ACTION_TYPES, action_type.name, action_type, "action type")


def params_of(spec: ActionSpec, kind: type[P]) -> P:
    """``spec.params`` as the ``kind`` its action type builds (TypeError: a spec built for another type)."""
    return typed_params("action", spec.id, spec.params, kind)


def make_action(spec: ActionSpec) -> Action:
    """The performer of ``spec``; ValueError naming the registered types for an unknown one."""
    try:
        action_type = ACTION_TYPES[spec.type]
    except KeyError:
        raise ValueError(f"unknown action type {spec.type!r} (allowed: {', '.join(sorted(ACTION_TYPES))})") from None
    return action_type.make(spec)
