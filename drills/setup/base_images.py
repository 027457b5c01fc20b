"""Step 3 of the set-up: the images the topology needs, pulled or built here.

    for each base image:   present? -> done
                           pull ok?  -> done (a registry is reachable: the normal laptop path)
                           else build locally (air-gapped path):
       debian:bookworm-slim   debootstrap --variant=minbase bookworm, then `docker import`
       toxiproxy              the real server built from the Go module proxy at a pinned
                              version (host `go install`, or a multi-stage build where a golang
                              image can be pulled), wrapped in an image laid out like upstream's:
                              /toxiproxy (entrypoint, API on 8474), /toxiproxy-cli

Images built here carry the label ``org.drills.built-locally=true`` so ``drill doctor``
can tell them apart. The same docker-compose.yml names the same tags on both paths.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from drills.adapters.host import Host
from drills.errors import ImageError
from drills.setup.engine import apt_install

BASE_IMAGE = "debian:bookworm-slim"
TOXIPROXY_VERSION = "2.5.0"
TOXIPROXY_IMAGE = os.environ.get("DRILLS_TOXIPROXY_IMAGE", f"shopify/toxiproxy:{TOXIPROXY_VERSION}")
TOXIPROXY_MODULE = "github.com/Shopify/toxiproxy/v2"
LOCAL_LABEL = "org.drills.built-locally"
IMAGE_DIR = Path(__file__).resolve().parent / "images"

BuildFn = Callable[[Host, str], object]


@dataclass(frozen=True)
class ImageOutcome:
    image: str
    how: str  # present | pulled | built

    def describe(self) -> str:
        return f"{self.image} {self.how}"


def image_present(host: Host, image: str) -> bool:
    return host.run(["docker", "image", "inspect", "--format", "{{.Id}}", image], timeout=30).ok


def try_pull(host: Host, image: str) -> bool:
    return host.run(["docker", "pull", "--quiet", image], timeout=300).ok


def build_base_image(host: Host, image: str = BASE_IMAGE) -> None:
    if not (host.is_root() and host.is_debian()):
        raise ImageError(
            f"cannot pull {image} and cannot build it here (building needs root on Debian with debootstrap); "
            f"make {image} available to the engine, then rerun"
        )
    if host.which("debootstrap") is None:
        apt_install(host, ("debootstrap",), "debootstrap")
    with tempfile.TemporaryDirectory(prefix="drills-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        res = host.run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs)], timeout=900)
        if not res.ok:
            raise ImageError(f"debootstrap bookworm failed: {res.last_line()}")
        tar = host.run(["tar", "-C", str(rootfs), "-cf", str(Path(tmp) / "rootfs.tar"), "."], timeout=300)
        if not tar.ok:
            raise ImageError(f"packing the bookworm rootfs failed: {tar.last_line()}")
        res = host.run(
            [
                "docker", "import",
                "--change", 'CMD ["bash"]',
                "--change", f"LABEL {LOCAL_LABEL}=true",
                str(Path(tmp) / "rootfs.tar"), image,
            ],
            timeout=300,
        )  # fmt: skip
        if not res.ok:
            raise ImageError(f"docker import of the bookworm rootfs failed: {res.last_line()}")


def build_toxiproxy_image(host: Host, image: str = TOXIPROXY_IMAGE, version: str = TOXIPROXY_VERSION) -> str:
    """Build the real Toxiproxy server into ``image``; return how it was built."""
    with tempfile.TemporaryDirectory(prefix="drills-toxiproxy-") as tmp:
        ctx = Path(tmp)
        go = host.which("go")
        if go is not None:
            env = {"GOBIN": str(ctx), "CGO_ENABLED": "0"}
            for cmd in ("server", "cli"):
                argv = [go, "install", f"-ldflags=-s -w -X {TOXIPROXY_MODULE}.Version={version}",
                        f"{TOXIPROXY_MODULE}/cmd/{cmd}@v{version}"]  # fmt: skip
                res = host.run(argv, timeout=600, env=env)
                if not res.ok:
                    raise ImageError(f"go install of Toxiproxy {cmd} v{version} failed: {res.last_line()}")
            shutil.copy(IMAGE_DIR / "toxiproxy.Dockerfile", ctx / "Dockerfile")
            how = f"built from Go module v{version} with the host's Go"
        else:
            shutil.copy(IMAGE_DIR / "toxiproxy-source.Dockerfile", ctx / "Dockerfile")
            how = f"built from Go module v{version} in a golang build stage"
        res = host.run(
            [
                "docker", "build", "--quiet", "--pull=false",
                "--build-arg", f"TOXIPROXY_VERSION={version}",
                "-t", image, str(ctx),
            ],
            timeout=900,
            env={"DOCKER_BUILDKIT": "0"},
        )  # fmt: skip
        if not res.ok:
            raise ImageError(f"building the Toxiproxy image {image} failed: {res.last_line()}")
    return how


def ensure_image(host: Host, image: str, build: BuildFn) -> ImageOutcome:
    if image_present(host, image):
        return ImageOutcome(image, "present")
    if try_pull(host, image):
        return ImageOutcome(image, "pulled")
    build(host, image)
    if not image_present(host, image):
        raise ImageError(f"{image} was built but the engine does not list it")
    return ImageOutcome(image, "built")

