"""Where a run came from, and the topology it ran, kept in its bundle at bring-up.

    provenance(scenario, env)        environment.json's ``provenance``: operator, trigger, CI run URL,
                                     the repository commit, and every file that shapes the drill that
                                     differs from that commit (or is not in it)
    keep_topology(scenario, bundle)  copies of the files the scenario's topology was read from, at
                                     their paths in the repository, under ``topology/`` (+ index.json):
                                     ``drill report`` and ``drill verify`` rebuild the scenario from
                                     them, so a bundle is re-judged the same anywhere, without a checkout;
                                     and compose.resolved.json, the merged Compose model the run used
                                     (secret-looking environment values redacted), for reading

Files that shape a drill: the scenario; the compose file, its overrides and variant; the WAN's
proxies file; every bind-mounted host path (config files: HAProxy, etcd, Patroni ...); every image
build context (the fixtures); the installed drills package when it lives in the same repository.
Build contexts are named in the provenance, not copied (the image ids in environment.json pin what
ran); a ``.env`` file is never copied (it holds secrets; it is named in the provenance). Copies
are bounded like the lint's reads: a bind-mounted directory contributes at most its
first 50 files of <= 256 kB; anything else is listed in index.json's ``skipped`` with the reason.

Operator and trigger come from the CI's own variables (GitHub Actions, GitLab CI, Jenkins; or
DRILLS_OPERATOR / DRILLS_TRIGGER set by any other scheduler), else the local user and "manual".
Never raises: a missing git or an unreadable file is recorded, not fatal.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import drills
from drills.model.scenario import Scenario

__all__ = ["TOPOLOGY_DIR", "keep_topology", "provenance", "shaping_files"]

TOPOLOGY_DIR = "topology"
INDEX = "index.json"
RESOLVED = "compose.resolved.json"  # the merged model, environment secrets redacted (a record, not re-read)
GIT_TIMEOUT = 5.0
MAX_BYTES = 256 * 1024  # the lint's per-file bound (drills.lint.files)
MAX_FILES = 50  # files kept per bind-mounted directory
MAX_ENTRIES = 5000  # directory entries looked at per bind-mounted directory

_TRIGGERS = {  # the CI's word -> ours
    "schedule": "schedule", "workflow_dispatch": "manual", "web": "manual", "api": "manual", "trigger": "manual",
    "push": "push", "pull_request": "pull request", "merge_request_event": "pull request",
    "repository_dispatch": "api", "pipeline": "pipeline",
}  # fmt: skip


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=GIT_TIMEOUT,
                              check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def _operator(env: Mapping[str, str]) -> tuple[str, str]:
    for var in ("DRILLS_OPERATOR", "GITHUB_ACTOR", "GITLAB_USER_LOGIN", "BUILD_USER_ID"):
        if env.get(var):
            return env[var], var
    try:
        return getpass.getuser(), "local user"
    except (OSError, KeyError):
        return "unknown", "no CI variable and no local user name"


def _trigger(env: Mapping[str, str]) -> tuple[str, str]:
    if env.get("DRILLS_TRIGGER"):
        return env["DRILLS_TRIGGER"], "DRILLS_TRIGGER"
    for var in ("GITHUB_EVENT_NAME", "CI_PIPELINE_SOURCE"):
        if env.get(var):
            return _TRIGGERS.get(env[var], env[var]), f"{var}={env[var]}"
    if env.get("JENKINS_URL"):
        return "ci", "JENKINS_URL"
    return "manual", "no CI variable: run by hand"


def _ci_url(env: Mapping[str, str]) -> str | None:
    if env.get("GITHUB_RUN_ID") and env.get("GITHUB_REPOSITORY"):
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        return f"{server}/{env['GITHUB_REPOSITORY']}/actions/runs/{env['GITHUB_RUN_ID']}"
    return env.get("CI_JOB_URL") or env.get("CI_PIPELINE_URL") or env.get("BUILD_URL") or None


def _build_contexts(scenario: Scenario) -> list[Path]:
    from drills.adapters.compose_config import read_model
    from drills.engine.compose_stack import compose_files

    try:
        files = compose_files(scenario)
        model = read_model(files, files[0].parent)
    except Exception:  # noqa: BLE001 - provenance never stops a run; the bundle says what it could not read
        return []
    return sorted({b[0] for name in model.services if (b := model.build(name)) is not None})


def shaping_files(scenario: Scenario) -> list[Path]:
    """Every host path that shapes the drill (see the module docstring), absolute, in a stable order."""
    topo = scenario.topology
    paths = [scenario.path, topo.compose, *topo.overrides]
    paths += [p for p in (topo.variant_file, topo.proxies_file) if p is not None]
    paths += [Path(m.source) for _, w in topo.wiring for m in w.mounts if m.kind == "bind" and m.source]
    paths += _build_contexts(scenario)
    env_file = topo.compose.parent / ".env"
    if env_file.is_file():
        paths.append(env_file)
    out: list[Path] = []
    for p in paths:
        resolved = Path(p).resolve()
        if resolved not in out:
            out.append(resolved)
    return out


def _within(path: Path, root: Path) -> str | None:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return None


def provenance(scenario: Scenario, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    env = os.environ if env is None else env
    operator, operator_from = _operator(env)
    trigger, trigger_from = _trigger(env)
    out: dict[str, Any] = {"operator": operator, "operator_from": operator_from, "trigger": trigger,
                           "trigger_from": trigger_from, "ci_run_url": _ci_url(env), "commit": None,
                           "modified": None}  # fmt: skip
    where = scenario.path.resolve().parent
    top = _git(["rev-parse", "--show-toplevel"], where)
    commit = _git(["rev-parse", "HEAD"], where)
    if top is None or commit is None:
        out["note"] = "the scenario is not in a git repository (or git is not installed): nothing to compare"
        return out
    root = Path(top.strip())
    files = shaping_files(scenario)
    package = Path(drills.__file__).resolve().parent
    if _within(package, root) is not None:
        files.append(package)
    inside = [rel for rel in (_within(p, root) for p in files) if rel is not None]
    outside = [str(p) for p in files if _within(p, root) is None]
    status = _git(["status", "--porcelain", "--untracked-files=all", "--", *inside], root) if inside else ""
    out["commit"] = commit.strip()
    out["repository"] = str(root)
    out["shaping_files"] = inside
    if outside:
        out["outside_repository"] = outside  # e.g. a system path mounted read-only: not comparable
    if status is None:
        out["note"] = "git status failed: whether files differ from the commit is not known"
        return out
    out["modified"] = sorted({line[3:].strip().strip('"') for line in status.splitlines() if len(line) > 3})
    return out


def _copy(src: Path, dest: Path) -> str | None:
    """Copy one file (bounded); the reason it was not copied, or None."""
    try:
        size = src.stat().st_size
        if size > MAX_BYTES:
            return f"larger than {MAX_BYTES // 1024} kB ({size} bytes)"
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dest)
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None


_SECRET_DIRS = {".git", ".ssh", ".gnupg", ".aws", ".azure", ".kube", ".docker", ".config", "secrets"}
_SECRET_NAME = re.compile(
    r"^(\.env.*|\.netrc|\.npmrc|\.pypirc|\.pgpass|id_(rsa|dsa|ecdsa|ed25519).*"
    r"|.*\.(key|pem|p12|pfx|jks|keystore|kdbx|gpg|asc|crt)|.*(secret|credential|password|passwd|token).*)$",
    re.IGNORECASE)  # fmt: skip


def _looks_secret(rel: str) -> bool:
    """A file that may hold credentials: in a directory like .git or .ssh, or named like a key, a
    certificate, an .env file or a password/token file. Never copied into a bundle."""
    *dirs, name = rel.split("/")
    return bool(_SECRET_DIRS.intersection(d.lower() for d in dirs)) or bool(_SECRET_NAME.match(name))


def _dir_files(folder: Path) -> tuple[list[Path], list[Path], bool]:
    """The first MAX_FILES regular files under ``folder`` in name order (looking at <= MAX_ENTRIES
    entries), the symbolic links met on the way (never followed: one may point anywhere on the
    host), and True when files were left out (more than MAX_FILES, or the entry bound hit)."""
    out: list[Path] = []
    links: list[Path] = []
    seen = 0
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            seen += 1
            path = Path(dirpath) / name
            if path.is_symlink():
                links.append(path)
            elif path.is_file():
                if len(out) >= MAX_FILES:
                    return out, links, True
                out.append(path)
            if seen >= MAX_ENTRIES:
                return out, links, True
        seen += len(dirnames)
        if seen >= MAX_ENTRIES:
            return out, links, True
    return out, links, False


def keep_topology(scenario: Scenario, bundle_dir: Path, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """Copy the files the topology was read from into ``bundle_dir/topology``; returns the index.
    ``facts``: the run's provenance, kept in the index too, so a killed run's bundle has it."""
    from drills.scenario.root import repo_root

    topo = scenario.topology
    root = (topo.root or repo_root(scenario.path)).resolve()
    wanted = [topo.compose, *topo.overrides, *(p for p in (topo.variant_file, topo.proxies_file) if p is not None)]
    wanted += [Path(m.source) for _, w in topo.wiring for m in w.mounts if m.kind == "bind" and m.source]
    dest_root = bundle_dir / TOPOLOGY_DIR
    copied: list[str] = []
    skipped: list[dict[str, str]] = []
    for src in dict.fromkeys(Path(p).resolve() for p in wanted):
        rel = _within(src, root)
        if rel is None:
            skipped.append({"path": str(src), "why": "outside the repository"})
            continue
        if src.is_dir():
            files, links, cut = _dir_files(src)
            if cut:
                skipped.append({"path": rel, "why": f"a large directory: its first {len(files)} files kept"})
            skipped += [{"path": _within(link, root) or str(link), "why": "a symbolic link: not followed"}
                        for link in links]  # fmt: skip
        else:
            files = [src]
        for f in files:
            frel = _within(f, root) or ""
            if frel and _looks_secret(frel):
                skipped.append({"path": frel, "why": "looks like a secret (credentials, keys, .env, .git): not kept"})
                continue
            why = _copy(f, dest_root / frel) if frel else "outside the repository"
            if why is None:
                copied.append(frel)
            else:
                skipped.append({"path": frel or str(f), "why": why})
    scenario_rel = _within(scenario.path.resolve(), root)
    external = _external_refs(wanted[: 1 + len(topo.overrides) + (topo.variant_file is not None)])
    index = {"format": 1, "repository": str(root), "scenario": scenario_rel, "files": sorted(set(copied)),
             "skipped": skipped, "complete": not skipped and not external,
             **({"provenance": facts} if facts is not None else {}),
             **({"reads_other_files": external} if external else {})}  # fmt: skip
    dest_root.mkdir(parents=True, exist_ok=True)
    resolved = _resolved_model(scenario)
    if resolved is not None:
        with contextlib.suppress(OSError):
            (dest_root / RESOLVED).write_text(json.dumps(resolved, indent=2, sort_keys=True, default=str) + "\n",
                                              encoding="utf-8")  # fmt: skip
            index["resolved"] = RESOLVED
    with contextlib.suppress(OSError):
        (dest_root / INDEX).write_text(json.dumps(index, indent=2) + "\n", encoding="utf-8")
    return index


_SECRET = re.compile(r"PASS|SECRET|TOKEN|KEY|CREDENTIAL|PRIVATE|AUTH", re.IGNORECASE)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^:/@\s]*):[^@/\s]+@", re.IGNORECASE)
REDACTED = "<redacted>"


def _external_refs(compose_files: list[Path]) -> list[str]:
    """Keys of the compose files that make Compose read files this copy does not hold."""
    found: set[str] = set()
    for f in compose_files:
        with contextlib.suppress(OSError):
            text = f.read_text(encoding="utf-8", errors="replace")
            found |= set(re.findall(r"^\s*(env_file|extends|include)\s*:", text, re.MULTILINE))
    return sorted(found)


def _scrub(value: Any, key: str = "") -> Any:
    """``value`` with secrets replaced, recursively: any value under a secret-looking name, the
    password of any URL (scheme://user:PASSWORD@host), ``NAME=value`` items with a secret-looking
    NAME, and the argument after a secret-looking ``--option`` in a command list."""
    if isinstance(value, Mapping):
        return {k: REDACTED if _SECRET.search(str(k)) and v not in (None, "", {}, []) else _scrub(v, str(k))
                for k, v in value.items()}  # fmt: skip
    if isinstance(value, (list, tuple)):
        out: list[Any] = []
        hide_next = False
        for item in value:
            if hide_next and isinstance(item, str):
                out.append(REDACTED)
                hide_next = False
                continue
            hide_next = (isinstance(item, str) and item.startswith("-") and "=" not in item
                         and bool(_SECRET.search(item)))
            out.append(_scrub(item, key))
        return out
    if isinstance(value, str):
        name, sep, rest = value.partition("=")
        if sep and rest and _SECRET.search(name) and " " not in name:
            return f"{name}={REDACTED}"
        return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{m.group('user')}:{REDACTED}@", value)
    return value


def _resolved_model(scenario: Scenario) -> dict[str, Any] | None:
    """The merged Compose model the run used (what ``docker compose config`` made of the files, after
    interpolation), with secret-looking environment values redacted: a record of what ran. The files
    that re-judge the bundle are the copies; this one is for reading. None when it cannot be read."""
    from drills.adapters.compose_config import read_model
    from drills.engine.compose_stack import compose_files

    try:
        files = compose_files(scenario)
        model = read_model(files, files[0].parent)
    except Exception:  # noqa: BLE001 - a record, never a reason to stop the run
        return None
    return {"reader": model.reader, "services": _scrub(dict(model.services)), "disabled": list(model.disabled),
            "networks": _scrub(dict(model.networks)), "volumes": _scrub(dict(model.volumes))}  # fmt: skip
