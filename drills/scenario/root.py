"""Where a checkout lives: the one rule for finding the directory relative paths resolve against.

A *repo root* is a directory holding a Compose file under one of the names Compose itself looks
for (``compose.yaml``, ``compose.yml``, ``docker-compose.yaml``, ``docker-compose.yml``): a stack
of your own in its own folder is its own root. Starting at a scenario file's
folder (or the working directory when there is none), the nearest such directory walking up
wins; without one, the installed package's parent when it holds one (an editable install);
else the working directory, so that errors name a path the user recognises.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["COMPOSE_FILE", "COMPOSE_NAMES", "default_compose", "repo_root"]

COMPOSE_FILE = "docker-compose.yml"
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")  # Compose's order


def default_compose(root: Path) -> str:
    """The compose file a scenario means when it names none: Compose's own default in ``root``."""
    return next((n for n in COMPOSE_NAMES if (root / n).is_file()), COMPOSE_FILE)


def _nearest(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if any((folder / name).is_file() for name in COMPOSE_NAMES):
            return folder
    return None


def repo_root(near: str | Path | None = None) -> Path:
    """The repo root for ``near`` (a scenario file or a folder), or for the working directory."""
    cwd = Path.cwd()
    if near is not None:
        start = Path(near).resolve()
        return _nearest(start if start.is_dir() else start.parent) or cwd
    package_parent = Path(__file__).resolve().parents[2]
    return _nearest(cwd) or (package_parent if (package_parent / COMPOSE_FILE).is_file() else cwd)
