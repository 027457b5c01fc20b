"""devtools: as an admin, change a config key and read it back, record a deploy and read it
back, and read the runbook. Every config change (stream ``config``: one key, last writer wins)
and every deploy (stream ``deploys``) goes to the RPO ledger with its state.

The runbook (static content, read about once a second: at most once per ``RUNBOOK_EVERY`` of
sample start time, so the edge's 10 Hz journey reads it every tenth sample and a per-site
journey sampling once a second on every sample) must be *the current one* from whichever site
serves it, not just any 200: a markdown document whose ``runbook-version: N``
line says ``RUNBOOK_VERSION``. A site that serves none (404), an unversioned copy or another
version fails the sample. ``RUNBOOK_VERSION`` is the version line of the reference messenger's
runbook, ``fixtures/messenger-app/messenger/runbook.md`` (the image serves that file); a unit
test keeps the two equal, so a new runbook version is one edit in each, and an image rebuild.
"""

from __future__ import annotations

import itertools
import re
import uuid

from drills.model.timeline import ReadBack, Write
from drills.probes.base import Clock, JourneyType, Outcome, register_journey
from drills.probes.client import ApiError, Authenticated, TransportError, committed_by, failed, write_state
from drills.probes.journeys.chat import MAX_PAGES, READ_PAGE

ADMIN = ("ops", "ops-pw")
RUNBOOK_VERSION = 3  # the "runbook-version:" line of fixtures/messenger-app/messenger/runbook.md
RUNBOOK_EVERY = 0.95  # s between runbook reads: "once a second", with room for a 1 s probe's start jitter
_VERSION_LINE = re.compile(r"^runbook-version:\s*(\S+)\s*$", re.MULTILINE)


def runbook_problem(text: str, expected: int = RUNBOOK_VERSION) -> str:
    """Why ``text`` is not the current runbook ("" when it is): a markdown document (it opens
    with a heading) with exactly one version line, saying ``expected``."""
    if not text.lstrip().startswith("# "):
        return f"runbook: not a markdown runbook (starts {text.strip()[:30]!r})"
    versions = _VERSION_LINE.findall(text)
    if not versions:
        return f"runbook: no 'runbook-version:' line (expected version {expected})"
    if len(versions) > 1:
        return f"runbook: {len(versions)} 'runbook-version:' lines ({', '.join(versions)})"
    if versions[0] != str(expected):
        return f"runbook: version {versions[0]} served, expected {expected}"
    return ""


class DevtoolsJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "devtools",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability, self.clock = name, "devtools", clock
        self.client = Authenticated(endpoints, "devtools", ADMIN, timeout)
        self.key = f"drill.flag.{run_id or uuid.uuid4().hex[:8]}"
        self.seq = itertools.count(1)
        self.prefix = uuid.uuid4().hex[:6]
        self.acked: dict[str, str] = {}  # deploy version -> server id
        # Samples overlap (probes are open loop), and all write one config key: a read-back may
        # rightly show a concurrent sample's value. Only a value acknowledged before this sample's
        # PUT was even sent is stale. (sample number -> monotonic time)
        self.put_sent: dict[int, float] = {}
        self.put_acked: dict[int, float] = {}
        self.runbook_due = float("-inf")  # start time from which a sample reads the runbook again

    def _stale(self, value: object, n: int) -> bool:
        """Whether ``value``, read back after sample ``n``'s PUT, shows that PUT was lost."""
        if not isinstance(value, str) or not value.startswith(f"{self.prefix}-"):
            return True  # not a value this journey wrote
        try:
            m = int(value.rsplit("-", 1)[1])
        except ValueError:
            return True
        if m == n:
            return False
        acked = self.put_acked.get(m)
        return acked is not None and acked < self.put_sent[n]  # overwritten by ours, yet read back

    def sample(self) -> Outcome:
        n = next(self.seq)
        version = f"{self.prefix}-{n}"
        writes: list[Write] = []
        site = ""
        try:
            self.put_sent[n] = sent = self.clock()
            try:
                cfg = self.client.call_json("PUT", f"/config/{self.key}", json={"value": version})
            except (TransportError, ApiError) as exc:
                writes.append(Write(t=round(self.clock(), 4), stream="config", key=self.key, id=version, acked=False,
                                    state=write_state(exc), sent=round(sent, 4)))  # fmt: skip
                raise
            self.put_acked[n] = self.clock()
            writes.append(Write(t=round(self.put_acked[n], 4), stream="config", key=self.key, id=version, acked=True,
                                state="acked", site=str(cfg.get("site", "")), sent=round(sent, 4),
                                **committed_by(cfg)))  # fmt: skip
            back = self.client.call_json("GET", f"/config/{self.key}")
            if self._stale(back.get("value"), n):
                return Outcome(False, f"config read back {back.get('value')!r}, wrote {version!r}",
                               writes=tuple(writes))
            try:
                dep = self.client.call_json("POST", "/deploys", (201,), json={"service": "chat", "version": version})
            except (TransportError, ApiError) as exc:
                writes.append(Write(t=round(self.clock(), 4), stream="deploys", key=self.key, id=version, acked=False,
                                    state=write_state(exc)))  # fmt: skip
                raise
            site = str(dep.get("site", cfg.get("site", "")))
            writes.append(Write(t=round(self.clock(), 4), stream="deploys", key=self.key, id=version, acked=True,
                                state="acked",
                                server_id=str(dep["id"]), site=site, **committed_by(dep)))  # fmt: skip
            self.acked[version] = str(dep["id"])
            got = self.client.call_json("GET", f"/deploys/{dep['id']}")
            if got.get("version") != version:
                return Outcome(False, f"deploy read back {got.get('version')!r}", site, tuple(writes))
            if sent >= self.runbook_due:  # static content: about once a second is enough
                self.runbook_due = sent + RUNBOOK_EVERY
                self.client.ensure_token()
                problem = runbook_problem(self.client.api.call("GET", "/runbook").text)
                if problem:
                    return Outcome(False, problem, site, tuple(writes))
        except (TransportError, ApiError, KeyError, ValueError) as exc:
            return Outcome(False, failed(exc).error, site, tuple(writes))
        return Outcome(True, site=site, writes=tuple(writes))

    def read_back(self) -> list[ReadBack]:
        return [self._read_config(), self._read_deploys()]

    def _read_config(self) -> ReadBack:
        """The config key's one value (last writer wins): judged by checks/rpo.register_lost."""
        try:
            value = self.client.read_json(f"/config/{self.key}").get("value")
        except ApiError as exc:
            if exc.status != 404:
                return ReadBack(t=round(self.clock(), 4), stream="config", key=self.key, ids=(), complete=False,
                                error=failed(exc).error, mode="register")  # fmt: skip
            value = None  # the key is gone
        except (TransportError, KeyError, ValueError) as exc:
            return ReadBack(t=round(self.clock(), 4), stream="config", key=self.key, ids=(), complete=False,
                            error=failed(exc).error, mode="register")  # fmt: skip
        ids = () if value is None else (str(value),)
        return ReadBack(t=round(self.clock(), 4), stream="config", key=self.key, ids=ids, mode="register")

    def _read_deploys(self) -> ReadBack:
        """Every deploy this journey had acknowledged, by server id: the deploys list is read in
        pages (``GET /deploys?after=&limit=``) from the first acknowledged id to the last; other
        journeys' deploys in between are skipped. Bounded like the chat read-back: stopping at the
        bound, or on an error, is incomplete (never "lost")."""
        wanted = {int(server_id): version for version, server_id in self.acked.items()}
        found: list[str] = []
        if not wanted:
            return ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=())
        after, last = min(wanted) - 1, max(wanted)
        try:
            for _ in range(MAX_PAGES):
                page = self.client.read_json("/deploys", params={"after": after, "limit": READ_PAGE})
                rows = page.get("deploys", [])
                found.extend(str(r["version"]) for r in rows if wanted.get(int(r["id"])) == r.get("version"))
                if not rows or int(rows[-1]["id"]) >= last:
                    break
                after = int(rows[-1]["id"])
            else:
                return ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=tuple(found),
                                complete=False, error=f"stopped after {MAX_PAGES} pages of {READ_PAGE}")  # fmt: skip
        except (TransportError, ApiError, KeyError, ValueError, TypeError) as exc:
            return ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=tuple(found),
                            complete=False, error=failed(exc).error)  # fmt: skip
        return ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=tuple(found))


register_journey(JourneyType(
    name="devtools", order=30, make=DevtoolsJourney, streams=("config", "deploys"),
    summary="As an operator: change a config key, record a deploy and read both back, read the runbook and check "
    "it is the current version; every config change and deploy is in the RPO ledger.",
))
