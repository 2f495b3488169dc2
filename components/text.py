"""Safe text for Streamlit's Markdown elements (st.markdown, st.table cells, alerts, captions).

Streamlit renders Markdown plus its own directives (`:red[...]`, `:material/icon:`, `$math$`),
so data text such as `**bold**`, `[link](javascript:...)` or `<img onerror=...>` must be escaped
to display literally. CommonMark lets a backslash escape any ASCII punctuation, and escaping
all of it is simpler to trust than picking the dangerous few.
"""

from __future__ import annotations

import re
import string

_PUNCTUATION = re.compile("([" + re.escape(string.punctuation) + "])")
_SPACE = re.compile(r"\s+")


def md(text: object, limit: int | None = None) -> str:
    """Data text as Markdown that renders literally, on one line, optionally shortened."""
    plain = _SPACE.sub(" ", str(text)).strip()
    if limit is not None and len(plain) > limit:
        plain = plain[: limit - 1].rstrip() + "…"
    return _PUNCTUATION.sub(r"\\\1", plain)


def md_link(label: object, url: str | None) -> str:
    """A Markdown link with an escaped label; only http(s) targets, anything else shows as text."""
    if not url or not re.match(r"^https?://[^\s()<>]+$", url):
        return md(label)
    return f"[{md(label)}]({url})"
