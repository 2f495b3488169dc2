"""The data model: who demands what, on which issue, with which stance, according to which source.

Stances always refer to an issue's *motion* (one proposition), on a scale from -2 (strongly
against) to +2 (strongly for). That is what lets the program say "agree" or "disagree";
embeddings only ever say "about the same thing".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

STANCE_MIN = -2
STANCE_MAX = 2

Role = Literal["party", "mediator"]
DocumentKind = Literal["memorandum", "plan", "statement", "outcome", "news"]
Origin = Literal["curated", "extracted"]
Certainty = Literal["verified", "partial", "unverified"]

_ID = r"^[a-z0-9][a-z0-9_.-]*$"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


class _Model(BaseModel):
    # Unknown keys are almost always a curator's typo ("stnace"): reject rather than ignore.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Model):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    role: Role = "party"
    colour: str = "#888888"

    @field_validator("colour")
    @classmethod
    def _hex_colour(cls, value: str) -> str:
        if not _COLOUR.match(value):
            raise ValueError(f"colour must look like #1f77b4, got {value!r}")
        return value

    def names(self) -> tuple[str, ...]:
        """Every word a text may use for this party: id, name and aliases."""
        return (self.id, self.name, *self.aliases)


class Issue(_Model):
    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    description: str = ""
    motion: str = Field(min_length=1, description="The proposition every stance on this issue refers to.")


class Document(_Model):
    id: str = Field(pattern=_ID)
    title: str = Field(min_length=1)
    party: str | None = Field(default=None, description="Author party id; None for joint outcomes and news.")
    date: dt.date
    kind: DocumentKind
    publisher: str = ""
    url: str | None = None
    language: str = "en"
    certainty: Certainty = "verified"
    note: str | None = None

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://\S+$", value):
            raise ValueError(f"url must start with http:// or https://, got {value!r}")
        return value


class Demand(_Model):
    id: str = Field(pattern=_ID)
    party: str
    document: str
    issue: str
    stance: int = Field(ge=STANCE_MIN, le=STANCE_MAX)
    condition: str | None = None
    text: str = Field(min_length=1, description="Neutral paraphrase of what the party demands.")
    quote: str | None = None
    origin: Origin = "curated"
    certainty: Certainty = "verified"
    note: str | None = None
    # Only for model-extracted demands: how sure the pipeline is, and where it saw it.
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    evidence: str | None = None
    evidence_start: int | None = Field(default=None, ge=0)
    evidence_end: int | None = Field(default=None, ge=0)
    model: str | None = None

    @field_validator("stance", mode="before")
    @classmethod
    def _whole_stance(cls, value: object) -> object:
        # Booleans are ints in Python; "yes" is not a stance.
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError("stance must be a whole number from -2 to 2")
        return value

    @model_validator(mode="after")
    def _extracted_has_evidence(self) -> Demand:
        if self.origin == "extracted" and (self.confidence is None or not self.evidence or not self.model):
            raise ValueError("an extracted demand needs confidence, evidence and model")
        return self


class Negotiation(_Model):
    slug: str = Field(pattern=_ID)
    title: str
    summary: str = ""
    parties: tuple[Party, ...]
    issues: tuple[Issue, ...]
    documents: tuple[Document, ...] = ()
    demands: tuple[Demand, ...] = ()

    def party(self, ref: str) -> Party:
        """Find a party by id, name or alias, case-insensitively."""
        wanted = ref.strip().casefold()
        for party in self.parties:
            if wanted in (n.casefold() for n in party.names()):
                return party
        known = ", ".join(p.name for p in self.parties)
        raise KeyError(f"unknown party {ref!r}; this negotiation has: {known}")

    def issue(self, issue_id: str) -> Issue:
        for issue in self.issues:
            if issue.id == issue_id:
                return issue
        raise KeyError(f"unknown issue {issue_id!r}")

    def document(self, document_id: str) -> Document:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KeyError(f"unknown document {document_id!r}")

    def documents_by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}
