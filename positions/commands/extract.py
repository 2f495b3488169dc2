"""`extract FILE`: the demand list the pipeline finds in one document, as JSON, CSV or YAML."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from positions import curation
from positions.documents import UnreadableDocument, read_path
from positions.extract import Extraction, extract
from positions.parties import parse_parties
from positions.schema import Demand, Document, Negotiation, Party
from positions.store import DATA_ROOT, StaleWriteError, load_negotiation, negotiation_folder

CSV_COLUMNS = ("id", "party", "issue", "stance", "condition", "confidence", "text", "evidence",
               "evidence_start", "evidence_end", "document", "model")
# Spreadsheets run a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.\d+)?$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the document: .txt, .md, .html or .pdf")
    add_party_arguments(parser)
    parser.add_argument("--negotiation", help="take parties, issues and curated examples from this negotiation")
    parser.add_argument("--author", help="party that issued the document (default: read from its heading)")
    parser.add_argument("--format", choices=["json", "csv", "yaml"], default="json")
    parser.add_argument("--min-confidence", type=float, default=None, help="drop demands below this confidence")
    parser.add_argument("--save", action="store_true",
                        help="write the list to data/negotiations/SLUG/extracted/<doc-id>.yaml (needs --negotiation)")
    parser.add_argument("--data", type=Path, default=DATA_ROOT, help=argparse.SUPPRESS)  # another data root, for tests


def add_party_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--party", action="append", default=[], metavar='"Name=alias,alias"',
                        help="a party and the words the text uses for it; repeat for each party, principals first")


def parties_from(specs: Sequence[str], negotiation: Negotiation | None = None) -> tuple[Party, ...]:
    """Parties from --party options; with a negotiation, its parties, those named by --party first."""
    if negotiation is None:
        if not specs:
            raise ValueError('name the parties: --party "Name=alias,alias" (once per party)')
        return tuple(parse_parties(specs, labels=[f"--party {spec!r}" for spec in specs]))
    first = [negotiation.party(spec.partition("=")[0]) for spec in specs]
    return tuple(dict.fromkeys([*first, *negotiation.parties]))


def run(args: argparse.Namespace) -> int:
    negotiation = None
    if args.negotiation:
        result = load_negotiation(args.negotiation, args.data)
        if result.negotiation is None or result.errors:
            raise ValueError("the negotiation does not validate; run `python -m positions validate` for details")
        negotiation = result.negotiation
    elif args.save:
        raise ValueError("--save needs --negotiation SLUG: the list is filed under that negotiation")
    parties = parties_from(args.party, negotiation)
    try:
        source = read_path(args.file)
    except UnreadableDocument as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    snapshot = None
    if args.save and negotiation is not None:
        # The files as they are now, before the (slow) extraction: a save refuses to overwrite a
        # file someone changed in the meantime, as the app's save does.
        snapshot = curation.take_snapshot(negotiation_folder(negotiation.slug, args.data),
                                          curation.extraction_paths([source.id]))
    options: dict[str, Any] = {}
    if args.min_confidence is not None:
        options["min_confidence"] = args.min_confidence
    extraction = extract(
        [source], parties,
        issues=negotiation.issues if negotiation else None,
        curated=[d for d in negotiation.demands if d.origin == "curated"] if negotiation else (),
        authors=[args.author] if args.author else None,
        **options,
    )
    print(render(extraction, args.format), end="")
    if snapshot is not None:
        return save(extraction, snapshot)
    return 0


def save(extraction: Extraction, snapshot: curation.Snapshot) -> int:
    """File the list under the negotiation the way the app does: validated first, written atomically.

    The change is computed from the snapshot (curation.extraction_change), checked on a copy of
    the folder and written only if every file still has the content it had when read; demands on
    issues the negotiation lacks (discovered ones) are left out, since a new issue is a curator's call.
    """
    try:
        change = curation.extraction_change(snapshot, extraction)
        curation.apply(change)
    except StaleWriteError as exc:
        print(f"error: not saved, a file changed while the extraction ran ({exc}); run it again", file=sys.stderr)
        return 3
    except curation.InvalidChange as exc:
        print("error: not saved, the folder would not validate:\n" + "\n".join(f"- {r}" for r in exc.reasons),
              file=sys.stderr)
        return 3
    for line in change.summary:
        print(f"saved: {line}", file=sys.stderr)
    return 0


def demand_row(demand: Demand) -> dict[str, Any]:
    """A demand as plain data: every field that is set, origin included."""
    return demand.model_dump(mode="json", exclude_none=True)


def document_row(document: Document) -> dict[str, Any]:
    return document.model_dump(mode="json", exclude_none=True)


def render(extraction: Extraction, fmt: str) -> str:
    """The extracted list as JSON (with its documents and discovered issues), CSV or YAML."""
    if fmt == "csv":
        return to_csv(extraction.demands)
    payload = {
        "documents": [document_row(d) for d in extraction.documents],
        "model": extraction.model,
        "discovered_issues": [i.model_dump(mode="json") for i in extraction.discovered],
        "demands": [demand_row(d) for d in extraction.demands],
    }
    if fmt == "yaml":
        return yaml.safe_dump(payload, sort_keys=False, allow_unicode=True, width=100)
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def to_csv(demands: Sequence[Demand]) -> str:
    """One row per demand; text cells that a spreadsheet would run as a formula are prefixed with '."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for demand in demands:
        row = demand_row(demand)
        writer.writerow([safe_cell(row.get(column)) for column in CSV_COLUMNS])
    return buffer.getvalue()


def safe_cell(value: object) -> str:
    """A CSV cell that cannot start a formula; plain numbers ("-2") stay numbers."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text
