"""The lint's rules by name, in the order they run, each in plain words (:mod:`drills.lint.rules`
explains each one and applies them).

Data only, importing nothing: the dualization check's summary and ``drill reference`` list the
rules without loading the graph and the rules behind them (``drill validate`` never lints).
"""

from __future__ import annotations

__all__ = ["RULES"]

RULES: dict[str, str] = {
    "no-instance": "the capability has no instance in some site",
    "never-runs": "an instance depends on a service that is disabled or not declared",
    "cross-site": "an instance in one site goes down when another site is lost (it needs something only there)",
    "unresolved": "the wiring names a host that reaches the WAN where no proxy forwards it (it reaches nothing)",
    "lb-one-site": "a load balancer sends a capability to servers in one site only",
    "lb-no-check": "a load balancer does not health-check its servers",
    "quorum": "a consensus group loses its majority when some one site is lost",
    "no-replica": "a datastore has no replica in another site",
    "async-replication": "a datastore replicates asynchronously while the RPO target of a capability that writes "
    "to it is 0",
    "network": "a site's service joins another domain's network (a path that bypasses the WAN)",
    "volume": "a named volume of one site is used in another, or shared across sites",
    "one-site-content": "an instance mounts content that its other sites' instances do not have (nothing, or "
    "other content, at that path)",
    "activation-path": "an operator action reaches its tool only through a site the scenario cuts (it cannot run "
    "when it is needed)",
}
