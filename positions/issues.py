"""Which issue a demand is about (embeddings), which way it points (anchors), and new issues.

Embeddings decide *what a demand is about*: the content of each claim is compared with every
issue's label, description, motion and direction anchors, and with the negotiation's curated
demands where it has them (the nearest curated example speaks for its issue). They also decide
*direction*: whether the content is nearer the issue's FOR anchors or its AGAINST anchors. Where an
issue has neither anchors nor curated demands, direction falls back to a word rule: content that
"ends", "lifts" or "scraps" something points the other way from a motion that does not.

Demands that fit no issue are grouped into *discovered* issues: the first firm demand of a group
becomes its motion, and every other member's stance is taken relative to it.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from positions.embedding import Embedder
from positions.schema import Demand, Issue

GENERIC_ISSUES_PATH = Path(__file__).resolve().parent.parent / "data" / "generic" / "issues.yaml"
ANCHORS_PATH = Path(__file__).resolve().parent / "stance_anchors.yaml"

# Each direction word found in a content moves the FOR-minus-AGAINST similarity gap this much.
WORD_WEIGHT = 0.05
# Each direction word of an issue found in a content adds this to its topical score (two at most).
TOPIC_WORD_BONUS = 0.04
# This many direction words, all pushing one way, outweigh the anchors ("unhindered access for aid
# convoys" is as near "access for aid agencies is closed" as to any FOR example).
UNANIMOUS_WORDS = 2
# A gap smaller than this is too close to call by anchors.
DIRECTION_UNSURE = 0.03
# Words that reverse what follows them; compared between a content and a motion when no anchors exist.
_REVERSING = re.compile(
    r"\b(?:end(?:s|ed|ing)?|lift(?:s|ed|ing)?|scrap(?:s|ped|ping)?|abolish\w*|dismantl\w+|remov\w+|"
    r"withdraw\w*|withdrew|cut(?:s|ting)?|drop(?:s|ped|ping)?|halt\w*|stop(?:s|ped|ping)?|cancel\w*|"
    r"eliminat\w+|phas\w+ out|revok\w+|abandon\w*|give up|gave up|waiv\w+|suspend\w*|ban(?:s|ned)?|"
    r"limit\w*|cap(?:s|ped)?|restrict\w*|outside|exclud\w+|unaddressed|without)\b",
    re.IGNORECASE)
_STOPWORDS = frozenset(
    "a an the of to in on for and or but with by from at as is are was were be been being that this these "
    "those it its their his her our we they he she will would shall should must can could may might not no "
    "any all its own than then so such which who whom whose what when where while also has have had do does "
    "did into over under about after before until unless only more most other some each both between up out "
    "said says say told demands demand demanded wants want calls call urged urges insists insisted proposes "
    "proposed agrees agreed accept accepts accepted reject rejects rejected ready prepared willing need needs "
    "needed".split())


@lru_cache(maxsize=4)
def generic_issues(path: Path = GENERIC_ISSUES_PATH) -> tuple[Issue, ...]:
    """The generic issue set used for negotiations without curated data."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return tuple(Issue.model_validate(item) for item in data["issues"])


@dataclasses.dataclass(frozen=True)
class Anchors:
    """Direction evidence for one issue: example statements and words for and against its motion."""

    for_examples: tuple[str, ...] = ()
    against_examples: tuple[str, ...] = ()
    for_words: re.Pattern[str] | None = None
    against_words: re.Pattern[str] | None = None
    topic_words: re.Pattern[str] | None = None  # say what a content is about, not which way it points

    def word_balance(self, text: str) -> int:
        """Words pushing the motion forward minus words pushing it back.

        A word right after a negator counts the other way ("kept in storage, not destroyed"),
        except in the first words, whose negation the cue rules already applied.
        """
        return self.word_evidence(text)[0]

    def word_evidence(self, text: str) -> tuple[int, bool]:
        """(word_balance, whether the words decide: one was reversed by a negator or an undoing phrase
        before it, or several all push the same way)."""
        balance, reversed_word = 0, False
        pushes: set[int] = set()
        for pattern, sign in ((self.for_words, 1), (self.against_words, -1)):
            for match in pattern.finditer(text) if pattern else ():
                before = text[max(0, match.start() - 60):match.start()]
                before = re.split(r"[,;:]", before)[-1] + (" " if before and before[-1] in ",;:" else "")
                local = _LOCAL_NEGATION.search(before)
                # A negator among the first words was already applied by the cue rules.
                flipped = local is not None and (match.start() > 25 or local.group(0).split()[0].lower()
                                                 not in ("not", "no", "never", "without"))
                if not flipped and _UNDOING.search(before) and not _UNDOING.match(match.group(0)):
                    flipped = True  # an undoing verb governs the word; itself a direction word, it counts as is
                balance += -sign if flipped else sign
                reversed_word |= flipped
                pushes.add(-sign if flipped else sign)
        # All the words push one way, and there are several: they decide, as a reversed word does.
        unanimous = len(pushes) == 1 and abs(balance) >= UNANIMOUS_WORDS
        return balance, reversed_word or unanimous

    def mentions(self, text: str) -> int:
        """How many of this issue's direction words the text uses: evidence of what it is about."""
        return sum(len(p.findall(text)) for p in (self.for_words, self.against_words, self.topic_words) if p)


