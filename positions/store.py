"""Load, validate and save negotiation folders.

A negotiation folder holds:

    negotiation.yaml    slug, title, summary, parties, issues
    documents.yaml      documents: [...]
    demands/*.yaml      curated demands, one file per document (document: ID, demands: [...])
    extracted/*.yaml    model-extracted demands, same shape, saved by the extraction pipeline; instead of
                        `document: ID` such a file may carry its source as a mapping (`document: {id:
                        ..., title: ..., date: ...}`), used when documents.yaml has no entry of that id

Loading never stops at the first problem: every error names the file, the line and the reason,
and whatever did validate is still returned, so one broken file does not hide the rest.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from positions.schema import Demand, Document, Issue, Negotiation, Party

log = logging.getLogger(__name__)

DATA_ROOT = Path(__file__).resolve().parent.parent / "data" / "negotiations"
# 200x the largest shipped file (9 KB). The limit bounds the time a hostile file costs: parsing
# plus validating 2 MB of YAML takes a few seconds (5 MB took over a minute and 1.7 GB before
# the C parser and the error cap below).
MAX_YAML_BYTES = 2 * 1024 * 1024
MAX_ERRORS_PER_FILE = 50  # a file with more is garbage; listing a million errors helps nobody
_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


@dataclasses.dataclass(frozen=True)
class LoadError:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclasses.dataclass
class LoadResult:
    negotiation: Negotiation | None
    errors: list[LoadError]
    data_version: str
    path: Path

    @property
    def ok(self) -> bool:
        return self.negotiation is not None and not self.errors


class _Node(dict):
    """A YAML mapping that remembers the line of itself and of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _Seq(list):
    """A YAML sequence that remembers the line of each item, even plain strings."""

    line: int = 0
    item_lines: list[int]


# libyaml's parser is ~3x faster than PyYAML's pure-Python one; construction stays safe either way.
_SafeLoaderBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoaderBase):  # type: ignore[misc, valid-type]
    """Safe loader that records line numbers and refuses duplicate keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> _Node:  # type: ignore[override]
        mapping = _Node()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(
                    None, None, "merge keys (<<) are not supported here: write each key out", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be plain values, not lists or mappings", key_node.start_mark
                )
            if key in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[str(key)] = key_node.start_mark.line + 1
        return mapping


    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> _Seq:  # type: ignore[override]
        sequence = _Seq(self.construct_object(child, deep=deep) for child in node.value)
        sequence.line = node.start_mark.line + 1
        sequence.item_lines = [child.start_mark.line + 1 for child in node.value]
        return sequence


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _LineLoader.construct_sequence
)


def parse_yaml(text: str, file: str) -> tuple[Any, list[LoadError]]:
    """Parse YAML text safely; a syntax error becomes a LoadError with its line."""
    try:
        return yaml.load(text, Loader=_LineLoader), []  # noqa: S506 - _LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = f"YAML syntax error: {exc.problem or exc}"
        if exc.context:
            reason += f" ({exc.context})"
        return None, [LoadError(file, line, reason)]
    except yaml.YAMLError as exc:
        return None, [LoadError(file, 1, f"YAML error: {exc}")]


def _read_text(path: Path, shown: str) -> tuple[str | None, list[LoadError]]:
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            return None, [LoadError(shown, 1, f"file is {size:,} bytes; the limit is {MAX_YAML_BYTES:,}")]
        return path.read_text(encoding="utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [LoadError(shown, 1, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except OSError as exc:
        return None, [LoadError(shown, 1, f"cannot read file: {exc.strerror}")]


def _line_of(node: Any, loc: Iterable[Any] = ()) -> int:
    """Best line for a pydantic error location inside a parsed node."""
    line = getattr(node, "line", 1) or 1
    current = node
    for part in loc:
        if isinstance(current, _Node) and part in current:
            line = current.key_lines.get(str(part), line)
            current = current[part]
            line = getattr(current, "line", line) or line
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            current = current[part]
            line = getattr(current, "line", line) or line
        else:
            break
    return line


def _kind(value: Any) -> str:
    """The YAML word for what a value is, for messages (never the loader's own class names)."""
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: "text"}.get(type(value), type(value).__name__)


