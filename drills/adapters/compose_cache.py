"""Compose's answers kept on disk, so that validating unchanged files again needs no Compose call.

``docker compose config`` is most of what ``drill validate`` and ``drill lint`` cost (about 0.1-0.3 s
of a 0.5 s command here: the docker CLI starts, starts the Compose plugin for its metadata, then
again for the answer). Its answer is decided by the files and their bytes, the project directory's
``.env``, the variables the files name (and COMPOSE_* / DOCKER_*), and the Compose that answers.
:class:`ConfigReader <drills.adapters.compose_config.ConfigReader>` keys a stored answer by all
of them; this module stores it:

    store_key(parts)    sha256 of the key parts, with :func:`compose_identity`; None when the
                        identity is unknown (then nothing is stored or read)
    DiskStore           get(key) -> the stored answer or None; put(key, answer), atomic; at most
                        MAX_ENTRIES answers (the oldest removed first)

compose_identity: the ``docker`` CLI on PATH and the Compose plugin it would run (the first
``docker-compose`` in Docker's plugin directories), each as path, size and modification time: an
upgrade of either changes every key. Only answers Compose gave without error are stored; files
that pull in other files (``extends``, ``include``) or read env files (``env_file``) are never
stored, since what decides their answer is not all in the key.

Where: ``$DRILLS_CACHE_DIR`` (``off`` or empty: no store), else ``$XDG_CACHE_HOME/drills``, else
``~/.cache/drills``; answers under ``compose-config/``. Deleting the directory is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["MAX_ENTRIES", "DiskStore", "cache_dir", "compose_identity", "store_key"]

MAX_ENTRIES = 64
FORMAT = 1  # of a stored answer; a new format ignores the old ones
PLUGIN_DIRS = (
    "/usr/local/lib/docker/cli-plugins", "/usr/local/libexec/docker/cli-plugins",
    "/usr/lib/docker/cli-plugins", "/usr/libexec/docker/cli-plugins",
)  # fmt: skip


def cache_dir() -> Path | None:
    explicit = os.environ.get("DRILLS_CACHE_DIR")
    if explicit is not None:
        return None if explicit.strip() in ("", "off") else Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(base) / "drills"


def _stat(path: Path) -> str:
    st = path.stat()
    return f"{path}:{st.st_size}:{st.st_mtime_ns}"


def compose_identity() -> str | None:
    """The docker CLI and its Compose plugin, as path:size:mtime each; None when either is not found."""
    docker = shutil.which("docker")
    if docker is None:
        return None
    config = Path(os.environ.get("DOCKER_CONFIG") or Path("~/.docker").expanduser())
    for folder in (config / "cli-plugins", *map(Path, PLUGIN_DIRS)):
        plugin = folder / "docker-compose"
        if plugin.is_file():
            try:
                return f"{_stat(Path(docker).resolve())};{_stat(plugin.resolve())}"
            except OSError:
                return None
    return None


def store_key(parts: Any, identity: str | None) -> str | None:
    if identity is None:
        return None
    text = json.dumps([FORMAT, identity, parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class DiskStore:
    """Answers as JSON files named by their key; the directory is read from the environment on each
    call (tests point it elsewhere after import)."""

    def _folder(self) -> Path | None:
        base = cache_dir()
        return None if base is None else base / "compose-config"

    def get(self, key: str) -> dict[str, Any] | None:
        folder = self._folder()
        if folder is None:
            return None
        path = folder / f"{key}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):  # unreadable or torn: forget it, ask Compose again
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data if isinstance(data, dict) and data.get("format") == FORMAT else None

    def put(self, key: str, answer: dict[str, Any]) -> None:
        """Store ``answer``; a store that cannot be written is no error (the next call asks Compose)."""
        folder = self._folder()
        if folder is None:
            return
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**answer, "format": FORMAT}, fh)
            Path(tmp).replace(folder / f"{key}.json")
            entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
            for old in entries[:-MAX_ENTRIES]:
                old.unlink()
        except OSError:
            return
