"""Fakes for what crosses the Docker and Toxiproxy process boundaries, for unit tests of faults,
sweep and doctor. Nothing here talks to an engine.

    Log             one ordered record of every call the fakes saw, shared by the engine and the WAN,
                    so a test can say "the links were cut before the first kill"
    FakeContainer   id, name, status, labels, attrs; kill/start/pause/unpause/restart/update/reload/
                    wait/remove change its state like the engine would; exec_run answers
                    ``exec_answer``; ``fail[method]`` raises instead
    FakeNetwork     attrs["Containers"] keyed by container id; connect/disconnect/reload/remove
    FakeVolume      remove
    FakeImage       labels, attrs, short_id
    FakeDocker      containers.list(all, filters) filtering by label, networks.get/list, volumes.list,
                    images.get, version, info, ping, close
    FakeWan         a WanClient (the protocol faults call) over an in-memory proxy table
    as_client(fake) the fake typed as the docker.DockerClient the code under test takes
    FakeCli         a ``docker`` executable (a Python script) to put first on PATH: records every argv
                    and answers each subcommand as told (rc, stdout, stderr, sleep)
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import docker
from docker.errors import ImageNotFound

from drills.adapters.toxiproxy import ProxyState, WanClient
from drills.errors import FaultError

Call = tuple[str, str]  # (action, target)


class Log(list[Call]):
    def index_of(self, action: str, target: str | None = None) -> int:
        """Position of the first call of ``action`` (on ``target``); ValueError if none."""
        for i, (a, t) in enumerate(self):
            if a == action and (target is None or t == target):
                return i
        raise ValueError(f"no call {action} {target or ''} in {list(self)}")

    def of(self, action: str) -> list[str]:
        return [t for a, t in self if a == action]


def _matches(labels: dict[str, str], wanted: Iterable[str]) -> bool:
    for item in wanted:
        key, eq, value = item.partition("=")
        if key not in labels or (eq and labels[key] != value):
            return False
    return True


def _label_filter(filters: dict[str, Any] | None) -> list[str]:
    raw = (filters or {}).get("label", [])
    return [raw] if isinstance(raw, str) else list(raw)


@dataclass
class FakeContainer:
    id: str
    name: str
    labels: dict[str, str]
    log: Log
    status: str = "running"
    health: str | None = None  # healthcheck status, None: no healthcheck
    restart_policy: dict[str, object] = field(default_factory=lambda: {"Name": "no"})
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {"NetworkID", "Aliases"}
    fail: dict[str, BaseException] = field(default_factory=dict)  # method -> raised instead
    hooks: dict[str, Callable[[], object]] = field(default_factory=dict)  # method -> called first
    after_start: str | None = None  # health once started (None: keep ``health``)
    signals: list[str] = field(default_factory=list)  # of kill()
    restart_timeouts: list[int] = field(default_factory=list)
    remove_flags: list[tuple[bool, bool]] = field(default_factory=list)  # (force, v) of remove()
    ports: dict[str, list[dict[str, str]]] | None = None  # "8081/tcp" -> [{"HostIp", "HostPort"}]
    log_text: str = ""  # what logs() answers
    exec_answer: tuple[int, bytes] = (0, b"")  # what exec_run() answers: (exit code, output)
    execs: list[list[str]] = field(default_factory=list)  # the commands exec_run() was given
    vanishes: bool = False  # removed by someone else between a full listing and its inspection

    @property
    def attrs(self) -> dict[str, Any]:
        state: dict[str, Any] = {"Status": self.status}
        if self.health is not None:
            state["Health"] = {"Status": self.health}
        return {
            "State": state,
            "HostConfig": {"RestartPolicy": self.restart_policy},
            "NetworkSettings": {"Networks": self.networks, "Ports": self.ports},
        }

    def _act(self, action: str, status: str | None = None) -> None:
        self.log.append((action, self.name))
        if (hook := self.hooks.get(action)) is not None:
            hook()
        if (exc := self.fail.get(action)) is not None:
            raise exc
        if status is not None:
            self.status = status

    def kill(self, signal: str = "SIGKILL") -> None:
        self.signals.append(signal)
        self._act("kill", "exited")

    def start(self) -> None:
        self._act("start", "running")
        if self.after_start is not None:
            self.health = self.after_start

    def pause(self) -> None:
        self._act("pause", "paused")

    def unpause(self) -> None:
        self._act("unpause", "running")

    def restart(self, timeout: int = 10) -> None:
        self.restart_timeouts.append(timeout)
        self._act("restart", "running")

    def update(self, restart_policy: dict[str, object]) -> None:
        self._act("update")
        self.restart_policy = dict(restart_policy)

    def reload(self) -> None:
        self._act("reload")

    def logs(self, tail: int = 10) -> bytes:
        self._act("logs")
        return "\n".join(self.log_text.splitlines()[-tail:]).encode()

    def exec_run(self, cmd: list[str], stdout: bool = True, stderr: bool = True) -> tuple[int, bytes]:
        self.execs.append(list(cmd))
        self._act("exec_run")
        return self.exec_answer

    def wait(self, timeout: int = 30) -> dict[str, int]:
        self._act("wait")
        return {"StatusCode": 137}

    def remove(self, force: bool = False, v: bool = False) -> None:
        self.remove_flags.append((force, v))
        self._act("remove", "removed")


@dataclass
class FakeNetwork:
    id: str
    name: str
    log: Log
    members: dict[str, dict[str, Any]] = field(default_factory=dict)  # container id -> endpoint
    labels: dict[str, str] = field(default_factory=dict)
    fail: dict[str, BaseException] = field(default_factory=dict)
    connected: list[tuple[str, list[str] | None]] = field(default_factory=list)
    removed: bool = False

    engine: FakeDocker | None = None

    @property
    def attrs(self) -> dict[str, Any]:
        """Like the engine: only containers with a live endpoint (running or paused) are listed."""
        status = {c.id: c.status for c in self.engine.containers_} if self.engine is not None else {}
        live = {cid: ep for cid, ep in self.members.items() if status.get(cid, "running") in ("running", "paused")}
        return {"Containers": live, "Labels": self.labels}

    def _act(self, action: str, target: str) -> None:
        self.log.append((action, target))
        if (exc := self.fail.get(action)) is not None:
            raise exc

    def reload(self) -> None:
        self._act("network.reload", self.name)

    def connect(self, container: str, aliases: list[str] | None = None) -> None:
        self._act("connect", f"{self.name}:{container}")
        self.members[container] = {}
        self.connected.append((container, aliases))

    def disconnect(self, container: str, force: bool = False) -> None:
        self._act("disconnect", f"{self.name}:{container}:force={force}")
        self.members.pop(container, None)

    def remove(self) -> None:
        self._act("network.remove", self.name)
        self.removed = True


@dataclass
class FakeVolume:
    name: str
    log: Log
    labels: dict[str, str] = field(default_factory=dict)
    fail: dict[str, BaseException] = field(default_factory=dict)
    removed: bool = False

    def remove(self, force: bool = False) -> None:
        self.log.append(("volume.remove", self.name))
        if (exc := self.fail.get("remove")) is not None:
            raise exc
        self.removed = True


@dataclass
class FakeImage:
    short_id: str
    labels: dict[str, str] | None = None
    repo_digests: list[str] = field(default_factory=list)
    size: int = 0

    @property
    def attrs(self) -> dict[str, Any]:
        return {"RepoDigests": self.repo_digests, "Size": self.size}


class _Containers:
    def __init__(self, owner: FakeDocker) -> None:
        self.owner = owner

    def list(self, all: bool = False, filters: dict[str, Any] | None = None,  # noqa: A002 - the SDK's name
             sparse: bool = False) -> list[FakeContainer]:  # fmt: skip
        """Like the SDK: without ``sparse`` each listed container is inspected, and one that vanished
        between the listing and its inspection (``vanishes``) raises NotFound out of the whole call."""
        self.owner.log.append(("containers.list", ",".join(_label_filter(filters))))
        if (exc := self.owner.fail.get("containers.list")) is not None:
            raise exc
        wanted = _label_filter(filters)
        found = [c for c in self.owner.containers_ if c.status != "removed"
                 and _matches(c.labels, wanted) and (all or c.status == "running")]  # fmt: skip
        if not sparse and any(c.vanishes for c in found):
            raise docker.errors.NotFound("404 Client Error: Not Found (No such container)")
        return found


class _Networks:
    def __init__(self, owner: FakeDocker) -> None:
        self.owner = owner

    def get(self, network_id: str) -> FakeNetwork:
        self.owner.log.append(("networks.get", network_id))
        for n in self.owner.networks_:
            if network_id in (n.id, n.name):
                return n
        raise docker.errors.NotFound(f"network {network_id} not found")

    def list(self, filters: dict[str, Any] | None = None) -> list[FakeNetwork]:
        if (exc := self.owner.fail.get("networks.list")) is not None:
            raise exc
        return [n for n in self.owner.networks_ if not n.removed and _matches(n.labels, _label_filter(filters))]


class _Volumes:
    def __init__(self, owner: FakeDocker) -> None:
        self.owner = owner

    def list(self, filters: dict[str, Any] | None = None) -> list[FakeVolume]:
        return [v for v in self.owner.volumes_ if not v.removed and _matches(v.labels, _label_filter(filters))]


class _Images:
    def __init__(self, owner: FakeDocker) -> None:
        self.owner = owner

    def get(self, ref: str) -> FakeImage:
        try:
            return self.owner.images_[ref]
        except KeyError:
            raise ImageNotFound(f"No such image: {ref}") from None


class FakeDocker:
    """The parts of docker.DockerClient that drills calls."""

    def __init__(self, log: Log | None = None) -> None:
        self.log = log if log is not None else Log()
        self.containers_: list[FakeContainer] = []
        self.networks_: list[FakeNetwork] = []
        self.volumes_: list[FakeVolume] = []
        self.images_: dict[str, FakeImage] = {}
        self.fail: dict[str, BaseException] = {}
        self.version_info: dict[str, str] = {"Version": "24.0.7", "ApiVersion": "1.43"}
        self.engine_info: dict[str, str] = {"OperatingSystem": "Debian GNU/Linux 12", "DockerRootDir": "/"}
        self.closed = False
        self.containers = _Containers(self)
        self.networks = _Networks(self)
        self.volumes = _Volumes(self)
        self.images = _Images(self)

    def add(self, name: str, labels: dict[str, str], **kw: Any) -> FakeContainer:
        cid = hashlib.sha256(f"{name}/{len(self.containers_)}".encode()).hexdigest()  # hex, like the engine's
        c = FakeContainer(id=cid, name=name, labels=labels, log=self.log, **kw)
        self.containers_.append(c)
        return c

    def network(self, name: str, members: Iterable[FakeContainer] = (), **kw: Any) -> FakeNetwork:
        net = FakeNetwork(id=f"net-{name}", name=name, log=self.log, engine=self, **kw)
        for c in members:
            net.members[c.id] = {"Name": c.name}
            c.networks[name] = {"NetworkID": net.id, "Aliases": [c.id[:12], c.name, f"{c.name}-wan"]}
        self.networks_.append(net)
        return net

    def version(self) -> dict[str, str]:
        return self.version_info

    def info(self) -> dict[str, str]:
        return self.engine_info

    def ping(self) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def as_client(fake: FakeDocker) -> docker.DockerClient:
    return cast(docker.DockerClient, fake)


class FakeWan(WanClient):
    """The Toxiproxy server as faults see it: proxies (enabled or not) and their toxics, in memory."""

    def __init__(self, log: Log, names: Iterable[str]) -> None:  # no HTTP client: nothing to reach
        self.host, self.port = "127.0.0.1", 0
        self.log = log
        self.enabled = dict.fromkeys(names, True)
        self.toxics_: dict[str, dict[str, tuple[str, dict[str, int]]]] = {n: {} for n in self.enabled}

    def _known(self, name: str) -> None:
        if name not in self.enabled:
            raise FaultError(f"no toxiproxy link named {name!r}")

    def proxies(self) -> dict[str, ProxyState]:
        self.log.append(("wan.proxies", ""))
        return {n: ProxyState(n, "", "", on) for n, on in self.enabled.items()}

    def set_enabled(self, name: str, enabled: bool) -> None:
        self._known(name)
        self.log.append(("wan.enable" if enabled else "wan.disable", name))
        self.enabled[name] = enabled

    def set_many(self, names: list[str], enabled: bool) -> None:
        for n in names:
            self._known(n)
        self.log.append(("wan.set_many", f"{','.join(names)}={enabled}"))
        for n in names:
            self.enabled[n] = enabled

    def add_toxic(self, link: str, name: str, kind: str, attributes: dict[str, int], stream: str = "downstream",
                  toxicity: float = 1.0) -> None:  # fmt: skip
        self._known(link)
        self.log.append(("wan.add_toxic", f"{link}:{name}"))
        self.toxics_[link][name] = (kind, dict(attributes))

    def toxics(self, link: str) -> list[str]:
        self._known(link)
        return sorted(self.toxics_[link])

    def remove_toxic(self, link: str, name: str) -> None:
        self._known(link)
        self.log.append(("wan.remove_toxic", f"{link}:{name}"))
        del self.toxics_[link][name]

    def reset(self) -> None:
        self.log.append(("wan.reset", ""))
        self.enabled = dict.fromkeys(self.enabled, True)
        self.toxics_ = {n: {} for n in self.enabled}


PROJECT = "drills-unit"
LINKS = ("edge_a_chat", "edge_b_chat", "a_b_pg", "b_a_pg")  # tests/unit/data/repo's WAN


def labels_of(service: str, domain: str, role: str = "app", project: str = PROJECT) -> dict[str, str]:
    return {
        "com.docker.compose.project": project,
        "com.docker.compose.service": service,
        "org.drills.domain": domain,
        "org.drills.role": role,
    }


def mini_replica(fake: FakeDocker, project: str = PROJECT) -> dict[str, FakeContainer]:
    """The containers of tests/unit/data/repo's compose file, running, each on its domain's network."""
    spec = [
        ("pg-a", "a", "datastore"), ("chat-a", "a", "app"), ("login-a", "a", "app"),
        ("pg-b", "b", "datastore"), ("chat-b", "b", "app"), ("login-b", "b", "app"),
        ("witness", "edge", "witness"), ("haproxy", "edge", "entrypoint"), ("toxiproxy", "edge", "wan"),
    ]  # fmt: skip
    ctrs = {name: fake.add(name, labels_of(name, domain, role, project)) for name, domain, role in spec}
    for domain in ("a", "b", "edge"):
        members = [c for c in ctrs.values() if c.labels["org.drills.domain"] == domain]
        if domain != "edge":
            members.append(ctrs["toxiproxy"])  # the WAN sits on every site network by design
        fake.network(f"{project}_site_{domain}", members)
    return ctrs


# -- the docker CLI ----------------------------------------------------------------------------------

FAKE_DOCKER = """#!{python} -S
import json, os, sys, time
argv = sys.argv[1:]
rest = argv[1:] if argv[:1] == ["compose"] else argv
while rest and rest[0] in ("-p", "-f"):
    rest = rest[2:]
