"""chat: send a message with a unique client id to a room, then read it back.

Every acknowledged message goes to the RPO ledger (stream ``chat``); ``read_back`` reads the whole
room after the drill, page by page, bounded.
"""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from drills.model.timeline import ReadBack, Write
from drills.probes.base import Clock, JourneyType, Outcome, register_journey
from drills.probes.client import ApiError, Authenticated, TransportError, committed_by, failed, write_state
from drills.probes.journeys.login import USER

READ_PAGE = 500
MAX_PAGES = 400  # read-back is bounded: at most 200,000 records per key


class ChatJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "chat",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability, self.clock = name, "chat", clock
        self.client = Authenticated(endpoints, "chat", USER, timeout)
        self.room = f"drill-{run_id or uuid.uuid4().hex[:8]}"
        self.seq = itertools.count(1)
        self.prefix = uuid.uuid4().hex[:6]

    def sample(self) -> Outcome:
        cid = f"{self.prefix}-{next(self.seq)}"
        w, ack, exc = send_message(self.client, self.room, cid, f"drill message {cid}", self.clock)
        if ack is None:  # not acknowledged: not in the ledger; its state says whether it may have been stored
            return Outcome(False, f"send: {failed(exc).error}" if exc else "send failed", writes=(w,))
        site = w.site
        try:
            after = int(str(ack["id"])) - 1
            page = self.client.call_json("GET", f"/rooms/{self.room}/messages", params={"after": after, "limit": 5})
            found = any(m.get("client_id") == cid for m in page.get("messages", []))
        except (TransportError, ApiError, KeyError, ValueError) as exc:
            return Outcome(False, f"read: {failed(exc).error}", site, (w,))
        return Outcome(found, "" if found else "sent message not readable", site, (w,))

    def read_back(self) -> list[ReadBack]:
        return [read_room(self.client, self.room, self.clock)]


def send_message(client: Authenticated, room: str, cid: str, body: str,
                 clock: Clock) -> tuple[Write, dict[str, Any] | None, Exception | None]:  # fmt: skip
    """POST one message with client id ``cid`` to ``room``: (its ledger ``Write``, the acknowledgement
    or None, the error or None). The Write says when it was sent, its state and who committed it."""
    sent = round(clock(), 4)
    try:
        ack = client.call_json("POST", f"/rooms/{room}/messages", (201,), json={"body": body, "client_id": cid})
    except (TransportError, ApiError, KeyError, ValueError) as exc:
        return (Write(t=round(clock(), 4), stream="chat", key=room, id=cid, acked=False, state=write_state(exc),
                      sent=sent), None, exc)  # fmt: skip
    return (Write(t=round(clock(), 4), stream="chat", key=room, id=cid, acked=True, state="acked",
                  server_id=str(ack.get("id", "")), site=str(ack.get("site", "")), sent=sent,
                  **committed_by(ack)), ack, None)  # fmt: skip


def read_room(client: Authenticated, room: str, clock: Clock) -> ReadBack:
    """Every message of ``room``, page by page, bounded (MAX_PAGES): the RPO read-back of a chat room.

    A read that fails, or stops at the bound with every page full, is incomplete (never "lost")."""
    ids: list[str] = []
    after = 0
    try:
        for _ in range(MAX_PAGES):
            page = client.read_json(f"/rooms/{room}/messages", params={"after": after, "limit": READ_PAGE})
            msgs = page.get("messages", [])
            if not msgs:
                break
            ids.extend(str(m["client_id"]) for m in msgs)
            after = int(msgs[-1]["id"])
        else:  # every page was full: there may be more than the bound lets us read
            return ReadBack(t=round(clock(), 4), stream="chat", key=room, ids=tuple(ids), complete=False,
                            error=f"stopped after {MAX_PAGES} pages of {READ_PAGE}")  # fmt: skip
    except (TransportError, ApiError, KeyError, ValueError) as exc:
        return ReadBack(t=round(clock(), 4), stream="chat", key=room, ids=tuple(ids), complete=False,
                        error=failed(exc).error)  # fmt: skip
    return ReadBack(t=round(clock(), 4), stream="chat", key=room, ids=tuple(ids))


register_journey(JourneyType(
    name="chat", order=10, make=ChatJourney, streams=("chat",),
    summary="Send a message with a unique id and read it back; every acknowledged message is in the RPO ledger.",
))
