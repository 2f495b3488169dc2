"""Curating a negotiation folder: saving extracted lists, accepting or rejecting their suggestions.

Every change is computed from the files *as the editor loaded them* (a `Snapshot`: text and
hash per file), validated on a temporary copy of the folder, and only then written with
`store.atomic_write(expected_hash=...)`. So a change is refused, never merged silently, when a
file changed on disk since it was loaded (`StaleWriteError`), and refused with the reasons when
the folder would no longer validate (`InvalidChange`). Nothing is half-written in either case.

Decisions (documented here because curators rely on them):

- Saving an extraction writes `extracted/<doc-id>.yaml` (replacing an earlier extraction of the
  same document) in the format `extract --save` writes: a document documents.yaml does not know
  is filed with its demands (`document: {id: ..., title: ...}`), so saving model output never
  touches the curated sources. Demands on issues the negotiation lacks (discovered ones) are
  left out unless the curator asks to add those issues to negotiation.yaml; a new negotiation
  gets every issue its demands use. Suggestions already accepted (same party, issue and quote)
  are not suggested again.
- Accepting a suggestion writes a curated demand into `demands/<doc-id>.yaml`, with the
  curator's text, issue, stance and condition (edited or as suggested), the evidence sentence
  as `quote`, and a `note` naming the suggestion, model and confidence. Its certainty is
  "partial" unless the curator says otherwise: they saw the sentence, not necessarily the whole
  source ("verified" means read in the source). The suggestion then leaves
  `extracted/<doc-id>.yaml`, so "curated and extracted" does not count it twice.
- A curated demand needs a document with a source url, kept in documents.yaml: accepting asks
  for the url when the document has none, and adds the document to documents.yaml (or sets its
  url there) in the same save.
- Rejecting removes the suggestion from `extracted/<doc-id>.yaml` (atomic_write keeps the
  previous file as `.bak`).
- Hand-written files keep their comments: new list items are appended as text and a new field
  is inserted as a line, and the result must parse to exactly the intended data; otherwise the
  file is rewritten with yaml.safe_dump (leading comment block kept, other comments lost).

No Streamlit here; components/curation.py and components/extraction.py draw the forms.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from positions.compare import Comparison, Selection, compare
from positions.parties import parse_party_lines
from positions.schema import Certainty, Demand, Document, Issue, Negotiation, Party
from positions.store import StaleWriteError, atomic_write, file_hash, load_folder, valid_slug

if TYPE_CHECKING:
    from positions.documents import SourceText
    from positions.extract import Extraction

YAML_STYLE: dict[str, Any] = {"sort_keys": False, "allow_unicode": True, "width": 100}
# Distinct hues for parties of a new negotiation (the schema's default grey would make them alike).
PARTY_COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
DEFAULT_CERTAINTY: Certainty = "partial"


class InvalidChange(ValueError):
    """The change would break the data or cannot be made; `reasons` says why, one per line."""

    def __init__(self, reasons: Sequence[str]) -> None:
        self.reasons = list(reasons)
        super().__init__("; ".join(self.reasons))


# ------------------------------------------------------------------------------ files and changes


@dataclasses.dataclass(frozen=True)
class FileState:
    """One file as the editor loaded it; text and hash None when it did not exist."""

    text: str | None
    hash: str | None


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """The files of one folder that a change is computed from, keyed by relative path."""

    folder: Path
    files: Mapping[str, FileState]

    def text(self, path: str) -> str | None:
        return self.files[path].text

    def expected(self, path: str) -> str | None:
        return self.files[path].hash


def take_snapshot(folder: Path, paths: Sequence[str]) -> Snapshot:
    """Read `paths` (relative to folder) with the hash of exactly the bytes read."""
    files = {}
    for path in paths:
        try:
            data = (folder / path).read_bytes()
        except FileNotFoundError:
            files[path] = FileState(None, None)
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidChange([f"{path} is not UTF-8 text; fix it first"]) from exc
        files[path] = FileState(text, hashlib.sha256(data).hexdigest())
    return Snapshot(Path(folder), files)


@dataclasses.dataclass(frozen=True)
class FileChange:
    """New text for one file, and the hash it must still have on disk (None: must not exist)."""

    path: str
    text: str
    expected_hash: str | None


@dataclasses.dataclass(frozen=True)
class Change:
    """Files to write, in an order where every prefix leaves a valid folder, and what it does."""

    folder: Path
    files: tuple[FileChange, ...]
    summary: tuple[str, ...]


def apply(change: Change) -> None:
    """Write a change, or refuse it whole: StaleWriteError, InvalidChange."""
    folder = change.folder
    with _write_lock(folder.parent):
        stale = [f.path for f in change.files if file_hash(folder / f.path) != f.expected_hash]
        if stale:
            raise StaleWriteError(
                f"{', '.join(stale)} changed on disk since you opened it (someone else saved); "
                "nothing was written. Reload to see their version, then redo your change.")
        problems = validation_errors(change)
        if problems:
            raise InvalidChange(problems)
        for written, file in enumerate(change.files):
            try:
                atomic_write(folder / file.path, file.text, expected_hash=file.expected_hash)
            except StaleWriteError as exc:
                # Only another program ignoring the lock gets here; say exactly what was saved.
                done = ", ".join(f.path for f in change.files[:written]) or "nothing"
                raise StaleWriteError(f"{exc}; saved before that: {done}") from exc


@contextlib.contextmanager
def _write_lock(directory: Path) -> Iterator[None]:
    """Serialise writers of the data root: the hash check and the write must not interleave."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def validation_errors(change: Change) -> list[str]:
    """What would be wrong with the folder after the change, checked on a temporary copy."""
    folder = change.folder
    with tempfile.TemporaryDirectory(prefix="positions-check-") as tmp:
        copy = Path(tmp) / folder.name
        copy.mkdir()
        if folder.is_dir():
            for path in folder.rglob("*.yaml"):
                target = copy / path.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
        for file in change.files:
            target = copy / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(file.text, encoding="utf-8")
        result = load_folder(copy)
        # Name the real files, not the temporary copy.
        problems = [str(error).replace(str(copy), str(folder)) for error in result.errors]
    if result.negotiation is None and not problems:
        problems.append("the negotiation would not load")
    return problems


