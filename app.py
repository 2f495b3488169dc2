"""Positions dashboard (placeholder until the dashboard lands)."""

import streamlit as st

st.set_page_config(page_title="Positions", layout="wide")
st.title("Positions")
st.write("Negotiation positions, side by side.")
