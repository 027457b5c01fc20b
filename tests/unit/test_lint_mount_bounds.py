"""The lint reads bind mounts boundedly: a mount of a large tree or a huge file costs it little.

A stack that bind-mounts a whole folder (its repository with a virtualenv, a home directory) once
kept `drill lint` walking and reading for minutes at 400 MB; it must look at a bounded number of
directory entries and bytes, whatever the mount holds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from drills.lint import files as files_module
from drills.lint.files import MAX_BYTES, MAX_ENTRIES, MAX_FILES, read_mount


def test_a_mount_of_a_large_tree_stops_walking_once_it_has_its_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for d in range(40):
        sub = tmp_path / f"d{d:02}" / "deeper"
        sub.mkdir(parents=True)
        for f in range(250):  # 10,000 files in 81 folders
            (sub / f"f{f:03}.txt").write_text("x\n")
    walked: list[str] = []
    real_walk = os.walk

    def counting_walk(top: str | os.PathLike[str]) -> Iterator[tuple[str, list[str], list[str]]]:
        for entry in real_walk(top):
            walked.append(entry[0])
            yield entry

    monkeypatch.setattr(files_module, "os", type("Os", (), {"walk": staticmethod(counting_walk)}))
    found = list(read_mount(str(tmp_path)))
    assert len(found) == MAX_FILES
    assert len(walked) == 3  # the mount, d00, d00/deeper (250 files): not the other 78 folders


def test_a_tree_of_folders_without_files_is_walked_up_to_max_entries(tmp_path: Path) -> None:
    for d in range(MAX_ENTRIES + 100):
        (tmp_path / f"e{d:05}").mkdir()
    assert list(read_mount(str(tmp_path))) == []  # and it returned: the walk stopped at MAX_ENTRIES


def test_a_huge_file_is_read_up_to_max_bytes_only(tmp_path: Path) -> None:
    big = tmp_path / "big.conf"
    with big.open("wb") as f:
        f.truncate(4 * 1024**3)  # a sparse 4 GiB file: reading it whole would take seconds and memory
    (mounted,) = list(read_mount(str(big)))
    assert mounted.path == big and not mounted.lines  # NUL bytes: no names in it
    assert MAX_BYTES == 256 * 1024
