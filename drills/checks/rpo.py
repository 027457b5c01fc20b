"""RPO and duplicates: acknowledged writes lost, and writes read back more than once.

    ledger     every ``Write`` with ``acked`` True, per (stream, key)
    read-back  the last ``ReadBack`` of each (stream, key): every id found (duplicates kept)

    lost        ledger ids never read back             -> ``rpo``        (<= rpo.target, default 0)
    duplicates  ids read back more than once           -> ``duplicates`` (<= rpo.duplicates)

A *register* key (``ReadBack.mode == "register"``: one value, last writer wins, e.g. a config
key) is read back as its one value; the acknowledged writes it proves lost are those sent after
the write of that value was acknowledged (:func:`register_lost`).

A key with acknowledged writes but no read-back, or an incomplete read-back (an error, or
a bounded read that stopped before the end), makes ``rpo`` unknown: nothing proves those
writes survived, and nothing proves them lost. Duplicates found in a partial read-back
still fail; none found in a partial one is unknown.

Only writes acknowledged before the read-back began (the start of the ``verify`` phase) are
judged: a straggler acknowledged while the read-back ran may be missing from it without
being lost; such late writes are counted in ``details["late"]``, never as lost. Writes that
were not acknowledged are counted by state (``failed``: refused; ``unknown``: no answer) in
the details; neither is in the ledger.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import ClassVar

from drills.checks.base import Check, register
from drills.checks.common import CheckInput
from drills.model.fields import Fields
from drills.model.result import Verdict, format_value
from drills.model.schema_parts import integer, obj
from drills.model.timeline import ReadBack, Write

__all__ = ["RpoTargets", "check", "register_lost"]


@dataclass(frozen=True)
class RpoTargets:
    check: ClassVar[str] = "rpo"
    target: int = 0  # acknowledged writes that may be lost
    duplicates: int = 0  # writes that may be read back more than once


SCHEMA = obj(
    "Acknowledged writes lost, counted by reading everything back after heal.",
    {
        "target": integer("Acknowledged writes that may be lost (default 0).", minimum=0),
        "duplicates": integer("Writes that may be read back more than once (default 0).", minimum=0),
    },
)


def build(fields: Fields, base: RpoTargets) -> RpoTargets:
    f = fields.child("rpo")
    return RpoTargets(target=int(f.get("target", base.target)), duplicates=int(f.get("duplicates", base.duplicates)))

_SHOW = 10


def _ids(ids: list[str]) -> str:
    more = f", +{len(ids) - _SHOW} more" if len(ids) > _SHOW else ""
    return ", ".join(ids[:_SHOW]) + more


def _last_readbacks(inp: CheckInput) -> dict[str, ReadBack]:
    out: dict[str, ReadBack] = {}
    for rb in sorted(inp.timeline.readbacks(), key=lambda r: r.t):
        if rb.stream == inp.subject:
            out[rb.key] = rb
    return out


def _readback_began(inp: CheckInput) -> float:
    """When the read-back started: the first ``verify`` phase, else the first read-back record."""
    verify = [p.t for p in inp.timeline.phases() if p.phase == "verify"]
    if verify:
        return min(verify)
    return min((rb.t for rb in inp.timeline.readbacks()), default=float("inf"))


def register_lost(acked: list[Write], attempts: list[Write], rb: ReadBack) -> list[str]:
    """The acknowledged writes of a last-writer-wins key that its read-back value proves lost.

    The value read back was written by some attempt ``w``. An acknowledged write ``u`` that was
    *sent after w was acknowledged* must have replaced w's value, so reading w's value back means
    u was lost. A write sent before that (concurrent with w, or earlier) may rightly have been
    overwritten by w: not lost. When w was not acknowledged (no answer, or a refusal that stored it
    anyway) it may have landed at any time: nothing is proven lost. A key read back empty, or
    holding a value none of the attempts wrote, lost every acknowledged write.
    """
    value = rb.ids[0] if rb.ids else None
    source = next((w for w in attempts if w.id == value), None) if value is not None else None
    if source is None:
        return [u.id for u in acked]
    done = source.t if source.acked else float("inf")
    return [u.id for u in acked if u.id != value and (u.t if u.sent is None else u.sent) > done]


def _rpo(inp: CheckInput, readbacks: dict[str, ReadBack]) -> Verdict:
    stream, target = inp.subject, inp.targets.get(RpoTargets).target
    mine = [w for w in inp.timeline.writes() if w.stream == stream]
    began = _readback_began(inp)
    acked = [w for w in mine if w.acked and w.t < began]
    late = [w.id for w in mine if w.acked and w.t >= began]
    unacked = {s: sum(1 for w in mine if not w.acked and (w.state or "unknown") == s) for s in ("failed", "unknown")}
    if not acked:
        return Verdict(check="rpo", capability=stream, status="unknown", target=float(target), unit="count",
                       comparison="<=", message=f"{stream} RPO unknown: no acknowledged {stream} writes were recorded")
    keys = list(dict.fromkeys(w.key for w in acked))
    missing = [k for k in keys if k not in readbacks]
    partial = [k for k in keys if k in readbacks and not readbacks[k].complete]
    lost = []
    for key in keys:
        if key in readbacks and readbacks[key].mode == "register":
            lost += register_lost([w for w in acked if w.key == key], [w for w in mine if w.key == key], readbacks[key])
        elif key in readbacks:
            found = set(readbacks[key].ids)
            lost += [w.id for w in acked if w.key == key and w.id not in found]
    details = {"acked": len(acked), "keys": len(keys), "lost": lost, "missing_readback": missing,
               "incomplete_readback": partial, "late": late, "not_acked": unacked}
    if missing or partial:
        why = []
        if missing:
            why.append(f"read-back missing for {_ids(missing)}")
        if partial:
            errs = "; ".join(readbacks[k].error for k in partial if readbacks[k].error)
            why.append(f"read-back incomplete for {_ids(partial)}" + (f" ({errs})" if errs else ""))
        return Verdict(check="rpo", capability=stream, status="unknown", target=float(target), unit="count",
                       comparison="<=", details=details,
                       message=f"{stream} RPO unknown: {'; '.join(why)} ({len(lost)} lost among the keys read back)")
    passed = len(lost) <= target
    shown = f": {_ids(lost)}" if lost else ""
    message = (
        f"{stream} RPO {len(lost)} acknowledged writes lost {'<=' if passed else '>'} target {target} "
        f"({len(acked)} acked across {len(keys)} key(s){shown}"
        + (f"; {len(late)} acknowledged after the read-back began, not judged" if late else "") + ")"
    )
    return Verdict(check="rpo", capability=stream, status="pass" if passed else "fail", message=message,
                   target=float(target), measured=float(len(lost)), unit="count", comparison="<=", details=details)


def _duplicates(inp: CheckInput, readbacks: dict[str, ReadBack]) -> Verdict:
    stream, target = inp.subject, inp.targets.get(RpoTargets).duplicates
    if not readbacks:
        return Verdict(check="duplicates", capability=stream, status="unknown", target=float(target), unit="count",
                       comparison="<=", message=f"{stream} duplicates unknown: no {stream} read-back was recorded")
    # A register (mode "register": one value, last writer wins) cannot hold a write twice: only logs
    # are judged. A register that could not be read back is rpo's business, never unknown here.
    registers = len(readbacks)
    readbacks = {k: rb for k, rb in readbacks.items() if rb.mode != "register"}
    if not readbacks:
        return Verdict(check="duplicates", capability=stream, status="pass", target=float(target), measured=0.0,
                       unit="count", comparison="<=", details={"register_keys": registers},
                       message=f"{stream} duplicates 0: not applicable, {registers} register key(s) "
                               "(one value each, last writer wins)")  # fmt: skip
    dups = sorted(i for rb in readbacks.values() for i, n in Counter(rb.ids).items() if n > 1)
    partial = sorted(k for k, rb in readbacks.items() if not rb.complete)
    details = {"duplicates": dups, "incomplete_readback": partial}
    passed = len(dups) <= target
    shown = f": {_ids(dups)}" if dups else ""
    if passed and partial:
        return Verdict(check="duplicates", capability=stream, status="unknown", target=float(target),
                       measured=float(len(dups)), unit="count", comparison="<=", details=details,
                       message=f"{stream} duplicates unknown: read-back incomplete for {_ids(partial)} "
                               f"({len(dups)} found so far)")
    message = (
        f"{stream} duplicates {len(dups)} ids read back more than once {'<=' if passed else '>'} target {target} "
        f"({len(readbacks)} key(s) read back{shown})"
    )
    return Verdict(check="duplicates", capability=stream, status="pass" if passed else "fail", message=message,
                   target=float(target), measured=float(len(dups)), unit="count", comparison="<=", details=details)


def check(inp: CheckInput) -> tuple[Verdict, ...]:
    readbacks = _last_readbacks(inp)
    return (_rpo(inp, readbacks), _duplicates(inp, readbacks))


def finding(v: Verdict) -> str:
    if v.measured is None:
        return f"{'RPO (lost writes)' if v.check == 'rpo' else 'duplicate writes'} of {v.subject} failed"
    n = format_value(v.measured, "count")
    if v.check == "rpo":
        return f"{n} acknowledged {v.subject} write(s) were lost (RPO target {v.target_text()})"
    return f"{n} {v.subject} write(s) were stored more than once"


register(Check(
    "rpo", "stream", check,
    summary="Acknowledged writes lost or stored twice, found by reading every write back after the drill.",
    targets=RpoTargets, schema=SCHEMA, build=build,
    labels={"rpo": "RPO (lost writes)", "duplicates": "duplicate writes"}, finding=finding,
))
