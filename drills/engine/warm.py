"""Warm mode: ``drill up`` once, then ``drill run --reuse [RUN]`` drills against the running stack.

A fresh stack per drill costs its bring-up and teardown (~25 s of a ~70 s default drill). For local
iteration the stack of ``drill up`` can be reused - but only once it is *proven* back in the state
``drill up`` left it in, or a drill would judge the leftovers of the last one (a site-a cut after
a site-a cut finds the primary already in site b: nothing fails over, a perfect RTO, a lie).

``drill up`` records the stack's :class:`Fingerprint` with its run record: the compose files'
digests, each service's image and restart policy, each datastore's state line (label
``org.drills.state``, e.g. ``pg-a: leader, paused: no``) and the WAN's links. Before each reused
drill, :meth:`ReusedStack.up` resets and then verifies::

    refuse at once   a compose file changed, a service missing or added, an image rebuilt since
    reset            WAN: every link enabled, every toxic removed; containers: restart policies
                     as recorded, paused ones unpaused, stopped ones started; datastores whose
                     state differs: their ``org.drills.reset`` command (the reference replica:
                     a switchover back to pg-a, the cluster paused again where it was)
    verify           within RESET_TIMEOUT_S: every container running and healthy, every datastore
                     state as recorded, every site's datastore in sync (the rejoin reader), every
                     recorded link present and enabled with no toxic - else TopologyError (exit 3),
                     naming what is still different; the stack is left as it is

Data is not rolled back: every probe and the write load key what they write by the run id, so a
drill reads back only its own writes (RPO) and earlier drills' rows are just history. The stack is
never removed by a reused run (nor by an interrupt, nor by its reaper: it has none); one reused
run at a time (a lock file beside the record). ``environment.json`` says the stack was reused, from
which ``drill up``, and what the reset did.
"""

from __future__ import annotations

import fcntl
import hashlib
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from drills.adapters import labels
from drills.adapters.container_exec import ContainerExec
from drills.adapters.site_state import last_line, not_ready, read_site_state
from drills.adapters.toxiproxy import WanClient
from drills.engine import runs
from drills.engine.compose_stack import ComposeStack, compose_files
from drills.errors import DrillsError, TopologyError, UsageError
from drills.model.scenario import Scenario

__all__ = ["Fingerprint", "ReusedStack", "choose_up", "differences", "file_digests", "read_fingerprint"]

RESET_TIMEOUT_S = 120.0  # a switchover back, a rewind and the sync handshake: ~15 s measured
POLL_S = 0.5
EXEC_TIMEOUT_S = 10.0
RESET_ATTEMPTS = 2  # a datastore's reset command, per reuse (a switchover refused mid-rewind: once more,
RESET_RETRY_S = 30.0  # ... once its state had this long to follow the first)
RESET_EXEC_TIMEOUT_S = 60.0  # replica-db reset waits up to 30 s for the failover it asked for


def file_digests(files: Sequence[str | Path]) -> dict[str, str]:
    """sha256 of each file, by its absolute path."""
    return {str(Path(f).resolve()): hashlib.sha256(Path(f).read_bytes()).hexdigest() for f in files}


@dataclass(frozen=True)
class Fingerprint:
    """What a reused drill must find again: recorded by ``drill up``, re-read before each reuse."""

    files: dict[str, str] = field(default_factory=dict)  # compose file -> sha256
    images: dict[str, str] = field(default_factory=dict)  # service -> image id
    restart: dict[str, dict[str, Any]] = field(default_factory=dict)  # service -> Docker restart policy
    states: dict[str, str] = field(default_factory=dict)  # datastore service -> its state line
    links: tuple[str, ...] = ()  # the WAN's proxies

    def to_dict(self) -> dict[str, Any]:
        return {"files": self.files, "images": self.images, "restart": self.restart, "states": self.states,
                "links": list(self.links)}  # fmt: skip

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fingerprint:
        return cls(dict(data.get("files", {})), dict(data.get("images", {})), dict(data.get("restart", {})),
                   dict(data.get("states", {})), tuple(data.get("links", ())))  # fmt: skip


