"""The known-bad library (scenarios with ``expect:``, their variants in fixtures/variants/): what can be
proven without a Docker engine.

The run-time half of each ``expect:`` is a prediction until a real run confirms it; the static
half is not: the ``dualization`` entries a scenario declares must be exactly what the lint finds
in its wiring. The variants that copy a reference file (a Toxiproxy proxies file, an HAProxy
config) must differ from it only by their mistake, so the copies cannot drift.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from drills.checks.dualization import scenario_lint
from drills.errors import ScenarioError
from drills.model.expectation import Expectation, judge
from drills.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
KNOWN_BAD = sorted(p.relative_to(ROOT) for p in (ROOT / "scenarios").glob("*.yaml")
                   if load_scenario(p).expect is not None)  # fmt: skip
# this library's scenarios: each says which part must catch it
LIBRARY = ("kakao-2022", "no-witness", "lb-no-check", "runbook-one-site", "manual-activation-one-site")


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def test_every_library_scenario_is_shipped_with_its_variant() -> None:
    names = {p.stem for p in KNOWN_BAD}
    assert set(LIBRARY) <= names
    for name in LIBRARY:
        scenario = load_scenario(Path("scenarios") / f"{name}.yaml")
        assert scenario.topology.variant == name
        assert "Caught by" in scenario.description  # the lint, the run, or both


@pytest.mark.parametrize("path", KNOWN_BAD, ids=[p.stem for p in KNOWN_BAD])
def test_the_declared_dualization_failures_are_exactly_what_the_lint_finds(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.expect is not None
    static = Expectation(tuple(f for f in scenario.expect.failing if f.check == "dualization"))
    verdicts = scenario_lint(scenario)
    failing = [v.name for v in verdicts if v.status == "fail"]
    if not static.failing:
        assert failing == []
        return
    judgement = judge(static, verdicts, "failed")
    assert judgement.confirmed, f"{path}: {judgement.reason} (lint fails {failing})"


def _found(name: str) -> dict[str, list[tuple[str, str]]]:
    """capability -> [(rule, path)] of the lint's findings for scenarios/<name>.yaml."""
    verdicts = scenario_lint(load_scenario(Path("scenarios") / f"{name}.yaml"))
    return {v.capability: [(f["rule"], f["path"]) for f in v.details.get("found", [])] for v in verdicts}


def test_kakao_2022_devtools_b_needs_the_store_of_site_a() -> None:
    found = _found("kakao-2022")
    assert found["chat"] == found["login"] == []
    assert found["devtools"] == [
        ("cross-site", "devtools-b -> DRILLS_DB_HOSTS -> devtools-db-a"),
        ("no-replica", "devtools-a -> DRILLS_DB_HOSTS -> devtools-db-a"),
    ]


def test_no_witness_loses_the_etcd_majority_with_either_site() -> None:
    found = _found("no-witness")
    for cap in ("chat", "login", "devtools"):
        assert [rule for rule, _ in found[cap]] == ["cross-site", "cross-site", "quorum"]
        assert found[cap][0][1] == (f"{cap}-b -> DRILLS_DB_HOSTS -> pg-b -> DRILLS_ETCD_HOSTS "
                                    "(startup-only label; the wiring uses it) -> etcd-b")  # fmt: skip


def test_lb_no_check_flags_every_backend_of_the_edge() -> None:
    found = _found("lb-no-check")
    for cap in ("chat", "login", "devtools"):
        path = f"edge-lb -> haproxy-no-check.cfg backend {cap} -> a -> {cap}-a | b -> {cap}-b"
        assert found[cap] == [("lb-no-check", path)]


def test_runbook_one_site_flags_the_content_site_b_lacks() -> None:
    found = _found("runbook-one-site")
    assert found["devtools"] == [("one-site-content", "devtools-a -> mount /srv/runbook/runbook.md")]
    assert found["chat"] == found["login"] == []


def test_manual_activation_one_site_names_the_activation_paths_dependency_on_site_a() -> None:
    found = _found("manual-activation-one-site")
    assert found["chat"] == [("activation-path", "activate-b -> devtools (site b) -> devtools-a")]  # its when:
    assert [rule for rule, _ in found["devtools"]] == ["no-instance", "lb-one-site"]
    assert found["login"] == []
    # the same runbook step with devtools in both sites: nothing to find, and it must pass (no expect:)
    good = load_scenario(Path("scenarios") / "manual-activation.yaml")
    assert good.expect is None and good.cut_sites == ("a",)
    assert all(v.status == "pass" for v in scenario_lint(good))
    bad = load_scenario(Path("scenarios") / "manual-activation-one-site.yaml")
    assert good.actions[0] == bad.actions[0]  # "same action": only the variant differs for it


def _services(name: str) -> dict[str, object]:
    data = yaml.safe_load((ROOT / "fixtures" / "variants" / f"{name}.yml").read_text(encoding="utf-8"))
    services: dict[str, object] = data["services"]
    return services


