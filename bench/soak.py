"""Soak the reference replica: does its fast failover timing fail over when nothing failed?

    python bench/soak.py [--minutes 10] [--burn 1] [--variant NAME]

Brings the replica up (warm images), then for the given time keeps one core busy (``--burn N``:
N processes spinning in a loop, pinned to the last N cores, niced 0 like the stack) and the stack
under a drill's traffic (the integration tests' journeys through the edge: chat every 100 ms,
login every 250 ms, devtools every 500 ms; each a closed loop, so a slow answer delays the
next), with no fault at all. Counts at the end:

    leader changes       Patroni's /history on the final primary: every timeline switch is a
                         promotion, so a clean soak has none (the bootstrap timeline is 1)
    demotions            "demot" in either node's Patroni log (a leader that gave up its lock)
    failsafe calls       the primary kept going through DCS Failsafe Mode (POST /failsafe) while
                         etcd did not answer in time: a DCS stall survived, not a failover
    etcd elections       "elected leader" lines past the bring-up's first election in any etcd log
    slow etcd syncs      "sync duration of" warnings (the disk stalled etcd's WAL)
    failed requests      client-visible failures of the traffic above, per capability

The issue's bar: 0 leader changes and 0 demotions over 10 minutes with the other core loaded.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import docker

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from drills.adapters import ComposeProject  # noqa: E402
from drills.setup.replica_images import build_images  # noqa: E402
from replica_helpers import Journeys, patroni_history, spin  # noqa: E402


def traffic(name: str, every: float, call: Callable[[], None], stop: threading.Event,
            counts: dict[str, list[int]]) -> None:  # fmt: skip
    ok_fail = counts.setdefault(name, [0, 0])
    next_t = time.monotonic()
    while not stop.is_set():
        try:
            call()
            ok_fail[0] += 1
        except Exception:  # noqa: BLE001 - any failure a user would see counts
            ok_fail[1] += 1
        next_t += every
        stop.wait(max(0.0, next_t - time.monotonic()))


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--burn", type=int, default=1, help="cores kept busy meanwhile (default 1)")
    ap.add_argument("--variant", help="a fixtures/variants/NAME.yml on top of the reference replica")
    args = ap.parse_args()
    client = docker.from_env(timeout=60)
    build_images(client, REPO, progress=lambda line: None)
    files = ["docker-compose.yml"] + ([f"fixtures/variants/{args.variant}.yml"] if args.variant else [])
    name = f"drills-soak-{uuid.uuid4().hex[:8]}"
    project = ComposeProject(name, files, {"DRILLS_RUN_ID": name}, REPO, client=client)
    cores = os.cpu_count() or 1
    burners = [multiprocessing.Process(target=spin, args=(cores - 1 - i if cores > i else None,), daemon=True)
               for i in range(args.burn)]  # fmt: skip
    stop = threading.Event()
    counts: dict[str, list[int]] = {}
    try:
        started = time.monotonic()
        project.up(wait=True)
        print(f"up in {time.monotonic() - started:.1f}s; soaking {args.minutes:g} min with {args.burn} core(s) busy",
              file=sys.stderr, flush=True)  # fmt: skip
        j = Journeys.of(project)  # one journey each: chat sends and reads back, login logs in and
        calls: dict[str, tuple[float, Callable[[], None]]] = {  # verifies, devtools writes a config
            "chat": (0.1, j.chat), "login": (0.25, j.login), "devtools": (0.5, j.devtools),  # and a deploy
        }
        for b in burners:
            b.start()
        threads = [threading.Thread(target=traffic, args=(k, every, call, stop, counts), daemon=True)
                   for k, (every, call) in calls.items()]  # fmt: skip
        for t in threads:
            t.start()
        end = time.monotonic() + args.minutes * 60
        while time.monotonic() < end:
            time.sleep(min(30.0, max(0.0, end - time.monotonic())))
            done = {k: f"{v[0]} ok/{v[1]} failed" for k, v in counts.items()}
            print(f"  {int(time.monotonic() - started)}s: {done}", file=sys.stderr, flush=True)
        stop.set()
        for t in threads:
            t.join(timeout=10)
        for b in burners:
            b.terminate()
        by_service = {c.labels.get("com.docker.compose.service", c.name): c for c in project.containers()}
        logs = {s: c.logs().decode(errors="replace") for s, c in by_service.items()}
        pg = [s for s in by_service if by_service[s].labels.get("org.drills.role") == "datastore"]
        timelines = max((len(patroni_history(by_service[s]) or []) for s in pg), default=0)
        rows: list[tuple[str, object]] = [
            ("leader changes (timeline switches)", timelines),
            ("demotions (Patroni logs)", sum(len(re.findall(r"demot", logs[s])) for s in pg)),
            ("failsafe calls survived", sum(len(re.findall(r"because failsafe mode is enabled", logs[s])) for s in pg)),
            ("etcd elections after bring-up",
             sum(max(0, len(re.findall(r"elected leader", v)) - 1) for s, v in logs.items() if s.startswith("etcd"))),
            ("slow etcd WAL syncs", sum(len(re.findall(r"sync duration of", v)) for s, v in logs.items()
                                        if s.startswith("etcd"))),
        ]  # fmt: skip
        for k, (good, bad) in counts.items():
            rows.append((f"failed requests {k}", f"{bad} of {good + bad}"))
    finally:
        stop.set()
        for b in burners:
            if b.is_alive():
                b.terminate()
        project.down()
    print(f"\nsoak: {args.minutes:g} min, {args.burn} core(s) busy, variant {args.variant or 'none'}")
    for label, value in rows:
        print(f"  {label:<38}{value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
