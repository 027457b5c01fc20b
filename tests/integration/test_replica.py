"""Integration tests of the reference replica: bring-up, a site power cut, and a broken variant.

They drive the real Docker engine (marked ``integration``) and skip only when no engine answers.
Each test owns one Compose project named ``drills-test-<uuid8>``, tears it down in ``finally``
and asserts that nothing labelled with its run id remains.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import docker
import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

from drills.adapters import ComposeProject, leftovers
from drills.errors import TopologyError
from drills.model.topology import parse_link_name
from drills.setup.replica_images import build_images
from replica_helpers import ChatLedger, JourneyFailed, Journeys, cut_site, patroni_history, spin, until_ok

REPO = Path(__file__).resolve().parents[2]
DEVTOOLS_ONE_SITE = "fixtures/variants/devtools-one-site.yml"
RECOVERY_BOUND_S = 60.0  # correctness bound, not a performance target (see bench/replica.py)
OBSERVE_S = 30.0

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env(timeout=30)
        client.ping()
    except docker.errors.DockerException as exc:
        if os.environ.get("CI"):  # CI must run these, never skip them silently
            pytest.fail(f"CI needs a Docker engine and none answers: {exc}")
        pytest.skip(f"no Docker engine reachable ({type(exc).__name__}: {exc})")
    build_images(client, REPO, progress=lambda line: print(line, flush=True))
    return client


@contextmanager
def replica(client: docker.DockerClient, *overrides: str) -> Iterator[ComposeProject]:
    name = f"drills-test-{uuid.uuid4().hex[:8]}"
    project = ComposeProject(name, ["docker-compose.yml", *overrides], {}, REPO, client=client)
    try:
        project.up(wait=True)
        yield project
    finally:
        try:
            project.down()
        finally:
            left = leftovers(client, project.run_id)
            assert left.total == 0, f"run {project.run_id} left resources behind: {left}"


STATELESS_ROLES = ("app", "entrypoint", "wan")  # read-only roots; datastores keep state in theirs


def hardening_problems(topo: ComposeProject) -> list[str]:
    """What breaks the replica's hardening (docker-compose.yml's header), per container, as inspected."""
    problems = []
    for c in topo.containers():
        host, role = c.attrs["HostConfig"], c.labels.get("org.drills.role", "")
        user = c.attrs["Config"].get("User") or c.image.attrs["Config"].get("User") or "root"
        if host.get("Privileged"):
            problems.append(f"{c.name}: privileged")
        if "no-new-privileges:true" not in (host.get("SecurityOpt") or []):
            problems.append(f"{c.name}: no no-new-privileges")
        if host.get("CapDrop") != ["ALL"] or host.get("CapAdd"):
            problems.append(f"{c.name}: capabilities dropped {host.get('CapDrop')}, added {host.get('CapAdd')}")
        if user.split(":")[0] in ("root", "0"):
            problems.append(f"{c.name}: runs as root")
        if role in STATELESS_ROLES and not host.get("ReadonlyRootfs"):
            problems.append(f"{c.name} ({role}): writable root filesystem")
        for binding in (host.get("PortBindings") or {}).values():
            problems += [f"{c.name}: port published on {b.get('HostIp') or 'every interface'}"
                         for b in binding or [] if b.get("HostIp") != "127.0.0.1"]  # fmt: skip
    return problems


def test_stack_comes_up_and_serves_every_journey(docker_client: docker.DockerClient) -> None:
    with replica(docker_client) as topo:
        assert topo.sites() == ["a", "b"]
        for site in ("a", "b"):
            caps = {s.capability for s in topo.services(domain=site, role="app")}
            assert caps == {"chat", "login", "devtools"}, f"site {site} serves {caps}"
            assert topo.services(domain=site, role="datastore")
            assert topo.services(domain=site, role="consensus")
        assert topo.services(domain="edge", role="witness")
        assert all(s.health == "healthy" for s in topo.services()), topo.services()

        journeys = Journeys.of(topo)
        for name, journey in journeys.by_name().items():
            assert until_ok(journey, within_s=20) >= 0, name  # the edge may need a check round

        token = journeys.token("alice", "alice-pw")
        forbidden = requests.get(f"{journeys.devtools_url}/config/x",
                                 headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert forbidden.status_code == 403 and "error" in forbidden.json()

        assert hardening_problems(topo) == []  # ... and all of the above worked hardened

        host, port = topo.toxiproxy_api()
        names = list(requests.get(f"http://{host}:{port}/proxies", timeout=5).json())
        parsed = [parse_link_name(n, ("a", "b", "edge")) for n in names]  # every name follows <from>_<to>_<what>
        assert all(p.src != p.dst for p in parsed)
        assert {"edge_a_chat", "edge_b_chat", "a_b_postgres", "b_a_postgres"} <= set(names)


@pytest.mark.parametrize("site", ["a", "b"])
def test_site_power_cut_keeps_every_capability(docker_client: docker.DockerClient, site: str) -> None:
    with replica(docker_client) as topo:
        journeys = Journeys.of(topo)
        for journey in journeys.by_name().values():
            until_ok(journey, within_s=20)
        token = journeys.token()
        with ChatLedger(journeys, token) as ledger:
            time.sleep(2.0)
            acked_before_cut = dict(ledger.acked)
            killed, links = cut_site(topo, site)
            cut_at = time.monotonic()
            assert killed and links, "nothing was cut"
            recovered = {name: until_ok(j, within_s=RECOVERY_BOUND_S)
                         for name, j in journeys.by_name().items()}
            time.sleep(1.0)
        print(f"site {site} cut: recovered after {recovered} s "
              f"({time.monotonic() - cut_at:.1f} s total), ledger acked={len(ledger.acked)} "
              f"failed={ledger.failed}")
        assert acked_before_cut, "no write was acknowledged before the cut"
        assert ledger.lost() == [], "acknowledged chat messages were lost"
        assert all(s.status != "running" for s in topo.services(domain=site))


def test_devtools_one_site_variant_loses_devtools_with_site_a(docker_client: docker.DockerClient) -> None:
    with replica(docker_client, DEVTOOLS_ONE_SITE) as topo:
        assert not topo.services(domain="b", capability="devtools"), "devtools-b should be disabled"
        assert hardening_problems(topo) == []  # the variant's own datastore too
        journeys = Journeys.of(topo)
        for journey in journeys.by_name().values():
            until_ok(journey, within_s=20)
        cut_site(topo, "a")
        until_ok(journeys.chat, within_s=RECOVERY_BOUND_S)
        until_ok(journeys.login, within_s=RECOVERY_BOUND_S)

        successes, samples = 0, 0
        deadline = time.monotonic() + OBSERVE_S
        while time.monotonic() < deadline and samples < 200:
            samples += 1
            try:
                journeys.devtools()
                successes += 1
            except (JourneyFailed, requests.RequestException):
                pass  # the expected outcome: devtools has no site left
            time.sleep(0.5)
        assert samples >= 10
        assert successes == 0, f"devtools answered {successes}/{samples} times without site a"
        journeys.chat()  # chat still works at the end of the window


def test_failed_bring_up_explains_itself_and_leaves_nothing(
    docker_client: docker.DockerClient, tmp_path: Path
) -> None:
    broken = tmp_path / "never-healthy.yml"
    broken.write_text(
        "services:\n  devtools-b:\n    healthcheck:\n"
        "      test: [\"CMD\", \"false\"]\n      interval: 1s\n      retries: 2\n"
    )
    project = ComposeProject(f"drills-test-{uuid.uuid4().hex[:8]}",
                             ["docker-compose.yml", str(broken)], {}, REPO, client=docker_client)
    with pytest.raises(TopologyError) as failure, project:
        pytest.fail("a stack with a never-healthy service must not come up")
    message = str(failure.value)
    assert "devtools-b" in message and "unhealthy" in message, message
    assert "hint:" in message, message
    left = leftovers(docker_client, project.run_id)
    assert left.total == 0, f"a failed __enter__ left resources behind: {left}"


def _in_sync(container: Any) -> str:
    """The node's own answer to the rejoin question (replica-db in-sync): its last line."""
    rc, out = container.exec_run(["replica-db", "in-sync"], user="postgres")
    return f"{rc}: {out.decode(errors='replace').strip().splitlines()[-1]}"


