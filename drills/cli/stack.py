"""CLI commands for the stack itself: ``drill sweep``, ``drill up``, ``drill down``.

``up`` brings the reference replica (or a scenario's topology) up for exploring by hand or for
warm drills (``drill run --reuse``, drills.engine.warm); it stays up, recorded as an ``up`` run
with the state a reuse must find again; ``down`` removes it; ``sweep`` removes what killed
runs left behind (``--all``: every drills resource on this engine).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from drills.cli.common import Command
from drills.errors import EXIT_OK, UsageError


def _count(report: object) -> str:
    c, n, v = (len(getattr(report, k)) for k in ("containers", "networks", "volumes"))
    return f"{c} container(s), {n} network(s), {v} volume(s)"


def cmd_sweep(args: argparse.Namespace) -> int:
    from drills.adapters.docker_client import engine_client
    from drills.adapters.sweep import sweep
    from drills.engine import runs

    client = engine_client()
    try:
        recs = runs.records()
        if args.all:
            removed = sweep(client, None)
            for run_id in recs:
                runs.unregister(run_id)
            print(f"swept every drills resource: {_count(removed)}")
            return EXIT_OK
        stale = [r for r in recs.values() if runs.is_stale(r)]
        for rec in stale:
            print(f"swept stale run {rec.run_id} (pid {rec.pid} gone): {_count(sweep(client, rec.run_id))}")
            runs.unregister(rec.run_id)
        if not stale:
            print("nothing stale to sweep (use --all to remove every drills resource, including `drill up` stacks)")
    finally:
        client.close()
    return EXIT_OK


def _variant_files(root: Path, variant: str | None) -> list[Path]:
    files = [root / "docker-compose.yml"]
    if variant:
        vf = root / "fixtures" / "variants" / f"{variant}.yml"
        if not vf.is_file():
            known = ", ".join(sorted(p.stem for p in (root / "fixtures" / "variants").glob("*.yml")))
            raise UsageError(f"--variant {variant}: no such variant (variants: {known or 'none'})")
        files.append(vf)
    return files


def _up_files(args: argparse.Namespace) -> tuple[list[Path], Path, str]:
    """The compose files to bring up, the directory they are relative to, and a name for the run."""
    from drills.scenario import repo_root

    if args.scenario is None:
        root = repo_root()
        return _variant_files(root, args.variant), root, args.variant or "replica"
    if args.variant:
        raise UsageError("--variant: give a scenario or a variant, not both (the scenario names its variant)")
    from drills.cli.scenario import load_all
    from drills.engine.compose_stack import compose_files

    (sc,) = load_all([args.scenario])
    return compose_files(sc), sc.topology.compose.parent, sc.name


def cmd_up(args: argparse.Namespace) -> int:
    from drills.adapters import ComposeProject
    from drills.adapters.compose_config import read_model
    from drills.adapters.docker_client import engine_client
    from drills.adapters.toxiproxy import WanClient
    from drills.engine import runs
    from drills.engine.warm import read_fingerprint
    from drills.setup.replica_images import build_specs, specs_from_model

    files, root, name = _up_files(args)
    client = engine_client()
    run_id = runs.new_run_id(f"up-{name}")
    project = ComposeProject(f"drills-{run_id}", files, {"DRILLS_RUN_ID": run_id}, root, client=client)
    runs.register(run_id, project.name, "up", [str(f.resolve()) for f in files])
    print(f"bringing up {project.name} ...", flush=True)
    try:
        try:
            build_specs(client, specs_from_model(read_model(files, root)), progress=lambda t: print(t, flush=True))
            project.up(wait=True)
            host, port = project.toxiproxy_api()
            state = read_fingerprint(client, project.name, WanClient(host, port), files, project.containers())
        except BaseException:
            project.down()
            runs.unregister(run_id)
            raise
        runs.register(run_id, project.name, "up", [str(f.resolve()) for f in files], stack=state.to_dict())
        print(f"up: {project.name}  (remove with: drill down {run_id})")
        for cap in project.capabilities():
            print(f"  {cap:<9} {project.endpoint_url(cap)}")
        print(f"  toxiproxy http://{host}:{port}")
        for svc, line in sorted(state.states.items()):
            print(f"  {svc:<9} {line}")
        if args.scenario is not None:
            print(f"drill on it (reset and proven before each run): drill run --reuse {run_id} {args.scenario}")
    finally:
        client.close()
    return EXIT_OK


def cmd_down(args: argparse.Namespace) -> int:
    from drills.adapters.docker_client import engine_client
    from drills.adapters.sweep import sweep
    from drills.engine import runs

    recs = {k: r for k, r in runs.records().items() if r.kind == "up"}
    targets = list(recs) if args.run_id is None else [args.run_id]
    if not targets:
        print("no `drill up` stack is recorded (drill sweep --all removes anything left)")
        return EXIT_OK
    client = engine_client()
    try:
        for run_id in targets:
            if run_id not in recs:
                raise UsageError(f"{run_id}: no such `drill up` stack (known: {', '.join(recs) or 'none'})")
            print(f"down: {run_id}: removed {_count(sweep(client, run_id))}")
            runs.unregister(run_id)
    finally:
        client.close()
    return EXIT_OK


def _sweep_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--all", action="store_true", help="remove every drills resource, not only stale runs")


def _up_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("scenario", nargs="?", help="bring up this scenario's topology (its compose files, overrides "
                   "and variant), to drill on with `drill run --reuse`")
    p.add_argument("--variant", help="a broken variant from fixtures/variants (e.g. kakao-2022)")


def _down_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_id", nargs="?", help="the stack to remove (default: every `drill up` stack)")


COMMANDS: dict[str, Command] = {
    "sweep": ("remove what killed runs left behind", _sweep_args, cmd_sweep),
    "up": ("bring the reference replica up to explore by hand", _up_args, cmd_up),
    "down": ("remove stacks started with `drill up`", _down_args, cmd_down),
}
