"""The set-up's decisions, against a fake host that records every command."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drills.adapters.host import Completed
from drills.errors import ComposeUnavailable, EngineUnavailable, ImageError
from drills.setup import StepReport, run_setup
from drills.setup.base_images import ensure_image
from drills.setup.compose import ensure_compose, mirror_uri
from drills.setup.engine import ensure_engine

Rule = Callable[[tuple[str, ...]], Completed | None]


@dataclass
class FakeHost:
    """Answers commands from rules (first match wins); unknown commands fail with 127."""

    root: bool = True
    debian: bool = True
    env: dict[str, str] = field(default_factory=dict)
    tools: set[str] = field(default_factory=lambda: {"dockerd", "go", "debootstrap"})
    rules: list[Rule] = field(default_factory=list)
    calls: list[tuple[str, ...]] = field(default_factory=list)
    daemons: list[tuple[str, ...]] = field(default_factory=list)

    def run(self, argv: Sequence[str], *, timeout: float, env: Mapping[str, str] | None = None,
            input_bytes: bytes | None = None, cwd: Path | None = None) -> Completed:  # fmt: skip
        key = tuple(argv)
        self.calls.append(key)
        for rule in self.rules:
            res = rule(key)
            if res is not None:
                return res
        return Completed(key, 127, "", f"{argv[0]}: not faked")

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}" if name in self.tools else None

    def is_root(self) -> bool:
        return self.root

    def is_debian(self) -> bool:
        return self.debian

    def getenv(self, name: str) -> str | None:
        return self.env.get(name)

    def spawn_daemon(self, argv: Sequence[str], log: Path) -> int:
        self.daemons.append(tuple(argv))
        return 4242

    def ran(self, *prefix: str) -> bool:
        return any(c[: len(prefix)] == prefix for c in self.calls)


def answers(prefix: tuple[str, ...], rc: int = 0, out: str = "") -> Rule:
    return lambda argv: Completed(argv, rc, out, "" if rc == 0 else "boom") if argv[: len(prefix)] == prefix else None


ENGINE = ("docker", "version")


def engine_after_start(host: FakeHost) -> Rule:
    """The engine answers only once a daemon was spawned."""
    return lambda argv: (Completed(argv, 0, "20.10.24\n") if host.daemons else Completed(argv, 1, "", "no"))  \
        if argv[:2] == ENGINE else None


# --- engine -----------------------------------------------------------------------------

def test_engine_present_changes_nothing() -> None:
    host = FakeHost(rules=[answers(ENGINE, 0, "28.2.2\n")])
    assert "28.2.2" in ensure_engine(host)
    assert host.daemons == [] and not host.ran("apt-get")


def test_engine_absent_root_debian_installs_and_starts() -> None:
    host = FakeHost(tools=set())
    host.rules = [engine_after_start(host), answers(("apt-get",))]
    msg = ensure_engine(host, poll_s=0)
    assert host.ran("apt-get", "install") and host.daemons == [("dockerd",)]
    assert "installed docker.io" in msg and "started dockerd" in msg


def test_engine_absent_but_installed_only_starts() -> None:
    host = FakeHost()
    host.rules = [engine_after_start(host)]
    ensure_engine(host, poll_s=0)
    assert host.daemons == [("dockerd",)] and not host.ran("apt-get")


def test_engine_absent_not_root_explains_what_to_install() -> None:
    host = FakeHost(root=False, rules=[answers(ENGINE, 1)])
    with pytest.raises(EngineUnavailable, match="install and start Docker Engine") as err:
        ensure_engine(host)
    assert err.value.exit_code == 3 and host.daemons == [] and not host.ran("apt-get")


def test_engine_absent_with_docker_host_never_starts_a_local_daemon() -> None:
    host = FakeHost(env={"DOCKER_HOST": "unix:///nonexistent.sock"}, rules=[answers(ENGINE, 1)])
    with pytest.raises(EngineUnavailable, match=re.escape("nonexistent.sock")):
        ensure_engine(host)
    assert host.daemons == []


def test_engine_that_never_answers_after_start_fails_with_log_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("drills.setup.engine.START_TIMEOUT_S", 0.01)
    host = FakeHost(rules=[answers(ENGINE, 1)])
    with pytest.raises(EngineUnavailable, match="did not answer"):
        ensure_engine(host, poll_s=0)


# --- compose ----------------------------------------------------------------------------

def test_compose_v2_present() -> None:
    host = FakeHost(rules=[answers(("docker", "compose", "version"), 0, "2.26.1\n")])
    assert ensure_compose(host) == "Docker Compose 2.26.1"


def test_compose_v1_only_is_refused_when_we_cannot_install() -> None:
    host = FakeHost(root=False, tools={"docker-compose"},
                    rules=[answers(("docker", "compose"), 1), answers(("docker-compose",), 0, "1.29.2\n")])  # fmt: skip
    with pytest.raises(ComposeUnavailable, match=r"Compose v1 \(docker-compose 1.29.2\)"):
        ensure_compose(host)


def test_compose_missing_as_root_installs_v2_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    installed: list[bool] = []
    monkeypatch.setattr("drills.setup.compose.install_compose_plugin", lambda h: installed.append(True))
    host = FakeHost()
    host.rules = [lambda a: (Completed(a, 0, "2.26.1") if installed else Completed(a, 1))
                  if a[:2] == ("docker", "compose") else None]  # fmt: skip
    assert "installed the v2 plugin" in ensure_compose(host)
    assert installed == [True]


def test_mirror_uri_reads_deb822_and_one_line_sources() -> None:
    deb822 = "Types: deb\nURIs: http://mirror.invalid/debian\nSuites: bookworm\n"
    assert mirror_uri(deb822) == "http://mirror.invalid/debian"
    assert mirror_uri("deb [arch=amd64] http://m.invalid/debian bookworm main\n") == "http://m.invalid/debian"
    assert mirror_uri("# nothing\n") is None


# --- images -----------------------------------------------------------------------------

def test_image_present_is_neither_pulled_nor_built() -> None:
    host = FakeHost(rules=[answers(("docker", "image", "inspect"))])
    built: list[str] = []
    assert ensure_image(host, "debian:bookworm-slim", lambda h, i: built.append(i)).how == "present"
    assert built == [] and not host.ran("docker", "pull")


def test_pull_ok_means_no_local_build() -> None:
    host = FakeHost()
    pulled: list[bool] = []

    def pull(argv: tuple[str, ...]) -> Completed | None:
        if argv[:2] != ("docker", "pull"):
            return None
        pulled.append(True)
        return Completed(argv, 0)

    host.rules = [lambda a: Completed(a, 0 if pulled else 1) if a[:3] == ("docker", "image", "inspect") else None, pull]
    built: list[str] = []
    assert ensure_image(host, "shopify/toxiproxy:2.5.0", lambda h, i: built.append(i)).how == "pulled"
    assert built == []


def test_pull_failure_falls_back_to_local_build() -> None:
    built: list[str] = []
    host = FakeHost()
    host.rules = [lambda a: Completed(a, 0 if built else 1) if a[:3] == ("docker", "image", "inspect") else None,
                  answers(("docker", "pull"), 1)]  # fmt: skip
    assert ensure_image(host, "debian:bookworm-slim", lambda h, i: built.append(i)).how == "built"
    assert built == ["debian:bookworm-slim"]


def test_base_image_build_refused_without_root() -> None:
    from drills.setup.base_images import build_base_image

    with pytest.raises(ImageError, match="needs root on Debian"):
        build_base_image(FakeHost(root=False))


# --- the whole set-up -------------------------------------------------------------------

def test_second_run_reports_every_step_and_changes_nothing(tmp_path: Path) -> None:
    host = FakeHost(rules=[answers(ENGINE, 0, "20.10.24"), answers(("docker", "compose"), 0, "2.26.1"),
                           answers(("docker", "image", "inspect"))])  # fmt: skip
    seen: list[StepReport] = []
    reports = run_setup(host, tmp_path, seen.append, replica=lambda root: "replica images: all present")
    assert [r.step for r in reports] == ["engine", "compose", "base image", "toxiproxy", "replica"]
    assert seen == reports
    assert not any(c[0] in {"apt-get", "debootstrap", "go"} or c[:2] == ("docker", "pull") for c in host.calls)
    assert host.daemons == []
