"""The words that make a sentence a position: demand and rejection cues, negation, conditions.

Cues are found by pattern, not by a model, because they decide *direction*, and a sentence
embedding barely registers "not" or "rejected" (see DESIGN.md §2). A cue has a kind:

- `attitude`: a verb or phrase whose subject holds the position ("Kyiv *wants* ...",
  "Moscow *rejected* ..."); the subject is the holder, the words after it the content;
- `modal`: deontic wording ("Ukraine *must* withdraw"); its subject is the *target*, so the
  holder is whoever says it (reporting speaker, transcript speaker, document author);
- `nominal`: a noun naming a position ("Kyiv's *calls* for ..."), held by its possessor;
- `report`: a verb of saying ("said", "according to"); it names a speaker, not a position.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

CueKind = Literal["attitude", "modal", "nominal", "report"]


@dataclasses.dataclass(frozen=True)
class Cue:
    """One cue in a sentence; offsets are relative to the sentence text."""

    start: int
    end: int
    kind: CueKind
    sign: int  # +1 for the content, -1 against it, 0 for a reporting verb
    strength: int  # 2 firm (demand, reject), 1 tentative (open to, could consider)
    weight: float  # how strongly this cue alone signals that the sentence states a position
    negated: bool = False
    idiom: bool = False  # a fixed phrase ("not negotiable", "off the table"): its own "not" is part of it

    @property
    def polarity(self) -> int:
        """Direction after negation: "will not accept" is against, "does not oppose" is for."""
        return -self.sign if self.negated else self.sign


def _words(*stems: str) -> str:
    return "|".join(stems)


# An adverb between a verb and its particle: "calling instead for", "pressed again for".
_ADV = r"(?: (?:instead|also|again|now|repeatedly|once more|still|further|rather|publicly|explicitly|strongly))?"


# Each entry: pattern, kind, sign, strength, weight. Order matters only for overlapping matches,
# where the longer match wins.
_LEXICON: list[tuple[str, CueKind, int, int, float]] = [
    # --- for the content, firm
    (_words(r"demand(?:s|ed|ing)?", r"insist(?:s|ed|ing)?(?: on| upon| that)?", rf"call(?:s|ed|ing)?{_ADV} for",
            r"call(?:s|ed|ing)? (?:up)?on(?=(?: [\w.'’-]+){1,6} to\b)", r"urg(?:e|es|ed|ing)", rf"press(?:es|ed|ing)?{_ADV} for",
            r"press(?:es|ed|ing)?(?=(?: [\w.'’-]+){1,4} to\b)",
            rf"push(?:es|ed|ing)?{_ADV} for", r"want(?:s|ed|ing)?", r"(?:would|['’]d) (?:very much |really )?like(?: to see)?(?! to (?:thank|welcome|say|begin|start))",
            r"seek(?:s|ing)?", r"sought",
            r"propos(?:e|es|ed|ing)", r"put(?:s|ting)? forward",
            r"agree(?:s|d|ing)?(?: to| on| upon| that)?", r"accept(?:s|ed|ing)?", r"support(?:s|ed|ing)?",
            r"back(?:s|ed|ing)", r"endors(?:e|es|ed|ing)", r"welcom(?:e|es|ed|ing)",
            r"favou?r(?:s|ed|ing)?", r"in favou?r of", r"advocat(?:e|es|ed|ing)", rf"ask(?:s|ed|ing)?{_ADV} for",
            r"request(?:s|ed|ing)?", r"requir(?:e|es|ed|ing)", r"ask(?:s)?(?=(?: [\w.'’-]+){1,4} to\b)", r"commit(?:s|ted|ting)? to",
            r"(?:remains?|is|are|was|were) committed to", r"pledg(?:e|es|ed|ing)", r"promis(?:e|es|ed|ing)",
            r"vow(?:s|ed|ing)?", r"allow(?:s|ed|ing)?", r"permit(?:s|ted|ting)?",
            r"(?:told|tells|instructed|ordered|asked|directed|urged)(?=(?: [\w.'’-]+){1,4} to\b)",
            r"invit(?:e|es|ed|ing)(?=(?: [\w.'’-]+){1,4} to\b)",
            r"expect(?:s|ed|ing)?(?=(?: [\w.'’-]+){1,4} to\b)",
            r"(?:is|are|was|were|be|been|remains?|stands?|stood) (?:ready|prepared|willing) (?:to|for)",
            r"stands? ready", r"(?:ready|prepared|willing|available) to", r"determined to", r"intends? to",
            r"set as a (?:pre)?condition", r"conditions? (?=for\b|that\b)", r"precondition", r"prerequisite",
            r"accept nothing less than",
            # "The Kremlin has made the lifting of sanctions a condition for any deal": what is made a condition.
            r"made(?= (?:[\w'’-]+ ){1,8}(?:a |the |its )?(?:key |main |central |firm )?(?:pre)?condition)", r"threaten(?:s|ed|ing)?(?= (?:to (?!derail|collapse|unravel|undermine)|(?:new |further |more |fresh |higher )?"
            r"(?:tariffs|duties|sanctions|countermeasures|retaliation|reprisals|a strike|strikes|strike action|"
            r"military action|force)\b))",
            # "Armenia recognises Azerbaijan's territorial integrity": finite forms only. Not the bare verb
            # inside another's demand ("demanded that Varrenia recognise ..."), the passive ("shall be
            # recognised") or the adjective ("internationally recognised borders"), which no subject holds.
            r"(?<!internationally )(?<!universally )(?<!widely )(?<!generally )(?<!be )(?<!been )(?<!being )"
            r"(?<!is )(?<!are )(?<!was )(?<!were )recogni[sz](?:es|ed)"),
     "attitude", 1, 2, 1.0),
    # --- for the content, tentative
    # An offer or a readiness to talk is a concession: for the content, but short of demanding it.
    (_words(r"offer(?:s|ed|ing)?",
            r"(?:(?:is|are|was|were|be|been|remains?|stands?) )?(?:ready|prepared|willing|available) to "
            r"(?:discuss|consider|look at|explore|talk about)",
            r"open to", r"could accept", r"might accept", r"would consider", r"(?:is|are|was|were) considering",
            r"consider(?:s|ed|ing)?", r"envisag(?:e|es|ed|ing)", r"envision(?:s|ed|ing)?", r"contemplat(?:e|es|ed|ing)",
            r"signall?(?:ed|s)? (?:willingness|readiness|openness)", r"hint(?:s|ed)? (?:at|that)",
            r"hop(?:e|es|ed|ing) (?:for|to|that)", r"expect(?:s|ed|ing)?", r"aim(?:s|ed|ing)? (?:to|for|at)",
            r"suggest(?:s|ed|ing)?", r"prefer(?:s|red)?", r"not opposed to", r"(?:has|have|had) no objections? to",
            r"no objections? to", r"look at", r"explore", r"reserves? the right to"),
     "attitude", 1, 1, 0.7),
    # --- against the content, firm
    (_words(r"reject(?:s|ed|ing)?", r"refus(?:e|es|ed|ing)", r"oppos(?:e|es|ed|ing)", r"opposed to",
            r"rul(?:e|es|ed|ing) out", r"dismiss(?:es|ed|ing)?", r"rebuff(?:s|ed|ing)?", r"object(?:s|ed|ing)? to",
            r"veto(?:es|ed|ing)?", r"resist(?:s|ed|ing)?", r"def(?:y|ies|ied|ying)", r"turn(?:s|ed|ing)? down", r"denounc(?:e|es|ed|ing)",
            r"condemn(?:s|ed|ing)?", r"warn(?:s|ed|ing)? against", r"(?:is|are|was|were) against"),
     "attitude", -1, 2, 1.0),
    # --- modal: what someone (the speaker) says must happen
    (_words(r"must", r"should", r"ought to", r"ha(?:s|ve|d) to", r"needs? to", r"shall", r"(?:is|are) to be",
            r"cannot be allowed to"),
     "modal", 1, 2, 0.8),
    (_words(r"(?<!good )(?<!free )(?<!ill )(?<!political )will", r"would", r"can", r"could", r"(?<!\d )may(?! \d)", r"might", r"won't", r"wouldn't", r"can't", r"cannot",
            r"shan't", r"['’]ll"),
     "modal", 1, 2, 0.35),
    # --- a right claimed: held by the speaker, about the clause ("enrichment is his country's right")
    (r"(?<=['’]s )right(?: to| under| of)?|(?<=\bits )right(?: to| under| of)?|(?<=\bour )right(?: to| under| of)?"
     r"|(?<=\btheir )right(?: to| under| of)?|(?<=sovereign )right(?: to| under| of)?"
     r"|(?<=inalienable )right(?: to| under| of)?", "modal", 1, 2, 0.8),
    # --- nominal: a position named by a noun, held by its possessor ("Kyiv's call for", "demands by Moscow")
    (_words(r"calls?", r"demands?", r"proposals?", r"offers?", r"plans?", r"insistence", r"requests?",
            r"push", r"bid", r"ultimatum", r"terms", r"conditions", r"suggestions?", r"initiative",
            # "Kyiv's position is that ...", "the union's top priority is job security": held by the possessor.
            r"position", r"stance", r"priority", r"priorities", r"red lines?", r"goal", r"objective"),
     "nominal", 1, 2, 0.5),
    (_words(r"refusal", r"rejection", r"opposition"), "nominal", -1, 2, 0.5),
    # --- reporting verbs: name a speaker
    (_words(r"said", r"says", r"say", r"told", r"tells", r"stated", r"states", r"added", r"adds",
            r"noted", r"announced", r"announces", r"declared", r"declares", r"warned", r"warns",
            r"wrote", r"writes", r"tweeted", r"posted", r"argued", r"argues", r"stressed", r"stresses",
            r"emphasi[sz]ed", r"reiterated", r"reiterates", r"repeated", r"explained", r"replied",
            r"responded", r"countered", r"claimed", r"claims", r"alleged", r"alleges", r"confirmed", r"confirms",
            r"insisted", r"made clear", r"according to", r"quoted", r"told reporters", r"reaffirmed",
            r"reaffirms", r"maintained", r"maintains", r"asserted", r"saying", r"adding"),
     "report", 0, 0, 0.3),
]
# Fixed phrases whose position is about what comes BEFORE them ("Enrichment is not negotiable",
# "that was not on the table"); their negation is part of the phrase.
_IDIOMS: list[tuple[str, int, int]] = [  # pattern, sign, strength
    (r"(?:is|are|was|were|remains?) (?:not|non-)\s?negotiable|non-negotiable|not negotiable"
     r"|not (?:up for|subject to|open to|a matter for) (?:negotiation|discussion|debate|bargaining)", 1, 2),
    (r"(?:is|are|was|were) (?:essential|indispensable|vital|a must|a priority|a precondition|a prerequisite)", 1, 2),
    (r"(?:is|are|was|were) (?:simply |completely |totally )?(?:unacceptable|not acceptable|out of the question|"
     r"a non-starter|not on the table|off the table)|not on the table|off the table|out of the question|unacceptable",
     -1, 2),
    # "all options remain on the table": kept possible, not demanded.
    (r"(?:is|are|remains?|stays?) (?:still |firmly )?on the table", 1, 1),
]
_NOMINAL_MARKERS = re.compile(r"^(?:'s|’s)?\s*(?:for|to|that|of|on)\b", re.IGNORECASE)

_PATTERNS = [
    (re.compile(rf"(?<![\w-])(?:{pattern})\b", re.IGNORECASE), kind, sign, strength, weight, False)
    for pattern, kind, sign, strength, weight in _LEXICON
] + [
    (re.compile(rf"(?<![\w-])(?:{pattern})\b", re.IGNORECASE), "modal", sign, strength, 0.9, True)
    for pattern, sign, strength in _IDIOMS
]
# Negators that reverse a cue when they come shortly before it.
_NEGATION = re.compile(
    r"\b(?:not|never|no longer|neither|nor|hardly|without)\b|n['’]t\b|\bcannot\b", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;:—–]|,\s*(?:but|while|whereas|and)\b|\b(?:but|while|whereas)\b", re.IGNORECASE)
_NEGATION_WINDOW = 24  # characters before a cue: "will not", "has never", "did not fully"


def find_cues(text: str) -> list[Cue]:
    """Every cue in a sentence, left to right, longest match first where they overlap."""
    found: list[Cue] = []
    for pattern, kind, sign, strength, weight, idiom in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if kind == "nominal" and not _is_position_noun(text, start, end):
                continue
            if re.match(r"\s+of anonymity", text[end:end + 14]):
                continue  # "spoke on condition of anonymity"
            if kind == "attitude" and _is_passive_modifier(text, start, end):
                continue
            found.append(Cue(start, end, kind, sign, strength, weight, idiom=idiom))
    # Longest first at the same start; an idiom beats the plain words inside it.
    found.sort(key=lambda c: (c.start, -(c.end - c.start), not c.idiom))
    kept: list[Cue] = []
    for cue in found:
        if kept and cue.start < kept[-1].end:
            continue  # overlaps a longer match ("insisted" as attitude, not also as report)
        kept.append(cue)
    return [_with_negation(text, cue, kept) for cue in _fold_modals(kept, text)]


def _is_position_noun(text: str, start: int, end: int) -> bool:
    """A position noun counts with a possessor or a complement: "Kyiv's call for", "demands by Moscow"."""
    before = text[max(0, start - 30):start]
    after = text[end:end + 12]
    # "Kyiv's call", "the union's top priority", "Moscow's key demands".
    possessed = re.search(r"['’]s\s+(?:(?:key|main|top|central|first|core|latest|new|own|chief|principal)\s+)?$", before)
    return bool(possessed) or bool(_NOMINAL_MARKERS.match(after)) or after.lstrip().startswith(("by ", "from "))


def _is_passive_modifier(text: str, start: int, end: int) -> bool:
    """ "guarantees agreed by both sides": a participle describing a noun, not a position taken."""
    word = text[start:end].lower()
    return word.endswith("ed") and bool(re.match(r"\s+by\b", text[end:end + 4])) and not re.search(
        r"\b(?:is|are|was|were|been|being|be|has|have|had)\s+(?:\w+\s+)?$", text[:start], re.IGNORECASE)


# What may stand between a modal and the verb it modifies: "will not", "could perhaps", "would also".
_ONLY_ADVERBS = re.compile(
    r"(?:\s+|n['’]t|\b(?:not|never|also|still|now|then|only|perhaps|probably|certainly|definitely|really|ever|"
    r"further|no longer|be|have|has|even|gladly|readily|happily|immediately|always)\b)*",
    re.IGNORECASE)


def _fold_modals(cues: list[Cue], text: str) -> list[Cue]:
    """Drop a modal that only modifies the attitude verb right after it ("would accept", "will not reject").

    The attitude verb then carries the position, and a tentative modal ("could", "might", "may")
    lowers its strength.
    """
    folded: list[Cue] = []
    skip = False
    for index, cue in enumerate(cues):
        if skip:
            skip = False
            continue
        following = cues[index + 1] if index + 1 < len(cues) else None
        if cue.kind == "modal" and following is not None and following.kind == "attitude" \
                and _ONLY_ADVERBS.fullmatch(text[cue.end:following.start]):
            tentative = re.match(r"(?:could|might|may|would)\b", text[cue.start:cue.end], re.IGNORECASE) \
                and following.sign > 0 and not _NEGATION.search(text[cue.start:following.start])
            strength = 1 if tentative else following.strength
            # The negation may sit inside the modal ("won't accept") or between ("will not accept").
            merged = dataclasses.replace(following, start=cue.start, strength=strength)
            folded.append(merged)
            skip = True
            continue
        folded.append(cue)
    return folded


def _with_negation(text: str, cue: Cue, cues: list[Cue]) -> Cue:
    if cue.kind == "report" or cue.idiom:
        return cue
    span = text[cue.start:cue.end]
    # Only negators in the same clause, after any cue that precedes this one.
    previous_end = max((c.end for c in cues if c.end <= cue.start), default=0)
    window = text[max(previous_end, cue.start - _NEGATION_WINDOW):cue.start]
    if _CLAUSE_BREAK.search(window):
        window = _CLAUSE_BREAK.split(window)[-1]
    negated = bool(_NEGATION.search(window)) or bool(_NEGATION.search(span))
    if cue.kind == "modal" and not negated:
        # "must not", "would \"never": the negator follows the modal; "no elections can be held":
        # it sits in the subject of the clause.
        negated = bool(re.match(r"\s+[\"“]?(?:not|never)\b", text[cue.end:cue.end + 9], re.IGNORECASE)) or bool(
            re.search(r"\b(?:no|nothing|none|nobody)\b", window, re.IGNORECASE))
    return dataclasses.replace(cue, negated=negated)


# --------------------------------------------------------------------------------- conditions

_CONDITION = re.compile(
    r"\b(?:only (?:after|if|when|once|in exchange for)|provided (?:that)?|providing (?:that)?|on (?:the )?condition that"
    r"|(?<!for )as long as|so long as|unless|until|till|in exchange for|in return for|as soon as"
    r"|after|once|if|before|while|(?<![\w ])should(?= \w[^,?]{2,120},)"
    r"|(?:(?<=will )|(?<=would )|(?<=must )|(?<=shall )|(?<=can )|(?<=only ))(?:follow|come after|come only after))\b",
    re.IGNORECASE)
# Plain "after", "once" and "before" mostly date an event ("after the talks, he said"); they make a
# condition only as "only after", "only once", which the pattern above matches as a whole.
_TIME_WORDS = {"after", "once", "before"}
_TIME_LIMIT = re.compile(
    r"\s+(?:\d|(?:the\s+)?(?:end|start|beginning|middle)\b|retirement|further notice|next\b|then\b|now\b|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)\b|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|tomorrow|today)",
    re.IGNORECASE)
_TRAILING_ATTRIBUTION = re.compile(
    r"[,;]?\s*[\"”’]?\s*,?\s*(?:(?:\w+\s+){0,4}(?:said|says|told|added|stated|noted|warned|insisted|stressed)\b.*"
    r"|according to\b.*)$", re.IGNORECASE)


# "But if Kestria retaliates, ...": a conjunction or linking adverb before an opening condition.
_LINK = re.compile(r"[\s\"“'‘]*(?:(?:but|and|so|yet|now|however|still|then|or|even so)\b[\s,]*)?", re.IGNORECASE)


def opens_sentence(text: str, position: int) -> bool:
    """Whether only quotes and a linking word ("But", "And", "So") come before `position`."""
    return _LINK.fullmatch(text[:position]) is not None


def find_condition(text: str, after: int = 0) -> tuple[int, int] | None:
    """Span of the condition attached to a position ("only after ...", "unless ..."), or None.

    The span runs to the end of the clause, without a trailing attribution (", he said.").
    `after` is where the position's content starts: a condition is looked for from there.
    """
    for match in _CONDITION.finditer(text, after):
        word = match.group(0).lower()
        if word in _TIME_WORDS:
            continue
        if word == "if" and re.search(r"\b(?:ask\w*|wonder\w*|know|see|even)\s+$", text[:match.start()], re.IGNORECASE):
            continue  # "asked if", "even if": not a condition on the position
        if word == "while" and (re.search(r"[,;:—–]\s*$", text[:match.start()]) or opens_sentence(text, match.start())):
            continue  # ", while the union wants ...", "While we welcome ...": a contrast, not a condition
        if word in ("until", "till", "follow", "come after") and _TIME_LIMIT.match(text[match.end():]):
            continue  # "guarantee work until retirement": a time limit, not a condition
        end = len(text)
        rest = text[match.end():]
        if opens_sentence(text, match.start()):
            # "If there are to be guarantees, they must ...": an opening condition ends at its comma.
            comma = rest.find(",")
            if comma > 0:
                rest = rest[:comma]
                end = match.end() + comma
        stop = re.search(r"[;—]|\.\s+(?=[A-Z\"“])|\.$|[\"”]\s*,|,\s*(?:but|while|whereas)\b"
                         r"|,\s*(?:a|an|the)\s+(?:demand|proposal|position|condition|request|offer|move|claim|step|remark|"
                         r"comment|statement|reference|threat|warning|signal)\b", rest)
        if stop:
            end = match.end() + stop.start()
        tail = _TRAILING_ATTRIBUTION.search(text[match.start():end])
        if tail:
            end = match.start() + tail.start()
        end = len(text[:end].rstrip(" ,.;:\"”’'"))
        if end - match.start() > len(word) + 2:
            return match.start(), end
    return None
