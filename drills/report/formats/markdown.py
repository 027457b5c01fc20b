"""The Markdown summary: short enough for a CI job page (GitHub ``$GITHUB_STEP_SUMMARY``).

    format ``markdown`` -> summary.md        render_markdown(result, recomputed="") -> str

Verdict line, run facts, the scope (a replica, not production), objectives vs achieved per
capability, the checks table (target vs measured; those that did not pass first), findings, the
controls it evidences, and where the full evidence is. GitHub-flavoured Markdown; table cells
are escaped. A scenario with ``expect:`` shows whether it behaved as declared: a confirmed expected failure is headed
EXPECTED FAILURE CONFIRMED (not FAILED), and each declared failing verdict reads "fail (expected)".
"""

from __future__ import annotations

from drills.model.result import DrillResult
from drills.report.annotations import Annotations
from drills.report.formats.base import Rendering, ReportFormat, register
from drills.report.rootcause import root_causes
from drills.report.view import (
    CONTROLS,
    expectation_text,
    expected_failure,
    failing_first,
    findings,
    fmt_bound,
    fmt_target,
    fmt_utc,
    fmt_value,
    objectives,
    observed,
    run_duration,
    scope_sentence,
    status_class,
    status_word,
)

__all__ = ["render_markdown"]

_ICON = {"passed": "✅", "confirmed": "☑️", "failed": "❌", "aborted": "⚠️", "error": "💥", "interrupted": "⏹️",
         "killed": "💀"}
_MARK = {"pass": "✅ pass", "fail": "❌ fail", "unknown": "❔ unknown"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DrillResult, recomputed: str = "", annotations: Annotations | None = None) -> str:
    word = status_word(result)
    lines = [
        f"## {_ICON.get(status_class(result), '')} {word}: drill `{result.scenario_name}`".replace("  ", " "),
        "",
    ]
    if result.description:
        lines += [result.description, ""]
    digest = result.scenario_digest[:12] if result.scenario_digest else "—"
    lines += [
        (
            f"Run `{result.run_id}` · {fmt_utc(result.started_utc)} → {fmt_utc(result.ended_utc)} "
            f"({run_duration(result)}) · scenario sha256 `{digest}`"
        ),
        "",
    ]
    lines += [f"_{scope_sentence(result)}_", ""]
    if result.error:
        lines += [f"> **{'Aborted' if result.status == 'aborted' else 'Error'}:** {_cell(result.error)}", ""]
    expected = expectation_text(result)
    if expected:
        head, _, rest = expected.partition(": ")
        lines += [f"> **{head}:** {_cell(rest)}", ""]
    if recomputed:
        lines += [f"> **Verdicts recomputed offline.** {recomputed}", ""]
    goals = objectives(result)
    if goals:
        met = {"pass": "✅ met", "fail": "❌ not met", "unknown": "❔ not proven", "expected": "☑️ not met (expected)"}
        lines += ["| Capability | Result | Availability | RTO (worst) | RPO |", "|---|---|---|---|---|"]
        for o in goals:
            cells = [_cell(c.text) if c else "not measured" for c in (o.availability, o.rto, o.rpo)]
            lines.append(f"| {_cell(o.capability)} | {met[o.status]} | {' | '.join(cells)} |")
        lines.append("")
    if result.verdicts:
        lines += ["| Check | Capability | Target | Measured | Result |", "|---|---|---|---|---|"]
        for v in failing_first(result):
            measured = fmt_value(v.measured, v.unit)
            bound = fmt_bound(v)
            if bound and v.measured is not None:
                measured += f" {bound}"
            mark = _MARK.get(v.status, v.status) + (" (expected)" if expected_failure(result, v) else "")
            lines.append(
                f"| {_cell(v.check)} | {_cell(v.capability)} | {_cell(fmt_target(v))} | "
                f"{_cell(measured)} | {mark} |"
            )
        lines.append("")
    else:
        lines += ["No verdicts were computed.", ""]
    found = [f for f in findings(result) if f.check in ("run", "expect")]
    causes = root_causes(result)
    if found or causes:
        lines += ["### Findings", ""]
        lines += [f"- **{_cell(f.capability).replace('*', 'all')}**: {f.text}" for f in found]
        notes = annotations.findings if annotations is not None else {}
        for c in causes:
            who = "the system" if c.capability == "*" else c.capability
            tag = " (expected)" if c.expected else ""
            note = notes.get(c.id)
            track = f" · **{note.status}**" + (f", owner {note.owner}" if note.owner else "") + (
                f", due {note.due}" if note.due else "") if note else ""
            lines.append(f"- `{c.id}` **{who}**{tag}: {c.title} — fix: {c.fix}{track}")
            lines += [f"  - {o}" for o in observed(result, c.verdicts)]
        lines.append("")
    lines += ["Evidences: " + "; ".join(control for control, _ in CONTROLS) + ".", ""]
    lines += [
        (
            "Full report: `report.html` in the drill's bundle (with `timeline.jsonl`, `result.json`, "
            "`junit.xml` and `SHA256SUMS`)."
        ),
        "",
    ]
    return "\n".join(lines)


def _render(r: Rendering) -> str:
    return render_markdown(r.result, recomputed=r.recomputed, annotations=r.annotations)


register(ReportFormat("markdown", "summary.md", "short Markdown summary, for CI job pages", _render))
