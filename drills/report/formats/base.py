"""Report formats: one module per derived file of the bundle, registering itself.

Vocabulary
    ReportFormat   name (``html``), file (``report.html``), a one-line description, and the
                   renderer that turns one :class:`Rendering` into the file's text.
    Rendering      everything a renderer may read: the result, the timeline, and what the
                   bundle knows about how they were obtained (offline recomputation, notes).
    FORMATS        the registry, name -> ReportFormat, in registration order.

Lifecycle: each module of :mod:`drills.report.formats` ends with ``register(ReportFormat(...))``;
the package imports every module in it, so a new report format is one new file. The bundle
writes every registered format on each run and rewrites them all on ``drill report``.
Renderers are pure readers: they never judge, and never touch the file system.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from drills.model.result import DrillResult
from drills.model.timeline import Timeline
from drills.report.annotations import Annotations
from drills.report.evidence import EVIDENCE_FILES, MANIFEST

__all__ = ["FORMATS", "Renderer", "Rendering", "ReportFormat", "register"]


@dataclass(frozen=True)
class Rendering:
    result: DrillResult
    timeline: Timeline
    recomputed: str = ""  # a sentence when the verdicts were recomputed offline, else ""
    notes: tuple[str, ...] = ()  # what the bundle noticed (missing scenario, truncated timeline)
    annotations: Annotations | None = None  # remediation and sign-off recorded after the run (drill annotate)


Renderer = Callable[[Rendering], str]


@dataclass(frozen=True)
class ReportFormat:
    name: str
    file: str  # the file's name in the bundle directory
    description: str  # one line, shown in the report's evidence list and in docs/reports.md
    render: Renderer


FORMATS: dict[str, ReportFormat] = {}


def register(fmt: ReportFormat) -> ReportFormat:
    """Add ``fmt`` to :data:`FORMATS`; refuses a name or file already taken, or a path."""
    taken = {f.file: f.name for f in FORMATS.values()}
    if fmt.name in FORMATS:
        raise ValueError(f"report format {fmt.name!r} is already registered")
    if fmt.file in taken:
        raise ValueError(f"report format {fmt.name!r}: file {fmt.file!r} is already written by {taken[fmt.file]!r}")
    if fmt.file in (*EVIDENCE_FILES, MANIFEST):
        raise ValueError(f"report format {fmt.name!r}: {fmt.file!r} is a file the run itself writes")
    if not fmt.file or "/" in fmt.file or "\\" in fmt.file or fmt.file.startswith("."):
        raise ValueError(f"report format {fmt.name!r}: file must be a plain visible file name, got {fmt.file!r}")
    FORMATS[fmt.name] = fmt
    return fmt
