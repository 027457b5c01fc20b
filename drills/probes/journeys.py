"""The three built-in journeys of the reference messenger, one per capability.

    login     POST /login as a demo user, then GET /verify with the token
    chat      POST a message (unique client_id) to a room, then read it back;
              every acknowledged message goes to the RPO ledger (stream "chat")
    devtools  as an admin: PUT a config change and GET it back, POST a deploy
              record and GET it back, GET the runbook; every acknowledged deploy
              goes to the RPO ledger (stream "deploys")

The HTTP API is documented in fixtures/README.md. Tokens are cached and
renewed only when a service rejects them, as a real client would.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any, Callable

import requests

from drills.model.timeline import ReadBack, Write
from drills.probes.base import Outcome, register, short_error
from drills.probes.http import ApiError, Http

Clock = Callable[[], float]
USER = ("alice", "alice-pw")
ADMIN = ("ops", "ops-pw")
READ_PAGE = 500
MAX_PAGES = 400  # read-back is bounded: at most 200,000 records per key


def _failed(exc: Exception) -> Outcome:
    return Outcome(False, short_error(exc) if not isinstance(exc, ApiError) else str(exc))


class _Authenticated:
    """Keeps a token from the login service for a journey on another service."""

    def __init__(self, endpoints: dict[str, str], capability: str, creds: tuple[str, str], timeout: float) -> None:
        self.api = Http(endpoints[capability], timeout)
        self.auth = Http(endpoints["login"], timeout)
        self.creds = creds

    def ensure_token(self) -> None:
        if not self.api.token:
            self.api.token = str(self.auth.login(*self.creds)["token"])

    def call_json(self, method: str, path: str, expect: tuple[int, ...] = (200,), **kw: Any) -> dict[str, Any]:
        self.ensure_token()
        try:
            return self.api.json(method, path, expect, **kw)
        except ApiError as exc:
            if "HTTP 401" in str(exc):
                self.api.token = ""  # renewed on the next sample
            raise


@register("login")
class LoginJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "login",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability = name, "login"
        self.http = Http(endpoints["login"], timeout)

    def sample(self) -> Outcome:
        try:
            data = self.http.login(*USER)
            who = self.http.json("GET", "/verify")
            if who.get("user") != USER[0]:
                return Outcome(False, f"/verify answered user {who.get('user')!r}", str(data.get("site", "")))
            return Outcome(True, site=str(data.get("site", "")))
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            return _failed(exc)


@register("chat")
class ChatJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "chat",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability, self.clock = name, "chat", clock
        self.client = _Authenticated(endpoints, "chat", USER, timeout)
        self.room = f"drill-{run_id or uuid.uuid4().hex[:8]}"
        self.seq = itertools.count(1)
        self.prefix = uuid.uuid4().hex[:6]

    def sample(self) -> Outcome:
        cid = f"{self.prefix}-{next(self.seq)}"
        try:
            ack = self.client.call_json("POST", f"/rooms/{self.room}/messages", (201,),
                                        json={"body": f"drill message {cid}", "client_id": cid})  # fmt: skip
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            # Not acknowledged: it may or may not have been stored; it is not in the ledger.
            w = Write(t=round(self.clock(), 4), stream="chat", key=self.room, id=cid, acked=False)
            return Outcome(False, f"send: {_failed(exc).error}", writes=(w,))
        site = str(ack.get("site", ""))
        w = Write(t=round(self.clock(), 4), stream="chat", key=self.room, id=cid, acked=True,
                  server_id=str(ack.get("id", "")), site=site, primary=str(ack.get("primary", "")))  # fmt: skip
        try:
            after = int(str(ack["id"])) - 1
            page = self.client.call_json("GET", f"/rooms/{self.room}/messages", params={"after": after, "limit": 5})
            found = any(m.get("client_id") == cid for m in page.get("messages", []))
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            return Outcome(False, f"read: {_failed(exc).error}", site, (w,))
        return Outcome(found, "" if found else "sent message not readable", site, (w,))

    def read_back(self) -> list[ReadBack]:
        ids: list[str] = []
        after = 0
        try:
            for _ in range(MAX_PAGES):
                page = self.client.call_json("GET", f"/rooms/{self.room}/messages",
                                             params={"after": after, "limit": READ_PAGE})  # fmt: skip
                msgs = page.get("messages", [])
                if not msgs:
                    break
                ids.extend(str(m["client_id"]) for m in msgs)
                after = int(msgs[-1]["id"])
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            return [ReadBack(t=round(self.clock(), 4), stream="chat", key=self.room, ids=tuple(ids),
                             complete=False, error=_failed(exc).error)]  # fmt: skip
        return [ReadBack(t=round(self.clock(), 4), stream="chat", key=self.room, ids=tuple(ids))]


@register("devtools")
class DevtoolsJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "devtools",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability, self.clock = name, "devtools", clock
        self.client = _Authenticated(endpoints, "devtools", ADMIN, timeout)
        self.key = f"drill.flag.{run_id or uuid.uuid4().hex[:8]}"
        self.seq = itertools.count(1)
        self.prefix = uuid.uuid4().hex[:6]
        self.acked: dict[str, str] = {}  # deploy version -> server id

    def sample(self) -> Outcome:
        n = next(self.seq)
        version = f"{self.prefix}-{n}"
        writes: list[Write] = []
        site = ""
        try:
            cfg = self.client.call_json("PUT", f"/config/{self.key}", json={"value": version})
            back = self.client.call_json("GET", f"/config/{self.key}")
            if back.get("value") != version:
                return Outcome(False, f"config read back {back.get('value')!r}, wrote {version!r}")
            try:
                dep = self.client.call_json("POST", "/deploys", (201,), json={"service": "chat", "version": version})
            except (requests.RequestException, ApiError):
                writes.append(Write(t=round(self.clock(), 4), stream="deploys", key=self.key, id=version, acked=False))
                raise
            site = str(dep.get("site", cfg.get("site", "")))
            writes.append(Write(t=round(self.clock(), 4), stream="deploys", key=self.key, id=version, acked=True,
                                server_id=str(dep["id"]), site=site, primary=str(dep.get("primary", ""))))  # fmt: skip
            self.acked[version] = str(dep["id"])
            got = self.client.call_json("GET", f"/deploys/{dep['id']}")
            if got.get("version") != version:
                return Outcome(False, f"deploy read back {got.get('version')!r}", site, tuple(writes))
            if n % 10 == 1:  # the runbook is static: read it once a second at 10 Hz
                self.client.ensure_token()
                self.client.api.call("GET", "/runbook")
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            return Outcome(False, _failed(exc).error, site, tuple(writes))
        return Outcome(True, site=site, writes=tuple(writes))

    def read_back(self) -> list[ReadBack]:
        found: list[str] = []
        try:
            for version, server_id in list(self.acked.items()):
                try:
                    got = self.client.call_json("GET", f"/deploys/{server_id}")
                except ApiError as exc:
                    if "HTTP 404" in str(exc):
                        continue  # lost: not found
                    raise
                if got.get("version") == version:
                    found.append(version)
        except (requests.RequestException, ApiError, KeyError, ValueError) as exc:
            return [ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=tuple(found),
                             complete=False, error=_failed(exc).error)]  # fmt: skip
        return [ReadBack(t=round(self.clock(), 4), stream="deploys", key=self.key, ids=tuple(found))]