def test_watchdog_restarts_a_standby_patroni_left_without_a_source(docker_client: docker.DockerClient) -> None:
    """The state a full-cycle fidelity run hit (docs/measuring.md): a standby Postgres with no
    primary_conninfo that refuses connections while Patroni says it follows the leader. Made here by
    hand - the setting removed, Postgres restarted behind Patroni's back with hot standby off - and
    Patroni alone never leaves it (tried: 20 s of "following a leader (pg-a)"). The replica's
    watchdog must bring the standby back to streaming."""
    with replica(docker_client) as topo:
        nodes = {c.labels["com.docker.compose.service"]: c for c in topo.containers()
                 if c.labels.get("org.drills.role") == "datastore"}
        standby = next(c for c in nodes.values() if "synchronous standby, streaming" in _in_sync(c))
        data = "/var/lib/postgresql/data/pgdata"
        rc, out = standby.exec_run(["bash", "-c", (
            f"sed -i '/^primary_conninfo/d' {data}/postgresql.conf && "
            f"pg_ctl -D {data} -m fast -w restart -o '--config-file={data}/postgresql.conf -c hot_standby=off'"
        )], user="postgres")
        assert rc == 0, out.decode(errors="replace")
        stuck = _in_sync(standby)
        assert not stuck.startswith("0:"), f"the test did not leave the standby without a source: {stuck}"

        deadline, state = time.monotonic() + RECOVERY_BOUND_S, stuck
        while time.monotonic() < deadline and not state.startswith("0:"):
            time.sleep(1.0)
            state = _in_sync(standby)
        log = standby.logs().decode(errors="replace")
        assert state.startswith("0:") and state.endswith("streaming"), f"still stuck: {state}"
        assert "replica-db: watchdog:" in log, "the standby came back, but not through the watchdog"


