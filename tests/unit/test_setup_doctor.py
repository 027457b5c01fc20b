"""``drill doctor``: the rows it reports, read from a fake engine and a fake host (changes nothing)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from drills.adapters.host import Completed
from drills.cli import main
from drills.cli.setup import up_stacks_row
from drills.engine import runs
from drills.setup import doctor
from drills.setup.base_images import BASE_IMAGE, LOCAL_LABEL, TOXIPROXY_IMAGE
from drills.setup.doctor import DoctorRow, diagnose, replica_image_refs
from tests.unit.fakes_docker import FakeDocker, FakeImage, as_client

ROOT = Path(__file__).resolve().parents[2]
REPLICA = ["drills/edge-lb:0.1.0", "drills/messenger-app:0.1.0", "drills/replica-db:0.1.0"]


class ComposeHost:
    """A host whose only command is ``docker compose version --short``."""

    def __init__(self, version: str | None) -> None:
        self.version = version

    def run(self, argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None,
            input_bytes: bytes | None = None, cwd: Path | None = None) -> Completed:  # fmt: skip
        if list(argv) == ["docker", "compose", "version", "--short"] and self.version:
            return Completed(tuple(argv), 0, f"{self.version}\n")
        return Completed(tuple(argv), 1, "", "docker: 'compose' is not a docker command.")

    def which(self, name: str) -> str | None:
        return None

    def is_root(self) -> bool:
        return False

    def is_debian(self) -> bool:
        return True

    def getenv(self, name: str) -> str | None:
        return None

    def spawn_daemon(self, argv: Sequence[str], log: Path) -> int:
        raise AssertionError("doctor changes nothing")


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeDocker:
    fake = FakeDocker()
    fake.engine_info = {"OperatingSystem": "Debian GNU/Linux 12 (bookworm)", "DockerRootDir": str(tmp_path)}
    monkeypatch.setattr(doctor, "engine_client", lambda: as_client(fake))
    # the replica's image list comes from `docker compose config` (tested below, once)
    monkeypatch.setattr(doctor, "replica_image_refs", lambda root: REPLICA if root == ROOT else [])
    return fake


def rows_by_item(rows: list[DoctorRow]) -> dict[str, str]:
    return {r.item: r.value for r in rows}


def test_every_row_read_from_the_engine(engine: FakeDocker, tmp_path: Path) -> None:
    engine.images_[BASE_IMAGE] = FakeImage("sha256:1111aaaa2222", {}, ["debian@sha256:ab"], size=74_800_000)
    engine.images_[TOXIPROXY_IMAGE] = FakeImage("sha256:3333bbbb4444", {"org.opencontainers.image.version": "2.5.0"},
                                                ["shopify/toxiproxy@sha256:cd"], size=12_400_000)  # fmt: skip
    engine.images_[REPLICA[1]] = FakeImage("sha256:5555cccc6666", {}, [], size=180_000_000)
    engine.add("run-chat-a", {"org.drills.run": "r1"})
    engine.add("run-pg-a", {"org.drills.run": "r1"}, status="exited")
    engine.add("other", {})

    rows = diagnose(ComposeHost("2.26.1"), ROOT)
    values = rows_by_item(rows)
    assert [r.item for r in rows] == ["engine", "compose", f"image {BASE_IMAGE}", f"image {TOXIPROXY_IMAGE}",
                                      *(f"image {ref}" for ref in REPLICA), "toxiproxy", "free disk",
                                      "drill containers"]  # fmt: skip
    assert values["engine"] == "Docker 24.0.7 (API 1.43) on Debian GNU/Linux 12 (bookworm)"
    assert values["compose"] == "2.26.1"
    assert values[f"image {BASE_IMAGE}"] == "1111aaaa2222 75 MB, pulled"
    assert values[f"image {TOXIPROXY_IMAGE}"] == "3333bbbb4444 12 MB, pulled"
    assert values[f"image {REPLICA[1]}"] == "5555cccc6666 180 MB, built locally"  # no repo digest
    assert values[f"image {REPLICA[0]}"] == "missing (drill setup pulls or builds it)"
    assert values["toxiproxy"] == "server 2.5.0"
    usage = shutil.disk_usage(tmp_path)
    assert values["free disk"] == f"{usage.free / 1e9:.1f} GB free of {usage.total / 1e9:.0f} GB at {tmp_path}"
    assert values["drill containers"] == "1 running (drill sweep removes leftovers)"
    assert engine.closed


def test_doctor_names_the_stacks_of_drill_up() -> None:
    assert up_stacks_row().value == "0"
    runs.register("up-cut-1", "drills-up-cut-1", "up", [])
    runs.register("a-run", "drills-a-run", "run", [])
    assert up_stacks_row().value == "1: up-cut-1 (drill run --reuse RUN drills on one; drill down removes them)"


def test_an_image_built_here_with_a_digest_is_still_built_locally(engine: FakeDocker) -> None:
    # `docker import` / a local build tagged like the upstream image: the label says where it came from
    engine.images_[BASE_IMAGE] = FakeImage("sha256:77", {LOCAL_LABEL: "true"}, ["debian@sha256:ab"], size=0)
    values = rows_by_item(diagnose(ComposeHost("2.26.1"), ROOT))
    assert values[f"image {BASE_IMAGE}"] == "77 0 MB, built locally"


def test_missing_compose_and_toxiproxy_and_an_unknown_root_dir(engine: FakeDocker, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    engine.version_info = {}
    engine.engine_info = {"DockerRootDir": "/nonexistent/docker"}
    monkeypatch.chdir(tmp_path)
    values = rows_by_item(diagnose(ComposeHost(None), tmp_path))
    assert values["engine"] == "Docker ? (API ?) on ?"
    assert values["compose"] == "missing: Compose v2 plugin not found (drill setup installs it)"
    assert values["toxiproxy"] == "missing"
    assert values["free disk"].endswith(f" at {tmp_path}")  # the working directory stands in


def test_replica_image_refs_of_a_checkout_and_of_anything_else(tmp_path: Path) -> None:
    assert replica_image_refs(ROOT) == REPLICA
    assert replica_image_refs(tmp_path) == []


def test_drill_doctor_prints_the_rows(engine: FakeDocker, capsys: pytest.CaptureFixture[str],
                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(doctor, "compose_version", lambda host: "2.26.1")  # not this machine's docker CLI
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("drills ")
    assert out[1].split()[:2] == ["engine", "Docker"]
    assert out[2].split() == ["compose", "2.26.1"]
    assert out[-2].split() == ["drill", "containers", "0", "running", "(drill", "sweep", "removes", "leftovers)"]
    assert out[-1].split() == ["drill", "up", "stacks", "0"]
