"""The view state of the dashboard and its URL: the URL *is* the state (datasette's rule).

`from_query` turns query parameters into a `ViewState`, dropping anything unknown or invalid
with a notice a person can read; `to_query` turns a state back into parameters, leaving out
defaults so links stay short; `build_link` is the one place a shareable link is made.
`from_query(to_query(s)) == s` holds exactly for every valid state (tests/test_viewstate.py).

Pure functions: no Streamlit here, so all of this is tested without a browser.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from positions.compare import Selection
from positions.schema import Negotiation
from positions.store import valid_slug

PANELS: tuple[str, ...] = ("scorecard", "overlap", "diverge", "matrix", "map", "movement", "sources", "extract")
ORIGINS: tuple[str, ...] = ("curated", "extracted", "both")

MAX_KEYS = 50
MAX_VALUE_CHARS = 500
MAX_FILTER_CHARS = 200
MIN_DATE = dt.date(1900, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
_VERSION = re.compile(r"[0-9a-f]{6,64}")
_ID = re.compile(r"[a-z0-9][a-z0-9_.-]*")  # as schema._ID: an id never contains a comma

# Parameter names, in the order links write them. `negotiation` and `parties` are always written:
# they say what is compared, and a default that changes later must not change an old link.
KEYS: tuple[str, ...] = (
    "negotiation", "parties", "as_of", "documents", "origin", "min_confidence",
    "issues", "view", "pair", "filter", "review", "version",
)


@dataclasses.dataclass(frozen=True)
class NegotiationInfo:
    """What from_query needs to know about a negotiation to validate a link against it."""

    slug: str
    title: str
    parties: tuple[str, ...]
    default_parties: tuple[str, ...]
    documents: tuple[str, ...]
    issues: tuple[str, ...]
    data_version: str

    @classmethod
    def of(cls, negotiation: Negotiation, data_version: str) -> NegotiationInfo:
        """Defaults compare the first two principal parties (mediators come after)."""
        ids = tuple(p.id for p in negotiation.parties)
        principals = [p.id for p in negotiation.parties if p.role == "party"]
        defaults = tuple((principals + [i for i in ids if i not in principals])[:2])
        return cls(
            slug=negotiation.slug,
            title=negotiation.title,
            parties=ids,
            default_parties=defaults,
            documents=tuple(d.id for d in negotiation.documents),
            issues=tuple(i.id for i in negotiation.issues),
            data_version=data_version,
        )


@dataclasses.dataclass(frozen=True)
class ViewState:
    """Every control that changes what the dashboard shows.

    None means "no filter" (latest date, all documents, all issues, the first two parties as
    the pair). Construction checks shape only; from_query checks ids against the data.
    """

    negotiation: str
    parties: tuple[str, ...]
    as_of: dt.date | None = None
    documents: tuple[str, ...] | None = None
    origin: str = "curated"
    min_confidence: float = 0.0
    issues: tuple[str, ...] | None = None
    panel: str = "scorecard"
    pair: tuple[str, str] | None = None
    source_filter: str = ""
    review: str | None = None  # the document whose saved suggestions the extract view shows
    data_version: str | None = None

    def __post_init__(self) -> None:
        if not valid_slug(self.negotiation):
            raise ValueError(f"not a negotiation slug: {self.negotiation!r}")
        _check_ids("parties", self.parties, minimum=2)
        if self.documents is not None:
            _check_ids("documents", self.documents, minimum=1)
        if self.issues is not None:
            _check_ids("issues", self.issues, minimum=1)
        # datetime is a subclass of date; a time of day has no place in the URL.
        if self.as_of is not None and not (type(self.as_of) is dt.date and MIN_DATE <= self.as_of <= MAX_DATE):
            raise ValueError(f"as_of must be a date from {MIN_DATE} to {MAX_DATE}, got {self.as_of!r}")
        if self.origin not in ORIGINS:
            raise ValueError(f"origin must be one of {ORIGINS}, got {self.origin!r}")
        if self.panel not in PANELS:
            raise ValueError(f"panel must be one of {PANELS}, got {self.panel!r}")
        # Two decimals is all a slider shows; rounding here keeps the URL short and the round trip exact.
        confidence = float(self.min_confidence)
        if not (math.isfinite(confidence) and 0.0 <= confidence <= 1.0):
            raise ValueError(f"min_confidence must be within 0..1, got {self.min_confidence!r}")
        object.__setattr__(self, "min_confidence", round(confidence, 2) + 0.0)
        if self.pair is not None:
            if len(self.pair) != 2 or self.pair[0] == self.pair[1] or not set(self.pair) <= set(self.parties):
                raise ValueError(f"pair must be two different parties of {self.parties}, got {self.pair!r}")
            object.__setattr__(self, "pair", tuple(self.pair))
        problem = _filter_problem(self.source_filter)
        if problem:
            raise ValueError(f"source_filter {problem}")
        if self.review is not None and not (isinstance(self.review, str) and _ID.fullmatch(self.review)):
            raise ValueError(f"review must be a document id, got {self.review!r}")
        if self.data_version is not None and not _VERSION.fullmatch(self.data_version):
            raise ValueError(f"data_version must be a hex content hash, got {self.data_version!r}")

    @property
    def active_pair(self) -> tuple[str, str]:
        """The two parties the pairwise panels (matrix, divergence) show."""
        return self.pair or (self.parties[0], self.parties[1])

    def selection(self) -> Selection:
        """The compare.Selection this view asks for."""
        origins = {"curated": {"curated"}, "extracted": {"extracted"}, "both": {"curated", "extracted"}}
        return Selection(
            parties=self.parties,
            as_of=self.as_of,
            documents=frozenset(self.documents) if self.documents is not None else None,
            origins=frozenset(origins[self.origin]),
            min_confidence=self.min_confidence,
            issues=frozenset(self.issues) if self.issues is not None else None,
        )

    def for_negotiation(self, info: NegotiationInfo) -> ViewState:
        """This view moved to another negotiation: its ids mean nothing there, so they reset."""
        return dataclasses.replace(
            self, negotiation=info.slug, parties=info.default_parties, documents=None, issues=None,
            pair=None, review=None, data_version=None,
        )


def _check_ids(what: str, ids: object, *, minimum: int) -> None:
    if not isinstance(ids, tuple) or len(ids) < minimum:
        raise ValueError(f"{what} must be a tuple of at least {minimum} id(s), got {ids!r}")
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} must not repeat an id: {ids!r}")
    for item in ids:
        if not isinstance(item, str) or not _ID.fullmatch(item):
            raise ValueError(f"{what}: not an id: {item!r}")


def _filter_problem(text: object) -> str | None:
    if not isinstance(text, str):
        return "must be text"
    if len(text) > MAX_FILTER_CHARS:
        return f"is longer than {MAX_FILTER_CHARS} characters"
    if any(unicodedata.category(c) in ("Cc", "Cs") for c in text):
        return "contains control characters"
    return None


def clean_filter(text: str) -> str:
    """Typed filter text made acceptable to ViewState: control characters out, length capped."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cs"))
    return kept[:MAX_FILTER_CHARS]


