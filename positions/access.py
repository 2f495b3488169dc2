"""Who may change the data: nobody, unless an editing passphrase is configured and typed.

A shared link must never be a way to change data, so the app is read-only by default. Editing
(saving extracted lists, accepting or rejecting suggestions) needs both:

- a passphrase configured on the server: env POSITIONS_EDIT_PASSPHRASE, or `edit_passphrase`
  in .streamlit/secrets.toml (the environment wins);
- the same passphrase typed in this browser session.

The session keeps only a fingerprint of the passphrase it was unlocked with (never the URL,
never the passphrase), so rotating the passphrase locks every open session.

Pure functions: the Streamlit side (sidebar box, session state, st.secrets) is
components/curation.py.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Mapping

PASSPHRASE_ENV = "POSITIONS_EDIT_PASSPHRASE"
SECRET_KEY = "edit_passphrase"


@dataclasses.dataclass(frozen=True)
class Access:
    """What this session may do."""

    configured: bool  # the server has an editing passphrase
    unlocked: bool  # this session typed it

    @property
    def can_edit(self) -> bool:
        return self.configured and self.unlocked


def configured_passphrase(environ: Mapping[str, str], secrets: Mapping[str, object] | None = None) -> str | None:
    """The editing passphrase of this server, or None when editing is not configured.

    Blank values count as unset: an empty passphrase would let anyone in.
    """
    candidates: list[object] = [environ.get(PASSPHRASE_ENV)]
    if secrets is not None:
        candidates.append(secrets.get(SECRET_KEY))
    for value in candidates:
        if isinstance(value, str) and value.strip():
            return value
    return None


def passphrase_matches(configured: str | None, typed: str | None) -> bool:
    """True when editing is configured and `typed` is its passphrase (constant-time comparison)."""
    if not configured or not typed:
        return False
    return hmac.compare_digest(configured.encode("utf-8"), typed.encode("utf-8"))


def unlock_token(configured: str) -> str:
    """What a session stores once unlocked: a fingerprint that changes with the passphrase."""
    return hashlib.sha256(b"positions-edit\0" + configured.encode("utf-8")).hexdigest()


def access(configured: str | None, token: object) -> Access:
    """The access of a session holding `token` (None or anything else: locked)."""
    unlocked = bool(configured) and isinstance(token, str) and hmac.compare_digest(
        token.encode("utf-8"), unlock_token(configured).encode("utf-8"))  # type: ignore[arg-type]
    return Access(configured=configured is not None, unlocked=unlocked)