# ------------------------------------------------------------------------------ YAML text


def dump(data: Any) -> str:
    """YAML a person can read and diff: keys in the order given, Unicode kept, lines ≤ 100."""
    return yaml.safe_dump(_plain(data), **YAML_STYLE)


def _plain(value: Any) -> Any:
    """Tuples as lists, so safe_dump can write them; everything else as it is."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _load(text: str | None, path: str) -> dict[str, Any]:
    if text is None or not text.strip():
        return {}
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidChange([f"{path} is not valid YAML; fix it first ({exc})"]) from exc
    if not isinstance(data, dict):
        raise InvalidChange([f"{path} must be a mapping at the top; fix it first"])
    return data


def _comment(text: str) -> str:
    """Text for a `#` line: one line, whatever the data says."""
    return re.sub(r"\s+", " ", text).strip()


def _leading_comments(text: str | None) -> str:
    lines = []
    for line in (text or "").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)


def _rewrite(old: str | None, data: dict[str, Any], candidate: str | None = None) -> str:
    """`candidate` (a text edit that keeps comments) if it means exactly `data`, else a fresh dump."""
    if candidate is not None:
        try:
            if yaml.safe_load(candidate) == _plain(data):
                return candidate
        except yaml.YAMLError:
            pass
    return _leading_comments(old) + dump(data)


def _appended(text: str, key: str, items: list[dict[str, Any]]) -> str | None:
    """`text` with items added as text at the end of its block list `key`; None when unsure."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode) or not root.value:
        return None
    last_key, last_value = root.value[-1]
    # Appending at the end of the file only extends the list when it is the last thing there.
    if last_key.value != key or not isinstance(last_value, yaml.SequenceNode):
        return None
    if last_value.flow_style or not last_value.value:
        return None
    indent = " " * last_value.start_mark.column
    block = "".join(indent + line if line.strip() else line for line in dump(items).splitlines(keepends=True))
    return text.rstrip("\n") + "\n" + block