def differences(recorded: Fingerprint, now: Fingerprint, *, fixed_only: bool = False) -> list[str]:
    """What differs between the recorded fingerprint and ``now``, one phrase each. ``fixed_only``:
    only what no reset can change (files, the set of services, images) - a reuse refuses at once."""

    def file_change(path: str) -> str:
        what = "is no longer used" if path not in now.files else "is new" if path not in recorded.files else "changed"
        return f"{Path(path).name} {what} since drill up"

    def policy(p: Mapping[str, Any]) -> str:
        return str(p.get("Name") or "none")

    out = [file_change(p) for p in sorted(set(recorded.files) | set(now.files))
           if recorded.files.get(p) != now.files.get(p)]  # fmt: skip
    missing, added = sorted(set(recorded.images) - set(now.images)), sorted(set(now.images) - set(recorded.images))
    if missing:
        out.append(f"service(s) gone: {', '.join(missing)}")
    if added:
        out.append(f"service(s) not in the recorded stack: {', '.join(added)}")
    both = sorted(set(recorded.images) & set(now.images))
    out += [f"{svc}: runs another image than at drill up" for svc in both if recorded.images[svc] != now.images[svc]]
    if fixed_only:
        return out
    out += [f"{svc}: restart policy {policy(now.restart[svc])}, was {policy(recorded.restart[svc])}"
            for svc in sorted(set(recorded.restart) & set(now.restart))
            if recorded.restart[svc] != now.restart[svc]]  # fmt: skip
    out += [f"{svc}: {now.states.get(svc, 'no state read')!r}, was {recorded.states[svc]!r}"
            for svc in sorted(recorded.states) if recorded.states[svc] != now.states.get(svc)]  # fmt: skip
    gone = sorted(set(recorded.links) - set(now.links))
    if gone:
        out.append(f"WAN link(s) gone: {', '.join(gone)}")
    return out


def _service(c: Any) -> str:
    return str(c.labels.get(labels.COMPOSE_SERVICE, c.name))


def _exec_label(client: Any, project: str, c: Any, label: str, timeout: float, *,
                every_line: bool = False) -> tuple[int, str]:  # fmt: skip
    """Run the command a container's ``label`` names inside it: (exit code, its last output line, or
    ``every_line`` joined by " / ")."""
    try:
        done = ContainerExec(client, project).run(_service(c), str(c.labels.get(labels.DOMAIN, "")),
                                                  shlex.split(c.labels[label]), timeout)  # fmt: skip
    except DrillsError as exc:
        return -1, str(exc)
    said = " / ".join(ln.strip() for ln in done.output.splitlines() if ln.strip()) if every_line else ""
    return done.exit_code, said or last_line(done.output) or f"exit code {done.exit_code}"


def read_fingerprint(client: Any, project: str, wan: WanClient, files: Sequence[str | Path],
                     containers: Sequence[Any]) -> Fingerprint:  # fmt: skip
    """The stack as it is now (``containers``: the project's, as ComposeProject.containers lists them)."""
    images, restart, states = {}, {}, {}
    for c in containers:
        svc = _service(c)
        images[svc] = str(c.attrs.get("Image", ""))
        restart[svc] = _policy(c)
        if c.labels.get(labels.ROLE) == "datastore" and c.labels.get(labels.STATE):
            code, line = _exec_label(client, project, c, labels.STATE, EXEC_TIMEOUT_S)
            states[svc] = line if code == 0 else f"unreadable: {line}"
    links = tuple(sorted(wan.proxies()))
    return Fingerprint(file_digests(files), images, restart, states, links)


def _policy(c: Any) -> dict[str, Any]:
    """A container's restart policy, with Docker's "no policy" spelled one way ("" and "no" alike:
    an update with an empty name leaves the policy as it was)."""
    raw = c.attrs.get("HostConfig", {}).get("RestartPolicy") or {}
    return {"Name": raw.get("Name") or "no", "MaximumRetryCount": int(raw.get("MaximumRetryCount") or 0)}


