"""exec: a command run inside the running container of a compose service in one site, as an operator
with a shell on that machine would (``docker exec``).

    exec patronictl failover --force in devtools-b (site b)

The command is an argument list, never a shell string. The action succeeds when the command exits
with ``expect_exit``; its exit code and last output lines are recorded either way. A container that
is missing or not running (its site lost power), an engine error or no answer within ``timeout``
fails the action with one line saying which (:mod:`drills.adapters.container_exec`).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from drills.actions.base import ActionContext, ActionOutcome, ActionType, params_of, register
from drills.errors import ExecError
from drills.model.fields import Fields
from drills.model.scenario import ActionReach, ActionSpec
from drills.model.schema_parts import JsonSchema, duration, integer, string

OUTPUT_LINES = 10  # the last lines of output kept in the timeline record
LINE_CHARS = 200  # each cut to this many characters


@dataclass(frozen=True)
class ExecAction:
    site: str
    service: str  # as written (a service name or a capability)
    resolved: str  # the compose service it resolved to in that site
    command: tuple[str, ...]
    timeout: float = 30.0
    expect_exit: int = 0

    def describe(self) -> str:
        return f"exec {shlex.join(self.command)} in {self.resolved} (site {self.site})"

    def limit(self) -> float:
        return self.timeout

    def reach(self) -> ActionReach:
        return ActionReach("service", self.resolved, self.site)


def build(fields: Fields) -> ExecAction:
    site = fields.site(fields.get("site"), "site")
    resolved = fields.service(fields.get("service"), site, "service")
    timeout = fields.duration("timeout", ExecAction.timeout)
    if timeout <= 0:
        raise fields.fail("must be > 0s", "timeout")
    return ExecAction(site=site, service=str(fields.get("service")), resolved=resolved,
                      command=tuple(str(a) for a in fields.get("command")), timeout=timeout,
                      expect_exit=int(fields.get("expect_exit", 0)))  # fmt: skip


def last_lines(text: str, n: int = OUTPUT_LINES) -> tuple[str, ...]:
    """The last ``n`` non-blank lines of ``text``, each at most LINE_CHARS long (cut with ``...``)."""
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()][-n:]
    return tuple(ln if len(ln) <= LINE_CHARS else ln[: LINE_CHARS - 3] + "..." for ln in lines)


class ExecCall:
    def __init__(self, spec: ActionSpec) -> None:
        self.spec = spec
        self.params = params_of(spec, ExecAction)

    def perform(self, ctx: ActionContext) -> ActionOutcome:
        p = self.params
        try:
            done = ctx.containers.run(p.resolved, p.site, p.command, p.timeout)
        except ExecError as exc:
            return ActionOutcome(False, str(exc))
        lines = last_lines(done.output)
        if done.exit_code != p.expect_exit:
            said = f": {lines[-1]}" if lines else ""
            return ActionOutcome(False, f"exit code {done.exit_code} (expected {p.expect_exit}){said}",
                                 exit_code=done.exit_code, output=lines)  # fmt: skip
        return ActionOutcome(True, exit_code=done.exit_code, output=lines)


_FIELDS: dict[str, JsonSchema] = {
    "service": string("Compose service name, or a capability whose instance in that site runs the command."),
    "site": string("Site of that service's container (a site from the compose labels)."),
    "command": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "string"},
        "description": "The command and its arguments (a list: never a shell string).",
    },
    "timeout": duration("How long the command may run (default 30s)."),
    "expect_exit": integer("Exit code that means success (default 0).", minimum=0, maximum=255),
}

register(ActionType(
    name="exec",
    summary="Run a command inside the running container of a service in one site (`docker exec`); it must "
    "exit with `expect_exit`. Its exit code and last output lines are recorded. A container missing or not "
    "running, an engine error or no answer within `timeout` fails the action.",
    fields=_FIELDS,
    required=("service", "site", "command"),
    build=build,
    make=ExecCall,
))
