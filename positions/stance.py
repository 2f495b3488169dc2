"""Stance of a claim on its issue's motion (-2..+2), its condition, and the text to embed for it.

stance = claim polarity (the cue: demand +, reject -, after negation and "rejected Y's call")
       x content direction (does what the claim is about push the motion forward or back?)
       x strength (2 firm, 1 tentative or deferred).

The content direction is the hard part: "Russia demands that sanctions be lifted" is +2 on
"sanctions are lifted", "Ukraine demands new sanctions" is -2 on the same motion, yet both
sentences are close to the motion in embedding space. So direction is decided by which of two
anchor lists the content is nearer to: examples FOR the motion and examples AGAINST it
(positions/stance_anchors.yaml for generic issues; curated demands, by their stance, for a
negotiation's own issues). Negators are cut out of the embedded text and applied by rule,
because the model barely registers "not".
"""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

from positions.attribution import Claim, PartyIndex
from positions.cues import find_condition, opens_sentence

# Negators removed from the text that is embedded; their effect is applied by rule instead.
_NEGATOR = re.compile(r"\b(?:not|never|no longer|no|nor|neither)\b\s*|\b(?:n['’]t)\b", re.IGNORECASE)
# "that Tavaran never acquires", "no enrichment": a negator among the first words, before any comma.
# A "that" before the negator opens a clause of its own: in "a guarantee that no jobs will be lost" the
# negation belongs to what is guaranteed, not to the demand.
_LEADING_NEGATION = re.compile(r"^\W*(?:(?!that\b)[\w'’-]+\s+){0,2}?(?:not|never|no)\b", re.IGNORECASE)
_THAT = re.compile(r"^\s*(?:(?:ensure|guarantee|make sure|see to it|insist)\s+that|that|to|for|on|the|a|an)\s+",
                   re.IGNORECASE)
# ", Holt told reporters after the final session." / ", according to two officials": who said it, not
# what was said. Only a short tail that is nothing but attribution ("says it wants to negotiate" is not).
_ATTRIBUTION_TAIL = re.compile(
    r"(?:[,;]|[\"”’])\s*[\"”’]?\s*,?\s*(?:(?:[A-Z][\w.'’-]*|the|a|an|his|her|its|their|\w+)\s+){0,6}?"
    r"(?:said|says|told|tells|added|adds|stated|noted|warned|insisted|stressed|wrote|declared|announced)\b"
    r"(?![^,;]*\b(?:that|it|they|he|she|we|to)\b)[^,;]{0,60}$"
    r"|[,;]?\s*[\"”’]?\s*,?\s*according to\b.*$")
# "only after X", "not until X": the thing happens later, not now.
# "relief will follow verified steps": the thing comes after the steps, so it waits for them.
_DEFERRAL = re.compile(r"only (?:after|once|when)|not (?:until|before)\b|follow|come (?:only )?after", re.IGNORECASE)
ConditionKind = Literal["deferral", "until", "opening", "without", "other"]
# "will not allow a ceasefire without the release of our hostages", "no deal without guarantees": a refusal of X
# *without* Y accepts X on condition of Y. "without delay" / "without preconditions" qualify, they set no condition.
_WITHOUT = re.compile(r"\s+without\s+(?!which\b|delay\b|(?:any\s+)?(?:pre)?conditions?\b|further\b|interruption\b|exception\b)",
                      re.IGNORECASE)
# Conditions that are themselves demands of the holder: "unless Kestria scraps the subsidies".
_DEMANDING_CONDITION = re.compile(r"^(?:unless|until|till|only (?:after|once|when|if))\b", re.IGNORECASE)
# "the immediate lifting", "unconditional release": a thing asked for at once or on no terms.
_UNQUALIFIED = re.compile(
    r"\b(?:immediate(?:ly)?|at once|without delay|unconditional(?:ly)?|without (?:any )?conditions?)\b", re.IGNORECASE)