def choose_up(records: Mapping[str, runs.RunRecord], wanted: str, scenarios: Sequence[Scenario]) -> runs.RunRecord:
    """The ``drill up`` stack ``--reuse`` names ("" = the only one there is) that was brought up from
    exactly the compose files of every scenario, unchanged since. UsageError (exit 2) otherwise."""
    ups = {k: r for k, r in records.items() if r.kind == "up"}
    if not ups:
        raise UsageError("--reuse: no `drill up` stack is running (start one with: drill up SCENARIO)")
    if not wanted:
        if len(ups) > 1:
            raise UsageError(f"--reuse: {len(ups)} `drill up` stacks are running, name one: {', '.join(sorted(ups))}")
        wanted = next(iter(ups))
    rec = ups.get(wanted)
    if rec is None:
        raise UsageError(f"--reuse {wanted}: no such `drill up` stack (running: {', '.join(sorted(ups))})")
    if not rec.stack:
        raise UsageError(f"--reuse {wanted}: its state was not recorded (brought up by an older drills?): "
                         f"drill down {wanted} && drill up SCENARIO")  # fmt: skip
    recorded = Fingerprint.from_dict(rec.stack)
    for sc in scenarios:
        files = [str(Path(f).resolve()) for f in compose_files(sc)]
        if list(rec.files) != files:
            names = " + ".join(Path(f).name for f in rec.files)
            raise UsageError(f"{sc.path}: topology: --reuse {wanted} was brought up from {names}, the scenario "
                             f"runs {' + '.join(Path(f).name for f in files)} (drill up {sc.path})")  # fmt: skip
        changed = differences(Fingerprint(files=recorded.files), Fingerprint(files=file_digests(files)))
        if changed:
            raise UsageError(f"{sc.path}: topology: {'; '.join(changed)}: the running stack {wanted} may differ "
                             f"(drill down {wanted} && drill up {sc.path})")  # fmt: skip
    return rec


class _Lock:
    """One reused run at a time per stack: an exclusive lock on a file beside the run record."""

    def __init__(self, run_id: str) -> None:
        path = runs.state_dir() / "runs" / f"{run_id}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = path.open("a")
        try:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            self.release()
            raise TopologyError(f"the `drill up` stack {run_id} is in use by another drill run") from exc

    def release(self) -> None:
        if self._fh is not None:
            self._fh.close()  # closing drops the lock
            self._fh = None


