"""chat: send a message with a unique client id to a room, then read it back - a declared journey.

Every acknowledged message goes to the RPO ledger (stream ``chat``, key: the room); the read-back
reads the whole room after the drill, page by page, bounded. The write load
(drills/probes/load.py) runs :data:`LOAD`, the send step alone, one room per writer.
"""

from __future__ import annotations

from typing import Any

from drills.probes.base import register_journey
from drills.probes.declared import declared_type
from drills.probes.journeys.login import USER
from drills.probes.spec import journey_from_mapping

READ_PAGE = 500
MAX_PAGES = 400  # read-back is bounded: at most 200,000 records per key

SESSION = [  # the token comes from the login service, once, and again after a 401
    {"name": "login", "method": "POST", "entry": "login", "path": "/login",
     "json": {"user": USER[0], "password": USER[1]}, "extract": {"token": "body.token"}},
]  # fmt: skip


def room_journey(name: str, room: str, *, read: bool, summary: str = "") -> dict[str, Any]:
    """A journey writing one message per sample into ``room`` (a template), read back after the
    drill; with ``read``, each sample also reads its message back."""
    send = {
        "name": "send", "method": "POST", "path": f"/rooms/{room}/messages", "expect": 201,
        "json": {"body": f"{name} message ${{id}}", "client_id": "${id}"},
        "extract": {"ack": "body.id"},
        "write": {"stream": "chat", "key": room, "id": "${id}", "server_id": "body.id", "primary": "body.primary",
                  "system_id": "body.system_id", "timeline": "body.timeline"},
    }  # fmt: skip
    check = {
        "name": "read", "path": f"/rooms/{room}/messages", "params": {"from": "${ack}", "limit": 5},
        "assert": [{"that": "body.messages.*.client_id", "contains": "${id}", "message": "sent message not readable"}],
    }  # fmt: skip
    return {
        "name": name, "capability": "chat", "summary": summary, "session": SESSION,
        "headers": {"Authorization": "Bearer ${token}"}, "site": "body.site",
        "steps": [send, check] if read else [send],
        "read_back": [{
            "stream": "chat", "key": room, "path": f"/rooms/{room}/messages",
            "params": {"after": "${cursor}", "limit": READ_PAGE}, "items": "body.messages", "id": "client_id",
            "cursor": {"start": "0", "next": "id"}, "max_pages": MAX_PAGES,
        }],
    }  # fmt: skip


CHAT = room_journey("chat", "drill-${run}", read=True, summary="Send a message with a unique id and read it back; "
                    "every acknowledged message is in the RPO ledger.")  # fmt: skip
LOAD = journey_from_mapping(room_journey("load", "load-${run}", read=False))

register_journey(declared_type(CHAT, order=10))