def _with_field(text: str, key: str, item_id: str, field: str, value: Any) -> str | None:
    """`text` with `field: value` inserted under the list item of `key` whose id is item_id."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(root, yaml.MappingNode):
        return None
    for key_node, value_node in root.value:
        if key_node.value != key or not isinstance(value_node, yaml.SequenceNode) or value_node.flow_style:
            continue
        for item in value_node.value:
            if not isinstance(item, yaml.MappingNode) or item.flow_style:
                continue
            keys = {k.value: (k, v) for k, v in item.value}
            if "id" not in keys or keys["id"][1].value != item_id or field in keys:
                continue
            id_key, id_value = keys["id"]
            entry = yaml.safe_dump({field: value}, sort_keys=False, allow_unicode=True, width=10**6)
            lines = text.splitlines(keepends=True)
            at = id_value.end_mark.line + 1  # the line after the id
            if at > len(lines) or not lines[at - 1].endswith("\n"):
                return None
            return "".join(lines[:at]) + " " * id_key.start_mark.column + entry + "".join(lines[at:])
    return None


def _list_added(old: str | None, key: str, items: list[dict[str, Any]], new_file: dict[str, Any],
                header: str, path: str) -> str:
    """The file with `items` appended to its list `key`, created from `new_file` if absent."""
    if old is None:
        return header + dump({**new_file, key: items})
    data = _load(old, path)
    existing = data.get(key) or []
    if not isinstance(existing, list):
        raise InvalidChange([f"{path}: '{key}' must be a list; fix it first"])
    intended = {**data, key: existing + items}
    return _rewrite(old, intended, _appended(old, key, items))


def _record(model: Document | Issue | Party | Demand, *, drop: Sequence[str] = ()) -> dict[str, Any]:
    """A model as a YAML mapping: defaults and empty fields left out, as a curator writes it."""
    record = model.model_dump(exclude_defaults=True, exclude_none=True)
    for key in drop:
        record.pop(key, None)
    return _plain(record)


# ------------------------------------------------------------------------------ parties


def parse_parties(text: str) -> list[Party]:
    """Parties of a new negotiation, one a line: `Name=alias, alias` (aliases optional), each its own colour.

    ValueError names every bad line; at least two parties are needed to compare anything.
    """
    parties = parse_party_lines(text, minimum=2)
    return [p.model_copy(update={"colour": PARTY_COLOURS[n % len(PARTY_COLOURS)]}) for n, p in enumerate(parties)]


# ------------------------------------------------------------------------------ preview


def preview_comparison(extraction: Extraction, parties: Sequence[Party]) -> Comparison:
    """Relations between the parties on the extracted demands alone, as `compare --doc` shows them."""
    from positions.extract import adhoc_negotiation  # the pipeline module, only when an extraction exists

    negotiation = adhoc_negotiation(extraction, parties)
    return compare(negotiation, Selection(parties=tuple(p.id for p in parties), origins=frozenset({"extracted"})))


def highlight(evidence: str, text: str) -> tuple[int, int] | None:
    """Where the demand's text stands in its evidence sentence (any spacing, any case), if it does."""
    words = re.findall(r"\S+", text.strip(" .,;:\"“”'‘’"))
    if not words:
        return None
    found = re.search(r"\s+".join(re.escape(w) for w in words), evidence, flags=re.IGNORECASE)
    return (found.start(), found.end()) if found else None


# ------------------------------------------------------------------------------ saving an extraction


@dataclasses.dataclass(frozen=True)
class NewNegotiation:
    """The head of a negotiation folder created from an extraction."""

    slug: str
    title: str
    parties: tuple[Party, ...]
    summary: str = ""


def unique_sources(sources: Sequence[SourceText]) -> list[SourceText]:
    """Two files with the same name would get the same document id: number the later ones."""
    seen: set[str] = set()
    unique = []
    for source in sources:
        renamed, n = source, 1
        while renamed.id in seen:
            n += 1
            stem, dot, suffix = source.name.rpartition(".")
            renamed = dataclasses.replace(source, name=f"{stem}-{n}.{suffix}" if dot else f"{source.name}-{n}")
        seen.add(renamed.id)
        unique.append(renamed)
    return unique


def edited_document(document: Document, **fields: Any) -> Document:
    """The extracted document with the curator's title, date, url, publisher; blank url means none."""
    values = {**document.model_dump(), **fields}
    if isinstance(values.get("url"), str):
        values["url"] = values["url"].strip() or None
    try:
        return Document.model_validate(values)
    except ValidationError as exc:
        raise InvalidChange([f"{document.id}: {e['loc'][0]}: {e['msg'].removeprefix('Value error, ')}"
                             for e in exc.errors()]) from exc


def extraction_paths(document_ids: Sequence[str]) -> list[str]:
    """The files saving an extraction of these documents reads and writes."""
    paths = ["negotiation.yaml", "documents.yaml"]
    for doc in document_ids:
        paths += [f"demands/{doc}.yaml", f"extracted/{doc}.yaml"]
    return paths


