"""The evidence bundle: one directory per run, checksummed.

    reports/20261128T200000Z-site-a-power-cut/
        scenario.yaml      the scenario file as run, byte for byte      (evidence)
        timeline.jsonl     every sample / fault event / write / read-back (evidence)
        result.json        DrillResult.to_dict()                        (evidence)
        environment.json   versions, digests, host facts, git commit    (evidence)
        report.html        derived: self-contained HTML report        (one file per registered
        summary.md         derived: CI job summary                     report format, see
        junit.xml          derived: one testcase per verdict           drills.report.formats)
        SHA256SUMS         ``<sha256>  <name>`` for every other file (sha256sum -c format)

    write_bundle(...)  -> the directory; works on every path, also when the run broke
                          (status error, empty or truncated timeline)
    verify_bundle(dir) -> problems: missing, unlisted or tampered files ([] = intact)
    regenerate(dir)    -> rewrite every derived file from the evidence, then SHA256SUMS;
                          refuses (unless forced) when the evidence itself fails verification,
                          so regenerating never launders a tampered bundle.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from drills.engine.environment import collect_environment
from drills.errors import UsageError
from drills.model.result import DrillResult
from drills.model.timeline import Timeline, load_timeline
from drills.report.annotations import Annotations
from drills.report.annotations import load as load_annotations
from drills.report.evidence import EVIDENCE_FILES, MANIFEST, SIGNATURE, UNLISTED
from drills.report.formats import FORMATS, Rendering
from drills.report.recompute import recompute_verdicts

__all__ = [
    "EVIDENCE_FILES",
    "MANIFEST",
    "Regenerated",
    "bundle_files",
    "derived_files",
    "load_timeline",
    "regenerate",
    "verify_bundle",
    "write_bundle",
    "write_manifest",
]


def derived_files() -> tuple[str, ...]:
    """The file of every registered report format, read from the registry when asked."""
    return tuple(f.file for f in FORMATS.values())


def bundle_files() -> tuple[str, ...]:
    """Every file a bundle holds: the evidence, the derived files, the manifest."""
    return (*EVIDENCE_FILES, *derived_files(), MANIFEST)


def _write(path: Path, data: str | bytes) -> None:
    """Atomic: a reader (or a crash) never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    if isinstance(data, str):
        tmp.write_text(data, encoding="utf-8")
    else:
        tmp.write_bytes(data)
    tmp.replace(path)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _files(directory: Path) -> list[str]:
    """Every file in the bundle (recursively, hidden ones too) but the manifest and its signature."""
    return sorted(
        rel for rel in (p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())
        if rel not in UNLISTED
    )


def write_manifest(directory: Path) -> None:
    lines = [f"{_sha256(directory / name)}  {name}\n" for name in _files(directory)]
    _write(directory / MANIFEST, "".join(lines))


def _render_all(directory: Path, result: DrillResult, timeline: Timeline, recomputed: str, notes: list[str],
                annotations: Annotations | None = None) -> None:
    """Write every registered report format's file."""
    rendering = Rendering(result, timeline, recomputed, tuple(notes), annotations)
    for fmt in FORMATS.values():
        _write(directory / fmt.file, fmt.render(rendering))


