"""Groups of services that stand or fall together: consensus groups and replicated datastores.

Vocabulary
    consensus group  the members of one etcd cluster, read from its member list: the
                     ``ETCD_INITIAL_CLUSTER`` variable, a ``--initial-cluster`` argument or an
                     etcd config file's ``initial-cluster`` (``name=peer-url,...``). A member is
                     the service whose etcd name (``ETCD_NAME`` / ``--name`` / ``name:``, else its
                     service name) is that name, else the service its peer URL reaches (never
                     the WAN itself: a name no proxy forwards reaches no member); a declared
                     member no service runs counts as down. ``size`` = members declared.
    Patroni node     a service running Patroni, configured by a mounted Patroni file, by
                     ``PATRONI_SCOPE`` + ``PATRONI_ETCD3_HOSTS`` / ``PATRONI_ETCD_HOSTS``, or the
                     replica-db image's way (command ``patroni``; ``DRILLS_PG_SCOPE``, default
                     ``drills``; ``DRILLS_ETCD_HOSTS``; ``DRILLS_PG_SYNCHRONOUS_MODE``, default
                     true: fixtures/replica-db/replica-db.sh). Nodes of one scope on the same DCS
                     form one cluster; it replicates synchronously only if every node says so.
    datastore        a service labelled ``org.drills.role: datastore``, or a Patroni node.
    replication group  datastores of one Patroni cluster, or that name each other in their
                     wiring (a replica naming its primary): one datastore with its replicas.
    peers            members of one group: their references to each other are the group's own
                     traffic, judged by the group's rules, not dependencies.

Lifecycle: :func:`consensus_groups` and :func:`patroni_nodes` read the wiring once per lint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from drills.lint.files import MountedFile, Patroni, etcd_members
from drills.lint.hosts import Ref, refs_in
from drills.lint.resolve import Resolver
from drills.model.topology import Topology, Wiring

__all__ = ["Group", "consensus_groups", "patroni_nodes", "replication_groups"]

ROLE_LABEL_DATASTORE = "datastore"


@dataclass(frozen=True)
class Group:
    kind: str  # consensus | replication
    name: str
    members: tuple[str, ...]  # services
    size: int  # consensus: members declared (some may run nowhere)
    synchronous: bool | None = None  # replication: None when the wiring does not say
    how: str = ""  # where the replication mode was read


def _arg(args: tuple[str, ...], flag: str) -> str | None:
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            return args[i + 1]
        if a.startswith(flag + "="):
            return a.partition("=")[2]
    return None


def consensus_groups(topo: Topology, files: Mapping[str, tuple[MountedFile, ...]], resolver: Resolver) -> list[Group]:
    lists: dict[tuple[str, ...], tuple[str, tuple[tuple[str, Ref | None], ...]]] = {}
    etcd_name: dict[str, str] = {}  # etcd member name -> service
    for svc, w in topo.wiring:
        args = (*w.entrypoint, *w.command)
        declared = [w.env("ETCD_INITIAL_CLUSTER"), _arg(args, "--initial-cluster")]
        found = [etcd_members(d) for d in declared if d] + [f.etcd for f in files.get(svc, ()) if f.etcd]
        for members in found:
            lists.setdefault(tuple(sorted(n for n, _ in members)), (svc, members))
        if found:
            etcd_name[w.env("ETCD_NAME") or _arg(args, "--name") or svc] = svc
    groups = []
    for names, (declarer, members) in lists.items():
        services: list[str] = []
        for name, url in members:
            member = etcd_name.get(name)
            if member is None and url is not None:  # the WAN answering for a name no proxy forwards is no member
                reached = [t for t in resolver.resolve(declarer, url) if not resolver.is_wan(t.service)]
                member = reached[0].service if reached else None
            if member is not None and member not in services:
                services.append(member)
        groups.append(Group("consensus", f"etcd cluster ({', '.join(names)})", tuple(services), len(names)))
    return groups


def _bool(text: str) -> bool:
    return text.strip().lower() in ("true", "on", "yes", "1", "quorum")


def patroni_nodes(topo: Topology, files: Mapping[str, tuple[MountedFile, ...]]) -> dict[str, Patroni]:
    nodes: dict[str, Patroni] = {}
    for svc, w in topo.wiring:
        mounted = next((f.patroni for f in files.get(svc, ()) if f.patroni), None)
        if mounted is not None:
            nodes[svc] = mounted
        elif w.env("PATRONI_SCOPE") and (hosts := w.env("PATRONI_ETCD3_HOSTS") or w.env("PATRONI_ETCD_HOSTS")):
            nodes[svc] = Patroni(w.env("PATRONI_SCOPE") or "", svc, _hosts(hosts), False,
                                 "PATRONI_* environment: Patroni's default synchronous_mode (off)")  # fmt: skip
        elif _runs(w, "patroni") and (hosts := w.env("DRILLS_ETCD_HOSTS")):
            mode = w.env("DRILLS_PG_SYNCHRONOUS_MODE")
            how = f"DRILLS_PG_SYNCHRONOUS_MODE={mode}" if mode is not None else "replica-db default (synchronous)"
            nodes[svc] = Patroni(w.env("DRILLS_PG_SCOPE") or "drills", w.env("DRILLS_PG_NAME") or svc, _hosts(hosts),
                                 True if mode is None else _bool(mode), how)  # fmt: skip
    return nodes


def _runs(w: Wiring, program: str) -> bool:
    args = (*w.entrypoint, *w.command)
    return bool(args) and (args[0] == program or args[0].endswith("/" + program))


def _hosts(text: str) -> tuple[Ref, ...]:
    return tuple(ref for refs in refs_in(text) for ref in refs)


def replication_groups(
    datastores: Iterable[str],
    nodes: Mapping[str, Patroni],
    dcs_of: Mapping[str, frozenset[str]],
    links: Iterable[tuple[str, str]],
) -> list[Group]:
    """Datastores joined by a Patroni cluster (scope + DCS) or by naming each other (``links``)."""
    stores = list(datastores)
    parent = {s: s for s in stores}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    clusters: dict[tuple[str, frozenset[str]], str] = {}
    for svc, node in nodes.items():
        first = clusters.setdefault((node.scope, dcs_of.get(svc, frozenset())), svc)
        parent[find(svc)] = find(first)
    for a, b in links:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    members: dict[str, list[str]] = {}
    for s in stores:
        members.setdefault(find(s), []).append(s)
    groups = []
    for group in members.values():
        patroni = [nodes[m] for m in group if m in nodes]
        if patroni:
            scopes = ", ".join(sorted({p.scope for p in patroni}))
            slow = next((p for p in patroni if not p.synchronous), None)
            name, sync, how = f"Patroni cluster {scopes}", slow is None, (slow or patroni[0]).how
        else:
            name, sync, how = f"datastore {', '.join(group)}", None, ""
        groups.append(Group("replication", name, tuple(group), len(group), sync, how))
    return groups