def extraction_change(
    snapshot: Snapshot,
    extraction: Extraction,
    documents: Mapping[str, Document] | None = None,
    new: NewNegotiation | None = None,
    add_issues: bool = False,
) -> Change:
    """The change that files an extraction's demands under the snapshot's negotiation folder.

    documents: the curator's version of each extracted document (title, date, url...), by id;
    new: the head of the negotiation to create, when the folder has none yet; add_issues: add
    the issues the negotiation lacks (discovered ones) to negotiation.yaml, else their demands
    are left out, as `extract --save` does.
    """
    documents = {d.id: (documents or {}).get(d.id, d) for d in extraction.documents}
    for doc_id, document in documents.items():
        if document.id != doc_id:
            raise InvalidChange([f"document {doc_id!r}: its id cannot change when saving"])
    head_text = snapshot.text("negotiation.yaml")
    if new is not None:
        if head_text is not None:
            raise InvalidChange([f"a negotiation already exists at {snapshot.folder.name!r}; pick another name"])
        if not valid_slug(new.slug) or new.slug != snapshot.folder.name:
            raise InvalidChange([f"{new.slug!r} is not a usable folder name: lower-case letters, digits and '-'"])
    elif head_text is None:
        raise InvalidChange([f"{snapshot.folder.name}: there is no negotiation here to save into"])
    head = _load(head_text, "negotiation.yaml")
    known_issues = {i.get("id") for i in head.get("issues") or [] if isinstance(i, dict)}
    indexed = set(indexed_documents(snapshot))
    adding = new is not None or add_issues
    missing = [i for i in extraction.issues if i.id not in known_issues
               and any(d.issue == i.id for d in extraction.demands)]
    new_issues = missing if adding else []
    files: list[FileChange] = []
    summary: list[str] = []

    if new is not None:
        text = (f"# {_comment(new.title)}: created from extracted documents in the Positions app.\n"
                "# Every stance refers to the issue's motion: -2 strongly against ... +2 strongly for.\n")
        data: dict[str, Any] = {"slug": new.slug, "title": new.title}
        if new.summary:
            data["summary"] = new.summary
        data["parties"] = [_record(p) for p in new.parties]
        data["issues"] = [_record(i) for i in new_issues]
        files.append(FileChange("negotiation.yaml", text + dump(data), None))
        summary.append(f"creates the negotiation {new.slug!r} with {len(new.parties)} parties and "
                       f"{len(new_issues)} issue(s)")
    elif new_issues:
        text = _list_added(head_text, "issues", [_record(i) for i in new_issues], {}, "", "negotiation.yaml")
        files.append(FileChange("negotiation.yaml", text, snapshot.expected("negotiation.yaml")))
        summary.append("adds issue(s) the negotiation did not have: " + ", ".join(i.label for i in new_issues))

    usable = known_issues | {i.id for i in new_issues}
    for doc_id, document in documents.items():
        curated = _demands_in(snapshot.text(f"demands/{doc_id}.yaml"), doc_id, "curated")
        done = {(d.party, d.issue, d.quote) for d in curated}
        mine = [d for d in extraction.demands if d.document == doc_id]
        demands = [d for d in mine if (d.party, d.issue, d.evidence) not in done and d.issue in usable]
        accepted = sum(1 for d in mine if (d.party, d.issue, d.evidence) in done)
        if accepted:
            summary.append(f"{doc_id}: {accepted} suggestion(s) left out, already accepted as curated demands")
        if len(mine) - accepted - len(demands):
            summary.append(f"{doc_id}: {len(mine) - accepted - len(demands)} suggestion(s) on issues the "
                           "negotiation does not have left out")
        path = f"extracted/{doc_id}.yaml"
        header = (f"# Model-extracted demands of {_comment(document.title)}, saved {dt.date.today().isoformat()}.\n"
                  "# Suggestions only: a curator accepts them into demands/ or rejects them.\n")
        # A document documents.yaml does not know travels with its demands (the format of
        # `extract --save`); it joins documents.yaml when a curator accepts one of them.
        source: object = doc_id if doc_id in indexed else _record(document)
        body = {"document": source, "demands": [_record(d, drop=("document", "origin")) for d in demands]}
        files.append(FileChange(path, header + dump(body), snapshot.expected(path)))
        earlier = len(_demands_in(snapshot.text(path), doc_id, "extracted"))
        replaced = f", replacing {earlier} saved earlier" if snapshot.text(path) is not None else ""
        filed = "under the known document" if doc_id in indexed else "with its document"
        summary.append(f"writes {path}: {len(demands)} suggestion(s) {filed}{replaced}")
    return Change(snapshot.folder, tuple(files), tuple(summary))


