"""What every plugin registry does when a plugin registers: refuse a second one of the same name."""

from __future__ import annotations

from typing import TypeVar

__all__ = ["add_unique"]

T = TypeVar("T")


def add_unique(registry: dict[str, T], name: str, item: T, what: str) -> T:
    """Put ``item`` in ``registry`` under ``name``; ValueError when ``name`` is already taken."""
    if name in registry:
        raise ValueError(f"{what} {name!r} is registered twice")
    registry[name] = item
    return item
