"""Who holds a position: party names, reported speech, pronouns, transcript speakers, authors.

The rules follow how news, memoranda and transcripts actually attribute positions:

- the subject of a demand verb holds it ("Kyiv *wants* ...", even inside "Moscow says Kyiv wants");
- a deontic modal ("Ukraine *must* withdraw") is held by whoever says it: the reporting speaker
  ("..., Zelenskyy said" / "said Zelenskyy" / "according to Zelenskyy"), the transcript speaker
  ("KELL: ..."), or the document's author (memoranda, statements);
- "X rejected Y's calls for Z" is two positions: Y for Z, X against it;
- "he", "she", "the president", "the minister" refer back to the last party that held a position;
  "we", "our" to the voice of the sentence; "both sides", "the two delegations" to the two principals;
- questions from the floor ("Q:", "MODERATOR:") and commentators (analysts, researchers) hold none.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Literal

from positions.cues import Cue, find_condition
from positions.schema import Party
from positions.sentences import Sentence

MentionKind = Literal["name", "pronoun", "title", "self", "group", "outsider"]
Basis = Literal["subject", "possessor", "agent", "coordinated", "speaker", "label", "author", "group",
                "back-reference", "list-point", "echo"]

# How sure each way of finding the holder is. Hand-set ranks, not measurements: on the devset every
# basis found the right party, so there was nothing to fit them on.
CERTAINTY: dict[str, float] = {
    "subject": 0.9, "possessor": 0.9, "agent": 0.85, "coordinated": 0.85, "label": 0.95, "author": 0.9,
    "list-point": 0.95, "speaker": 0.85, "group": 0.8, "back-reference": 0.65, "echo": 0.8,
}
# "So do we", "Neither does Kestria", "We do too": the previous position, taken over by another holder.
_ECHO = re.compile(
    r"^\W*(?:(?:and|but)\s+)?(?:so|neither|nor)\s+(?:do|does|did|will|would|is|are|am|have|has|can|shall)\s+"
    r"(?P<who>we|I|[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,3}|the\s+\w+)\b"
    r"|^\W*(?P<who2>we|I)\s+(?:do|will|would|are|am|have)\s+(?:too|as well)\b", re.IGNORECASE)

_DATELINE = re.compile(
    r"^\s*[A-Z][A-Z .'’-]{2,}(?:,\s*[^,—–()\n]{1,40}){0,2}(?:\s*\([^)\n]{1,60}\))?\s*[—–-]{1,2}\s")
_PRONOUN = re.compile(r"\b(?:he|she|they|it|his|her|its|their|him|them)\b", re.IGNORECASE)
_SELF = re.compile(r"\b(?:we|i|our|my|us)\b", re.IGNORECASE)
_TITLE = re.compile(
    r"\b(?:the|this|that)\s+(?:(?:foreign|prime|deputy|defen[cs]e|interior|trade|health|finance|chief|senior|top|lead)\s+)*"
    r"(?:president|premier|prime minister|chancellor|minister|secretary|spokes(?:man|woman|person)|"
    r"government|ministry|delegation|negotiators?|envoy|leader(?:ship)?|administration|cabinet|general|"
    r"ambassador|official|representative|side|office|authorities|regime|country|state|group|union|"
    r"employer|company|management|commander|movement)\b",
    re.IGNORECASE)
_GROUP = re.compile(
    r"\b(?:both|the two|the)\s+(?:sides|delegations|parties|countries|governments|leaders|negotiators|teams)\b"
    r"|\bboth\b(?=\s+(?:said|agreed|say|have|had|want|wanted|are|were)\b)",
    re.IGNORECASE)
# Subjects that hold no party's position: their verbs must not fall back to the voice of the text.
_OUTSIDER = re.compile(
    r"\b(?:nobody|no one|no-one|everyone|everybody|anyone|anybody|someone|somebody|people|analysts?|experts?|"
    r"observers?|critics?|commentators?|economists?|researchers?|diplomats?|relatives|families|residents|"
    r"protesters|patients|voters|investors|markets|the (?:public|media|press))\b",
    re.IGNORECASE)
# A reporting speaker described like this is commenting, not negotiating.
_COMMENTATOR = re.compile(
    r"\b(?:analyst|researcher|expert|economist|professor|scholar|commentator|observer|fellow|think[- ]tank|"
    r"institute|university|centre|center|studies|who studies|academic|historian|pollster)\b",
    re.IGNORECASE)
_PREPOSITION = re.compile(
    r"\b(?:on|against|to|from|with|for|of|by|in|at|between|over|about|toward|towards|into|under|than|"
    r"among|without|within|through|after|before|across|near|like|including|upon|onto|per)\s+(?:the\s+)?$",
    re.IGNORECASE)
_SPEAKER_NOUN = re.compile(
    r"^\s*(?:(?:foreign|prime|deputy|defen[cs]e|interior|trade|health|chief|top|senior|special|lead)\s+)*"
    r"(?:president|premier|prime minister|chancellor|minister|secretary|spokes(?:man|woman|person)|government|"
    r"ministry|delegation|negotiators?|envoy|leader|administration|cabinet|officials?|ambassador|"
    r"representative|office|team|side|mediator|statement|general|commander|chief)\b",
    re.IGNORECASE)
_NONPARTY_LABELS = {"q", "question", "questions", "reporter", "journalist", "moderator", "host", "anchor",
                    "presenter", "chair", "interviewer", "audience", "operator", "voice", "unidentified"}
_QUOTE_OPEN = "\"“‘"
_DISPUTED_REPORT = re.compile(r"\b(?:claims?|claimed|alleges?|alleged|accuses?|accused|insinuat\w+)\b", re.IGNORECASE)
_DENIAL = re.compile(r"\b(?:den(?:y|ies|ied)|a lie|not true|untrue|false(?:ly)?|fabricat\w+)\b", re.IGNORECASE)
_DOC_KIND = re.compile(
    r"\b(?:memorandum|statement|declaration|proposals?|position|communiqu[eé]|note|letter|plan|terms|ministry|"
    r"government|office|embassy|delegation|remarks|speech|address|transcript|press (?:conference|briefing)|"
    r"briefing|news conference|general command|union|council|cabinet)\b",
    re.IGNORECASE)


@dataclasses.dataclass(frozen=True)
class Mention:
    """A reference to a party (or a non-party subject) inside one sentence."""

    start: int
    end: int
    kind: MentionKind
    party: str | None = None  # known for names; pronouns and titles are resolved later
    possessive: bool = False


@dataclasses.dataclass(frozen=True)
class Claim:
    """One party's position in one sentence, before its issue and stance are known."""

    party: str
    cue: Cue | None  # None for an implicit position (a memorandum point, "No ceasefire until ...")
    polarity: int  # +1 for the content, -1 against it (negation and "rejected Y's call" applied)
    strength: int  # 2 firm, 1 tentative
    content: tuple[int, int]  # sentence-relative span of what the position is about
    basis: Basis
    anaphoric: bool = False  # content is "that", "it", "the idea": the issue comes from the previous claim

    @property
    def certainty(self) -> float:
        return CERTAINTY[self.basis]


