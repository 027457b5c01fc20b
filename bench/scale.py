"""How a power cut's cost grows with the size of a site: 1x, 2x and 4x the services per site.

    python bench/scale.py [--factors 1,2,4] [--runs 1] [--keep DIR]

For each factor F it generates a compose override that adds copies of the site's app services
(chat, login, devtools, in turn) to each site until the site has F times its services (the
reference replica has 5 per site: etcd, Patroni/Postgres and three apps; the copies run the same
image and health check, and are killed and restored with their site, but no load balancer
routes to them), and a scenario that is the default drill on that topology. Runs it and prints,
per factor, medians of:

    containers      per site (what one power cut kills and restores)
    bring-up        the bringup phase (compose up --wait: every health check passed)
    inject          the power cut's call: first destructive call -> every container killed and
                    every link cut (the fault record's destructive_t -> end)
    heal            the restore's call: containers started, links back, every container of the
                    site healthy again (the heal record's t -> end)
    teardown        the teardown phase (logs kept, every container, network and volume removed)
    total           the whole run

and each measure's ratio to 1x, so the growth with the service count reads off directly
(a ratio near F: linear in the services; near 1: independent of them). The generated files live
in a temporary directory inside the checkout (scenarios may only name files inside it) and are
removed at the end. Needs a Docker engine and warm images (`drill setup`).
"""

from __future__ import annotations

import argparse
import copy
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from drills.engine.lifecycle import run_drill  # noqa: E402
from drills.engine.progress import LineProgress  # noqa: E402
from drills.model.timeline import read_timeline  # noqa: E402
from drills.scenario import load_scenario  # noqa: E402

APPS = ("chat", "login", "devtools")


def site_services(compose: dict[str, Any], site: str) -> list[str]:
    return [name for name, svc in compose["services"].items()
            if (svc.get("labels") or {}).get("org.drills.domain") == site]  # fmt: skip


def override(compose: dict[str, Any], factor: int) -> tuple[dict[str, Any], dict[str, int]]:
    """The services to add (copies of each site's apps) and the resulting container count per site."""
    added: dict[str, Any] = {}
    per_site: dict[str, int] = {}
    for site in ("a", "b"):
        own = site_services(compose, site)
        want = len(own) * factor
        n = 0
        while len(own) + n < want:
            app = APPS[n % len(APPS)]
            original = compose["services"][f"{app}-{site}"]
            dup = {k: copy.deepcopy(v) for k, v in original.items() if k not in ("container_name", "ports")}
            added[f"{app}-{site}-x{n // len(APPS) + 2}"] = dup
            n += 1
        per_site[site] = len(own) + n
    return {"services": added}, per_site


class _NoAliases(yaml.SafeDumper):
    """Every copy written out in full: drills reads at most 200 YAML aliases per file."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def scenario_text(name: str, override_file: str) -> str:
    base = yaml.safe_load((ROOT / "scenarios" / "site-a-power-cut.yaml").read_text())
    base["name"] = name
    base["topology"] = {"compose": "docker-compose.yml", "variant": None, "overrides": [override_file]}
    return yaml.safe_dump(base, sort_keys=False)


def measure(bundle: Path, result: Any, total: float) -> dict[str, float]:
    timeline = read_timeline(bundle / "timeline.jsonl")
    phases = {p.phase: p.duration for p in result.phases}
    inject = next((f for f in timeline.faults() if f.action == "inject"), None)
    heal = next((f for f in timeline.faults() if f.action == "heal"), None)
    return {
        "bring-up": phases.get("bringup", 0.0),
        "inject": (inject.end - (inject.destructive_t or inject.t)) if inject and inject.end else float("nan"),
        "heal": (heal.end - heal.t) if heal and heal.end else float("nan"),
        "teardown": phases.get("teardown", 0.0),
        "total": total,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--factors", default="1,2,4")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", metavar="DIR", help="keep every run's bundle under DIR")
    args = ap.parse_args()
    factors = [int(f) for f in args.factors.split(",")]
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    work = Path(tempfile.mkdtemp(prefix=".drills-bench-scale-", dir=ROOT))
    table: dict[int, dict[str, list[float]]] = {}
    sizes: dict[int, int] = {}
    try:
        for factor in factors:
            added, per_site = override(compose, factor)
            sizes[factor] = per_site["a"]
            ov = work / f"scale-{factor}x.yml"
            ov.write_text(yaml.dump(added, Dumper=_NoAliases, sort_keys=False))
            sc = work / f"scale-{factor}x.yaml"
            sc.write_text(scenario_text(f"scale-{factor}x", str(ov.relative_to(ROOT))))
            scenario = load_scenario(sc)
            for i in range(args.runs):
                with tempfile.TemporaryDirectory() as tmp:
                    bundle = Path(args.keep) / f"scale-{factor}x-{i + 1}" if args.keep else Path(tmp)
                    start = time.monotonic()
                    result = run_drill(scenario, bundle, LineProgress(stream=io.StringIO()))
                    got = measure(bundle, result, time.monotonic() - start)
                for k, v in got.items():
                    table.setdefault(factor, {}).setdefault(k, []).append(v)
                print(f"{factor}x run {i + 1}: {result.status}, " + ", ".join(f"{k} {v:.1f}s" for k, v in got.items()),
                      file=sys.stderr, flush=True)  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    measures = ("bring-up", "inject", "heal", "teardown", "total")
    print(f"\npower cut of site a at 1x..{factors[-1]}x the services per site, {args.runs} run(s) each, medians")
    print(f"{'factor':<8}{'containers':>11}" + "".join(f"{m:>16}" for m in measures))
    base = {m: statistics.median(table[factors[0]][m]) for m in measures}
    for f in factors:
        cells = []
        for m in measures:
            med = statistics.median(table[f][m])
            cells.append(f"{med:>8.2f}s x{med / base[m]:<5.2f}" if base[m] else f"{med:>8.2f}s      ")
        print(f"{str(f) + 'x':<8}{sizes[f]:>11}" + "".join(f"{c:>16}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
