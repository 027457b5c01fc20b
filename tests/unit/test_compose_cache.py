"""Compose's answers on disk: a new reader (a new process) with the same store asks Compose only when
something that decides the answer changed - and never stores what it cannot key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drills.adapters import compose_cache
from drills.adapters.compose_cache import DiskStore, cache_dir
from drills.adapters.compose_config import ComposeRejected, ConfigReader
from tests.unit.test_discover_model import REPO, failing, recorded


def compose(tmp_path: Path, text: str = "services: {x: {image: '${TAG:-x}', profiles: [off]}}\n") -> Path:
    path = tmp_path / "docker-compose.yml"
    path.write_text(text)
    return path


def fresh(identity: str | None = "docker:1;compose:1") -> tuple[ConfigReader, list[tuple[str, ...]]]:
    """A reader as a new ``drill`` process has it: an empty in-process cache, the shared disk store."""
    host = recorded("repo-kakao-2022", REPO)
    return ConfigReader(host, store=DiskStore(), identity=lambda: identity), host.calls


def test_a_second_process_reads_the_stored_answer_and_gets_the_same_model(tmp_path: Path) -> None:
    path = compose(tmp_path)
    first, calls1 = fresh()
    model = first.read([path])
    assert len(calls1) == 2
    second, calls2 = fresh()
    assert second.read([path]) == model
    assert calls2 == []


def test_what_decides_the_answer_is_in_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = compose(tmp_path)
    fresh()[0].read([path])

    def asks() -> bool:
        reader, calls = fresh()
        reader.read([path])
        return bool(calls)

    assert not asks()
    monkeypatch.setenv("UNRELATED", "1")  # no file names it
    assert not asks()
    monkeypatch.setenv("TAG", "y")  # a file names it
    assert asks() and not asks()
    (tmp_path / ".env").write_text("TAG=z\n")
    assert asks() and not asks()
    path.write_text(path.read_text() + "# edited\n")
    assert asks() and not asks()
    other, calls = fresh(identity="docker:1;compose:2")  # Compose upgraded
    other.read([path])
    assert calls


@pytest.mark.parametrize("word", ["include", "extends", "env_file"])
def test_files_reading_other_files_are_never_stored(tmp_path: Path, word: str) -> None:
    path = compose(tmp_path, f"# {word}\nservices: {{x: {{image: x}}}}\n")
    fresh()[0].read([path])
    reader, calls = fresh()
    reader.read([path])
    assert calls, f"a file with {word} was answered from the store"


def test_nothing_is_stored_when_compose_cannot_be_identified_or_refuses(tmp_path: Path) -> None:
    path = compose(tmp_path)
    fresh(identity=None)[0].read([path])
    reader, calls = fresh(identity=None)
    reader.read([path])
    assert calls
    refusing = ConfigReader(failing("services.x Additional property nope is not allowed", 15), store=DiskStore(),
                            identity=lambda: "same")  # fmt: skip
    with pytest.raises(ComposeRejected):
        refusing.read([compose(tmp_path, "services: {x: {nope: 1}}\n")])
    folder = cache_dir()
    assert folder is not None
    assert len(list((folder / "compose-config").glob("*.json"))) == 0


def test_a_torn_entry_is_forgotten_and_compose_asked_again(tmp_path: Path) -> None:
    path = compose(tmp_path)
    fresh()[0].read([path])
    folder = cache_dir()
    assert folder is not None
    [entry] = (folder / "compose-config").glob("*.json")
    entry.write_text('{"config": ')
    reader, calls = fresh()
    reader.read([path])
    assert calls and entry.is_file() and entry.read_text().startswith("{")


def test_the_store_keeps_the_newest_entries_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compose_cache, "MAX_ENTRIES", 3)
    store = DiskStore()
    for i in range(5):
        store.put(f"k{i}", {"config": "{}", "names": None})
        folder = cache_dir()
        assert folder is not None
        os.utime(folder / "compose-config" / f"k{i}.json", ns=(i * 10**9, i * 10**9))
    assert store.get("k0") is None and store.get("k1") is None
    assert store.get("k4") == {"config": "{}", "names": None, "format": compose_cache.FORMAT}


def test_off_means_no_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLS_CACHE_DIR", "off")
    assert cache_dir() is None
    DiskStore().put("k", {"config": "{}"})
    assert DiskStore().get("k") is None
