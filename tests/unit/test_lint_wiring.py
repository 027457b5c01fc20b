"""The wiring the dualization lint reads: host names in text, mounted files, what a name reaches."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.lint import build
from drills.lint.files import content_digest, parse_file, read_mount
from drills.lint.graph import Unresolved
from drills.lint.hosts import Ref, refs_in
from drills.lint.resolve import Resolver, Target
from drills.model.proxies import ProxiesError
from drills.scenario.discover import discover, fallback_only

TWO_SITE = Path(__file__).parent / "data" / "lint" / "two-site"
COMPOSE = Path("docker-compose.yml")


@pytest.mark.parametrize(
    ("text", "lists"),
    [
        ("pg-a-wan,pg-b-wan", [("pg-a-wan", "pg-b-wan")]),
        ("pg-a-wan, pg-b-wan:5433", [("pg-a-wan", "pg-b-wan:5433")]),
        ("postgres://u:pw@h1:5432,h2/db?target_session_attrs=read-write", [("h1:5432", "h2")]),
        ("host=a,b port=5432,5433 dbname=x", [("a:5432", "b:5433"), ("x",)]),
        ("host=a port=6432", [("a:6432",)]),
        ("etcd-a=http://etcd-a-wan:2380,etcd-b=http://etcd-b-wan:2480", [("etcd-a-wan:2380", "etcd-b-wan:2480")]),
        ("wait-for db-a:5432 && exec app --cache=cache-a", [("wait-for",), ("db-a:5432",), ("exec",), ("app",),
                                                            ("cache-a",)]),
        ("-config=/etc/toxiproxy/proxies.json -host=0.0.0.0 ./x 10.0.0.1:80", []),
        ("redis://:secret@cache-a:6379/0", [("cache-a:6379",)]),
    ],
)
def test_hosts_in_text_come_in_failover_lists(text: str, lists: list[tuple[str, ...]]) -> None:
    assert [tuple(str(r) for r in refs) for refs in refs_in(text)] == lists


HAPROXY = """\
defaults
    default-server inter 1s check
backend chat
    server a wan-edge:10081
    server b ipv4@wan-edge:10181 no-check
defaults
    mode http
backend login
    default-server check
    server a login-a:8080
listen devtools
    bind :8083
    server a devtools-a:8080 check
    server b devtools-b:8080
