"""The extraction pipeline with the real model: who demands what, which way, and how sure.

One session-scoped model (conftest.real_embedder); the texts are small, so the whole module
runs in well under a minute, the development-set evaluation included.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from positions import __main__ as cli
from positions import curation
from positions.commands import extract as extract_module
from positions.commands.extract import safe_cell
from positions.compare import Selection, compare
from positions.documents import read_bytes
from positions.embedding import CachedEmbedder, EmbeddingCache, HashingEmbedder
from positions.evaluation import DEVSET, evaluate, load_devset
from positions.extract import PIPELINE_VERSION, Extraction, adhoc_negotiation, document_date, extract
from positions.parties import parse_parties, parse_party, parse_party_lines
from positions.schema import Party
from positions.store import load_folder

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def model(real_embedder):
    """The real model behind an in-memory cache: issue texts and anchors are encoded once per module."""
    return CachedEmbedder(real_embedder, EmbeddingCache(real_embedder.model_id))

RUSSIA = Party(id="russia", name="Russia", aliases=("Moscow", "Kremlin", "Putin", "Russian"))
UKRAINE = Party(id="ukraine", name="Ukraine", aliases=("Kyiv", "Zelenskyy", "Ukrainian", "Ukrainians"))
NORTH = Party(id="northland", name="Northland", aliases=("Northern", "Prime Minister Kell", "Kell"))
SOUTH = Party(id="southland", name="Southland", aliases=("Southern", "Minister Brandt", "Brandt", "Gen. Sand", "Sand"))


def run(text: str, parties=(RUSSIA, UKRAINE), embedder=None, name: str = "doc.txt", **options) -> Extraction:
    return extract([read_bytes(text.encode("utf-8"), name)], parties, embedder=embedder, **options)


def found(extraction: Extraction) -> list[tuple[str, str, int, str]]:
    """(party, issue, stance, evidence) of every demand, in order."""
    return [(d.party, d.issue, d.stance, d.evidence) for d in extraction.demands]


# ------------------------------------------------------------------------------ stance traps


@pytest.mark.parametrize(("sentence", "party", "issue", "stance"), [
    # The same motion ("sanctions are lifted"), opposite demands, both close to it in embedding space.
    ("Russia demands that sanctions be lifted.", "russia", "sanctions", 2),
    ("Ukraine demands new sanctions on Russia.", "ukraine", "sanctions", -2),
    ("Ukraine called for an immediate ceasefire.", "ukraine", "ceasefire", 2),
    ("Russia rejected calls for a truce.", "russia", "ceasefire", -2),
    ("Ukraine insisted on its right to join NATO.", "ukraine", "alliances", 2),
    ("Russia demands that Ukraine never join NATO.", "russia", "alliances", -2),
    ("Russia wants Ukraine to drop its bid to join NATO.", "russia", "alliances", -2),
    ('"We will never give up our land," Zelenskyy said.', "ukraine", "territory", -2),
])
def test_stance_follows_the_cue_and_the_direction_of_the_content(model, sentence, party, issue, stance):
    assert found(run(sentence, embedder=model))[0][:3] == (party, issue, stance)


def test_a_deferred_ceasefire_is_against_an_immediate_one_and_keeps_its_condition(model):
    extraction = run("Russia will agree to a ceasefire only after Ukrainian troops withdraw from the four regions.",
                     embedder=model)
    ceasefire = next(d for d in extraction.demands if d.issue == "ceasefire")
    assert (ceasefire.party, ceasefire.stance) == ("russia", -1)
    assert ceasefire.condition == "only after Ukrainian troops withdraw from the four regions"


def test_a_conditional_acceptance_is_for_the_motion_with_its_condition(model):
    demand = run("KELL: We have no objection to aid convoys, provided that they are inspected at the border.",
                 parties=(NORTH, SOUTH), embedder=model).demands[0]
    assert (demand.party, demand.issue, demand.stance) == ("northland", "humanitarian", 1)
    assert demand.condition == "provided that they are inspected at the border"


@pytest.mark.parametrize(("sentence", "party", "issue", "stance"), [
    # An undoing verb reverses the word it governs: cancelled tariffs are lowered trade barriers.
    ("Northland will cancel 91 percentage points of its countermeasure tariffs.", "northland", "trade", 2),
    ("Southland should stop abusing export controls against Northern companies.", "northland", "trade", 2),
    ("Northland will lift some of the export restrictions it imposed in recent weeks.", "northland", "trade", 2),
    ("Southland demanded that Northland give up enrichment altogether.", "southland", "nuclear", -2),
    # A threat of countermeasures is a position against lower barriers; "threatened" alone is not a cue.
    ("Southland threatened countermeasures on Northern goods if the talks failed.", "southland", "trade", -2),
])
def test_an_undoing_verb_reverses_the_barrier_it_governs(model, sentence, party, issue, stance):
    demands = run(sentence, parties=(NORTH, SOUTH), embedder=model, genres=["statement"],
                  authors=["northland"]).demands
    assert [(d.party, d.issue, d.stance) for d in demands][:1] == [(party, issue, stance)]


@pytest.mark.parametrize(("sentence", "stance"), [
    # Leaving another's land hands it back; pulling out of one's own land cedes it.
    ("Kyiv called on Russia to withdraw its troops from Ukrainian territory within 60 days.", -2),
    ("Moscow demanded that Ukraine withdraw its forces from Ukrainian-held parts of the region.", 2),
])
def test_who_withdraws_from_whose_land_decides_the_direction_on_territory(model, sentence, stance):
    demand = run(sentence, embedder=model).demands[0]
    assert (demand.issue, demand.stance) == ("territory", stance)


def test_no_x_without_y_accepts_x_on_that_condition_and_demands_y(model):
    demands = run("Northland will not allow a ceasefire without the release of all its prisoners, Kell said.",
                  parties=(NORTH, SOUTH), embedder=model).demands
    ceasefire = next(d for d in demands if d.issue == "ceasefire")
    assert (ceasefire.party, ceasefire.stance) == ("northland", 1)
    assert ceasefire.condition == "the release of all its prisoners"
    assert any((d.party, d.issue, d.stance) == ("northland", "prisoners", 2) for d in demands)


def test_a_report_headline_is_a_title_not_a_demand(model):
    text = ("Northland and Southland agree new prisoner swap but stay far apart on a ceasefire\n\n"
            "Kell said Northland was ready to start talks with Southland at any time.")
    demands = run(text, parties=(NORTH, SOUTH), embedder=model, genres=["news"]).demands
    assert [(d.party, d.issue, d.evidence[:4]) for d in demands] == [("northland", "process", "Kell")]


@pytest.mark.parametrize(("sentence", "party", "issue", "stance"), [
    ("Kyiv's position is that any ceasefire must be unconditional.", "ukraine", "ceasefire", 2),
    ("For Moscow, the neutrality of Ukraine is non-negotiable.", "russia", "alliances", -2),
    ("The Kremlin has made the lifting of sanctions a condition for any deal.", "russia", "sanctions", 2),
    ("We call upon the international community to ensure that Moscow abides by the ceasefire, Kyiv said.",
     "ukraine", "ceasefire", 2),
])
def test_positions_stated_through_nouns_openings_and_conditions(model, sentence, party, issue, stance):
    assert found(run(sentence, embedder=model))[0][:3] == (party, issue, stance)


# ------------------------------------------------------------------------------ who demands it


def test_reported_speech_in_its_usual_forms(model):
    text = ("The ceasefire must be unconditional, Zelenskyy said.\n\n"
            "Russia is ready to exchange all prisoners of war, said Putin.\n\n"
            "A meeting of the presidents should take place in Istanbul, according to the Kremlin.")
    assert [(p, i) for p, i, _, _ in found(run(text, embedder=model))] == [
        ("ukraine", "ceasefire"), ("russia", "prisoners"), ("russia", "process")]


def test_one_party_reporting_the_others_demand_attributes_it_to_the_other(model):
    assert found(run("Moscow says Kyiv wants security guarantees from its allies.", embedder=model))[0][:3] == (
        "ukraine", "security_guarantees", 2)


def test_rejecting_the_others_call_gives_two_opposite_demands_from_one_sentence(model):
    sentence = "Zelenskyy rejected Putin's calls for a truce."
    assert sorted(found(run(sentence, embedder=model))) == [
        ("russia", "ceasefire", 2, sentence), ("ukraine", "ceasefire", -2, sentence)]


def test_pronouns_and_titles_refer_back_to_the_last_party_that_spoke(model):
    text = ("Gen. Sand rejected Northland's calls for an immediate truce. "
            '"A ceasefire will be possible only after Northern units leave the salient," the general said. '
            "He demanded that Northland recognise Southern control over the territory its forces now hold.")
    parties = [(p, d.evidence[:12]) for d in run(text, parties=(NORTH, SOUTH), embedder=model).demands
               for p in [d.party]]
    assert ("southland", '"A ceasefire') in parties
    assert ("southland", "He demanded ") in parties
    assert ("northland", "Gen. Sand re") in parties and ("southland", "Gen. Sand re") in parties


def test_transcript_lines_belong_to_their_speaker_and_questions_to_nobody(model):
    text = ("MODERATOR: The minister will take questions.\n\n"
            "Q: Will Southland pay compensation for the damage?\n\n"
            "MINISTER BRANDT: No. We reject the very idea of reparations.\n\n"
            "Q: Northland says you want to annex the whole province. Is that your demand?\n\n"
            "MINISTER BRANDT: We are ready to exchange all prisoners next month.")
    assert [(p, i, s) for p, i, s, _ in found(run(text, parties=(NORTH, SOUTH), embedder=model))] == [
        ("southland", "reparations", -2), ("southland", "prisoners", 2)]


def test_a_speaker_quoting_the_other_side_with_said_that_gives_the_other_sides_position(model):
    text = ("Q: Kell said last week that the reactor must be dismantled. What is your response?\n\n"
            "MINISTER BRANDT: Kell said in an interview that all enrichment must stop. That is unacceptable to us.")
    demands = run(text, parties=(NORTH, SOUTH), embedder=model, genres=["transcript"], authors=["southland"]).demands
    assert [(d.party, d.issue, d.stance) for d in demands] == [
        ("northland", "nuclear", -2), ("northland", "nuclear", -2), ("southland", "nuclear", 2)]


def test_a_coordinated_verb_belongs_to_its_clause_subject_and_the_longest_name_wins(model):
    parties = (Party(id="ukraine", name="Ukraine", aliases=("Kyiv",)),
               Party(id="russia", name="Russia", aliases=("Russian side", "the government")),
               Party(id="region", name="Region", aliases=("Government of Tigray",)))
    text = ("Kyiv handed the Russian side a list of children it says were deported and demanded their return.\n\n"
            "The Government of Tigray remains fully committed to the talks on a ceasefire.")
    assert [d.party for d in run(text, parties=parties, embedder=model).demands] == ["ukraine", "region"]


def test_a_lead_in_naming_the_other_side_gives_it_the_list_that_follows(model):
    text = ("# Bargaining update from the Northland union\n\nIn summary, Southland has offered:\n\n"
            "1. A 5% pay increase for this year and 4% next year.\n2. A guarantee of job security for all staff.\n\n"
            "We demand a pay rise that matches inflation.\n")
    demands = run(text, parties=(NORTH, SOUTH), embedder=model, name="update.md", authors=["northland"]).demands
    assert [(d.party, d.issue, d.stance) for d in demands] == [
        ("southland", "labour", 1), ("southland", "labour", 1), ("northland", "labour", 2)]


def test_a_participle_after_an_object_belongs_to_the_clause_subject(model):
    parties = (Party(id="ukraine", name="Ukraine", aliases=("Kyiv",)),
               Party(id="turkey", name="Turkey", aliases=("Erdogan", "Turkish")))
    text = "Kyiv had written to Turkish President Erdogan proposing that the grain corridor keep working."
    assert [d.party for d in run(text, parties=parties, embedder=model).demands] == ["ukraine"]


def test_labour_disputes_read_as_labour_and_speech_verbs_only_as_speech(model):
    parties = (Party(id="union", name="Union", aliases=("the union", "Simpson")),
               Party(id="post", name="Canada Post", aliases=("the corporation", "the employer")),
               Party(id="canada", name="Canada", aliases=("MacKinnon", "Ottawa")))
    text = ("The corporation says it needs to add weekend parcel delivery using part-time workers.\n\n"
            "Simpson said the strike would continue until the employer returned with a serious offer.\n\n"
            "MacKinnon urged both sides to reach a deal before Christmas and said he would name a mediator.")
    demands = run(text, parties=parties, embedder=model).demands
    assert demands[0].party == "post" and "weekend parcel delivery" in demands[0].text  # "needs to add" is no speech act
    assert ("union", "labour") in [(d.party, d.issue) for d in demands]  # a strike, not a military one
    assert all(d.issue != "ceasefire" for d in demands)
    assert [d.party for d in demands if d.evidence.startswith("MacKinnon")] == ["canada"]


def test_a_bold_label_is_not_a_demand_and_the_items_text_stays_a_point(model):
    text = ("# Proposal of Northland\n\n1. **Prisoners.** The release of all prisoners held by Southland.\n"
            "2. **Aid.** Unhindered access for aid convoys to the border districts.\n")
    demands = run(text, parties=(NORTH, SOUTH), embedder=model, name="proposal.md").demands
    assert [(d.party, d.issue, d.stance) for d in demands] == [
        ("northland", "prisoners", 2), ("northland", "humanitarian", 2)]
    assert not any(d.evidence.startswith("**") for d in demands)


def test_numbered_points_belong_to_the_author_named_in_the_heading(model):
    text = ("# Memorandum of the Government of Northland\n\n"
            "Since the war began, more than 10,000 people have been killed.\n\n"
            "The Government of Northland proposes the following:\n\n"
            "1. An immediate and unconditional ceasefire along the entire line of contact.\n"
            "2. The release of all prisoners of war on the principle of all for all.\n"
            "3. Southland shall pay full compensation for the damage caused by its aggression.\n")
    extraction = run(text, parties=(NORTH, SOUTH), embedder=model, name="memo.md")
    assert extraction.documents[0].party == "northland"
    assert [(p, i, s) for p, i, s, _ in found(extraction)] == [
        ("northland", "ceasefire", 2), ("northland", "prisoners", 2), ("northland", "reparations", 2)]


def test_background_figures_and_commentary_are_not_demands(model):
    text = ("The war began in 2022. More than 10,000 people have been killed and 600,000 have fled.\n\n"
            '"Neither side is ready to compromise," said Lena Voss, a security analyst at the Institute.\n\n'
            "Analysts say Russia wants to keep the land.")
    assert run(text, embedder=model).demands == ()


# ------------------------------------------------------------------------------ provenance and new issues


def test_every_demand_carries_its_evidence_offsets_confidence_and_model(model):
    text = ("KYIV, March 2 (Wire) - Ukraine demands new sanctions on Russia.\n\n"
            "\"We want peace,\" Zelenskyy said. Russia demands that sanctions be lifted.")
    extraction = run(text, embedder=model)
    source = extraction.sources[0]
    assert extraction.demands
    for demand in extraction.demands:
        assert source.text[demand.evidence_start:demand.evidence_end] == demand.evidence
        assert demand.origin == "extracted" and 0.0 <= demand.confidence <= 1.0
        assert demand.model == f"{model.model_id}+{PIPELINE_VERSION}" == f"all-MiniLM-L6-v2+{PIPELINE_VERSION}"
        assert demand.document == source.id == "doc"


def test_a_demand_that_fits_no_issue_founds_a_discovered_issue_the_other_party_answers(model):
    text = ("Northland demands that Southland rename the river the Northern River. "
            "Southland rejected Northland's demand that the river be renamed.")
    extraction = run(text, parties=(NORTH, SOUTH), embedder=model)
    [issue] = extraction.discovered
    assert issue.id.startswith("other-") and "rename" in issue.motion
    stances = {(d.party, d.stance) for d in extraction.demands}
    assert ("northland", 2) in stances and ("southland", -2) in stances
    assert {d.issue for d in extraction.demands} == {issue.id}


def test_a_claim_that_fits_no_issue_takes_the_closer_claim_of_the_other_side_into_a_new_issue(model):
    # The government's words are vague; the report's gloss says what they mean. The union's answer
    # is far more like that gloss than like any generic issue, so the two found one issue.
    government = Party(id="government", name="Government", aliases=("Premier Anne Cadieux", "Cadieux"))
    union = Party(id="union", name="Nurses' Union", aliases=("the union", "Okafor"))
    text = ('Premier Anne Cadieux said that her government was "prepared to act" if the strike put patients '
            "at risk, a remark widely read as a reference to back-to-work legislation. "
            "Okafor said the union would defy any back-to-work order.")
    extraction = run(text, parties=(government, union), embedder=model)
    [issue] = extraction.discovered
    assert "back-to-work" in issue.motion
    assert {(d.party, d.issue, d.stance) for d in extraction.demands} == {
        ("government", issue.id, 2), ("union", issue.id, -2)}
    assert next(d for d in extraction.demands if d.party == "government").condition == \
        "if the strike put patients at risk"


def test_an_echo_takes_over_the_position_it_echoes(model):
    text = "BRANDT: Northland says it wants to negotiate. So do we, and we will say so in public."
    demands = run(text, parties=(NORTH, SOUTH), embedder=model).demands
    assert ("southland", "process", 2) in {(d.party, d.issue, d.stance) for d in demands}
    assert ("northland", "process", 2) in {(d.party, d.issue, d.stance) for d in demands}


@pytest.mark.parametrize(("text", "party", "issue", "stance", "condition"), [
    # A sentence-initial condition after "But" still opens the sentence.
    ("BRANDT: But if Northland retaliates, we will raise the tariffs on its steel to 50%.",
     "southland", "trade", -1, "if Northland retaliates"),
    # "They" takes the subject of the sentence before.
    ("BRANDT: The tariffs will take effect on April 1. They will stay in place until Northland ends its "
     "subsidies to carmakers.", "southland", "trade", -1, "until Northland ends its subsidies to carmakers"),
    # "X will follow Y": X waits for Y.
    ("BRANDT: Sanctions relief will follow verified steps, not precede them.",
     "southland", "sanctions", 1, "follow verified steps, not precede them"),
    # Rejecting the immediate version of a thing says less against the thing itself.
    ("Brandt rejected Northland's demand for the immediate lifting of all sanctions.",
     "southland", "sanctions", -1, None),
    # "all options remain on the table": force kept possible, not demanded.
    ("KELL: All options remain on the table.", "northland", "security_guarantees", -1, None),
    # A temporal "while" limits the position; after a comma it would only contrast.
    ("Kell said Northland would not accept any ceasefire while Southern troops remained in the salient.",
     "northland", "ceasefire", -2, "while Southern troops remained in the salient"),
])
def test_conditions_references_and_hedges_shape_the_stance(model, text, party, issue, stance, condition):
    demands = [d for d in run(text, parties=(NORTH, SOUTH), embedder=model).demands if d.party == party]
    assert (party, issue, stance, condition) in {(d.party, d.issue, d.stance, d.condition) for d in demands}


@pytest.mark.parametrize("text", [
    "Southland rejected Northland's proposal, calling instead for a full and unconditional ceasefire of at least 30 days.",
    "Southland rejected Northland's proposal, urging an immediate ceasefire along the whole front.",
    "Southland rejected Northland's proposal, demanding instead a full ceasefire of at least 30 days.",
])
def test_a_participle_clause_after_a_rejection_carries_the_subjects_own_demand(model, text):
    # ", calling (instead) for X" / ", urging X" / ", demanding X": the subject of the main verb demands X.
    demands = run(text, parties=(NORTH, SOUTH), embedder=model).demands
    assert ("southland", "ceasefire", 2) in {(d.party, d.issue, d.stance) for d in demands}


def test_he_after_a_both_sides_report_is_the_reporting_speaker_not_a_side(model):
    # "He" is a person: it cannot stand for "both sides", so it goes back to the one who reported them.
    text = ("Minister Brandt said both sides had agreed an exchange of all prisoners of war. "
            "He demanded new sanctions on Northland.")
    demands = {(d.party, d.issue) for d in run(text, parties=(NORTH, SOUTH), embedder=model).demands
               if d.evidence.startswith("He")}
    assert demands == {("southland", "sanctions")}


def test_it_after_a_named_party_in_its_clause_is_that_party_and_a_fronted_object_is_the_content(model):
    # "Southland had handed over a list ... it wants returned": "it" is Southland, not the speaker,
    # and what is wanted returned is the list of detainees standing before "it wants".
    text = "Kell said Southland had handed over a list of detained fishermen it wants returned."
    demands = {(d.party, d.issue, d.stance) for d in run(text, parties=(NORTH, SOUTH), embedder=model).demands}
    assert demands == {("southland", "prisoners", 2)}


def test_a_negated_modal_refusing_to_recognise_territory_is_against_ceding_it(model):
    text = "Kell said Northland would not recognise any occupied territory as Southern."
    demands = {(d.party, d.issue, d.stance) for d in run(text, parties=(NORTH, SOUTH), embedder=model).demands}
    assert ("northland", "territory", -2) in demands


def test_a_rejected_demand_named_by_a_noun_keeps_its_own_words_as_content(model):
    # "[the union's demand] for a 19% raise | would make ... and cannot be accepted": the raise is the
    # content, and "cannot be accepted" (a passive after a modal) is the author's refusal of it.
    text = ("# Statement of the Port Employers\n\nThe union's demand for a 19% raise would make Calder the "
            "most expensive port on the coast and cannot be accepted.\n")
    employers = Party(id="employers", name="Port Employers", aliases=("the employers",))
    union = Party(id="union", name="Dockers' Union", aliases=("the union",))
    demands = run(text, parties=(employers, union), embedder=model, name="statement.md").demands
    assert {(d.party, d.issue, d.stance) for d in demands} == {("union", "labour", 2), ("employers", "labour", -2)}


def test_a_pronoun_in_a_later_document_refers_within_that_document(model):
    first = read_bytes(b"Northland demands new sanctions on Southland.\n", "first.txt")
    second = read_bytes(b"Northland called for an immediate ceasefire. Brandt said that was not on the table.\n",
                        "second.txt")
    extraction = extract([first, second], (NORTH, SOUTH), embedder=model)
    assert ("southland", "ceasefire", -2) in {(d.party, d.issue, d.stance) for d in extraction.demands}
    assert all(d.issue != "sanctions" for d in extraction.demands if d.party == "southland")


# ------------------------------------------------------------------------------ dates, progress, the ad-hoc negotiation


def test_a_dateline_without_a_year_takes_the_year_of_its_companions_or_the_latest_past_one():
    wire = read_bytes(b"WASHINGTON, March 3 (Interpress) - The talks went on.\n", "wire.txt")
    memo = read_bytes(b"# Memorandum\n\nAurel, 4 March 2024\n\nText.\n", "memo.md")
    assert document_date(memo) == dt.date(2024, 3, 4)
    assert document_date(wire, 2024) == dt.date(2024, 3, 3)
    guessed = document_date(wire)
    assert guessed.month == 3 and guessed.day == 3 and guessed <= dt.date.today()
    extraction = extract([wire, memo], (NORTH, SOUTH), embedder=HashingEmbedder())
    assert [d.date for d in extraction.documents] == [dt.date(2024, 3, 3), dt.date(2024, 3, 4)]
    # "may" is a verb, "Sept." an abbreviation.
    assert document_date(read_bytes(b"PARIS, Sept. 9 (AFP) - It may rain.", "a.txt"), 2023) == dt.date(2023, 9, 9)


def test_progress_is_reported_after_splitting_encoding_and_scoring():
    calls: list[tuple[str, float]] = []
    extract([read_bytes(b"Northland demands new sanctions on Southland.", "a.txt")], (NORTH, SOUTH),
            embedder=HashingEmbedder(), progress=lambda text, done: calls.append((text, done)))
    assert [done for _, done in calls] == sorted(done for _, done in calls) and calls[-1][1] == 1.0
    assert len(calls) == 3 and all(text for text, _ in calls)


def test_the_adhoc_negotiation_holds_exactly_what_was_extracted_and_compares():
    extraction = run("Kell called for an immediate ceasefire. Brandt rejected calls for a truce.",
                     parties=(NORTH, SOUTH), embedder=HashingEmbedder())
    negotiation = adhoc_negotiation(extraction, (NORTH, SOUTH))
    assert negotiation.parties == (NORTH, SOUTH)
    assert negotiation.issues == extraction.issues and negotiation.demands == extraction.demands
    assert negotiation.title == "Extracted from doc.txt"
    preview = curation.preview_comparison(extraction, (NORTH, SOUTH))
    direct = compare(negotiation, Selection(parties=("northland", "southland"), origins=frozenset({"extracted"})))
    assert preview.to_json()["issues"] == direct.to_json()["issues"]


def test_one_party_parser_serves_the_command_line_and_the_app():
    assert parse_party("  Red   Hills Front = RHLF, the Front , RHLF") == Party(
        id="red-hills-front", name="Red Hills Front", aliases=("RHLF", "the Front"))
    with pytest.raises(ValueError, match="--party '=x': give a name"):
        parse_parties(["=x"], labels=["--party '=x'"])
    with pytest.raises(ValueError, match="'north' is the same party as party 1"):
        parse_parties(["North", "north=N"])
    assert [p.id for p in parse_party_lines("# parties\nNorth=N\n\nSouth")] == ["north", "south"]
    lines = curation.parse_parties("North=N\nSouth")
    assert [p.model_copy(update={"colour": "#888888"}) for p in lines] == parse_parties(["North=N", "South"])


# ------------------------------------------------------------------------------ the command line


@pytest.fixture
def cli_model(model, monkeypatch):
    """The CLI's process-wide embedder is the session's model (loading it once is enough)."""
    monkeypatch.setattr("positions.extract.get_embedder", lambda: model)
    monkeypatch.setattr("positions.embedding.get_embedder", lambda: model)


def test_extract_command_prints_json_yaml_and_formula_safe_csv(cli_model, tmp_path, capsys):
    path = tmp_path / "wire.txt"
    path.write_text("=HYPERLINK(1) Ukraine demands new sanctions on Russia.\n", encoding="utf-8")
    parties = ["--party", "Russia=Moscow,Kremlin", "--party", "Ukraine=Kyiv,Zelenskyy"]

    assert cli.main(["extract", str(path), *parties, "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [(d["party"], d["issue"], d["stance"]) for d in payload["demands"]] == [("ukraine", "sanctions", -2)]
    assert payload["documents"][0]["id"] == "wire"

    assert cli.main(["extract", str(path), *parties, "--format", "yaml"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["demands"][0]["evidence_start"] == 0

    assert cli.main(["extract", str(path), *parties, "--format", "csv"]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.startswith("id,party,issue,stance")
    assert ",-2," in row and ",'=HYPERLINK(1) Ukraine demands" in row


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-x", "'-x"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), (-2, "-2"), ("-0.5", "-0.5"), ("plain", "plain"), (None, ""),
])
def test_csv_cells_that_start_a_formula_are_neutralised(value, cell):
    assert safe_cell(value) == cell


def test_party_options_parse_names_and_aliases():
    party = parse_party("Red Hills Front = RHLF, the Front ,")
    assert (party.id, party.name, party.aliases) == ("red-hills-front", "Red Hills Front", ("RHLF", "the Front"))


def test_unreadable_file_is_refused_with_the_reason(cli_model, tmp_path, capsys):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"not a pdf")
    assert cli.main(["extract", str(path), "--party", "A", "--party", "B"]) == 2
    assert "not a PDF" in capsys.readouterr().err


def negotiation_folder(root: Path) -> Path:
    folder = root / "northland-southland"
    (folder / "demands").mkdir(parents=True)
    (folder / "negotiation.yaml").write_text(yaml.safe_dump({
        "slug": "northland-southland", "title": "Northland and Southland",
        "parties": [{"id": "northland", "name": "Northland", "aliases": ["Northern", "Kell"]},
                    {"id": "southland", "name": "Southland", "aliases": ["Southern", "Brandt"]}],
        "issues": [{"id": "ceasefire", "label": "Ceasefire", "description": "Stopping the fighting: truce, pause.",
                    "motion": "An immediate ceasefire takes effect."},
                   {"id": "prisoners", "label": "Prisoners", "description": "Exchange and release of prisoners.",
                    "motion": "All prisoners are released."}],
    }), encoding="utf-8")
    return folder


def test_extract_save_files_the_list_with_its_document_and_the_folder_still_validates(cli_model, tmp_path, capsys):
    folder = negotiation_folder(tmp_path / "data")
    doc = tmp_path / "kell-statement.txt"
    doc.write_text("Kell called for an immediate ceasefire. Southland rejected Northland's calls for a truce.\n"
                   "Brandt said Southland was ready to release all prisoners.\n", encoding="utf-8")
    assert cli.main(["extract", str(doc), "--negotiation", "northland-southland", "--data", str(tmp_path / "data"),
                     "--format", "json", "--save"]) == 0
    saved = yaml.safe_load((folder / "extracted" / "kell-statement.yaml").read_text(encoding="utf-8"))
    assert saved["document"]["id"] == "kell-statement" and saved["document"]["kind"] == "news"
    result = load_folder(folder)
    assert result.ok, result.errors
    assert {d.origin for d in result.negotiation.demands} == {"extracted"}
    assert result.negotiation.document("kell-statement").note.startswith("extracted from kell-statement.txt")
    assert {(d.party, d.issue, d.stance) for d in result.negotiation.demands} >= {
        ("northland", "ceasefire", 2), ("southland", "ceasefire", -2), ("southland", "prisoners", 2)}


def test_extract_save_refuses_when_a_file_changed_during_the_extraction(cli_model, tmp_path, capsys, monkeypatch):
    folder = negotiation_folder(tmp_path / "data")
    doc = tmp_path / "kell-statement.txt"
    doc.write_text("Kell called for an immediate ceasefire.\n", encoding="utf-8")
    args = ["extract", str(doc), "--negotiation", "northland-southland", "--data", str(tmp_path / "data"), "--save"]
    real = extract_module.extract

    def meanwhile(*a, **k):
        # Someone files an extraction of the same document while the model runs.
        (folder / "extracted").mkdir(exist_ok=True)
        (folder / "extracted" / "kell-statement.yaml").write_text("demands: []\n", encoding="utf-8")
        return real(*a, **k)

    monkeypatch.setattr(extract_module, "extract", meanwhile)
    assert cli.main(args) == 3
    assert "not saved" in capsys.readouterr().err
    assert (folder / "extracted" / "kell-statement.yaml").read_text(encoding="utf-8") == "demands: []\n"

    monkeypatch.setattr(extract_module, "extract", real)  # a second run reads the new file and replaces it
    assert cli.main(args) == 0
    err = capsys.readouterr().err
    assert "saved: writes extracted/kell-statement.yaml" in err and "replacing" in err
    assert load_folder(folder).ok


def test_an_extracted_files_document_yields_to_documents_yaml_and_is_validated(tmp_path):
    folder = negotiation_folder(tmp_path)
    (folder / "extracted").mkdir()
    demand = {"id": "x1", "party": "northland", "issue": "ceasefire", "stance": 2, "text": "a ceasefire",
              "confidence": 0.9, "evidence": "Kell wants a ceasefire.", "model": "m", "document": "memo"}
    extracted = {"document": {"id": "memo", "title": "Extracted title", "date": "2025-03-02", "kind": "news"},
                 "demands": [demand]}
    (folder / "extracted" / "memo.yaml").write_text(yaml.safe_dump(extracted), encoding="utf-8")
    assert load_folder(folder).negotiation.document("memo").title == "Extracted title"

    (folder / "documents.yaml").write_text(yaml.safe_dump({"documents": [
        {"id": "memo", "title": "Curated title", "date": "2025-03-01", "kind": "memorandum"}]}), encoding="utf-8")
    result = load_folder(folder)
    assert result.ok and result.negotiation.document("memo").title == "Curated title"

    extracted["document"] = {"id": "other", "title": "No date", "kind": "news"}
    (folder / "extracted" / "memo.yaml").write_text(yaml.safe_dump(extracted), encoding="utf-8")
    errors = [str(e) for e in load_folder(folder).errors]
    assert any("extracted/memo.yaml" in e and "date" in e for e in errors), errors


def test_compare_from_raw_documents_prints_the_compare_json_shape(cli_model, tmp_path, capsys):
    first, second = tmp_path / "north.txt", tmp_path / "south.txt"
    first.write_text("Northland called for an immediate ceasefire. Kell demanded the release of all prisoners.\n",
                     encoding="utf-8")
    second.write_text("Southland rejected Northland's calls for a ceasefire. "
                      "Brandt said Southland was ready to release all prisoners of war.\n", encoding="utf-8")
    assert cli.main(["compare", "--doc", str(first), "--doc", str(second), "--party", "Northland=Northern,Kell",
                     "--party", "Southland=Southern,Brandt", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["parties"] == ["northland", "southland"]
    relations = {item["issue"]: item["relation"] for item in payload["issues"]}
    assert relations == {"prisoners": "overlap", "ceasefire": "divergence"}
    assert set(payload["issues"][0]) >= {"issue", "label", "motion", "relation", "stances", "demands"}
    assert set(payload["demands"][0]) >= {"id", "party", "issue", "stance", "condition", "text", "evidence",
                                          "document", "origin", "confidence"}


def test_evaluate_command_prints_metrics_for_a_devset(cli_model, tmp_path, capsys):
    case = tmp_path / "devset" / "one"
    shutil.copytree(DEVSET / "red-hills-hostages", case)
    assert cli.main(["evaluate", "--devset", str(tmp_path / "devset"), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["overall"]) >= {"precision", "recall", "party_accuracy", "issue_accuracy",
                                      "stance_accuracy", "stance_within_1", "relation_accuracy"}
    assert report["cases"]["one"]["gold"] > 0


# ------------------------------------------------------------------------------ the development set

# The quality targets the pipeline must meet on tests/devset (six cases, 201 labelled demands, 35
# labelled relations), computed afresh by every run; `python -m positions evaluate` prints the
# figures. Party and issue accuracy have no target of their own: their floors sit a little under
# what extract-2 measured (party 1.000, issue 0.931), to catch a real regression only.
TARGETS = {"precision": 0.80, "recall": 0.85, "stance_accuracy": 0.90, "relation_accuracy": 0.90}
FLOORS = {"party_accuracy": 0.96, "issue_accuracy": 0.89}


def test_the_pipeline_meets_its_quality_targets_on_the_development_set(model):
    cases = load_devset()
    if not cases:
        pytest.skip("no development set")
    results, overall = evaluate(cases, model)
    metrics = overall.metrics()
    wanted = {**TARGETS, **FLOORS}
    low = {name: metrics[name] for name, floor in wanted.items() if metrics[name] is None or metrics[name] < floor}
    assert not low, f"below target: {low}; all: {metrics}"
    # Relations are counted over every case: no case may lose all of them.
    assert all(r.scores.relations_right > 0 for r in results if r.scores.relations_total)


# Floors for the harder sets the pipeline is developed on: real negotiations written in the styles real
# sources use (tests/devset-real, tests/devset-real2) and the first held-out set, now used for error
# analysis (tests/validation). No target was set for them; each floor sits under what extract-3 measured
# (precision, recall, stance, relations: devset-real 0.711, 0.839, 0.797, 0.372; devset-real2 0.635, 0.717,
# 0.803, 0.312; validation 0.851, 0.803, 0.876, 0.469), so that a change which helps the fictional set by
# hurting real text fails.
HARDER_FLOORS = {
    "devset-real": {"precision": 0.66, "recall": 0.79, "stance_accuracy": 0.75, "relation_accuracy": 0.30},
    "devset-real2": {"precision": 0.59, "recall": 0.67, "stance_accuracy": 0.75, "relation_accuracy": 0.24},
    "validation": {"precision": 0.80, "recall": 0.75, "stance_accuracy": 0.83, "relation_accuracy": 0.40},
}


@pytest.mark.parametrize("folder", sorted(HARDER_FLOORS))
def test_the_pipeline_keeps_its_level_on_real_negotiations(model, folder):
    cases = load_devset(Path(__file__).parent / folder)
    assert cases, f"tests/{folder} has no cases"
    _, overall = evaluate(cases, model)
    metrics = overall.metrics()
    low = {name: metrics[name] for name, floor in HARDER_FLOORS[folder].items() if metrics[name] < floor}
    assert not low, f"below floor on tests/{folder}: {low}; all: {metrics}"
