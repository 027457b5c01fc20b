from __future__ import annotations

import shutil
from pathlib import Path

import jsonschema
import pytest

from drills.checks.availability import AvailabilityTargets
from drills.checks.rpo import RpoTargets
from drills.checks.rto import RtoTargets
from drills.errors import EXIT_INVALID, ScenarioError
from drills.faults.partition import Partition
from drills.faults.power_cut import PowerCut
from drills.faults.service import ServiceFault
from drills.faults.wan import Wan
from drills.scenario import list_scenarios, load_scenario, repo_root, scenario_schema, schema_json

DATA = Path(__file__).parent / "data"
REPO = DATA / "repo"
BAD = DATA / "bad"
SCENARIOS = Path(__file__).parents[2] / "scenarios"


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(text)
    return p


def load_bad(name: str) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / name, repo_root=REPO)
    return info.value


@pytest.mark.parametrize(
    ("name", "field", "line", "rule"),
    [
        ("unknown-site.yaml", "faults[1].site", 4, "unknown site 'c' (sites in docker-compose.yml: a, b)"),
        ("negative-time.yaml", "faults[0].at", 6, "must be >= 0s"),
        ("typo.yaml", "faults[0].duraton", 4,
         "unknown field 'duraton' (did you mean 'duration'?; allowed: at, duration, id, mode, site, type)"),
        ("unknown-type.yaml", "faults[1].type", 4,
         "unknown fault type 'fire' (allowed: kill, partition, pause, power_cut, restart, wan)"),
        ("unknown-link.yaml", "faults[0].link", 3,
         ("unknown link 'edge_c_chat' (links: edge_a_chat, edge_b_chat, a_b_pg, b_a_pg; "
          "from fixtures/toxiproxy/proxies.json)")),
        ("duplicate-id.yaml", "faults[1].id", 4, "duplicate fault id 'cut'"),
        ("heal-after-end.yaml", "faults[0].duration", 4, "heals at 35s, after the end of the fault phase"),
        ("probes-typo.yaml", "probes.perod", 4, "did you mean 'period'?"),
        ("unknown-service.yaml", "faults[0].service", 3, "unknown service 'cache' in site b"),
        ("unknown-capability.yaml", "checks.per_capability.payments", 4, "unknown capability 'payments'"),
        ("not-a-duration.yaml", "settle", 2, "not a duration: 'soon'"),
        ("duplicate-key.yaml", "settle", 3, "duplicate key 'settle' (first on line 2)"),
        ("unknown-variant.yaml", "topology.variant", 2,
         "unknown variant 'kakao-2099' (variants: async-replication, cross-site, devtools-one-site, kakao-2022"),
        ("open-ended-last.yaml", "faults[0]", 3, "has no duration"),
    ],
)
def test_bad_scenario_names_file_field_rule_and_line(name: str, field: str, line: int, rule: str) -> None:
    err = load_bad(name)
    assert err.file == str(BAD / name)
    assert err.field == field
    assert err.line == line
    assert rule in err.rule
    assert str(err).startswith(f"{BAD / name}:{line}: {field}: ")
    assert err.exit_code == EXIT_INVALID


def test_bad_yaml_names_file_and_line() -> None:
    err = load_bad("bad-yaml.yaml")
    assert err.line == 4
    assert "invalid YAML" in err.rule and "line 3" in err.rule
    assert str(err).startswith(f"{BAD / 'bad-yaml.yaml'}:4: ")


def test_missing_file_and_non_mapping(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "nope.yaml", repo_root=REPO)
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        load_scenario(write(tmp_path, "- a\n- b\n"), repo_root=REPO)


def test_missing_compose_is_reported_on_topology_compose(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\ntopology:\n  compose: nowhere.yml\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p, repo_root=REPO)
    assert (info.value.field, info.value.line) == ("topology.compose", 3)
    assert "compose file not found" in info.value.rule


