"""Finalise the bundle of a run whose runner was killed.

A SIGKILLed runner leaves its bundle with the scenario (copied in at bring-up) and the timeline as
far as it got, but no result.json: ``drill verify`` would reject it and ``drill history`` would
not list it. Any later ``drill`` command (drills/cli/__init__.py) calls :func:`finalise_stale`:
for each run record whose process is gone and whose bundle has no result.json, it writes the
result - status ``killed``, the verdicts recomputed from the saved timeline (what it supports;
none when the checks cannot judge it), the phases the timeline shows - and the rest of the bundle
with its manifest. Its containers are the reaper's business (drills/adapters/reaper.py); the run
record stays until a sweep removed them (``drill run`` or ``drill sweep``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drills.engine import runs

__all__ = ["finalise", "finalise_stale"]


def finalise(rec: runs.RunRecord, now: datetime | None = None) -> Path:
    """Write the killed run's result and the rest of its bundle; returns the bundle."""
    from drills.model.result import DrillResult, phase_spans
    from drills.model.timeline import load_timeline
    from drills.report.bundle import write_bundle
    from drills.report.recompute import recompute_verdicts

    bundle = Path(rec.bundle)
    timeline, _ = load_timeline(bundle / "timeline.jsonl")
    header = timeline.header
    t0 = datetime.fromisoformat(header.t0_utc) if header is not None else datetime.fromisoformat(rec.started_utc)

    def utc(t: float) -> str:
        return (t0 + timedelta(seconds=t)).astimezone(UTC).isoformat()

    last_t = max((float(getattr(r, "t", 0.0)) for r in timeline.records), default=0.0)
    marks = [(p.phase, p.t) for p in timeline.phases()]
    spans = phase_spans(marks, last_t, utc)
    where = marks[-1][0] if marks else "start"
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    scenario_copy = bundle / "scenario.yaml"
    digest = hashlib.sha256(scenario_copy.read_bytes()).hexdigest() if scenario_copy.is_file() else ""
    base = DrillResult(
        run_id=header.run_id if header is not None else rec.run_id,
        scenario_name=header.scenario if header is not None else rec.run_id, scenario_path=rec.scenario,
        scenario_digest=digest, status="killed", started_utc=t0.isoformat(), ended_utc=utc(last_t), phases=spans,
        error=(f"the runner (pid {rec.pid}) was killed during {where}, its last record at t={last_t:.1f}s; "
               f"finalised from the saved timeline at {when}"),
    )  # fmt: skip
    result = recompute_verdicts(bundle, base).result or base
    source = Path(rec.scenario) if rec.scenario and Path(rec.scenario).is_file() else scenario_copy
    facts: dict[str, object] = {"finalised": {"by": "drill", "at": when, "runner_pid": rec.pid}}
    index = bundle / "topology" / "index.json"
    with contextlib.suppress(OSError, ValueError, AttributeError, KeyError, TypeError):  # kept at bring-up
        facts["provenance"] = json.loads(index.read_text(encoding="utf-8"))["provenance"]
    write_bundle(result, bundle / "timeline.jsonl", scenario_copy if scenario_copy.is_file() else source, bundle,
                 facts)
    return bundle


def finalise_stale(say: Callable[[str], None]) -> list[Path]:
    """Finalise every killed run's bundle; one line each through ``say``. Never raises: a bundle
    that cannot be finalised is reported and left for the next command."""
    done = []
    for rec in runs.unfinalised():
        try:
            done.append(finalise(rec))
            say(f"drill: run {rec.run_id} was killed (pid {rec.pid} gone); its bundle is finalised: {rec.bundle}/")
        except Exception as exc:  # noqa: BLE001 - the command the user asked for must still run
            say(f"drill: could not finalise killed run {rec.run_id} ({type(exc).__name__}: {exc})")
    return done
