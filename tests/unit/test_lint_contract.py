"""The labels contract (docs/your-stack.md): one finding per missing piece, each with its fix, on
a hand-made Compose model; and ``drill lint --compose`` on the reference and on an unlabelled file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from drills.adapters.compose_config import ComposeModel
from drills.cli import main
from drills.lint.contract import contract_findings, published_ports

ROOT = Path(__file__).resolve().parents[2]
RUN = {"org.drills.run": "manual"}


def _svc(domain: str, role: str, **more: Any) -> dict[str, Any]:
    labels = {**RUN, "org.drills.domain": domain, "org.drills.role": role, **more.pop("labels", {})}
    return {"labels": labels, **more}


GOOD: dict[str, Any] = {
    "lb": _svc("edge", "entrypoint", labels={"org.drills.endpoints": "shop:8080"},
               ports=[{"target": 8080, "host_ip": "127.0.0.1"}]),
    "wan": _svc("edge", "wan", labels={"org.drills.toxiproxy-api": "8474",
                                       "org.drills.site-endpoints": "a/shop:9001,b/shop:9002"},
                command=["-host=0.0.0.0", "-config=/etc/toxiproxy/proxies.json"],
                ports=["127.0.0.1::8474", "127.0.0.1::9001-9002"]),
    "shop-a": _svc("a", "app", labels={"org.drills.capability": "shop"}),
    "shop-b": _svc("b", "app", labels={"org.drills.capability": "shop"}),
    "db-a": _svc("a", "datastore", labels={"org.drills.in-sync": "db-in-sync"}),
    "db-b": _svc("b", "datastore", labels={"org.drills.in-sync": "db-in-sync"}),
}  # fmt: skip
NETS = {f"site_{x}": {"labels": {**RUN, "org.drills.domain": x}} for x in "ab"}


def model(services: dict[str, Any] | None = None, networks: dict[str, Any] | None = None,
          volumes: dict[str, Any] | None = None) -> ComposeModel:  # fmt: skip
    return ComposeModel(services=services or GOOD, networks=NETS if networks is None else networks,
                        volumes=volumes or {})  # fmt: skip


def broken(service: str, change: dict[str, Any], drop: tuple[str, ...] = ()) -> ComposeModel:
    services = copy.deepcopy(GOOD)
    for label in drop:
        services[service]["labels"].pop(label)
    for k, v in change.items():
        if k == "labels":
            services[service]["labels"].update(v)
        elif v is None:
            services[service].pop(k, None)
        else:
            services[service][k] = v
    return model(services)


def test_a_stack_that_meets_the_contract_has_no_finding() -> None:
    assert contract_findings(model()) == []


@pytest.mark.parametrize(
    ("mk", "subject", "rule", "fix"),
    [
        (lambda: broken("shop-b", {}, ("org.drills.domain",)), "shop-b", "domain", "org.drills.domain: <site>"),
        (lambda: broken("db-a", {}, ("org.drills.run",)), "db-a", "run", "${DRILLS_RUN_ID:-manual}"),
        (lambda: broken("db-a", {"labels": {"org.drills.role": "database"}}), "db-a", "role", "one of app, datastore"),
        (lambda: broken("db-b", {}, ("org.drills.in-sync",)), "db-b", "in-sync", "exits 0 when it is the primary"),
        (lambda: broken("lb", {"ports": None}), "lb", "endpoint-port", "ports: ['127.0.0.1::8080']"),
        (lambda: broken("lb", {"labels": {"org.drills.endpoints": "shop=8080"}}), "lb", "endpoints", "<capability>:"),
        (lambda: broken("lb", {}, ("org.drills.endpoints",)), "*", "entrypoint", "org.drills.endpoints: 'shop:<port>'"),
        (lambda: broken("lb", {"labels": {"org.drills.endpoints": "shop:8080,cart:8080"}}), "lb", "endpoint-unknown",
         "org.drills.capability: cart"),
        (lambda: broken("shop-b", {"labels": {"org.drills.capability": "cart"}}), "*", "endpoint-missing",
         "cart:<port>"),
        (lambda: broken("wan", {"labels": {"org.drills.role": "proxy"}}), "*", "wan", "org.drills.role: wan"),
        (lambda: broken("wan", {}, ("org.drills.toxiproxy-api",)), "wan", "wan-api",
         "org.drills.toxiproxy-api: '8474'"),
        (lambda: broken("wan", {"ports": ["127.0.0.1::9001-9002"]}), "wan", "wan-api", "127.0.0.1::8474"),
        (lambda: broken("wan", {"command": ["-host=0.0.0.0"]}), "wan", "wan-config", "-config="),
        (lambda: broken("wan", {"labels": {"org.drills.site-endpoints": "a/shop:9001"}}), "*", "site-endpoint",
         "'b/shop:<its listen port>'"),
        (lambda: broken("wan", {"ports": ["127.0.0.1::8474", "127.0.0.1::9001"]}), "wan", "site-endpoint-port",
         "127.0.0.1::9002"),
        (lambda: model({n: {**v, "labels": {**v["labels"], "org.drills.domain": "a"}} if "-b" in n else v
                        for n, v in GOOD.items()}), "*", "sites", "a / b"),
        (lambda: model(networks={**NETS, "shared": {}}), "network shared", "network-domain", "org.drills.domain"),
        (lambda: model(volumes={"data": {"labels": {"org.drills.domain": "a"}}}), "volume data", "run",
         "DRILLS_RUN_ID"),
    ],
)  # fmt: skip
def test_each_missing_piece_is_one_finding_with_its_fix(mk: Any, subject: str, rule: str, fix: str) -> None:
    found = contract_findings(mk())
    mine = [f for f in found if (f.subject, f.rule) == (subject, rule)]
    assert len(mine) == 1 and fix in mine[0].fix, [f.text for f in found]
    others = [f.rule for f in found if f not in mine]
    assert len(others) <= 1, others  # at most one consequence (a role that is no longer wan: no WAN)


def test_an_unlabelled_file_gets_every_finding_at_once() -> None:
    bare = {name: {k: v for k, v in spec.items() if k != "labels"} for name, spec in GOOD.items()}
    rules = [(f.subject, f.rule) for f in contract_findings(model(bare, networks={}))]
    assert rules[:4] == [("lb", "domain"), ("lb", "run"), ("wan", "domain"), ("wan", "run")]
    assert {r for _, r in rules} == {"domain", "run", "sites", "capability", "wan"}


@pytest.mark.parametrize(
    ("ports", "published"),
    [
        (["127.0.0.1::8081", "8082", "127.0.0.1:9000:8083/tcp", "9100-9101"], {8081, 8082, 8083, 9100, 9101}),
        ([{"target": 8474, "host_ip": "127.0.0.1", "protocol": "tcp"}], {8474}),
        (None, set()),
    ],
)
def test_published_ports_read_both_syntaxes(ports: Any, published: set[int]) -> None:
    assert published_ports({"ports": ports}) == published


def test_drill_lint_compose_on_the_reference_is_clean(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(["lint", "--compose", "docker-compose.yml"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == ["docker-compose.yml  (contract: docs/your-stack.md)",
                       "  ok    every label and wiring piece drills needs is there"]  # fmt: skip
    assert out[-1] == "lint: the stack meets the contract and every capability survives losing any one site"


def test_drill_lint_compose_on_an_unlabelled_file_lists_the_fixes_and_judges_no_dualization(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "compose.yml"
    f.write_text("services:\n  web:\n    image: nginx\n    ports: ['8080:80']\n  db:\n    image: redis\n")
    assert main(["lint", "--compose", str(f)]) == 1
    out = capsys.readouterr().out
    assert "  - [domain] web: no org.drills.domain label" in out
    assert "      fix: label it org.drills.domain: <site>" in out
    assert "dualization: not judged: every service needs the label org.drills.domain" in out


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["lint", "--compose", "nope.yml"], "--compose nope.yml: no such file"),
        (["lint", "--compose", "docker-compose.yml", "scenarios/kakao-2022.yaml"], "name no scenario"),
        (["lint", "--compose", "docker-compose.yml", "--variant", "kakao-2099"],
         "--variant kakao-2099: no such variant"),
        (["lint", "scenarios/kakao-2022.yaml", "--variant", "x"], "--variant and --override go with --compose"),
    ],
)  # fmt: skip
def test_drill_lint_compose_usage_errors_exit_2(
    argv: list[str], error: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(ROOT)
    assert main(argv) == 2
    assert error in capsys.readouterr().err


def test_drill_lint_compose_layers_an_override_such_as_the_labels_drill_init_proposed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "compose.yml"
    f.write_text("services:\n  web:\n    image: nginx\n")
    labels = tmp_path / "compose.drills.yml"
    labels.write_text("services:\n  web:\n    labels: {org.drills.domain: a, org.drills.run: x}\n")
    assert main(["lint", "--compose", str(f), "--override", str(labels)]) == 1
    out = capsys.readouterr().out
    assert f"{f} + {labels}  (contract" in out
    assert "[domain]" not in out and "[sites] *: 1 site(s) (a)" in out  # the override's labels were read
