"""Extractive answers: the best passage quoted, the answering sentence marked, citations and a confidence.

The confidence of a passage combines how close it is in meaning to the question (cosine similarity of their
embeddings) with how much of the question's content it covers (the share of the question's rare words, weighted by
rarity, found in the passage's title, section or text, acronyms and expansions counting as each other). Below the
threshold the question is declined as not covered by the guidance, and the nearest passages are returned only as
"possibly related".

Questions near the guidance but not answered by it score like answerable ones, so the kind of answer is checked
too: a question asking for a date, an email address, a number or a person is declined when no sentence of the best
passage holds one while matching the question (at least half as well as the passage's best sentence), or when the
answering sentence says the guidance does not give it ("this pack does not reproduce the timelines").
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import asdict, dataclass, field

from knowledge.chunk import split_sentences
from knowledge.search import Hit, SearchIndex
from knowledge.store import Passage
from knowledge.terms import FRAMING_WORDS, QUESTION_WORDS, STOPWORDS, acronyms_in, lexical_terms, words

# Calibrated on the development questions: questions about other subjects score 0.00-0.01, the lowest answerable
# guidance question 0.30; questions near the guidance but not answered by it are caught by the answer-kind rules.
DEFAULT_THRESHOLD = 0.25
# A question naming a subject the guidance never mentions ("the DIP logo's colour", "hosting in Dublin") needs a
# much closer passage before it is answered: the nearest passage is usually about the question's other words only.
UNKNOWN_SUBJECT_CONFIDENCE = 0.5
MIN_RELATED_PREFIX = 4
WORD_PREFIXES = ("re", "pre", "non", "un", "sub", "co")
_FRAMING_TERMS = frozenset(lexical_terms(" ".join(FRAMING_WORDS), expand=False))
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
    highlight: str | None = None  # the sentence of the passage that answers
    chunk_id: str | None = None
    kind: str | None = None  # markdown, html, pdf, docx, text, team-answer


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    confidence: float
    answer: str
    sources: list[Source] = field(default_factory=list)

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


_ABSENCE = re.compile(
    r"\b(?:does not|do not|doesn't|don't|is not|are not|not)\s+(?:\w+\s+){0,2}?"
    r"(?:reproduce[sd]?|record(?:ed|s)?|give[sn]?|name[sd]?|list(?:ed|s)?|cop(?:y|ies|ied)|stated?|publish(?:ed)?|"
    r"include[sd]?|recorded)\b"
    r"|\bnot (?:reproduced|recorded|given|named|listed|stated|published|included)\b",
    re.IGNORECASE,
)


def is_absence_statement(sentence: str) -> bool:
    """Whether a sentence says the guidance does not contain something ("this pack does not reproduce ...")."""
    return bool(_ABSENCE.search(sentence))


# --- what kind of answer a question wants ---------------------------------------------------------------------------

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+(?:{_MONTHS})|(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}"
    rf"|(?:19|20)\d{{2}})\b",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_NUMBER = re.compile(
    r"\d|\b(?<!any )(?<!no )(?<!each )(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|half|quarter)\b",
    re.IGNORECASE,
)

_WANTS = [
    (
        "email",
        re.compile(
            r"\b(?:e-?mail address(?:es)?|what address|which address|which (?:e-?mail|mailbox)|"
            r"what (?:e-?mail|mailbox)|who should (?:i|we) e-?mail)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(
            r"^\s*when\b|\b(?:what|which) (?:date|day|month|year)\b|\bon what date\b|\bby when\b",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            r"\b(?:which|what) person\b|\bwho (?:is|was) (?:the )?(?:chair|head|lead|director|manager)\b|"
            r"\bname of the (?:person|chair|head|lead|director|manager)\b|\bwho chairs\b",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|long)\b|\b(?:what|which) (?:number|amount|percentage)\b|"
            r"\b(?:cap|limit|maximum|minimum|threshold)s? (?:applies|apply|is|are)\b",
            re.IGNORECASE,
        ),
    ),
]
_HAS = {"email": _EMAIL, "date": _DATE, "number": _NUMBER}
_CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


def wanted_answer_type(question: str) -> str | None:
    """ "email", "date" or "number" when the question asks for one (first match wins), else None."""
    for kind, pattern in _WANTS:
        if pattern.search(question):
            return kind
    return None


def has_answer_type(sentence: str, kind: str | None, index: SearchIndex | None = None) -> bool:
    """Whether ``sentence`` holds a value of the kind asked for (a person: a name the guidance never writes in
    lower case, like "Chris Welby")."""
    if kind is None:
        return True
    if kind == "person":
        known = index.lowercase_words if index is not None else set()
        return any(
            a.lower() not in known and b.lower() not in known for a, b in _CAPITALISED_PAIR.findall(sentence)
        )
    return bool(_HAS[kind].search(sentence))


def sentences_of(passage: Passage) -> list[str]:
    out: list[str] = []
    for line in passage.text.split("\n"):
        out.extend(split_sentences(line))
    return out or [passage.text]


def best_sentence(
    question_terms: list[str], passage: Passage, index: SearchIndex, kind: str | None = None
) -> tuple[str, bool]:
    """The sentence of the passage that answers, and whether it holds the kind of value asked for.

    Sentences are scored by the rarity-weighted content they share with the question. When the question asks for a
    date, an email address or a number, the best sentence holding one wins if it matches at least half as well as
    the best sentence overall.
    """
    candidates = sentences_of(passage)
    wanted = {t: max(index.idf(t), 0.1) for t in question_terms}

    def score(sentence: str) -> float:
        present = set(lexical_terms(sentence, expand=True))
        return sum(w for t, w in wanted.items() if t in present)

    scores = [score(c) for c in candidates]
    best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
    if kind is None:
        return candidates[best], True
    typed = [i for i in range(len(candidates)) if has_answer_type(candidates[i], kind, index)]
    if typed:
        best_typed = max(typed, key=lambda i: (scores[i], -i))
        if scores[best_typed] > 0 and scores[best_typed] >= 0.5 * scores[best]:
            return candidates[best_typed], True
    return candidates[best], False


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


def compose_answer(
    question: str,
    hits: list[Hit],
    index: SearchIndex,
    threshold: float,
    enquiries_address: str,
) -> Answer:
    terms = content_terms(question)
    kind = wanted_answer_type(question)
    scored = []
    for hit in hits:
        covered = coverage(terms, hit.passage, index)
        scored.append((hit, passage_confidence(hit.dense, covered)))
    if not scored:
        return Answer(question, False, 0.0, not_covered_message(enquiries_address), [])
    highlights = [best_sentence(terms, hit.passage, index, kind) for hit, _ in scored]
    sources = [_source(hit, score, highlights[i][0]) for i, (hit, score) in enumerate(scored)]
    top_hit, top_score = scored[0]
    highlight, holds_answer = highlights[0]
    # Not an answer: too far from the question (and further still when it names a subject the guidance never
    # mentions), no value of the kind asked for (a date, an address, a number), or a sentence saying that the
    # guidance does not give what is asked.
    needed = (
        max(threshold, UNKNOWN_SUBJECT_CONFIDENCE) if unknown_subject_terms(question, index) else threshold
    )
    answered = top_score >= needed and holds_answer and not (kind and is_absence_statement(highlight))
    if not answered:
        return Answer(question, False, top_score, not_covered_message(enquiries_address), sources)
    quoted = top_hit.passage.text.replace(highlight, f"**{highlight}**", 1)
    quoted = "\n".join(f"> {line}" for line in quoted.split("\n"))
    text = f"{highlight}\n\n{quoted}\n\n— {citation(sources[0])}"
    return Answer(question, True, top_score, text, sources)
