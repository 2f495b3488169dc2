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

from positions.documents import UnreadableDocument, read_path
from positions.extract import Extraction, extract
from positions.schema import Demand, Document, Negotiation, Party
from positions.store import DATA_ROOT, atomic_write, load_negotiation, negotiation_folder

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


def parse_party(spec: str) -> Party:
    """Party from "Name=alias,alias" (aliases optional); its id is the name in lower case with dashes."""
    name, _, aliases = spec.partition("=")
    name = name.strip()
    ident = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not ident:
        raise ValueError(f"--party needs a name, got {spec!r}")
    return Party(id=ident, name=name, aliases=tuple(a.strip() for a in aliases.split(",") if a.strip()))


def parties_from(specs: Sequence[str], negotiation: Negotiation | None = None) -> tuple[Party, ...]:
    """Parties from --party options; with a negotiation, its parties, those named by --party first."""
    if negotiation is None:
        parties = tuple(parse_party(spec) for spec in specs)
        if not parties:
            raise ValueError('name the parties: --party "Name=alias,alias" (once per party)')
        if len({p.id for p in parties}) != len(parties):
            raise ValueError("two --party options name the same party")
        return parties
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
    if args.save and negotiation is not None:
        path, left_out = save(extraction, negotiation, args.data)
        note = f"; {left_out} demand(s) on newly discovered issues left out" if left_out else ""
        print(f"saved {len(extraction.demands) - left_out} demand(s) to {path}{note}", file=sys.stderr)
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


def save(extraction: Extraction, negotiation: Negotiation, root: Path = DATA_ROOT) -> tuple[str, int]:
    """Write extracted/<doc-id>.yaml atomically: the document as a mapping, then its demands.

    Each demand also names its document by id, so tools that read `document:` per demand find it.
    Demands on issues the negotiation does not have (discovered ones) are left out: the folder
    must keep validating, and a new issue is a curator's decision.
    """
    folder = negotiation_folder(negotiation.slug, root)
    known = {issue.id for issue in negotiation.issues}
    document = extraction.documents[0]
    kept = [d for d in extraction.demands if d.issue in known]
    body = {
        "document": document_row(document),
        "demands": [{k: v for k, v in demand_row(d).items() if k != "origin"} for d in kept],
    }
    header = (f"# Model-extracted demands of {document.title!r} ({extraction.model}).\n"
              "# Suggestions only: a curator accepts them into demands/ or rejects them.\n")
    path = folder / "extracted" / f"{document.id}.yaml"
    atomic_write(path, header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100))
    return str(path), len(extraction.demands) - len(kept)
