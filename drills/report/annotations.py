"""What people record about a bundle after the run: remediation per finding, and sign-off.

    annotations.json   {"format": 1,
                        "findings": {"DR-1a2b3c4d": {"owner", "due", "status", "note", "updated_utc", "by"}},
                        "sign_off": [{"role", "name", "date", "by"}]}
    annotations.json.sig   optional: the annotator's SSH signature (drill annotate --sign-key)

The run's evidence and its manifest are never touched: annotations.json is one of the files the
manifest does not list (drills.report.evidence.UNLISTED), so a signed bundle stays valid while
owners fill in their part; the annotations carry a signature of their own, by whoever annotated.
``drill report BUNDLE`` shows them in the regenerated report (remediation and sign-off tables)
and in summary.md. Signed for the namespace ``drills-annotations``: a key allowed only for it (an
allowed_signers line with ``namespaces="drills-annotations"``) cannot vouch for a run's evidence.

    load(bundle) -> Annotations            empty when the bundle has none; UsageError when unreadable
    annotate(bundle, change) -> Annotations  validated against the bundle's findings, then written
"""

from __future__ import annotations

import getpass
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from drills.errors import UsageError
from drills.model.result import DrillResult
from drills.report.evidence import ANNOTATIONS, ANNOTATIONS_SIGNATURE
from drills.report.rootcause import root_causes

__all__ = ["STATUSES", "Annotations", "Change", "FindingNote", "SignOff", "annotate", "load"]

FORMAT = 1
STATUSES = ("open", "in-progress", "fixed", "accepted-risk")
ROLES = ("drill owner", "reviewer", "approver")


@dataclass(frozen=True)
class FindingNote:
    owner: str = ""
    due: str = ""  # YYYY-MM-DD
    status: str = "open"
    note: str = ""
    updated_utc: str = ""
    by: str = ""


@dataclass(frozen=True)
class SignOff:
    role: str
    name: str
    date: str  # YYYY-MM-DD
    by: str = ""


@dataclass(frozen=True)
class Annotations:
    findings: dict[str, FindingNote] = field(default_factory=dict)
    sign_off: tuple[SignOff, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"format": FORMAT,
                "findings": {k: vars(v) for k, v in sorted(self.findings.items())},
                "sign_off": [vars(s) for s in self.sign_off]}  # fmt: skip


@dataclass(frozen=True)
class Change:
    """One ``drill annotate`` call: a finding's fields (None: unchanged), and/or one sign-off."""

    finding: str | None = None
    owner: str | None = None
    due: str | None = None
    status: str | None = None
    note: str | None = None
    sign_off: tuple[str, str] | None = None  # (role, name), dated today


def load(bundle: Path) -> Annotations:
    path = bundle / ANNOTATIONS
    if not path.is_file():
        return Annotations()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        notes = {str(k): FindingNote(**{f: str(v.get(f, "")) for f in FindingNote.__dataclass_fields__})
                 for k, v in (data.get("findings") or {}).items()}  # fmt: skip
        signs = tuple(SignOff(**{f: str(s.get(f, "")) for f in SignOff.__dataclass_fields__})
                      for s in data.get("sign_off") or [])  # fmt: skip
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise UsageError(f"{path}: cannot read the annotations: {exc}") from exc
    return Annotations(notes, signs)


def _day(text: str, field_name: str) -> str:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise UsageError(f"{field_name} {text!r}: a date as YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{field_name} {text!r}: not a date ({exc})") from exc
    return text


def _who() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def annotate(bundle: Path, result: DrillResult, change: Change, now: datetime | None = None) -> Annotations:
    """Apply ``change`` to the bundle's annotations and write them; the old signature is removed (it
    covered the old file). UsageError for an unknown finding ID, a bad date, status or role."""
    current = load(bundle)
    stamp = (now or datetime.now(UTC)).astimezone(UTC)
    notes, signs = dict(current.findings), list(current.sign_off)
    if change.finding is not None:
        known = {c.id: c for c in root_causes(result)}
        if change.finding not in known:
            listed = ", ".join(known) or "none: every check passed"
            raise UsageError(f"--finding {change.finding}: not a finding of this bundle (its findings: {listed})")
        if change.status is not None and change.status not in STATUSES:
            raise UsageError(f"--status {change.status!r}: one of {', '.join(STATUSES)}")
        due = _day(change.due, "--due") if change.due is not None else None
        old = notes.get(change.finding, FindingNote())
        notes[change.finding] = FindingNote(
            owner=change.owner if change.owner is not None else old.owner,
            due=due if due is not None else old.due,
            status=change.status if change.status is not None else old.status,
            note=change.note if change.note is not None else old.note,
            updated_utc=stamp.isoformat(timespec="seconds"), by=_who(),
        )  # fmt: skip
    elif any(x is not None for x in (change.owner, change.due, change.status, change.note)):
        raise UsageError("--owner, --due, --status and --note need --finding ID (drill annotate BUNDLE lists them)")
    if change.sign_off is not None:
        role, name = change.sign_off
        if role not in ROLES:
            raise UsageError(f"--sign-off {role}={name}: the role is one of {', '.join(ROLES)}")
        if not name.strip():
            raise UsageError(f"--sign-off {role}=: a name is needed")
        signs = [s for s in signs if s.role != role] + [SignOff(role, name.strip(), stamp.date().isoformat(), _who())]
    out = Annotations(notes, tuple(signs))
    path = bundle / ANNOTATIONS
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(out.to_dict(), indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
    (bundle / ANNOTATIONS_SIGNATURE).unlink(missing_ok=True)
    return out