class PartyIndex:
    """Finds parties in text by name or alias, and resolves transcript speaker labels."""

    def __init__(self, parties: Sequence[Party]) -> None:
        self.parties = tuple(parties)
        self.principals = tuple(p.id for p in self.parties[:2])
        names: list[tuple[str, str]] = []
        for party in self.parties:
            for name in dict.fromkeys((party.name, *party.aliases)):
                if name.strip():
                    names.append((name.strip(), party.id))
        names.sort(key=lambda item: -len(item[0]))  # longest first: "President Kell" before "Kell"
        self._owner: dict[str, str] = {}
        exact: list[str] = []
        folded: list[str] = []
        for name, party in names:
            # Lower-case aliases ("the administration", "the group") are ordinary words in the text;
            # capitalised ones are matched with their capitals so "US" is never the pronoun "us".
            self._owner.setdefault(name.casefold(), party)
            (folded if name[0].islower() else exact).append(re.escape(name))
        boundary_start, boundary_end = r"(?<![\w.])", r"(?![\w])"
        self._exact = re.compile(boundary_start + "(?:" + "|".join(exact) + ")" + boundary_end) if exact else None
        self._folded = (re.compile(boundary_start + "(?:" + "|".join(folded) + ")" + boundary_end, re.IGNORECASE)
                        if folded else None)
        self._any_case = re.compile(boundary_start + "(?:" + "|".join(re.escape(n) for n, _ in names) + ")"
                                    + boundary_end, re.IGNORECASE) if names else None

    def owner(self, name: str) -> str | None:
        return self._owner.get(name.casefold())

    def names_in(self, text: str) -> list[Mention]:
        """Party names and aliases in a sentence, left to right, without overlaps."""
        found: list[tuple[int, int, str]] = []
        for pattern in (self._exact, self._folded):
            if pattern is None:
                continue
            for match in pattern.finditer(text):
                party = self.owner(match.group(0))
                if party:
                    found.append((match.start(), match.end(), party))
        # Overlapping names: the longest wins ("The Government of Tigray" is not "the government").
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        kept: list[tuple[int, int, str]] = []
        for start, end, party in found:
            if all(end <= a or start >= b for a, b, _ in kept):
                kept.append((start, end, party))
        mentions: list[Mention] = []
        for start, end, party in sorted(kept):
            possessive = text[end:end + 2] in ("'s", "’s") or text[end:end + 1] in ("'", "’")
            mentions.append(Mention(start, end, "name", party, possessive))
        return mentions

    def owners_in(self, text: str) -> list[tuple[str, int, int]]:
        """(party, start, end) of every name in a heading, any capitalisation."""
        if self._any_case is None:
            return []
        return [(party, m.start(), m.end()) for m in self._any_case.finditer(text) if (party := self.owner(m.group(0)))]

    def parties_in_heading(self, text: str) -> list[str]:
        """Parties named in a heading, any capitalisation ("REPUBLIC OF OSTERLAND")."""
        if self._any_case is None:
            return []
        return list(dict.fromkeys(p for m in self._any_case.finditer(text) if (p := self.owner(m.group(0)))))

    def label_party(self, label: str) -> str | None:
        """The party of a transcript label ("MINISTER BRANDT" -> Osterland); None for "Q", "MODERATOR"."""
        if label.casefold().strip(". ") in _NONPARTY_LABELS:
            return None
        parties = self.parties_in_heading(label)
        return parties[0] if len(parties) == 1 else None

    def mentions(self, text: str) -> list[Mention]:
        """Names plus the words that can stand for a party: pronouns, titles, "we", "both sides".

        A news dateline ("QALAT, Marzan, May 11 (Meridian Press) —") names a place, not a speaker.
        """
        dateline = _DATELINE.match(text)
        found = [m for m in self.names_in(text) if not dateline or m.start >= dateline.end()]
        taken = [(m.start, m.end) for m in found]

        def free(start: int, end: int) -> bool:
            return all(end <= a or start >= b for a, b in taken)

        for pattern, kind in ((_GROUP, "group"), (_TITLE, "title"), (_OUTSIDER, "outsider"),
                              (_SELF, "self"), (_PRONOUN, "pronoun")):
            for match in pattern.finditer(text):
                if free(*match.span()):
                    possessive = match.group(0).lower() in ("his", "her", "its", "their", "our", "my") \
                        or text[match.end():match.end() + 2] in ("'s", "’s")
                    found.append(Mention(match.start(), match.end(), kind, None, possessive))  # type: ignore[arg-type]
                    taken.append(match.span())
        return sorted(found, key=lambda m: m.start)