def _validate(model: type, node: Any, file: str, what: str, line: int = 1, **extra: Any) -> tuple[Any, list[LoadError]]:
    if not isinstance(node, dict):
        return None, [LoadError(file, line, f"{what} must be a mapping, got {_kind(node)}")]
    try:
        return model.model_validate({**extra, **node}), []
    except ValidationError as exc:
        ident = f" {node.get('id')!r}" if isinstance(node.get("id"), str) else ""
        errors = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or what
            errors.append(LoadError(file, _line_of(node, err["loc"][:1]), f"{what}{ident}: {field}: {err['msg']}"))
        return None, errors


def _items(value: list[Any]) -> list[tuple[Any, int]]:
    """Items of a parsed list with the line each starts on."""
    lines = getattr(value, "item_lines", [getattr(value, "line", 1)] * len(value))
    return list(zip(value, lines))


def _capped(errors: list[LoadError], file: str, line: int, unchecked: dict[str, int]) -> bool:
    """True when `file` already has MAX_ERRORS_PER_FILE errors: stop checking it (from `line` on)."""
    if sum(1 for e in errors if e.file == file) >= MAX_ERRORS_PER_FILE:
        unchecked.setdefault(file, line)
        return True
    return False


def _cap_per_file(errors: list[LoadError], unchecked: dict[str, int]) -> list[LoadError]:
    """At most MAX_ERRORS_PER_FILE errors per file, then one line saying what was left out."""
    kept: list[LoadError] = []
    counts: dict[str, int] = {}
    dropped: dict[str, tuple[int, int]] = {}  # file -> (first dropped line, how many)
    for error in errors:
        counts[error.file] = counts.get(error.file, 0) + 1
        if counts[error.file] <= MAX_ERRORS_PER_FILE:
            kept.append(error)
        else:
            first, n = dropped.get(error.file, (error.line, 0))
            dropped[error.file] = (first, n + 1)
    for file in dict.fromkeys([*dropped, *unchecked]):
        first, n = dropped.get(file, (unchecked.get(file, 1), 0))
        parts = [f"{n} more error(s) not listed"] if n else []
        if file in unchecked:
            parts.append(f"the rest of the file from line {unchecked[file]} was not checked")
        kept.append(LoadError(file, min(first, unchecked.get(file, first)), "; ".join(parts)))
    return kept


def _list_under(node: Any, key: str, file: str) -> tuple[list[Any], list[LoadError]]:
    if node is None:
        return [], []
    if not isinstance(node, dict):
        return [], [LoadError(file, _line_of(node), f"expected a mapping with '{key}:' at the top")]
    value = node.get(key, [])
    if value is None:
        return [], []
    if not isinstance(value, list):
        return [], [LoadError(file, node.key_lines.get(key, 1), f"'{key}' must be a list")]
    return value, []


