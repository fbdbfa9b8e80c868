"""What a question asks: the kind of value, the identifiers it names, a term to define, two terms to tell apart,
a list, a reason, whether something still holds, an earlier name, what comes before or after an event, a deadline
(see knowledge.checks for the checks most rest on)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.checks import CHANGE_ID, ORDINAL_WORDS, identifiers_in
from knowledge.kinds import (
    asked_part,
    asks_for_list,
    asks_former_name,
    asks_if_still,
    asks_why,
    second_answer_type,
    wanted_answer_type,
)
from knowledge.terms import lexical_terms, meaning_of

# A numbered part is named by two words: "Appendix C", "Annex 2".
_PART_WORD = r"(?:annex|appendix|pathway|theme)"
_PART = rf"{_PART_WORD}\s+[\w&/-]+"
_NAMED = rf"(?:{_PART_WORD}\s+)?"
_DEFINITION_QUESTION = re.compile(
    rf"^\s*(?:(?:what|wat|wot)(?:'s|s|\s+is|\s+are)?\s+(?:an?\s+|the\s+)?(?:milestone\s+|term\s+|acronym\s+)?(?:(?P<a>{_NAMED}[\w&/-]+)(?:\s+(?:in|on|within)\s[^?]*?)?|(?P<f>{_PART})\s+of\s[^?]*?)"
    r"(?:\s+(?:again|exactly|actually|then|anyway|precisely|please|pls|about))*\s*(?:\?|$)"
    r"|(?:what|wat)\s+does\s+(?:the\s+)?(?:abbreviation\s+|acronym\s+|term\s+|milestone\s+)?(?P<b>[\w&/-]+)\s+"
    r"(?:stand\s+for|mean|cover|mark|involve|signify|represent|refer\s+to)\b"
    r"|(?P<c>[\w&/-]+)\s*=\s*\?"
    rf"|(?P<d>{_NAMED}[\w&/-]+)\s*(?:[-–:,]|\?)\s*(?:what|wat|wot)(?:'s|s|\s+is)\s+(?:in\s+)?(?:it|that|this)\b"  # "M11 - what is it?"
    rf"|[\w&/-]+\s+(?P<g>{_PART})\s*(?:[-–:,]|\?)\s*(?:what|wat|wot)(?:'s|s|\s+is)\s+(?:in\s+)?(?:it|that|this)\b"
    # "remind me what M11 is again?"
    r"|(?:(?:can you |could you |pls |please )?(?:remind me|tell me|explain)\s+)(?:what|wat)\s+(?:an?\s+|the\s+)?"
    r"(?P<e>[\w&/-]+)\s+(?:is|means|stands\s+for)(?:\s+(?:again|exactly|actually))?\s*(?:\?|$))",
    re.IGNORECASE,
)


def defined_term(question: str) -> str | None:
    """The term a question asks to have defined ("what is M13?", "ADO = ?", "what does UIT stand for?")."""
    # The question may follow a lead-in: "quick one - what does M13 refer to?", "We are new. What is the QAD?".
    starts = [0] + [m.end() for m in _LEAD_IN_END.finditer(question)]
    match = next((m for m in (_DEFINITION_QUESTION.match(question[at:]) for at in starts) if m), None)
    if not match:
        return None
    return next(group for group in match.groups() if group)


_LEAD_IN_END = re.compile(
    r"(?:\s[-–]|[:.!?])\s+(?=(?:what|wat|wot)\b)"
    r"|,\s+(?=(?:what|wat|wot)(?:'s|s|\s+is|\s+are|\s+does)\b)",  # "in the glossary, what is UIT?"
    re.IGNORECASE,
)


# "LDSO vs DNO", "the difference between the QAD and the QA&P", "is an ADO the same as a defect?"
_TERM = r"(?:an?\s+|the\s+)?([\w&/-]+)"
_COMPARISON_QUESTION = re.compile(
    rf"(?:^\W*{_TERM}\s*(?:vs\.?|versus)\s*{_TERM}"
    rf"|\bdifference\s+between\s+{_TERM}\s+and\s+{_TERM}"
    rf"|\b(?:is|are)\s+{_TERM}\s+(?:the\s+same\s+as|different\s+from)\s+{_TERM})"
    r"(?=\s*(?:[?,.;:!]|\s-|$))",  # the two terms are the whole subject, not "SIT vs QT timelines"
    re.IGNORECASE,
)


def compared_terms(question: str) -> tuple[str, str] | None:
    """The two terms a question asks to have told apart ("LDSO vs DNO - same role?"), each a single word."""
    match = _COMPARISON_QUESTION.search(question)
    if not match:
        return None
    found = [group for group in match.groups() if group]
    return (found[0], found[1]) if len(found) == 2 else None


@dataclass(frozen=True)
class Reading:
    """What a question asks, as the highlight needs it: each field is the knowledge.highlight.choose_highlight
    parameter of the same name."""

    kind: str | None = None  # the kind of value asked for (wanted_answer_type)
    identifiers: frozenset[str] = frozenset()  # versions, milestones, codes ... it names (identifiers_in)
    wants_list: bool = False  # several things asked for (asks_for_list)
    defined: str | None = None  # the term it asks to have defined (defined_term)
    reason: bool = False  # a "why" question (asks_why)
    current: bool = False  # whether something still holds (asks_if_still)
    also: str | None = None  # a second kind of value asked for with ``kind`` (second_answer_type)
    former: bool = False  # what something was called before (asks_former_name)
    relation: str | None = None  # "before" or "after" an event the question asks about
    deadline: bool = False  # a deadline asked for ("what was the deadline for comments?")
    past: bool = False  # something past or replaced asked about: "the old labels" (asks_about_past)
    ordinal: int | None = None  # which of several is asked about: "the 2nd consultation" (asked_ordinal)
    replacement: bool = False  # what replaced something, or what to use now (asks_for_replacement)
    membership: bool = False  # who a body is made up of ("who is on the BSC PAB?")
    opening: str | None = None  # "who", "when", "where" or "why" when the asking sentence opens with it
    compared: tuple[str, str] | None = None  # two terms asked to be told apart (compared_terms)
    any_asked: bool = False  # whether anything or anyone at all did or is something ("did anyone comment?")
    asked_terms: frozenset[str] = frozenset()  # the asking sentence's terms, beside a situation told


NOTHING_ASKED = Reading()  # no kind of value, identifier, term or list asked for


def read_question(question: str) -> Reading:
    kind = wanted_answer_type(question)
    return Reading(
        kind=kind,
        identifiers=frozenset(identifiers_in(asked_about(question, kind))),
        wants_list=asks_for_list(question),
        defined=defined_term(question),
        reason=asks_why(question),
        current=asks_if_still(question),
        also=second_answer_type(question, kind),
        former=asks_former_name(question),
        relation=_relation(question),
        deadline=bool(_DEADLINE_ASKED.search(asked_part(question))),
        past=asks_about_past(question),
        ordinal=asked_ordinal(question),
        replacement=asks_for_replacement(question),
        membership=bool(_MEMBERSHIP_ASKED.search(asked_part(question))),
        opening=question_opening(question),
        compared=compared_terms(question),
        any_asked=bool(_ANY_ASKED.search(asked_part(question))),
        asked_terms=_asked_terms(question),
    )


# "Did any participants send comments?", "did anybody reply?", "is there any fee?", "were there any objections?"
_ANY_ASKED = re.compile(
    r"^\W*(?:[\w'’]+\W+){0,2}?(?:did|does|do|has|have|had|is|are|was|were|will|can)\b[^?]{0,30}?"
    r"\b(?:any|anyone|anybody|anything)\b",
    re.IGNORECASE,
)


def _asked_terms(question: str) -> frozenset[str]:
    asked = asked_part(question)
    if asked == question:
        return frozenset()
    return frozenset(meaning_of(t) for t in lexical_terms(asked, expand=False))


# The word a question opens with, a few leading words allowed ("so who runs QT?", "and when is it due?").
_OPENING = re.compile(r"^\W*(?:[\w'’]+\W+){0,2}?(who|when|where|why)\b", re.IGNORECASE)


def question_opening(question: str) -> str | None:
    """The word "who", "when", "where" or "why" when the sentence that asks opens with it (a line labelled "Who runs it:"
    answers "who manages QT?")."""
    match = _OPENING.search(asked_part(question))
    return match.group(1).lower() if match else None


# "Who is on the BSC PAB?", "who sits on the QAG?", "who are its members?"
_MEMBERSHIP_ASKED = re.compile(
    r"\bwho (?:actually |really )?(?:is|are|sits?|serves?|gets? to sit) on\b|\bwho(?:'s| is| are) in\b|\bmembers?(?:hip)?\b|"
    r"\bmade up of\b|\bcomposed of\b",
    re.IGNORECASE,
)
# A unit saying who a body is made of: "Membership. The PAB is made up of industry SMEs who serve as volunteers."
MEMBERSHIP = re.compile(
    r"\b(?:membership|members?|made up of|composed of|consists? of|comprises?|sit on|sits on|serve on|serves on)\b",
    re.IGNORECASE,
)


_REPLACEMENT = re.compile(
    r"\b(?:what|which)\b[^?]*\b(?:replaced|replaces|superseded|supersedes|took over|takes over|taken over)\b"
    r"|\breplace[ds]?\b[^?]*\bwith\b|\b(?:what|which)\b[^?]*\b(?:instead|now|nowadays|these days)\s*(?:\?|$)"
    r"|\bnew (?:\w+ )?(?:names?|labels?|terms?)\b",
    re.IGNORECASE,
)


def asks_for_replacement(question: str) -> bool:
    """Whether a question asks what replaced something, or what to use now ("what replaced the PAWG?", "What
    cohort labels should we be using instead?"): the answer names the new thing, not the old."""
    return bool(_REPLACEMENT.search(asked_part(question)))


def asked_about(question: str, kind: str | None) -> str:
    """The question without the identifiers of the kind it asks for: "which BSC mod set up the DIP governance? (P496
    refers back to it)" asks for another modification than P496, which only tells what it is about."""
    return CHANGE_ID.sub(" ", question) if kind == "change" else question


ORDINALS = ORDINAL_WORDS | {
    f"{n}{end}": n for n, end in zip(range(1, 7), ("st", "nd", "rd", "th", "th", "th"), strict=True)
}
ORDINAL = re.compile(rf"\b({'|'.join(ORDINALS)})\b", re.IGNORECASE)


def asked_ordinal(question: str) -> int | None:
    """Which of several things a question asks about, when it names one ordinal ("when did MCAG approve the 2nd
    migration framework consultation?" asks about the second)."""
    named = {ORDINALS[m.lower()] for m in ORDINAL.findall(asked_part(question))}
    return named.pop() if len(named) == 1 else None


_PAST = re.compile(
    r"\b(?:was|were|did|had|used to|previous(?:ly)?|old|older|original(?:ly)?|earlier|former(?:ly)?|before|"
    r"history|historic(?:al)?|superseded|replaced|retired|withdrawn|renamed|at the time|back then|"
    r"20(?:1\d|2[0-4]))\b",
    re.IGNORECASE,
)


def asks_about_past(question: str) -> bool:
    """Whether a question asks about something past or replaced ("what was the M15 date?", "the old cohort
    names"), so that a sentence giving the guidance's earlier state may answer it."""
    return bool(_PAST.search(question))


_DEADLINE_ASKED = re.compile(
    r"\b(?:deadlines?|cut[- ]?offs?|closing date|due date|last date)\b", re.IGNORECASE
)


_RELATION = re.compile(
    r"\b(?:happen|happened|done|do|complete[d]?|in place|ready|finished|needed|required)\s+(before|after)\b|"
    # "what has to be exhausted before RoQ can start?", "which steps come after QT?"
    r"\b(?:what|which)\b[^?]{0,60}?\b(before|after)\b|"
    # "Before Elexon can start RoQ on one of our agents, what needs to have been done?"
    r"^\W*(before|after)\b[^?]{0,80}?,\s*(?:what|which)\b",
    re.IGNORECASE,
)


def _relation(question: str) -> str | None:
    match = _RELATION.search(asked_part(question))
    return next(group for group in match.groups() if group).lower() if match else None
