"""The exception tree of drills, and the exit code each branch maps to.

    DrillsError                      (base; never raised directly)
    ├── InvalidInput                 exit 2: nothing was started
    │   ├── ScenarioError            a scenario file breaks a rule (file, field path, rule, line)
    │   └── UsageError               a bad command line (unknown file, unknown subcommand value)
    └── EnvironmentFailure           exit 3: the machine cannot run a drill
        ├── EngineUnavailable        no Docker engine answers
        ├── ComposeUnavailable       no Compose v2 (missing, or v1 found)
        ├── ImageError               an image could neither be pulled nor built
        ├── SetupError               an install step failed
        ├── TopologyError            the stack did not come up / become ready
        ├── FaultError               a fault or its heal could not be applied
        ├── ExecError                a command could not be run in a container (an operator
        │                            action records it as its failure: a finding, not a crash)
        └── TeardownError            resources of a run could not be removed

Lower-level errors (docker.errors.*, requests.*, subprocess failures) are
translated into this tree at the adapter boundary with ``raise ... from``, so
callers and the CLI only ever see these types. A failed *check* is not an
exception: it is a verdict (exit 1).

Exit codes of ``drill``: 0 passed; 1 a check failed; 2 invalid input, nothing started (also a
bad command line, from argparse); 3 the environment failed, including a file the command could
not read or write (an ``OSError`` the CLI reports in one line); 130 interrupted by SIGINT (Ctrl-C),
143 by SIGTERM (128 + the signal, the shell's convention; ``drill run`` abandons the run: its stack
is removed at once and its bundle written with status interrupted).
"""

from __future__ import annotations

__all__ = [
    "EXIT_CHECK_FAILED",
    "EXIT_ENVIRONMENT",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "ComposeUnavailable",
    "DrillsError",
    "EngineUnavailable",
    "EnvironmentFailure",
    "ExecError",
    "FaultError",
    "ImageError",
    "InvalidInput",
    "ScenarioError",
    "SetupError",
    "TeardownError",
    "TopologyError",
    "UsageError",
]

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_INVALID = 2
EXIT_ENVIRONMENT = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell's convention


class DrillsError(Exception):
    """Base of every error drills raises on purpose. ``str()`` is one line for the user."""

    exit_code: int = EXIT_ENVIRONMENT


class InvalidInput(DrillsError):
    exit_code = EXIT_INVALID


class ScenarioError(InvalidInput):
    """A scenario file breaks a rule. Renders as ``file:line: field.path: rule``."""

    def __init__(self, file: str, field: str, rule: str, line: int | None = None) -> None:
        self.file = file
        self.field = field
        self.rule = rule
        self.line = line
        where = f"{file}:{line}" if line is not None else file
        prefix = f"{where}: {field}: " if field else f"{where}: "
        super().__init__(prefix + rule)


class UsageError(InvalidInput):
    pass


class PluginError(InvalidInput):
    """A module named in DRILLS_PLUGINS could not be imported (or failed while registering)."""


class EnvironmentFailure(DrillsError):
    exit_code = EXIT_ENVIRONMENT


class EngineUnavailable(EnvironmentFailure):
    pass


class ComposeUnavailable(EnvironmentFailure):
    pass


class ImageError(EnvironmentFailure):
    pass


class SetupError(EnvironmentFailure):
    pass


class TopologyError(EnvironmentFailure):
    pass


class FaultError(EnvironmentFailure):
    pass


class ExecError(EnvironmentFailure):
    pass


class TeardownError(EnvironmentFailure):
    pass