def test_defaults_and_model(tmp_path: Path) -> None:
    p = write(tmp_path, "name: minimal\nfaults:\n  - {id: cut-b, type: power_cut, site: b, at: 1s, duration: 25s}\n")
    s = load_scenario(p, repo_root=REPO)
    assert s.path == p and len(s.digest) == 64
    assert (s.probes.period, s.probes.timeout, s.probes.journeys) == (0.1, 2.0, ("chat", "login", "devtools"))
    assert (s.steady_state.duration, s.steady_state.min_consecutive, s.steady_state.timeout) == (5.0, 5, 60.0)
    assert s.settle == 20.0 and s.fault_phase == 26.0
    assert s.checks.defaults.get(AvailabilityTargets).target == 0.9 and s.checks.defaults.get(RpoTargets).target == 0
    assert s.faults[0].params == PowerCut("b") and s.faults[0].heal_at == 26.0
    assert s.topology.sites == ("a", "b")
    assert s.topology.capabilities == ("chat", "login", "devtools")
    assert {lk.name for lk in s.topology.links} == {"edge_a_chat", "edge_b_chat", "a_b_pg", "b_a_pg"}
    assert s.read_only == ("login",)  # the journey registry: login declares no RPO stream


def test_every_fault_type_and_per_capability_overrides(tmp_path: Path) -> None:
    p = write(tmp_path, """
name: all-types
fault_phase: 60s
probes:
  custom:
    - {name: chat-health, type: http, capability: chat, url: "{chat}/health", expect_status: 204}
    - {name: dns, type: command, capability: dns, argv: ["true"]}
faults:
  - {id: p, type: partition, between: [a, b], at: 1s, duration: 5s}
  - {id: w, type: wan, link: edge_b_chat, latency: 50ms, jitter: 10ms, bandwidth_kbps: 100,
     slicer: {average_size: 64, delay: 1ms}, at: 2s}
  - {id: k, type: kill, site: a, service: chat, at: 3s, duration: 1s}
  - {id: r, type: restart, site: b, service: login-b, at: 4s}
checks:
  rto: {target: 20s}
  per_capability:
    devtools: {rto: {target: 30s}}
    dns: {availability: {target: 0.5, window: faults}}
abort: [{capability: dns, down_longer_than: 1m}]
""")
    s = load_scenario(p, repo_root=REPO)
    params = [f.params for f in s.faults]
    assert params[0] == Partition(("a", "b"))
    assert isinstance(params[1], Wan) and params[1].latency == 0.05 and params[1].slicer is not None
    assert params[1].slicer.delay == pytest.approx(0.001)
    assert params[2] == ServiceFault("a", "chat", "chat-a")
    assert params[3] == ServiceFault("b", "login-b", "login-b")
    assert s.faults[1].duration is None and s.fault_phase == 60.0
    assert s.checks.for_capability("devtools").get(RtoTargets).target == 30.0
    assert s.checks.for_capability("devtools").get(RtoTargets).stable_target == 30.0
    assert s.checks.for_capability("chat").get(RtoTargets).target == 20.0
    assert s.checks.for_capability("dns").get(AvailabilityTargets).target == 0.5
    assert s.checks.for_capability("dns").get(RtoTargets).target == 20.0  # inherits the defaults
    assert s.capabilities == ("chat", "login", "devtools", "dns")
    assert s.abort[0].down_longer_than == 60.0


def test_partition_without_links_is_rejected(tmp_path: Path) -> None:
    p = write(tmp_path, "name: x\nfaults:\n  - {id: p, type: partition, between: [a, a], at: 1s, duration: 1s}\n")
    with pytest.raises(ScenarioError, match="two different domains"):
        load_scenario(p, repo_root=REPO)
    p = write(tmp_path, "name: x\nfaults:\n  - {id: p, type: partition, between: [a, edge], at: 1s, duration: 1s}\n")
    s = load_scenario(p, repo_root=REPO)
    assert s.faults[0].params == Partition(("a", "edge"))


def test_example_scenarios_load_against_the_test_topology() -> None:
    loaded = {p.stem: load_scenario(p, repo_root=REPO) for p in sorted(SCENARIOS.glob("*.yaml"))}
    assert {"site-a-power-cut", "site-b-power-cut", "kakao-2022", "devtools-one-site"} <= set(loaded)
    default = loaded["site-a-power-cut"]
    assert default.fault_phase + default.settle < 60
    assert loaded["devtools-one-site"].topology.variant == "devtools-one-site"
    assert "devtools-b" in loaded["devtools-one-site"].topology.disabled
    assert "fail" in loaded["kakao-2022"].description.lower()


