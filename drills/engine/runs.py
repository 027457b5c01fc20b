"""Run records: which drill runs are alive, so leftovers of killed ones can be swept.

Every run writes ``<state dir>/runs/<run id>.json`` (pid, host, kind, compose
files, its bundle and scenario) when it starts and removes it after teardown. A run is *stale*
when its record names a process on this host that no longer exists. ``drill run``
sweeps stale runs before it starts; ``drill sweep`` does it on demand
(``--all`` also removes runs with no record, e.g. a stack from ``drill up``). Any ``drill``
command finalises the bundle of a stale run (drills/report/finalise.py).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

__all__ = ["RunRecord", "is_stale", "new_run_id", "records", "register", "state_dir", "unfinalised", "unregister"]


def _host() -> str:
    """This machine's host name (``socket.gethostname()`` without importing socket: every command
    reads the run records at start-up)."""
    return os.uname().nodename


def state_dir() -> Path:
    explicit = os.environ.get("DRILLS_STATE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_STATE_HOME") or Path("~/.local/state").expanduser()) / "drills"


def new_run_id(scenario_name: str, now: datetime | None = None) -> str:
    """``<scenario slug>-<utc time>-<4 hex>``: unique, sortable, and valid as a Compose project name."""
    import uuid  # here, not at the top: it imports platform, ~3 ms that every command would pay

    slug = re.sub(r"[^a-z0-9]+", "-", scenario_name.lower()).strip("-")[:40] or "drill"
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S")
    return f"{slug}-{stamp}-{uuid.uuid4().hex[:4]}"


@dataclass(frozen=True)
class RunRecord:
    run_id: str
    project: str
    pid: int
    host: str
    kind: str  # run | up
    files: tuple[str, ...]
    started_utc: str
    bundle: str = ""  # the run's evidence bundle (absolute), "" for `drill up`
    scenario: str = ""  # the scenario file it plays
    stack: dict[str, object] = field(default_factory=dict)  # `drill up`: the state a reuse must find again


def _path(run_id: str) -> Path:
    return state_dir() / "runs" / f"{run_id}.json"


def register(
    run_id: str, project: str, kind: str, files: list[str], *, bundle: str = "", scenario: str = "",
    stack: dict[str, object] | None = None,
) -> RunRecord:
    rec = RunRecord(run_id, project, os.getpid(), _host(), kind, tuple(files),
                    datetime.now(UTC).isoformat(), bundle, scenario, dict(stack or {}))  # fmt: skip
    path = _path(run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(rec), indent=1))
    return rec


def unregister(run_id: str) -> None:
    _path(run_id).unlink(missing_ok=True)
    _path(run_id).with_suffix(".lock").unlink(missing_ok=True)  # a `drill up` stack's reuse lock


def records() -> dict[str, RunRecord]:
    out = {}
    for path in sorted((state_dir() / "runs").glob("*.json")):
        try:
            data = json.loads(path.read_text())
            data["files"] = tuple(data.get("files", ()))
            known = set(RunRecord.__dataclass_fields__)
            out[data["run_id"]] = RunRecord(**{k: v for k, v in data.items() if k in known})
        except (ValueError, KeyError, TypeError):
            continue  # a half-written record of a crashed run: its resources are swept by --all
    return out


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def unfinalised() -> list[RunRecord]:
    """Records of killed runs whose bundle has a timeline but no result yet (drills/report/finalise.py
    finalises them). Cheap - a few small files read, no engine, no heavy import - as every command
    asks."""
    out = []
    for rec in records().values():
        if not rec.bundle or not is_stale(rec):
            continue
        bundle = Path(rec.bundle)
        if (bundle / "timeline.jsonl").is_file() and not (bundle / "result.json").exists():
            out.append(rec)
    return out


def is_stale(rec: RunRecord) -> bool:
    """A ``run`` whose process on this host is gone. ``up`` stacks are the user's: never stale."""
    return rec.kind == "run" and rec.host == _host() and not _alive(rec.pid)