def test_the_manual_activation_one_site_variant_is_manual_activation_without_devtools_b() -> None:
    """A scenario names one variant, so the one-site file repeats manual-activation.yml: they cannot drift."""
    reference, one_site = _services("manual-activation"), _services("manual-activation-one-site")
    assert one_site.pop("devtools-b") == {"profiles": ["disabled"]}
    assert reference.pop("devtools-b") == reference["devtools-a"]
    assert one_site == reference


def test_async_replication_fails_the_capabilities_that_write_not_login() -> None:
    """login only reads (its journey declares no RPO stream): no RPO target can be broken for it."""
    found = _found("async-replication")
    assert found["login"] == []
    assert found["chat"] == [("async-replication", "chat-a -> DRILLS_DB_HOSTS -> pg-a")]
    assert found["devtools"] == [("async-replication", "devtools-a -> DRILLS_DB_HOSTS -> pg-a")]


def _scenario_with_wan_fault(tmp_path: Path, variant: str | None) -> Path:
    path = tmp_path / f"{variant or 'reference'}.yaml"
    topology = f"{{compose: docker-compose.yml, variant: {variant}}}" if variant else "{compose: docker-compose.yml}"
    path.write_text(f"name: slow-devtools-db\ntopology: {topology}\nfaults:\n"
                    "  - {id: slow, type: wan, link: b_a_devtools-db, latency: 50ms, at: 1s, duration: 5s}\n")
    return path


def test_kakao_2022_links_are_those_of_the_proxies_file_it_mounts(tmp_path: Path) -> None:
    real = load_scenario(_scenario_with_wan_fault(tmp_path, "kakao-2022"), repo_root=ROOT)
    assert real.faults[0].target == "b_a_devtools-db"
    # wan.inter_site_latency delays every link between two sites (engine: wan_baseline), its own proxy too
    assert "b_a_devtools-db" in {lk.name for lk in real.topology.links_between("a", "b")}
    with pytest.raises(ScenarioError) as info:
        load_scenario(_scenario_with_wan_fault(tmp_path, None), repo_root=ROOT)
    assert info.value.field == "faults[0].link"
    assert info.value.rule.startswith("unknown link 'b_a_devtools-db' (links: a_b_postgres, ")
    assert info.value.rule.endswith("; from fixtures/toxiproxy/proxies.json)")


def _proxies(name: str) -> list[dict[str, object]]:
    data: list[dict[str, object]] = json.loads((ROOT / "fixtures" / "toxiproxy" / name).read_text(encoding="utf-8"))
    return data


def test_the_kakao_2022_proxies_are_the_reference_plus_its_one_proxy() -> None:
    reference, variant = _proxies("proxies.json"), _proxies("proxies-kakao-2022.json")
    added = [p for p in variant if p not in reference]
    assert added == [{"name": "b_a_devtools-db", "listen": "wan-b-devtools:5432", "upstream": "devtools-db-a:5432",
                      "enabled": True}]  # fmt: skip
    assert [p for p in variant if p not in added] == reference
    # toxiproxy's healthcheck inspects the last proxy of the file (docker-compose.yml)
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert f'"inspect", "{variant[-1]["name"]}"' in compose


_CHECK_SETTINGS = re.compile(r" check inter \S+ fastinter \S+ downinter \S+ fall \d+ rise \d+")
_CHECK_LINES = (["option", "httpchk"], ["http-check", "expect"], ["timeout", "check"])


def _settings(name: str) -> list[str]:
    """The config lines of fixtures/edge-lb/<name>, comments and blank lines dropped."""
    text = (ROOT / "fixtures" / "edge-lb" / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_no_check_haproxy_config_is_the_reference_without_its_health_checks() -> None:
    reference = [_CHECK_SETTINGS.sub("", line) for line in _settings("haproxy.cfg")
                 if line.split()[:2] not in _CHECK_LINES]  # fmt: skip
    no_check = _settings("haproxy-no-check.cfg")
    assert no_check == reference
    assert not any("check" in line.split() for line in no_check)
    assert reference != _settings("haproxy.cfg")  # the reference does check (else this test proves nothing)


class ComposeTags(yaml.SafeLoader):
    """Reads Compose's !reset / !override as the plain value they tag."""


def _untagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)  # type: ignore[arg-type]


ComposeTags.add_multi_constructor("!", _untagged)


@pytest.mark.parametrize("variant", sorted(p.name for p in (ROOT / "fixtures" / "variants").glob("*.yml")))
def test_a_service_a_variant_adds_is_hardened_like_the_reference(variant: str) -> None:
    # the reference's services are checked on a running stack (tests/integration/test_replica.py);
    # a service that exists only in a variant (its image or build is set there) must match them
    text = (ROOT / "fixtures" / "variants" / variant).read_text()
    services = (yaml.load(text, Loader=ComposeTags) or {}).get("services") or {}  # noqa: S506 - SafeLoader
    for name, svc in services.items():
        if "image" not in svc and "build" not in svc:
            continue  # an override of a reference service: that service's hardening applies
        assert "no-new-privileges:true" in (svc.get("security_opt") or []), f"{variant}: {name}"
        assert svc.get("cap_drop") == ["ALL"] and not svc.get("cap_add"), f"{variant}: {name}"
        assert not svc.get("privileged"), f"{variant}: {name}"
