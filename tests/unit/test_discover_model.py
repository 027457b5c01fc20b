"""The Compose-backed topology reader on recorded ``docker compose config`` output (no subprocess).

Recordings live in data/compose-config/ (see its README); a fake host plays them back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from drills.adapters.compose_config import (
    PROJECT_NAME,
    ComposeModel,
    ComposeRejected,
    ConfigReader,
    model_from_config,
)
from drills.adapters.host import Completed
from drills.errors import ComposeUnavailable, ScenarioError
from drills.lint.files import parse_file
from drills.model.proxies import ProxiesError
from drills.model.topology import Link, Service
from drills.scenario import load_scenario
from drills.scenario.compose_source import interpolate, merged_model, read_source
from drills.scenario.discover import ModelReader, TopologyProblem, discover, fallback_only
from drills.setup.replica_images import ImageSpec, specs_from_model

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
REPO = DATA / "repo"
FEATURES = DATA / "compose-features"
RECORDED = DATA / "compose-config"
COMPOSE = Path("docker-compose.yml")


class FakeHost:
    """Answers ``docker compose`` with fixed outputs and records every command."""

    def __init__(self, config: Completed, services: Completed, quiet: Sequence[Completed] = ()) -> None:
        self.config, self.services, self.quiet = config, services, list(quiet)
        self.calls: list[tuple[str, ...]] = []

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        env: Mapping[str, str] | None = None,
        input_bytes: bytes | None = None,
        cwd: Path | None = None,
    ) -> Completed:
        assert timeout > 0
        self.calls.append(tuple(argv))
        if "--services" in argv:
            return self.services
        if "--quiet" in argv:
            return self.quiet.pop(0)
        return self.config


def recorded(name: str, root: Path) -> FakeHost:
    text = (RECORDED / f"{name}.json").read_text().replace("/REPO", str(root.resolve()))
    return FakeHost(Completed((), 0, text), Completed((), 0, (RECORDED / f"{name}.services").read_text()))


def failing(stderr: str, rc: int = 15, quiet: Sequence[Completed] = ()) -> FakeHost:
    done = Completed((), rc, "", stderr)
    return FakeHost(done, done, quiet)


@pytest.mark.parametrize("variant", [None, "kakao-2022", "cross-site"])
def test_recorded_compose_model_gives_the_hand_written_topology(variant: str | None) -> None:
    host = recorded(f"repo-{variant}" if variant else "repo", REPO)
    from_compose = discover(REPO, COMPOSE, variant, reader=ConfigReader(host).read)
    assert from_compose == discover(REPO, COMPOSE, variant, reader=fallback_only)
    assert host.calls, "the recorded Compose output was used"


def test_services_keep_the_declared_order_and_sorted_dependencies() -> None:
    topo = discover(REPO, COMPOSE, "cross-site", reader=ConfigReader(recorded("repo-cross-site", REPO)).read)
    assert [s.name for s in topo.services][:3] == ["pg-a", "pg-b", "witness"]
    assert topo.services[-1].name == "cache-a"  # a variant's new service comes after the base's
    assert topo.service("chat-a") == Service("chat-a", "a", "chat", depends_on=("cache-a", "pg-a"))
    assert topo.service("login-b") == Service("login-b", "b", "login", depends_on=("pg-a",))
    assert topo.capabilities == ("chat", "login", "devtools")


def test_extends_include_env_file_label_variables_and_profiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRILLS_TEST_SITE_B", raising=False)
    topo = discover(FEATURES, COMPOSE, None, reader=ConfigReader(recorded("features", FEATURES)).read)
    assert topo.services == (
        Service("chat-a", "a", "chat", depends_on=("witness",), role="app"),  # extends + ${VAR:-a}
        Service("chat-b", "b", "chat", depends_on=("witness",), role="app"),  # extends file + .env
        Service("witness", "edge", None, role="witness"),  # include
    )
    assert topo.disabled == ("app-template", "chat-c") and topo.sites == ("a", "b")
    reader = ConfigReader(recorded("features-third-site", FEATURES)).read
    third = discover(FEATURES, COMPOSE, "third-site", reader=reader)
    assert third.sites == ("a", "b", "c") and third.disabled == ("app-template",)
    assert third.service("chat-b") == Service("chat-b", "b", "chat", role="app")


def test_the_hand_written_reader_cannot_read_the_features_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DRILLS_TEST_SITE_B", raising=False)
    with pytest.raises(TopologyProblem) as info:
        discover(FEATURES, COMPOSE, None, reader=fallback_only)
    problem = info.value
    assert problem.file == FEATURES / COMPOSE and problem.field == "services.chat-b.labels"
    assert problem.line == 28 and "org.drills.domain" in problem.rule


def test_image_specs_follow_extends_and_the_env_file() -> None:
    model = ConfigReader(recorded("features", FEATURES)).read([FEATURES / COMPOSE])
    app = (FEATURES / "app").resolve()
    assert specs_from_model(model) == [
        ImageSpec("drills-test/app:0.2", app, "Dockerfile"),
        ImageSpec("drills-test/app-b:0.2", app, "B.Dockerfile"),
    ]


def test_the_reader_asks_compose_twice_and_caches_by_content_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {x: {image: x, profiles: [off]}}\n")
    host = recorded("repo-kakao-2022", REPO)
    reader = ConfigReader(host, timeout=7)
    model = reader.read([compose])
    assert model.disabled == ("devtools-b",) and "witness" in model.services
    full, names = sorted(host.calls, key=len)
    prefix = ("docker", "compose", "--project-directory", str(tmp_path), "-p", PROJECT_NAME, "-f", str(compose))
    assert full == (*prefix, "config", "--format", "json", "--no-consistency")
    assert names == (*prefix, "--profile", "*", "config", "--services", "--no-consistency")
    assert reader.read([compose]) is model and len(host.calls) == 2
    compose.write_text("services: {x: {image: y, profiles: [off]}}\n")
    reader.read([compose])
    assert len(host.calls) == 4, "a changed file is read again"
    monkeypatch.setenv("COMPOSE_PROFILES", "off")
    reader.read([compose])
    assert len(host.calls) == 6, "a changed environment is read again"
    (tmp_path / ".env").write_text("COMPOSE_PROFILES=off\n")
    reader.read([compose])
    assert len(host.calls) == 8, "a changed .env file is read again"


def test_the_cache_ignores_variables_the_files_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {x: {image: '${TAG:-x}', profiles: [off]}}\n")
    host = recorded("repo-kakao-2022", REPO)
    reader = ConfigReader(host, timeout=7)
    reader.read([compose])
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "something else")  # changes for every test under pytest
    reader.read([compose])
    assert len(host.calls) == 2, "a variable no file names does not change the answer"
    monkeypatch.setenv("TAG", "y")
    reader.read([compose])
    assert len(host.calls) == 4, "a variable a file names is read again"
    compose.write_text("include: [other.yml]\nservices: {x: {image: x}}\n")
    reader.read([compose])
    calls = len(host.calls)
    monkeypatch.setenv("PYTEST_CURRENT_TEST", "a third thing")
    reader.read([compose])
    assert len(host.calls) > calls, "with include, any variable may be read by a file this cannot see"


@pytest.mark.parametrize("word", ["profiles", "extends", "include"])
def test_only_files_that_can_disable_a_service_need_the_second_command(tmp_path: Path, word: str) -> None:
    compose = tmp_path / "docker-compose.yml"
    compose.write_text("services: {x: {image: x}}\n")
    host = recorded("repo-kakao-2022", REPO)
    assert ConfigReader(host).read([compose]).disabled == ()
    assert len(host.calls) == 1 and "--services" not in host.calls[0]
    compose.write_text(f"# {word}\nservices: {{x: {{image: x}}}}\n")
    assert ConfigReader(host).read([compose]).disabled == ("devtools-b",)
    assert len(host.calls) == 3


@pytest.mark.parametrize(
    ("rc", "stderr", "says"),
    [
        (127, "docker: command not found", "not on PATH"),
        (125, "docker: 'compose' is not a docker command.\nSee 'docker --help'", "Compose v2 plugin"),
        (16, "unknown flag: --no-consistency", "Compose v2 plugin"),
        (124, "docker: timed out after 7s", "did not answer within 7s"),
    ],
)
def test_a_missing_or_silent_compose_is_unavailable(rc: int, stderr: str, says: str) -> None:
    with pytest.raises(ComposeUnavailable, match=says):
        ConfigReader(failing(stderr, rc), timeout=7).read([REPO / COMPOSE])


def test_without_compose_discover_falls_back_to_the_hand_written_reader() -> None:
    reader = ConfigReader(failing("docker: 'compose' is not a docker command.", 125))
    assert discover(REPO, COMPOSE, "kakao-2022", reader=reader.read) == discover(
        REPO, COMPOSE, "kakao-2022", reader=fallback_only
    )


def test_a_rejection_names_the_file_compose_names_and_the_field(tmp_path: Path) -> None:
    base, variant = tmp_path / "docker-compose.yml", tmp_path / "v.yml"
    host = failing(f"WARN[0000] some warning\nvalidating {variant}: services.a.labels must be a mapping")
    with pytest.raises(ComposeRejected) as info:
        ConfigReader(host).read([base, variant])
    said = (info.value.file, info.value.field, info.value.message)
    assert said == (variant, "services.a.labels", "must be a mapping")
    assert str(info.value) == f"{variant}: services.a.labels: must be a mapping (docker compose config)"


@pytest.mark.parametrize(
    ("said", "field", "message"),
    [
        ("services.b must be a mapping", "services.b", "must be a mapping"),
        ("services.a.labels.[1]: unexpected type int", "services.a.labels[1]", "unexpected type int"),
        ("cannot override services.a.healthcheck", "services.a.healthcheck", "cannot override services.a.healthcheck"),
        ("yaml: line 4: did not find expected key", "", "yaml: line 4: did not find expected key"),
    ],
)
def test_the_field_is_read_from_the_message(tmp_path: Path, said: str, field: str, message: str) -> None:
    compose = tmp_path / "docker-compose.yml"
    with pytest.raises(ComposeRejected) as info:
        ConfigReader(failing(f"validating {compose}: {said}")).read([compose])
    assert (info.value.file, info.value.field, info.value.message) == (compose, field, message)


@pytest.mark.parametrize(("base_ok", "blamed"), [(True, "v.yml"), (False, "docker-compose.yml")])
def test_a_rejection_without_a_file_name_blames_the_first_file_that_breaks(
    tmp_path: Path, base_ok: bool, blamed: str
) -> None:
    base, variant = tmp_path / "docker-compose.yml", tmp_path / "v.yml"
    quiet = [Completed((), 0 if base_ok else 15, "", "" if base_ok else "boom")]
    host = failing("error while interpolating services.a.image: required variable NEED is missing a value", quiet=quiet)
    with pytest.raises(ComposeRejected) as info:
        ConfigReader(host).read([base, variant])
    assert info.value.file == tmp_path / blamed
    assert info.value.field == "services.a.image"
    assert info.value.message == "required variable NEED is missing a value"
    assert host.calls[-1][-2:] == ("--quiet", "--no-consistency") and host.calls[-1].count("-f") == 1


def test_discover_reports_a_rejection_with_the_line_of_the_field(tmp_path: Path) -> None:
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text("services:\n  a:\n    image: x\n")
    variant = tmp_path / "fixtures" / "variants" / "v.yml"
    variant.write_text("# a comment\nservices:\n  a:\n    labels: 5\n")
    host = failing(f"validating {variant}: services.a.labels must be a mapping")
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, "v", reader=ConfigReader(host).read)
    assert (info.value.file, info.value.field, info.value.line) == (variant, "services.a.labels", 4)
    assert info.value.rule == "must be a mapping (docker compose config)"


def test_a_rejection_of_an_included_file_names_that_file_without_a_line(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("include: [edge.yml]\nservices:\n  a:\n    image: x\n")
    included = tmp_path / "edge.yml"
    host = failing(f"validating {included}: services.a.labels must be a mapping")
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=ConfigReader(host).read)
    assert (info.value.file, info.value.field, info.value.line) == (included, "services.a.labels", None)


def test_a_missing_domain_label_names_the_file_that_writes_the_labels(tmp_path: Path) -> None:
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text("services:\n  a:\n    image: x\n    labels: {role: x}\n")
    (tmp_path / "fixtures" / "variants" / "v.yml").write_text("services:\n  a:\n    environment: {X: 1}\n")

    def reader(files: Sequence[Path], project_dir: Path) -> ComposeModel:
        return ComposeModel({"a": {"labels": {"role": "x"}}})

    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, "v", reader=reader)
    assert (info.value.file, info.value.field, info.value.line) == (tmp_path / COMPOSE, "services.a.labels", 4)


def test_yaml_errors_are_found_before_compose_is_asked(tmp_path: Path) -> None:
    (tmp_path / "docker-compose.yml").write_text("services:\n  a: {image: x}\n  a: {image: y}\n")

    def reader(files: Sequence[Path], project_dir: Path) -> ComposeModel:
        raise AssertionError("Compose must not be asked about a broken file")

    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=reader)
    assert info.value.line == 3 and "duplicate key 'a'" in info.value.rule


def test_output_that_is_not_a_compose_model_means_compose_is_unusable() -> None:
    with pytest.raises(ComposeUnavailable, match="not JSON"):
        model_from_config("Usage: docker compose", "")
    with pytest.raises(ComposeUnavailable, match="services"):
        model_from_config("[]", "")


def test_fallback_interpolation_grammar() -> None:
    env = {"SET": "v", "EMPTY": ""}
    assert interpolate("${SET}-${UNSET:-d}-${EMPTY:-d}-${EMPTY-d}-${UNSET-d}-$$x", env) == "v-d-d--d-$x"
    assert interpolate("${UNSET}", env) == ""


def test_fallback_model_has_the_canonical_shape() -> None:
    model = merged_model([read_source(REPO / COMPOSE), read_source(REPO / "fixtures/variants/kakao-2022.yml")])
    assert model.disabled == ("devtools-b",)
    assert model.labels("login-a") == {"org.drills.domain": "a", "org.drills.capability": "login"}
    assert model.depends_on("login-a") == ("pg-a",) and model.image("pg-a") == "postgres"
    assert model.build("pg-a") is None


# -- the WAN's links: from the proxies file the WAN service really loads -----------------------------


def test_links_come_from_the_proxies_file_the_wan_service_mounts() -> None:
    reference, real = discover(ROOT, COMPOSE, None), discover(ROOT, COMPOSE, "kakao-2022")
    assert reference.proxies_file == ROOT / "fixtures" / "toxiproxy" / "proxies.json"
    assert real.proxies_file == ROOT / "fixtures" / "toxiproxy" / "proxies-kakao-2022.json"
    assert {lk.name for lk in real.links} - {lk.name for lk in reference.links} == {"b_a_devtools-db"}
    assert real.link("b_a_devtools-db") == Link("b_a_devtools-db", "b", "a", "devtools-db", "wan-b-devtools:5432",
                                                "devtools-db-a:5432")  # fmt: skip
    assert reference.link("b_a_devtools-db") is None


WAN_COMPOSE = """\
services:
  app-a: {image: x, labels: {org.drills.domain: a}}
  app-b: {image: x, labels: {org.drills.domain: b}}
  wan:
    image: toxiproxy
    labels: {org.drills.domain: edge, org.drills.role: wan}
