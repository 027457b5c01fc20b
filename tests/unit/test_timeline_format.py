"""The timeline's format version, its record kinds, and no record after close."""

from __future__ import annotations

import json
import typing
from dataclasses import asdict
from pathlib import Path

import pytest

from drills.model.timeline import (
    _KINDS,
    FORMAT,
    Header,
    ProbeStart,
    ReadBack,
    Record,
    Sample,
    TimelineClosed,
    TimelineWriter,
    read_timeline,
    record_to_dict,
)


def test_a_new_header_carries_the_format_and_an_old_one_reads_as_format_one(tmp_path: Path) -> None:
    assert Header("r", "s", "2026-11-28T02:00:00+00:00").format == FORMAT == 2
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps({"kind": "header", "run_id": "r", "scenario": "s", "t0_utc": "x"}) + "\n")
    header = read_timeline(old).header
    assert header is not None and header.format == 1


def test_probe_records_and_intended_times_round_trip(tmp_path: Path) -> None:
    records: list[Record] = [Header("r", "s", "x"), ProbeStart(1.0, "chat", "chat", 0.1, 2.0, 21),
               Sample(1.2, "chat", "chat", True, 0.05, intended=1.15)]  # fmt: skip
    with TimelineWriter(tmp_path / "t.jsonl") as tl:
        for r in records:
            tl.append(r)
    saved = read_timeline(tmp_path / "t.jsonl")
    assert list(saved.records) == records
    assert saved.probes("chat") == [records[1]] and saved.probes("login") == []
    assert saved.samples()[0].end == pytest.approx(1.25)


def test_a_record_appended_after_close_is_an_error_and_is_not_judged(tmp_path: Path) -> None:
    tl = TimelineWriter(tmp_path / "t.jsonl")
    tl.append(Header("r", "s", "x"))
    tl.close()
    with pytest.raises(TimelineClosed, match="sample record came too late"):
        tl.append(Sample(1.0, "chat", "chat", True, 0.01))
    assert tl.snapshot() == read_timeline(tmp_path / "t.jsonl")  # memory and file agree


def test_every_record_kind_is_flat_so_it_is_written_without_a_deep_copy() -> None:
    # record_to_dict copies no value: a record kind holding a dict, a list or another record would
    # share it with the written line; asdict, which copies, must give the same dict.
    for kind, cls in _KINDS.items():
        hints = typing.get_type_hints(cls)
        for name, hint in hints.items():
            text = str(hint)
            assert not any(x in text for x in ("dict", "list", "Sample", "Write")), f"{kind}.{name}: {text}"
    sample = Sample(1.2, "chat", "chat", False, 0.05, "HTTP 503", intended=1.15, via="a")
    read = ReadBack(3.0, "chat", "room", ("a-1", "a-2"), complete=False, error="x")
    for r in (sample, read, Header("r", "s", "x")):
        assert record_to_dict(r) == asdict(r)
