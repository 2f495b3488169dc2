"""Sources: every statement in the selection with its document, filterable and downloadable."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from positions.export import filter_rows, to_csv

# Who, what and where first; bookkeeping columns at the right.
ORDER = ("date", "party", "issue", "stance", "text", "condition", "document", "publisher", "url",
         "in_effect", "origin", "confidence", "certainty")
COLUMNS = {
    "party": st.column_config.TextColumn("Party"),
    "issue": st.column_config.TextColumn("Issue"),
    "stance": st.column_config.NumberColumn("Stance", help="−2 strongly against … +2 strongly for the motion", format="%+d"),
    "in_effect": st.column_config.CheckboxColumn("Current", help="Part of the party's current position; unticked = superseded by a later statement"),
    "text": st.column_config.TextColumn("Statement", width="large"),
    "condition": st.column_config.TextColumn("Condition"),
    "document": st.column_config.TextColumn("Document", width="medium"),
    "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
    "publisher": st.column_config.TextColumn("Publisher"),
    "url": st.column_config.LinkColumn("Link", display_text="open ↗"),
    "origin": st.column_config.TextColumn("Origin"),
    "confidence": st.column_config.NumberColumn("Confidence", format="%.2f"),
    "certainty": st.column_config.TextColumn("Certainty"),
    "demand_id": None,
    "document_id": None,
}


def show(table: pd.DataFrame, filter_text: str, file_stem: str) -> None:
    rows = filter_rows(table, filter_text)
    st.caption(f"{len(rows)} of {len(table)} statements" + (" match the filter" if filter_text.strip() else ""))
    st.dataframe(rows, column_config=COLUMNS, column_order=ORDER, hide_index=True, height=520, key="sources-table")
    st.download_button(
        "Download these rows (CSV)", data=to_csv(rows), file_name=f"{file_stem}-sources.csv",
        mime="text/csv", icon=":material/download:", on_click="ignore",
    )