def test_repo_root_is_the_nearest_folder_with_a_compose_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "docker-compose.yml").write_text("services: {}\n")
    assert repo_root(tmp_path / "scenarios" / "x.yaml") == tmp_path.resolve()
    monkeypatch.chdir(tmp_path / "scenarios")
    assert repo_root() == tmp_path.resolve()


def test_repo_root_without_a_compose_file_is_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert repo_root(tmp_path / "x.yaml") == (tmp_path / "elsewhere")


def test_list_scenarios_reads_name_and_description() -> None:
    rows = {name: (path, desc) for path, name, desc in list_scenarios(SCENARIOS)}
    assert "kakao-2022" in rows and "devtools" in rows["kakao-2022"][1]
    assert rows["site-a-power-cut"][0].name == "site-a-power-cut.yaml"


def test_schema_is_valid_and_documents_every_field() -> None:
    jsonschema.Draft202012Validator.check_schema(scenario_schema())
    assert '"additionalProperties": false' in schema_json()

    def walk(node: object, path: str) -> None:
        if isinstance(node, dict):
            for name, sub in node.get("properties", {}).items():
                assert "description" in sub, f"{path}.{name} has no description"
            for key, sub in node.items():
                walk(sub, f"{path}.{key}")
        elif isinstance(node, list):
            for i, sub in enumerate(node):
                walk(sub, f"{path}[{i}]")

    walk(scenario_schema(), "$")


# ---------------------------------------------------------------- a cut long enough to judge failover


CUT = "name: cut\nfaults:\n  - {id: cut-a, type: power_cut, site: a, at: 3s, duration: %s}\n"


def test_a_site_cut_shorter_than_rto_plus_stable_cannot_tell_failover_from_healing(tmp_path: Path) -> None:
    p = write(tmp_path, CUT % "17s" + "checks: {rto: {target: 20s, stable_for: 5s}}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(p, repo_root=REPO)
    assert info.value.field == "faults[0].duration" and info.value.line == 3
    assert "lasts 17s, shorter than chat's RTO target plus its stable duration (20s + 5s = 25s)" in info.value.rule
    assert "cannot tell failover from healing" in info.value.rule


def test_a_cut_just_long_enough_loads_and_failover_off_lifts_the_rule(tmp_path: Path) -> None:
    load_scenario(write(tmp_path, CUT % "25s" + "checks: {rto: {target: 20s, stable_for: 5s}}\n"), repo_root=REPO)
    off = CUT % "2s" + "checks: {failover: {enabled: false}}\n"
    load_scenario(write(tmp_path, off), repo_root=REPO)


def test_the_rule_uses_each_capabilitys_own_targets_and_only_site_cuts(tmp_path: Path) -> None:
    body = CUT % "30s" + "checks:\n  per_capability:\n    devtools: {rto: {target: 28s}}\n"
    with pytest.raises(ScenarioError, match="devtools's RTO target plus its stable duration"):
        load_scenario(write(tmp_path, body), repo_root=REPO)
    part = "name: p\nfaults:\n  - {id: p, type: partition, between: [a, b], at: 1s, duration: 2s}\n"
    load_scenario(write(tmp_path, part), repo_root=REPO)  # not a site cut: nothing to tell apart


def test_an_open_ended_cut_lasts_until_the_end_of_the_fault_phase(tmp_path: Path) -> None:
    body = "name: open\nfault_phase: 10s\nfaults:\n  - {id: cut-a, type: power_cut, site: a, at: 3s}\n"
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, body), repo_root=REPO)
    assert info.value.field == "faults[0].at" and "lasts 7s" in info.value.rule


