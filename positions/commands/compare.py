"""`compare`: per-issue relations between parties, as JSON or a readable table.

Two sources: a curated negotiation (`--negotiation SLUG --parties A,B`), or raw documents
(`--doc FILE ... --party "A=alias" --party "B=alias"`), from which the extraction pipeline builds an
ad-hoc negotiation on the generic issue set plus the issues it discovers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from positions.commands import document_ids, load_valid
from positions.commands.extract import add_party_arguments, parties_from
from positions.compare import Comparison, Selection, compare, resolve_parties


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--negotiation", help="negotiation slug under data/negotiations, e.g. russia-ukraine")
    parser.add_argument("--parties", help="comma-separated party names, ids or aliases, e.g. Russia,Ukraine")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="state of play on this date (YYYY-MM-DD)")
    parser.add_argument("--documents", help="comma-separated document ids to restrict to")
    parser.add_argument("--origin", choices=["curated", "extracted", "both"], default="curated")
    parser.add_argument("--min-confidence", type=float, default=0.0, help="floor for extracted demands")
    parser.add_argument("--format", choices=["json", "table"], default="table")
    parser.add_argument("--doc", action="append", default=[], metavar="FILE",
                        help="a raw document to extract from (repeatable); compares on the generic issue set")
    add_party_arguments(parser)


def run(args: argparse.Namespace) -> int:
    if args.doc:
        return run_documents(args)
    if not args.negotiation or not args.parties:
        raise ValueError('compare needs --negotiation SLUG --parties A,B, or --doc FILE --party "A=..." --party "B=..."')
    result = load_valid(args.negotiation)
    negotiation = result.negotiation
    origins = {"curated": {"curated"}, "extracted": {"extracted"}, "both": {"curated", "extracted"}}[args.origin]
    documents = document_ids(negotiation, args.documents)
    selection = Selection(
        parties=resolve_parties(negotiation, args.parties),
        as_of=args.as_of,
        documents=frozenset(documents) if documents else None,
        origins=frozenset(origins),
        min_confidence=args.min_confidence,
    )
    return _print(compare(negotiation, selection), args.format, data_version=result.data_version)


def run_documents(args: argparse.Namespace) -> int:
    """Extract from the --doc files, then compare the --party parties on what was found."""
    from positions.documents import UnreadableDocument, read_path
    from positions.extract import adhoc_negotiation, extract

    if args.negotiation:
        raise ValueError("--doc compares raw documents on the generic issues; drop --negotiation")
    parties = parties_from(args.party, None)
    if len(parties) < 2:
        raise ValueError('compare needs at least two parties: --party "A=alias" --party "B=alias"')
    try:
        sources = [read_path(path) for path in args.doc]
    except UnreadableDocument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if len({s.id for s in sources}) != len(sources):
        raise ValueError("two --doc files have the same name; rename one so each document has its own id")
    extraction = extract(sources, parties)
    negotiation = adhoc_negotiation(extraction, parties)
    selection = Selection(parties=tuple(p.id for p in parties), as_of=args.as_of,
                          origins=frozenset({"extracted"}), min_confidence=args.min_confidence)
    return _print(compare(negotiation, selection), args.format, model=extraction.model)


def _print(comparison: Comparison, form: str, **extra: str) -> int:
    """The comparison as the JSON contract (plus where it came from) or as a readable table."""
    if form == "json":
        print(json.dumps({**comparison.to_json(), **extra}, ensure_ascii=False, indent=2))
    else:
        print(format_table(comparison))
    return 0


def format_table(comparison: Comparison) -> str:
    """A fixed-width table a person can read in a terminal."""
    parties = [p.id for p in comparison.parties]
    names = {p.id: p.name for p in comparison.parties}
    header = f"{'issue':<32}{'relation':<12}{'dist':>5}  " + "".join(f"{names[p][:14]:>15}" for p in parties)
    lines = [header, "-" * len(header)]
    for item in comparison.issues:
        stances = "".join(
            f"{'—' if item.stance(p) is None else format(item.stance(p), '+.1f'):>15}" for p in parties
        )
        distance = "" if item.relation.distance is None else f"{item.relation.distance:.1f}"
        lines.append(f"{item.issue.label[:31]:<32}{item.relation.kind:<12}{distance:>5}  {stances}")
        for party, position in item.positions.items():
            for condition in position.conditions if position else ():
                lines.append(f"{'':<4}{names[party]} condition: {condition}")
    as_of = comparison.selection.as_of
    lines.append(f"\nstance on each issue's motion, -2 against .. +2 for; "
                 f"{'as of ' + as_of.isoformat() if as_of else 'latest stated positions'}")
    return "\n".join(lines)
