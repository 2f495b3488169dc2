"""Editing in the app: the sidebar box that unlocks it, saving a change, and reviewing suggestions.

The app is read-only unless this session typed the server's editing passphrase
(positions/access.py). Without that, no editing control is drawn at all, whatever the URL says:
the unlock lives only in st.session_state, which a link cannot set.

A save is refused, never forced, when a file changed on disk since the editor loaded it: the
editor's change stays in st.session_state, is shown, and can be downloaded, and a reload shows
the other version. The rules for what a save writes live in positions/curation.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from components.scorecard import stance_words
from components.text import md, md_link
from positions import curation
from positions.access import Access, access, configured_passphrase, passphrase_matches, unlock_token
from positions.schema import Demand, Negotiation
from positions.store import StaleWriteError

TOKEN_KEY = "_positions_edit_token"  # session_state only, never the URL
FLASH_KEY = "_positions_flash"
CERTAINTY_HELP = ("partial: you saw the quoted sentence (the default); verified: you read it in the source "
                  "itself; unverified: from memory or a secondary report.")


# ------------------------------------------------------------------------------ access


def _secrets() -> Mapping[str, object] | None:
    """st.secrets, or None when there is no usable secrets.toml (which must not break the app)."""
    try:
        if not st.secrets.load_if_toml_exists():
            return None
        return {key: st.secrets.get(key) for key in st.secrets}
    except Exception:  # noqa: BLE001 - a broken secrets file only means editing stays off
        return None


def editing_box() -> Access:
    """The sidebar "Editing" box; returns what this session may do."""
    configured = configured_passphrase(os.environ, _secrets())
    bar = st.sidebar
    bar.header("Editing")
    if configured is None:
        st.session_state.pop(TOKEN_KEY, None)
        bar.caption("Read-only: this server has no editing passphrase, so nothing can be changed here.")
        return access(None, None)
    if access(configured, st.session_state.get(TOKEN_KEY)).can_edit:
        bar.success("Editing is unlocked for this session.", icon=":material/lock_open:")
        if bar.button("Lock editing", key="edit-lock"):
            st.session_state.pop(TOKEN_KEY, None)
            st.rerun()
        return access(configured, st.session_state.get(TOKEN_KEY))
    with bar.form("edit-unlock", clear_on_submit=True, border=False):
        typed = st.text_input("Editing passphrase", type="password", key="edit-passphrase",
                              help="Saving extracted lists and accepting suggestions need it; reading does not.")
        submitted = st.form_submit_button("Unlock editing")
    if submitted:
        if passphrase_matches(configured, typed):
            st.session_state[TOKEN_KEY] = unlock_token(configured)
            st.rerun()  # redraw every panel with its editing controls
        bar.error("Wrong passphrase; still read-only.")
    return access(configured, st.session_state.get(TOKEN_KEY))


# ------------------------------------------------------------------------------ saving


def flash(message: str, where: str) -> None:
    """A success message that survives the rerun after a save, shown by show_flash(where)."""
    st.session_state[f"{FLASH_KEY}:{where}"] = message


def show_flash(where: str) -> None:
    message = st.session_state.pop(f"{FLASH_KEY}:{where}", None)
    if message:
        st.success(md(message), icon=":material/check_circle:")


def save(change: curation.Change, key: str) -> bool:
    """Apply a change; on refusal say why and keep it under `key` for the editor. True if saved."""
    try:
        curation.apply(change)
    except StaleWriteError as exc:
        st.session_state[key] = {"change": change, "reason": str(exc)}
        return False
    except curation.InvalidChange as exc:
        st.error("Not saved: the data would no longer validate.\n" + "\n".join(f"- {md(r)}" for r in exc.reasons))
        return False
    except OSError as exc:
        st.error(f"Not saved: the file could not be written ({md(exc.strerror or exc)}).")
        return False
    st.session_state.pop(key, None)
    return True


def pending(key: str) -> bool:
    """Show a change refused as stale, with a download of each file as the editor would have it.

    True while there is one: the caller offers a reload instead of the save.
    """
    held = st.session_state.get(key)
    if not held:
        return False
    change: curation.Change = held["change"]
    st.error(f"Not saved: {md(held['reason'])}", icon=":material/sync_problem:")
    st.markdown("Your change, kept until you reload:\n" + "\n".join(f"- {md(line)}" for line in change.summary))
    for number, file in enumerate(change.files):
        st.download_button(
            f"Download your version of {file.path}", data=file.text, file_name=Path(file.path).name,
            mime="text/yaml", key=f"{key}:download:{number}", on_click="ignore", icon=":material/download:",
        )
    return True


# ------------------------------------------------------------------------------ evidence


def evidence_markdown(demand: Demand) -> str:
    """The evidence sentence, escaped, with the demand's own words highlighted where they occur."""
    evidence = demand.evidence or demand.quote or ""
    span = curation.highlight(evidence, demand.text)
    if span is None:
        return f"“{md(evidence)}”"
    before, inner, after = evidence[: span[0]], evidence[span[0]: span[1]], evidence[span[1]:]
    # md() trims, so the spaces around the highlight are put back by hand.
    left = md(before) + (" " if before[-1:].isspace() else "")
    right = (" " if after[:1].isspace() else "") + md(after)
    return f"“{left}:orange-background[{md(inner)}]{right}”"