# ------------------------------------------------------------------------------ state -> URL


def to_query(state: ViewState) -> dict[str, str]:
    """Query parameters for a state, in KEYS order; defaults are left out."""
    values: dict[str, str | None] = {
        "negotiation": state.negotiation,
        "parties": ",".join(state.parties),
        "as_of": state.as_of.isoformat() if state.as_of else None,
        "documents": ",".join(state.documents) if state.documents is not None else None,
        "origin": state.origin if state.origin != "curated" else None,
        "min_confidence": _format_confidence(state.min_confidence) if state.min_confidence else None,
        "issues": ",".join(state.issues) if state.issues is not None else None,
        "view": state.panel if state.panel != "scorecard" else None,
        "pair": ",".join(state.pair) if state.pair else None,
        "filter": state.source_filter or None,
        "review": state.review,
        "version": state.data_version,
    }
    return {key: value for key, value in values.items() if value is not None}


def _format_confidence(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def build_link(state: ViewState, base_url: str) -> str:
    """The shareable link that reopens this view; base_url's own query and fragment are replaced."""
    parts = urlsplit(base_url)
    # Commas stay readable (parties=russia,ukraine); everything else is percent-encoded.
    query = urlencode(to_query(state), quote_via=quote, safe=",")
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, ""))


# ------------------------------------------------------------------------------ URL -> state


def from_query(
    params: Mapping[str, str | list[str]],
    negotiations: Mapping[str, NegotiationInfo],
    default: str | None = None,
) -> tuple[ViewState, list[str]]:
    """The view a link asks for, and one notice per thing in it that was ignored.

    Never raises on any input: unknown keys, repeated keys, over-long or invalid values are
    dropped and reported. `negotiations` holds the negotiations that loaded; `default` is the
    slug to show when the link names none (the first one otherwise). Raises ValueError only
    when `negotiations` is empty, which is the caller's error, not the link's.
    """
    if not negotiations:
        raise ValueError("no negotiations to show")
    notices: list[str] = []
    raw = _single_values(params, notices)

    slug = default if default in negotiations else next(iter(negotiations))
    asked = raw.pop("negotiation", None)
    if asked is not None:
        if valid_slug(asked) and asked in negotiations:
            slug = asked
        else:
            notices.append(f"Unknown negotiation {_show(asked)}: showing {_show(slug)} instead.")
    info = negotiations[slug]
    fields: dict[str, object] = {"negotiation": slug, "parties": info.default_parties}

    if "parties" in raw:
        parties = _ids(raw.pop("parties"), info.parties, "party", notices)
        if len(parties) >= 2:
            fields["parties"] = parties
        else:
            notices.append(
                "A comparison needs at least two known parties: showing "
                + " and ".join(info.default_parties) + "."
            )
    for key, universe, noun in (("documents", info.documents, "document"), ("issues", info.issues, "issue")):
        if key in raw:
            ids = _ids(raw.pop(key), universe, noun, notices)
            if ids:
                fields[key] = ids
    if "as_of" in raw:
        fields["as_of"] = _date(raw.pop("as_of"), notices)
    if "origin" in raw:
        value = raw.pop("origin")
        if value in ORIGINS:
            fields["origin"] = value
        else:
            notices.append(f"Ignored origin {_show(value)}: use one of {', '.join(ORIGINS)}.")
    if "min_confidence" in raw:
        fields["min_confidence"] = _confidence(raw.pop("min_confidence"), notices)
    if "view" in raw:
        value = raw.pop("view")
        if value in PANELS:
            fields["panel"] = value
        else:
            notices.append(f"Ignored view {_show(value)}: use one of {', '.join(PANELS)}.")
    if "pair" in raw:
        fields["pair"] = _pair(raw.pop("pair"), fields["parties"], notices)  # type: ignore[arg-type]
    if "filter" in raw:
        value = raw.pop("filter")
        problem = _filter_problem(value)
        if problem:
            notices.append(f"Ignored the sources filter: it {problem}.")
        else:
            fields["source_filter"] = value
    if "review" in raw:
        value = raw.pop("review").strip().lower()
        if value in info.documents:
            fields["review"] = value
        else:
            notices.append(f"Ignored review {_show(value)}: not a document of this negotiation.")
    if "version" in raw:
        value = raw.pop("version")
        if _VERSION.fullmatch(value):
            fields["data_version"] = value
        else:
            notices.append(f"Ignored data version {_show(value)}: not a content hash.")

    fields = {k: v for k, v in fields.items() if v is not None}
    return ViewState(**fields), notices  # type: ignore[arg-type]