def write_bundle(
    result: DrillResult, timeline_path: Path, scenario_path: Path, out_dir: Path, environment: dict[str, Any]
) -> Path:
    """Write the bundle into ``out_dir`` (created) and return it. The runner picks
    ``out_dir`` (``reports/<utc-time>-<scenario>/``); ``timeline_path`` may already be
    ``out_dir/timeline.jsonl`` (written there live), then it is left in place."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    timeline_path, scenario_path = Path(timeline_path), Path(scenario_path)
    notes: list[str] = []
    if scenario_path.is_file():
        dest = out_dir / "scenario.yaml"
        if not (dest.exists() and dest.samefile(scenario_path)):
            _write(dest, scenario_path.read_bytes())
    else:
        notes.append(f"the scenario file {scenario_path} was not found when the bundle was written")
    dest = out_dir / "timeline.jsonl"
    if timeline_path.is_file():
        if not (dest.exists() and dest.samefile(timeline_path)):
            shutil.copyfile(timeline_path, dest)
    elif not dest.exists():
        _write(dest, "")
    env = collect_environment(environment, scenario_path)
    if notes:
        env["bundle_notes"] = notes
    _write(out_dir / "environment.json", json.dumps(env, indent=2, sort_keys=True, default=str) + "\n")
    _write(out_dir / "result.json", json.dumps(result.to_dict(), indent=2, sort_keys=True, default=str) + "\n")
    timeline, tl_notes = load_timeline(dest)
    _render_all(out_dir, _with_environment(result, env), timeline, "", notes + tl_notes)
    write_manifest(out_dir)
    return out_dir


def _with_environment(result: DrillResult, env: dict[str, Any]) -> DrillResult:
    """The result as the reports show it: environment.json's facts, the runner's on top."""
    return replace(result, environment={**env, **result.environment})


def _require_bundle(directory: Path) -> None:
    if not directory.is_dir():
        raise UsageError(f"{directory}: no such bundle directory")
    if not (directory / MANIFEST).is_file() and not (directory / "result.json").is_file():
        raise UsageError(f"{directory}: not a drill bundle (neither {MANIFEST} nor result.json in it)")


def verify_bundle(directory: Path) -> list[str]:
    """Problems with the bundle, one sentence each; [] when every file matches SHA256SUMS.
    Raises UsageError when ``directory`` is not a bundle at all."""
    return [sentence for _, sentence in _problems(Path(directory))]


def _problems(directory: Path) -> list[tuple[str, str]]:
    """(file name, sentence) per problem."""
    _require_bundle(directory)
    manifest = directory / MANIFEST
    if not manifest.is_file():
        return [(MANIFEST, f"missing: {MANIFEST} (the manifest; nothing can be verified)")]
    problems: list[tuple[str, str]] = []
    listed: dict[str, str] = {}
    for n, line in enumerate(manifest.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep:
            digest, sep, name = line.partition(" *")  # sha256sum --binary spelling
        if not sep or not re.fullmatch(r"[0-9a-fA-F]{64}", digest) or not name:
            problems.append((MANIFEST, f"malformed: {MANIFEST} line {n}: {line[:80]!r}"))
            continue
        if name.startswith("/") or ".." in Path(name).parts:
            problems.append((MANIFEST, f"unsafe path: {MANIFEST} line {n} names {name!r} outside the bundle"))
            continue
        listed[name] = digest.lower()
    for name, digest in listed.items():
        path = directory / name
        if not path.is_file():
            problems.append((name, f"missing: {name} (listed in {MANIFEST})"))
        elif _sha256(path) != digest:
            problems.append((name, f"tampered: {name} (sha256 differs from {MANIFEST})"))
    problems += [(name, f"unlisted: {name} (not in {MANIFEST})") for name in _files(directory) if name not in listed]
    problems += [
        (name, f"missing: {name} (every bundle has one)")
        for name in bundle_files()
        if name != MANIFEST and name not in listed and not (directory / name).exists()
    ]
    return problems


@dataclass(frozen=True)
class Regenerated:
    directory: Path
    result: DrillResult
    recomputed: str  # "" when the verdicts come from result.json
    changed: tuple[str, ...]  # verdicts whose status differs from result.json
    notes: tuple[str, ...]


def regenerate(directory: Path, force: bool = False, sign_key: Path | None = None) -> Regenerated:
    """Rewrite every derived file (one per report format) from the bundle's evidence, then SHA256SUMS.

    Refuses with the problems (UsageError) when evidence files fail verification and
    ``force`` is False: a new manifest must never bless a tampered timeline or result.
    A signature over the old manifest is removed when the manifest changed (it would no longer
    verify), unless ``sign_key`` signs the new one."""
    directory = Path(directory)
    _require_bundle(directory)
    blocking = [sentence for name, sentence in _problems(directory) if name not in derived_files()]
    if blocking and not force:
        raise UsageError(
            f"{directory}: the evidence fails verification, not regenerating (--force overrides): "
            + "; ".join(blocking)
        )
    try:
        result = DrillResult.from_dict(json.loads((directory / "result.json").read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{directory / 'result.json'}: cannot read the drill result: {exc}") from exc
    env_path = directory / "environment.json"
    if env_path.is_file():
        with contextlib.suppress(ValueError):  # the report still renders; verify_bundle reports a tampered file
            result = _with_environment(result, json.loads(env_path.read_text(encoding="utf-8")))
    timeline, notes = load_timeline(directory / "timeline.jsonl")
    outcome = recompute_verdicts(directory, result)
    if outcome.result is not None:
        result = outcome.result
    elif outcome.note:
        notes.append(outcome.note)
    _render_all(directory, result, timeline, outcome.sentence, notes, load_annotations(directory))
    manifest, sig = directory / MANIFEST, directory / SIGNATURE
    before = manifest.read_bytes() if manifest.is_file() else b""
    write_manifest(directory)
    if sign_key is not None:
        from drills.report.signing import sign_manifest

        sign_manifest(directory, sign_key)
    elif sig.is_file() and manifest.read_bytes() != before:
        sig.unlink()
        notes.append(f"the reports changed, so {MANIFEST} did: its signature ({SIGNATURE}) no longer matched and was "
                     "removed (sign again with --sign-key)")
    return Regenerated(directory, result, outcome.sentence, outcome.changed, tuple(notes))