def data_version(folder: Path) -> str:
    """Content hash of every YAML file in a negotiation folder (stable across machines)."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.yaml")):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def load_folder(folder: str | os.PathLike[str]) -> LoadResult:
    """Load and validate one negotiation folder; never raises on bad content."""
    folder = Path(folder)
    errors: list[LoadError] = []
    unchecked: dict[str, int] = {}  # file -> line from which it was not checked (too many errors)
    if not folder.is_dir():
        reason = "not a folder (a negotiation is a folder holding negotiation.yaml)" if folder.exists() else "no such folder"
        return LoadResult(None, [LoadError(str(folder), 1, reason)], "", folder)

    def shown(path: Path) -> str:
        try:
            return str(path.relative_to(Path.cwd()))
        except ValueError:
            return str(path)

    def read(path: Path) -> Any:
        text, errs = _read_text(path, shown(path))
        errors.extend(errs)
        if text is None:
            return None
        node, errs = parse_yaml(text, shown(path))
        errors.extend(errs)
        return node

    head_path = folder / "negotiation.yaml"
    if not head_path.is_file():
        return LoadResult(None, [LoadError(shown(head_path), 1, "missing negotiation.yaml")], "", folder)
    errors_before = len(errors)
    head = read(head_path)
    if head is None and len(errors) == errors_before:
        errors.append(LoadError(shown(head_path), 1, "the file is empty; it needs title, parties and issues"))

    parties: list[Party] = []
    issues: list[Issue] = []
    for key, model, bucket in (("parties", Party, parties), ("issues", Issue, issues)):
        items, errs = _list_under(head, key, shown(head_path))
        errors.extend(errs)
        for item, line in _items(items):
            if _capped(errors, shown(head_path), line, unchecked):
                break
            obj, errs = _validate(model, item, shown(head_path), key[:-1] if key != "parties" else "party", line)
            errors.extend(errs)
            if obj is not None:
                bucket.append(obj)

    documents: list[Document] = []
    doc_path = folder / "documents.yaml"
    doc_lines: list[tuple[str, int]] = []  # aligned with documents; ids may repeat
    if doc_path.is_file():
        items, errs = _list_under(read(doc_path), "documents", shown(doc_path))
        errors.extend(errs)
        for item, line in _items(items):
            if _capped(errors, shown(doc_path), line, unchecked):
                break
            obj, errs = _validate(Document, item, shown(doc_path), "document", line)
            errors.extend(errs)
            if obj is not None:
                documents.append(obj)
                doc_lines.append((shown(doc_path), line))

    demands: list[Demand] = []
    demand_lines: list[tuple[str, int, Any]] = []  # aligned with demands; ids may repeat
    for sub, origin in (("demands", "curated"), ("extracted", "extracted")):
        for path in sorted((folder / sub).glob("*.yaml")):
            node = read(path)
            items, errs = _list_under(node, "demands", shown(path))
            errors.extend(errs)
            default_doc = node.get("document") if isinstance(node, dict) else None
            if origin == "extracted" and isinstance(default_doc, dict):
                # `extract --save` files the document with its demands; documents.yaml, where a
                # curator keeps sources, wins when it has the same id.
                line = _line_of(default_doc)
                document, errs = _validate(Document, default_doc, shown(path), "document", line)
                errors.extend(errs)
                if document is not None and document.id not in {d.id for d in documents}:
                    documents.append(document)
                    doc_lines.append((shown(path), line))
                default_doc = default_doc.get("id")
            for item, line in _items(items):
                if _capped(errors, shown(path), line, unchecked):
                    break
                extra: dict[str, Any] = {"origin": origin}
                if default_doc and isinstance(item, dict) and "document" not in item:
                    extra["document"] = default_doc
                obj, errs = _validate(Demand, item, shown(path), "demand", line, **extra)
                errors.extend(errs)
                if obj is not None:
                    demands.append(obj)
                    demand_lines.append((shown(path), line, item))

    negotiation = None
    if isinstance(head, dict):
        slug = head.get("slug", folder.name)
        if slug != folder.name and valid_slug(folder.name):
            # Links and the command line name a negotiation by its folder; two names for one
            # negotiation would send a link to the wrong place (or nowhere).
            errors.append(LoadError(shown(head_path), _line_of(head, ("slug",)),
                                    f"slug {slug!r} is not the folder's name {folder.name!r}; the folder name is used"))
            slug = folder.name
        try:
            negotiation = Negotiation(
                slug=slug,
                title=head.get("title", folder.name),
                summary=head.get("summary", ""),
                parties=tuple(parties),
                issues=tuple(issues),
                documents=tuple(documents),
                demands=tuple(demands),
            )
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"])
                errors.append(LoadError(shown(head_path), _line_of(head, err["loc"][:1]), f"{field}: {err['msg']}"))

    if negotiation is not None:
        errors.extend(_cross_check(negotiation, head, shown(head_path), doc_lines, demand_lines))

    return LoadResult(negotiation, _cap_per_file(errors, unchecked), data_version(folder), folder)


def _cross_check(
    negotiation: Negotiation,
    head: Any,
    head_file: str,
    doc_lines: list[tuple[str, int]],
    demand_lines: list[tuple[str, int, Any]],
) -> list[LoadError]:
    """Checks that need the whole negotiation: ids that must exist, ids that must be unique."""
    errors: list[LoadError] = []

    def dupes(items: Sequence[Any], what: str, where: Sequence[tuple[str, int]]) -> None:
        seen: set[str] = set()
        for item, (file, line) in zip(items, where):
            if item.id in seen:
                errors.append(LoadError(file, line, f"duplicate {what} id {item.id!r}"))
            seen.add(item.id)

    def head_lines(key: str, items: Sequence[Any]) -> list[tuple[str, int]]:
        listed = head.get(key) if isinstance(head, dict) else None
        nodes = [n for n in listed if isinstance(n, dict)] if isinstance(listed, list) else []
        ids = [n.get("id") for n in nodes]
        # The n-th valid item is the n-th node carrying that id (ids may repeat).
        counts: dict[str, int] = {}
        lines = []
        for item in items:
            nth = counts.get(item.id, 0)
            counts[item.id] = nth + 1
            matches = [_line_of(n) for n, i in zip(nodes, ids) if i == item.id]
            lines.append((head_file, matches[nth] if nth < len(matches) else 1))
        return lines

    dupes(negotiation.parties, "party", head_lines("parties", negotiation.parties))
    dupes(negotiation.issues, "issue", head_lines("issues", negotiation.issues))
    dupes(negotiation.documents, "document", doc_lines)
    dupes(negotiation.demands, "demand", [entry[:2] for entry in demand_lines])

    party_ids = {p.id for p in negotiation.parties}
    issue_ids = {i.id for i in negotiation.issues}
    documents = negotiation.documents_by_id()

    for document, (file, line) in zip(negotiation.documents, doc_lines):
        if document.party is not None and document.party not in party_ids:
            errors.append(LoadError(file, line, f"document {document.id!r}: unknown party {document.party!r}"))

    for demand, (file, line, node) in zip(negotiation.demands, demand_lines):

        def at(key: str) -> int:
            return node.key_lines.get(key, line) if isinstance(node, _Node) else line

        if demand.party not in party_ids:
            errors.append(LoadError(file, at("party"), f"demand {demand.id!r}: unknown party {demand.party!r}"))
        if demand.issue not in issue_ids:
            errors.append(LoadError(file, at("issue"), f"demand {demand.id!r}: unknown issue {demand.issue!r}"))
        document = documents.get(demand.document)
        if document is None:
            errors.append(LoadError(file, at("document"), f"demand {demand.id!r}: unknown document {demand.document!r}"))
        elif demand.origin == "curated" and not document.url:
            errors.append(LoadError(
                file, at("document"),
                f"demand {demand.id!r}: curated demand's document {document.id!r} has no source url"))
    return errors


def valid_slug(slug: str) -> bool:
    """True for a plain folder name; refuses anything that could walk out of the data folder."""
    return bool(_SLUG.match(slug))


def negotiation_folder(slug: str, root: Path = DATA_ROOT) -> Path:
    """The folder of a negotiation by slug, refusing paths outside the data root.

    A symbolic link under the root that points outside it is refused too: what the data root
    holds is what the app may show, and a link must not widen that.
    """
    if not valid_slug(slug):
        raise ValueError(f"not a negotiation name: {slug!r}")
    folder = (root / slug).resolve()
    if folder.parent != Path(root).resolve():
        raise ValueError(f"negotiation {slug!r} is a link to a folder outside the data folder {root}; refused")
    return folder


def list_negotiations(root: Path = DATA_ROOT) -> list[str]:
    """Slugs of every negotiation folder under the data root (links leading outside it are skipped)."""
    if not root.is_dir():
        return []
    slugs = []
    for path in sorted(root.iterdir()):
        if not (valid_slug(path.name) and (path / "negotiation.yaml").is_file()):
            continue
        try:
            negotiation_folder(path.name, root)
        except ValueError as exc:
            log.warning("skipping %s: %s", path, exc)
            continue
        slugs.append(path.name)
    return slugs


def load_negotiation(slug: str, root: Path = DATA_ROOT) -> LoadResult:
    return load_folder(negotiation_folder(slug, root))


class StaleWriteError(RuntimeError):
    """The file changed on disk since the editor read it; the caller keeps the unsaved text."""


def file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def atomic_write(path: Path, text: str, *, expected_hash: str | None | bool = False, keep_backup: bool = True) -> None:
    """Write text so that readers see the old file or the new one, never half of either.

    expected_hash: the hash the file had when the editor loaded it (None: it did not exist).
    When given and the file has changed since, StaleWriteError is raised and nothing is written.
    The previous version is kept as `<name>.bak`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    checked = expected_hash is not False
    # The check and the rename must not interleave with another writer's, or both pass the check
    # and the first save is silently lost: writers that check hold the folder's lock throughout.
    with _folder_lock(path.parent) if checked else contextlib.nullcontext():
        if checked and file_hash(path) != expected_hash:
            raise StaleWriteError(f"{path.name} changed on disk since it was opened; reload and merge your changes")
        _replace(path, text, keep_backup)


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive advisory lock on a folder (flock), released when the block ends.

    Callers must not already hold a lock on the same folder through another descriptor
    (curation.apply locks the data root, never a negotiation folder or its subfolders).
    """
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _replace(path: Path, text: str, keep_backup: bool) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if keep_backup and path.exists():
            backup = path.with_name(path.name + ".bak")
            _copy_backup(path, backup)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy_backup(path: Path, backup: Path) -> None:
    # Copy (not move) so the live file never disappears, even for an instant.
    data = path.read_bytes()
    fd, tmp = tempfile.mkstemp(prefix=f".{backup.name}.", suffix=".tmp", dir=backup.parent)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, backup)
