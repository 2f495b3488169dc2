"""`validate PATH`: check a negotiation folder."""

from __future__ import annotations

import argparse
import json
import sys

from positions.store import load_folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", help="negotiation folder, e.g. data/negotiations/russia-ukraine")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def run(args: argparse.Namespace) -> int:
    result = load_folder(args.path)
    negotiation = result.negotiation
    counts = {
        "negotiation": negotiation.slug if negotiation else None,
        "parties": len(negotiation.parties) if negotiation else 0,
        "issues": len(negotiation.issues) if negotiation else 0,
        "documents": len(negotiation.documents) if negotiation else 0,
        "demands": len(negotiation.demands) if negotiation else 0,
        "data_version": result.data_version,
        "errors": [str(e) for e in result.errors],
    }
    if args.format == "json":
        print(json.dumps(counts, ensure_ascii=False, indent=2))
    else:
        for error in result.errors:
            print(error, file=sys.stderr)
        status = "OK" if result.ok else f"{len(result.errors)} error(s)"
        print(f"{counts['negotiation']}: {counts['parties']} parties, {counts['issues']} issues, "
              f"{counts['documents']} documents, {counts['demands']} demands, "
              f"data version {counts['data_version']}: {status}")
    return 0 if result.ok else 1
