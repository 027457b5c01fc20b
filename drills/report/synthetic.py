"""Synthetic drill runs: literal, realistic results and timelines for tests, the benchmark
and the browser check. Deterministic (seeded); no Docker, no clock.

    synthetic_run(duration=600, hz=10, ...) -> (DrillResult, list[Record])

The default story is the 2022 case: site a loses power at t=120 s; chat and login fail over
within seconds; devtools lives only in site a, so it stays down until the heal at t=420 s.
A second, short WAN outage at t=480 s blips chat. Then the way back: site a rejoins (phase
rejoin), the operator's failback to site a runs at the start of phase failback and returns
1.8 s later, and a steady-after window closes the run before verify.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from drills.model.result import DrillResult, Verdict, phase_spans
from drills.model.scenario import FAILBACK_ID
from drills.model.timeline import ActionEvent, FaultEvent, Header, Phase, Record, Sample

__all__ = ["T0_UTC", "synthetic_run", "write_jsonl"]

T0_UTC = "2026-11-28T02:00:00.000000+00:00"
_OUTAGES = {  # capability -> [(start, end)] of failed samples
    "chat": [(120.0, 126.5), (480.0, 484.0)],
    "login": [(120.0, 131.0)],
    "devtools": [(120.0, 420.0)],
}


def _utc(t: float) -> str:
    return (datetime.fromisoformat(T0_UTC) + timedelta(seconds=t)).astimezone(UTC).isoformat()


def synthetic_run(
    duration: float = 600.0, hz: float = 10.0, capabilities: tuple[str, ...] = ("chat", "login", "devtools"),
    status: str = "failed", seed: int = 7,
) -> tuple[DrillResult, list[Record]]:
    rnd = random.Random(seed)
    phase_starts = [("bringup", 0.0), ("steady", 30.0), ("fault", 120.0), ("heal", 420.0), ("rejoin", 485.0),
                    ("settle", 490.0), ("failback", 520.0), ("steady-after", 550.0), ("verify", duration - 20.0),
                    ("teardown", duration - 5.0)]
    records: list[Record] = [Header(run_id="run-20261128T020000Z-7f3a", scenario="site-a-power-cut", t0_utc=T0_UTC)]
    records += [Phase(t=t, phase=p) for p, t in phase_starts]
    records += [
        FaultEvent(t=120.0, action="inject", fault="cut-a", type="power_cut", target="site a"),
        FaultEvent(t=420.0, action="heal", fault="cut-a", type="power_cut", target="site a"),
        FaultEvent(t=480.0, action="inject", fault="wan-b", type="wan", target="edge_b_chat"),
        FaultEvent(t=484.0, action="heal", fault="*", type="heal_all", target="all"),
        ActionEvent(t=520.0, id=FAILBACK_ID, type="http", trigger="failback phase +0s",
                    what="POST /ops/failover through devtools (edge)", triggered_t=520.0, end=521.8, ok=True,
                    target=20.0, status=200),
    ]
    step = 1.0 / hz
    n = int(duration * hz)
    for cap in capabilities:
        outages = _OUTAGES.get(cap, [(120.0, 125.0)])
        for i in range(n):
            t = round(i * step + rnd.uniform(0, step / 4), 4)
            down = any(a <= t < b for a, b in outages)
            lat = 2.0 if down else max(0.002, rnd.gauss(0.03, 0.01))
            site = "" if down else ("b" if 120 <= t < 420 else rnd.choice("ab"))
            records.append(Sample(t=t, probe=cap, capability=cap, ok=not down, latency=round(lat, 4),
                                  error="timeout after 2s" if down else "", site=site))
    phases = phase_spans(phase_starts, duration, _utc)
    verdicts = (
        Verdict("dualization", "devtools", "fail",
                "devtools has no instance in site b: losing site a takes it down",
                target=2.0, measured=1.0, unit="count", comparison=">=",
                details={"findings": ["devtools has no instance in site b: losing site a takes it down"]}),
        Verdict("availability", "chat", "pass", "chat availability 97.8% >= target 95.0%",
                target=0.95, measured=0.978, unit="ratio", comparison=">=", details={"window_kind": "faults+settle"}),
        Verdict("rto_first", "chat", "pass", "chat first success 6.5s after cut-a <= target 30s",
                target=30.0, measured=6.5, unit="s", bound=0.1, comparison="<="),
        Verdict("availability", "login", "pass", "login availability 97.1% >= target 95.0%",
                target=0.95, measured=0.971, unit="ratio", comparison=">=", details={"window_kind": "faults+settle"}),
        Verdict("rto_stable", "login", "pass", "login stable 11.2s after cut-a <= target 30s",
                target=30.0, measured=11.2, unit="s", bound=0.1, comparison="<="),
        Verdict("availability", "devtools", "fail",
                "devtools availability 0.0% < target 95.0% (0/3000 samples ok, window 120.0s-420.0s)",
                target=0.95, measured=0.0, unit="ratio", comparison=">=",
                details={"ok": 0, "total": 3000, "window": [120.0, 420.0], "window_kind": "faults"}),
        Verdict("rto_first", "devtools", "fail", "devtools did not recover before the heal of cut-a (target 30s)",
                target=30.0, measured=None, unit="s", bound=0.1, comparison="<="),
        Verdict("rpo", "chat", "pass", "0 acknowledged chat writes lost (target 0)",
                target=0.0, measured=0.0, unit="count", comparison="<="),
        Verdict("split_brain", "chat", "unknown", "split brain unknown: no writes during a partition",
                unit="count", comparison="=="),
    )
    result = DrillResult(
        run_id="run-20261128T020000Z-7f3a", scenario_name="site-a-power-cut",
        scenario_path="scenarios/site-a-power-cut.yaml", scenario_digest="9f2c" * 16, status=status,  # type: ignore[arg-type]
        started_utc=_utc(0.0), ended_utc=_utc(duration), verdicts=verdicts, phases=phases,
        environment={"docker": "27.3.1", "compose": "2.29.7", "toxiproxy": "2.9.0",
                     "images": {"chat": "sha256:1b2c3d", "login": "sha256:4e5f6a"}},
        targets={"availability": 0.95, "rto_first": "30s", "rto_stable": "30s", "rpo": 0},
        description="Cut site a's power for 5 minutes; chat, login and devtools must stay up.",
    )
    return result, records


def write_jsonl(records: list[Record], path: object) -> None:
    import json
    from dataclasses import asdict
    from pathlib import Path

    Path(str(path)).write_text(
        "".join(json.dumps(asdict(r), separators=(",", ":"), sort_keys=True) + "\n" for r in records), encoding="utf-8"
    )
