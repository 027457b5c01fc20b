"""Dualization lint on small compose files (static, no Docker)."""

from __future__ import annotations

from pathlib import Path

from drills.checks.dualization import counterpart_key, dualization_lint
from drills.model.topology import Service
from drills.scenario.discover import discover

REPO = Path(__file__).parent / "data" / "repo"


def by_cap(variant: str | None) -> dict:  # type: ignore[type-arg]
    topo = discover(REPO, Path("docker-compose.yml"), variant)
    return {v.capability: v for v in dualization_lint(topo)}


def test_reference_topology_is_dual_site() -> None:
    verdicts = by_cap(None)
    assert set(verdicts) == {"chat", "login", "devtools"}
    assert all(v.status == "pass" and v.check == "dualization" for v in verdicts.values())


def test_kakao_variant_devtools_only_in_site_a_fails() -> None:
    verdicts = by_cap("kakao-2022")
    assert verdicts["devtools"].status == "fail"
    assert verdicts["devtools"].message == "devtools has no instance in site b: losing site a takes it down"
    assert verdicts["chat"].status == "pass" and verdicts["login"].status == "pass"


def test_cross_site_and_single_site_dependencies_fail() -> None:
    verdicts = by_cap("cross-site")
    login = verdicts["login"]
    assert login.status == "fail"
    assert "login-b (site b) depends on pg-a in site a" in login.message
    chat = verdicts["chat"]
    assert chat.status == "fail"
    assert any("cache-a, which exists only in site a" in f for f in chat.details["findings"])
    assert verdicts["devtools"].status == "pass"


def test_dependency_on_disabled_service_fails(tmp_path: Path) -> None:
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n"
        "  db-a: {labels: {org.drills.domain: a}, profiles: [off]}\n"
        "  db-b: {labels: {org.drills.domain: b}}\n"
        "  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}, depends_on: [db-a]}\n"
        "  chat-b: {labels: {org.drills.domain: b, org.drills.capability: chat}, depends_on: [db-b]}\n"
    )
    topo = discover(tmp_path, Path("docker-compose.yml"), None)
    (v,) = dualization_lint(topo)
    assert v.status == "fail" and "depends on db-a, which is disabled" in v.message


def test_single_site_topology_fails_as_a_whole(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}}\n"
    )
    (v,) = dualization_lint(discover(tmp_path, Path("docker-compose.yml"), None))
    assert v.status == "fail" and v.capability == "*"


def test_counterparts_by_capability_role_or_name() -> None:
    assert counterpart_key(Service("pg-a", "a")) == counterpart_key(Service("pg-b", "b"))
    assert counterpart_key(Service("a_pg", "a")) == counterpart_key(Service("b_pg", "b"))
    assert counterpart_key(Service("x", "a", role="db")) == counterpart_key(Service("y", "b", role="db"))
    assert counterpart_key(Service("pg-a", "a")) != counterpart_key(Service("redis-b", "b"))


def test_startup_only_dependencies_are_skipped_but_reported(tmp_path: Path) -> None:
    compose = (
        "services:\n"
        "  db-a: {labels: {org.drills.domain: a}}\n"
        "  db-b: {labels: {org.drills.domain: b}, depends_on: [db-a]}\n"
        "  chat-a: {labels: {org.drills.domain: a, org.drills.capability: chat}, depends_on: [db-a]}\n"
        "  chat-b: {labels: {org.drills.domain: b, org.drills.capability: chat}, depends_on: [db-b]}\n"
    )
    (tmp_path / "docker-compose.yml").write_text(compose)
    (v,) = dualization_lint(discover(tmp_path, Path("docker-compose.yml"), None))
    assert v.status == "fail" and "chat-b (site b) depends on db-a in site a" in v.message
    marked = compose.replace(
        "{org.drills.domain: b}, depends_on: [db-a]",
        "{org.drills.domain: b, org.drills.startup-only: db-a}, depends_on: [db-a]",
    )
    (tmp_path / "docker-compose.yml").write_text(marked)
    (v,) = dualization_lint(discover(tmp_path, Path("docker-compose.yml"), None))
    assert v.status == "pass" and v.details["startup_only_skipped"] == {"db-b": ["db-a"]}