# A negator, or an "undoing" phrase ("drop its bid to", "give up its plans to"), right before a word.
_LOCAL_NEGATION = re.compile(
    r"(?:\b(?:not|no|never|without|zero)|\b(?:drop\w*|abandon\w*|give up|gave up|giving up|renounc\w*|shelv\w*|"
    r"withdr\w*|end\w*|halt\w*|stop\w*|freez\w*|suspend\w*)\s+(?:its|their|his|her|the|any|all|our)?\s*(?:own\s+)?"
    r"(?:bid|plans?|attempts?|aspirations?|ambitions?|efforts?|intentions?|application|drive|push|quest|hopes?)"
    r"\s+(?:to|for|of))\s+(?:\w+\s+)?$",
    re.IGNORECASE)
# A verb that undoes what it governs, a few words before a direction word: "cancel 91 points of its
# countermeasure tariffs", "stop abusing export controls", "correct its practice of tariff increases",
# "give up enrichment". The word then counts the other way: cancelled tariffs lower trade barriers.
# No clause break (comma, "and", "but") may stand between the verb and the word.
_UNDOING = re.compile(
    r"\b(?:lift(?:s|ed|ing)?|remov\w+|cancel\w*|scrap(?:s|ped|ping)?|abolish\w*|dismantl\w+|roll\w* back|"
    r"revers\w+|undo(?:es|ing)?|undid|correct(?:s|ed|ing)?|repeal\w*|revok\w+|rescind\w*|stop(?:s|ped|ping)?|"
    r"halt\w*|eliminat\w+|phas\w+ out|give up|gave up|giving up|gives up|abandon\w*|renounc\w+|waiv\w+|"
    r"suspend\w*|eas(?:e|es|ed|ing)|ends?|ended|ending|an end to|put an end to|exempt\w*|exemption from)"
    r"\s+(?:(?!and\b|but\b|or\b|while\b|then\b)[\w%'’.-]+\s+){0,7}$",
    re.IGNORECASE)


def _word_pattern(stems: Sequence[str]) -> re.Pattern[str] | None:
    return re.compile(r"\b(?:" + "|".join(stems) + ")", re.IGNORECASE) if stems else None


