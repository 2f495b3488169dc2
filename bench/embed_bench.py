"""Embedding figures: model load, encode throughput, and what the caches save.

Run: HF_HUB_OFFLINE=1 .venv/bin/python bench/embed_bench.py [--sentences 2000]

The fully cached run comes first, in a fresh process, because its point is that it never
imports torch.
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def _sentences(count: int) -> list[str]:
    """Short, distinct, negotiation-like sentences (8-12 words)."""
    subjects = ["Russia", "Ukraine", "The United States", "European states", "Both sides", "The delegation"]
    verbs = ["demands", "rejects", "proposes", "accepts", "insists on", "rules out", "calls for"]
    objects = ["an immediate ceasefire", "an exchange of all prisoners", "the lifting of sanctions",
               "neutral status for Ukraine", "security guarantees", "a withdrawal of troops",
               "the return of deported children", "new elections"]
    tails = [f"before round {n} of the talks" for n in range(1, 9)]
    combos = itertools.product(subjects, verbs, objects, tails)
    return [f"{s} {v} {o} {t}." for s, v, o, t in itertools.islice(combos, count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sentences", type=int, default=2000)
    count = parser.parse_args().sentences
    # Only the shipped caches and an empty directory may answer: the user's cache must not flatter.
    with tempfile.TemporaryDirectory(prefix="embed-bench-") as scratch:
        os.environ["POSITIONS_CACHE_DIR"] = scratch
        _measure(count)


def _measure(count: int) -> None:
    start = time.perf_counter()
    from positions import embedding
    from positions.store import list_negotiations, load_negotiation
    print(f"import positions.embedding            {_ms(time.perf_counter() - start)}")

    start = time.perf_counter()
    negotiations = [load_negotiation(slug).negotiation for slug in list_negotiations()]
    print(f"load the dataset's YAML               {_ms(time.perf_counter() - start)}")
    texts = [t for n in negotiations for t in embedding.texts_for(n)]
    cached = embedding.get_embedder()
    start = time.perf_counter()
    cached.embed(texts)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    cached.embed(texts)
    warm = time.perf_counter() - start
    print(f"cached embed, {len(texts)} dataset texts: first {_ms(cold)}, again {_ms(warm)}; "
          f"encoded {cached.encoded}, torch imported: {'torch' in sys.modules}")

    weights = embedding.bundled_model_dir() / "model.safetensors"
    start = time.perf_counter()
    embedding.verify_model_file(weights, embedding.BUNDLED_SHA256)
    print(f"SHA-256 of model.safetensors          {_ms(time.perf_counter() - start)}  "
          f"({weights.stat().st_size / 1e6:.0f} MB)")
    start = time.perf_counter()
    model = embedding.SentenceTransformerEmbedder.bundled()
    model.embed(["load"])
    load = time.perf_counter() - start
    import torch
    print(f"model load (imports + weights + 1)    {_ms(load)}  (torch threads: {torch.get_num_threads()})")

    sentences = _sentences(count)
    model.embed(sentences[:64])  # first batches pay one-off allocation costs
    start = time.perf_counter()
    model.embed(sentences)
    encode = time.perf_counter() - start
    print(f"encode {len(sentences)} short sentences       {_ms(encode)}  = {len(sentences) / encode:,.0f} sentences/s")

    start = time.perf_counter()
    model.embed(texts)
    uncached = time.perf_counter() - start
    print(f"uncached encode of the dataset texts  {_ms(uncached)}  = {uncached / warm:,.0f}x the cached "
          f"lookup, {uncached / cold:,.1f}x the cold cached embed")

    with tempfile.TemporaryDirectory() as directory:
        writer = embedding.CachedEmbedder(model, embedding.EmbeddingCache(model.model_id, Path(directory)))
        start = time.perf_counter()
        writer.embed(sentences)
        fill = time.perf_counter() - start
        reader = embedding.CachedEmbedder(model, embedding.EmbeddingCache(model.model_id, Path(directory)))
        start = time.perf_counter()
        reader.embed(sentences)
        hits = time.perf_counter() - start
        print(f"user cache, {len(sentences)} sentences: encode+write {_ms(fill)}, "
              f"all hits in a new instance {_ms(hits)} (overhead {fill / encode - 1:+.0%} over bare encode)")


if __name__ == "__main__":
    main()