@dataclasses.dataclass
class Discourse:
    """What a reader remembers from earlier sentences: who spoke last, who the author is."""

    author: str | None = None
    last_holder: str | None = None
    last_voice: str | None = None
    last_voice_paragraph: int = -1


@dataclasses.dataclass(frozen=True)
class Voice:
    """Who is speaking the words of a sentence (not necessarily who holds the position in it)."""

    party: str | None
    kind: Literal["label", "report", "quote", "author", "none", "outsider"]


def detect_author(units: Sequence[Sentence], index: PartyIndex, text: str) -> str | None:
    """Author party from the title block: a letterhead, "Memorandum of the Government of X", "MINISTRY ... OF X".

    Only the title block counts (headings and short lines before the first paragraph of prose).
    A line counts when it is mostly a party's name (a letterhead) or names a document or office
    with the party as its owner, so a news dateline ("PORT ALDER, Caldera, Feb. 14 ...") or a
    subject ("Statement on the Local 7 strike") never makes a party the author.
    """
    for unit in units[:10]:
        if not unit.heading and len(unit.text) > 120:
            break  # the first paragraph of prose: the title block is over
        line = unit.text.strip()
        owners = index.owners_in(line)
        if len({party for party, _, _ in owners}) != 1:
            continue
        party, start, end = owners[0]
        if sum(e - s for _, s, e in owners) >= 0.5 * len(line.strip(" #*_")):
            return party  # "CALDER PORT EMPLOYERS' ASSOCIATION"
        if _DOC_KIND.search(line) and not re.search(r"\b(?:on|about|against|to|with|regarding|concerning|for)\s+(?:the\s+)?$",
                                                     line[:start], re.IGNORECASE):
            return party
    return None


