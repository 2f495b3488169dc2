"""Split normalised text into units (sentences, list items, transcript turns) with character offsets.

A unit is what one demand's evidence can be: `text[unit.start:unit.end] == unit.text` always holds.
Layout matters as much as punctuation in the documents this reads:

- a numbered point ("1.", "2)", "(c)") or bullet is its own unit even without a full stop, and
  its marker is kept aside (memoranda attribute every point to their author);
- a transcript line "KELL: ..." records the speaker label and excludes it from the unit;
  the label carries over to the following paragraphs until the next label;
- hard-wrapped lines (PDF text, e-mail) are joined back into sentences;
- inside a paragraph, pysbd decides, which keeps "U.S.", "Gen.", "Jan." and a quotation running
  into its attribution ("..., he said.") in one sentence.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from functools import lru_cache

# "1." "2)" "(3)" "a)" "(iv)" or a bullet, then a space. Years ("2025.") are too long to match.
_MARKER = re.compile(r"(?:\(?(?:\d{1,3}|[a-z]|[ivx]{1,4})[.)]|[-*•–·▪])[ \t]+(?=\S)")
# "KELL:", "PRESIDENT KELL:", "Q:", "MR. SMITH:", or a capitalised name "Kell:" / "Anna Berg:".
_SPEAKER = re.compile(
    r"(?P<label>(?:[A-Z][A-Z.'’-]*(?: [A-Z][A-Z.'’-]*){0,3})|(?:[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){0,2}))"
    r"(?: \([^)\n]{1,40}\))?:[ \t]+(?=\S)")
_HEADING = re.compile(r"#{1,6}[ \t]+")
_TERMINAL = re.compile(r"[.!?:;\"”’)\]]$")
_WRAP_WIDTH = 60  # a line shorter than this without final punctuation is a heading, not a wrap
_HEADLINE_WIDTH = 160  # the same for a document's first line, which is often a headline


@dataclasses.dataclass(frozen=True)
class Sentence:
    """One unit of text, located by offsets into the normalised document text."""

    start: int
    end: int
    text: str
    paragraph: int  # index of the paragraph (block) it belongs to
    marker: str | None = None  # list marker of the point this unit belongs to ("1.", "-")
    speaker: str | None = None  # transcript speaker label in force ("KELL", "Q")
    heading: bool = False  # a title or heading line, never a demand by itself
    first_in_paragraph: bool = False


@dataclasses.dataclass(frozen=True)
class _Block:
    start: int
    end: int
    marker: str | None
    speaker: str | None  # label written at the start of this block, if any
    heading: bool


def split_sentences(text: str) -> list[Sentence]:
    """Every unit of the text, in order, each with exact offsets."""
    blocks = list(_blocks(text))
    cuts = _sentence_cuts(text, blocks)
    units: list[Sentence] = []
    speaker: str | None = None
    for number, block in enumerate(blocks):
        if block.speaker is not None:
            speaker = block.speaker
        elif block.heading:
            speaker = None  # a new section of a transcript starts without a speaker
        spans = [(block.start, block.end)] if block.heading else _spans_in(text, block, cuts)
        for index, (start, end) in enumerate(spans):
            # "**Prisoners.** The release of ...": the sentence after a bold label starts after its closing "**".
            closing = re.match(r"\*\*\s+(?=\S)", text[start:end])
            start += closing.end() if closing else 0
            units.append(Sentence(
                start, end, text[start:end], number,
                marker=block.marker, speaker=speaker, heading=block.heading, first_in_paragraph=index == 0,
            ))
    return units


def _lines(text: str) -> Iterator[tuple[int, int]]:
    start = 0
    for match in re.finditer(r"\n", text):
        yield start, match.start()
        start = match.end()
    yield start, len(text)


def _blocks(text: str) -> Iterator[_Block]:
    """Paragraphs, list items, speaker turns and headings, with markers and labels cut off."""
    pending: list[tuple[int, int]] = []  # lines of the block being built
    head: dict[str, object] = {}
    seen: list[int] = []  # blocks already closed: the first one may be a long headline

    def close() -> Iterator[_Block]:
        if pending:
            start, end = pending[0][0], pending[-1][1]
            # A lone short line without final punctuation ("Short heading") is a title.
            heading = bool(head.get("heading")) or (
                len(pending) == 1 and not head and _is_title(text[start:end], first=not seen))
            seen.append(start)
            yield _Block(start, end, head.get("marker"), head.get("speaker"), heading)  # type: ignore[arg-type]
        pending.clear()
        head.clear()

    for line_start, line_end in _lines(text):
        line = text[line_start:line_end]
        stripped = line.strip()
        if not stripped:
            yield from close()
            continue
        offset = line_start + (len(line) - len(line.lstrip()))
        body = text[offset:line_end]
        found: dict[str, object] = {}
        if match := _HEADING.match(body):
            found["heading"] = True
        elif match := _MARKER.match(body):
            found["marker"] = match.group(0).strip()
        elif (match := _SPEAKER.match(body)) and _is_label(match.group("label")):
            found["speaker"] = match.group("label")
        if found:
            yield from close()
            offset += match.end()
            head.update(found)
        elif pending and not stripped[0].islower():  # a line starting in lower case always continues
            previous = text[pending[-1][0]:pending[-1][1]]
            if not _continues(previous) or (_is_title(stripped) and _TERMINAL.search(previous)):
                yield from close()
        end = line_end - (len(line) - len(line.rstrip()))
        if offset < end:
            pending.append((offset, end))
        if found.get("heading"):
            yield from close()
    yield from close()


def _is_label(label: str) -> bool:
    # "Note:", "Update:", "Source:" open commentary, not a speaker's turn.
    return label.casefold() not in {"note", "update", "source", "editor's note", "correction", "photo", "read more",
                                    "related", "see also", "background", "summary", "context", "watch"}


def _is_title(line: str, *, first: bool = False) -> bool:
    """A short line without final punctuation; the document's first line may be a long headline
    ("Russia and Ukraine agree new prisoner swap in Istanbul but stay far apart on ceasefire"):
    a summary of the report, whose body states each position again with its holder."""
    width = _HEADLINE_WIDTH if first else _WRAP_WIDTH
    return len(line) < width and not _TERMINAL.search(line.rstrip()) and not line.rstrip().endswith(",")


def _continues(previous_line: str) -> bool:
    """Whether the next line continues the previous one (a hard wrap) rather than starting anew."""
    line = previous_line.rstrip()
    if _TERMINAL.search(line):
        return True  # pysbd decides whether the sentence ends there ("the U.S.\nsaid" does not)
    return len(line) >= _WRAP_WIDTH or line.endswith((",", "-", "–", "—"))


@lru_cache(maxsize=1)
def _segmenter():  # noqa: ANN202 - pysbd has no type hints
    import pysbd

    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def _sentence_cuts(text: str, blocks: list[_Block]) -> list[int]:
    """Offsets where pysbd ends a sentence, from ONE pass over the whole document.

    pysbd costs milliseconds per call whatever the length, so it reads a same-length copy of the
    text in which every block is one line (hard wraps become spaces) and everything outside the
    blocks (list markers, speaker labels) is blank. Its pieces are located by a forward search:
    its own char_span mislocates a sentence that occurs twice.
    """
    chars = [" "] * len(text)
    for block in blocks:
        chars[block.start:block.end] = text[block.start:block.end].replace("\n", " ")
        if block.end < len(text):
            chars[block.end] = "\n"
    masked = "".join(chars)
    cuts: list[int] = []
    cursor = 0
    for piece in _segmenter().segment(masked):
        piece = piece.strip()
        if not piece:
            continue
        found = masked.find(piece, cursor)
        if found < 0:
            continue  # pysbd altered this piece; the block boundaries still hold
        cursor = found + len(piece)
        cuts.append(cursor)
    return cuts


def _spans_in(text: str, block: _Block, cuts: list[int]) -> list[tuple[int, int]]:
    """The sentences of one block: its text cut at pysbd's sentence ends, whitespace trimmed."""
    edges = [block.start] + [c for c in cuts if block.start < c < block.end] + [block.end]
    spans = []
    for start, end in zip(edges, edges[1:]):
        piece = text[start:end]
        left = len(piece) - len(piece.lstrip())
        right = len(piece.rstrip())
        if right > left:
            spans.append((start + left, start + right))
    return _merge_fragments(text, spans)


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join pieces pysbd cut too eagerly: a lower-case continuation ("in 2024.") or a lone closing quote."""
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        piece = text[start:end]
        if merged and (piece[:1].islower() or re.fullmatch(r"[\"”’)\]]+", piece)):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
