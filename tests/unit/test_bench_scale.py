"""bench/scale.py's generated topology: F times each site's services, copies of the site's apps."""

from __future__ import annotations

from pathlib import Path

import yaml

from bench.scale import override, scenario_text, site_services

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_one_x_adds_nothing() -> None:
    added, per_site = override(COMPOSE, 1)
    assert added == {"services": {}}
    assert per_site == {"a": 5, "b": 5}


def test_each_factor_multiplies_each_sites_services_with_copies_of_its_apps() -> None:
    for factor in (2, 4):
        added, per_site = override(COMPOSE, factor)
        assert per_site == {"a": 5 * factor, "b": 5 * factor}
        names = list(added["services"])
        assert len(names) == 2 * 5 * (factor - 1)
        for name in names:
            app, site = name.split("-")[:2]
            copy = added["services"][name]
            original = COMPOSE["services"][f"{app}-{site}"]
            assert copy["labels"] == original["labels"]  # same site, role and capability: cut with it
            assert copy["image"] == original["image"] and "ports" not in copy
        assert {n.split("-")[0] for n in names} == {"chat", "login", "devtools"}


def test_the_generated_override_merges_into_the_reference_topology() -> None:
    added, _ = override(COMPOSE, 2)
    merged = {**COMPOSE["services"], **added["services"]}
    assert len(site_services({"services": merged}, "a")) == 10
    scenario = yaml.safe_load(scenario_text("scale-2x", "x/scale-2x.yml"))
    assert scenario["topology"] == {"compose": "docker-compose.yml", "variant": None, "overrides": ["x/scale-2x.yml"]}
    assert scenario["faults"][0]["type"] == "power_cut"


def test_the_override_is_written_without_aliases() -> None:
    """drills reads at most 200 YAML aliases per file; the 4x override shares objects 30 times over."""
    from bench.scale import _NoAliases

    added, _ = override(COMPOSE, 4)
    text = yaml.dump(added, Dumper=_NoAliases, sort_keys=False)
    assert "&id" not in text and "*id" not in text
    assert yaml.safe_load(text) == added