"""


def test_haproxy_servers_and_which_are_health_checked() -> None:
    cfg = parse_file(Path("haproxy.cfg"), HAPROXY).haproxy
    assert cfg is not None
    assert [(s.backend, s.name, str(s.address), s.checked) for s in cfg.servers] == [
        ("chat", "a", "wan-edge:10081", True),  # the defaults section's default-server
        ("chat", "b", "wan-edge:10181", False),  # no-check wins
        ("login", "a", "login-a:8080", True),  # its own section's default-server (a new defaults reset)
        ("devtools", "a", "devtools-a:8080", True),
        ("devtools", "b", "devtools-b:8080", False),
    ]


def test_toxiproxy_etcd_patroni_and_text_files_are_told_apart() -> None:
    proxies = parse_file(Path("p.json"), '[{"name": "b_a_pg", "listen": "wan-b:5432", "upstream": "pg-a:5432"},'
                                         '{"name": "off", "listen": ":1", "upstream": "x:1", "enabled": false}]')
    assert [(p.name, p.listen, p.upstream) for p in proxies.proxies] == [
        ("b_a_pg", Ref("wan-b", 5432), Ref("pg-a", 5432))  # the disabled proxy reaches nothing
    ]
    etcd = parse_file(Path("etcd.yml"), "initial-cluster: a=http://x:2380,b=http://y:2380\n")
    assert etcd.etcd == (("a", Ref("x", 2380)), ("b", Ref("y", 2380)))
    patroni = parse_file((TWO_SITE / "db" / "patroni-async.yml"), (TWO_SITE / "db" / "patroni-async.yml").read_text())
    assert patroni.patroni is not None and patroni.patroni.scope == "lint" and not patroni.patroni.synchronous
    assert [str(r) for r in patroni.patroni.dcs] == ["etcd-a-wan:2379", "etcd-b-wan:2479", "etcd-w-wan:2579"]
    text = parse_file(Path("app.conf"), '# was: runbook-b\nurl = "http://runbook-a:8090/x"\n')
    assert text.lines == ((2, (Ref("url"),)), (2, (Ref("runbook-a", 8090),)))  # every word; comments skipped
    assert not text.proxies and text.haproxy is None and not text.etcd and text.patroni is None


def test_names_resolve_through_networks_aliases_and_the_wan() -> None:
    graph = build(discover(TWO_SITE, COMPOSE, None))
    deps = {(d.source, d.via): d.targets for d in graph.dependencies}
    # chat-b's URL: db-b-wan is db-b's own alias on site_b; db-a-wan is the WAN's there -> b_a_postgres
    assert deps[("chat-b", "DATABASE_URL")] == (Target("db-b"), Target("db-a", "wan", "b_a_postgres"))
    # a key-value DSN in the command; no port named: the proxy whose upstream the name contains
    assert deps[("devtools-a", "command")] == (Target("db-a"), Target("db-b", "wan", "a_b_postgres"))
    assert deps[("db-a", "DRILLS_ETCD_HOSTS")] == (
        Target("etcd-a"), Target("etcd-b", "wan", "a_b_etcd-client"), Target("etcd-w", "wan", "a_edge_etcd-client"))
    # peers of one group are not dependencies: db-b waits for db-a, etcd members list each other
    assert ("db-b", "DRILLS_PG_WAIT_FOR_LEADER") not in deps and ("etcd-a", "ETCD_INITIAL_CLUSTER") not in deps
    backends = {b.name: [(s.name, ts) for s, ts in b.servers] for b in graph.backends}
    assert backends["devtools"] == [("a", (Target("devtools-a", "wan", "edge_a_devtools"),)),
                                    ("b", (Target("devtools-b", "wan", "edge_b_devtools"),))]  # fmt: skip
    assert {(g.kind, g.members, g.size, g.synchronous) for g in graph.groups} == {
        ("consensus", ("etcd-a", "etcd-b", "etcd-w"), 3, None),
        ("replication", ("db-a", "db-b"), 2, True),
    }
    assert graph.wans == {"wan"} and graph.datastores == {"db-a", "db-b"}


def test_the_hand_written_reader_carries_the_same_wiring_as_compose() -> None:
    for variant in (None, "real-2022", "patroni-file", "shared-volume"):
        assert discover(TWO_SITE, COMPOSE, variant) == discover(TWO_SITE, COMPOSE, variant, reader=fallback_only)


def test_a_mounted_proxies_file_is_read_strictly() -> None:
    """The lint reads a proxies file with discovery's parser: a broken entry is an error naming its field."""
    text = ('[{"name": "b_a_pg", "listen": "wan-b:5432", "upstream": "pg-a:5432"},'
            ' {"name": "b_a_etcd", "listen": "wan-b:2379", "upstream": "etcd-a"}]')  # fmt: skip
    with pytest.raises(ProxiesError) as info:
        parse_file(Path("wan/p.json"), text)
    assert (info.value.file, info.value.field) == (Path("wan/p.json"), "[1].upstream")
    assert str(info.value) == "wan/p.json: [1].upstream: must be host:port (e.g. wan-b:5432), got 'etcd-a'"
    assert parse_file(Path("x.json"), '[{"name": "x", "port": 1}]').proxies == ()  # other JSON: not a proxies file


def test_a_wan_alias_no_proxy_forwards_reaches_nothing() -> None:
    topo = discover(TWO_SITE, COMPOSE, "wan-alias-no-proxy")
    graph = build(topo)
    assert ("devtools-b", "DRILLS_DB_HOSTS") not in {(d.source, d.via) for d in graph.dependencies}
    assert graph.unresolved == (Unresolved("devtools-b", "DRILLS_DB_HOSTS", "devtools-db-a-wan:5433", "wan"),)
    resolver = Resolver(topo, {"wan": tuple(p for m in topo.wiring_of("wan").mounts for f in read_mount(m.source)
                                            for p in f.proxies)})  # fmt: skip
    assert resolver.resolve("devtools-b", Ref("devtools-db-a-wan", 5433)) == ()
    assert resolver.unforwarded("devtools-b", Ref("devtools-db-a-wan", 5433)) == ("wan",)
    # the WAN itself: its API port, or its service name
    assert resolver.resolve("lb", Ref("wan-edge", 8474)) == (Target("wan"),)
    assert resolver.resolve("lb", Ref("wan")) == (Target("wan"),) and resolver.unforwarded("lb", Ref("wan")) == ()
    assert resolver.unforwarded("lb", Ref("wan-edge", 9999)) == ("wan",)


def test_content_digest_compares_content_not_paths(tmp_path: Path) -> None:
    for tree in ("one", "two"):
        (tmp_path / tree / "sub").mkdir(parents=True)
        (tmp_path / tree / "runbook.md").write_text("v3\n")
        (tmp_path / tree / "sub" / "notes.md").write_text("x\n")
    one, two = content_digest(str(tmp_path / "one")), content_digest(str(tmp_path / "two"))
    assert one is not None and one == two
    (tmp_path / "two" / "sub" / "notes.md").write_text("y\n")
    assert content_digest(str(tmp_path / "two")) != one
    assert content_digest(str(tmp_path / "one" / "runbook.md")) == content_digest(str(tmp_path / "two" / "runbook.md"))
    assert content_digest(str(tmp_path / "missing")) is None