"""
PROXIES = [
    '{"name": "a_b_app", "listen": "wan-a:8080", "upstream": "app-b:8080"}',
    '{"name": "b_a_app", "listen": "wan-b:8080", "upstream": "app-a:8080", "enabled": false}',
]


def wan_repo(root: Path, wiring: str, proxies: Sequence[str] = PROXIES) -> Path:
    """A two-site compose file whose WAN service has ``wiring``, and wan/p.json holding ``proxies``."""
    (root / "wan").mkdir(parents=True, exist_ok=True)
    (root / "wan" / "p.json").write_text("[\n" + ",\n".join(proxies) + "\n]\n")
    (root / "docker-compose.yml").write_text(WAN_COMPOSE + wiring)
    return root / "wan" / "p.json"


@pytest.mark.parametrize("reader", [None, fallback_only], ids=["compose", "fallback"])
def test_the_config_flag_may_name_a_file_of_a_mounted_folder(tmp_path: Path, reader: ModelReader | None) -> None:
    proxies = wan_repo(tmp_path, '    command: ["-host=0.0.0.0", "-config", "/etc/wan/p.json"]\n'
                                 '    volumes: ["./wan:/etc/wan:ro", "./other.json:/etc/other.json:ro"]\n')  # fmt: skip
    topo = discover(tmp_path, COMPOSE, None, reader=reader)
    assert topo.proxies_file == proxies.resolve()
    assert [(lk.name, lk.src, lk.dst) for lk in topo.links] == [("a_b_app", "a", "b")]  # the disabled one: no link


def test_a_wan_without_a_config_file_has_no_links(tmp_path: Path) -> None:
    wan_repo(tmp_path, '    command: ["-host=0.0.0.0"]\n    volumes: ["./wan/p.json:/etc/p.json:ro"]\n')
    topo = discover(tmp_path, COMPOSE, None, reader=fallback_only)
    assert topo.links == () and topo.proxies_file is None


def test_a_config_file_no_bind_mount_holds_cannot_be_read(tmp_path: Path) -> None:
    wan_repo(tmp_path, '    command: ["-config=/etc/toxiproxy/proxies.json"]\n'
                       '    volumes: ["./wan/p.json:/etc/p.json:ro"]\n')  # fmt: skip
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=fallback_only)
    assert (info.value.file, info.value.field, info.value.line) == (tmp_path / COMPOSE, "services.wan.command", 7)
    assert "/etc/toxiproxy/proxies.json cannot be read before anything runs: no bind mount holds it" in info.value.rule


WIRED = '    command: ["-config=/etc/p.json"]\n    volumes: ["./wan/p.json:/etc/p.json:ro"]\n'


def test_one_wan_service_may_load_a_proxies_file(tmp_path: Path) -> None:
    wan_repo(tmp_path, WIRED + "  wan-2:\n    image: toxiproxy\n    labels: {org.drills.domain: edge, "
                       "org.drills.role: wan}\n" + WIRED)  # fmt: skip
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=fallback_only)
    assert (info.value.field, info.value.line) == ("services.wan-2.labels", 11)
    assert info.value.rule == "one WAN service (org.drills.role: wan) may load a proxies file; wan, wan-2 do"


@pytest.mark.parametrize(
    ("entry", "field", "rule"),
    [
        ('{"name": "a_b_db", "listen": "wan-a:5432", "upstream": "db-b"}', "[2].upstream",
         "must be host:port (e.g. wan-b:5432), got 'db-b'"),
        ('{"name": "a_b_db", "upstream": "db-b:5432"}', "[2].listen", "required: a non-empty string"),
        ('{"name": "a_b_db", "listen": "wan-a:1", "upstream": "db-b:1", "enabled": "yes"}', "[2].enabled",
         "must be true or false, got 'yes'"),
        ('{"name": "a_b_app", "listen": "wan-a:1", "upstream": "db-b:1"}', "[2].name",
         "duplicate name 'a_b_app' (first at [0])"),
        ('"a_b_db"', "[2]", "must be an object with name, listen, upstream"),
    ],
)
def test_a_broken_proxies_file_names_the_file_and_the_field(tmp_path: Path, entry: str, field: str, rule: str) -> None:
    proxies = wan_repo(tmp_path, WIRED, [*PROXIES, entry])
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=fallback_only)
    assert (info.value.file, info.value.field, info.value.rule) == (proxies.resolve(), field, rule)
    with pytest.raises(ProxiesError) as lint:  # the lint reads it with the same parser
        parse_file(proxies, proxies.read_text())
    assert (lint.value.field, lint.value.rule) == (field, rule)


def test_a_proxy_name_that_is_no_link_name_is_an_error_of_discovery(tmp_path: Path) -> None:
    proxies = wan_repo(tmp_path, WIRED, [*PROXIES, '{"name": "c_a_app", "listen": "wan-c:1", "upstream": "app-a:1"}'])
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, None, reader=fallback_only)
    assert (info.value.file, info.value.field) == (proxies.resolve(), "[2].name")
    assert info.value.rule.startswith("link name 'c_a_app' must be <from>_<to>_<what>")


def test_a_broken_proxies_file_is_one_line_against_the_scenario(tmp_path: Path) -> None:
    proxies = wan_repo(tmp_path, WIRED, [*PROXIES, '{"name": "a_b_db", "listen": "wan-a", "upstream": "db-b:5432"}'])
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: x\nprobes: {journeys: []}\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario, repo_root=tmp_path)
    assert str(info.value) == f"{proxies.resolve()}: [2].listen: must be host:port (e.g. wan-b:5432), got 'wan-a'"
