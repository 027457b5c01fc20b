"""login: POST /login as a demo user, then GET /verify with the token."""

from __future__ import annotations

from drills.probes.base import Clock, JourneyType, Outcome, register_journey
from drills.probes.client import ApiError, Http, TransportError, failed

USER = ("alice", "alice-pw")


class LoginJourney:
    def __init__(self, endpoints: dict[str, str], clock: Clock, timeout: float, name: str = "login",
                 run_id: str = "") -> None:  # fmt: skip
        self.name, self.capability = name, "login"
        self.http = Http(endpoints["login"], timeout)

    def sample(self) -> Outcome:
        try:
            # The token stays local: samples run concurrently (open loop) and must not share one.
            data = self.http.json("POST", "/login", json={"user": USER[0], "password": USER[1]})
            token = str(data["token"])
            who = self.http.json("GET", "/verify", headers={"Authorization": f"Bearer {token}"})
            if who.get("user") != USER[0]:
                return Outcome(False, f"/verify answered user {who.get('user')!r}", str(data.get("site", "")))
            return Outcome(True, site=str(data.get("site", "")))
        except (TransportError, ApiError, KeyError, ValueError) as exc:
            return failed(exc)


register_journey(JourneyType(
    name="login", order=20, make=LoginJourney,
    summary="Log in as a demo user, then verify the token (POST /login, GET /verify).",
))
