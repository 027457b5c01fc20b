"""Benchmark of the reference replica: bring-up, idle memory, failover time, acknowledged loss.

    python bench/replica.py [--cuts 3]

Prints one table. Bring-up is `docker compose up -d --wait` with the images already built:
"cold" is the first up, "warm" the second (after a full down). Idle memory sums the memory usage
(`docker stats --no-stream` semantics: usage minus page cache) of every container of the stack.
Idle CPU is the whole machine's busy share (/proc/stat: everything but idle and iowait, over all
cores) for 30 s with the stack up and nothing calling it, and healthcheck execs per second the
rate Docker runs the containers' healthchecks then (from each container's last 5 probes): on a
2-core machine those execs were most of the idle cost (see fixtures/messenger-app/http-ok.sh).
`--idle-only` stops after these rows.
Failover is measured on a fresh stack per cut, alternating sites: from the start of the power cut
(links disabled, then every container of the site SIGKILLed) to the first successful journey
through the edge, per capability, probed every ~100 ms; the median over all cuts is reported,
and per cut site (site a always holds the primary when it is cut, site b the synchronous
standby), with the probe period as its resolution. A background writer sends a chat message every 100 ms
throughout each cut; every acknowledged one must be readable afterwards.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "integration"))

from drills.adapters import ComposeProject  # noqa: E402
from drills.setup.replica_images import build_images  # noqa: E402
from replica_helpers import ChatLedger, JourneyFailed, Journeys, cut_site, until_ok  # noqa: E402

PROBE_PERIOD_S = 0.1
BOUND_S = 60.0


def _timed(fn: Callable[[], None]) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def idle_memory_mib(client: Any, project: ComposeProject) -> float:
    def usage(container_id: str) -> int:
        stats = client.api.stats(container_id, stream=False)
        mem = stats.get("memory_stats", {})
        cache = mem.get("stats", {}).get("cache", mem.get("stats", {}).get("inactive_file", 0))
        return int(mem.get("usage", 0)) - int(cache)

    ids = [s.container_id for s in project.services() if s.status == "running"]
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        return sum(pool.map(usage, ids)) / 2**20


def cpu_busy_share(seconds: float) -> float | None:
    """The machine's busy CPU share (0-1) over ``seconds``, from /proc/stat; None off Linux."""

    def sample() -> list[int] | None:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except OSError:
            return None
        return [int(f) for f in fields]

    before = sample()
    time.sleep(seconds)
    after = sample()
    if before is None or after is None:
        return None
    delta = [b - a for a, b in zip(before, after, strict=True)]
    idle = delta[3] + delta[4]  # idle, iowait
    return 1.0 - idle / sum(delta) if sum(delta) else None


def healthcheck_execs_per_s(client: Any, project: ComposeProject) -> float:
    """How often Docker runs the stack's healthchecks: per container, the rate of its last probes."""
    from datetime import datetime

    def at(stamp: str) -> float:  # RFC 3339 with nanoseconds; keep microseconds for fromisoformat
        head, _, frac = stamp.rstrip("Z").partition(".")
        digits = "".join(ch for ch in frac if ch.isdigit())[:6]
        return datetime.fromisoformat(f"{head}.{digits or '0'}").timestamp()

    total = 0.0
    for c in client.containers.list(filters={"label": f"com.docker.compose.project={project.name}"}):
        probes = ((c.attrs.get("State") or {}).get("Health") or {}).get("Log") or []
        starts = sorted(at(p["Start"][:26] + "Z") for p in probes)
        if len(starts) >= 2 and starts[-1] > starts[0]:
            total += (len(starts) - 1) / (starts[-1] - starts[0])
    return total


def first_success(journey: Callable[[], None], t0: float, out: dict[str, float], name: str) -> None:
    deadline = t0 + BOUND_S
    while time.monotonic() < deadline:
        try:
            journey()
            out[name] = time.monotonic() - t0
            return
        except (JourneyFailed, requests.RequestException):
            time.sleep(PROBE_PERIOD_S)


def one_cut(client: Any, site: str) -> tuple[dict[str, float], int, int]:
    project = ComposeProject(f"drills-bench-{uuid.uuid4().hex[:8]}", repo_root=REPO, client=client)
    try:
        project.up()
        journeys = Journeys.of(project)
        for j in journeys.by_name().values():
            until_ok(j, within_s=20)
        with ChatLedger(journeys, journeys.admin_token()) as ledger:
            time.sleep(1.0)
            t0 = time.monotonic()
            cut_site(project, site)
            out: dict[str, float] = {}
            threads = [threading.Thread(target=first_success, args=(j, t0, out, n))
                       for n, j in journeys.by_name().items()]
            for t in threads:
                t.start()
            for t in threads:
                t.join(BOUND_S + 10)
            time.sleep(1.0)
        return out, len(ledger.acked), len(ledger.lost())
    finally:
        project.down()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=3, help="power cuts, alternating a, b (>= 3)")
    parser.add_argument("--idle-only", action="store_true", help="bring-up, idle memory and CPU only: no cuts")
    args = parser.parse_args()
    client = docker.from_env(timeout=60)
    build_images(client, REPO, progress=lambda line: None)

    project = ComposeProject(f"drills-bench-{uuid.uuid4().hex[:8]}", repo_root=REPO, client=client)
    try:
        cold = _timed(project.up)
        project.down()
        warm = _timed(project.up)
        time.sleep(5.0)
        memory = idle_memory_mib(client, project)
        time.sleep(15.0)  # every container past its first passing check
        busy = cpu_busy_share(30.0)
        execs = healthcheck_execs_per_s(client, project)
    finally:
        project.down()
    rows = [
        ("cold bring-up (first up, images built)", f"{cold:.1f} s"),
        ("warm bring-up (second up)", f"{warm:.1f} s"),
        ("idle memory, whole stack", f"{memory:.0f} MiB"),
        ("idle CPU, whole machine (30 s)", "-" if busy is None else f"{busy:.0%} of {os.cpu_count()} cores"),
        ("healthcheck execs per second, idle", f"{execs:.1f}"),
    ]
    if args.idle_only:
        print_rows(rows)
        return 0

    per_cap: dict[str, dict[str, list[float]]] = {c: {"a": [], "b": []} for c in ("chat", "login", "devtools")}
    acked = lost = 0
    for i in range(max(3, args.cuts)):
        site = "ab"[i % 2]
        times, n_acked, n_lost = one_cut(client, site)
        acked, lost = acked + n_acked, lost + n_lost
        for cap in per_cap:
            per_cap[cap][site].append(times.get(cap, float("inf")))
        print(f"cut {i + 1} (site {site}): " + ", ".join(f"{k} {v:.2f}s" for k, v in sorted(times.items())),
              file=sys.stderr)

    def med(values: list[float]) -> str:
        return f"{statistics.median(values):.2f} s" if values else "-"

    for cap, by_site in per_cap.items():
        both = by_site["a"] + by_site["b"]
        rows.append((f"failover {cap}: median of {len(both)} cuts",
                     (f"{med(both)}  (site a = primary: {med(by_site['a'])}; "
                      f"site b = standby: {med(by_site['b'])})")))
    rows.append(("probe period (RTO resolution)", f"{PROBE_PERIOD_S * 1000:.0f} ms"))
    rows.append(("acknowledged chat writes lost", f"{lost} of {acked}"))
    print_rows(rows)
    return 0 if lost == 0 else 1


def print_rows(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'metric':<{width}}  value")
    print(f"{'-' * width}  {'-' * 30}")
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
