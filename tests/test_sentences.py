"""Segmentation: units with exact offsets, as news, memoranda and transcripts lay them out."""

from __future__ import annotations

from positions.sentences import split_sentences

WIRE = (
    'KYIV, March 2 (Reuters) - Ukraine\'s President Volodymyr Zelenskyy said on Sunday that Kyiv would\n'
    "never accept the loss of its territory. \"We will not give up Donetsk. Not now, not ever,\" he said.\n"
    "Gen. Smith arrived on Jan. 5 in the U.S. capital and met Mr. Jones at 10 a.m. on Monday.\n"
)


def texts(text: str) -> list[str]:
    return [unit.text for unit in split_sentences(text)]


def test_every_unit_is_located_exactly_in_the_text():
    text = WIRE + "\nThe talks resumed. The talks resumed.\n\n1. A ceasefire.\n2) Prisoners.\nKELL: We agree.\n"
    for unit in split_sentences(text):
        assert text[unit.start:unit.end] == unit.text
        assert unit.text == unit.text.strip()


def test_a_repeated_sentence_gets_its_own_offsets():
    text = "The talks resumed. Nothing changed. The talks resumed."
    first, _, last = split_sentences(text)
    assert (first.start, last.start) == (0, text.rindex("The talks"))


def test_abbreviations_do_not_end_sentences_and_a_quote_keeps_its_attribution():
    assert texts(WIRE) == [
        "KYIV, March 2 (Reuters) - Ukraine's President Volodymyr Zelenskyy said on Sunday that Kyiv would\n"
        "never accept the loss of its territory.",
        '"We will not give up Donetsk. Not now, not ever," he said.',
        "Gen. Smith arrived on Jan. 5 in the U.S. capital and met Mr. Jones at 10 a.m. on Monday.",
    ]


def test_numbered_points_are_units_of_their_own_with_their_marker_kept_aside():
    text = ("The Government proposes the following:\n1. An immediate ceasefire\n2) Exchange of all prisoners. "
            "All for all.\n(c) Withdrawal of troops.\n- a bullet point")
    units = split_sentences(text)
    assert [(u.marker, u.text) for u in units] == [
        (None, "The Government proposes the following:"),
        ("1.", "An immediate ceasefire"),
        ("2)", "Exchange of all prisoners."),
        ("2)", "All for all."),
        ("(c)", "Withdrawal of troops."),
        ("-", "a bullet point"),
    ]


def test_speaker_labels_are_kept_aside_and_carry_over_to_the_next_paragraphs():
    text = ("MODERATOR: Welcome.\n\nMINISTER BRANDT: Thank you. We reject reparations.\n\n"
            "We want talks.\n\nQ: Will you meet him?\n\nPRESIDENT KELL (via interpreter): Yes.\n\nNote: not a speaker.")
    units = split_sentences(text)
    assert [(u.speaker, u.text) for u in units] == [
        ("MODERATOR", "Welcome."),
        ("MINISTER BRANDT", "Thank you."),
        ("MINISTER BRANDT", "We reject reparations."),
        ("MINISTER BRANDT", "We want talks."),
        ("Q", "Will you meet him?"),
        ("PRESIDENT KELL", "Yes."),
        ("PRESIDENT KELL", "Note: not a speaker."),
    ]


def test_headings_are_marked_and_hard_wrapped_lines_are_joined():
    text = ("# Memorandum\n\nSTATEMENT BY THE MINISTRY\n\nThe ministry calls for an immediate\n"
            "ceasefire and the release of all\nprisoners. It rejects the plan.\n\nShort title\nBody text.")
    units = split_sentences(text)
    assert [(u.heading, u.text) for u in units] == [
        (True, "Memorandum"),
        (True, "STATEMENT BY THE MINISTRY"),
        (False, "The ministry calls for an immediate\nceasefire and the release of all\nprisoners."),
        (False, "It rejects the plan."),
        (True, "Short title"),
        (False, "Body text."),
    ]


def test_paragraphs_are_numbered_and_first_sentences_flagged():
    units = split_sentences("One. Two.\n\nThree.")
    assert [(u.paragraph, u.first_in_paragraph) for u in units] == [(0, True), (0, False), (1, True)]
