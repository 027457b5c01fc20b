"""The background write load against a tiny real messenger on 127.0.0.1, and its place in the run."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path

from drills.model.scenario import LoadSpec
from drills.model.timeline import Timeline, TimelineWriter
from drills.probes.load import WriteLoad
from tests.unit.engine_fakes import World, run_scenario, saved
from tests.unit.fakes_http import FakeMessenger, closed_port, serve
from tests.unit.test_lifecycle import BASE


def run_load(endpoints: dict[str, str], tmp_path: Path, seconds: float, spec: LoadSpec) -> tuple[WriteLoad, Timeline]:
    sink = TimelineWriter(tmp_path / "timeline.jsonl")
    stop = threading.Event()
    load = WriteLoad(endpoints, sink, time.monotonic, spec, 1.0, "run1", stop)
    load.start()
    time.sleep(seconds)
    stop.set()
    load.join(5)
    for rb in load.read_back():
        sink.append(rb)
    return load, sink.snapshot()


def test_every_write_is_in_the_ledger_with_its_state_and_every_room_is_read_back(tmp_path: Path) -> None:
    app = FakeMessenger(site="b", primary="pg-b@1")
    with serve(app) as url:
        load, tl = run_load({"chat": url, "login": url}, tmp_path, 0.5, LoadSpec(writers=2, rate=20))
    writes = tl.writes()
    assert {w.key for w in writes} == {"load-run1-w1", "load-run1-w2"}  # a room per writer
    assert all(w.acked and w.state == "acked" and w.primary == "pg-b@1" and w.stream == "chat" for w in writes)
    assert all(w.sent is not None and w.sent <= w.t for w in writes)
    # each writer at <= 20/s for 0.5 s: 10 or 11 writes (one at t=0), never a burst
    per_writer = [sum(1 for w in writes if w.key == k) for k in ("load-run1-w1", "load-run1-w2")]
    assert all(5 <= n <= 11 for n in per_writer), per_writer
    rbs = {rb.key: rb for rb in tl.readbacks()}
    assert set(rbs) == {"load-run1-w1", "load-run1-w2"} and all(rb.complete for rb in rbs.values())
    assert sorted(i for rb in rbs.values() for i in rb.ids) == sorted(w.id for w in writes)
    s = load.summary()
    assert (s["attempted"], s["acked"], s["failed"], s["unknown"]) == (len(writes), len(writes), 0, 0)


def test_the_writers_are_staggered_across_a_period_not_one_burst_per_period(tmp_path: Path) -> None:
    app = FakeMessenger(site="b", primary="pg-b@1")
    with serve(app) as url:
        load, tl = run_load({"chat": url, "login": url}, tmp_path, 0.5, LoadSpec(writers=4, rate=4))
    firsts = sorted(min(w.sent or 0.0 for w in tl.writes() if w.key == room) for room in load.rooms)
    gaps = [b - a for a, b in itertools.pairwise(firsts)]
    assert len(gaps) == 3 and all(0.03 < g < 0.12 for g in gaps), gaps  # 62.5 ms apart, not all at once


def test_refused_writes_are_failed_and_answerless_ones_unknown(tmp_path: Path) -> None:
    app = FakeMessenger(site="b", primary="pg-b@1")
    with serve(app) as url:  # logged in, then the chat service refuses the connection
        _, tl = run_load({"chat": f"http://127.0.0.1:{closed_port()}", "login": url}, tmp_path, 0.2,
                         LoadSpec(writers=1, rate=20))  # fmt: skip
    assert tl.writes() and {w.state for w in tl.writes()} == {"failed"}  # refused: nothing was sent
    load, tl = run_load({"chat": f"http://127.0.0.1:{closed_port()}", "login": f"http://127.0.0.1:{closed_port()}"},
                        tmp_path / "1", 0.2, LoadSpec(writers=1, rate=20))  # fmt: skip
    assert tl.writes() == [] and load.counts["not_sent"] > 0  # no login: no write was even attempted
    app = FakeMessenger(site="b", primary="pg-b@1")
    app.hang = {"/rooms/"}  # the service never answers a write
    with serve(app) as url:
        _, tl = run_load({"chat": url, "login": url}, tmp_path / "2", 0.3, LoadSpec(writers=1, rate=20))
    assert tl.writes() and {w.state for w in tl.writes()} == {"unknown"}  # may or may not be stored
    assert len(tl.writes()) == 1  # a writer never has two writes in flight


def test_the_run_starts_the_load_with_the_probes_stops_and_reads_it_back(tmp_path: Path) -> None:
    world = World()
    result = run_scenario(tmp_path, BASE, world)
    assert world.load is not None and world.load.calls[:3] == ["start", "join", "read_back"]
    assert world.load.spec == LoadSpec()  # on by default
    assert result.environment["load"] == {"writers": 4}
    off = World()
    (tmp_path / "off").mkdir()
    run_scenario(tmp_path / "off", BASE + "load: {writers: 0}\n", off)
    assert off.load is None


def test_the_wan_baseline_latency_is_on_every_inter_site_link_and_back_after_the_reset(tmp_path: Path) -> None:
    world = World()
    result = run_scenario(tmp_path, BASE + "wan: {inter_site_latency: 25ms}\n", world)
    toxics = world.stack.wan.toxics
    links = sorted({t[0] for t in toxics})
    assert result.environment["wan_baseline"] == {"inter_site_latency_ms": 25, "links": links}
    assert links and all(link.startswith(("a_b_", "b_a_")) for link in links)  # never the edge's links
    kinds = {(t[2], t[3]["latency"], t[4]) for t in toxics}
    assert kinds == {("latency", 25, "downstream"), ("latency", 25, "upstream")}
    assert len(toxics) == 2 * 2 * len(links)  # at bring-up, and again after heal-all's reset
    assert saved(tmp_path).phases()
    none = World()
    (tmp_path / "0").mkdir()
    run_scenario(tmp_path / "0", BASE + "wan: {inter_site_latency: 0s}\n", none)
    assert none.stack.wan.toxics == []
