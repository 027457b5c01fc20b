"""``drill doctor``: a read-only report of what this machine has for running drills.

It changes nothing. With no engine reachable it prints one line and exits 3.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import docker
from docker.errors import ImageNotFound

from drills.adapters.docker_client import engine_client
from drills.adapters.host import Host
from drills.errors import ImageError
from drills.setup.base_images import BASE_IMAGE, LOCAL_LABEL, TOXIPROXY_IMAGE
from drills.setup.compose import compose_version
from drills.setup.replica_images import image_specs


@dataclass(frozen=True)
class DoctorRow:
    item: str
    value: str


def _image_row(client: docker.DockerClient, ref: str) -> DoctorRow:
    try:
        img = client.images.get(ref)
    except ImageNotFound:
        return DoctorRow(f"image {ref}", "missing (drill setup pulls or builds it)")
    labels = img.labels or {}
    # An image that came from a registry has a repo digest; one built or imported here has none.
    pulled = bool(img.attrs.get("RepoDigests")) and labels.get(LOCAL_LABEL) != "true"
    origin = "pulled" if pulled else "built locally"
    size = (img.attrs.get("Size") or 0) / 1e6
    return DoctorRow(f"image {ref}", f"{img.short_id.split(':')[-1]} {size:.0f} MB, {origin}")


def replica_image_refs(repo_root: Path) -> list[str]:
    try:
        return sorted({spec.tag for spec in image_specs(repo_root)} - {BASE_IMAGE, TOXIPROXY_IMAGE})
    except ImageError:
        return []  # not in a checkout: only the base images can be reported


def diagnose(host: Host, repo_root: Path) -> list[DoctorRow]:
    client = engine_client()
    try:
        ver = client.version()
        info = client.info()
        rows = [
            DoctorRow("engine", f"Docker {ver.get('Version', '?')} (API {ver.get('ApiVersion', '?')}) "
                      f"on {info.get('OperatingSystem', '?')}"),
            DoctorRow("compose",
                      compose_version(host) or "missing: Compose v2 plugin not found (drill setup installs it)"),
        ]
        rows.extend(_image_row(client, ref) for ref in [BASE_IMAGE, TOXIPROXY_IMAGE, *replica_image_refs(repo_root)])
        try:
            toxi = client.images.get(TOXIPROXY_IMAGE)
            tv = (toxi.labels or {}).get("org.opencontainers.image.version") or TOXIPROXY_IMAGE.rsplit(":", 1)[-1]
            rows.append(DoctorRow("toxiproxy", f"server {tv}"))
        except ImageNotFound:
            rows.append(DoctorRow("toxiproxy", "missing"))
        root = info.get("DockerRootDir") or "/"
        where = Path(root) if Path(root).exists() else Path.cwd()
        usage = shutil.disk_usage(where)
        rows.append(DoctorRow("free disk", f"{usage.free / 1e9:.1f} GB free of {usage.total / 1e9:.0f} GB at {where}"))
        running = client.containers.list(filters={"label": "org.drills.run"})
        rows.append(DoctorRow("drill containers", f"{len(running)} running (drill sweep removes leftovers)"))
    finally:
        client.close()
    return rows
