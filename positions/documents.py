"""Read a document (plain text, Markdown, HTML, PDF) into one normalised text.

Every offset the pipeline reports (evidence_start/evidence_end) points into `SourceText.text`,
so this is the single place that decides what "the text of a document" is. Anything that cannot
honestly be read as text is refused with `UnreadableDocument` and a reason a person can act on,
rather than producing an empty or garbled demand list.

Encoding rule: UTF-8, with or without a byte-order mark. An HTML file may declare another charset
in a <meta> tag and is decoded with it. Everything else is refused (guessing Windows-1252 or
KOI8-R would silently turn names into mojibake, and names are what attribution runs on).
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import re
import unicodedata
from pathlib import Path
from typing import Literal

MAX_BYTES = 10 * 1024 * 1024  # 10 MB: a long report is ~1 MB; PDFs with images are the big ones
MAX_CHARS = 2_000_000  # ~300,000 words, ~20,000 sentences: minutes of encoding, still an answer
_SNIFF = 8192

Format = Literal["text", "markdown", "html", "pdf"]
_SUFFIXES: dict[str, Format] = {
    ".txt": "text", ".text": "text", ".md": "markdown", ".markdown": "markdown",
    ".html": "html", ".htm": "html", ".xhtml": "html", ".pdf": "pdf",
}


class UnreadableDocument(ValueError):
    """The document cannot be read as text; the message says why and what to do about it."""


@dataclasses.dataclass(frozen=True)
class SourceText:
    """A document's normalised text plus what was learnt reading it."""

    name: str  # file name as given (no directories)
    format: Format
    text: str  # normalised: \n line ends, no BOM; HTML/PDF reduced to paragraphs
    title: str | None  # HTML <title> or first Markdown heading, when there is one
    sha256: str  # of the raw bytes: identifies the exact file that was read

    @property
    def id(self) -> str:
        """A document id valid in the schema, from the file name."""
        return document_id(self.name)


def document_id(filename: str) -> str:
    """Schema-valid id from a file name: lower-case stem, other characters turned into '-'."""
    stem = Path(filename).name
    for suffix in _SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    slug = re.sub(r"[^a-z0-9_.-]+", "-", stem.lower()).strip("-._")
    return slug or "document"


def read_path(path: str | Path) -> SourceText:
    """Read a document from disk (size checked before the file is read)."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise  # the CLI reports a missing file as a usage error, not as an unreadable document
    except OSError as exc:
        raise UnreadableDocument(f"{path.name}: cannot read the file: {exc.strerror}") from exc
    if path.is_dir():
        raise UnreadableDocument(f"{path.name}: is a folder, not a document")
    if size > MAX_BYTES:
        raise UnreadableDocument(_too_large(path.name, size))
    return read_bytes(path.read_bytes(), path.name)


def read_bytes(data: bytes, filename: str) -> SourceText:
    """Read an uploaded document; the format comes from the content first, then the file name."""
    name = Path(filename).name or "document"
    if len(data) > MAX_BYTES:
        raise UnreadableDocument(_too_large(name, len(data)))
    if not data.strip():
        raise UnreadableDocument(f"{name}: the document is empty")
    kind = _format_of(data, name)
    if kind == "pdf":
        text, title = _pdf_text(data, name), None
    elif kind == "html":
        text, title = _html_text(data, name)
    else:
        text = _decode(data, name)
        title = _markdown_title(text) if kind == "markdown" else None
    text = normalise(text)
    if not text.strip():
        raise UnreadableDocument(f"{name}: the document has no text")
    if len(text) > MAX_CHARS:
        raise UnreadableDocument(
            f"{name}: {len(text):,} characters of text; the limit is {MAX_CHARS:,} — split the document")
    return SourceText(name, kind, text, title, hashlib.sha256(data).hexdigest())


def normalise(text: str) -> str:
    """One line-end convention, NFC, no BOM, no trailing spaces; nothing else is changed.

    Quotes, dashes and spacing inside lines are kept as written, so a quoted sentence found in
    the original file is found verbatim in the normalised text too.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def _too_large(name: str, size: int) -> str:
    return f"{name}: the file is {size / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB — split the document"


def _format_of(data: bytes, name: str) -> Format:
    head = data[:_SNIFF].lstrip().lower()
    if head.startswith(b"%pdf-"):
        return "pdf"
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        raise UnreadableDocument(f"{name}: named .pdf but it is not a PDF file (no %PDF- header)")
    if suffix in _SUFFIXES:
        return _SUFFIXES[suffix]
    if head.startswith((b"<!doctype html", b"<html")) or b"<body" in head:
        return "html"
    return "text"


