"""The URL is the state: exact round trips, and every bad parameter dropped with a notice."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from positions.store import load_negotiation
from positions.viewstate import (
    KEYS,
    MAX_KEYS,
    ORIGINS,
    PANELS,
    NegotiationInfo,
    ViewState,
    build_link,
    from_query,
    to_query,
)

RU_UA = NegotiationInfo(
    slug="russia-ukraine",
    title="Russia–Ukraine peace talks",
    parties=("russia", "ukraine", "united-states", "e3"),
    default_parties=("russia", "ukraine"),
    documents=("ru-memo-2025-06-02", "ua-memo-2025-06-02", "us-plan-2025-11-20"),
    issues=("ceasefire", "territory", "alliances", "sanctions", "prisoners"),
    data_version="0123456789ab",
)
OTHER = NegotiationInfo(
    slug="other-talks",
    title="Other talks",
    parties=("north", "south"),
    default_parties=("north", "south"),
    documents=("n-1",),
    issues=("water",),
    data_version="fedcba987654",
)
CATALOG = {RU_UA.slug: RU_UA, OTHER.slug: OTHER}


def parse(params: dict[str, str | list[str]]) -> tuple[ViewState, list[str]]:
    return from_query(params, CATALOG)


def default_state() -> ViewState:
    return ViewState(negotiation="russia-ukraine", parties=("russia", "ukraine"))


# ------------------------------------------------------------------------------ round trip


EXAMPLES = [
    default_state(),
    ViewState("russia-ukraine", ("ukraine", "russia")),
    ViewState("russia-ukraine", ("russia", "ukraine", "united-states", "e3"), pair=("e3", "russia")),
    ViewState("russia-ukraine", ("russia", "ukraine"), as_of=dt.date(2025, 6, 4), panel="diverge"),
    ViewState(
        "russia-ukraine", ("russia", "united-states"), documents=("us-plan-2025-11-20",),
        origin="both", min_confidence=0.65, issues=("prisoners", "ceasefire"), panel="sources",
        source_filter="ceasefire & 30 days, =SUM(A1)", data_version="0123456789ab",
    ),
    ViewState("russia-ukraine", ("russia", "ukraine"), origin="extracted", min_confidence=1.0),
    ViewState("russia-ukraine", ("russia", "ukraine"), source_filter="  spaces kept  ü 日本 <b>x</b>"),
    ViewState("other-talks", ("south", "north"), issues=("water",), panel="movement"),
    ViewState("russia-ukraine", ("russia", "ukraine"), panel="extract"),
    ViewState("russia-ukraine", ("russia", "ukraine"), origin="both", panel="extract", review="ua-memo-2025-06-02"),
]


@pytest.mark.parametrize("state", EXAMPLES, ids=lambda s: "-".join(to_query(s)))
def test_round_trip_is_exact(state: ViewState) -> None:
    again, notices = parse(to_query(state))
    assert notices == []
    assert again == state


@pytest.mark.parametrize("state", EXAMPLES, ids=lambda s: "-".join(to_query(s)))
def test_round_trip_through_a_built_link(state: ViewState) -> None:
    link = build_link(state, "https://positions.example/app?old=1#frag")
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("https", "positions.example", "/app", "")
    params = {k: v for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    again, notices = parse(params)
    assert notices == []
    assert again == state


@st.composite
def states(draw: st.DrawFn) -> ViewState:
    info = draw(st.sampled_from([RU_UA, OTHER]))
    parties = tuple(draw(st.permutations(info.parties))[: draw(st.integers(2, len(info.parties)))])
    ids = lambda universe: st.none() | st.lists(st.sampled_from(universe), min_size=1, unique=True).map(tuple)  # noqa: E731
    pair = draw(st.none() | st.permutations(parties).map(lambda p: (p[0], p[1])))
    return ViewState(
        negotiation=info.slug,
        parties=parties,
        as_of=draw(st.none() | st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31))),
        documents=draw(ids(info.documents)),
        origin=draw(st.sampled_from(ORIGINS)),
        min_confidence=draw(st.floats(0.0, 1.0)),
        issues=draw(ids(info.issues)),
        panel=draw(st.sampled_from(PANELS)),
        pair=pair,
        source_filter=draw(st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=200)),
        review=draw(st.none() | st.sampled_from(info.documents)),
        data_version=draw(st.none() | st.from_regex(r"\A[0-9a-f]{12}\Z")),
    )


@settings(max_examples=400, deadline=None)
@given(states())
def test_round_trip_property(state: ViewState) -> None:
    query = to_query(state)
    assert list(query) == [k for k in KEYS if k in query]  # stable order
    assert all(len(v) <= 500 for v in query.values())
    again, notices = parse(query)
    assert notices == []
    assert again == state
    assert to_query(again) == query
    # And through a real link, percent-encoding and all.
    params = parse_qs(urlsplit(build_link(state, "http://localhost:8501/")).query, keep_blank_values=True)
    assert parse(params) == (state, [])


def test_defaults_are_left_out_of_links() -> None:
    assert to_query(default_state()) == {"negotiation": "russia-ukraine", "parties": "russia,ukraine"}
    link = build_link(default_state(), "http://localhost:8501/")
    assert link == "http://localhost:8501/?negotiation=russia-ukraine&parties=russia,ukraine"


def test_an_empty_link_opens_the_default_view() -> None:
    state, notices = parse({})
    assert state == default_state()
    assert notices == []


def test_confidence_is_kept_to_two_decimals() -> None:
    state = dataclasses.replace(default_state(), min_confidence=0.30000000000000004)
    assert state.min_confidence == 0.3
    assert to_query(state)["min_confidence"] == "0.3"


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"colour": "red"}, "unknown parameter"),
        ({"parties": "russia,atlantis,ukraine"}, "'atlantis'"),
        ({"parties": "russia,russia,ukraine"}, "listed twice"),
        ({"as_of": "2025-13-45"}, "not a date"),
        ({"as_of": "1066-10-14"}, "outside"),
        ({"origin": "rumour"}, "origin"),
        ({"min_confidence": "1.5"}, "min_confidence"),
        ({"min_confidence": "nan"}, "min_confidence"),
        ({"view": "secret"}, "view"),
        ({"pair": "russia,e3"}, "pair"),
        ({"documents": "no-such-doc"}, "document 'no-such-doc'"),
        ({"issues": "weather"}, "issue 'weather'"),
        ({"version": "not hex!"}, "data version"),
        ({"version": "abcdef\n"}, "data version"),
        ({"filter": "a\x00b"}, "control characters"),
        ({"filter": "x" * 201}, "longer than"),
        ({"review": "no-such-doc"}, "review 'no-such-doc'"),
        ({"review": "../../etc/passwd"}, "not a document of this negotiation"),
    ],
)
def test_invalid_values_are_dropped_with_a_notice(params: dict[str, str], fragment: str) -> None:
    state, notices = parse(params)
    assert len(notices) == 1, notices
    assert fragment in notices[0]
    # What remains is the default for that field.
    base = default_state()
    if "parties" in params:
        assert state.parties == ("russia", "ukraine")
    else:
        assert state == base


def test_valid_parts_of_a_half_bad_link_survive() -> None:
    state, notices = parse({"parties": "russia,ukraine,atlantis", "view": "nope", "as_of": "2025-06-04"})
    assert state.parties == ("russia", "ukraine")
    assert state.panel == "scorecard"
    assert state.as_of == dt.date(2025, 6, 4)
    assert len(notices) == 2


def test_too_few_parties_fall_back_to_the_defaults() -> None:
    state, notices = parse({"parties": "russia"})
    assert state.parties == ("russia", "ukraine")
    assert any("at least two" in n for n in notices)


def test_repeated_keys_are_dropped() -> None:
    state, notices = parse({"parties": ["russia,e3", "ukraine,russia"], "view": ["matrix"]})
    assert state.parties == ("russia", "ukraine")
    assert state.panel == "matrix"  # a one-element list is just a value
    assert notices == ["Ignored 'parties': it appears 2 times in the link; give it once."]


def test_over_long_values_are_dropped() -> None:
    state, notices = parse({"parties": "russia," * 100 + "ukraine"})
    assert state == default_state()
    assert "limit 500" in notices[0]


def test_too_many_keys_are_cut_and_unknown_keys_summarised() -> None:
    params = {f"k{i}": "1" for i in range(200)}
    state, notices = parse(params)
    assert state == default_state()
    assert any(f"only the first {MAX_KEYS}" in n for n in notices)
    assert any("and 45 more" in n for n in notices)
    assert len(notices) == 2


@pytest.mark.parametrize("slug", ["../../etc", "..", "russia-ukraine/../../x", "/etc/passwd", "%2e%2e", "RUSSIA-UKRAINE", "nope",
     "russia-ukraine\n", "russia-ukraine\x00"])
def test_unknown_and_traversal_slugs_are_refused(slug: str) -> None:
    state, notices = parse({"negotiation": slug})
    assert state.negotiation == "russia-ukraine"
    assert len(notices) == 1 and "Unknown negotiation" in notices[0]


def test_ids_are_checked_against_the_chosen_negotiation() -> None:
    state, notices = parse({"negotiation": "other-talks", "parties": "russia,ukraine"})
    assert state.negotiation == "other-talks"
    assert state.parties == ("north", "south")
    assert len(notices) == 3  # two unknown parties, then the fallback


def test_notices_quote_hostile_values_shortened() -> None:
    _, notices = parse({"view": "<img src=x onerror=alert(1)>" * 10})
    assert len(notices[0]) < 200
    assert "…" in notices[0]


@pytest.mark.parametrize(
    "params",
    [
        {"parties": ""},
        {"negotiation": ""},
        {"parties": ","},
        {"as_of": "latest"},
        {"min_confidence": "0"},
        {"view": "scorecard"},
    ],
)
def test_harmless_spellings_of_the_default(params: dict[str, str]) -> None:
    state, notices = parse(params)
    assert state == default_state()
    assert notices == [] or "at least two" in notices[0]


def test_odd_parameter_values_never_raise() -> None:
    state, notices = parse({"parties": [], "view": ("a", "b"), "origin": None, 1: "x"})  # type: ignore[dict-item]
    assert state == default_state()
    assert len(notices) == 4


# ------------------------------------------------------------------------------ the state itself


@pytest.mark.parametrize(
    "change",
    [
        {"parties": ("russia",)},
        {"parties": ("russia", "russia")},
        {"parties": ("russia", "Bad,Id")},
        {"documents": ()},
        {"panel": "nope"},
        {"origin": "rumour"},
        {"min_confidence": 2.0},
        {"pair": ("russia", "e3")},
        {"negotiation": "../etc"},
        {"data_version": "XYZ"},
        {"parties": ("russia\n", "ukraine")},
        {"as_of": dt.datetime(2025, 6, 4, 12, 0)},
    ],
)
def test_a_malformed_state_cannot_be_built(change: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        dataclasses.replace(default_state(), **change)


def test_selection_and_pair() -> None:
    state = ViewState("russia-ukraine", ("russia", "ukraine", "e3"), origin="both", issues=("ceasefire",))
    selection = state.selection()
    assert selection.parties == ("russia", "ukraine", "e3")
    assert selection.origins == frozenset({"curated", "extracted"})
    assert selection.issues == frozenset({"ceasefire"})
    assert state.active_pair == ("russia", "ukraine")
    assert dataclasses.replace(state, pair=("e3", "ukraine")).active_pair == ("e3", "ukraine")


def test_moving_to_another_negotiation_resets_its_ids() -> None:
    state = dataclasses.replace(default_state(), issues=("ceasefire",), panel="matrix", as_of=dt.date(2025, 6, 4))
    moved = state.for_negotiation(OTHER)
    assert (moved.negotiation, moved.parties, moved.issues) == ("other-talks", ("north", "south"), None)
    assert (moved.panel, moved.as_of) == ("matrix", dt.date(2025, 6, 4))


def test_info_from_the_bundled_negotiation() -> None:
    result = load_negotiation("russia-ukraine")
    assert result.negotiation is not None
    info = NegotiationInfo.of(result.negotiation, result.data_version)
    assert info.default_parties == ("russia", "ukraine")
    assert {"ceasefire", "prisoners", "territory"} <= set(info.issues)
    state, notices = from_query({"parties": "russia,ukraine", "as_of": "2025-06-04"}, {info.slug: info})
    assert notices == []
    assert state.as_of == dt.date(2025, 6, 4)


# ------------------------------------------------------------------------------ the extract view


def test_the_reviewed_document_rides_in_the_link() -> None:
    state = ViewState("russia-ukraine", ("russia", "ukraine"), panel="extract", review="ru-memo-2025-06-02")
    assert to_query(state) == {"negotiation": "russia-ukraine", "parties": "russia,ukraine", "view": "extract",
                               "review": "ru-memo-2025-06-02"}
    assert parse(to_query(state)) == (state, [])


def test_the_reviewed_document_must_belong_to_the_negotiation() -> None:
    state, notices = parse({"negotiation": "other-talks", "review": "ru-memo-2025-06-02"})
    assert state.review is None
    assert notices == ["Ignored review 'ru-memo-2025-06-02': not a document of this negotiation."]
    with pytest.raises(ValueError, match="review"):
        ViewState("russia-ukraine", ("russia", "ukraine"), review="../x")


def test_switching_negotiation_drops_the_reviewed_document() -> None:
    state = ViewState("russia-ukraine", ("russia", "ukraine"), panel="extract", review="ru-memo-2025-06-02")
    moved = state.for_negotiation(OTHER)
    assert moved.review is None and moved.panel == "extract"


@pytest.mark.parametrize("param", ["edit", "unlocked", "passphrase", "edit_passphrase", "can_edit"])
def test_no_link_parameter_can_ask_for_editing(param: str) -> None:
    state, notices = parse({param: "1", "view": "extract"})
    assert state == dataclasses.replace(default_state(), panel="extract")
    assert "unknown parameter" in notices[0]
    assert param not in to_query(state)