class Attributor:
    """Turns the cues of each sentence into claims held by parties, sentence after sentence."""

    def __init__(self, index: PartyIndex, author: str | None = None) -> None:
        self.index = index
        self.state = Discourse(author=author)
        self._reports: list[tuple[int, str]] = []  # (end of reporting verb, speaker) in the current sentence

    # ------------------------------------------------------------------ voice of a sentence

    def voice(self, unit: Sentence, mentions: list[Mention], cues: list[Cue], next_voice: Voice | None) -> Voice:
        """Who speaks this sentence: transcript label, reporting speaker, quote continuation, author."""
        text = unit.text
        if unit.speaker is not None:
            party = self.index.label_party(unit.speaker)
            # "Mr. Witkoff said last week that the facilities must be dismantled", in a spokesman's
            # answer or a reporter's question: the speaker quotes another party, whose position it is.
            # Only a past report with an explicit "that" clause: "the minister says Osterland wants ..." in
            # a question, or "they claim we are demanding ...", is a party's gloss on its opponent.
            for cue in cues:
                clause = _REPORTED_CLAUSE.match(text, cue.end)
                if cue.kind == "report" and clause and _PAST_REPORT.fullmatch(text[cue.start:cue.end]):
                    reported = self._speaker(text, cue, mentions)
                    if reported not in (None, "outsider", party):
                        return Voice(reported, "report")
            return Voice(party, "label") if party else Voice(None, "outsider")
        for cue in cues:
            if cue.kind != "report":
                continue
            speaker = self._speaker(text, cue, mentions)
            if speaker == "outsider":
                return Voice(None, "outsider")
            if speaker is not None:
                return Voice(speaker, "report")
        stripped = text.lstrip()
        if stripped[:1] in _QUOTE_OPEN:
            if next_voice is not None and not _closes_quote(stripped):
                return dataclasses.replace(next_voice, kind="quote")  # the attribution comes after the quote
            if self.state.last_voice and self.state.last_voice_paragraph >= unit.paragraph - 1:
                return Voice(self.state.last_voice, "quote")
        if self.state.author is not None:
            return Voice(self.state.author, "author")
        return Voice(None, "none")

    def _speaker(self, text: str, cue: Cue, mentions: list[Mention]) -> str | None:
        """The party that speaks through a reporting verb; "outsider" for analysts and bystanders."""
        word = text[cue.start:cue.end].lower()
        after = [m for m in mentions if cue.end <= m.start <= cue.end + 40]
        if word == "according to":
            if after and not _COMMENTATOR.search(text[cue.end:after[0].start]):
                return self._resolve(after[0])
            tail = text[cue.end:cue.end + 80]
            return "outsider" if _COMMENTATOR.search(tail) else None
        before_text = text[:cue.start].rstrip()
        if before_text.endswith((",", "\"", "”", "’", "'")) and re.match(r"\s+(?!that\b|it\b|on\b|in\b)\S", text[cue.end:]):
            # Inverted: '"...," said Zelenskyy' / '..., said Lena Voss, a security analyst'.
            window = text[cue.end:cue.end + 90]
            if after and after[0].start - cue.end <= 25 and after[0].kind != "outsider" \
                    and not _COMMENTATOR.search(text[cue.end:after[0].end + 50]):
                return self._resolve(after[0])
            if _COMMENTATOR.search(window) or (after and after[0].kind == "outsider") \
                    or re.match(r"\s+(?:[A-Z][\w.'’-]+\s+){1,3}", text[cue.end:]):
                return "outsider"  # a named person who is not a party, or a commentator
        if _COORDINATED_VERB.search(before_text + " "):
            # "MacKinnon urged both sides to reach a deal and said he would ...": the clause's subject speaks.
            opening = _first_subject(text, mentions, 0, cue.start, names_only=True)
            if opening is not None:
                return self._resolve(opening)
        candidates = [m for m in mentions if m.end <= cue.start and cue.start - m.end <= 60
                      and not _PREPOSITION.search(text[max(0, m.start - 14):m.start])
                      and not (m.possessive and not _SPEAKER_NOUN.match(text[m.end + 2:m.end + 40]))]
        if candidates:
            chosen = candidates[-1]
            if chosen.kind == "outsider" or _COMMENTATOR.search(text[chosen.end:cue.start]):
                return "outsider"
            return self._resolve(chosen)
        return None

    # ------------------------------------------------------------------ resolving references

    def _resolve(self, mention: Mention, voice: Voice | None = None) -> str | None:
        """The party a mention stands for: its own name, the voice for "we", the last holder for "he"."""
        if mention.kind == "name":
            return mention.party
        if mention.kind == "self":
            return voice.party if voice is not None else self.state.last_voice
        if mention.kind in ("pronoun", "title"):
            return self.state.last_holder or self.state.last_voice
        return None  # outsiders and groups are handled by the caller

    def _holders(self, mention: Mention, text: str, voice: Voice) -> tuple[list[str], Basis] | None:
        if mention.kind == "outsider":
            return None
        if mention.kind == "group":
            return list(self.index.principals), "group"
        if mention.kind == "name":
            # "Varrenia and Osterland agreed": both names hold it.
            partner = re.search(r"(?:^|\s)and\s*$", text[:mention.start])
            parties = [mention.party]  # type: ignore[list-item]
            if partner:
                left = [m for m in self.index.names_in(text[:partner.start()]) if m.end >= partner.start() - 1]
                if left:
                    parties.insert(0, left[-1].party)  # type: ignore[arg-type]
            return list(dict.fromkeys(parties)), "subject"
        if mention.kind == "self":
            return ([voice.party], "subject") if voice.party else None
        if mention.kind == "pronoun":
            # "He said Kyiv had handed over a list it wants returned": a party named as a subject in the
            # same clause, after the reporting verb, is nearer than the speaker.
            named = self._named_antecedent(mention, text)
            if named is not None:
                return [named], "subject"
            # "The ministry said it was ready", "the Kestrian side says it wants": the pronoun after
            # a reporting verb is its speaker.
            speakers = [party for end, party in self._reports if end <= mention.start]
            if speakers:
                return [speakers[-1]], "subject"
        if mention.kind == "pronoun" and text[mention.start:mention.end].lower() == "they" \
                and _GROUP.search(text[:mention.start]):
            return list(self.index.principals), "group"  # "both sides said they would attend"
        if mention.kind == "title":
            # "The Government of the Republic of Varrenia": the title names its party.
            named = re.match(r"\s+of\s+(?:the\s+)?", text[mention.end:])
            if named:
                following = [m for m in self.index.names_in(text) if m.start == mention.end + named.end()]
                if following:
                    return [following[0].party], "subject"  # type: ignore[list-item]
        party = self._resolve(mention, voice)
        return ([party], "back-reference") if party else None

    def _named_antecedent(self, mention: Mention, text: str) -> str | None:
        """The party an "it" / "they" stands for when the sentence names one just before it.

        Only a name after the last reporting verb (the speaker is the fallback), not a possessor
        ("Moscow's plan"), not after a preposition ("sanctions on Russia") and not the addressee
        of "told" ("told Kyiv it must ...").
        """
        if text[mention.start:mention.end].lower() not in ("it", "they"):
            return None
        start = max((end for end, _ in self._reports if end <= mention.start), default=0)
        names = [m for m in self.index.names_in(text[:mention.start]) if m.start >= start and not m.possessive
                 and not _PREPOSITION.search(text[max(0, m.start - 14):m.start])
                 and not re.search(r"\b(?:told|tells|asked|urged)\s+$", text[max(0, m.start - 10):m.start], re.IGNORECASE)]
        if not names:
            return None
        between = text[names[-1].end:mention.start]
        if re.search(r"[;:.!?]|\b(?:but|while|whereas|and)\b", between) or _GROUP.search(between):
            return None  # another clause, perhaps with its own subject ("both sides saying they ...")
        return names[-1].party

    # ------------------------------------------------------------------ claims of one sentence

    def claims(self, unit: Sentence, cues: list[Cue], voice: Voice, is_point: bool) -> list[Claim]:
        """Every (party, cue, content) position in one sentence."""
        text = unit.text
        if voice.kind == "outsider":
            return []
        mentions = self.index.mentions(text)
        if _DENIAL.search(text) and any(c.kind == "report" for c in cues):
            return []  # "a claim the group denies": a disputed report holds nobody's position
        # "The other side claims we are demanding ...": hearsay from an opponent, not a position.
        disputing = {self._speaker(text, c, mentions) for c in cues
                     if c.kind == "report" and _DISPUTED_REPORT.fullmatch(text[c.start:c.end])} - {None, "outsider"}
        self._reports = [(c.end, speaker) for c in cues if c.kind == "report"
                         and (speaker := self._speaker(text, c, mentions)) not in (None, "outsider")]
        conditions = _condition_spans(text)
        positional = [c for c in cues if c.kind != "report" and not _narrated(text, c)
                      and not any(start <= c.start < end for start, end in conditions)]
        holders_of: dict[int, tuple[list[str], Basis]] = {}
        for i, cue in enumerate(positional):
            if _embedded(text, cue, [positional[j] for j in holders_of], mentions):
                continue
            found = self._holder_of(text, cue, positional[:i], holders_of, mentions, voice)
            if found is not None:
                holders_of[i] = found
        # A position noun with nothing after it ("could not afford the union's demands") bounds nothing.
        held = [i for i in sorted(holders_of) if not (positional[i].kind == "nominal" and _blank(text[positional[i].end:]))]

        claims: list[Claim] = []
        for k, i in enumerate(held):
            cue = positional[i]
            parties, basis = holders_of[i]
            limit = positional[held[k + 1]].start if k + 1 < len(held) else len(text)
            content = (cue.end, _clause_end(text, cue.end, limit))
            if cue.kind == "nominal" or basis == "possessor":  # "the union's demand for ..." is a noun
                content = (cue.end, _noun_phrase_end(text, cue.end, content[1]))
            polarity, strength = cue.polarity, cue.strength
            if cue.negated and cue.sign < 0:
                strength = 1  # "has not ruled out": a door left open, not a demand
            if k + 1 < len(held):
                inner = positional[held[k + 1]]
                if holders_of[held[k + 1]][1] == "possessor" and _only_filler(text[cue.end:inner.start], mentions, cue.end, inner.start):
                    # "X rejected [Y's] calls for Z": X's position is on Z, reversed by Y's.
                    after = positional[held[k + 2]].start if k + 2 < len(held) else len(text)
                    content = (inner.end, _noun_phrase_end(text, inner.end, _clause_end(text, inner.end, after)))
                    polarity *= inner.polarity
            earlier = [c for c in cues if c.end <= cue.start]
            if cue.kind == "modal":
                clause = _clause_start(text, cue.start, earlier)
                content = (clause, cue.start) if cue.idiom else (clause, content[1])
            if cue.kind == "attitude" and (basis == "agent" or _is_passive(text, cue)):
                if k > 0:
                    # "Kyiv's call for a tribunal was dismissed by Moscow", "The union's demand for a
                    # raise ... cannot be accepted": the content is the call's, its direction reversed.
                    previous = positional[held[k - 1]]
                    content = (previous.end, _clause_end(text, previous.end, cue.start))
                    if previous.kind == "nominal" or holders_of[held[k - 1]][1] == "possessor":
                        content = (previous.end, _noun_phrase_end(text, previous.end, content[1]))
                    polarity *= previous.polarity
                else:
                    content = (_clause_start(text, cue.start, earlier), cue.start)
            anaphoric = _is_anaphoric(text[content[0]:content[1]]) or (
                # "Brandt said that was not on the table": the clause break took the demonstrative.
                cue.idiom and _blank(text[content[0]:content[1]])
                and re.search(r"\b(?:that|this|it)\s+(?:\w+\s+)?$", text[:cue.start], re.IGNORECASE) is not None)
            if _blank(text[content[0]:content[1]]) and not anaphoric:
                continue
            for party in parties:
                if disputing and party not in disputing:
                    continue
                claims.append(Claim(party, cue, polarity, strength, content, basis, anaphoric))

        echo = self._echo(text, mentions, voice)
        if echo is not None:
            claims.insert(0, echo)
        elif not claims and not held:
            implicit = self._implicit(unit, text, voice, is_point)
            if implicit is not None:
                claims.append(implicit)
        return claims

    def _echo(self, text: str, mentions: list[Mention], voice: Voice) -> Claim | None:
        """ "So do we": the holder takes the previous position as its own (issue and stance come from it)."""
        match = _ECHO.match(text)
        if match is None:
            return None
        who = match.group("who") or match.group("who2")
        start = match.start("who") if match.group("who") else match.start("who2")
        if who.lower() in ("we", "i"):
            party = voice.party
        else:
            named = [m for m in mentions if m.start == start]
            party = self._resolve(named[0], voice) if named else None
        if party is None:
            return None
        return Claim(party, None, 1, 2, (0, match.end()), "echo", anaphoric=True)

    def _holder_of(self, text: str, cue: Cue, earlier: list[Cue], holders_of: dict[int, tuple[list[str], Basis]],
                   mentions: list[Mention], voice: Voice) -> tuple[list[str], Basis] | None:
        before = text[:cue.start]
        # Possessor: "Varrenia's (repeated) calls for", "the Front's demand that".
        # Only a name owns a position noun: "its plans to join" is the content of another position.
        owner = [m for m in mentions if m.possessive and m.kind == "name" and m.end <= cue.start
                 and cue.start - m.end <= 24 and re.fullmatch(r"(?:'s|’s|')?\s*(?:[a-z-]+\s+){0,2}", text[m.end:cue.start])]
        if owner and cue.kind in ("attitude", "nominal") and not _ends_with_verb(text[owner[-1].end:cue.start]):
            holders = self._holders(owner[-1], text, voice)
            if holders:
                return holders[0], "possessor"
        # Agent: "... was dismissed by Moscow", "calls by Kyiv for", "a demand from Moscow".
        agent = re.match(r"\s+(?:by|from)\s+", text[cue.end:cue.end + 8])
        if agent and (cue.kind == "nominal" or re.search(r"\b(?:was|were|been|being|is|are)\s+(?:\w+\s+)?$", before)):
            following = [m for m in mentions if m.start == cue.end + agent.end() or
                         (m.start > cue.end and m.start - cue.end - agent.end() <= 4)]
            if following:
                holders = self._holders(following[0], text, voice)
                if holders:
                    return holders[0], "agent"
        if cue.kind == "nominal" or (cue.kind == "attitude" and _DETERMINER.search(before)):
            return None  # an unowned noun ("the demand was ...", "a request for comment") names nobody's position
        if cue.kind == "attitude" and _is_passive(text, cue):
            # "... cannot be accepted": no agent, so whoever speaks holds it.
            return ([voice.party], _voice_basis(voice)) if voice.party else None
        # Coordinated verbs: "Holt demanded ... and urged ...", "..., calling for talks".
        verbal = [j for j in holders_of if j < len(earlier) and holders_of[j][1] not in ("possessor", "agent")
                  and earlier[j].kind != "nominal"]
        previous_index = verbal[-1] if verbal else -1
        if previous_index in holders_of and re.search(
                r"(?:,?\s+(?:and|but|or)(?:\s+(?:also|then|later|again|repeatedly|instead|has|had|have|will|would))*|,)\s*$",
                before):
            if re.search(r"\b(?:and|but|or)\b\W*(?:\w+\W+){0,2}$", before) or re.match(r"[a-z]+ing\b", text[cue.start:cue.end].lower()):
                return holders_of[previous_index][0], "coordinated"
        if cue.kind == "attitude":
            segment_start = max((c.end for c in earlier), default=0)
            subject = self._subject(text, mentions, segment_start, cue.start)
            participle = re.match(r"[a-z]+ing\b", text[cue.start:cue.end].lower()) and not _AUXILIARY_BEFORE.search(before)
            if _COORDINATED_VERB.search(before) or participle:
                # "Kyiv had handed the Russian side a list ... and demanded their return": the verb shares
                # the clause's subject, not the nearest name (the object of the first verb).
                # A report inside a relative clause ("children it says were taken") does not open a clause.
                opening_from = max((c.end for c in earlier if not (c.kind == "report" and re.search(
                    r"\b(?:it|they|he|she|which|who)\s+$", text[:c.start]))), default=0)
                opening = _first_subject(text, mentions, opening_from, cue.start)
                if opening is not None and opening.start < (subject.start if isinstance(subject, Mention)
                                                            else cue.start):
                    subject = opening
            if subject == "blocked":
                return None
            if subject is not None:
                holders = self._holders(subject, text, voice)
                if holders:
                    return holders
            clause = before[_clause_start(text, cue.start, earlier):]
            if len(re.findall(r"[A-Za-z]{2,}", clause)) >= 2 and not re.search(r",\s*$", clause):
                # A subject that is no party ("Two-way trade supports 210,000 jobs", "The Department
                # of Agriculture has tools to support farmers") holds no party's position.
                return None
        # "For Moscow, the neutrality of Ukraine is non-negotiable": the party the sentence opens with.
        opening = _FOR_PARTY.match(text)
        if cue.kind == "modal" and opening:
            named = [m for m in mentions if m.start == opening.end() and m.kind == "name"]
            if named:
                return [named[0].party], "subject"  # type: ignore[list-item]
        # Modal (or an attitude verb without a subject of its own): the voice holds it.
        if voice.party is not None:
            return [voice.party], _voice_basis(voice)
        if cue.kind == "modal" and cue.weight < 0.5:
            # "Russia will release 1,000 prisoners": a narrated commitment, held by its subject.
            subject = self._subject(text, mentions, max((c.end for c in earlier), default=0), cue.start)
            if isinstance(subject, Mention):
                return self._holders(subject, text, voice)
        return None

    def _subject(self, text: str, mentions: list[Mention], start: int, end: int) -> Mention | str | None:
        """Nearest mention left of a verb that can be its subject (not inside "on Russia", "with Kyiv")."""
        for mention in reversed([m for m in mentions if start <= m.start and m.end <= end]):
            if _PREPOSITION.search(text[max(0, mention.start - 14):mention.start]):
                continue
            if mention.possessive and mention.kind != "name":
                # "its carmakers", "their sanctions": a possessive pronoun is not the subject, but with
                # a speaker noun it names one ("her government was prepared to act").
                if not _SPEAKER_NOUN.match(text[mention.end:mention.end + 40]):
                    continue
            elif mention.possessive and not _SPEAKER_NOUN.match(text[mention.end + 2:mention.end + 40]):
                continue
            # "The Association, which bargains for 11 operators, has offered": skip the aside.
            between = re.sub(r"^(?:'s|’s)?\s*,\s*(?:which|who|whose|the|a|an)\b[^,;]{0,120},", " ", text[mention.end:end])
            if re.search(r"[;:]|\b(?:that|which|who|because|when|while)\b", between) and len(between) > 40:
                continue
            if mention.kind == "outsider":
                return "blocked"
            return mention
        return None

    def _implicit(self, unit: Sentence, text: str, voice: Voice, is_point: bool) -> Claim | None:
        """Positions without a cue verb: memorandum points and "No X until Y" lines."""
        if voice.party is None or text.rstrip().endswith((":", "?")) or len(re.findall(r"[A-Za-z]{3,}", text)) < 3:
            return None
        negative = re.match(r"\s*[\"“]?(?:no|not|never)\b", text, re.IGNORECASE)
        if is_point:
            return Claim(voice.party, None, -1 if negative else 1, 2, (0, len(text)), "list-point")
        # "No ceasefire until ...": a verbless refusal. "No port that has refused X has kept Y" is a
        # generalisation, so it needs a condition or must be short.
        if negative and voice.kind in ("report", "label", "quote", "author") and (
                find_condition(text) is not None or len(text.split()) <= 8):
            return Claim(voice.party, None, -1, 2, (negative.end(), len(text)), _voice_basis(voice))
        return None

    # ------------------------------------------------------------------ discourse memory

    def remember(self, unit: Sentence, voice: Voice, claims: list[Claim]) -> None:
        """Update what later pronouns and quotes refer to."""
        if claims:
            # The sentence's own subject, not the owner of a call it reports ("X rejected Y's calls").
            # "Both sides agreed X, Umerov said. He also said ...": "he" is a person, never "both sides",
            # so a sentence whose only claims are the group's leaves its reporting speaker as the antecedent.
            main = next((c for c in claims if c.basis not in ("possessor", "agent", "group")), None)
            if main is None and voice.kind in ("report", "label", "quote") and voice.party:
                self.state.last_holder = voice.party
            else:
                main = main or next((c for c in claims if c.basis not in ("possessor", "agent")), claims[0])
                self.state.last_holder = main.party
        elif voice.kind == "report" and voice.party:
            self.state.last_holder = voice.party
        elif unit.text.rstrip().endswith("?") and (asked := [m for m in self.index.names_in(unit.text)
                                                              if not m.possessive]):
            # "Q: Did the Venezuelans ask for anything more?" - "They raise sanctions every time."
            self.state.last_holder = asked[0].party
        elif (opening := _OPENING_NAME.match(unit.text)) is not None:
            # "The Venezuelans have been clear. They would like ...": a party opening a sentence that states
            # nothing itself is still what the next "they" refers to.
            named = self.index.names_in(opening.group(0))
            if named and not named[-1].possessive:
                self.state.last_holder = named[-1].party
        if voice.party and voice.kind in ("report", "label", "quote"):
            self.state.last_voice = voice.party
            self.state.last_voice_paragraph = unit.paragraph
        elif voice.kind == "outsider":
            self.state.last_voice = None


