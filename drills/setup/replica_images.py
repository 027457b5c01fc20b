"""Build the replica's images locally with the Docker SDK (no registry needed).

The compose file is the single source of truth: every service with both ``image:`` and
``build:`` names a tag and a context under ``fixtures/``. Builds use the classic builder with
``pull=False`` so ``FROM debian:bookworm-slim`` resolves to the local base image. A tag that
already exists is skipped unless ``force`` -- or unless it was built here from a different
context: each build is labelled ``org.drills.context-digest`` (sha256 of the context's files),
so editing a fixture rebuilds its image while a pulled image (no such label) is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import docker.errors
import yaml

from drills.errors import ImageError

__all__ = ["DIGEST_LABEL", "ImageSpec", "context_digest", "image_specs", "build_images"]

DIGEST_LABEL = "org.drills.context-digest"
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::?-(?P<default>[^}]*))?\}")


@dataclass(frozen=True)
class ImageSpec:
    """One image to build: its tag, its build context and the Dockerfile in it."""

    tag: str
    context: Path
    dockerfile: str


def context_digest(context: Path) -> str:
    """sha256 over the relative paths and contents of every file under ``context``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _interpolate(text: str) -> str:
    return _VAR.sub(lambda m: os.environ.get(m["name"]) or (m["default"] or ""), text)


def image_specs(repo_root: str | os.PathLike[str], compose_file: str = "docker-compose.yml") -> list[ImageSpec]:
    root = Path(repo_root)
    try:
        doc = yaml.safe_load((root / compose_file).read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ImageError(f"{compose_file}: cannot read: {exc}") from exc
    specs: dict[str, ImageSpec] = {}
    for name, svc in (doc.get("services") or {}).items():
        if not isinstance(svc, dict) or "image" not in svc or "build" not in svc:
            continue
        build = svc["build"]
        context = build if isinstance(build, str) else build.get("context", ".")
        dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
        tag = _interpolate(str(svc["image"]))
        specs.setdefault(tag, ImageSpec(tag, (root / context).resolve(), dockerfile))
    return list(specs.values())


def build_images(
    client: Any,
    repo_root: str | os.PathLike[str],
    progress: Callable[[str], None] = print,
    force: bool = False,
    compose_file: str = "docker-compose.yml",
) -> list[str]:
    """Build every image the compose file declares; return the tags that were built."""
    built = []
    for spec in image_specs(repo_root, compose_file):
        digest = context_digest(spec.context)
        if not force:
            try:
                have = (client.images.get(spec.tag).labels or {}).get(DIGEST_LABEL)
                if have in (None, digest):
                    progress(f"image {spec.tag}: present, skipped")
                    continue
                progress(f"image {spec.tag}: {spec.context.name} changed since it was built")
            except docker.errors.ImageNotFound:
                pass
            except docker.errors.DockerException as exc:
                raise ImageError(f"cannot inspect image {spec.tag}: {exc}") from exc
        progress(f"image {spec.tag}: building from {spec.context}")
        try:
            stream = client.api.build(
                path=str(spec.context), dockerfile=spec.dockerfile, tag=spec.tag,
                pull=False, rm=True, forcerm=True, decode=True, labels={DIGEST_LABEL: digest},
            )
            last = ""
            for chunk in stream:
                if "error" in chunk:
                    raise ImageError(
                        f"image {spec.tag}: build failed: {chunk['error'].strip()} (last step: {last})"
                    )
                line = str(chunk.get("stream", "")).rstrip()
                if line.startswith("Step "):
                    last = line
                    progress(f"  {spec.tag}: {line}")
        except docker.errors.DockerException as exc:
            raise ImageError(f"image {spec.tag}: build failed: {exc}") from exc
        try:
            client.images.get(spec.tag)
        except docker.errors.DockerException as exc:
            raise ImageError(f"image {spec.tag}: missing after build: {exc}") from exc
        built.append(spec.tag)
    return built
