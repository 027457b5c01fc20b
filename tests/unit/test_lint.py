"""Dualization lint verdicts on the unit tests' miniature and on the reference replica (static, no engine).

The rules one by one, on fixtures for every kind of wiring: test_lint_rules.py; the parsers and
the name resolution: test_lint_wiring.py; ``drill lint``: test_cli_lint.py.
"""

from __future__ import annotations

from pathlib import Path

from drills.checks.dualization import dualization_lint
from drills.model.result import Verdict
from drills.scenario.discover import discover

REPO = Path(__file__).parent / "data" / "repo"
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = Path("docker-compose.yml")


def by_cap(root: Path, variant: str | None, rpo: dict[str, int] | None = None) -> dict[str, Verdict]:
    return {v.capability: v for v in dualization_lint(discover(root, COMPOSE, variant), (), rpo)}


def test_the_miniature_is_dual_site() -> None:
    verdicts = by_cap(REPO, None)
    assert set(verdicts) == {"chat", "login", "devtools"}
    assert all(v.status == "pass" and v.check == "dualization" for v in verdicts.values())


def test_kakao_variant_devtools_only_in_site_a_fails() -> None:
    verdicts = by_cap(REPO, "kakao-2022")
    assert verdicts["devtools"].status == "fail"
    assert verdicts["devtools"].message == (
        "devtools has no instance in site b: losing site a takes it down (path: devtools -> devtools-a)"
    )
    assert verdicts["chat"].status == "pass" and verdicts["login"].status == "pass"


def test_a_dependency_on_the_other_site_fails_with_its_path() -> None:
    verdicts = by_cap(REPO, "cross-site")
    login = verdicts["login"]
    assert login.status == "fail"
    assert login.details["found"] == [{
        "rule": "cross-site", "path": "login-b -> depends_on -> pg-a", "component": "pg-a",
        "message": "losing site a takes login-b (site b) down: it needs pg-a, in site a",
    }]  # fmt: skip
    # chat-a also needs cache-a, which exists only in site a: it goes down with chat-a's own site,
    # and chat-b needs nothing of site a, so chat survives either loss (the old lint paired services
    # by name across sites and flagged this)
    assert verdicts["chat"].status == "pass" and verdicts["devtools"].status == "pass"


def test_dependency_on_disabled_service_fails(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  db-a: {labels: {org.drills.domain: a}, profiles: [off]}\n"
        "  db-b: {labels: {org.drills.domain: b}}\n"
        "  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}, depends_on: [db-a]}\n"
        "  chat-b: {labels: {org.drills.domain: b, org.drills.capability: chat}, depends_on: [db-b]}\n"
    )
    (v,) = dualization_lint(discover(tmp_path, COMPOSE, None))
    assert v.status == "fail"
    assert v.message == (
        "chat-a (site a) depends on db-a, which is disabled in this variant (path: chat-a -> depends_on -> db-a)"
    )


def test_single_site_topology_fails_as_a_whole(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}}\n"
    )
    (v,) = dualization_lint(discover(tmp_path, COMPOSE, None))
    assert v.status == "fail" and v.capability == "*"


COMPOSE_DB = (
    "services:\n"
    "  db-a: {labels: {org.drills.domain: a}}\n"
    "  db-b: {labels: {org.drills.domain: b}, depends_on: [db-a]}\n"
    "  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}, depends_on: [db-a]}\n"
    "  chat-b: {labels: {org.drills.domain: b, org.drills.capability: chat}, depends_on: [db-b]}\n"
)
UNMARKED = "{org.drills.domain: b}, depends_on: [db-a]"
MARKED = "{org.drills.domain: b, org.drills.startup-only: db-a}, depends_on: [db-a]"


def test_a_startup_only_depends_on_is_shown_not_judged(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_DB)
    (v,) = dualization_lint(discover(tmp_path, COMPOSE, None))
    assert v.status == "fail" and v.details["found"][0]["path"] == "chat-b -> depends_on -> db-b -> depends_on -> db-a"
    (tmp_path / "docker-compose.yml").write_text(COMPOSE_DB.replace(UNMARKED, MARKED))
    (v,) = dualization_lint(discover(tmp_path, COMPOSE, None))
    assert v.status == "pass" and v.details["startup_only"] == {"db-b": ["db-a"]}


def test_startup_only_never_hides_a_dependency_in_the_wiring(tmp_path: Path) -> None:
    wired = COMPOSE_DB.replace(UNMARKED, MARKED + ", environment: {PRIMARY: db-a}")
    (tmp_path / "docker-compose.yml").write_text(wired)
    (v,) = dualization_lint(discover(tmp_path, COMPOSE, None))
    assert v.status == "fail"
    assert v.details["found"][0]["path"] == (
        "chat-b -> depends_on -> db-b -> PRIMARY (startup-only label; the wiring uses it) -> db-a"
    )
    assert v.details["startup_only"] == {"db-b": ["db-a"]}


def test_the_reference_replica_is_dual_site_and_its_broken_variants_are_caught() -> None:
    assert {c: v.status for c, v in by_cap(ROOT, None).items()} == {"chat": "pass", "login": "pass", "devtools": "pass"}
    one_site = by_cap(ROOT, "devtools-one-site")
    assert {c: v.status for c, v in one_site.items()} == {"chat": "pass", "login": "pass", "devtools": "fail"}
    rules = [f["rule"] for f in one_site["devtools"].details["found"]]
    assert rules == ["no-instance", "lb-one-site", "no-replica"]
    assert "devtools-a -> DRILLS_DB_HOSTS -> devtools-db-a" in one_site["devtools"].details["findings"][2]
    kakao = by_cap(ROOT, "kakao-2022")  # the 2022 shape: devtools in both sites, its store in one
    assert {c: v.status for c, v in kakao.items()} == {"chat": "pass", "login": "pass", "devtools": "fail"}
    assert [f["rule"] for f in kakao["devtools"].details["found"]] == ["cross-site", "no-replica"]


def test_async_replication_fails_only_where_the_rpo_target_is_zero() -> None:
    strict = by_cap(ROOT, "async-replication")
    assert {c: v.status for c, v in strict.items()} == {"chat": "fail", "login": "fail", "devtools": "fail"}
    (found,) = strict["chat"].details["found"]
    assert found["rule"] == "async-replication" and found["path"] == "chat-a -> DRILLS_DB_HOSTS -> pg-a"
    assert "DRILLS_PG_SYNCHRONOUS_MODE=false" in found["message"]
    lenient = by_cap(ROOT, "async-replication", {"chat": 5, "login": 5, "devtools": 0})
    assert {c: v.status for c, v in lenient.items()} == {"chat": "pass", "login": "pass", "devtools": "fail"}
    # a capability that acknowledges no writes (login) is held to no RPO target, even one of 0
    reads = dualization_lint(discover(ROOT, COMPOSE, "async-replication"), read_only=("login",))
    assert {v.capability: v.status for v in reads} == {"chat": "fail", "login": "pass", "devtools": "fail"}
