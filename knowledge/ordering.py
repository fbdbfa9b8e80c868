"""Which of the best passages answers first, for questions that say what kind of passage answers them: one defining
the asked term, one naming every identifier asked about, one naming the market role asked as, one giving an earlier
name. Each moves one passage up and otherwise keeps the ranking's order."""

from __future__ import annotations

import re
from collections.abc import Callable

from knowledge.checks import entry_names, missing_identifiers
from knowledge.kinds import asked_part, asks_former_name
from knowledge.reading import compared_terms, defined_term
from knowledge.search import Hit
from knowledge.terms import lexical_terms
from knowledge.units import FORMER, units_of

# The entry for a term is looked for among this many best passages (3: one question fewer; 10: the same).
DEFINITION_DEPTH = 5


def _first_that(hits: list[Hit], holds: Callable[[Hit], bool], depth: int | None = None) -> int | None:
    """The place of the first of ``hits[:depth]`` that ``holds``, or None."""
    return next((i for i, hit in enumerate(hits[:depth]) if holds(hit)), None)


def _put_first(hits: list[Hit], place: int | None) -> list[Hit]:
    """``hits`` with the one at ``place`` moved first (unchanged for None)."""
    if not place:
        return hits
    return [hits[place]] + hits[:place] + hits[place + 1 :]


def defines(text: str, term: str) -> bool:
    """Whether ``text`` has an entry for ``term`` (see knowledge.checks.entry_names)."""
    return term.lower() in entry_names(text)


def prefer_definition(
    question: str, hits: list[Hit], entries_of: Callable[[str], list[Hit]] | None = None
) -> list[Hit]:
    """``hits`` with the first of the best few holding an entry for the term the question asks to have defined put
    first, else the best of ``entries_of(term)`` (every passage with an entry for it, best first, see
    SearchIndex.entries_for; asked only then); unchanged when the best already has one, or none does. A question
    telling two terms apart ("LDSO vs DNO?") puts first the first of the best few with an entry for each."""
    term = defined_term(question)
    names = (term,) if term is not None else compared_terms(question)
    if names is None or not hits:
        return hits
    place = _first_that(hits, lambda hit: all(defines(hit.passage.text, t) for t in names), DEFINITION_DEPTH)
    if place is not None:
        return _put_first(hits, place)
    # One term's entry anywhere in the guidance (two terms to tell apart need a passage defining both).
    entries = entries_of(term) if term is not None and entries_of is not None else []
    if entries:
        entry = entries[0]
        return [entry] + [hit for hit in hits if hit.passage.chunk_id != entry.passage.chunk_id][
            : len(hits) - 1
        ]
    return hits


def prefer_named_identifiers(question: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` with the best one naming every identifier of the question first (unchanged when none does)."""
    return _put_first(
        hits, _first_that(hits, lambda hit: not missing_identifiers(question, hit.passage.retrieval_text()))
    )


# The market roles a participant asks as ("we're a non-SIT supplier"), each with the ways the guidance names it.
_ROLES = {
    "supplier": re.compile(r"\bsuppliers?\b(?! agents?)", re.IGNORECASE),
    "ldso": re.compile(
        r"\b(?:ldsos?|dnos?|idnos?|distributors?|distribution network operators?)\b", re.IGNORECASE
    ),
    "mem": re.compile(r"\b(?:mems?|meter equipment managers?|moas?|meter operators?)\b", re.IGNORECASE),
    "agent": re.compile(r"\b(?:supplier agents?|agents?|data services?)\b", re.IGNORECASE),
}
ROLE_DEPTH = 3
_EXAMPLE = re.compile(r"\b(?:e\.g\.?|eg|such as|for example|like)\s[^,;)?]*", re.IGNORECASE)


def prefer_named_roles(question: str, hits: list[Hit]) -> list[Hit]:
    """``hits`` with the first of the best few naming a market role the question's asking sentence names put first,
    when the best names none of them ("Does a Data Service need approval from the REC Code Manager?" is answered by
    "Data Services need the DIP Manager and the BSC PAB only", not by the REC step naming the roles it approves).
    The situation told before the asking sentence does not count: "We're a Non-SIT agent finishing QT. What goes in
    the Test Completion Report?" asks about the report whoever asks."""
    # A role given as an example ("a BSC Party, e.g. a supplier") is not the one asked about.
    part = asked_part(_EXAMPLE.sub(" ", question))
    asked = [pattern for pattern in _ROLES.values() if pattern.search(part)]
    if not asked:
        return hits
    return _put_first(
        hits,
        _first_that(hits, lambda hit: any(p.search(hit.passage.retrieval_text()) for p in asked), ROLE_DEPTH),
    )


# Words of a question asking what something used to be called that are not the thing's name.
_RENAMING_TERMS = frozenset(
    lexical_terms(
        "called call named name known renamed rename used use before previously formerly former old original"
    )
)


def prefer_former_name(question: str, hits: list[Hit]) -> list[Hit]:
    """For a question asking what something used to be called ("what did the Participant Checklist used to be
    called?"), ``hits`` with the first one holding a sentence that names the thing and gives an earlier name ("the
    checklist was previously called the Master Consultation Dashboard") put first; unchanged when the best holds
    one, or none does."""
    if not hits or not asks_former_name(question):
        return hits
    name = set(lexical_terms(asked_part(question), expand=False)) - _RENAMING_TERMS
    if not name:
        return hits

    def gives(hit: Hit) -> bool:
        return any(
            FORMER.search(unit.text) and name <= set(lexical_terms(unit.text, expand=False))
            for unit in units_of(hit.passage.text)
        )

    return _put_first(hits, _first_that(hits, gives))
