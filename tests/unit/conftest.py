"""Unit tests never touch the user's run records or caches: every test gets its own DRILLS_STATE_DIR
and DRILLS_CACHE_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DRILLS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("DRILLS_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "state"
