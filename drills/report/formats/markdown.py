"""The Markdown summary: short enough for a CI job page (GitHub ``$GITHUB_STEP_SUMMARY``).

    format ``markdown`` -> summary.md        render_markdown(result, recomputed="") -> str

Verdict line, run facts, the checks table (target vs measured), findings, and where
the full evidence is. GitHub-flavoured Markdown; table cells are escaped. A scenario with
``expect:`` shows whether it behaved as declared: a confirmed expected failure is headed
EXPECTED FAILURE CONFIRMED (not FAILED), and each declared failing verdict reads "fail (expected)".
"""

from __future__ import annotations

from drills.model.result import DrillResult
from drills.report.formats.base import Rendering, ReportFormat, register
from drills.report.view import (
    expectation_text,
    expected_failure,
    findings,
    fmt_bound,
    fmt_target,
    fmt_utc,
    fmt_value,
    run_duration,
    status_class,
    status_word,
)

__all__ = ["render_markdown"]

_ICON = {"passed": "✅", "confirmed": "☑️", "failed": "❌", "aborted": "⚠️", "error": "💥", "interrupted": "⏹️",
         "killed": "💀"}
_MARK = {"pass": "✅ pass", "fail": "❌ fail", "unknown": "❔ unknown"}


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render_markdown(result: DrillResult, recomputed: str = "") -> str:
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
    if result.error:
        lines += [f"> **{'Aborted' if result.status == 'aborted' else 'Error'}:** {_cell(result.error)}", ""]
    expected = expectation_text(result)
    if expected:
        head, _, rest = expected.partition(": ")
        lines += [f"> **{head}:** {_cell(rest)}", ""]
    if recomputed:
        lines += [f"> **Verdicts recomputed offline.** {recomputed}", ""]
    if result.verdicts:
        lines += ["| Check | Capability | Target | Measured | Result |", "|---|---|---|---|---|"]
        for v in result.verdicts:
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
    found = findings(result)
    if found:
        lines += ["### Findings", ""]
        lines += [f"- **{_cell(f.capability).replace('*', 'all')}**: {f.text}" for f in found]
        lines.append("")
    lines += [
        (
            "Full report: `report.html` in the drill's bundle (with `timeline.jsonl`, `result.json`, "
            "`junit.xml` and `SHA256SUMS`)."
        ),
        "",
    ]
    return "\n".join(lines)


def _render(r: Rendering) -> str:
    return render_markdown(r.result, recomputed=r.recomputed)


register(ReportFormat("markdown", "summary.md", "short Markdown summary, for CI job pages", _render))