# The first words of a sentence, up to where its subject would end ("The Venezuelan government has ...").
_OPENING_NAME = re.compile(r"^\W*(?:the\s+)?(?:[\w.'’-]+\s+){0,3}?[\w.'’-]+(?=\s+(?:has|have|had|is|are|was|were|will|would|"
                           r"said|says|made|remains?|stays?)\b)", re.IGNORECASE)
_DETERMINER = re.compile(
    r"\b(?:a|an|the|this|that|these|those|any|every|no|its|their|his|her|our|my)\s+"
    r"(?:(?:fair|new|latest|final|improved|revised|first|second|last|generous|formal|concrete|fresh|joint|previous|"
    r"earlier|best|opening|initial|counter|better|full|similar|original|standing|repeated|renewed)\s+)?$",
    re.IGNORECASE)
_PASSIVE = re.compile(r"\b(?:be|been|being|is|are|was|were)\s+(?:not\s+|never\s+|also\s+|already\s+)?$", re.IGNORECASE)
_RELATIVE = re.compile(r"\b(?:that|which|who|whose)\s+(?:(?:has|have|had|is|are|was|were|would|will|could|might)\s+)?"
                       r"(?:(?:not|never|also|already|repeatedly)\s+)?$", re.IGNORECASE)
_REPORTED_THAT = re.compile(
    r"\b(?:said|says|say|told \w+|tells \w+|added|stated|noted|insisted|argued|warned|stressed|replied|"
    r"declared|announced)\s+that\s$", re.IGNORECASE)
