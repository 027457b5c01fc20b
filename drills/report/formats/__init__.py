"""Report formats: every module of this package registers one (see base.py).

    FORMATS    name -> ReportFormat (file, description, renderer), in module-name order
    register   add a format (each module calls it once, at import)

    html       report.html   the report for people
    junit      junit.xml     one testcase per verdict, for CI dashboards
    markdown   summary.md    the CI job summary
"""

from __future__ import annotations

import importlib
import pkgutil

from drills.report.formats.base import FORMATS, Renderer, Rendering, ReportFormat, register

__all__ = ["FORMATS", "Renderer", "Rendering", "ReportFormat", "register"]

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base":
        importlib.import_module(f"{__name__}.{_module.name}")