def _check_text_bytes(data: bytes, name: str) -> None:
    if b"\0" in data[:_SNIFF]:
        raise UnreadableDocument(
            f"{name}: contains NUL bytes, so it is a binary file (or UTF-16 text) — "
            "supply plain text, Markdown, HTML or PDF, saved as UTF-8")


def _decode(data: bytes, name: str) -> str:
    _check_text_bytes(data, name)
    try:
        text = data.decode("utf-8-sig")  # plain UTF-8 too: the BOM is optional
    except UnicodeDecodeError as exc:
        raise UnreadableDocument(
            f"{name}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}) — "
            "save it as UTF-8 and try again") from exc
    _check_mostly_text(text, name)
    return text


def _check_mostly_text(text: str, name: str) -> None:
    sample = text[:100_000]
    # Control characters other than tab/newline/form feed do not occur in prose; many of them
    # mean a binary format that happened to decode (e.g. a .doc or a zip renamed to .txt).
    control = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f")
    if control > max(3, len(sample) // 100):
        raise UnreadableDocument(f"{name}: mostly non-text content ({control} control characters) — "
                                 "is it a word-processor or archive file? Export it as text or PDF")


# ------------------------------------------------------------------------------------- HTML

# Elements whose text is never part of the document a reader sees.
_HIDDEN = ("script", "style", "noscript", "template", "head", "svg", "iframe", "object", "form", "button")
# Elements that start a new paragraph; everything else flows inline.
_BLOCKS = frozenset(
    "p div section article main aside header footer nav h1 h2 h3 h4 h5 h6 li dd dt blockquote pre "
    "table tr td th caption figcaption ul ol dl hr address details summary".split())
_HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())


def _html_text(data: bytes, name: str) -> tuple[str, str | None]:
    from bs4 import BeautifulSoup, Comment, Tag
    from bs4.dammit import EncodingDetector

    _check_text_bytes(data, name)
    try:
        markup = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        declared = EncodingDetector.find_declared_encoding(data, is_html=True)
        try:
            markup = data.decode(declared) if declared else None
        except (LookupError, UnicodeDecodeError):
            markup = None
        if markup is None:
            raise UnreadableDocument(
                f"{name}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}) and no usable "
                "<meta charset> — save it as UTF-8") from exc
    _check_mostly_text(markup, name)
    soup = BeautifulSoup(markup, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    for hidden in soup.find_all(_HIDDEN):
        hidden.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()

    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        line = re.sub(r"\s+", " ", "".join(current)).strip()
        if line:
            paragraphs.append(line)
        current.clear()

    def walk(node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                tag = child.name.lower()
                if tag == "br":
                    flush()
                elif tag in _BLOCKS:
                    flush()
                    if tag == "li" and child.parent is not None and child.parent.name == "ol":
                        # Keep the numbering a reader sees: numbered points drive memorandum attribution.
                        number = 1 + sum(1 for s in child.find_previous_siblings("li"))
                        current.append(f"{number}. ")
                    elif tag == "li":
                        current.append("- ")  # a bullet is a point of its own too
                    elif tag in _HEADINGS:
                        current.append("#" * int(tag[1]) + " ")
                    walk(child)
                    flush()
                else:
                    walk(child)
            else:
                current.append(str(child))

    walk(soup.body or soup)
    flush()
    return "\n\n".join(paragraphs), title


# ---------------------------------------------------------------------------------- Markdown


def _markdown_title(text: str) -> str | None:
    match = re.search(r"^#{1,3}\s+(.+?)\s*#*\s*$", text, flags=re.MULTILINE)
    return match.group(1) if match else None


# --------------------------------------------------------------------------------------- PDF


def _pdf_text(data: bytes, name: str) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf logs its repair attempts ("EOF marker not found") to stderr; the refusal below says it once.
    logging.getLogger("pypdf").setLevel(logging.ERROR)

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(f"{name}: the PDF is password-protected — remove the password first")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        # pypdf signals malformed files with a spread of exception types; all mean the same here.
        raise UnreadableDocument(f"{name}: this PDF could not be parsed ({type(exc).__name__}: {exc})") from exc
    if not pages:
        raise UnreadableDocument(f"{name}: the PDF has no pages")
    if not any(page.strip() for page in pages):
        raise UnreadableDocument(
            f"{name}: this PDF has no text layer — it is probably a scan; run OCR first")
    return "\n\n".join(page.strip() for page in pages if page.strip())