_PARTICIPLE = re.compile(r",\s*(?:saying|adding|arguing|warning|noting|explaining|insisting|stressing|claiming)\b[^;]*$",
                         re.IGNORECASE)


def _is_passive(text: str, cue: Cue) -> bool:
    """ "was rejected", "cannot be accepted": a participle after a form of "be"."""
    # A modal folded into the cue ("cannot be accepted") puts "be" inside the span: look before the verb.
    # "is prepared to", "must be allowed to enter": a participle with its own complement is no passive.
    if re.match(r"\s*(?:to|for)\b", text[cue.end:cue.end + 5]):
        return False
    for word in re.finditer(r"[A-Za-z]+", text[cue.start:cue.end]):
        verb = word.group(0).lower()
        if verb.endswith("ed") or verb in ("sought", "ruled", "turned", "put"):
            if re.match(r"\s+(?:to|for|that)\b", text[cue.start + word.end():cue.end]):
                return False
            return bool(_PASSIVE.search(text[:cue.start + word.start()]))
    return False


def _condition_spans(text: str) -> list[tuple[int, int]]:
    """Every condition clause of a sentence: a cue inside one is hypothetical, not a position."""
    spans = []
    position = 0
    while (found := find_condition(text, position)) is not None:
        spans.append(found)
        position = found[1]
    return spans


