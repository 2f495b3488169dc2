"""One module per CLI command: add_arguments(parser) and run(args) -> exit code.

Shared here: what several commands do with a --negotiation and a --documents argument.
"""

from __future__ import annotations

from positions.schema import Negotiation
from positions.store import LoadResult, load_negotiation


def load_valid(slug: str) -> LoadResult:
    """A negotiation that loaded without errors; a ValueError (one line on the CLI) otherwise."""
    result = load_negotiation(slug)
    if result.negotiation is None or result.errors:
        raise ValueError("the negotiation does not validate; run `python -m positions validate` for details")
    return result


def document_ids(negotiation: Negotiation, text: str | None) -> tuple[str, ...] | None:
    """Ids from a comma-separated --documents value, in order; None when absent. Unknown ids are refused."""
    ids = tuple(dict.fromkeys(d.strip() for d in (text or "").split(",") if d.strip())) or None
    unknown = set(ids or ()) - set(negotiation.documents_by_id())
    if unknown:
        raise ValueError(f"unknown document(s): {', '.join(sorted(unknown))}")
    return ids