def test_patronis_pg_rewind_can_rewind_and_skips_the_sync(docker_client: docker.DockerClient) -> None:
    """Patroni's bin_dir in the replica image is /usr/local/lib/drills-pgbin: every PostgreSQL
    program, pg_rewind wrapped to add --no-sync (fixtures/replica-db/pg-rewind.sh). Patroni asks
    `pg_rewind --help` whether it can rewind at all; a first wrapper put --no-sync in front, --help
    failed ("--help" is only taken as the first argument) and a restored site came back as a
    diverged standby that never rejoined. Both halves checked on the built image."""
    script = (
        "set -u; bin=/usr/local/lib/drills-pgbin; real=/usr/lib/postgresql/15/bin; "
        "for f in $real/*; do [ -x \"$bin/${f##*/}\" ] || { echo missing ${f##*/}; exit 9; }; done; "
        "$bin/pg_rewind --help >/dev/null || { echo help failed; exit 8; }; "
        # --dry-run on a missing data directory: pg_rewind rejects the directory, not an option
        "$bin/pg_rewind -D /nonexistent --source-server='host=127.0.0.1 port=1' --dry-run 2>&1; "
        "grep -c -- '--no-sync' $bin/pg_rewind"
    )
    out = docker_client.containers.run("drills/replica-db:0.1.0", ["-c", script], entrypoint="bash",
                                       remove=True, stdout=True, stderr=True).decode(errors="replace")  # fmt: skip
    assert "missing" not in out and "help failed" not in out, out
    assert "unrecognized option" not in out and "invalid option" not in out, out
    assert out.strip().splitlines()[-1] != "0", out


