"""Reading documents: every format into one normalised text, and clear refusals for the rest."""

from __future__ import annotations

import pytest

from positions import documents
from positions.documents import UnreadableDocument, document_id, read_bytes, read_path


def minimal_pdf(pages: list[list[str]] | None = None, *, drawing_only: bool = False) -> bytes:
    """A small valid PDF written by hand: one page per entry, each line shown with Helvetica.

    drawing_only: a page with a drawn line and no text at all, like a scan without OCR.
    """
    pages = pages or [["Nothing here."]]
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    page_ids = []
    pages_id = len(objects) + 2 * len(pages) + 1  # the Pages object comes after every page and stream
    for lines in pages:
        if drawing_only:
            stream = b"0 0 m 200 200 l S"
        else:
            shown = b" T* ".join(b"(" + line.encode("latin-1").replace(b"(", b"\\(").replace(b")", b"\\)") + b") Tj"
                                 for line in lines)
            stream = b"BT /F1 12 Tf 14 TL 72 720 Td " + shown + b" ET"
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, content, font)))
    assert add(b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % p for p in page_ids)
               + b"] /Count %d >>" % len(page_ids)) == pages_id
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    return bytes(out)


def test_plain_text_is_read_with_line_ends_normalised_and_bom_removed():
    source = read_bytes("\ufeffKyiv wants a ceasefire.\r\nMoscow refuses.  \r\n".encode("utf-8"), "wire.txt")
    assert source.text == "Kyiv wants a ceasefire.\nMoscow refuses."
    assert (source.format, source.id) == ("text", "wire")


def test_markdown_keeps_its_text_and_takes_the_first_heading_as_title():
    source = read_bytes(b"# Memorandum of Northland\n\n1. An immediate ceasefire.\n", "memo.md")
    assert source.format == "markdown"
    assert source.title == "Memorandum of Northland"
    assert "1. An immediate ceasefire." in source.text


def test_html_drops_scripts_and_styles_and_keeps_paragraphs_and_numbered_points():
    html = b"""<!doctype html><html><head><title>Statement</title><style>p {color: red}</style>
    <script>var tracking = "Kyiv demands everything";</script></head><body>
    <h1>Statement of Northland</h1><p>The talks
    resumed on <b>Monday</b>. Kell said &amp; so.</p><!-- hidden comment -->
    <ol><li>An immediate ceasefire.</li><li>Exchange of prisoners.</li></ol><ul><li>A bullet.</li></ul>
    <noscript>enable js</noscript>
    </body></html>"""
    source = read_bytes(html, "statement.html")
    assert source.format == "html" and source.title == "Statement"
    paragraphs = source.text.split("\n\n")
    assert paragraphs == ["# Statement of Northland", "The talks resumed on Monday. Kell said & so.",
                          "1. An immediate ceasefire.", "2. Exchange of prisoners.", "- A bullet."]
    assert "tracking" not in source.text and "color" not in source.text and "hidden" not in source.text


def test_html_in_a_declared_charset_is_decoded_with_it():
    html = '<html><head><meta charset="windows-1252"></head><body><p>“No ceasefire,” he said.</p></body></html>'
    source = read_bytes(html.encode("cp1252"), "page.htm")
    assert source.text == "“No ceasefire,” he said."


def test_a_pdf_text_layer_is_read_page_by_page(tmp_path):
    path = tmp_path / "memo.pdf"
    path.write_bytes(minimal_pdf([["Memorandum of the Government of Northland", "1. An immediate ceasefire."],
                                  ["2. Exchange of all prisoners."]]))
    source = read_path(path)
    assert source.format == "pdf"
    assert "Memorandum of the Government of Northland" in source.text
    assert "1. An immediate ceasefire." in source.text
    assert source.text.index("ceasefire") < source.text.index("2. Exchange of all prisoners.")


def test_a_pdf_without_text_layer_is_refused_as_a_probable_scan():
    with pytest.raises(UnreadableDocument, match="no text layer — it is probably a scan; run OCR first"):
        read_bytes(minimal_pdf(drawing_only=True), "scan.pdf")


def test_a_broken_pdf_is_refused_with_the_parser_reason():
    with pytest.raises(UnreadableDocument, match="could not be parsed"):
        read_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\ntrailer << /Root 1 0 R >>\n", "bad.pdf")


def test_a_file_named_pdf_that_is_not_one_is_refused():
    with pytest.raises(UnreadableDocument, match="not a PDF"):
        read_bytes(b"just some text", "report.pdf")


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"   \n\t\n", "empty"),
    (b"PK\x03\x04\x00\x00binary zip content", "NUL bytes"),
    ("Déclaration de Kyiv".encode("latin-1"), "not UTF-8 text"),
    (b"\x01\x02\x03\x04\x05\x06 text between control bytes \x07\x08\x0b\x0c\x0e\x0f\x10\x11", "non-text"),
    (b"<html><body><script>only()</script></body></html>", "no text"),
])
def test_unreadable_input_is_refused_with_its_reason(data, reason):
    name = "page.html" if data.startswith(b"<html") else "input.txt"
    with pytest.raises(UnreadableDocument, match=reason):
        read_bytes(data, name)


def test_too_large_input_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(documents, "MAX_BYTES", 100)
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(UnreadableDocument, match="the limit is"):
        read_path(path)
    with pytest.raises(UnreadableDocument, match="the limit is"):
        read_bytes(b"x" * 101, "big.txt")


def test_too_many_characters_are_refused(monkeypatch):
    monkeypatch.setattr(documents, "MAX_CHARS", 10)
    with pytest.raises(UnreadableDocument, match="characters of text; the limit is 10"):
        read_bytes(b"Kyiv wants a ceasefire now.", "long.txt")


def test_the_format_comes_from_the_content_before_the_name():
    assert read_bytes(minimal_pdf([["A ceasefire now."]]), "upload.bin").format == "pdf"
    assert read_bytes(b"<!DOCTYPE html><html><body><p>Hi.</p></body></html>", "upload").format == "html"


@pytest.mark.parametrize(("name", "expected"), [
    ("wire-report-2025-03-02.txt", "wire-report-2025-03-02"),
    ("Statement (final) .PDF", "statement-final"),
    ("../../etc/passwd", "passwd"),
    ("???.md", "document"),
])
def test_document_ids_are_schema_ids_from_the_file_name(name, expected):
    assert document_id(name) == expected
