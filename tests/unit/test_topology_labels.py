"""Label vocabulary and image discovery of the topology layer (no Docker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from drills.adapters import parse_endpoints, parse_proxy_name
from drills.setup.replica_images import image_specs

ROOT = Path(__file__).resolve().parents[2]


def test_proxy_names_give_their_domains() -> None:
    link = parse_proxy_name("b_a_etcd-peer")
    assert (link.src, link.dst, link.what) == ("b", "a", "etcd-peer")
    assert link.touches("a") and link.touches("b") and not link.touches("edge")
    assert parse_proxy_name("edge_a_chat").src == "edge"


@pytest.mark.parametrize("bad", ["a_b", "a-b-postgres", "c_a_chat", "a_b_Postgres", "a_b_"])
def test_malformed_proxy_names_are_refused_with_the_rule(bad: str) -> None:
    with pytest.raises(ValueError, match="<from>_<to>_<what>"):
        parse_proxy_name(bad)


def test_endpoints_label() -> None:
    assert parse_endpoints("chat:8081, login:8082,devtools:8083") == {"chat": 8081, "login": 8082, "devtools": 8083}
    with pytest.raises(ValueError, match="chat"):
        parse_endpoints("chat=8081")


def test_every_proxy_in_the_declarative_file_follows_the_naming() -> None:
    import json

    names = [p["name"] for p in json.loads((ROOT / "fixtures/toxiproxy/proxies.json").read_text())]
    assert len(names) == len(set(names)) >= 6
    parsed = [parse_proxy_name(n) for n in names]
    for site in ("a", "b"):
        assert any(p.src == "edge" and p.dst == site for p in parsed), f"edge reaches site {site}"
        assert any({p.src, p.dst} == {"a", "b"} for p in parsed), "the sites replicate through the WAN"


def test_image_specs_come_from_the_compose_file() -> None:
    tags = {s.tag for s in image_specs(ROOT)}
    assert {"drills/messenger-app:0.1.0", "drills/replica-db:0.1.0", "drills/edge-lb:0.1.0"} <= tags
    assert all(s.context.is_dir() and (s.context / s.dockerfile).is_file() for s in image_specs(ROOT))
