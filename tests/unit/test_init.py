"""``drill init``: the reference replica's compose file with every org.drills.* label stripped must
get its labels back (what can be inferred), a scenario that validates, and the user's file untouched."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from drills.adapters.compose_config import ComposeModel
from drills.cli import main
from drills.init import _capability, _site_of, propose
from drills.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
INFERRED = ("org.drills.domain", "org.drills.role", "org.drills.capability", "org.drills.toxiproxy-api")


def _strip(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if not str(k).startswith(("org.drills.", "x-"))}
    return [_strip(v) for v in x] if isinstance(x, list) else x


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    """A copy of the reference replica whose compose file carries no drills label at all."""
    shutil.copytree(ROOT / "fixtures", tmp_path / "fixtures")
    data = _strip(yaml.safe_load((ROOT / "docker-compose.yml").read_text()))
    (tmp_path / "docker-compose.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    return tmp_path


def _labels(path: Path) -> dict[str, dict[str, str]]:
    data = yaml.safe_load(path.read_text())
    return {name: {k: str(v) for k, v in (spec.get("labels") or {}).items()} for name, spec in data["services"].items()}


def test_init_finds_the_reference_replicas_labels_again(bare: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = (bare / "docker-compose.yml").read_bytes()
    assert main(["init", "--compose", str(bare / "docker-compose.yml")]) == 1  # in-sync cannot be inferred
    out = capsys.readouterr().out
    assert (bare / "docker-compose.yml").read_bytes() == before  # the user's file is never edited
    reference = _labels(ROOT / "docker-compose.yml")
    original = {n: {k: v for k, v in lab.items() if k in INFERRED} for n, lab in reference.items()}
    proposed = _labels(bare / "docker-compose.drills.yml")
    assert {n: {k: v for k, v in lab.items() if k in INFERRED} for n, lab in proposed.items()} == original
    assert proposed["edge-lb"]["org.drills.endpoints"] == "chat:8081,login:8082,devtools:8083"
    assert sorted(proposed["toxiproxy"]["org.drills.site-endpoints"].split(",")) == sorted(
        _labels(ROOT / "docker-compose.yml")["toxiproxy"]["org.drills.site-endpoints"].split(","))  # fmt: skip
    assert all(lab["org.drills.run"] == "${DRILLS_RUN_ID:-manual}" for lab in proposed.values())
    # every guess is said with its reason; what is still missing is said with its fix
    assert "drill init: etcd-w: domain edge (the only service ending in 'w': not a site)" in out
    assert "drill init: chat-a: capability chat (its name without the site)" in out
    assert "still missing: [in-sync] pg-a:" in out and "fix: label it org.drills.in-sync" in out
    # the starter scenario validates, layering the override, one journey per entry point
    s = load_scenario(bare / "scenarios" / "site-a-power-cut.yaml")
    assert s.topology.overrides == (bare / "docker-compose.drills.yml",)
    assert [(d.name, d.capability, d.steps[0].path) for d in s.probes.declared] == [
        ("chat-starter", "chat", "/ready"), ("login-starter", "login", "/ready"),
        ("devtools-starter", "devtools", "/ready")]  # fmt: skip
    assert [f.type for f in s.faults] == ["power_cut"] and s.probes.per_site


def test_init_refuses_to_overwrite_unless_forced(bare: Path, capsys: pytest.CaptureFixture[str]) -> None:
    compose = str(bare / "docker-compose.yml")
    main(["init", "--compose", compose])
    (bare / "scenarios" / "site-a-power-cut.yaml").write_text("mine\n")
    capsys.readouterr()
    assert main(["init", "--compose", compose]) == 2
    assert "exist(s): remove, choose another DIR, or --force" in capsys.readouterr().err
    assert (bare / "scenarios" / "site-a-power-cut.yaml").read_text() == "mine\n"
    assert main(["init", "--compose", compose, "--force"]) == 1
    assert (bare / "scenarios" / "site-a-power-cut.yaml").read_text().startswith("# A starter drill")


def test_init_writes_into_another_directory(bare: Path, tmp_path: Path) -> None:
    out = bare / "drills"
    main(["init", "--compose", str(bare / "docker-compose.yml"), str(out)])
    assert (out / "docker-compose.drills.yml").is_file() and (out / "scenarios" / "site-a-power-cut.yaml").is_file()
    s = load_scenario(out / "scenarios" / "site-a-power-cut.yaml")  # its paths are relative to its repo root
    assert s.topology.compose == bare / "docker-compose.yml"


@pytest.mark.parametrize(
    ("write", "argv_tail", "error"),
    [
        (None, ["nope.yml"], "--compose nope.yml: no such file"),
        ("services: [", [], "docker-compose.yml"),  # Compose rejects it: one line naming the file
    ],
)
def test_init_bad_input_exits_2_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write: str | None, argv_tail: list[str], error: str
) -> None:
    compose = tmp_path / "docker-compose.yml"
    if write is not None:
        compose.write_text(write)
    target = argv_tail[0] if argv_tail else str(compose)
    assert main(["init", "--compose", target]) == 2
    assert error in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["docker-compose.yml"] if write is not None else [])


@pytest.mark.parametrize(
    ("name", "site", "capability"),
    [("notes-a", "a", "notes"), ("redis_b", "b", "redis"), ("site-a-shop", "a", "shop"), ("shop-site-b", "b", "shop"),
     ("dc1_api", "1", "api"), ("web", "", "web"), ("haproxy", "", "haproxy")],
)  # fmt: skip
def test_site_and_capability_from_a_service_name(name: str, site: str, capability: str) -> None:
    assert _site_of(name) == site
    assert _capability(name, site) == capability


def test_a_proposal_keeps_labels_already_there_and_guesses_the_rest() -> None:
    services: dict[str, dict[str, Any]] = {
        "lb": {"image": "haproxy:2.8", "ports": ["127.0.0.1::8080"]},
        "api-a": {"image": "shop/api", "labels": {"org.drills.capability": "checkout"}},
        "api-b": {"image": "shop/api"},
        "db-a": {"image": "mariadb:11"},
        "db-b": {"image": "mariadb:11"},
    }
    p = propose(ComposeModel(services=services))
    assert p.services["api-a"] == {"org.drills.run": "${DRILLS_RUN_ID:-manual}", "org.drills.domain": "a",
                                   "org.drills.role": "app"}  # its capability is kept, not proposed  # fmt: skip
    assert p.services["api-b"]["org.drills.capability"] == "api"
    assert p.services["db-b"]["org.drills.role"] == "datastore"
    assert p.services["lb"]["org.drills.role"] == "entrypoint"
    # two capabilities (checkout, api), one published port: no pairing is guessed, and it says so
    assert "org.drills.endpoints" not in p.services["lb"]
    assert any(s.subject == "lb" and s.what == "no endpoints" for s in p.steps)


def test_init_on_the_example_stacks_unlabelled_compose_file_writes_a_scenario_that_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/notes-redis, every drills label stripped: what drill init proposes must load."""
    stack = tmp_path / "notes-redis"
    shutil.copytree(ROOT / "examples" / "notes-redis", stack)
    labelled = _labels(stack / "docker-compose.yml")
    data = _strip(yaml.safe_load((stack / "docker-compose.yml").read_text()))
    (stack / "docker-compose.yml").write_text(yaml.safe_dump(data, sort_keys=False))
    shutil.rmtree(stack / "scenarios")
    assert main(["init", "--compose", str(stack / "docker-compose.yml")]) in (0, 1)
    out = capsys.readouterr().out
    assert "validates" in out, out
    proposed = _labels(stack / "docker-compose.drills.yml")
    for name, labels in labelled.items():  # every domain and capability found again
        for key in ("org.drills.domain", "org.drills.capability"):
            assert proposed[name].get(key) == labels.get(key), (name, key)
    s = load_scenario(stack / "scenarios" / "site-a-power-cut.yaml")
    assert [d.capability for d in s.probes.declared] == list(dict.fromkeys(
        lab["org.drills.capability"] for lab in labelled.values() if "org.drills.capability" in lab))  # fmt: skip


@pytest.mark.parametrize(
    ("name", "image", "kind"),
    [("notes-a", "shop/notes-redis-app:1", ""), ("cache-a", "redis:7", "datastore"),
     ("store-b", "bitnami/postgresql:15", "datastore"), ("pg-a", "drills/replica-db:0.1.0", "datastore"),
     ("front", "haproxy:2.8", "entrypoint"), ("wan", "ghcr.io/shopify/toxiproxy:2.5.0", "wan"),
     ("sentinel-w", "redis:7", "consensus"), ("api-b", "shop/api-gateway-client", "")],
)  # fmt: skip
def test_a_services_kind_comes_from_its_name_else_the_product_its_image_is(name: str, image: str, kind: str) -> None:
    from drills.init import _kind

    assert _kind(name, {"image": image}) == kind