@lru_cache(maxsize=4)
def stance_anchors(path: Path = ANCHORS_PATH) -> dict[str, Anchors]:
    """Issue id -> its direction anchors (positions/stance_anchors.yaml)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return {
        issue_id: Anchors(
            tuple(entry.get("for_examples", ())), tuple(entry.get("against_examples", ())),
            _word_pattern(entry.get("for_words", ())), _word_pattern(entry.get("against_words", ())),
            _word_pattern(entry.get("topic_words", ())),
        )
        for issue_id, entry in data["issues"].items()
    }


def reversals(text: str) -> int:
    """How many reversing words a text has ("lift", "end", "scrap"...): parity decides direction."""
    return len(_REVERSING.findall(text))


class IssueMatcher:
    """Issue scores and content direction for a fixed set of issues, by vectorised cosine."""

    def __init__(
        self,
        issues: Sequence[Issue],
        embedder: Embedder,
        *,
        curated: Sequence[Demand] = (),
        anchors: dict[str, Anchors] | None = None,
    ) -> None:
        self.issues = tuple(issues)
        self.embedder = embedder
        anchors = stance_anchors() if anchors is None else anchors
        position = {issue.id: n for n, issue in enumerate(self.issues)}
        topic_texts: list[str] = []
        topic_owner: list[int] = []
        direction_texts: list[str] = []
        direction_owner: list[int] = []
        direction_sign: list[float] = []
        for n, issue in enumerate(self.issues):
            for text in (f"{issue.label}: {issue.description}" if issue.description else issue.label, issue.motion,
                         *_fragments(issue)):
                topic_texts.append(text)
                topic_owner.append(n)
            found = anchors.get(issue.id, Anchors())
            for text, sign in [(t, 1.0) for t in found.for_examples] + [(t, -1.0) for t in found.against_examples]:
                direction_texts.append(text)
                direction_owner.append(n)
                direction_sign.append(sign)
        for demand in curated:
            if demand.issue in position and demand.stance != 0:
                # A curated demand text says what its party wants; its stance sign is its direction.
                direction_texts.append(demand.text)
                direction_owner.append(position[demand.issue])
                direction_sign.append(float(np.sign(demand.stance)))
        vectors = embedder.embed(topic_texts + direction_texts) if topic_texts else np.empty((0, 0))
        self._topic = vectors[: len(topic_texts)]
        self._topic_owner = np.asarray(topic_owner, dtype=np.int64)
        self._direction = vectors[len(topic_texts):]
        self._direction_owner = np.asarray(direction_owner, dtype=np.int64)
        self._direction_sign = np.asarray(direction_sign, dtype=np.float32)
        self._motion_reversals = np.asarray([reversals(i.motion) % 2 for i in self.issues])
        # Its own words: label, description, motion, direction examples and curated demands.
        vocabulary: list[set[str]] = [set() for _ in self.issues]
        for text, owner in zip(topic_texts + direction_texts, topic_owner + direction_owner):
            vocabulary[owner] |= _stems(text)
        # A word in the vocabulary of several issues ("talks", "agreement", "side") says nothing about which.
        spread = Counter(word for words in vocabulary for word in words)
        shared = {word for word, count in spread.items() if count > max(2, len(self.issues) // 4)}
        self._vocabulary = [words - shared for words in vocabulary]
        self._anchors = [anchors.get(issue.id, Anchors()) for issue in self.issues]
        self.has_direction = np.bincount(self._direction_owner, minlength=len(self.issues)) > 0 \
            if len(self._direction_owner) else np.zeros(len(self.issues), dtype=bool)

    def scores(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """(n, issues) topical similarity: the best match among each issue's texts and examples.

        texts: the contents as written; each of an issue's direction words they use adds
        TOPIC_WORD_BONUS (at most two), because a proper name can drown a short content's vector
        ("release Daniel Cho, Sarah Menon and Karim Haddadi").
        """
        n, k = len(vectors), len(self.issues)
        scores = np.full((n, k), -1.0, dtype=np.float32)
        if n == 0 or k == 0:
            return scores
        for matrix, owner in ((self._topic, self._topic_owner), (self._direction, self._direction_owner)):
            if len(matrix):
                similarity = vectors @ matrix.T
                for issue in range(k):
                    columns = owner == issue
                    if columns.any():
                        scores[:, issue] = np.maximum(scores[:, issue], similarity[:, columns].max(axis=1))
        if texts is not None:
            hits = np.array([[min(2, a.mentions(t)) for a in self._anchors] for t in texts], dtype=np.float32)
            scores += TOPIC_WORD_BONUS * hits
        return scores

    def supported(self, issue: int, text: str) -> bool:
        """Whether the text uses a word of the issue's own vocabulary or one of its direction words.

        A weak embedding match is a guess among the issues on offer; a shared word ("tariff", "raise",
        "ratios") shows the content is really about this one, not about something the issue set lacks.
        """
        return bool(_stems(text) & self._vocabulary[issue]) or self._anchors[issue].mentions(text) > 0

    def directions(self, vectors: np.ndarray, issue_index: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """For each row, > 0 if its content pushes its issue's motion forward, < 0 if back.

        With anchors: best FOR similarity minus best AGAINST similarity on that issue, plus
        WORD_WEIGHT per direction word. When that is too close to call (or there are no anchors),
        the sign comes from comparing reversing words in the content and in the motion, with a
        magnitude of DIRECTION_UNSURE so the confidence shows it.
        """
        out = np.zeros(len(vectors), dtype=np.float32)
        if len(vectors) == 0:
            return out
        similarity = vectors @ self._direction.T if len(self._direction) else np.zeros((len(vectors), 0))
        for row, issue in enumerate(issue_index):
            columns = self._direction_owner == issue
            signs = self._direction_sign[columns]
            gap = 0.0
            if columns.any() and (signs > 0).any() and (signs < 0).any():
                values = similarity[row, columns]
                gap = float(values[signs > 0].max() - values[signs < 0].max())
            anchored = bool(columns.any())
            balance, reversed_word = self._anchors[issue].word_evidence(texts[row])
            if reversed_word and balance:
                # "give up its plans to join", "kept in storage, not destroyed": the embedding sees the
                # word, not what undoes it, so here the words alone decide.
                gap = 0.0
            gap += WORD_WEIGHT * float(np.clip(balance, -2, 2))
            if abs(gap) < DIRECTION_UNSURE:
                if anchored:
                    # Too close to call: a demand on an issue usually asks for what its motion says
                    # (motions are worded as the thing one side pushes for).
                    gap = DIRECTION_UNSURE / 2
                else:
                    same = reversals(texts[row]) % 2 == self._motion_reversals[issue]
                    gap = DIRECTION_UNSURE / 2 if same else -DIRECTION_UNSURE / 2
            out[row] = gap
        return out


_SUFFIX = re.compile(r"(?:ations?|ings?|ies|es|ed|s)$")


def _stem(word: str) -> str:
    """A crude stem: "sanctions" and "sanctioned" -> "sanction", "talks" -> "talk", "raises" -> "rais"."""
    word = word.lower()
    stripped = _SUFFIX.sub("", word)
    return stripped if len(stripped) >= 3 else word


def _stems(text: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text) if w.lower() not in _STOPWORDS}


def _fragments(issue: Issue) -> list[str]:
    """The parts of a list-like description ("Wages, pay rises, pensions, job security"), each on its own.

    A sentence about one item of a long list is far from the list as a whole in embedding space,
    yet close to the item.
    """
    parts = [p.strip(" .") for p in re.split(r"[,;]|\s+-\s+|\band\b", issue.description) if len(p.strip(" .")) > 3]
    return [f"{issue.label}: {part}" for part in parts] if len(parts) > 1 else []


@dataclasses.dataclass(frozen=True)
class DiscoveredIssue:
    issue: Issue
    seed: int  # index of the claim whose demand became the motion
    members: tuple[int, ...]


def discover(
    vectors: np.ndarray,
    texts: Sequence[str],
    seeds: Sequence[bool],
    *,
    join: float,
    taken: set[str] = frozenset(),  # type: ignore[assignment]
    exclude_words: set[str] = frozenset(),  # type: ignore[assignment]
) -> list[DiscoveredIssue]:
    """Group unmatched demands into new issues, greedily in document order.

    A group starts only at a firm demand (seeds[i]); other demands join the group whose founding
    demand they resemble most (cosine >= join). Demands that neither start nor join a group are dropped:
    a stray sentence that fits no issue is more often noise than a new issue.
    """
    groups: list[list[int]] = []
    for row in range(len(vectors)):
        # First pass: firm demands found groups, or join an earlier one they resemble.
        if not seeds[row]:
            continue
        if groups:
            similarity = np.stack([vectors[g[0]] for g in groups]) @ vectors[row]
            best = int(np.argmax(similarity))
            if similarity[best] >= join:
                groups[best].append(row)
                continue
        groups.append([row])
    if groups:
        # Second pass: the rest join the group they resemble most, wherever it was founded
        # ("Kyiv rejected Moscow's demand for X" comes before the demand that founds X's group).
        heads = np.stack([vectors[g[0]] for g in groups])
        for row in range(len(vectors)):
            if seeds[row]:
                continue
            similarity = heads @ vectors[row]
            best = int(np.argmax(similarity))
            if similarity[best] >= join:
                groups[best].append(row)

    found: list[DiscoveredIssue] = []
    used = set(taken)
    for number, group in enumerate(groups, start=1):
        words = _key_words([texts[i] for i in group], exclude_words)
        slug = "other-" + "-".join(words[:2]) if words else f"other-{number}"
        while slug in used:
            slug = f"{slug}-{number}"
        used.add(slug)
        label = " ".join(words[:3]).capitalize() if words else f"Other issue {number}"
        motion = texts[group[0]].strip().rstrip(".") + "."
        issue = Issue(id=slug, label=label, description=f"Discovered: {texts[group[0]]}", motion=motion)
        found.append(DiscoveredIssue(issue, group[0], tuple(sorted(group))))
    return found


def _key_words(texts: Sequence[str], exclude: set[str]) -> list[str]:
    counts: Counter[str] = Counter()
    for text in texts:
        for word in dict.fromkeys(re.findall(r"[a-z][a-z-]{3,}", text.lower())):
            if word not in _STOPWORDS and word not in exclude:
                counts[word] += 1
    return [w for w, _ in counts.most_common(3)]