class ReusedStack(ComposeStack):
    """A :class:`drills.engine.stack.Stack` over a running ``drill up`` stack (module docstring)."""

    def __init__(self, scenario: Scenario, run_id: str, project: str, *, record: runs.RunRecord,
                 timeout: float = RESET_TIMEOUT_S) -> None:  # fmt: skip
        super().__init__(scenario, record.run_id, record.project)
        self.run_id = run_id  # this drill's (its probes' keys); the containers carry the up's
        self.record, self.timeout = record, timeout
        self.recorded = Fingerprint.from_dict(record.stack)
        self.reaper_state = f"not used: the stack of `drill up` {record.run_id} is reused and left up"
        self.reset_report: dict[str, Any] = {}
        self._lock: _Lock | None = None

    def up(self) -> None:
        self._lock = _Lock(self.record.run_id)
        self.logs_since = time.time()
        started = time.monotonic()
        self.build_images()  # a fixture changed since drill up: rebuilt here, then refused below
        done: list[str] = []
        containers = self.compose.containers()
        now = read_fingerprint(self.client, self.project, self.wan(), compose_files(self.scenario), containers)
        fixed = differences(self.recorded, now, fixed_only=True) + self._stale_images(containers)
        fixed += [f"{_service(c)}: a datastore without {labels.STATE}, so its role after a drill cannot be proven "
                  "(docs/your-stack.md)" for c in containers
                  if c.labels.get(labels.ROLE) == "datastore" and not c.labels.get(labels.STATE)]  # fmt: skip
        if fixed:
            raise TopologyError(self._refusal(fixed))
        self.wan().reset()
        done.append("WAN reset: every link enabled, every toxic removed")
        done += self._reset_containers(containers)
        problems = self._settle(done, started)
        if problems:
            raise TopologyError(self._refusal([*problems, f"tried: {'; '.join(done)}"]))
        done.append(f"proven back in {time.monotonic() - started:.1f}s")
        self.reset_report = {"from_up": self.record.run_id, "project": self.project,
                             "up_started_utc": self.record.started_utc, "done": done,
                             "seconds": round(time.monotonic() - started, 2),
                             "data": "not rolled back: every probe keys its writes by this run's id"}  # fmt: skip

    def _refusal(self, problems: Sequence[str]) -> str:
        up = self.record.run_id
        return (f"reused stack {up} is not back to its `drill up` state, so no drill runs on it: "
                f"{'; '.join(problems)} (drill down {up} && drill up {self.scenario.path})")

    def _stale_images(self, containers: Sequence[Any]) -> list[str]:
        """Containers whose image tag names another image now (rebuilt since drill up)."""
        out = []
        for c in containers:
            tag = c.attrs.get("Config", {}).get("Image", "")
            try:
                current = self.client.images.get(tag).id if tag else ""
            except Exception:  # noqa: BLE001 - a tag that no longer exists is stale too
                current = ""
            if current != c.attrs.get("Image"):
                out.append(f"{_service(c)}: image {tag} was rebuilt since drill up")
        return sorted(out)

    def _reset_containers(self, containers: Sequence[Any]) -> list[str]:
        done = []
        for c in sorted(containers, key=_service):
            svc = _service(c)
            policy = self.recorded.restart.get(svc)
            have = _policy(c)
            try:
                if policy is not None and have != policy:
                    c.update(restart_policy=policy)
                    done.append(f"{svc}: restart policy {policy.get('Name') or 'none'} again")
                if c.status == "paused":
                    c.unpause()
                    done.append(f"{svc}: unpaused")
                elif c.status != "running":
                    c.start()
                    done.append(f"{svc}: started (was {c.status})")
            except Exception as exc:  # one line; the stack is left as it is
                raise TopologyError(self._refusal([f"{svc}: {type(exc).__name__}: {exc}"])) from exc
        return done

    def _settle(self, done: list[str], started: float) -> list[str]:
        """Poll until the stack is proven back (returns []) or RESET_TIMEOUT_S passed (what is not)."""
        attempts: dict[str, list[float]] = {}  # datastore -> when its reset command ran
        problems = ["not read yet"]
        while problems:
            containers = self.compose.containers()
            problems = self._unhealthy(containers)
            if not problems:
                now = read_fingerprint(self.client, self.project, self.wan(), compose_files(self.scenario),
                                       containers)  # fmt: skip
                problems = differences(self.recorded, now)
                self._reset_datastores(containers, now, attempts, done)
                if not problems:
                    problems = self._wan_problems() + self._sites_out_of_sync(containers)
            if problems and time.monotonic() - started > self.timeout:
                return [f"after {self.timeout:.0f}s", *problems]
            if problems:
                time.sleep(POLL_S)
        return []

    def _reset_datastores(self, containers: Sequence[Any], now: Fingerprint, attempts: dict[str, list[float]],
                          done: list[str]) -> None:  # fmt: skip
        """Each datastore whose state differs from the recorded one runs its reset command - again
        after RESET_RETRY_S if its state did not follow, at most RESET_ATTEMPTS times."""
        for c in containers:
            svc = _service(c)
            ran = attempts.setdefault(svc, [])
            if c.labels.get(labels.RESET) is None or self.recorded.states.get(svc) in (None, now.states.get(svc)):
                continue
            if len(ran) >= RESET_ATTEMPTS or (ran and time.monotonic() - ran[-1] < RESET_RETRY_S):
                continue
            ran.append(time.monotonic())
            code, said = _exec_label(self.client, self.project, c, labels.RESET, RESET_EXEC_TIMEOUT_S, every_line=True)
            took = f" ({time.monotonic() - ran[-1]:.1f}s)"
            done.append(f"{svc}: {labels.RESET} -> {said}{took}" + ("" if code == 0 else f" (exit {code})"))

    @staticmethod
    def _unhealthy(containers: Sequence[Any]) -> list[str]:
        for c in containers:
            c.reload()
        return sorted(f"{_service(c)}: {why}" for c in containers if (why := not_ready(c)))

    def _wan_problems(self) -> list[str]:
        wan = self.wan()
        out = [f"WAN link {n} disabled" for n, p in sorted(wan.proxies().items()) if not p.enabled]
        out += [f"WAN link {n} has toxics {', '.join(t)}" for n in self.recorded.links if (t := wan.toxics(n))]
        return out

    def _sites_out_of_sync(self, containers: Sequence[Any]) -> list[str]:
        sites = sorted({str(c.labels.get(labels.DOMAIN)) for c in containers} - {labels.EDGE, "None"})
        states = {site: read_site_state(self.client, self.project, site) for site in sites}
        return [f"site {site}: {st.detail}" for site, st in states.items() if not st.ready]

    def describe(self) -> dict[str, object]:
        return {**super().describe(), "reused_stack": self.reset_report}

    def down(self) -> None:
        """The stack stays up (heal-all already ran); the next reuse resets and proves it again."""

    def abandon(self, within: float) -> str:
        return (f"the reused stack {self.record.run_id} was left up as it was (the next --reuse resets it; "
                f"drill down {self.record.run_id} removes it)")  # fmt: skip

    def close(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        super().close()
