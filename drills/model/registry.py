"""What every plugin registry shares: refuse a second plugin of the same name, and hand a plugin
back the params its own builder made (a spec's ``params`` field is typed as the union of all)."""

from __future__ import annotations

from typing import Any, TypeVar

__all__ = ["add_unique", "typed_params"]

T = TypeVar("T")
P = TypeVar("P")


def add_unique(registry: dict[str, T], name: str, item: T, what: str) -> T:
    """Put ``item`` in ``registry`` under ``name``; ValueError when ``name`` is already taken."""
    if name in registry:
        raise ValueError(f"{what} {name!r} is registered twice")
    registry[name] = item
    return item


def typed_params(what: str, spec_id: str, params: Any, kind: type[P]) -> P:
    """``params`` as the ``kind`` its type builds; TypeError naming ``what spec_id`` for a spec
    built for another type (a bug, never bad input: the loader builds params by type)."""
    if not isinstance(params, kind):
        raise TypeError(f"{what} {spec_id}: params are {type(params).__name__}, not {kind.__name__}")
    return params