key = rest[0] if rest else ""
with open(os.environ["FAKE_DOCKER_LOG"], "a") as log:
    log.write(json.dumps({{"argv": argv, "run": os.environ.get("DRILLS_RUN_ID"), "cwd": os.getcwd()}}) + "\\n")
answer = json.load(open(os.environ["FAKE_DOCKER_ANSWERS"])).get(key, {{}})
time.sleep(answer.get("sleep", 0))
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("rc", 0))
"""


class FakeCli:
    """A ``docker`` executable first on PATH; ``answers[subcommand]`` = {rc, stdout, stderr, sleep}."""

    def __init__(self, tmp_path: Path) -> None:
        bindir = tmp_path / "bin"
        bindir.mkdir()
        exe = bindir / "docker"
        exe.write_text(FAKE_DOCKER.format(python=sys.executable))
        exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
        self.log = tmp_path / "docker.log"
        self.answers_file = tmp_path / "answers.json"
        self.answers: dict[str, dict[str, Any]] = {"version": {"stdout": "2.26.1\n"}}
        self.save()
        self.env = {
            "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
            "FAKE_DOCKER_LOG": str(self.log),
            "FAKE_DOCKER_ANSWERS": str(self.answers_file),
        }

    @classmethod
    def install(cls, tmp_path: Path, monkeypatch: Any) -> FakeCli:
        """A FakeCli first on PATH for this test (``monkeypatch``: pytest's fixture)."""
        cli = cls(tmp_path)
        for key, value in cli.env.items():
            monkeypatch.setenv(key, value)
        return cli

    def answer(self, key: str, **kw: Any) -> None:
        self.answers[key] = kw
        self.save()

    def save(self) -> None:
        self.answers_file.write_text(json.dumps(self.answers))

    def calls(self) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]
