"""Documents -> demand lists: segment, attribute, classify by issue, infer stance, keep evidence.

    sources --split_sentences--> units --find_cues + Attributor--> claims (party, cue, content)
            --one embed() call for every content--> issue scores, direction (vectorised numpy)
            --> discovered issues for what fits none --> Demand(origin="extracted", evidence, confidence)

What is embedded is the claim's content, not its sentence: without the parties' names (a name says
who, not what), with a pronoun subject replaced by the previous sentence's ("They will stay in
place" -> "The tariffs will stay in place") and a vague phrase by the report's own gloss of it.
A content "fits" an issue when it is near the issue's texts and, unless it is very near, also uses
one of the issue's words; a content that fits none, and another party's content much more like it
than like any issue, found a discovered issue together.

Every demand carries the sentence it came from (with offsets into the normalised document text),
a confidence and the model + pipeline version that produced it, so a reader can check each line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Sequence

import numpy as np

from positions.attribution import Attributor, Claim, PartyIndex, Voice, detect_author
from positions.cues import find_cues
from positions.documents import SourceText
from positions.embedding import Embedder, get_embedder
from positions.issues import IssueMatcher, discover, generic_issues, reversals
from positions.schema import Demand, Document, Issue, Negotiation, Party
from positions.sentences import Sentence, split_sentences
from positions.stance import (
    DIRECTION_FLOOR, Content, condition_text, content_of, content_words, demanding_condition, fronted_object,
    sentence_view, stance_of, strip_attribution, withdrawal_direction,
)

PIPELINE_VERSION = "extract-3"

# Below this topical similarity a content fits none of the issues and may found a new one.
ISSUE_MIN = 0.30
# Between ISSUE_MIN and this, a content must also share a word with the issue's own vocabulary
# (label, description, motion, examples, direction words); otherwise the match is a guess among the
# issues on offer and the content is treated as unmatched (it may found or join a discovered issue).
ISSUE_SURE = 0.45
# An unmatched claim and another party's matched claim at least this similar, and PAIR_MARGIN more
# similar to each other than either is to its issue, found a discovered issue together.
PAIR_JOIN = 0.55
PAIR_MARGIN = 0.10
# An issue this much less similar than the best one may still win if the content uses its words.
SUPPORT_SLACK = 0.08
# Unmatched demands this similar to a discovered issue's first demand join it.
DISCOVER_JOIN = 0.45
# A claim content with fewer words than this is embedded together with its whole sentence.
SHORT_CONTENT = 4
# In a numbered point, a cue after this share of the text is a detail, not the point's verb.
LATE_CUE = 0.4
# Demands below this confidence are not reported. With the confidence fitted on real text, 0.1 keeps the
# recall of the development sets (0.2 already cost a tenth of it on tests/devset-real); the app's own
# confidence floor starts at 0 and is the user's to raise.
MIN_CONFIDENCE = 0.1
# Logistic confidence (see confidence_features): one weight per feature and a bias, fitted by
# devtools/fit_confidence.py on every labelled development case (tests/devset, tests/devset-real,
# tests/devset-real2, tests/validation), so that a confidence reads as the share of such demands that are right.
CONFIDENCE_FEATURES = ("margin", "cue", "who", "discovered", "news")
CONFIDENCE_WEIGHTS = (14.78, 1.02, 1.68, 0.48, -0.02)
CONFIDENCE_BIAS = -3.85

_ORDINAL = re.compile(r"^\s*(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|finally|lastly)\b,?",
                      re.IGNORECASE)
# "I want to thank ...", "let me say": courtesy, not a position.
# A verb of saying counts only as such: "I want to add that ..." is, "it needs to add weekend delivery" is not.
_SPEECH_ACT = re.compile(
    r"^\s*(?:to\s+)?(?:thank|(?:say|stress|emphasi[sz]e|note|repeat|point out|clarify|add|reiterate)"
    r"(?=\s*(?:that\b|this\b|again\b|here\b|once more\b|[,:.]|$))|(?:start|begin)\s+(?:by|with|off)\b|"
    r"remind (?:you|everyone|everybody|all)\b|be (?:absolutely |perfectly |very |quite )?clear\b|"
    r"like to (?:thank|welcome|say|begin|start)\b|"
    r"welcome (?:all|(?:President|Prime Minister|Minister|Secretary|Chancellor|Ambassador|Mr|Ms|Mrs|Dr|His|Her)\b)|"
    r"welcome (?:you|everyone|everybody)|congratulate|express|make (?:it )?clear|take (?:a few |your )?questions)\b",
    re.IGNORECASE)
# "**Health and pension." - the bold label of a Markdown list item, cut off by its own full stop.
_BOLD_LABEL = re.compile(r"^\s*(?:\d+[.)]\s*)?\*\*\w[^*.:!?]{0,60}[.:]?\s*$")
_BACKGROUND = re.compile(r"^\W*(?:preamble|background|introduction|context|history|summary|about)\b", re.IGNORECASE)
_KIND_BY_GENRE = {"memorandum": "memorandum", "statement": "statement", "transcript": "statement",
                  "news": "news", "plan": "plan", "outcome": "outcome"}


@dataclasses.dataclass(frozen=True)
class Extraction:
    """What the pipeline found in a set of documents."""

    documents: tuple[Document, ...]
    sources: tuple[SourceText, ...]
    demands: tuple[Demand, ...]
    issues: tuple[Issue, ...]  # every issue a demand refers to: given ones first, then discovered
    discovered: tuple[Issue, ...]
    model: str


@dataclasses.dataclass
class _Candidate:
    """A claim with everything needed to score it, before it becomes a Demand."""

    source: int
    unit: Sentence
    claim: Claim
    content: Content
    text: str  # what is embedded
    from_condition: bool = False  # the demand inside "unless X" / "until X"
    parent: int | None = None  # for such a demand: the candidate whose condition it is
    refers_to: int | None = None  # candidate index an anaphoric claim points back to


def extract(
    sources: Sequence[SourceText],
    parties: Sequence[Party],
    *,
    issues: Sequence[Issue] | None = None,
    curated: Sequence[Demand] = (),
    authors: Sequence[str | None] | None = None,
    genres: Sequence[str | None] | None = None,
    embedder: Embedder | None = None,
    min_confidence: float = MIN_CONFIDENCE,
    progress: Callable[[str, float], None] | None = None,
) -> Extraction:
    """Extract the demands of `parties` from documents.

    issues: the negotiation's issues (default: the generic set); curated: its curated demands,
    which help decide issue and direction. authors: author party id (or name) per document,
    None to detect it from the heading. genres: "news", "memorandum", "statement", "transcript"
    per document, when known (a news report has no author). The order of `parties` matters: the
    first two are the principals that "both sides" refers to. progress: called with what is
    done and the share of the work done (0..1) after splitting the documents, after encoding
    (the slow step; the model loads on first use) and after scoring.
    """
    report = progress or (lambda _text, _done: None)
    embedder = embedder or get_embedder()
    issues = tuple(issues) if issues is not None else generic_issues()
    index = PartyIndex(parties)
    documents: list[Document] = []
    candidates: list[_Candidate] = []
    year = batch_year(sources)
    for number, source in enumerate(sources):
        author = _party_id(index, authors[number]) if authors and authors[number] else None
        units = split_sentences(source.text)
        genre = genres[number] if genres and genres[number] else None
        if author is None and genre != "news":  # a news report speaks for nobody
            author = detect_author(units, index, source.text)
        documents.append(_document(source, author, genre, year))
        found = _candidates(number, units, index, author)
        for candidate in found:  # their cross-references count within the document: make them global
            if candidate.refers_to is not None:
                candidate.refers_to += len(candidates)
            if candidate.parent is not None:
                candidate.parent += len(candidates)
        candidates.extend(found)

    report(f"Found {len(candidates)} candidate statement(s) in {len(sources)} document(s); encoding them", 0.1)

    model_id = f"{embedder.model_id}+{PIPELINE_VERSION}"
    matcher = IssueMatcher(issues, embedder, curated=curated)
    vectors = embedder.embed([c.text for c in candidates])  # the one encode call for all documents
    report(f"Encoded {len(candidates)} statement(s)", 0.85)
    for n, candidate in enumerate(candidates):
        if candidate.refers_to is not None:
            vectors[n] = vectors[candidate.refers_to]  # "Oduya said that was not on the table"
    raw = [c.content.raw or c.text for c in candidates]
    scores = matcher.scores(vectors, [raw[c.refers_to] if c.refers_to is not None else raw[n]
                                      for n, c in enumerate(candidates)])
    demands, discovered = _demands(candidates, vectors, scores, matcher, documents, model_id, index)
    demands = [d for d in demands if (d.confidence or 0) >= min_confidence]
    used = {d.issue for d in demands}
    discovered = [i for i in discovered if i.id in used]
    report(f"Scored {len(demands)} demand(s) on {len(used)} issue(s)", 1.0)
    return Extraction(tuple(documents), tuple(sources), tuple(demands),
                      tuple(i for i in issues if i.id in used) + tuple(discovered), tuple(discovered), model_id)


def adhoc_negotiation(extraction: Extraction, parties: Sequence[Party], *, title: str | None = None,
                      slug: str = "extracted") -> Negotiation:
    """A negotiation holding only what was extracted, for comparing documents no curated data covers.

    Its issues are those the demands use (the given or generic set, then discovered ones); the
    parties are the ones the extraction looked for, in that order (the first two are the principals).
    `compare --doc` and the app's extraction preview both compare on it.
    """
    title = title or "Extracted from " + ", ".join(s.name for s in extraction.sources)
    return Negotiation(slug=slug, title=title, parties=tuple(parties), issues=extraction.issues,
                       documents=extraction.documents, demands=extraction.demands)


def _party_id(index: PartyIndex, ref: str) -> str:
    """A party id from an id, name or alias."""
    if ref in {p.id for p in index.parties}:
        return ref
    owner = index.owner(ref)
    if owner is None:
        known = ", ".join(p.name for p in index.parties)
        raise KeyError(f"unknown author {ref!r}; the parties are: {known}")
    return owner


def _document(source: SourceText, author: str | None, genre: str | None, year: int | None = None) -> Document:
    kind = _KIND_BY_GENRE.get(genre or "", "statement" if author else "news")
    return Document(
        id=source.id, title=source.title or source.name, party=author, date=document_date(source, year),
        kind=kind, certainty="unverified",  # type: ignore[arg-type]
        note=f"extracted from {source.name} ({source.format}, sha256 {source.sha256[:12]})",
    )


_MONTHS = {m: n for n, m in enumerate(
    "january february march april may june july august september october november december".split(), start=1)}
# "March", "Mar.", "Sept." (capitalised: "may" is a verb).
_MONTH = r"(Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?|" \
         r"Sep(?:tember|t\.|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
# Look for the dateline only at the top: a date further down is what the text talks about.
_HEAD = 600


def document_date(source: SourceText, year: int | None = None) -> dt.date:
    """Date from the file name (2025-03-02) or the dateline ("March 2, 2025", "2 March 2025"); else today.

    Positions are compared by date (latest wins), so a date found in the text beats the file time.
    A dateline without a year ("WASHINGTON, March 3 (Reuters) —", as wire reports write them) takes
    `year`, or the current year if that does not put it in the future.
    """
    full, month_day = _dateline(source)
    if full is not None:
        return full
    if month_day is not None:
        return _with_year(month_day, year)
    return dt.date.today()


def _dateline(source: SourceText) -> tuple[dt.date | None, tuple[int, int] | None]:
    """(full date, None) or (None, (month, day)) for a dateline without a year, or (None, None)."""
    match = re.search(r"(20\d\d)-(\d\d)-(\d\d)", source.name)
    if match:
        try:
            return dt.date(*map(int, match.groups())), None
        except ValueError:
            pass
    head = source.text[:_HEAD]
    for pattern, order in ((rf"\b{_MONTH} (\d{{1,2}}),? (20\d\d)\b", "mdy"),
                           (rf"\b(\d{{1,2}}) {_MONTH},? (20\d\d)\b", "dmy")):
        found = re.search(pattern, head)
        if found:
            month, day, year = _parts(found.groups(), order)
            try:
                return dt.date(year, month, day), None
            except ValueError:
                continue
    for pattern, order in ((rf"\b{_MONTH} (\d{{1,2}})\b(?!,? \d)", "md"), (rf"\b(\d{{1,2}}) {_MONTH}\b(?! \d)", "dm")):
        found = re.search(pattern, head)
        if found:
            month, day, _ = _parts((*found.groups(), "0"), "mdy" if order == "md" else "dmy")
            try:
                dt.date(2000, month, day)  # a leap year: 29 February is a valid dateline
            except ValueError:
                continue
            return None, (month, day)
    return None, None


def _parts(groups: tuple[str, ...], order: str) -> tuple[int, int, int]:
    month_name, day, year = (groups[0], groups[1], groups[2]) if order == "mdy" else (groups[1], groups[0], groups[2])
    prefix = month_name.rstrip(".").lower()[:3]
    month = next(n for name, n in _MONTHS.items() if name.startswith(prefix))
    return month, int(day), int(year)


def _with_year(month_day: tuple[int, int], year: int | None) -> dt.date:
    """The date in `year`; without one, in the current year unless that is still to come, else the last."""
    month, day = month_day
    today = dt.date.today()

    def on(y: int) -> dt.date:
        return dt.date(y, month, min(day, 28) if (month, day) == (2, 29) and y % 4 else day)

    if year is not None:
        return on(year)
    return on(today.year) if on(today.year) <= today else on(today.year - 1)


def batch_year(sources: Sequence[SourceText]) -> int | None:
    """The year the documents of one batch were written in, from those whose dateline has one.

    Documents extracted together are about one negotiation and usually from one period, so a
    year-less wire dateline borrows the year of its companions (the latest, if they span several).
    """
    years = [full.year for full, _ in map(_dateline, sources) if full is not None]
    return max(years) if years else None


def _candidates(source: int, units: list[Sentence], index: PartyIndex, author: str | None) -> list[_Candidate]:
    """Claims of every unit of one document, each with the text to embed."""
    attributor = Attributor(index, author)
    cues_of = [find_cues(u.text) for u in units]
    found: list[_Candidate] = []
    point_paragraph = -1
    background = False
    lead: Claim | None = None  # the position of a lead-in ("Network Rail has offered:") over the list after it
    for n, unit in enumerate(units):
        if _BOLD_LABEL.match(unit.text) and not unit.heading:
            if unit.marker is not None:
                point_paragraph = unit.paragraph  # the item's text, after its label, is still the point
            continue
        if unit.heading:
            # A "Preamble" or "Background" section recounts; the positions come after it.
            background = bool(_BACKGROUND.match(unit.text))
            continue
        if background:
            continue
        cues = [c for c in cues_of[n] if not _SPEECH_ACT.match(unit.text[c.end:c.end + 40])]
        next_voice = None
        if n + 1 < len(units) and units[n + 1].paragraph == unit.paragraph:
            following = units[n + 1]
            next_voice = attributor.voice(following, index.mentions(following.text), cues_of[n + 1], None)
        mentions = index.mentions(unit.text)
        voice = attributor.voice(unit, mentions, cues, next_voice)
        if lead is not None and unit.marker is None and unit.first_in_paragraph:
            lead = None  # the list a lead-in introduced has ended
        if lead is not None and unit.marker is not None:
            voice = Voice(lead.party, "author")  # "Network Rail has offered: 1. A 5% increase ..."
        if unit.first_in_paragraph and _ORDINAL.match(unit.text):
            point_paragraph = unit.paragraph  # "First, ...", "Second, ...": points of a statement
        is_point = unit.marker is not None or unit.paragraph == point_paragraph
        if unit.text.rstrip().endswith(":"):
            lead = _lead_in(unit, attributor, voice, author)
        if unit.text.rstrip().endswith("?") or unit.text.rstrip().endswith(":"):
            attributor.remember(unit, voice, [])
            continue  # questions and list lead-ins ("proposes the following:") state no position
        claims = _main_claims(attributor.claims(unit, cues, voice, is_point), unit, voice, is_point)
        if lead is not None and unit.marker is not None:
            # The items of "X has offered:" are offers (tentative); of "X rejects:" rejections.
            claims = [dataclasses.replace(c, polarity=c.polarity * lead.polarity,
                                          strength=min(c.strength, lead.strength))
                      if c.basis == "list-point" else c for c in claims]
        previous = [i for i, c in enumerate(found) if c.source == source]
        for claim in claims:
            content = content_of(unit.text, claim)
            if content.condition_kind == "until" and not index.mentions(condition_text(unit.text, content) or ""):
                # "continue until a final text is agreed": a time limit nobody has to meet, not a condition.
                content = dataclasses.replace(content, condition=None, condition_kind=None)
            gloss = _GLOSS.search(unit.text, content.end) if content_words(content.text) < SHORT_CONTENT else None
            fronted = fronted_object(unit.text, claim) if content_words(content.text) < SHORT_CONTENT else None
            if fronted and not gloss:
                # "a list of deported children it wants returned": what is wanted stands before the verb.
                content = dataclasses.replace(content, text=fronted, raw=fronted)
            elif gloss:
                # "was 'prepared to act', a remark widely read as a reference to back-to-work legislation":
                # the report says what the vague words mean.
                meaning = gloss.group("meaning").strip()
                content = dataclasses.replace(content, text=meaning, raw=meaning)
            elif content_words(content.text) < SHORT_CONTENT:
                # A fixed phrase after a short subject is what it says: "all options remain on the table".
                view_end = claim.cue.end if claim.cue is not None and claim.cue.idiom and claim.cue.sign > 0 \
                    and claim.cue.start >= content.end else content.end
                content = dataclasses.replace(content, text=sentence_view(unit.text, view_end))
            if n > 0:
                content = dataclasses.replace(content, text=_resolve_subject(content.text, units[n - 1]))
            content = dataclasses.replace(content, text=_without_names(content.text, index))
            refers_to = None
            if claim.anaphoric:
                earlier = [i for i in previous if found[i].unit is not unit]
                if not earlier:
                    continue
                refers_to = earlier[-1]
                if claim.basis == "echo":
                    # "So do we": the same position as the one echoed, whoever held that.
                    echoed = found[refers_to]
                    claim = dataclasses.replace(claim, polarity=echoed.claim.polarity, strength=echoed.claim.strength)
                    content = dataclasses.replace(echoed.content, condition=None, condition_kind=None,
                                                  end=claim.content[1])
            found.append(_Candidate(source, unit, claim, content, content.text, refers_to=refers_to))
            demanded = demanding_condition(unit.text, content)
            if demanded and not index.mentions(demanded) and content.condition_kind != "without":
                demanded = None  # "until a final text is agreed": nobody is asked to do anything
            if demanded and claim.cue is not None:
                # "tariffs unless Kestria scraps the subsidies": the holder also wants the subsidies scrapped.
                inner = Claim(claim.party, claim.cue, 1, 2, content.condition or claim.content, claim.basis)
                inner_content = Content(demanded, False, None, None, demanded)
                found.append(_Candidate(source, unit, inner, inner_content, _without_names(demanded, index),
                                        from_condition=True, parent=len(found) - 1))
        attributor.remember(unit, voice, claims)
    return found


# ", a remark widely read as a reference to X", ", in what was seen as a threat to X": a report's gloss.
_GLOSS = re.compile(
    r",\s*(?:a|an|in\s+what\s+(?:was|is|were))\s+(?:[\w-]+\s+){0,2}?(?:(?:widely|generally|largely|broadly)\s+)?"
    r"(?:read|seen|interpreted|understood|taken|viewed|regarded)\s+as\s+(?:an?\s+)?"
    r"(?:(?:thinly[\s-]+veiled\s+|veiled\s+|clear\s+|direct\s+)?(?:reference|allusion|signal|threat|warning|nod|hint)"
    r"\s+(?:to|of|at)\s+)?(?P<meaning>[^,;.]{4,120})", re.IGNORECASE)
# "They will stay in place": a pronoun subject, followed by its verb.
_PRONOUN_SUBJECT = re.compile(
    r"^(?:they|it|these|those)\s+(?=(?:will|would|shall|must|should|can|could|may|might|are|is|were|was|have|has|"
    r"remain|remains|stay|stays|need|needs)\b)", re.IGNORECASE)
# "The tariffs will take effect ...": a sentence opening with a noun phrase as its subject.
_NOUN_SUBJECT = re.compile(
    r"^\W*((?:the|these|those|all|its|their|our|any)\s+(?:[\w’'-]+\s+){0,3}?[\w’'-]+)\s+"
    r"(?:will|would|shall|must|should|can|could|may|might|are|is|were|was|have|has|had|remain|remains|stay|stays)\b",
    re.IGNORECASE)


def _resolve_subject(text: str, previous: Sentence) -> str:
    """ "They will stay in place" after "The tariffs will take effect ...": "The tariffs will stay in place".

    A pronoun says nothing about what the position concerns; the previous sentence's subject does.
    """
    pronoun = _PRONOUN_SUBJECT.match(text)
    if not pronoun or previous.heading:
        return text
    subject = _NOUN_SUBJECT.match(previous.text)
    if not subject or (re.match(r"it\b", text, re.IGNORECASE) and subject.group(1).lower().endswith("s")):
        return text  # "it" cannot stand for a plural
    return subject.group(1) + " " + text[pronoun.end():]


def _without_names(text: str, index: PartyIndex) -> str:
    """The text without the parties' proper names, for the embedder.

    A name says who, not what: "Kestria end its electric-vehicle subsidy programme" is about
    subsidies, and an invented or rare name ("Tavaran", "Local 7") pulls a short content towards
    whatever issue happens to be near its word pieces.
    """
    kept, cursor = [], 0
    for mention in index.names_in(text):
        if not text[mention.start:mention.start + 1].isupper():
            continue  # "the union", "government forces": lower-case aliases are ordinary words too
        end = mention.end + (2 if text[mention.end:mention.end + 2] in ("'s", "’s") else 0)
        before = re.sub(r"\b(?:the|The)\s+$", "", text[cursor:mention.start])  # "the United States"
        kept.append(before)
        cursor = end
    if not kept:
        return text
    stripped = re.sub(r"\s+", " ", "".join(kept) + text[cursor:]).strip(" ,;:")
    return stripped if content_words(stripped) >= 2 else text


_DEONTIC = re.compile(r"\b(?:shall|must|should|ought to|is to|are to|has to|have to|needs? to)\b", re.IGNORECASE)


def _own_commitment(claim: Claim, text: str) -> bool:
    cue = claim.cue
    return (claim.basis == "subject" and cue is not None and cue.kind == "attitude"
            and not _DEONTIC.search(text[max(0, cue.start - 12):cue.end]))


def _lead_in(unit: Sentence, attributor: Attributor, voice: Voice, author: str | None) -> Claim | None:
    """The one party's position a list lead-in takes on the items that follow ("Network Rail has offered:").

    Only a lead-in naming another party than the document's author matters: the author's own lists
    ("We propose the following:") are its points anyway.
    """
    text = unit.text.rstrip()[:-1] + " the following points."  # a content, so the cue has something to hold
    probe = dataclasses.replace(unit, text=text)
    held = [c for c in attributor.claims(probe, find_cues(text), voice, False)
            if c.cue is not None and c.cue.kind in ("attitude", "nominal")]
    parties = {c.party for c in held}
    if len(parties) != 1 or parties == {author}:
        return None
    return held[-1]


def _main_claims(claims: list[Claim], unit: Sentence, voice: Voice, is_point: bool) -> list[Claim]:
    """Drop the claims that only echo a stronger one.

    A weak modal ("would", "can") next to a real demand verb of the same party is usually the
    demand's reasoning ("...and cannot be accepted; it would make the port the most expensive").
    In a numbered point, a cue late in the sentence ("up from the 9% offered on Jan. 28") is a
    detail: the point as a whole is the author's position.
    """
    if is_point and voice.party is not None and voice.kind in ("author", "label"):
        # Every point of a memorandum is its author's demand, whatever the grammatical subject
        # ("The United States shall commit to refrain from any attack" is Tavaran's demand), except a
        # named subject's own verb without a "shall": "The U.S. side has committed to cancel 91 points
        # of its tariffs", in a Chinese statement, is the United States' commitment, reported.
        claims = [c if c.basis == "possessor" or _own_commitment(c, unit.text)
                  else dataclasses.replace(c, party=voice.party, basis="list-point") for c in claims]
    strong = {c.party for c in claims if c.cue is not None and c.cue.weight >= 0.5}
    kept = [c for c in claims if c.cue is None or c.cue.weight >= 0.5 or c.party not in strong]
    explicit = {c.party for c in kept if not c.anaphoric}
    # "rejected the list as absurd, saying it would consider releasing ...": the explicit content
    # says what the position is about; the pointer back ("the list") only guesses.
    kept = [c for c in kept if not c.anaphoric or c.party not in explicit or c.basis == "echo"]
    # One weak modal per party, the last: "Tavaran can have a civilian programme, but it cannot
    # enrich uranium" says what the second clause says.
    last_weak = {c.party: c for c in kept if c.cue is not None and c.cue.weight < 0.5}
    kept = [c for c in kept if c.cue is None or c.cue.weight >= 0.5 or last_weak[c.party] is c]
    if is_point and voice.party is not None and kept and all(
            c.cue is not None and c.cue.kind != "modal" and c.cue.start > LATE_CUE * len(unit.text) for c in kept):
        negative = re.match(r"\s*[\"“]?(?:no|not|never)\b", unit.text, re.IGNORECASE)
        return [Claim(voice.party, None, -1 if negative else 1, 2, (0, len(unit.text)), "list-point")]
    return kept


def _demands(
    candidates: list[_Candidate],
    vectors: np.ndarray,
    scores: np.ndarray,
    matcher: IssueMatcher,
    documents: list[Document],
    model_id: str,
    index: PartyIndex,
) -> tuple[list[Demand], list[Issue]]:
    n_issues = len(matcher.issues)
    if not candidates:
        return [], []
    if n_issues:
        order = np.argsort(-scores, axis=1)
        best = order[:, 0]
        best_score = scores[np.arange(len(scores)), best]
        second = scores[np.arange(len(scores)), order[:, 1]] if n_issues > 1 else np.zeros(len(scores))
    else:
        best = np.zeros(len(candidates), dtype=np.int64)
        best_score = np.full(len(candidates), -1.0)
        second = np.zeros(len(candidates))
    texts = [c.content.raw or c.text for c in candidates]
    for n, candidate in enumerate(candidates):
        if candidate.refers_to is not None:
            texts[n] = texts[candidate.refers_to]
    directions = matcher.directions(vectors, best, texts) if n_issues else np.zeros(len(candidates))

    assigned: dict[int, tuple[Issue, float, float, float]] = {}  # candidate -> issue, score, margin, direction
    unmatched: list[int] = []
    for n, candidate in enumerate(candidates):
        if not n_issues or best_score[n] < ISSUE_MIN:
            unmatched.append(n)
            continue
        # Among the issues about as near as the best, the first whose own words the content uses.
        words = texts[n] + " " + candidate.text
        near = [int(i) for i in order[n] if scores[n, i] >= max(ISSUE_MIN, best_score[n] - SUPPORT_SLACK)]
        supported = next((i for i in near if matcher.supported(i, words)), None)
        if supported is not None and supported != best[n]:
            second[n] = best_score[n]  # its margin over the nearer, unsupported issue is nil
            best[n], best_score[n] = supported, scores[n, supported]
            directions[n] = matcher.directions(vectors[n:n + 1], best[n:n + 1], texts[n:n + 1])[0]
        if supported is None and best_score[n] < ISSUE_SURE:
            unmatched.append(n)  # a weak match without a word of the issue's: a guess, not a fit
            continue
        issue = matcher.issues[int(best[n])]
        assigned[n] = (issue, float(best_score[n]), float(best_score[n] - second[n]), float(directions[n]))

    # A claim that fits no issue, and another party's claim much more like it than like the issue it was
    # given ("would defy any back-to-work order" / "prepared to act, ... back-to-work legislation"), are
    # one topic the issue set lacks: both go to discovery. Put back if no new issue takes them.
    pulled: dict[int, tuple[Issue, float, float, float]] = {}
    if unmatched and assigned:
        matched = np.asarray(sorted(assigned))
        similarity = vectors[unmatched] @ vectors[matched].T  # one matrix product, not a loop of dots
        needed = np.maximum(best_score[unmatched][:, None], np.asarray([assigned[m][1] for m in matched])[None, :])
        close = (similarity >= PAIR_JOIN) & (similarity >= needed + PAIR_MARGIN)
        for row, column in zip(*np.nonzero(close)):
            n, other = unmatched[row], int(matched[column])
            if other not in pulled and candidates[other].claim.party != candidates[n].claim.party:
                pulled[other] = assigned.pop(other)
        unmatched = sorted(unmatched + list(pulled))

    discovered: list[Issue] = []
    if unmatched:
        seeds = [_firm(candidates[n]) for n in unmatched]
        exclude = {w.lower() for p in index.parties for name in p.names() for w in re.findall(r"[A-Za-z-]+", name)}
        groups = discover(vectors[unmatched], [_raw_content(candidates[n]) for n in unmatched], seeds,
                          join=DISCOVER_JOIN, taken={i.id for i in matcher.issues}, exclude_words=exclude)
        for group in groups:
            discovered.append(group.issue)
            seed = candidates[unmatched[group.seed]]
            seed_sign = seed.claim.polarity * (-1 if seed.content.negated else 1)
            seed_parity = reversals(seed.text) % 2
            for member in group.members:
                n = unmatched[member]
                candidate = candidates[n]
                similarity = float(vectors[n] @ vectors[unmatched[group.seed]])
                direction = seed_sign * (1.0 if reversals(candidate.text) % 2 == seed_parity else -1.0)
                assigned[n] = (group.issue, similarity, 0.0, direction)
    for n, assignment in pulled.items():
        assigned.setdefault(n, assignment)

    for n, candidate in enumerate(candidates):
        parent = candidate.parent
        if parent is not None and n in assigned and parent in assigned and assigned[n][0] == assigned[parent][0]:
            del assigned[n]  # "tariffs stay until Kestria ends its tariffs": the condition is already said

    matcher_ids = {i.id for i in matcher.issues}
    demands: list[Demand] = []
    kept: dict[tuple[int, int, str, str], tuple[float, int]] = {}  # (source, unit, party, issue) -> confidence, slot
    for n, candidate in enumerate(candidates):
        if n not in assigned:
            continue
        issue, score, margin, direction = assigned[n]
        claim = candidate.claim
        if issue.id == "territory":
            withdrawal = withdrawal_direction(texts[n], claim.party, index)
            if withdrawal:
                direction = withdrawal * max(abs(direction), DIRECTION_FLOOR)
        stance = stance_of(claim, candidate.content, direction, issue.motion)
        if stance == 0:
            continue
        confidence = _confidence(confidence_features(candidate, margin, discovered=issue.id not in matcher_ids,
                                                     news=documents[candidate.source].kind == "news"))
        document = documents[candidate.source]
        unit = candidate.unit
        key = (candidate.source, unit.start, claim.party, issue.id)
        demand = Demand(
            id=f"{document.id}-x000",  # numbered below, once duplicates are gone
            party=claim.party,
            document=document.id,
            issue=issue.id,
            stance=stance,
            condition=None if candidate.from_condition else condition_text(unit.text, candidate.content),
            text=_paraphrase(candidate),
            origin="extracted",
            certainty="unverified",
            confidence=round(confidence, 3),
            evidence=unit.text,
            evidence_start=unit.start,
            evidence_end=unit.end,
            model=model_id,
            note=_note(candidate, score, direction),
        )
        if key in kept:
            old_confidence, slot = kept[key]
            if confidence >= old_confidence:  # the surer reading wins; ties go to the later ("X, but Y" means Y)
                demands[slot] = demand
                kept[key] = (confidence, slot)
            continue
        kept[key] = (confidence, len(demands))
        demands.append(demand)
    counters: dict[str, int] = {}
    numbered = []
    for demand in demands:
        counters[demand.document] = counters.get(demand.document, 0) + 1
        numbered.append(demand.model_copy(update={"id": f"{demand.document}-x{counters[demand.document]:03d}"}))
    return numbered, discovered


def _firm(candidate: _Candidate) -> bool:
    cue = candidate.claim.cue
    firm_cue = cue is None or (cue.weight >= 0.8 and cue.kind != "nominal")
    # Only a firm position can be the motion of a new issue, and only one whose content names a topic:
    # not "ready for every scenario" or "with all my heart". A refusal needs more words to do so
    # ("refused to extend the Black Sea Grain Initiative" can, "never asked for a coin" cannot).
    words = content_words(_raw_content(candidate))
    return (firm_cue and candidate.claim.strength == 2 and not candidate.claim.anaphoric
            and (words >= 3 if candidate.claim.polarity > 0 else words >= 5))


def _raw_content(candidate: _Candidate) -> str:
    if candidate.from_condition:
        return candidate.text
    start, end = candidate.claim.content
    span = candidate.unit.text[start:end]
    if candidate.content.raw and candidate.content.raw not in span:
        return candidate.content.raw  # glossed: "prepared to act" -> "back-to-work legislation"
    return span.strip(" ,;:.\"“”")


def _paraphrase(candidate: _Candidate) -> str:
    """A short text of what the party wants: from the cue to the end of its content."""
    if candidate.from_condition:
        return candidate.text
    unit, claim = candidate.unit.text, candidate.claim
    start = claim.cue.start if claim.cue is not None and claim.cue.start < claim.content[0] else claim.content[0]
    text = strip_attribution(re.sub(r"\s+", " ", unit[start:claim.content[1]]))
    text = re.sub(r"\s+(?:and|or|but)$", "", text.strip(" ,;:\"“”")).strip(" ,;:\"“”")
    return text if len(text) >= 3 else unit.strip()


def _note(candidate: _Candidate, score: float, direction: float) -> str:
    claim = candidate.claim
    cue = candidate.unit.text[claim.cue.start:claim.cue.end] if claim.cue else "none"
    how = "condition of the demand" if candidate.from_condition else claim.basis
    return f"holder: {how}; cue: {cue!r}; issue similarity {score:.2f}; direction {direction:+.2f}"


def confidence_features(candidate: _Candidate, margin: float, *, discovered: bool, news: bool) -> np.ndarray:
    """The signals behind a demand's confidence, in the order of CONFIDENCE_FEATURES.

    One per thing that can go wrong: the issue match's margin over the runner-up issue (what; a
    discovered issue has no runner-up, so 0, and its own flag), the cue's weight ("demands" 1.0 ... a
    bare "will" 0.35: is it a position, and which way), how the holder was found (who), and whether the
    document is a news report, where the holder is a reported speaker among many.
    """
    claim = candidate.claim
    cue_weight = claim.cue.weight if claim.cue is not None else (0.9 if claim.basis == "list-point" else 0.5)
    return np.array([float(np.clip(margin, 0.0, 0.2)), cue_weight, claim.certainty, float(discovered), float(news)])


def _confidence(features: np.ndarray) -> float:
    """Probability that the demand is right: party, issue and direction of stance.

    A logistic model of confidence_features; `python -m positions evaluate` prints, per confidence
    band, the share of demands that were right.
    """
    logit = CONFIDENCE_BIAS + float(np.dot(CONFIDENCE_WEIGHTS, features))
    return float(1.0 / (1.0 + np.exp(-logit)))
