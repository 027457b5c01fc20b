"""login: POST /login as a demo user, then GET /verify with the token - a declared journey.

Written in the same declarative form a scenario uses for its own journeys (drills.probes.spec),
so the built-in path and a user's are one path; ``drill reference`` prints it as YAML.
"""

from __future__ import annotations

from typing import Any

from drills.probes.base import register_journey
from drills.probes.declared import declared_type

USER = ("alice", "alice-pw")

LOGIN: dict[str, Any] = {
    "name": "login",
    "summary": "Log in as a demo user, then verify the token (POST /login, GET /verify).",
    "site": "body.site",
    "steps": [
        # a fresh login every sample (the token stays in the sample: samples run concurrently)
        {"name": "login", "method": "POST", "path": "/login", "json": {"user": USER[0], "password": USER[1]},
         "extract": {"token": "body.token"}},
        {"name": "verify", "path": "/verify", "headers": {"Authorization": "Bearer ${token}"},
         "assert": [{"that": "body.user", "equals": USER[0]}]},
    ],
}  # fmt: skip

register_journey(declared_type(LOGIN, order=20))
