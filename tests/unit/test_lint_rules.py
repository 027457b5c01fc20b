"""Each dualization rule on small compose fixtures: the input it must flag, and the one it must pass.

data/lint/two-site is a compact two-site replica (sites a, b, an edge with the load balancer, the
WAN and the etcd witness) in which every kind of wiring is sound; each of its variants breaks one
thing. data/lint/three-site has three sites and no witness.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from drills.checks.dualization import dualization_lint
from drills.model.scenario import ActionReach, ActionSpec, Trigger
from drills.scenario.discover import discover

DATA = Path(__file__).parent / "data" / "lint"
TWO_SITE, THREE_SITE = DATA / "two-site", DATA / "three-site"
COMPOSE = Path("docker-compose.yml")


def found(root: Path, variant: str | None) -> dict[str, list[dict[str, str]]]:
    """capability -> its findings (rule, message, path, component); [] when it passes."""
    return {v.capability: list(v.details.get("found", [])) for v in dualization_lint(discover(root, COMPOSE, variant))}


@pytest.mark.parametrize(
    ("root", "variant"),
    [
        (TWO_SITE, None),  # URL and key-value DSNs, Patroni by environment, etcd list, HAProxy, Toxiproxy
        (TWO_SITE, "patroni-file"),  # Patroni by a mounted patroni.yml
        (TWO_SITE, "etcd-file"),  # etcd members by a mounted config file
        (TWO_SITE, "runbook-both-sites"),  # the same content mounted in both sites
        (TWO_SITE, "text-file-both-sites"),  # a mounted text file naming each site's own server
        (TWO_SITE, "runbook-copy"),  # the same content mounted in both sites from two source files
        (THREE_SITE, None),
    ],
)
def test_sound_wiring_passes(root: Path, variant: str | None) -> None:
    assert found(root, variant) == {cap: [] for cap in found(root, variant)}


# (root, variant, capability, rule, path, one-site component): the finding each broken variant must give
FLAGGED = [
    (TWO_SITE, "real-2022", "devtools", "cross-site",
     "devtools-b -> DRILLS_DB_HOSTS (startup-only label; the wiring uses it) -> devtools-db-a", "devtools-db-a"),
    (TWO_SITE, "real-2022", "devtools", "no-replica",
     "devtools-a -> DRILLS_DB_HOSTS -> devtools-db-a", "devtools-db-a"),
    (TWO_SITE, "no-witness", "chat", "quorum", "chat-a -> DATABASE_URL -> db-a -> DRILLS_ETCD_HOSTS -> etcd-a", "a, b"),
    (TWO_SITE, "no-witness", "chat", "cross-site",
     "chat-b -> DATABASE_URL -> db-b -> DRILLS_ETCD_HOSTS (startup-only label; the wiring uses it) -> etcd-b",
     "etcd-b"),
    (TWO_SITE, "etcd-file-no-witness", "devtools", "quorum",
     "devtools-a -> command -> db-a -> DRILLS_ETCD_HOSTS -> etcd-a", "a, b"),
    (TWO_SITE, "member-behind-the-wan", "chat", "quorum",  # a peer URL only the WAN answers is no member
     "chat-a -> DATABASE_URL -> db-a -> DRILLS_ETCD_HOSTS -> etcd-a", "a, b"),
    (TWO_SITE, "lb-no-check", "chat", "lb-no-check",
     "lb -> haproxy-no-check.cfg backend chat -> a -> chat-a | b -> chat-b", "lb"),
    (TWO_SITE, "lb-one-site", "devtools", "lb-one-site",
     "lb -> haproxy-one-site.cfg backend devtools -> a -> devtools-a", "devtools-a"),
    (TWO_SITE, "async", "chat", "async-replication", "chat-a -> DATABASE_URL -> db-a", "db-a, db-b"),
    (TWO_SITE, "patroni-file-async", "devtools", "async-replication", "devtools-a -> command -> db-a", "db-a, db-b"),
    (TWO_SITE, "bypass", "devtools", "network", "devtools-b -> network site_a", "devtools-b"),
    (TWO_SITE, "shared-volume", "devtools", "volume", "devtools-a -> volume runbook", "runbook"),
    (TWO_SITE, "volume-of-site-a", "devtools", "volume", "devtools-b -> volume runbook-a", "runbook-a"),
    (TWO_SITE, "runbook-one-site", "devtools", "one-site-content", "devtools-a -> mount /srv/runbook.md", "devtools-a"),
    (TWO_SITE, "runbook-stale", "devtools", "one-site-content",
     "devtools-a -> mount /srv/runbook.md | devtools-b -> mount /srv/runbook.md", "devtools-a, devtools-b"),
    (TWO_SITE, "wan-alias-no-proxy", "devtools", "unresolved",
     "devtools-b -> DRILLS_DB_HOSTS -> devtools-db-a-wan:5433", "devtools-db-a-wan:5433"),
    (TWO_SITE, "member-behind-the-wan", "chat", "unresolved",  # the member URL no proxy forwards reaches nothing
     "chat-a -> DATABASE_URL -> db-a -> DRILLS_ETCD_HOSTS -> etcd-a -> ETCD_INITIAL_CLUSTER -> etcd-w-wan:2590",
     "etcd-w-wan:2590"),
    (TWO_SITE, "text-file-one-site", "devtools", "cross-site", "devtools-b -> devtools-a.conf:3 -> runbook-a",
     "runbook-a"),
    (THREE_SITE, "two-members-in-a", "chat", "quorum", "chat-a -> DATABASE_URL -> db-a -> DRILLS_ETCD_HOSTS -> etcd-a",
     "a, b"),
    (THREE_SITE, "chat-c-to-a", "chat", "cross-site", "chat-c -> DATABASE_URL -> db-a", "db-a"),
]  # fmt: skip


@pytest.mark.parametrize(("root", "variant", "cap", "rule", "path", "component"), FLAGGED,
                         ids=[f"{r.name}-{v}-{rule}" for r, v, _, rule, _, _ in FLAGGED])  # fmt: skip
def test_broken_wiring_is_flagged_with_its_path(
    root: Path, variant: str, cap: str, rule: str, path: str, component: str
) -> None:
    mine = [(f["rule"], f["path"], f["component"]) for f in found(root, variant)[cap]]
    assert (rule, path, component) in mine


def test_the_real_2022_shape_fails_devtools_only() -> None:
    """devtools runs in both sites, its data only in site a: the shape that passed the old lint."""
    result = found(TWO_SITE, "real-2022")
    assert result["chat"] == []
    assert [f["message"] for f in result["devtools"]] == [
        "losing site a takes devtools-b (site b) down: it needs devtools-db-a, in site a",
        "datastore devtools-db-a has no replica in another site (only in site a)",
    ]


def test_a_consensus_group_names_the_members_it_loses() -> None:
    (quorum,) = [f for f in found(TWO_SITE, "etcd-file-no-witness")["chat"] if f["rule"] == "quorum"]
    assert quorum["message"] == (
        "etcd cluster (etcd-a, etcd-b, etcd-w) loses its majority when site a (1 of 3 members left) or site b "
        "(1 of 3 members left) is lost: its members are etcd-a (site a), etcd-b (site b), "
        "etcd-w (not running: disabled in this variant)"
    )


def test_three_sites_survive_any_one_loss_but_not_two_members_in_one_site() -> None:
    broken = found(THREE_SITE, "two-members-in-a")["chat"]
    assert {(f["rule"], f["component"]) for f in broken} == {("quorum", "a, b"), ("cross-site", "etcd-b")}
    assert {f["path"].split(" -> ")[0] for f in broken if f["rule"] == "cross-site"} == {"chat-b", "chat-c"}


def test_a_stale_copy_is_one_finding_naming_both_sources() -> None:
    (stale,) = found(TWO_SITE, "runbook-stale")["devtools"]
    assert stale["message"] == (
        "devtools-a (site a) and devtools-b (site b) serve different content at /srv/runbook.md: "
        "static/runbook.md and static/runbook-stale.md differ (one may be a stale copy)"
    )


def test_a_wan_alias_without_its_proxy_names_the_instance_the_host_and_where_it_is_written() -> None:
    result = found(TWO_SITE, "wan-alias-no-proxy")
    assert result["chat"] == []
    (unresolved,) = [f for f in result["devtools"] if f["rule"] == "unresolved"]
    assert unresolved["message"] == (
        "devtools-b (site b) names devtools-db-a-wan:5433 in DRILLS_DB_HOSTS: it reaches the WAN (wan), "
        "where no proxy forwards it, so it reaches nothing"
    )
    # with its proxy (real-2022) the same name reaches the store in site a: no longer unresolved
    assert "unresolved" not in [f["rule"] for f in found(TWO_SITE, "real-2022")["devtools"]]


# -- activation-path: the scenario's operator actions against the sites it cuts ------------------------


@dataclass(frozen=True)
class Reaches:
    """The params of an operator action, as the lint reads them: only where its tool is."""

    to: ActionReach

    def describe(self) -> str:
        return "the runbook's step"

    def limit(self) -> float:
        return 10.0

    def reach(self) -> ActionReach:
        return self.to


def action(reach: ActionReach, when: str | None = "chat", aid: str = "activate-b") -> ActionSpec:
    trigger = Trigger(capability=when, down_for=5.0, until=30.0) if when else Trigger(at=5.0)
    return ActionSpec(aid, "http", trigger, Reaches(reach))


def activation(variant: str | None, *actions: ActionSpec, cut: tuple[str, ...] = ("a",)) -> dict[str, list[str]]:
    """capability -> the messages of its activation-path findings."""
    verdicts = dualization_lint(discover(TWO_SITE, COMPOSE, variant), actions=actions, cut_sites=cut)
    return {v.capability: [f["message"] for f in v.details.get("found", []) if f["rule"] == "activation-path"]
            for v in verdicts}  # fmt: skip


DEVTOOLS_B = ActionReach("capability", "devtools", "b")


def test_an_action_whose_tool_survives_the_cut_is_no_finding() -> None:
    assert activation(None, action(DEVTOOLS_B)) == {"chat": [], "devtools": []}
    assert activation(None, action(ActionReach("capability", "devtools"))) == {"chat": [], "devtools": []}
    assert activation(None, action(ActionReach("service", "db-b", "b"))) == {"chat": [], "devtools": []}


def test_a_tool_only_in_the_cut_site_is_a_finding_held_against_the_capability_the_action_answers() -> None:
    result = activation("devtools-one-site", action(DEVTOOLS_B))
    lost = ("activate-b calls devtools through site b, where devtools has no instance (it runs only in site a): "
            "losing site a leaves no way to activate")
    assert result == {"chat": [lost], "devtools": []}
    (f,) = [f for v in dualization_lint(discover(TWO_SITE, COMPOSE, "devtools-one-site"), actions=[action(DEVTOOLS_B)],
                                        cut_sites=["a"]) for f in v.details.get("found", [])
            if f["rule"] == "activation-path"]  # fmt: skip
    assert (f["path"], f["component"]) == ("activate-b -> devtools (site b) -> devtools-a", "devtools-a")
    edge = activation("devtools-one-site", action(ActionReach("capability", "devtools")))
    assert edge["chat"] == [("activate-b calls devtools through the edge, but it runs only in site a: losing site a "
                             "leaves no way to activate")]  # fmt: skip


def test_an_action_timed_with_at_is_held_against_every_capability() -> None:
    result = activation("devtools-one-site", action(DEVTOOLS_B, when=None))
    assert len(result["chat"]) == len(result["devtools"]) == 1


def test_a_tool_reached_through_the_cut_site_or_needing_it_is_a_finding() -> None:
    through_a = activation(None, action(ActionReach("capability", "devtools", "a")))
    assert through_a["chat"] == [("activate-b calls devtools through site a, the site that is lost: losing site a "
                                  "leaves no way to activate")]  # fmt: skip
    shell = activation(None, action(ActionReach("service", "db-a", "a"), aid="promote"))
    assert shell["chat"] == [("promote runs in db-a (site a), the site that is lost: losing site a leaves no way to "
                              "activate")]  # fmt: skip
    # real-2022: devtools-b runs, but needs its store in site a
    needs = activation("real-2022", action(DEVTOOLS_B))
    assert needs["chat"] == [("activate-b calls devtools through site b, but losing site a takes devtools-b (site b) "
                              "down too: it needs devtools-db-a, in site a: losing site a leaves no way to activate")]
    (login,) = activation(None, action(ActionReach("capability", "devtools", "b", also=("login",))))["chat"]
    assert login.startswith("activate-b needs login through site b, where login has no instance")


def test_without_a_site_cut_every_site_loss_is_judged() -> None:
    result = activation(None, action(DEVTOOLS_B), cut=())
    assert result["chat"] == [("activate-b calls devtools through site b, the site that is lost: losing site b "
                               "leaves no way to activate")]  # fmt: skip
    assert activation(None, action(ActionReach("capability", "devtools")), cut=())["chat"] == []


CYCLE = """\
services:
  store-a: {image: x, labels: {org.drills.domain: a, org.drills.role: datastore}}
  node-b: {image: x, labels: {org.drills.domain: b, org.drills.role: datastore},
           environment: {SENTINELS: "sentinel-a,sentinel-b"}}
  sentinel-a: {image: x, labels: {org.drills.domain: a}, depends_on: [node-b, store-a]}
  sentinel-b: {image: x, labels: {org.drills.domain: b}, depends_on: [node-b, store-a]}
  app-a: {image: x, labels: {org.drills.domain: a, org.drills.capability: notes}, environment: {STORE: store-a}}
  app-b: {image: x, labels: {org.drills.domain: b, org.drills.capability: notes}, environment: {STORE: node-b}}
"""


def test_a_dependency_cycle_is_explained_by_its_first_cause_and_the_lint_ends(tmp_path: Path) -> None:
    """node-b needs the sentinels, sentinel-b needs node-b (and store-a, in site a). Losing site a,
    sentinel-b goes first (store-a), then node-b, then app-b: the path follows the causes back to
    site a. Following 'any unmet dependency' walked node-b <-> sentinel-b forever (a drill lint hung)."""
    (tmp_path / "docker-compose.yml").write_text(CYCLE)
    out: list[dict[str, list[dict[str, str]]]] = []
    worker = threading.Thread(target=lambda: out.append(found(tmp_path, None)), daemon=True)
    worker.start()
    worker.join(30)
    assert out, "the lint did not end"
    [cross] = [f for f in out[0]["notes"] if f["rule"] == "cross-site"]
    assert cross["path"] == "app-b -> STORE -> node-b -> SENTINELS -> sentinel-b -> depends_on -> store-a"
    assert cross["component"] == "store-a"