def missing_issues(extraction: Extraction, negotiation: Negotiation) -> list[Issue]:
    """Issues the extracted demands refer to that the negotiation lacks (discovered ones)."""
    known = {i.id for i in negotiation.issues}
    return [i for i in extraction.issues if i.id not in known and any(d.issue == i.id for d in extraction.demands)]


def indexed_documents(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    """documents.yaml entries by id (the sources curators keep), as the snapshot read them."""
    items = _load(snapshot.text("documents.yaml"), "documents.yaml").get("documents") or []
    return {d["id"]: d for d in items if isinstance(d, dict) and isinstance(d.get("id"), str)}


def _demands_in(text: str | None, document_id: str, origin: str) -> list[Demand]:
    """The valid demands of one demands/extracted file; the folder's validation reports the rest."""
    try:
        data = _load(text, "demands")
    except InvalidChange:
        return []
    top = data.get("document", document_id)
    if isinstance(top, dict):  # the document itself, filed with its extracted demands
        top = top.get("id", document_id)
    found = []
    for item in data.get("demands") or []:
        if not isinstance(item, dict):
            continue
        try:
            found.append(Demand.model_validate({"document": top, **item, "origin": origin}))
        except ValidationError:
            continue
    return found


# ------------------------------------------------------------------------------ reviewing suggestions


@dataclasses.dataclass(frozen=True)
class Review:
    """One document's suggestions as the curator opened them."""

    document_id: str
    snapshot: Snapshot
    document: Document | None
    indexed: bool  # the document is in documents.yaml, not only filed with its suggestions
    suggestions: tuple[Demand, ...]
    taken_ids: frozenset[str]  # every demand id in the folder: a new id must be none of these


def review_paths(document_id: str) -> list[str]:
    return ["documents.yaml", f"demands/{document_id}.yaml", f"extracted/{document_id}.yaml"]


def extracted_documents(folder: Path) -> list[str]:
    """Ids of the documents with saved suggestions, by file name."""
    return sorted(p.stem for p in (Path(folder) / "extracted").glob("*.yaml"))


def open_review(folder: Path, document_id: str) -> Review:
    """Load a document's suggestions, remembering each file's hash for the save."""
    snapshot = take_snapshot(Path(folder), review_paths(document_id))
    extracted = snapshot.text(f"extracted/{document_id}.yaml")
    suggestions = _demands_in(extracted, document_id, "extracted")
    record = indexed_documents(snapshot).get(document_id)
    indexed = record is not None
    if record is None:
        inline = _load(extracted, "extracted").get("document")
        record = inline if isinstance(inline, dict) else None
    document = None
    if record is not None:
        with contextlib.suppress(ValidationError):
            document = Document.model_validate(record)
    loaded = load_folder(folder)
    taken = {d.id for d in loaded.negotiation.demands} if loaded.negotiation else set()
    taken |= {d.id for d in suggestions}
    taken |= {d.id for d in _demands_in(snapshot.text(f"demands/{document_id}.yaml"), document_id, "curated")}
    return Review(document_id, snapshot, document, indexed, tuple(suggestions), frozenset(taken))


@dataclasses.dataclass(frozen=True)
class Edit:
    """The curator's version of a suggestion; None keeps what the model suggested."""

    text: str | None = None
    issue: str | None = None
    stance: int | None = None
    condition: str | None = None  # "" removes the suggested condition
    certainty: Certainty = DEFAULT_CERTAINTY


def suggestion(review: Review, suggestion_id: str) -> Demand:
    for demand in review.suggestions:
        if demand.id == suggestion_id:
            return demand
    raise InvalidChange([f"suggestion {suggestion_id!r} is no longer in extracted/{review.document_id}.yaml"])


def curated_demand(review: Review, suggested: Demand, edit: Edit) -> Demand:
    """The curated demand an accepted suggestion becomes (a new id, the evidence as quote)."""
    base = re.sub(r"-x(\d+)$", r"-c\1", suggested.id)
    if base == suggested.id:
        base = f"{suggested.id}-c"
    new_id, n = base, 1
    while new_id in review.taken_ids:
        n += 1
        new_id = f"{base}-{n}"
    condition = suggested.condition if edit.condition is None else (edit.condition.strip() or None)
    values = {
        "id": new_id, "party": suggested.party, "document": suggested.document,
        "issue": edit.issue or suggested.issue,
        "stance": suggested.stance if edit.stance is None else edit.stance,
        "condition": condition,
        "text": (edit.text if edit.text is not None else suggested.text).strip(),
        "quote": suggested.evidence, "certainty": edit.certainty,
    }
    edited = any(values[k] != getattr(suggested, k) for k in ("issue", "stance", "condition", "text"))
    values["note"] = (f"accepted from model suggestion {suggested.id} ({suggested.model}, confidence "
                      f"{suggested.confidence:.2f}){', edited by the curator' if edited else ''}")
    try:
        return Demand.model_validate(values)
    except ValidationError as exc:
        raise InvalidChange([f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from exc


def accept(review: Review, suggestion_id: str, edit: Edit = Edit(), url: str | None = None) -> Change:
    """Accept a suggestion into demands/<doc-id>.yaml and take it out of extracted/<doc-id>.yaml.

    url: the document's source, required when documents.yaml has none for it.
    """
    suggested = suggestion(review, suggestion_id)
    document = review.document
    if document is None:
        raise InvalidChange([f"document {review.document_id!r} is unknown; save the extraction again"])
    snapshot, files, summary = review.snapshot, [], []
    url = (url or "").strip() or document.url
    if not url:
        raise InvalidChange([f"a curated demand needs its source: give the url of {document.title!r}"])
    try:
        Document.model_validate({**document.model_dump(), "url": url})
    except ValidationError as exc:
        raise InvalidChange([e["msg"].removeprefix("Value error, ") for e in exc.errors()]) from exc
    old = snapshot.text("documents.yaml")
    if not review.indexed:
        # A curated demand's source belongs with the curated sources; documents.yaml wins over
        # the copy filed with the suggestions.
        record = _record(document.model_copy(update={"url": url}))
        text = _list_added(old, "documents", [record], {},
                           "# Sources of the demands (one demands/<id>.yaml file per document).\n", "documents.yaml")
        files.append(FileChange("documents.yaml", text, snapshot.expected("documents.yaml")))
        summary.append(f"adds document {document.id!r} to documents.yaml")
    elif not document.url:
        data = _load(old, "documents.yaml")
        data["documents"] = [{**d, "url": url} if isinstance(d, dict) and d.get("id") == document.id else d
                             for d in data.get("documents") or []]
        text = _rewrite(old, data, _with_field(old or "", "documents", document.id, "url", url))
        files.append(FileChange("documents.yaml", text, snapshot.expected("documents.yaml")))
        summary.append(f"sets the url of {document.id!r} in documents.yaml")

    demand = curated_demand(review, suggested, edit)
    path = f"demands/{review.document_id}.yaml"
    old = snapshot.text(path)
    top = _load(old, path).get("document")
    drop = ("document",) if old is None or top == review.document_id else ()
    header = (f"# Curated demands of {_comment(document.title)}: accepted from model suggestions.\n"
              "# Every stance refers to the issue's motion: -2 strongly against ... +2 strongly for.\n")
    text = _list_added(old, "demands", [_record(demand, drop=drop)], {"document": review.document_id}, header, path)
    files.append(FileChange(path, text, snapshot.expected(path)))
    summary.append(f"adds curated demand {demand.id!r} to {path}")
    files.append(_without(review, suggestion_id))
    summary.append(f"removes suggestion {suggestion_id!r} from extracted/{review.document_id}.yaml")
    return Change(snapshot.folder, tuple(files), tuple(summary))


def reject(review: Review, suggestion_id: str) -> Change:
    """Remove a suggestion from extracted/<doc-id>.yaml."""
    suggestion(review, suggestion_id)
    path = f"extracted/{review.document_id}.yaml"
    return Change(review.snapshot.folder, (_without(review, suggestion_id),),
                  (f"removes suggestion {suggestion_id!r} from {path}",))


def _without(review: Review, suggestion_id: str) -> FileChange:
    path = f"extracted/{review.document_id}.yaml"
    old = review.snapshot.text(path)
    data = _load(old, path)
    data["demands"] = [d for d in data.get("demands") or [] if not (isinstance(d, dict) and d.get("id") == suggestion_id)]
    return FileChange(path, _rewrite(old, data), review.snapshot.expected(path))
