"""The files a scenario names stay inside its repository.

A scenario file is often someone else's (a pull request, a shared drill): what it names is read
before anything runs, and its errors quote what was read. So:

    topology.compose   a path relative to the repo root (or absolute) that must lie inside the
                       repo root once ``..`` is collapsed: ``/etc/passwd`` or ``../../x.yml`` is
                       refused at the scenario's field, never read
    topology.variant   a *name* (letters, digits, ``.``, ``_``, ``-``; starting with a letter or
                       digit), meaning the file ``fixtures/variants/<name>.yml`` of the repo root;
                       ``../../x`` is not a name

The rule reads paths as written, without following symbolic links: a link inside the
repository is the repository's own (committed and reviewed like any file; a checkout whose
compose file is a link into a shared folder works), while a path out of it is the scenario's.

Lifecycle: :func:`confine_topology` is called by :mod:`drills.scenario.build` before the
topology is discovered; it raises ScenarioError through ``fail``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from drills.errors import ScenarioError
from drills.model.durations import shown
from drills.model.fields import FieldPath
from drills.scenario.discover import VARIANTS_DIR

__all__ = ["VARIANT_NAME", "confine_topology"]

VARIANT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")  # whole string: fullmatch

Fail = Callable[[FieldPath, str], ScenarioError]


def confine_topology(root: Path, compose: str, variant: str | None, fail: Fail,
                     overrides: tuple[str, ...] = ()) -> None:  # fmt: skip
    """Raise unless ``compose``, ``overrides`` and ``variant`` name files inside ``root`` (see the
    module docstring)."""
    named: list[tuple[FieldPath, str]] = [(("topology", "compose"), compose)]
    named += [(("topology", "overrides", i), o) for i, o in enumerate(overrides)]
    for field, path in named:
        if "\0" in path:
            raise fail(field, f"{shown(path)} is not a path: it holds a NUL character")
        base = Path(os.path.normpath(root.absolute()))
        where = Path(os.path.normpath(base / path))
        if where != base and not where.is_relative_to(base):
            raise fail(field, f"{shown(path)} is outside the repository ({root}): a scenario's compose files are "
                       "the repository's files")  # fmt: skip
    if variant and not VARIANT_NAME.fullmatch(variant):
        raise fail(("topology", "variant"), f"{shown(variant)} is not a variant name (letters, digits, . _ -; the "
                   f"file variants/<name>.yml next to the compose file, or {VARIANTS_DIR}/<name>.yml): a variant "
                   "is a name, not a path")  # fmt: skip
