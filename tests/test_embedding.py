"""The embedding seam: bundled model and its integrity, laziness, the two caches, the embed command."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from positions import embedding
from positions.__main__ import main
from positions.embedding import (
    BUNDLED_MODEL_ID,
    BUNDLED_SHA256,
    CACHE_ENV,
    MODEL_ENV,
    CachedEmbedder,
    EmbeddingCache,
    HashingEmbedder,
    ModelIntegrityError,
    ModelUnavailableError,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    cache_name,
    default_model,
    get_embedder,
    is_cache_fresh,
    read_cache_file,
    text_key,
    texts_for,
    user_cache_dir,
    vectors_for,
    verify_model_file,
    write_cache_file,
)
from positions.store import list_negotiations, load_folder, load_negotiation

ROOT = Path(__file__).resolve().parent.parent


class Counting:
    """Wraps an embedder and records every batch it is asked to encode."""

    def __init__(self, inner: HashingEmbedder) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.batches: list[list[str]] = []

    def embed(self, texts):
        self.batches.append(list(texts))
        return self.inner.embed(texts)


def _run_python(code: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _write_negotiation(root: Path, demand_texts: list[str]) -> Path:
    """A tiny valid negotiation folder `root/talks` with one issue and the given demand texts."""
    folder = root / "talks"
    (folder / "demands").mkdir(parents=True)
    (folder / "negotiation.yaml").write_text(textwrap.dedent("""\
        slug: talks
        title: Talks
        parties:
          - {id: a, name: A}
          - {id: b, name: B}
        issues:
          - id: prisoners
            label: Prisoners
            description: Exchanges of prisoners of war.
            motion: All prisoners are exchanged, all for all.
        """), encoding="utf-8")
    (folder / "documents.yaml").write_text(textwrap.dedent("""\
        documents:
          - {id: memo, title: Memo, party: a, date: 2025-06-02, kind: memorandum, url: "https://example.org/memo"}
        """), encoding="utf-8")
    demands = "".join(
        f"  - {{id: d{i}, party: a, issue: prisoners, stance: 2, text: {json.dumps(text)}}}\n"
        for i, text in enumerate(demand_texts)
    )
    (folder / "demands" / "memo.yaml").write_text(f"document: memo\ndemands:\n{demands}", encoding="utf-8")
    return folder


# ------------------------------------------------------------------------------ laziness


def test_importing_the_library_loads_neither_torch_nor_sentence_transformers():
    out = _run_python(
        "import positions, positions.embedding, positions.store, positions.schema; import sys; "
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)"
    )
    assert out.split() == ["False", "False"]


def test_embedding_the_shipped_data_needs_no_model(tmp_path):
    # An empty user cache, so only the shipped caches can answer.
    out = _run_python("""
        import sys
        from positions.embedding import texts_for, vectors_for, get_embedder
        from positions.store import list_negotiations, load_negotiation
        for slug in list_negotiations():
            negotiation = load_negotiation(slug).negotiation
            vectors_for(negotiation)
            get_embedder().embed(texts_for(negotiation))
        print(get_embedder().encoded, 'torch' in sys.modules)
        """, **{CACHE_ENV: str(tmp_path)})
    assert out.split() == ["0", "False"], "the shipped cache is stale: see test_shipped_cache_is_fresh"


def test_all_cache_hits_never_load_the_model(tmp_path):
    texts = ["release of all detained civilians", "return of the bodies of the fallen"]
    EmbeddingCache(BUNDLED_MODEL_ID, tmp_path).put([text_key(t) for t in texts], HashingEmbedder().embed(texts))
    # The model directory does not exist, so any attempt to load would raise.
    model = SentenceTransformerEmbedder.bundled(model_dir=tmp_path / "absent")
    embedder = CachedEmbedder(model, EmbeddingCache(BUNDLED_MODEL_ID, tmp_path))
    assert embedder.embed(texts).shape == (2, 384)
    with pytest.raises(ModelUnavailableError):
        embedder.embed(["a text no cache has seen"])


# --------------------------------------------------------------- bundled model and integrity


def test_bundled_weights_pass_the_integrity_check():
    verify_model_file(bundled_model_dir() / "model.safetensors", BUNDLED_SHA256)


def test_tampered_weights_raise_a_clear_integrity_error(tmp_path):
    model_dir = shutil.copytree(bundled_model_dir(), tmp_path / "model")
    weights = model_dir / "model.safetensors"
    with weights.open("r+b") as handle:
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, os.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))
    actual = hashlib.sha256(weights.read_bytes()).hexdigest()

    with pytest.raises(ModelIntegrityError) as caught:
        SentenceTransformerEmbedder.bundled(model_dir=model_dir).embed(["anything"])
    message = str(caught.value)
    assert str(weights.resolve()) in message and BUNDLED_SHA256 in message and actual in message
    assert isinstance(caught.value, ModelUnavailableError)  # what the dashboard catches


def test_missing_model_files_raise_model_unavailable(tmp_path):
    with pytest.raises(ModelUnavailableError, match="model directory not found"):
        SentenceTransformerEmbedder.bundled(model_dir=tmp_path / "absent").embed(["x"])
    with pytest.raises(ModelUnavailableError, match="model weights not found"):
        SentenceTransformerEmbedder.bundled(model_dir=tmp_path).embed(["x"])


def test_bundled_model_id_is_the_same_on_every_machine(monkeypatch):
    monkeypatch.delenv(MODEL_ENV, raising=False)
    assert default_model().model_id == BUNDLED_MODEL_ID
    assert get_embedder() is get_embedder()
    assert get_embedder().model_id == BUNDLED_MODEL_ID


@pytest.mark.model
def test_real_vectors_are_normalised_float32(real_embedder):
    vectors = real_embedder.embed(["ceasefire now", "lift all sanctions on Russia", ""])
    assert vectors.shape == (3, real_embedder.dim) == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert real_embedder.embed([]).shape == (0, 384)


@pytest.mark.model
def test_similarity_is_not_agreement(real_embedder):
    """DESIGN §2: paraphrases score high, but so do flat contradictions on the same topic."""

    def cosine(a: str, b: str) -> float:
        first, second = real_embedder.embed([a, b])
        return float(first @ second)

    assert cosine("all-for-all exchange of prisoners", "all-for-all exchange of prisoners of war") > 0.85
    # Opposite positions, yet "about the same thing": the trap a cosine threshold falls into.
    assert cosine("Ukraine banned from any military alliance", "Ukraine keeps the right to join NATO") > 0.5
    assert cosine("no ceasefire until Ukrainian withdrawal", "immediate unconditional ceasefire") > 0.5
    assert cosine("lift all sanctions on Russia", "new US sanctions on Russia") > 0.5


@pytest.mark.model
def test_positions_model_may_point_at_a_model_directory(monkeypatch, real_embedder):
    path = str(bundled_model_dir())
    monkeypatch.setenv(MODEL_ENV, path)
    model = default_model()
    assert model.model_id == path
    texts = ["all-for-all exchange of prisoners", "return of deported children"]
    np.testing.assert_allclose(model.embed(texts), real_embedder.embed(texts), atol=1e-5)
    assert model.dim == 384
    assert "/" not in user_cache_dir(model.model_id).name


def test_embed_rejects_a_bare_string(fake_embedder):
    with pytest.raises(TypeError, match="list of texts"):
        fake_embedder.embed("ceasefire")


def test_fake_vectors_are_normalised_deterministic_and_never_mistaken_for_real(fake_embedder):
    texts = ["all-for-all exchange of prisoners", "all-for-all exchange of prisoners of war", "", "?!"]
    vectors = fake_embedder.embed(texts)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(vectors, HashingEmbedder().embed(texts))
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]
    assert fake_embedder.model_id != BUNDLED_MODEL_ID


# ------------------------------------------------------------------------------- the caches


def test_cache_hits_are_never_encoded_again(tmp_path, fake_embedder):
    counting = Counting(fake_embedder)
    embedder = CachedEmbedder(counting, EmbeddingCache(counting.model_id, tmp_path))
    first = embedder.embed(["a", "b", "a"])
    assert counting.batches == [["a", "b"]]  # one batch, repeated text encoded once
    second = embedder.embed(["b", "c", "a"])
    assert counting.batches == [["a", "b"], ["c"]]  # only the miss
    embedder.embed(["c", "b"])
    assert len(counting.batches) == 2
    np.testing.assert_array_equal(second[[2, 0]], first[[0, 1]])
    np.testing.assert_array_equal(second, fake_embedder.embed(["b", "c", "a"]))
    assert (embedder.encoded, embedder.reused) == (3, 4)


def test_cache_survives_a_new_process(tmp_path, fake_embedder):
    texts = ["immediate unconditional ceasefire", "lift all sanctions on Russia"]
    _run_python(f"""
        from pathlib import Path
        from positions.embedding import CachedEmbedder, EmbeddingCache, HashingEmbedder
        embedder = CachedEmbedder(HashingEmbedder(), EmbeddingCache("hashing-bow-384", Path({str(tmp_path)!r})))
        embedder.embed({texts!r})
        """)
    counting = Counting(fake_embedder)
    vectors = CachedEmbedder(counting, EmbeddingCache(counting.model_id, tmp_path)).embed(texts)
    assert counting.batches == []
    np.testing.assert_array_equal(vectors, fake_embedder.embed(texts))


def test_concurrent_processes_do_not_corrupt_the_cache(tmp_path, fake_embedder):
    # Each process writes one shard per text, and the low shard limit makes them merge
    # shards while the others are still writing and reading.
    code = """
        import sys
        from pathlib import Path
        from positions import embedding
        embedding.MAX_SHARDS = 4
        embedder = embedding.CachedEmbedder(
            embedding.HashingEmbedder(), embedding.EmbeddingCache("hashing-bow-384", Path(sys.argv[1])))
        for i in range(40):
            embedder.embed([f"{sys.argv[2]} text {i}", "shared text"])
        """
    workers = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), str(tmp_path), f"worker{w}"], cwd=ROOT)
        for w in range(4)
    ]
    assert [w.wait(timeout=300) for w in workers] == [0, 0, 0, 0]

    texts = [f"worker{w} text {i}" for w in range(4) for i in range(40)] + ["shared text"]
    counting = Counting(fake_embedder)
    vectors = CachedEmbedder(counting, EmbeddingCache(counting.model_id, tmp_path)).embed(texts)
    assert counting.batches == [], "a vector written by one process was lost"
    np.testing.assert_array_equal(vectors, fake_embedder.embed(texts))
    assert not list(tmp_path.glob(".*.tmp")), "a temp file was left behind"
    assert all(read_cache_file(p, counting.model_id) is not None for p in tmp_path.glob("*.npz"))


def test_corrupt_cache_files_are_ignored_with_a_warning(tmp_path, fake_embedder, caplog):
    model_id = fake_embedder.model_id
    good = tmp_path / "good.npz"
    write_cache_file(good, model_id, [text_key("kept")], fake_embedder.embed(["kept"]))
    (tmp_path / "garbage.npz").write_bytes(b"\x00not a cache at all" * 50)
    (tmp_path / "truncated.npz").write_bytes(good.read_bytes()[:200])
    write_cache_file(tmp_path / "other-model.npz", "another-model", [text_key("lost")], fake_embedder.embed(["lost"]))
    write_cache_file(tmp_path / "wrong-dim.npz", model_id, [text_key("odd")], np.ones((1, 7), dtype=np.float32))

    counting = Counting(fake_embedder)
    embedder = CachedEmbedder(counting, EmbeddingCache(model_id, tmp_path))
    with caplog.at_level(logging.WARNING, logger="positions.embedding"):
        vectors = embedder.embed(["kept", "lost", "odd"])
    assert counting.batches == [["lost", "odd"]]
    np.testing.assert_array_equal(vectors, fake_embedder.embed(["kept", "lost", "odd"]))
    warned = caplog.text
    # Shards are read in name order, so good.npz fixes the dimension and wrong-dim.npz is refused.
    for name in ("garbage.npz", "truncated.npz", "other-model.npz", "wrong-dim.npz"):
        assert name in warned


def test_unwritable_cache_warns_and_still_answers(tmp_path, fake_embedder, caplog):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the cache directory should be")
    embedder = CachedEmbedder(fake_embedder, EmbeddingCache(fake_embedder.model_id, blocker / "cache"))
    with caplog.at_level(logging.WARNING, logger="positions.embedding"):
        vectors = embedder.embed(["still works"])
    np.testing.assert_array_equal(vectors, fake_embedder.embed(["still works"]))
    assert "could not write embedding cache" in caplog.text


def test_cache_file_names_are_safe_and_distinct():
    assert cache_name(BUNDLED_MODEL_ID) == BUNDLED_MODEL_ID
    odd = [cache_name(m) for m in ("/models/mini lm", "/models/mini_lm", "org/model", "..")]
    assert len(set(odd)) == 4
    assert all("/" not in name and not name.startswith(".") for name in odd)


# ------------------------------------------------------------------- texts of a negotiation


def test_texts_and_vectors_for_a_negotiation(tmp_path, fake_embedder):
    folder = _write_negotiation(tmp_path, ["Release all prisoners.", "Exchange all for all.", "Release all prisoners."])
    negotiation = load_folder(folder).negotiation
    texts = texts_for(negotiation)
    assert texts == ["Prisoners", "All prisoners are exchanged, all for all.", "Exchanges of prisoners of war.",
                     "Release all prisoners.", "Exchange all for all."]
    ids, matrix = vectors_for(negotiation, fake_embedder)
    assert ids == ["d0", "d1", "d2"]
    np.testing.assert_array_equal(matrix, fake_embedder.embed(["Release all prisoners.", "Exchange all for all.",
                                                               "Release all prisoners."]))


def test_embed_command_writes_reuses_prunes_and_checks(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(embedding, "default_model", HashingEmbedder)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "user-cache"))
    folder = _write_negotiation(tmp_path / "data", ["Release all prisoners.", "Exchange all for all."])
    command = ["embed", "--negotiation", "talks", "--data-root", str(tmp_path / "data"), "--format", "json"]

    def embed_run(*extra: str) -> tuple[int, dict]:
        code = main([*command, *extra])
        return code, json.loads(capsys.readouterr().out)

    code, report = embed_run()
    assert code == 0 and (report["texts"], report["encoded"], report["reused"], report["written"]) == (5, 5, 0, True)
    shipped = folder / "embeddings" / "hashing-bow-384.npz"
    assert shipped.is_file()
    code, report = embed_run("--check")
    assert code == 0 and report["fresh"]

    memo = folder / "demands" / "memo.yaml"
    memo.write_text(memo.read_text().replace("Exchange all for all.", "Exchange all for all, now."))
    code, report = embed_run("--check")
    assert code == 1 and report["missing"] == ["Exchange all for all, now."]
    assert main(["embed", "--negotiation", "talks", "--data-root", str(tmp_path / "data"), "--check"]) == 1
    assert "python -m positions embed --negotiation talks" in capsys.readouterr().err

    code, report = embed_run()
    assert (report["encoded"], report["reused"], report["dropped"], report["written"]) == (1, 4, 1, True)
    keys, _ = read_cache_file(shipped, "hashing-bow-384")
    assert sorted(keys.tolist()) == sorted(text_key(t) for t in texts_for(load_folder(folder).negotiation))

    # With the user cache gone, the shipped file alone answers, and an unchanged file is not rewritten.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "fresh-user-cache"))
    code, report = embed_run()
    assert (report["encoded"], report["reused"], report["written"]) == (0, 5, False)


# ------------------------------------------------------------------- the shipped cache itself


def test_shipped_cache_is_fresh():
    slugs = list_negotiations()
    assert slugs, "no negotiations under data/negotiations"
    for slug in slugs:
        result = load_negotiation(slug)
        assert result.negotiation is not None, [str(e) for e in result.errors]
        missing = is_cache_fresh(result.path, BUNDLED_MODEL_ID)
        assert not missing, (
            f"the shipped embedding cache of {slug!r} lacks {len(missing)} text(s), e.g. {missing[0]!r}; "
            f"run: python -m positions embed --negotiation {slug}"
        )


@pytest.mark.model
def test_shipped_vectors_come_from_the_bundled_model(real_embedder):
    for slug in list_negotiations():
        result = load_negotiation(slug)
        texts = texts_for(result.negotiation)[:8]
        cache = EmbeddingCache(BUNDLED_MODEL_ID, shipped=[embedding.shipped_cache_path(result.path, BUNDLED_MODEL_ID)])
        shipped = cache.get([text_key(t) for t in texts])
        for text, vector in zip(texts, real_embedder.embed(texts)):
            if text_key(text) in shipped:  # absence is test_shipped_cache_is_fresh's business
                assert float(shipped[text_key(text)] @ vector) > 0.999, f"{slug}: wrong vector for {text!r}"
