"""Label vocabulary and image discovery of the topology layer (no Docker)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from drills.adapters import parse_endpoints
from drills.adapters.compose_config import ComposeModel
from drills.errors import ComposeUnavailable, ImageError
from drills.model.topology import parse_link_name
from drills.scenario.compose_source import merged_model, read_source
from drills.setup.replica_images import image_specs

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("a", "b", "edge")


def test_link_names_give_their_domains() -> None:
    link = parse_link_name("b_a_etcd-peer", DOMAINS)
    assert (link.src, link.dst, link.what) == ("b", "a", "etcd-peer")
    assert link.touches("a") and link.touches("b") and not link.touches("edge")
    assert parse_link_name("edge_a_chat", DOMAINS).src == "edge"


@pytest.mark.parametrize("bad", ["a_b", "a-b-postgres", "c_a_chat", "a_b_Postgres", "a_b_"])
def test_malformed_link_names_are_refused_with_the_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="<from>_<to>_<what>"):
        parse_link_name(bad, DOMAINS)


def test_link_names_follow_the_domains_the_topology_declares() -> None:
    three = ("a", "b", "c", "edge")
    link = parse_link_name("c_a_chat", three)
    assert (link.src, link.dst, link.what) == ("c", "a", "chat")
    hier = parse_link_name("eu-a_eu-b_pg", ("eu-a", "eu-b", "edge"))
    assert (hier.src, hier.dst, hier.what) == ("eu-a", "eu-b", "pg")
    with pytest.raises(ValueError, match=r"a\|b\|c\|edge"):
        parse_link_name("d_a_chat", three)


def test_endpoints_label() -> None:
    assert parse_endpoints("chat:8081, login:8082,devtools:8083") == {"chat": 8081, "login": 8082, "devtools": 8083}
    with pytest.raises(ValueError, match="chat"):
        parse_endpoints("chat=8081")


def test_every_proxy_in_the_declarative_file_follows_the_naming() -> None:
    import json

    names = [p["name"] for p in json.loads((ROOT / "fixtures/toxiproxy/proxies.json").read_text())]
    assert len(names) == len(set(names)) >= 6
    parsed = [parse_link_name(n, DOMAINS) for n in names]
    for site in ("a", "b"):
        assert any(p.src == "edge" and p.dst == site for p in parsed), f"edge reaches site {site}"
        assert any({p.src, p.dst} == {"a", "b"} for p in parsed), "the sites replicate through the WAN"


def _hand_read(files: Sequence[Path], project_dir: Path) -> ComposeModel:
    return merged_model([read_source(f) for f in files])


def test_image_specs_come_from_the_compose_file() -> None:
    specs = image_specs(ROOT, reader=_hand_read)
    assert {s.tag for s in specs} == {"drills/messenger-app:0.1.0", "drills/replica-db:0.1.0", "drills/edge-lb:0.1.0"}
    assert all(s.context.is_dir() and (s.context / s.dockerfile).is_file() for s in specs)


def test_image_specs_need_compose_and_say_so(tmp_path: Path) -> None:
    def no_compose(files: Sequence[Path], project_dir: Path) -> ComposeModel:
        raise ComposeUnavailable("the `docker` CLI is not on PATH")

    with pytest.raises(ImageError, match=r"cannot list the images of docker-compose\.yml: the `docker` CLI"):
        image_specs(ROOT, reader=no_compose)
    with pytest.raises(ImageError, match="no such file"):
        image_specs(tmp_path, reader=no_compose)
