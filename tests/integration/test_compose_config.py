"""Compose's own ``config`` against the hand-written reader, live (needs the docker CLI + Compose v2
plugin, not an engine).

Locally these tests skip with the reason when ``docker compose`` is missing; in CI (``CI`` set) a
missing Compose CLI is a failure, never a silent skip. They are not marked ``integration``: that
marker asks for a running engine, which ``config`` does not need.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from drills.adapters.compose_config import ComposeModel, ConfigReader
from drills.adapters.host import LocalHost
from drills.errors import ComposeUnavailable
from drills.model.topology import Service
from drills.scenario.compose_source import merged_model, read_source
from drills.scenario.discover import ModelReader, TopologyProblem, discover, fallback_only
from drills.setup.replica_images import image_specs, specs_from_model

ROOT = Path(__file__).resolve().parents[2]
UNIT_REPO = ROOT / "tests" / "unit" / "data" / "repo"
FEATURES = ROOT / "tests" / "unit" / "data" / "compose-features"
COMPOSE = Path("docker-compose.yml")


@pytest.fixture(autouse=True)
def compose_cli() -> None:
    done = LocalHost().run(["docker", "compose", "version", "--short"], timeout=30)
    if done.ok and done.stdout.strip().lstrip("v").startswith("2."):
        return
    problem = f"`docker compose version` gives {done.last_line()!r}"
    if os.environ.get("CI"):
        pytest.fail(f"CI needs the Compose v2 CLI: {problem}")
    pytest.skip(f"no Compose v2 CLI ({problem}); `drill setup` installs it")


@pytest.fixture
def compose() -> ConfigReader:
    """A fresh reader that fails the test instead of letting discover fall back."""
    return ConfigReader()


def strict(reader: ConfigReader) -> ModelReader:
    def read(files: Sequence[Path], project_dir: Path) -> ComposeModel:
        try:
            model = reader.read(files, project_dir)
        except ComposeUnavailable as exc:
            pytest.fail(f"Compose was expected to answer: {exc}")
        assert model.reader == "docker compose config"
        return model

    return read


def _cases() -> list[object]:
    """docker-compose.yml alone and with each of its variants, for the replica and the unit repo."""
    out: list[object] = []
    for root, name in ((ROOT, "replica"), (UNIT_REPO, "unit-repo")):
        variants = sorted(p.stem for p in (root / "fixtures" / "variants").glob("*.yml"))
        out += [pytest.param(root, v, id=f"{name}-{v or 'base'}") for v in (None, *variants)]
    return out


@pytest.mark.parametrize(("root", "variant"), _cases())
def test_compose_and_the_hand_written_reader_agree(
    root: Path, variant: str | None, compose: ConfigReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    assert discover(root, COMPOSE, variant, reader=strict(compose)) == discover(
        root, COMPOSE, variant, reader=fallback_only
    )


@pytest.mark.parametrize("root", [ROOT, UNIT_REPO], ids=["replica", "unit-repo"])
def test_compose_and_the_hand_written_reader_give_the_same_image_specs(root: Path, compose: ConfigReader) -> None:
    by_hand = specs_from_model(merged_model([read_source(root / COMPOSE)]))
    by_compose = image_specs(root, reader=strict(compose))
    assert sorted(by_compose, key=lambda s: s.tag) == sorted(by_hand, key=lambda s: s.tag)
    if root == ROOT:
        assert {s.tag for s in by_compose} >= {"drills/messenger-app:0.1.0", "drills/replica-db:0.1.0"}


def test_compose_reads_extends_include_env_file_and_label_variables(
    compose: ConfigReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DRILLS_TEST_SITE_A", "DRILLS_TEST_SITE_B", "DRILLS_TEST_APP_TAG", "COMPOSE_PROFILES"):
        monkeypatch.delenv(name, raising=False)
    topo = discover(FEATURES, COMPOSE, None, reader=strict(compose))
    assert topo.services == (
        Service("chat-a", "a", "chat", depends_on=("witness",), role="app"),
        Service("chat-b", "b", "chat", depends_on=("witness",), role="app"),
        Service("witness", "edge", None, role="witness"),
    )
    assert topo.disabled == ("app-template", "chat-c")
    assert {s.tag for s in image_specs(FEATURES, reader=strict(compose))} == {
        "drills-test/app:0.2",
        "drills-test/app-b:0.2",
    }
    with pytest.raises(TopologyProblem, match=r"org\.drills\.domain"):
        discover(FEATURES, COMPOSE, None, reader=fallback_only)


def test_the_environment_changes_the_answer(compose: ConfigReader, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COMPOSE_PROFILES", raising=False)
    monkeypatch.setenv("DRILLS_TEST_SITE_A", "a2")
    assert discover(FEATURES, COMPOSE, None, reader=strict(compose)).sites == ("a2", "b")
    monkeypatch.setenv("COMPOSE_PROFILES", "third-site")
    topo = discover(FEATURES, COMPOSE, None, reader=strict(compose))
    assert topo.sites == ("a2", "b", "c") and topo.disabled == ("app-template",)
    variant = discover(FEATURES, COMPOSE, "third-site", reader=strict(compose))
    assert variant.service("chat-b") == Service("chat-b", "b", "chat", role="app")


def _project(tmp_path: Path, base: str, variant: str) -> None:
    (tmp_path / "fixtures" / "variants").mkdir(parents=True)
    (tmp_path / "docker-compose.yml").write_text(base)
    (tmp_path / "fixtures" / "variants" / "v.yml").write_text(variant)


BASE = "services:\n  a:\n    image: x\n    labels: {org.drills.domain: a}\n"


@pytest.mark.parametrize(
    ("variant", "field", "line", "says"),
    [
        pytest.param(
            "services:\n  a:\n    healthcheck: 5\n", "services.a.healthcheck", 3, "must be a mapping", id="type"
        ),
        pytest.param("services:\n  a:\n    imagee: y\n", "services.a", 2, "imagee", id="unknown-key"),
    ],
)
def test_a_file_compose_rejects_is_named_with_its_line(
    tmp_path: Path, compose: ConfigReader, variant: str, field: str, line: int, says: str
) -> None:
    _project(tmp_path, BASE, variant)
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, "v", reader=strict(compose))
    problem = info.value
    assert problem.file == tmp_path / "fixtures" / "variants" / "v.yml"
    assert (problem.field, problem.line) == (field, line)
    assert says in problem.rule and problem.rule.endswith("(docker compose config)")
    assert "\n" not in str(problem)


def test_a_rejection_that_names_no_file_blames_the_file_that_breaks(
    tmp_path: Path, compose: ConfigReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DRILLS_TEST_NEEDED", raising=False)
    _project(tmp_path, BASE, "services:\n  a:\n    image: ${DRILLS_TEST_NEEDED:?set it}\n")
    with pytest.raises(TopologyProblem) as info:
        discover(tmp_path, COMPOSE, "v", reader=strict(compose))
    assert info.value.file == tmp_path / "fixtures" / "variants" / "v.yml"
    assert (info.value.field, info.value.line) == ("services.a.image", 3)
    assert "DRILLS_TEST_NEEDED" in info.value.rule