def test_the_apps_leave_a_node_that_timed_out_out_of_their_next_connections(docker_client: docker.DockerClient) -> None:
    """fixtures/messenger-app/messenger/db.py: a node whose connection attempt timed out (a dead
    site's node) is left out of the next attempts for SUSPECT_S, so requests during a failover do
    not each wait 2 s on it holding a pool slot. Run in the app's image (psycopg2 lives there),
    with libpq's connect replaced by one that fails the way a dead remote node does."""
    script = r'''
import time, psycopg2
from messenger import db
tried = []
def connect(dsn):
    hosts = dsn.split("host='")[1].split("'")[0].split(",")
    tried.append(hosts)
    lines = [f'connection to server at "{h}" (10.0.0.{i}), port 5432 failed: ' +
             ("session is read-only" if h == "pg-b-wan" else "timeout expired") for i, h in enumerate(hosts)]
    raise psycopg2.OperationalError("\n".join(lines))
psycopg2.connect = connect
d = db.Database(["pg-b-wan", "pg-a-wan"])
for _ in range(2):
    try:
        d._connect()
    except psycopg2.OperationalError:
        pass
time.sleep(db.SUSPECT_S + 0.1)
try:
    d._connect()
except psycopg2.OperationalError:
    pass
print(tried)
'''
    out = docker_client.containers.run("drills/messenger-app:0.1.0", ["-c", script], entrypoint="python3",
                                       remove=True).decode(errors="replace")  # fmt: skip
    assert out.strip() == "[['pg-b-wan', 'pg-a-wan'], ['pg-b-wan'], ['pg-b-wan', 'pg-a-wan']]", out


def test_a_read_only_app_takes_any_node_and_finds_the_schema_on_a_standby(docker_client: docker.DockerClient) -> None:
    """fixtures/messenger-app/messenger/db.py, DRILLS_DB_READS=any (the login lever): the DSN asks
    for any node, and on a standby - where creating the schema fails as read-only - the app checks
    the tables are there instead. Without the setting, the same standby is an error. Run in the
    app's image with libpq's connect replaced by a standby that has the tables."""
    script = r'''
import os, sys, psycopg2
from messenger import db
class Cursor:
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def execute(self, sql, args=None):
        if "CREATE TABLE" in sql:
            raise psycopg2.OperationalError("cannot execute CREATE TABLE in a read-only transaction")
    def fetchone(self): return (True,)
class Conn:
    closed, notices, autocommit = False, [], False
    def cursor(self): return Cursor()
    def close(self): pass
dsns = []
psycopg2.connect = lambda dsn: dsns.append(dsn) or Conn()
d = db.Database(["pg-b-wan", "pg-a-wan"])
try:
    d.ensure_schema()
    print("ready", "target_session_attrs='any'" in dsns[0])
except db.Unavailable as exc:
    print("unavailable", "target_session_attrs='read-write'" in dsns[0])
'''
    answers = {}
    for reads in ("any", "primary"):
        out = docker_client.containers.run("drills/messenger-app:0.1.0", ["-c", script], entrypoint="python3",
                                           environment={"DRILLS_DB_READS": reads}, remove=True)  # fmt: skip
        answers[reads] = out.decode(errors="replace").strip()
    assert answers == {"any": "ready True", "primary": "unavailable True"}, answers


def test_no_failover_without_a_fault_with_a_core_kept_busy(docker_client: docker.DockerClient) -> None:
    """The replica's fast timing (Patroni ttl 5, etcd election 500 ms) must not fail over when
    nothing failed: 40 s of journeys with one core spinning, then no promotion and no demotion.
    One case of bench/soak.py (10 minutes; its numbers are in docs/measuring.md)."""
    with replica(docker_client) as topo:
        journeys = Journeys.of(topo)
        spinner = multiprocessing.Process(target=spin, args=((os.cpu_count() or 1) - 1,), daemon=True)
        spinner.start()
        try:
            end, failed, done = time.monotonic() + 40.0, 0, 0
            while time.monotonic() < end:
                for journey in (journeys.chat, journeys.login, journeys.devtools):
                    try:
                        journey()
                    except Exception:  # noqa: BLE001 - counted, shown if the promotion check fails
                        failed += 1
                    done += 1
                time.sleep(0.2)
        finally:
            spinner.terminate()
        nodes = [c for c in topo.containers() if c.labels.get("org.drills.role") == "datastore"]
        histories = {c.labels["com.docker.compose.service"]: patroni_history(c) for c in nodes}
        switches = {svc: -1 if h is None else len(h) for svc, h in histories.items()}  # -1: no answer
        demoted = [c.name for c in nodes if "demot" in c.logs().decode(errors="replace")]
        assert set(switches.values()) == {0}, f"promoted without a fault: {switches} ({failed}/{done} journeys failed)"
        assert not demoted, f"demoted without a fault: {demoted}"