@pytest.mark.parametrize(("body", "field", "rule"), [
    ("probes: {per_site: {period: 0s}}", "probes.per_site.period", "must be > 0s"),
    ("load: {writers: -1}", "load.writers", "must be >= 0 (got -1)"),
    ("load: {rate: 0}", "load.rate", "must be > 0 (got 0)"),
    ("wan: {inter_site_latency: fast}", "wan.inter_site_latency", "not a duration: 'fast'"),
])  # fmt: skip
def test_bad_per_site_load_and_wan_settings_name_their_field(tmp_path: Path, body: str, field: str, rule: str) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, f"name: bad\n{body}\n"), repo_root=REPO)
    assert info.value.field == field and rule in str(info.value)
    assert info.value.exit_code == EXIT_INVALID


@pytest.mark.parametrize("body", [
    "faults:\n  - {id: c, at: 1s, site: a}",
    "actions:\n  - {id: x, at: 1s, capability: devtools, path: /x}",
    ("faults:\n  - {id: c, type: power_cut, site: a, at: 1s, duration: 30s}\n"
    "restore:\n  failback: {capability: devtools}"),
])  # fmt: skip
def test_a_missing_type_says_so_not_another_types_unknown_field(tmp_path: Path, body: str) -> None:
    # each type's branch of the schema selects on type; without type every branch used to apply
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, f"name: typeless\n{body}\n"), repo_root=REPO)
    assert info.value.rule == "missing required field 'type'", str(info.value)


def test_a_stack_of_your_own_keeps_its_variants_next_to_its_compose_file(tmp_path: Path) -> None:
    """variants/<name>.yml next to the compose file first, then the repository's fixtures/variants/."""
    stack = tmp_path / "examples" / "shop"
    shutil.copytree(REPO, stack)  # its compose file and the files it mounts
    (stack / "variants").mkdir()
    (stack / "variants" / "no-b-chat.yml").write_text("services:\n  chat-b:\n    profiles: [off]\n")
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    (tmp_path / "fixtures" / "variants" / "theirs.yml").write_text("services: {}\n")
    body = "name: own\ntopology: {compose: examples/shop/docker-compose.yml, variant: %s}\n"
    s = load_scenario(write(tmp_path, body % "no-b-chat"), repo_root=tmp_path)
    assert s.topology.variant_file == stack / "variants" / "no-b-chat.yml"
    assert "chat-b" in s.topology.disabled
    assert load_scenario(write(tmp_path, body % "theirs"), repo_root=tmp_path).topology.variant_file == (
        tmp_path / "fixtures" / "variants" / "theirs.yml")  # fmt: skip
    with pytest.raises(ScenarioError, match=r"unknown variant 'nope' \(variants: no-b-chat, theirs; looked for "):
        load_scenario(write(tmp_path, body % "nope"), repo_root=tmp_path)


def test_overrides_are_layered_on_the_compose_file_before_the_variant(tmp_path: Path) -> None:
    """topology.overrides: e.g. the labels `drill init` proposes for a compose file kept as it is."""
    shutil.copytree(REPO, tmp_path / "repo")
    root = tmp_path / "repo"
    (root / "labels.yml").write_text("services:\n  chat-b:\n    labels: {org.drills.capability: talk}\n")
    body = "name: own\ntopology: {compose: docker-compose.yml, overrides: [%s]}\n"
    s = load_scenario(write(tmp_path, body % "labels.yml"), repo_root=root)
    assert s.topology.overrides == (root / "labels.yml",)
    assert "talk" in s.topology.capabilities  # the override's label is read
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, body % "nope.yml"), repo_root=root)
    assert info.value.field == "topology.overrides[0]" and "compose file not found" in info.value.rule
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, body % "../x.yml"), repo_root=root)
    assert info.value.field == "topology.overrides[0]" and "outside the repository" in info.value.rule


def test_a_folder_with_compose_yaml_is_a_repo_root_and_its_default_compose_file(tmp_path: Path) -> None:
    """Compose's own file names count: a stack whose file is compose.yaml is drilled from its folder."""
    stack = tmp_path / "stack"
    shutil.copytree(REPO, stack)
    (stack / "docker-compose.yml").rename(stack / "compose.yaml")
    (stack / "scenarios").mkdir()
    scenario = stack / "scenarios" / "s.yaml"
    scenario.write_text("name: own\n")
    assert repo_root(scenario) == stack
    assert load_scenario(scenario).topology.compose == stack / "compose.yaml"
