"""``drill report``, ``drill verify``, ``drill history``: the CLI table of the report package.

Merged into the ``drill`` command by drills.cli._command_tables. Exit codes:

    report BUNDLE [--force] [--sign-key KEY]
                                0 regenerated (and signed); 2 not a bundle / evidence fails
                                verification / the key cannot sign
    verify BUNDLE [--signers FILE]
                                0 intact and consistent (and signed by a key FILE allows); 1 a
                                file is missing, unlisted or tampered, a claim disagrees with the
                                evidence (drills.report.integrity), or the signature is missing or
                                bad (one line each on stdout); 2 not a bundle, no such FILE
    history DIR [--html OUT] [--max-age AGE] [--signers FILE]
                                0 no regression in the latest run of any capability, every bundle
                                verifies, and (with --max-age) every scenario passed recently
                                enough; 1 otherwise (so a nightly job can fail on it); 2 no
                                bundles in DIR, a bad option, or an --html path that cannot be
                                written

The report package (Jinja2, the check registry) is imported by the handlers and by the argument
builder of ``history`` (its defaults are the rule's), which runs only for ``drill history``.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from drills.cli.common import Command, output_file
from drills.errors import EXIT_CHECK_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from drills.report.history import Rule

__all__ = ["COMMANDS"]


def _bundle_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("bundle", type=Path, metavar="BUNDLE", help="a bundle directory (reports/<utc>-<scenario>/)")


def sign_key_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sign-key", type=Path, metavar="KEY",
                        help="sign the bundle's SHA256SUMS with this SSH private key (ssh-keygen -Y sign; "
                             "writes SHA256SUMS.sig)")


def _report_args(parser: argparse.ArgumentParser) -> None:
    _bundle_arg(parser)
    parser.add_argument("--force", action="store_true",
                        help="regenerate even when the evidence fails verification (the new SHA256SUMS then covers it)")
    sign_key_arg(parser)


def _verify_args(parser: argparse.ArgumentParser) -> None:
    _bundle_arg(parser)
    parser.add_argument("--signers", type=Path, metavar="FILE",
                        help="require a signature by a key this allowed-signers file lists "
                             "(git's format: 'principal key-type key' per line)")


def cmd_report(args: argparse.Namespace) -> int:
    from drills.report.bundle import regenerate
    from drills.report.view import fmt_utc, status_word

    key = None
    if args.sign_key is not None:
        if args.force:
            raise UsageError("--force and --sign-key: a signature must never vouch for evidence that fails "
                             "verification; regenerate with --force, then decide")
        from drills.report.signing import signing_key

        key = signing_key(args.sign_key)
    out = regenerate(args.bundle, force=args.force, sign_key=key)
    r = out.result
    print(f"{status_word(r)}: {r.scenario_name} ({fmt_utc(r.started_utc)}, run {r.run_id})")
    if r.expectation is not None:
        print(f"  expect: {r.expectation.outcome}: {r.expectation.reason}")
    print(f"  rewrote report.html, summary.md, junit.xml and SHA256SUMS{' (signed)' if key else ''} in {out.directory}")
    if out.recomputed:
        print(f"  {out.recomputed}")
    for note in out.notes:
        print(f"  note: {note}")
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from drills.report.bundle import verify_bundle
    from drills.report.evidence import ANNOTATIONS, ANNOTATIONS_SIGNATURE, SIGNATURE
    from drills.report.integrity import consistency
    from drills.report.signing import ANNOTATIONS_NAMESPACE, check_file_signature, check_signature

    if args.signers is not None and not args.signers.is_file():
        raise UsageError(f"--signers {args.signers}: no such allowed-signers file")
    files = verify_bundle(args.bundle)
    claims = consistency(args.bundle)
    signed = check_signature(args.bundle, args.signers) if args.signers is not None else None
    notes_file = args.bundle / ANNOTATIONS
    notes_signed = None
    if args.signers is not None and notes_file.is_file() and (args.bundle / ANNOTATIONS_SIGNATURE).is_file():
        notes_signed = check_file_signature(notes_file, args.signers, ANNOTATIONS_NAMESPACE)
    problems = [*files, *claims.problems, *([signed.sentence] if signed is not None and not signed.ok else [])]
    if notes_signed is not None and not notes_signed.ok:
        problems.append(f"annotations: {notes_signed.sentence}")
    for p in problems:
        print(p)
    if problems:
        if notes_signed is not None and notes_signed.ok:  # the annotations' own answer, whatever the run's
            print(f"annotations: {notes_signed.sentence}")
        print(f"{args.bundle}: REJECTED ({len(problems)} problem(s))")
        return EXIT_CHECK_FAILED
    print(f"{args.bundle}: intact (every file matches SHA256SUMS)")
    if claims.rejudged and claims.differences:
        print("  consistent: the status and the expectation follow from the verdicts; re-judged NOT exactly (by "
              "another drills version than the one that ran), these differ:")
        for d in claims.differences:
            print(f"    {d}")
    elif claims.rejudged:
        print("  consistent: the status, the expectation and every verdict follow from the timeline and scenario")
    else:
        print("  consistent: the status and the expectation follow from the verdicts; the verdicts were NOT "
              f"re-judged from the timeline: {claims.note}")
    if signed is not None:
        print(f"  {signed.sentence}")
    elif (args.bundle / SIGNATURE).is_file():
        print(f"  {SIGNATURE} present, not checked (pass --signers FILE to check it)")
    if notes_signed is not None:
        print(f"  annotations: {notes_signed.sentence}")
    elif notes_file.is_file():
        signed_too = (args.bundle / ANNOTATIONS_SIGNATURE).is_file()
        print(f"  {ANNOTATIONS} present (added after the run, outside the manifest); "
              f"{'signed, not checked (pass --signers FILE)' if signed_too else 'not signed'}")
    return EXIT_OK


def _annotate_args(parser: argparse.ArgumentParser) -> None:
    from drills.report.annotations import ROLES, STATUSES

    _bundle_arg(parser)
    parser.add_argument("--finding", metavar="ID", help="the finding to annotate (DR-...; without options: list them)")
    parser.add_argument("--owner", help="who fixes it")
    parser.add_argument("--due", metavar="YYYY-MM-DD", help="by when")
    parser.add_argument("--status", choices=STATUSES, help="where the remediation stands")
    parser.add_argument("--note", help="one line: what is being done, or why the risk is accepted")
    parser.add_argument("--sign-off", metavar="ROLE=NAME",
                        help=f"sign the drill off, today, as one of: {', '.join(ROLES)} (e.g. 'reviewer=Ana Li')")
    sign_key_arg(parser)


def cmd_annotate(args: argparse.Namespace) -> int:
    import json

    from drills.model.result import DrillResult
    from drills.report.annotations import Change, annotate, load
    from drills.report.rootcause import root_causes

    path = args.bundle / "result.json"
    if not path.is_file():
        raise UsageError(f"{args.bundle}: not a drill bundle (no result.json)")
    try:
        result = DrillResult.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as exc:
        raise UsageError(f"{path}: cannot read the drill result: {exc}") from exc
    key = None
    if args.sign_key is not None:
        from drills.report.signing import signing_key

        key = signing_key(args.sign_key)
    sign_off = None
    if args.sign_off is not None:
        role, sep, name = args.sign_off.partition("=")
        if not sep:
            raise UsageError(f"--sign-off {args.sign_off!r}: ROLE=NAME, e.g. 'reviewer=Ana Li'")
        sign_off = (role.strip().lower(), name)
    change = Change(args.finding, args.owner, args.due, args.status, args.note, sign_off)
    changing = args.finding is not None or sign_off is not None or any(
        x is not None for x in (args.owner, args.due, args.status, args.note))
    notes = annotate(args.bundle, result, change) if changing else load(args.bundle)
    if key is not None:
        from drills.report.evidence import ANNOTATIONS
        from drills.report.signing import ANNOTATIONS_NAMESPACE, sign_file

        if not (args.bundle / ANNOTATIONS).is_file():
            raise UsageError(f"{args.bundle}: no annotations to sign yet")
        sign_file(args.bundle / ANNOTATIONS, key, ANNOTATIONS_NAMESPACE)
    for c in root_causes(result):
        n = notes.findings.get(c.id)
        track = f"{n.status}{', owner ' + n.owner if n.owner else ''}{', due ' + n.due if n.due else ''}" if n else "-"
        print(f"{c.id}  {c.capability:<10} {track:<34} {c.title}")
    for s in notes.sign_off:
        print(f"signed off: {s.role}: {s.name} ({s.date})")
    if changing:
        print(f"wrote {args.bundle / 'annotations.json'}{' (signed)' if key else ''}; the run's SHA256SUMS is "
              "unchanged (drill report BUNDLE shows the annotations in report.html)")
    return EXIT_OK


def _history_args(parser: argparse.ArgumentParser) -> None:
    from drills.report.history import Rule

    parser.add_argument("directory", type=Path, metavar="DIR", help="a directory of bundles (e.g. reports/)")
    parser.add_argument("--html", type=Path, metavar="OUT", help="also write a self-contained HTML page")
    parser.add_argument("--window", type=int, default=Rule.window, help="previous runs compared (default %(default)s)")
    parser.add_argument("--avail-drop", type=float, default=Rule.avail_drop,
                        help="availability drop below the median that is a regression, as a ratio "
                             "(default %(default)s)")
    parser.add_argument("--rto-rise", type=float, default=Rule.rto_rise,
                        help="RTO rise above the median that is a regression, as a ratio (default %(default)s = 50%%)")
    parser.add_argument("--max-age", metavar="AGE",
                        help="exit 1 when a scenario's last passing run is older than AGE (36h, 7d, 2w): proof "
                             "that the drill ran as often as required")
    parser.add_argument("--signers", type=Path, metavar="FILE",
                        help="exclude bundles not signed by a key this allowed-signers file lists")


def _rule_text(rule: Rule) -> str:
    return (f"against the median of the previous {rule.window} runs (at least {rule.min_runs}): availability lower by "
            f"more than {rule.avail_drop * 100:g} points, or RTO higher by more than {rule.rto_rise * 100:g}% and "
            f"{rule.rto_floor:g}s, or never recovered when the previous runs did")


def cmd_history(args: argparse.Namespace) -> int:
    if args.window < 1 or not (0 <= args.avail_drop < math.inf and 0 <= args.rto_rise < math.inf):  # NaN: False
        raise UsageError("--window must be >= 1, --avail-drop and --rto-rise finite numbers >= 0")
    if args.html:
        output_file(args.html, "--html")  # before reading the bundles, not after
    if args.signers is not None and not args.signers.is_file():
        raise UsageError(f"--signers {args.signers}: no such allowed-signers file")
    from datetime import UTC, datetime

    from drills.report.history import (
        Rule,
        finding_events,
        flag,
        latest_regressions,
        load_history,
        parse_age,
        series,
        stale,
    )
    from drills.report.view import fmt_utc

    max_age = parse_age(args.max_age) if args.max_age is not None else None
    rule = Rule(window=args.window, avail_drop=args.avail_drop, rto_rise=args.rto_rise)
    hist = load_history(args.directory, signers=args.signers)
    for bundle, why in hist.excluded:
        print(f"EXCLUDED (does not verify): {bundle}: {why}")
    flagged = {k: flag(pts, rule) for k, pts in series(hist.results).items()}
    word = {"pass": "met", "fail": "NOT MET", "unknown": "not proven", "expected": "expected"}
    for (scenario, cap), pts in sorted(flagged.items()):
        print(f"{scenario} / {cap}")
        print(f"  {'run start (UTC)':<24} {'result':<10} {'availability':>12} {'RTO':>16} {'RPO':>5}  findings")
        for p in pts:
            avail = "—" if p.availability is None else f"{p.availability * 100:.2f}%"
            rto = ("never recovered" if p.rto_judged else "—") if p.rto is None else f"{p.rto:.1f}s"
            rpo = "—" if p.rpo is None else f"{p.rpo:g}"
            mark = "  REGRESSION: " + "; ".join(p.regressions) if p.regressions else ""
            print(f"  {fmt_utc(p.started_utc):<24} {word.get(p.status, p.status):<10} {avail:>12} {rto:>16} "
                  f"{rpo:>5}  {' '.join(p.findings) or '-'}{mark}")
    events = finding_events(hist.results)
    for scenario, evs in sorted(events.items()):
        for e in evs:
            state = f"closed {fmt_utc(e.closed)}" if e.closed else "OPEN in the latest run"
            track = f" [{e.remediation}]" if e.remediation else ""
            print(f"{scenario}: {e.id} first seen {fmt_utc(e.first_seen)}, {state}{track}: {e.title}")
    print(f"rule: {_rule_text(rule)}")
    too_old = stale(hist.results, max_age, datetime.now(UTC)) if max_age is not None else []
    for line in too_old:
        print(f"TOO OLD: {line}")
    if args.html:
        from drills.report.history_html import render_history_html

        args.html.write_text(render_history_html(flagged, _rule_text(rule), events, hist.excluded, too_old),
                             encoding="utf-8")
        print(f"wrote {args.html}")
    latest = latest_regressions(flagged)
    if latest:
        print(f"regression in the latest run: {len(latest)}")
    if hist.excluded:
        print(f"bundles that do not verify: {len(hist.excluded)} (drill verify BUNDLE says why)")
    return EXIT_CHECK_FAILED if latest or hist.excluded or too_old else EXIT_OK


COMMANDS: dict[str, Command] = {
    "report": ("regenerate report.html, summary.md and junit.xml of a bundle from its evidence",
               _report_args, cmd_report),
    "verify": ("check a bundle: files against SHA256SUMS, claims against the evidence, the signature",
               _verify_args, cmd_verify),
    "history": ("compare many bundles per capability over time and flag regressions", _history_args, cmd_history),
    "annotate": ("record remediation (owner, due date, status) per finding and sign-off, beside a bundle",
                 _annotate_args, cmd_annotate),
}
