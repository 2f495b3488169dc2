"""Parties from the short form people type: "Name=alias, alias" (the CLI's --party, the app's party lines).

One parser for both, so a party typed in the app and on the command line gets the same id, name
and aliases: the name with its whitespace collapsed, its id the name in lower case with dashes,
the aliases trimmed and without repeats.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from positions.schema import Party

NAME_NEEDED = "give a name before '=' (like Russia=Moscow, Kremlin)"


def party_id(name: str) -> str:
    """Schema id for a party name ("Red Hills Front" -> "red-hills-front"); "" when it has no letter or digit."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_party(spec: str) -> Party:
    """A party from "Name=alias, alias" (aliases optional); ValueError when there is no name."""
    name, _, rest = spec.partition("=")
    name = " ".join(name.split())
    ident = party_id(name)
    if not ident:
        raise ValueError(NAME_NEEDED)
    aliases = tuple(dict.fromkeys(" ".join(a.split()) for a in rest.split(",") if a.strip()))
    return Party(id=ident, name=name, aliases=aliases)


def parse_parties(specs: Sequence[str], *, labels: Sequence[str] | None = None, minimum: int = 0,
                  how: str = "") -> list[Party]:
    """Parties from several specs, in order; ValueError names every bad one, one a line.

    labels: how to name each spec in a message ("line 3", "--party 'X'"); minimum: how many
    parties there must be (comparing needs two); how: appended to the message asking for more
    (", one a line").
    """
    labels = list(labels) if labels is not None else [f"party {n}" for n in range(1, len(specs) + 1)]
    parties: list[Party] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for spec, label in zip(specs, labels):
        try:
            party = parse_party(spec)
        except ValueError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if party.id in seen:
            problems.append(f"{label}: {party.name!r} is the same party as {seen[party.id]}")
            continue
        seen[party.id] = label
        parties.append(party)
    if not problems and len(parties) < minimum:
        problems.append((f"name at least {_count(minimum)} parties" if minimum > 1 else "name a party") + how)
    if problems:
        raise ValueError("\n".join(problems))
    return parties


def parse_party_lines(text: str, *, minimum: int = 2) -> list[Party]:
    """Parties one a line ("Name=alias, alias"); blank lines and lines starting with # are skipped."""
    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1)
                if line.strip() and not line.lstrip().startswith("#")]
    return parse_parties([line for _, line in numbered], labels=[f"line {n}" for n, _ in numbered],
                         minimum=minimum, how=", one a line")


def _count(n: int) -> str:
    return {2: "two", 3: "three"}.get(n, str(n))