def _single_values(params: Mapping[str, str | list[str]], notices: list[str]) -> dict[str, str]:
    """One string per known key; everything else reported and dropped."""
    raw: dict[str, str] = {}
    unknown: list[str] = []
    items = list(params.items())
    if len(items) > MAX_KEYS:
        notices.append(f"The link has {len(items)} parameters; only the first {MAX_KEYS} were read.")
        items = items[:MAX_KEYS]
    for key, value in items:
        key = str(key)
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        if key not in KEYS:
            unknown.append(key)
        elif len(values) != 1:
            notices.append(f"Ignored {_show(key)}: it appears {len(values)} times in the link; give it once.")
        elif not isinstance(values[0], str):
            notices.append(f"Ignored {_show(key)}: its value is not text.")
        elif len(values[0]) > MAX_VALUE_CHARS:
            notices.append(f"Ignored {_show(key)}: its value is {len(values[0])} characters long (limit {MAX_VALUE_CHARS}).")
        elif values[0] == "":
            continue  # `?issues=` is what an emptied form field gives: the default, nothing to report
        else:
            raw[key] = values[0]
    if unknown:
        shown = ", ".join(_show(k) for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        notices.append(f"Ignored unknown parameter(s) {shown}{more}. Known: {', '.join(KEYS)}.")
    return raw


def _ids(value: str, universe: Iterable[str], noun: str, notices: list[str]) -> tuple[str, ...]:
    """Comma-separated ids, keeping known ones once each, in the order given."""
    known = set(universe)
    kept: list[str] = []
    for item in (part.strip().lower() for part in value.split(",")):
        if not item:
            continue
        if item not in known:
            notices.append(f"Ignored {noun} {_show(item)}: not in this negotiation.")
        elif item in kept:
            notices.append(f"Ignored {noun} {_show(item)}: listed twice.")
        else:
            kept.append(item)
    return tuple(kept)


def _date(value: str, notices: list[str]) -> dt.date | None:
    if value == "latest":
        return None
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        notices.append(f"Ignored as_of {_show(value)}: not a date like 2025-06-04; showing the latest data.")
        return None
    if not MIN_DATE <= date <= MAX_DATE:
        notices.append(f"Ignored as_of {_show(value)}: outside {MIN_DATE.year}–{MAX_DATE.year}; showing the latest data.")
        return None
    return date


def _confidence(value: str, notices: list[str]) -> float | None:
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and 0.0 <= number <= 1.0):
        notices.append(f"Ignored min_confidence {_show(value)}: use a number from 0 to 1.")
        return None
    return number


def _pair(value: str, parties: tuple[str, ...], notices: list[str]) -> tuple[str, str] | None:
    pair = tuple(part.strip().lower() for part in value.split(","))
    if len(pair) == 2 and pair[0] != pair[1] and set(pair) <= set(parties):
        return pair  # type: ignore[return-value]
    notices.append(f"Ignored pair {_show(value)}: name two different parties of the comparison, like {parties[0]},{parties[1]}.")
    return None


def _show(value: str, limit: int = 40) -> str:
    """A value quoted for a notice, shortened so a hostile link cannot flood the page.

    The limit applies to the quoted form: repr() turns a control or unprintable character into
    an escape up to ten characters long, so shortening before quoting would not bound it.
    """
    if len(quoted := repr(value)) <= limit:
        return quoted
    kept = ""
    for char in value:
        if len(repr(kept + char + "…")) > limit:
            break
        kept += char
    return repr(kept + "…")
