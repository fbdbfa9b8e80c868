"""Extractive answers: the best passage quoted, the answering sentences marked, citations and a confidence.

What is known about the best passage (its evidence: meaning similarity, the share of the question's rare words it
covers, its lead over the next passage, the share of the question the guidance never mentions, and whether it holds
the kind of value and the identifiers asked for) goes to a logistic model fitted on question sets
(:mod:`knowledge.decline`); its probability is the answer's confidence. Below the threshold, or when a hard rule
fails (the passage lacks an identifier the question names), the question is declined as not covered by the guidance
and the nearest passages are returned only as "possibly related".

Which of the passages found answers first, for a question defining a term, naming an identifier or a market role, or
asking for an earlier name, is decided in :mod:`knowledge.ordering`.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from knowledge.checks import (
    CAPITALISED_PAIR,
    DATE,
    has_answer_type,
    identifiers_in,
    is_absence_statement,
    missing_identifiers,
    missing_months,
    other_actor,
    qualifies_another,
    says_not_given,
    superseded_answer,
    unconfirmed_event,
    years_named,
)
from knowledge.decline import DeclineModel, load_decline_model
from knowledge.highlight import Highlight, choose_highlight
from knowledge.kinds import (
    answers_by_when,
    asked_part,
    asks_place_or_reason,
    kind_named_terms,
    wanted_answer_type,
)
from knowledge.ordering import (
    prefer_definition,
    prefer_former_name,
    prefer_named_identifiers,
    prefer_named_roles,
)
from knowledge.reading import NOTHING_ASKED, Reading, asked_about, read_question
from knowledge.search import Hit, SearchIndex
from knowledge.store import Passage
from knowledge.terms import FRAMING_WORDS, QUESTION_WORDS, STOPWORDS, acronyms_in, lexical_terms, words
from knowledge.units import ITEM_MARK

__all__ = [
    "has_answer_type",
    "is_absence_statement",
    "wanted_answer_type",
]  # re-exported from knowledge.checks

DECLINE_MODEL = load_decline_model()
DEFAULT_THRESHOLD = DECLINE_MODEL.threshold
MIN_RELATED_PREFIX = 4
WORD_PREFIXES = ("re", "pre", "non", "un", "sub", "co")
_FRAMING_TERMS = frozenset(lexical_terms(" ".join(FRAMING_WORDS), expand=False))
# The framing adverbs ("actually", "roughly", "usually"): no sentence answers by repeating them ("Once an MPAN has
# actually migrated" does not answer "do we load actual MPANs for planning?", the stem being one).
# ("currently" and "generally" stay: "the current version", "general queries".)
_HEDGE_TERMS = frozenset(
    lexical_terms(
        " ".join(w for w in FRAMING_WORDS if w.endswith("ly") and w not in ("currently", "generally")),
        expand=False,
    )
)
MAX_QUESTION_CHARS = 2000
TEAM_ANSWER_SOURCE = "Answered by the qualification team on {date}"


@dataclass(frozen=True)
class Source:
    document: str  # document id (file path relative to its guidance folder, or team-answer:ID)
    title: str
    section: str
    passage: str
    score: float
    version: str | None = None
    updated: str | None = None
    source: str | None = None  # URL or description of where the guidance comes from
    highlight: str | None = None  # the sentences (or table rows) of the passage that answer
    chunk_id: str | None = None
    kind: str | None = None  # markdown, html, pdf, docx, text, team-answer


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    confidence: float
    answer: str
    sources: list[Source] = field(default_factory=list)
    evidence: dict[str, float] = field(default_factory=dict)  # what the decision read (not in to_dict)

    def to_dict(self) -> dict:
        """The command line's JSON: answered, confidence, answer, sources (document, title, section, passage...)."""
        return {
            "answered": self.answered,
            "confidence": round(self.confidence, 4),
            "answer": self.answer,
            "sources": [{**asdict(s), "score": round(s.score, 4)} for s in self.sources],
        }


# --- questions that cannot be searched ------------------------------------------------------------------------------

_LATIN = re.compile(r"[A-Za-z]")