_IMMEDIATE = re.compile(r"\b(?:immediate(?:ly)?|now|at once|without delay)\b", re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Content:
    """What a claim is about, ready for the embedder, plus what the rules saw in it."""

    text: str  # negators and trailing attribution removed; what gets embedded
    negated: bool  # a leading negator governs the content ("that Tavaran never acquires", "no enrichment")
    condition: tuple[int, int] | None  # sentence-relative span of the condition
    condition_kind: ConditionKind | None
    raw: str = ""  # the content as written (negators kept), for the direction words
    end: int = 0  # where the content ends in the sentence, its condition cut off


def content_of(sentence: str, claim: Claim) -> Content:
    """The part of the sentence a claim is about, without its condition and attribution."""
    start, end = claim.content
    # Only a condition inside this claim's own stretch of the sentence belongs to it.
    condition = find_condition(sentence[:end], start if claim.cue else 0)
    # A sentence-initial condition ("If there are to be guarantees, ...") belongs to every claim.
    if condition is None and claim.cue is not None:
        condition = _leading_condition(sentence)
    condition_kind = None
    if condition is not None:
        condition_kind = _kind_of(sentence, condition)
        if condition_kind == "opening" and start <= condition[0] < end:
            start = condition[1]  # "But if X retaliates, we will raise ...": the position follows it
        elif start <= condition[0] < end:
            end = condition[0]
        elif condition[0] < start < condition[1]:
            start = condition[1]
    raw = sentence[start:end]
    without = _WITHOUT.search(raw)
    if without and condition is None and (claim.polarity < 0 or _LEADING_NEGATION.match(_THAT.sub("", raw))):
        tail = sentence[start + without.end():end]
        kept = len(_ATTRIBUTION_TAIL.sub("", tail).rstrip(" .,;:\"”’"))  # ", Kell said." is not part of it
        condition, condition_kind = (start + without.end(), start + without.end() + kept), "without"
        end = start + without.start()
        raw = raw[:without.start()]
    raw = _ATTRIBUTION_TAIL.sub("", raw)
    raw = _THAT.sub("", raw)
    cue = claim.cue
    if cue is None:
        negated = False  # an implicit "No X" line already carries its negation as polarity
    elif cue.kind == "modal":
        # The clause holds the modal itself; only a negator after it and its own "not" counts.
        after = sentence[cue.end:end]
        after = re.sub(r"^\s*[\"“]?\s*(?:not|never)\b", "", after, flags=re.IGNORECASE)
        negated = bool(_LEADING_NEGATION.match(_THAT.sub("", after))) if not cue.idiom else False
    else:
        negated = bool(_LEADING_NEGATION.match(raw))
    text = re.sub(r"\s+", " ", _NEGATOR.sub("", raw)).strip(" ,;:.\"“”'’") or raw.strip()
    return Content(text or sentence.strip(), negated, condition, condition_kind, raw.strip(), end)


def strip_attribution(text: str) -> str:
    """The text without a trailing ", X said on Monday" or ", according to X"."""
    return _ATTRIBUTION_TAIL.sub("", text)


def sentence_view(sentence: str, end: int | None = None) -> str:
    """The sentence up to the end of a claim's content, embedded when the content alone is too short.

    ("both sides had accepted Caldera's offer to host it": "to host it" says nothing; the sentence
    up to there says "the next round would take place in Port Alder".)
    """
    text = _ATTRIBUTION_TAIL.sub("", sentence[:end].strip())
    # "The Association, which bargains for 11 operators, has offered 9%"; "He has said that all options ...".
    text = _ATTRIBUTION_HEAD.sub("", _ASIDE.sub("", text))
    return re.sub(r"\s+", " ", _NEGATOR.sub("", text)).strip(" ,;:.\"“”'’") or sentence.strip()


# "a list of deported children it wants returned", "the sanctions they want lifted": the object of the
# attitude verb stands before its subject (a reduced relative clause), the content is a bare participle.
_FRONTED_OBJECT = re.compile(
    r"\b((?:a|an|the|any|all|its|their|those|these|some|his|her|our)\s+(?:[\w'’-]+\s+){0,4}?[\w'’-]+)\s+"
    r"(?:that\s+|which\s+)?(?:it|they|he|she|we|I|[A-Z][\w'’-]*)\s+(?:(?:still|also|now|says?|said)\s+)?$")
_BARE_PARTICIPLE = re.compile(r"^[\s\"“]*([a-z]+(?:ed|en)|paid|freed|held|kept|set|shut|cut|done)[\s.,;:!\"”’']*$")


def fronted_object(sentence: str, claim: Claim) -> str | None:
    """ "deported children it wants returned" -> "a list of deported children returned"; else None."""
    if claim.cue is None or claim.cue.kind != "attitude":
        return None
    participle = _BARE_PARTICIPLE.match(sentence[claim.content[0]:claim.content[1]])
    if participle is None:
        return None
    noun_phrase = _FRONTED_OBJECT.search(sentence[:claim.cue.start])
    if noun_phrase is None:
        return None
    return f"{noun_phrase.group(1)} {participle.group(1)}"


# "He has also said that ...": who said it, at the start.
_ATTRIBUTION_HEAD = re.compile(
    r"^(?:[\w.'’-]+\s+){1,4}?(?:has\s+|have\s+|had\s+)?(?:also\s+)?(?:said|says|stated|told \w+|added|noted|"
    r"made clear|declared|announced)\s+(?:that\s+)?(?=\w)", re.IGNORECASE)
_ASIDE = re.compile(r",\s*(?:which|who|whose)\b[^,;]{0,120},")


def content_words(text: str) -> int:
    """Words of three letters or more: a content with fewer than a handful says little on its own."""
    return len(re.findall(r"[A-Za-z]{3,}", text))


def _leading_condition(sentence: str) -> tuple[int, int] | None:
    """ "If ..., " / "Should ..., " / "Unless ..., " opening the sentence."""
    match = re.match(r"([\s\"“'‘]*(?:(?:but|and|so|yet|now|however|still|then|or)\b[\s,]*)?)"
                     r"((?:if|should|unless|provided|as long as|once)\b[^,]{3,160}),", sentence, re.IGNORECASE)
    return (match.start(2), match.end(2)) if match else None


def stance_of(claim: Claim, content: Content, direction: float, motion: str) -> int:
    """Whole-number stance -2..+2 on the motion, from cue, content direction and condition.

    direction: > 0 when the content pushes the motion forward, < 0 when it pushes back.
    A deferral ("only after X") of something the motion wants *immediately* is against the
    motion; a deferral, an "until" or a condition opening the sentence lowers the strength to 1.
    """
    sign = claim.polarity * (-1 if content.negated else 1) * (1 if direction >= 0 else -1)
    strength = claim.strength
    if content.condition_kind == "without":
        # Refused only without the condition: held for the thing itself, on that condition.
        return (1 if direction >= 0 else -1)
    if content.condition_kind == "deferral":
        strength = 1
        if sign > 0 and _IMMEDIATE.search(motion):
            sign = -1
    elif content.condition_kind in ("until", "opening"):
        # "sanctions stay until X", "If there are to be guarantees, they must ...": held, but
        # short of an outright demand.
        strength = 1
    if claim.polarity < 0 and _UNQUALIFIED.search(content.raw or content.text) and not _UNQUALIFIED.search(motion):
        # "rejected the demand for the immediate lifting of all sanctions": against the timing or the
        # terms, which says less against the thing itself.
        strength = 1
    return sign * strength


def _kind_of(sentence: str, condition: tuple[int, int]) -> ConditionKind:
    marker = sentence[condition[0]:condition[1]]
    if _DEFERRAL.match(marker):
        return "deferral"
    if re.match(r"(?:until|till)\b", marker, re.IGNORECASE):
        return "until"
    if opens_sentence(sentence, condition[0]):
        return "opening"
    return "other"


def condition_text(sentence: str, content: Content) -> str | None:
    if content.condition is None:
        return None
    return sentence[content.condition[0]:content.condition[1]].strip(" ,;")


def demanding_condition(sentence: str, content: Content) -> str | None:
    """The condition's own demand ("unless Kestria scraps the subsidies" -> "Kestria scraps the subsidies")."""
    if content.condition is None:
        return None
    text = sentence[content.condition[0]:content.condition[1]]
    if content.condition_kind == "without":  # "no deal without guarantees": the guarantees are demanded
        rest = _ATTRIBUTION_TAIL.sub("", text).strip(" ,;.")
        return rest if len(rest.split()) >= 2 else None
    match = _DEMANDING_CONDITION.match(text)
    if not match:
        return None
    rest = text[match.end():].strip(" ,;")
    return rest if len(rest.split()) >= 3 else None


# "Israel to withdraw its troops from southern Lebanon": who leaves whose land decides the direction on
# territory. An army leaving another party's land hands it back (against a change of control); a party
# pulling out of its own land cedes it (for). The embedding sees "withdraw" and a place, not whose.
_WITHDRAWAL = re.compile(
    r"\b(?:withdraw\w*|withdrew|pull\w*(?: \w+){0,3} (?:out|back)|leav(?:e|es|ing)|left|evacuat\w*|retreat\w*)\b"
    r"(?P<rest>.{0,90})", re.IGNORECASE)
_FROM_PLACE = re.compile(r"^(?:\s+of\s+(?P<who>[^,;.]{1,60}?))?[^,;.]*?\b(?:from|out of)\b(?P<place>[^,;.]{0,60})",
                         re.IGNORECASE)
_OWN = re.compile(r"\b(?:our|my)\b", re.IGNORECASE)
DIRECTION_FLOOR = 0.05


def withdrawal_direction(text: str, holder: str, index: PartyIndex) -> int:
    """+1 if the content has a party leave its own land, -1 another's, 0 if it says no such thing."""
    match = _WITHDRAWAL.search(text)
    place = _FROM_PLACE.match(match.group("rest")) if match else None
    if place is None:
        return 0
    owners = {m.party for m in index.names_in(place.group("place"))}
    if not owners and _OWN.search(place.group("place")):
        owners = {holder}  # "withdraw from our territory"
    if len(owners) != 1:
        return 0
    # "the withdrawal of government forces from ...": the nominal names who leaves after "of".
    who = place.group("who") or ""
    named = [m.party for m in index.names_in(who)] or [
        m.party for m in index.names_in(text[:match.start()]) if not m.possessive]
    leaving = named[-1] if named else holder
    return 1 if owners == {leaving} else -1
