"""Build the replica's images locally with the Docker SDK (no registry needed).

The compose file is the single source of truth, read the way Compose reads it: its merged
model (:mod:`drills.adapters.compose_config`, with interpolation, ``extends``, ``include``,
``.env`` and profiles). Every enabled service with both ``image:`` and ``build:`` names a tag
and a context under ``fixtures/``. Listing the images needs the Compose v2 CLI (no engine);
without it :func:`image_specs` raises ImageError (``drill doctor`` then lists only the base
images). Builds use the classic builder with ``pull=False`` so ``FROM debian:bookworm-slim``
resolves to the local base image. A tag that already exists is skipped unless ``force`` -- or
unless it was built here from a different context: each build is labelled
``org.drills.context-digest`` (sha256 of the context's files), so editing a fixture rebuilds
its image while a pulled image (no such label) is kept.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker.errors

from drills.adapters.compose_config import ComposeModel, ComposeRejected, ModelReader, read_model
from drills.errors import ComposeUnavailable, ImageError

__all__ = [
    "DIGEST_LABEL",
    "ImageSpec",
    "build_images",
    "build_specs",
    "context_digest",
    "image_specs",
    "specs_from_model",
]

DIGEST_LABEL = "org.drills.context-digest"


@dataclass(frozen=True)
class ImageSpec:
    """One image to build: its tag, its build context and the Dockerfile in it."""

    tag: str
    context: Path
    dockerfile: str


BYTECODE = ("__pycache__", ".pyc")  # left in a context by tests importing its Python: not part of the image


def _built_from(path: Path, context: Path) -> bool:
    rel = path.relative_to(context)
    return BYTECODE[0] not in rel.parts and path.suffix != BYTECODE[1]


def context_digest(context: Path) -> str:
    """sha256 over the relative paths and contents of every file under ``context`` that goes into
    the image: Python bytecode is left out (each context's .dockerignore keeps it out of the build
    too), so running the unit tests does not make the next drill rebuild an image."""
    digest = hashlib.sha256()
    for path in sorted(p for p in context.rglob("*") if p.is_file() and _built_from(p, context)):
        digest.update(str(path.relative_to(context)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def specs_from_model(model: ComposeModel) -> list[ImageSpec]:
    """One spec per tag, from every service of ``model`` that has both an image and a build."""
    specs: dict[str, ImageSpec] = {}
    for name in model.services:
        tag, build = model.image(name), model.build(name)
        if tag and build:
            specs.setdefault(tag, ImageSpec(tag, build[0], build[1]))
    return list(specs.values())


def image_specs(
    repo_root: str | os.PathLike[str],
    compose_file: str = "docker-compose.yml",
    reader: ModelReader | None = None,
) -> list[ImageSpec]:
    """The images the compose file builds, from Compose's merged model; ImageError otherwise."""
    path = Path(repo_root) / compose_file
    if not path.is_file():
        raise ImageError(f"{compose_file}: cannot read: no such file in {repo_root}")
    try:
        model = (reader or read_model)([path], path.parent)
    except ComposeUnavailable as exc:
        raise ImageError(f"cannot list the images of {compose_file}: {exc}") from exc
    except ComposeRejected as exc:
        raise ImageError(str(exc)) from exc
    return specs_from_model(model)


def build_images(
    client: Any,
    repo_root: str | os.PathLike[str],
    progress: Callable[[str], None] = print,
    force: bool = False,
    compose_file: str = "docker-compose.yml",
) -> list[str]:
    """Build every image the compose file declares; return the tags that were built."""
    return build_specs(client, image_specs(repo_root, compose_file), progress, force)


def build_specs(client: Any, specs: list[ImageSpec], progress: Callable[[str], None] = print,
                force: bool = False) -> list[str]:  # fmt: skip
    """Build each of ``specs`` the engine lacks (or built from another context); the tags built."""
    built = []
    for spec in specs:
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