def _embedded(text: str, cue: Cue, held: list[Cue], mentions: list[Mention]) -> bool:
    """Whether a cue is part of another position's content rather than a position of its own.

    - inside a relative clause: "a contract that allows automation", "no port that has refused";
    - a bare infinitive after another position: "ask Local 7 to end the strike and allow ...";
    - a weak modal inside a reason clause or another position's complement: "..., saying the port
      would lose business", "wants a guarantee that no jobs will be lost".
    """
    before = text[:cue.start]
    relative = _RELATIVE.search(before)
    if relative and _REPORTED_THAT.search(before[:relative.start() + 5]):
        relative = None  # "said that was not on the table": reported speech, not a relative clause
    if relative and relative.group(0)[0].islower() and cue.kind in ("attitude", "modal"):
        antecedent = before[:relative.start()].rstrip(" ,")
        if not any(m.kind == "name" and abs(m.end - len(antecedent)) <= 1 for m in mentions):
            return True
    word = text[cue.start:cue.end].lower()
    previous = [c for c in held if c.end <= cue.start]
    if previous and cue.kind == "attitude" and re.search(r"\b(?:to|and|or)\s+$", before) \
            and re.fullmatch(r"[a-z]+", word) and not re.search(r"(?:s|ed|ing)$", word) \
            and not _CLAUSE_END.search(text, previous[-1].end, cue.start):
        return True
    if cue.kind == "modal" and cue.weight < 0.5 and not cue.idiom:
        if _PARTICIPLE.search(before):
            return True
        new_subject = any(m.end <= cue.start and len(text[m.end:cue.start].split()) <= 1 and m.kind != "outsider"
                          and m.start >= previous[-1].end for m in mentions) if previous else False
        if any(c.kind == "attitude" for c in previous) and not new_subject \
                and not _CLAUSE_END.search(text, previous[-1].end, cue.start):
            return True
    return False


def _narrated(text: str, cue: Cue) -> bool:
    """ "ended the talks without agreeing on X": a non-event narrated, no position stated."""
    return bool(re.search(r"\bwithout\s+(?:\w+\s+)?$", text[max(0, cue.start - 20):cue.start], re.IGNORECASE))


