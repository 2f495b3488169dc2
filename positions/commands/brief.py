"""`brief`: export a briefing of a comparison as Markdown or one self-contained HTML file."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from positions.brief import brief_html, brief_markdown
from positions.commands import document_ids, load_valid
from positions.compare import compare, resolve_parties
from positions.store import atomic_write
from positions.viewstate import ViewState, build_link

DEFAULT_BASE_URL = "http://localhost:8501/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--negotiation", help="negotiation slug under data/negotiations, e.g. russia-ukraine")
    parser.add_argument("--parties", help="comma-separated party names, ids or aliases, e.g. Russia,Ukraine")
    parser.add_argument("--as-of", type=dt.date.fromisoformat, help="state of play on this date (YYYY-MM-DD)")
    parser.add_argument("--documents", help="comma-separated document ids to restrict to")
    parser.add_argument("--format", choices=["md", "html"], default="md")
    parser.add_argument("--output", help="write to this file (atomically) instead of stdout")


def run(args: argparse.Namespace) -> int:
    if not args.negotiation or not args.parties:
        raise ValueError("brief needs --negotiation SLUG --parties A,B")
    result = load_valid(args.negotiation)
    negotiation = result.negotiation
    documents = document_ids(negotiation, args.documents)
    # The same state the dashboard reads from its URL: the link below reopens exactly this briefing.
    state = ViewState(
        negotiation=negotiation.slug,
        parties=resolve_parties(negotiation, args.parties),
        as_of=args.as_of,
        documents=documents,
        data_version=result.data_version,
    )
    render = brief_html if args.format == "html" else brief_markdown
    text = render(
        compare(negotiation, state.selection()),
        link=build_link(state, os.environ.get("POSITIONS_BASE_URL", DEFAULT_BASE_URL)),
        data_version=result.data_version,
        generated=dt.date.today(),
    )
    if args.output:
        atomic_write(Path(args.output), text, keep_backup=False)
        print(f"wrote {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
