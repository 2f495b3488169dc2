"""Sources table and spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest

from positions.compare import Selection, compare
from positions.export import filter_rows, neutralise, sources_table, to_csv
from positions.store import load_negotiation


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_formula_cells_are_neutralised(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["ceasefire", " =1", "", "a=b", 3, -2, 0.5, None, dt.date(2025, 6, 4)])
def test_other_cells_pass_unchanged(cell: object) -> None:
    assert neutralise(cell) == cell


def test_csv_neutralises_text_but_keeps_numbers() -> None:
    table = pd.DataFrame({"text": ["=cmd|' /C calc'!A0", "plain", "-lift sanctions"], "stance": [-2, 1, -1]})
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[0] == ["text", "stance"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "-2"]
    assert rows[2] == ["plain", "1"]
    assert rows[3] == ["'-lift sanctions", "-1"]


def test_sources_table_of_the_bundled_data() -> None:
    result = load_negotiation("russia-ukraine")
    assert result.negotiation is not None
    comparison = compare(result.negotiation, Selection(parties=("russia", "ukraine")))
    table = sources_table(comparison)
    assert len(table) == len(comparison.demands) > 0
    assert table["url"].str.startswith("http").all()
    assert table["in_effect"].any()
    assert list(table["date"]) == sorted(table["date"], reverse=True)
    ceasefire = filter_rows(table, "CEASEFIRE")
    assert 0 < len(ceasefire) < len(table)
    assert filter_rows(table, "(") is not None  # a literal, never a regular expression
    assert len(filter_rows(table, "  ")) == len(table)