def question_problem(question: str, known_terms: set[str] | None = None) -> str | None:
    """A message for the asker when ``question`` cannot be searched (empty, too long, no words, not English)."""
    text = question.strip()
    if not text:
        return "The question is empty. Please ask a question about MHHS Qualification in a sentence."
    if len(text) > MAX_QUESTION_CHARS:
        return (
            f"That message is {len(text):,} characters long: too long to be one question. Please ask one question "
            f"in under {MAX_QUESTION_CHARS:,} characters."
        )
    letters = [ch for ch in text if ch.isalpha()]
    if not letters and not any(ch.isdigit() for ch in text):
        return "That message has no words in it. Please ask your question in words, in English."
    if letters:
        latin = sum(1 for ch in letters if _LATIN.match(unicodedata.normalize("NFKD", ch)[0]))
        if latin / len(letters) < 0.5:
            return "I can only answer questions asked in English. Please ask again in English."
    tokens = [w.lower() for w in words(unicodedata.normalize("NFKD", text)) if any(c.isalpha() for c in w)]
    if len(tokens) >= 3 and known_terms is not None:
        recognised = 0
        for token in tokens:
            stemmed = lexical_terms(token, expand=False)
            if token in STOPWORDS or token in QUESTION_WORDS or acronyms_in(token.upper()):
                recognised += 1
            elif stemmed and stemmed[0] in known_terms:
                recognised += 1
        if recognised / len(tokens) < 0.4:
            return (
                "I could not recognise that as a question in English about MHHS Qualification. "
                "Please ask again in English."
            )
    return None


# --- scoring ---------------------------------------------------------------------------------------------------------


def content_terms(question: str) -> list[str]:
    """The question's own content words, stemmed (no stop words, no question words, no expansions)."""
    plain = [w for w in words(question) if w.lower() not in QUESTION_WORDS]
    return list(dict.fromkeys(lexical_terms(" ".join(plain), expand=False)))


