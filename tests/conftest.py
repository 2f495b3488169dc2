"""Fixtures shared by every test module."""

from __future__ import annotations

import os

import pytest

from positions.embedding import HashingEmbedder, SentenceTransformerEmbedder


@pytest.fixture(scope="session", autouse=True)
def _private_embedding_cache(tmp_path_factory: pytest.TempPathFactory):
    """Send the user embedding cache to a temp dir: tests never read or write ~/.cache."""
    previous = os.environ.get("POSITIONS_CACHE_DIR")
    os.environ["POSITIONS_CACHE_DIR"] = str(tmp_path_factory.mktemp("embedding-cache"))
    yield
    if previous is None:
        os.environ.pop("POSITIONS_CACHE_DIR", None)
    else:
        os.environ["POSITIONS_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def real_embedder() -> SentenceTransformerEmbedder:
    """The bundled all-MiniLM-L6-v2, loaded once per session (a few seconds, mostly importing torch)."""
    embedder = SentenceTransformerEmbedder.bundled()
    embedder.embed(["load the model now, not inside the first test that uses it"])
    return embedder


@pytest.fixture
def fake_embedder() -> HashingEmbedder:
    """A deterministic embedder without torch, for logic that only needs stable vectors."""
    return HashingEmbedder()
