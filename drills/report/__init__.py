"""Reports: audit-grade readers of a drill result, and the evidence bundle.

Vocabulary
    bundle     one directory per run, ``reports/<utc-time>-<scenario>/``, holding the
               evidence (scenario.yaml as run, timeline.jsonl, result.json,
               environment.json), the reports derived from it (one file per report
               format: report.html, summary.md, junit.xml) and SHA256SUMS over every
               other file.
    format     a report format: one module of :mod:`drills.report.formats` that carries
               its name, its file, a one-line description and its renderer, and
               registers itself in ``FORMATS``.
    finding    a plain-words sentence derived from a verdict that did not pass.
    history    many bundles' result.json read side by side, per capability.

Lifecycle: the runner calls :func:`write_bundle` once, on every path (passed, failed,
aborted, error). ``drill report BUNDLE`` regenerates the derived files offline,
``drill verify BUNDLE`` checks the manifest, ``drill history DIR`` compares runs.
Reports are pure readers of the result and the timeline: nothing here judges.

    write_bundle(result, timeline_path, scenario_path, out_dir, environment) -> Path
    bundle_files() -> tuple[str, ...]        evidence + one file per report format + SHA256SUMS
    verify_bundle(dir) -> list[str]          problems; [] = intact
    regenerate(dir, force=False) -> Regenerated
    render_html / render_markdown / render_junit (result, timeline, ...) -> str
"""

from __future__ import annotations

from drills.report.bundle import Regenerated, bundle_files, regenerate, verify_bundle, write_bundle
from drills.report.formats import FORMATS, ReportFormat
from drills.report.formats.html import render_html
from drills.report.formats.junit import render_junit
from drills.report.formats.markdown import render_markdown

__all__ = [
    "FORMATS",
    "Regenerated",
    "ReportFormat",
    "bundle_files",
    "regenerate",
    "render_html",
    "render_junit",
    "render_markdown",
    "verify_bundle",
    "write_bundle",
]

