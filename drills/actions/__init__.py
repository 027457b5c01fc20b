"""Action types: every module of this package registers one (see base.py).

    ACTION_TYPES   name -> ActionType (params, schema fields, builder, performer)
    make_action    ActionSpec -> the Action that performs it
"""

from __future__ import annotations

import importlib
import pkgutil

from drills.actions.base import (
    ACTION_TYPES,
    Action,
    ActionContext,
    ActionOutcome,
    ActionType,
    ContainerRunner,
    Prepares,
    make_action,
    register,
)

__all__ = [
    "ACTION_TYPES",
    "Action",
    "ActionContext",
    "ActionOutcome",
    "ActionType",
    "ContainerRunner",
    "Prepares",
    "make_action",
    "register",
]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
