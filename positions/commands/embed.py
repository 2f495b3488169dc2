"""`embed --negotiation SLUG`: (re)write the shipped embedding cache of a negotiation.

The shipped cache lets the curated view start without loading the model. It holds exactly the
texts now in the data, so it never grows with edits; vectors already in it or in the user
cache are reused, so only new or changed texts are encoded.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from positions import embedding
from positions.store import DATA_ROOT, load_folder, negotiation_folder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--negotiation", required=True, metavar="SLUG", help="e.g. russia-ukraine")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if the shipped cache lacks any text of the data")
    parser.add_argument("--data-root", type=Path, default=DATA_ROOT, metavar="DIR",
                        help="folder holding negotiation folders (default: the shipped data)")
    parser.add_argument("--format", choices=["text", "json"], default="text")


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def run(args: argparse.Namespace) -> int:
    folder = negotiation_folder(args.negotiation, args.data_root)
    model = embedding.default_model()
    path = embedding.shipped_cache_path(folder, model.model_id)
    if args.check:
        return _check(args, folder, model.model_id, path)

    result = load_folder(folder)
    if result.negotiation is None:
        for error in result.errors:
            print(error, file=sys.stderr)
        return 1
    for error in result.errors:
        # What did validate still gets its vectors; test_shipped_cache_is_fresh catches the rest later.
        print(f"warning: {error}", file=sys.stderr)

    texts = embedding.texts_for(result.negotiation)
    keys = [embedding.text_key(t) for t in texts]
    previous = embedding.read_cache_file(path, model.model_id)
    previous_keys = previous[0].tolist() if previous is not None else []

    cache = embedding.EmbeddingCache(model.model_id, embedding.user_cache_dir(model.model_id), shipped=[path])
    embedder = embedding.CachedEmbedder(model, cache)
    try:
        vectors = embedder.embed(texts)
    except embedding.ModelUnavailableError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    # Rewriting an unchanged file would still change its bytes (zip timestamps): skip it.
    written = keys != previous_keys
    if written:
        embedding.write_cache_file(path, model.model_id, keys, vectors, mode=0o644)  # committed with the data

    report = {
        "negotiation": args.negotiation,
        "model": model.model_id,
        "path": _shown(path),
        "texts": len(texts),
        "encoded": embedder.encoded,
        "reused": embedder.reused,
        "dropped": len(set(previous_keys) - set(keys)),
        "written": written,
    }
    if args.format == "json":
        print(json.dumps(report, indent=2))
    else:
        outcome = f"wrote {report['path']}" if written else f"{report['path']} already up to date"
        print(f"{args.negotiation}: {report['texts']} texts, {report['encoded']} encoded, "
              f"{report['reused']} reused, {report['dropped']} dropped; {outcome}")
    return 0


def _check(args: argparse.Namespace, folder: Path, model_id: str, path: Path) -> int:
    missing = embedding.is_cache_fresh(folder, model_id)
    if args.format == "json":
        print(json.dumps({"negotiation": args.negotiation, "model": model_id, "path": _shown(path),
                          "fresh": not missing, "missing": missing}, ensure_ascii=False, indent=2))
    elif missing:
        print(f"{_shown(path)} lacks {len(missing)} text(s) of the data, e.g. {missing[0]!r}; "
              f"run: python -m positions embed --negotiation {args.negotiation}", file=sys.stderr)
    else:
        print(f"{_shown(path)} is fresh")
    return 1 if missing else 0