def demand_lines(demand: Demand, issue_label: str, party_name: str | None = None) -> str:
    """Who, which issue, which way, on what condition, how sure, and the evidence."""
    head = f"**{md(party_name)}** · " if party_name else ""
    line = f"{head}**{md(issue_label)}** · {stance_words(demand.stance)}"
    if demand.confidence is not None:
        line += f" · confidence {demand.confidence:.2f}"
    text = f"{line}  \n{md(demand.text)}"
    if demand.condition:
        text += f"  \n*if:* {md(demand.condition)}"
    return text + f"  \n{evidence_markdown(demand)}"


# ------------------------------------------------------------------------------ review


def review_panel(folder: Path, negotiation: Negotiation, document_id: str, can_edit: bool) -> None:
    """A document's saved suggestions; with editing unlocked, accept (edited) or reject each."""
    key = f"review:{negotiation.slug}:{document_id}"
    if not can_edit:
        review = curation.open_review(folder, document_id)  # a reader always sees the current files
    else:
        review = st.session_state.get(f"{key}:review")
        if review is None:
            review = st.session_state[f"{key}:review"] = curation.open_review(folder, document_id)
    show_flash("review")
    if can_edit and pending(f"{key}:pending"):
        if st.button("Reload from disk (your form entries stay)", key=f"{key}:reload", icon=":material/refresh:"):
            st.session_state.pop(f"{key}:pending", None)
            st.session_state.pop(f"{key}:review", None)
            st.rerun()
        return

    document = review.document
    if document is not None:
        source = md_link(document.url, document.url) if document.url else "no source url yet"
        st.caption(f"{md(document.title)} · {document.date.isoformat()} · {source}")
    if not review.suggestions:
        st.info("No suggestions left for this document: every one was accepted or rejected.")
        return
    issues = {i.id: i for i in negotiation.issues}
    parties = {p.id: p.name for p in negotiation.parties}
    st.caption(f"{len(review.suggestions)} suggestion(s) by {md(review.suggestions[0].model or 'the model')}. "
               "Highlighted: the words the demand was read from.")
    for demand in review.suggestions:
        label = issues[demand.issue].label if demand.issue in issues else demand.issue
        with st.container(border=True):
            st.markdown(demand_lines(demand, label, parties.get(demand.party, demand.party)))
            if can_edit:
                _decide(review, demand, negotiation, key)


def _decide(review: curation.Review, demand: Demand, negotiation: Negotiation, key: str) -> None:
    """The accept form (with edits) and the reject button of one suggestion."""
    issues = {i.id: i.label for i in negotiation.issues}
    needs_url = review.document is not None and not review.document.url
    form_key = f"{key}:{demand.id}"
    with st.expander("Edit and accept, or reject"):
        with st.form(f"{form_key}:form", border=False):
            text = st.text_area("Demand", value=demand.text, key=f"{form_key}:text")
            issue = st.selectbox("Issue", list(issues), index=list(issues).index(demand.issue) if demand.issue in issues else 0,
                                 format_func=issues.get, key=f"{form_key}:issue")
            stance = st.select_slider("Stance on the motion", options=[-2, -1, 0, 1, 2], value=demand.stance,
                                      format_func=stance_words, key=f"{form_key}:stance")
            condition = st.text_input("Condition (empty: none)", value=demand.condition or "", key=f"{form_key}:condition")
            certainty = st.radio("Certainty", ["partial", "verified", "unverified"], horizontal=True,
                                 key=f"{form_key}:certainty", help=CERTAINTY_HELP)
            url = st.text_input("Source url of the document (needed once)", key=f"{form_key}:url",
                                placeholder="https://…") if needs_url else None
            accepted = st.form_submit_button("Accept", type="primary", icon=":material/check:")
        rejected = st.button("Reject", key=f"{form_key}:reject", icon=":material/close:")
    if not (accepted or rejected):
        return
    try:
        if accepted:
            edit = curation.Edit(text=text, issue=issue, stance=int(stance), condition=condition,
                                 certainty=certainty)  # type: ignore[arg-type]
            change = curation.accept(review, demand.id, edit, url=url)
        else:
            change = curation.reject(review, demand.id)
    except curation.InvalidChange as exc:
        st.error("Not saved:\n" + "\n".join(f"- {md(r)}" for r in exc.reasons))
        return
    if save(change, f"{key}:pending"):
        st.session_state.pop(f"{key}:review", None)  # reopen from disk: it now holds this change
        flash(("Accepted" if accepted else "Rejected") + f" {demand.id}: " + "; ".join(change.summary) + ".", "review")
        st.rerun()
    if f"{key}:pending" in st.session_state:
        st.rerun()  # draw the refusal at the top, in place of the stale list