def coverage(question_terms: list[str], passage: Passage, index: SearchIndex) -> float:
    """Share of the question's content (weighted by rarity) present in the passage, its title or section."""
    if not question_terms:
        return 0.0
    present = set(lexical_terms(passage.retrieval_text(), expand=True))
    weights = {t: max(index.idf(t), 0.1) for t in question_terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total


def unknown_subject_terms(question: str, index: SearchIndex) -> list[str]:
    """Content terms of ``question`` that the guidance never uses, not even in a longer or shorter form.

    Framing words ("roughly", "how often") and identifiers with digits ("v15") are left out: they say nothing about
    whether the guidance covers the question's subject.
    """
    unknown = []
    for term in content_terms(question):
        if term in _FRAMING_TERMS or any(ch.isdigit() for ch in term) or term in index.vocabulary:
            continue
        if index.correct(term):  # a misspelling of a word the guidance uses
            continue
        if _has_related_form(term, index):
            continue
        unknown.append(term)
    return unknown


def _has_related_form(term: str, index: SearchIndex) -> bool:
    """Whether the guidance uses a longer or shorter form of ``term`` ("tester" and "test", "program" and
    "programm", "resubmit" and "submit")."""
    vocabulary = index.vocabulary
    for prefix in WORD_PREFIXES:
        rest = term.removeprefix(prefix)
        if rest != term and len(rest) >= MIN_RELATED_PREFIX and rest in vocabulary:
            return True
    for size in range(MIN_RELATED_PREFIX, len(term)):
        if term[:size] in vocabulary:
            return True
    if len(term) < MIN_RELATED_PREFIX:
        return False
    vocabulary_in_order = index.sorted_vocabulary
    at = bisect.bisect_left(vocabulary_in_order, term)
    return at < len(vocabulary_in_order) and vocabulary_in_order[at].startswith(term)


def passage_confidence(dense: float, covered: float) -> float:
    """0-1: meaning similarity (cosine, rescaled from its useful range) and content coverage, equally weighted."""
    similarity = min(max((dense - 0.15) / 0.55, 0.0), 1.0)
    return 0.5 * similarity + 0.5 * covered


# --- composing the answer ------------------------------------------------------------------------------------------


def _source(hit: Hit, score: float, highlight: str | None) -> Source:
    p = hit.passage
    return Source(
        document=p.document_id,
        title=p.title,
        section=p.section,
        passage=p.text,
        score=score,
        version=p.version,
        updated=p.updated,
        source=p.source,
        highlight=highlight,
        chunk_id=p.chunk_id,
        kind=p.kind,
    )


def citation(source: Source) -> str:
    """Where a passage comes from, for people: title, section, version, updated date and source."""
    if source.kind == "team-answer":
        return source.source or "Answered by the qualification team"
    details = []
    if source.version:
        details.append(f"version {source.version}")
    if source.updated and source.kind != "team-answer":
        details.append(f"updated {source.updated}")
    where = source.title + (f", {source.section}" if source.section else "")
    text = where + (f" ({', '.join(details)})" if details else "")
    if source.source:
        text += f". Source: {source.source}"
    return text


def not_covered_message(enquiries_address: str) -> str:
    return (
        "The guidance does not cover this question. Please ask the qualification team at "
        f"{enquiries_address}."
    )


# Identifiers the answering sentences must name themselves. A year is checked on the whole passage only: in a question
# it often dates the event asked about ("why did Annex 2 change in the May 2025 consultation?") rather than the fact.
SENTENCE_IDENTIFIER_KINDS = ("version", "code", "part")


def evidence_of(
    question: str,
    terms: list[str],
    hits: list[Hit],
    index: SearchIndex,
    highlight: Highlight,
    kind: str | None,
) -> dict[str, float]:
    """The features of :mod:`knowledge.decline` for the best of ``hits``."""
    top = hits[0]
    covered = coverage(terms, top.passage, index)
    weights = {t: max(index.idf(t), 0.1) for t in terms}
    # Words the guidance never uses count only in the sentence that asks: the situation told before it ("we're
    # trying to sort the budget") is in the participant's words, not the guidance's.
    unknown = set(unknown_subject_terms(asked_part(question), index))
    said = about_asked(highlight, identifiers_in(asked_about(question, kind)))
    # An identifier dating the subject ("the post-CR055 QA&P") need only be in the passage.
    subject = _DATING.sub(" ", asked_about(question, kind))
    return {
        "confidence": passage_confidence(top.dense, covered),
        "dense": top.dense,
        "coverage": covered,
        "margin": top.score - hits[1].score if len(hits) > 1 else top.score,
        "unknown": sum(w for t, w in weights.items() if t in unknown) / (sum(weights.values()) or 1.0),
        # Where to send something may be answered by a body named without an address ("raise them with the Code
        # Bodies"): the destination asked for chooses the sentence but does not decline. "By when" may be answered by a
        # point another step fixes ("before the migration period starts").
        "type_missing": 0.0
        if (highlight.holds_answer or kind == "destination" or answers_by_when(question, highlight.text))
        and not role_missing(question, kind, top.passage, highlight)
        and not superseded_answer(question, kind, highlight.text)
        and not unconfirmed_event(question, highlight.text, f"{top.passage.heading}\n{highlight.lead_in}")
        and not other_actor(question, answering_text(top.passage, highlight))
        else 1.0,
        "ids_missing": 1.0
        if missing_identifiers(question, top.passage.retrieval_text())
        or missing_months(asked_part(question), top.passage.retrieval_text())
        else 0.0,
        "ids_missing_sentence": 1.0
        if missing_identifiers(subject, answering_text(top.passage, highlight), SENTENCE_IDENTIFIER_KINDS)
        or names_another(subject, f"{highlight.lead_in}\n{highlight.text}")
        or qualifies_another(subject, highlight.text)
        else 0.0,
        # The answering sentence itself saying the guidance does not give it ("Cycle timings were to be announced
        # later") declines, unless the question asks where or why ("where are the timeframes?" is answered by "they
        # are in Appendix C, not reproduced here").
        "absence": 1.0
        if highlight.absence
        or (kind and is_absence_statement(said))
        or (not asks_place_or_reason(question) and says_not_given(said, terms))
        else 0.0,
    }


def role_missing(question: str, kind: str | None, passage: Passage, highlight: Highlight) -> bool:
    """For a question asking for a person, whether a role or body it names ("the REC Code Manager speaker") is
    missing from the answering sentences (with their heading and lead-in): the person given holds another role. The
    name's initials count for it ("the DAG" for "the Design Advisory Group")."""
    if kind != "person":
        return False
    text = answering_text(passage, highlight)
    shown = text.lower()
    abbreviations = set(_ABBREVIATION.findall(text))
    return any(
        f"{a} {b}".lower() not in shown and not (_initials(question, a, b) & abbreviations)
        for a, b in CAPITALISED_PAIR.findall(question)
    )


_ABBREVIATION = re.compile(r"\b[A-Z][A-Z&]{1,7}\b")
_CAPITALISED_RUN = re.compile(r"\b[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+\b")


def _initials(question: str, first: str, second: str) -> set[str]:
    """The initials of the run of capitalised words in ``question`` holding "first second" ("Design Advisory Group":
    DAG), by which an answer may name it."""
    pair = f"{first} {second}"
    return {
        "".join(word[0] for word in run.split())
        for run in _CAPITALISED_RUN.findall(question)
        if pair in run and len(run.split()) >= 3  # two letters name too many things
    }


_DATING = re.compile(r"\b(?:post|pre)[- ]?(?:CR|M)\s?\d+\b", re.IGNORECASE)


def names_another(question: str, text: str) -> bool:
    """Whether the answering sentences (with their lead-in) name another identifier of a kind the question names,
    and none the question names of that kind: "Annex 4 ... approved in May 2024" does not answer "when was Annex 3
    approved?", though the passage's heading names Annex 3."""
    asked = identifiers_in(question, SENTENCE_IDENTIFIER_KINDS)
    named = identifiers_in(text, SENTENCE_IDENTIFIER_KINDS)
    families = {_family(i) for i in asked} - {_family(i) for i in asked & named}
    return any(_family(i) in families for i in named - asked)


def _family(identifier: str) -> str:
    """What an identifier numbers: "annex" for "annex 3", "m" for "m11", "cr" for "cr55", "v" for "v3.2"."""
    return identifier.split()[0] if " " in identifier else re.match(r"[a-z]+", identifier).group(0)


def about_asked(highlight: Highlight, asked: set[str]) -> str:
    """The highlighted units but those about another identifier than the question names: beside "| December | 19
    December 2024 |", "The pack's sources do not list the 2025 or 2026 QAG calendar" says nothing is missing for
    "what was the date of the December 2024 QAG?"."""
    if not asked:
        return highlight.text
    kept = [u.text for u in highlight.units if not (named := identifiers_in(u.text)) or named & asked]
    return "\n".join(kept)


def answering_text(passage: Passage, highlight: Highlight) -> str:
    """The answering sentences with what they answer: the passage's heading and their lead-in (an FAQ question)."""
    return f"{passage.heading}\n{highlight.lead_in}\n{highlight.text}"


def highlight_of(
    terms: list[str],
    passage: Passage,
    index: SearchIndex,
    reading: Reading = NOTHING_ASKED,
    similarity: Callable[[list[str]], list[float]] | None = None,
) -> Highlight:
    kind = reading.kind
    # Each part of the Reading is the choose_highlight parameter of the same name.
    highlight = choose_highlight(
        terms,
        passage.text,
        lambda t: max(index.idf(t), 0.1),
        lowercase_words=index.lowercase_words,
        similarity=similarity,
        heading=passage.section.rsplit(" > ", 1)[-1],
        **vars(reading),
    )
    if kind == "date" and not highlight.holds_answer and heading_gives_date(passage.section, terms):
        # The answer leads with the heading that gives the date.
        heading = passage.section.rsplit(" > ", 1)[-1]
        sentences = ITEM_MARK.sub("", highlight.text)
        highlight = replace(highlight, holds_answer=True, text=f"{heading}: {sentences}")
    return highlight


_DAY = re.compile(r"\b\d{1,2}\s+[A-Za-z]+\s+\d{4}\b")


def heading_gives_date(section: str, terms: list[str]) -> bool:
    """Whether the passage's own heading gives a day ("5.1 Post-CR055 update (consultation closed 20 December
    2024)") next to a word of the question other than the date's own."""
    heading = section.rsplit(" > ", 1)[-1]
    days = [m.group(0) for m in _DAY.finditer(heading) if DATE.search(m.group(0))]
    if not days:
        return False
    dated = set(lexical_terms(" ".join(days), expand=False))
    return bool((set(lexical_terms(heading, expand=True)) - dated) & (set(terms) - dated))


def quoted_answer(highlight: Highlight, passage: Passage, where: str) -> str:
    """The answering sentences first (a table row under its header), then the passage quoted with them in bold."""
    if highlight.header:
        columns = highlight.header.strip().strip("|").count("|") + 1
        separator = "|" + " --- |" * columns  # so that the header and rows show as a table
        lead = "\n".join([highlight.header, separator, *(u.text for u in highlight.units if u.header)])
    else:
        lead = highlight.text
    quoted = passage.text
    for unit in highlight.units:
        quoted = quoted.replace(unit.text, f"**{unit.text}**", 1) if not unit.header else quoted
    quoted = "\n".join(f"> {line}" for line in quoted.split("\n"))
    return f"{lead}\n\n{quoted}\n\n— {where}"


def compose_answer(
    question: str,
    hits: list[Hit],
    index: SearchIndex,
    threshold: float,
    enquiries_address: str,
    model: DeclineModel | None = None,
    similarity: Callable[[list[str]], list[float]] | None = None,
    entries_of: Callable[[str], list[Hit]] | None = None,
) -> Answer:
    """Answer from the best of ``hits``, or decline; ``threshold`` is the least probability that is answered.

    ``entries_of``: the passages with an entry for a term, for a question asking what it is (see prefer_definition).

    ``similarity`` gives the meaning similarity of sentences to the question; the best passage's answering sentences
    are chosen with it (the other passages' by their words alone, which costs nothing).
    """
    model = model or DECLINE_MODEL
    if not hits:
        return Answer(question, False, 0.0, not_covered_message(enquiries_address), [])
    terms = index.corrected_terms(content_terms(question))
    reading = read_question(question)
    kind = reading.kind
    hits = prefer_named_identifiers(question, hits)
    hits = prefer_named_roles(question, hits)
    hits = prefer_definition(question, hits, entries_of)
    hits = prefer_former_name(question, hits)
    named = kind_named_terms(question, kind)
    shown = [t for t in terms if t not in named and t not in _HEDGE_TERMS]

    def highlights_of(hits: list[Hit]) -> list[Highlight]:
        return [
            highlight_of(shown, hit.passage, index, reading, similarity if i == 0 else None)
            for i, hit in enumerate(hits)
        ]

    highlights = highlights_of(hits)
    if (
        kind
        and len(hits) > 1
        and not highlights[0].holds_answer
        and hits[1].passage.document_id == hits[0].passage.document_id
    ):
        # The best passage does not give the asked kind of value; the next one, from the same document, states one
        # in the sentences answering by their words alone: it answers (a page cut into sections, the one naming a
        # group's meeting papers, then the one saying whom to email about them).
        plain = highlight_of(
            shown,
            hits[1].passage,
            index,
            Reading(identifiers=reading.identifiers, wants_list=reading.wants_list),
        )
        if has_answer_type(plain.text, kind, index.lowercase_words, years_named(reading.identifiers)):
            hits = [hits[1], hits[0], *hits[2:]]
            highlights = highlights_of(hits[:2]) + highlights[2:]  # the rest are unchanged
    sources = [
        _source(hit, passage_confidence(hit.dense, coverage(terms, hit.passage, index)), highlights[i].text)
        for i, hit in enumerate(hits)
    ]
    evidence = evidence_of(question, terms, hits, index, highlights[0], kind)
    probability = model.probability(evidence)
    sources[0] = replace(sources[0], score=probability)  # the best passage's score is the answer's confidence
    if probability < threshold or model.blocked(evidence):
        return Answer(question, False, probability, not_covered_message(enquiries_address), sources, evidence)
    text = quoted_answer(highlights[0], hits[0].passage, citation(sources[0]))
    return Answer(question, True, probability, text, sources, evidence)
