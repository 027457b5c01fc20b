"""The lint's rules by name, in the order they run, each in plain words (:mod:`drills.lint.rules`
explains each one and applies them).

Data only, importing nothing: the dualization check's summary and ``drill reference`` list the
rules without loading the graph and the rules behind them (``drill validate`` never lints).
"""

from __future__ import annotations

__all__ = ["FIXES", "RULES"]

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

FIXES: dict[str, str] = {  # what usually fixes a finding of each rule (the report's suggested fix)
    "no-instance": "run an instance of the capability in every site, behind the entry point of each",
    "never-runs": "declare or enable the service it depends on in that site (a profile or a variant may "
    "have disabled it)",
    "cross-site": "give each site its own copy of what the instance needs (or a replica it can fail over to), "
    "so that losing the other site does not take it down",
    "unresolved": "add the WAN proxy that forwards this name, or point the wiring at a name that resolves in "
    "its own site",
    "lb-one-site": "add servers of the other site(s) to the load balancer's backend for the capability",
    "lb-no-check": "health-check every server of the backend (HAProxy: 'check' on the server lines or "
    "default-server), so a dead site is taken out of rotation",
    "quorum": "place a voting member (a witness) outside the sites, so that any one site's loss leaves a "
    "majority",
    "no-replica": "replicate the datastore to another site and let its failover promote the replica",
    "async-replication": "replicate synchronously (acknowledge a write only once another site has it), or "
    "accept an RPO above 0 knowingly",
    "network": "connect the service to other sites only through the WAN (its proxies), not by joining their "
    "network",
    "volume": "give each site its own volume and replicate the data between them",
    "one-site-content": "ship the same content to every site's instance (bake it into the image, or sync it)",
    "activation-path": "give the operator a way to run the action from every site that can be left alone",
}