_CLAUSE_END = re.compile(
    r",[\"”’']?\s*(?:but|while|whereas|although|though|saying|adding|arguing|calling|warning|noting|insisting|stressing)\b"
    r"|;|\s[—–]\s|,\s*(?:a|an|the)\s+(?:remark|move|claim|statement|step|demand|proposal|position|condition|"
    r"request|offer|comment|reference|threat|warning|signal)\b",
    re.IGNORECASE)


def _clause_end(text: str, start: int, limit: int) -> int:
    """Where the content of a position ends: the next cue, or a break like ", but" / "; " / ", saying"."""
    match = _CLAUSE_END.search(text, start, limit)
    return match.start() if match else limit


_FINITE = re.compile(r"\s(?:would|will|shall|should|must|can|could|may|might|cannot|is|are|was|were|has|have|had)\b",
                     re.IGNORECASE)


def _noun_phrase_end(text: str, start: int, limit: int) -> int:
    """Where what a position noun names ends: "[the union's demand] for a 19% raise | would make ...".

    A "for"/"of"/"to" complement is a noun phrase, so the first finite verb after it belongs to the
    sentence the noun is the subject of. A "that" clause ("demand that Kestria end ...") has a verb of its own.
    """
    if re.match(r"\s*that\b", text[start:limit]):
        return limit
    verb = _FINITE.search(text, start, limit)
    return verb.start() if verb and _words_between(text, start, verb.start()) else limit


def _words_between(text: str, start: int, end: int) -> bool:
    return len(re.findall(r"[A-Za-z]{3,}", text[start:end])) >= 1


def _voice_basis(voice: Voice) -> Basis:
    return {"label": "label", "author": "author", "report": "speaker", "quote": "speaker"}.get(voice.kind, "speaker")  # type: ignore[return-value]


def _closes_quote(text: str) -> bool:
    """Whether every quotation opened in the text is closed in it (curly or straight quotes)."""
    if "“" in text or "”" in text:
        return text.count("”") >= text.count("“")
    return text.count('"') % 2 == 0


def _only_filler(between: str, mentions: list[Mention], start: int, end: int) -> bool:
    """True when only a possessor and small words separate two cues ("rejected the Front's calls")."""
    stripped = between
    for mention in mentions:
        if start <= mention.start and mention.end <= end:
            stripped = stripped.replace(between[mention.start - start:mention.end - start], " ")
    # The possessor, an article and up to three modifiers: "the government's latest pay offer".
    return re.fullmatch(r"[\s,]*(?:the|a|an|its|their|his|her)?\s*(?:'s|’s|')?\s*(?:[a-z-]+\s+){0,3}", stripped) is not None


def _ends_with_verb(between: str) -> bool:
    return bool(re.search(r"\b(?:is|are|was|were|has|have|had|will|would|can|could)\b", between))


def _clause_start(text: str, position: int, earlier: list[Cue]) -> int:
    """Where the clause holding `position` starts: after the previous cue or a clause break."""
    start = max((c.end for c in earlier), default=0)
    window = text[start:position]
    breaks = list(re.finditer(r"[;:]|[.!?][\"”’]?\s+|,\s*(?:but|while|whereas|and)\b|\bthat\b", window))
    return start + breaks[-1].end() if breaks else start


_FUNCTION_WORDS = frozenset("and but or the a an of to for on in at by with as its their his her our this that it".split())


def _blank(content: str) -> bool:
    """No word of substance: "and", "it is", " the "."""
    return not any(w.lower() not in _FUNCTION_WORDS for w in re.findall(r"[A-Za-z]{3,}", content))


_FOR_PARTY = re.compile(r"^\W*(?:for|to|in the view of)\s+(?:the\s+)?(?=[^,]{1,60},)", re.IGNORECASE)
def _first_subject(text: str, mentions: list[Mention], start: int, end: int, *,
                   names_only: bool = False) -> Mention | None:
    """The first mention within 60 characters of `start` (and before `end`) that can open a clause as its
    subject: not a possessive, not after a preposition, not an outsider."""
    for mention in mentions:
        if not (start <= mention.start < min(end, start + 60) and mention.end <= end):
            continue
        if mention.possessive or mention.kind == "outsider" or (names_only and mention.kind != "name"):
            continue
        if not _PREPOSITION.search(text[max(0, mention.start - 14):mention.start]):
            return mention
    return None


# "is proposing": a participle after an auxiliary is the clause's own verb, not a participle clause
# ("Kyiv had written to Erdogan proposing that ...", whose subject is Kyiv's).
_AUXILIARY_BEFORE = re.compile(r"\b(?:is|are|was|were|be|been|being|am|['’]s|['’]re|not)\s+(?:\w+\s+)?$", re.IGNORECASE)
# "... and demanded", ", and later urged": a verb phrase coordinated with the clause's first verb.
_COORDINATED_VERB = re.compile(r"[^,;]\s+and\s+(?:(?:also|then|later|again|finally|has|have|had)\s+)?$")
_PAST_REPORT = re.compile(r"said|saying|told|stated|wrote|announced|declared|insisted|made clear|reiterated|stressed",
                          re.IGNORECASE)
_REPORTED_CLAUSE = re.compile(r"[^.;:?!\"“”]{0,60}?\bthat\s+(?!we\b|I\b|our\b|us\b)", re.IGNORECASE)
_ANAPHOR = re.compile(
    r"^\W*(?:(?:was|is|are|were|be|been|simply|it|that|this|these|those|them|(?:do|did|does|doing) (?:so|that|this|it)|"
    r"the same|(?:the|this|that) (?:very )?"
    r"(?:idea|list|demand|demands|proposal|plan|offer|request|call|calls|terms|conditions))\b\W*)+"
    r"(?:as\W+\w+\W*)?$",
    re.IGNORECASE)


def _is_anaphoric(content: str) -> bool:
    """Content that only points back ("that", "it", "the idea") instead of saying what is wanted."""
    return bool(_ANAPHOR.match(content.strip()))
