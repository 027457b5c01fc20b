"""The fixed files of a bundle: the evidence a run leaves, and the manifest over everything.

    EVIDENCE     (file, what it holds) for each evidence file, in the order the report lists them
    MANIFEST     SHA256SUMS: ``<sha256>  <name>`` for every other file of the bundle
    SIGNATURE    SHA256SUMS.sig: optional, an SSH signature over the manifest (never listed in it)

The *derived* files (the reports) are not named here: each report format registers its own
file (:mod:`drills.report.formats`). Evidence is written once, by the run; derived files can
be regenerated from it at any time. This module imports nothing from drills, so both the
bundle and the report formats can read it.
"""

from __future__ import annotations

__all__ = ["ANNOTATIONS", "ANNOTATIONS_SIGNATURE", "EVIDENCE", "EVIDENCE_FILES", "MANIFEST", "MANIFEST_DESCRIPTION",
           "SIGNATURE", "UNLISTED"]

EVIDENCE: tuple[tuple[str, str], ...] = (
    ("timeline.jsonl", "raw timeline: every probe sample, fault event, write and read-back (JSON lines)"),
    ("result.json", "the drill result as recorded by the runner (verdicts, phases, targets)"),
    ("scenario.yaml", "the scenario file exactly as run (its sha256 is the scenario digest)"),
    ("environment.json", "versions, image digests, host facts, git commit"),
)
EVIDENCE_FILES: tuple[str, ...] = tuple(name for name, _ in EVIDENCE)
MANIFEST = "SHA256SUMS"
MANIFEST_DESCRIPTION = "checksums of every file above: sha256sum -c SHA256SUMS"
SIGNATURE = "SHA256SUMS.sig"  # optional: an SSH signature over the manifest (drills.report.signing)
ANNOTATIONS = "annotations.json"  # optional, written after the run by ``drill annotate`` (drills.report.annotations)
ANNOTATIONS_SIGNATURE = "annotations.json.sig"
# The files the manifest does not list: itself and its signature, and the annotations (added after
# the run by other people; signed on their own), so annotating leaves the run's manifest valid.
UNLISTED = (MANIFEST, SIGNATURE, ANNOTATIONS, ANNOTATIONS_SIGNATURE)
