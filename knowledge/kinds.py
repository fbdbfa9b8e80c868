"""What a question asks for: the kind of value (a date, an address, a number, a person ...), a list, a reason,
whether something still holds, an earlier name, and the sentences that ask (see knowledge.checks for whether a
passage gives it, and knowledge.reading for all a question asks, read at once)."""

from __future__ import annotations

import re

from knowledge.checks import DURATION
from knowledge.terms import lexical_terms

# A question asked as a need ("need the date ofgem signed off CR055", "can someone confirm the dates ...").
# Not a yes-or-no question about one ("do we need a date for it?").
_ASKED_AS_NEED = (
    r"(?<!\bdo we )(?<!\bdo i )(?<!\bdo you )(?<!\bdoes it )(?<!\bdid we )"
    r"\b(?:need|want|looking for|confirm|know|tell me|give me|send me|check)\s+"
)

_WANTS = [
    (
        "phone",
        re.compile(
            r"\b(?:phone|telephone|mobile) (?:number|no)\b|\bwhat number (?:do|should|can) (?:i|we) call\b",
            re.IGNORECASE,
        ),
    ),
    (
        "email",
        re.compile(
            r"\b(?:e-?mail address(?:es)?|(?:what|which) address(?:es)?|which (?:e-?mail|mailbox|inbox)|"
            r"what (?:e-?mail|mailbox|inbox)|who (?:should|do|can|must) (?:i|we) e-?mail|"
            r"where (?:should|do|can|must) (?:i|we) (?:send|e-?mail|write)\b.{0,40}\bto\b|"
            r"e-?mail (?:it|them|this) to|address (?:do|should|must) (?:i|we)|"
            rf"{_ASKED_AS_NEED}(?:the|an?)\s+(?:e-?mail\s+)?address(?:es)?)\b",
            re.IGNORECASE,
        ),
    ),
    (
        # "Where do I send the PQS form?": an address, or a portal or mailbox named without one.
        "destination",
        re.compile(
            r"\bwhere (?:should|do|can|must|shall) (?:i|we) (?:send|e-?mail|submit|raise)\b|"
            # "where should DIP onboarding questions be raised?"
            r"\bwhere (?:should|do|can|must|shall|are|is) (?:[\w'&-]+ ){1,5}?(?:be )?"
            r"(?:sent|raised|submitted|directed|e-?mailed|addressed)\b|"
            r"\bwho (?:should|do|can|must|shall) (?:i|we) (?:contact|e-?mail|write to|ask)\b|"
            r"\bwho (?:should|do|can|must|shall) (?:i|we) (?:send|write)\b.{0,40}\bto\b",
            re.IGNORECASE,
        ),
    ),
    (
        "change",
        re.compile(
            r"\b(?:which|what) (?:bsc |rec |code |programme )?(?:change request|cr|modification|mod)s?\b(?! process)|"
            r"\b(?:change request|modification|cr|mod) (?:number|no|ref|reference)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "version",
        re.compile(r"\b(?:what|which) (?:version|issue|release)\b|\bversion (?:number|is)\b", re.IGNORECASE),
    ),
    (
        "date",
        re.compile(
            r"^\s*when\b(?![^,?]*,\s*(?:do|does|did|can|could|should|must|is|are|will|would|have|has|may|who|what|which|where|how)\b)|\bwhen(?:'s| is| was| are| were| did| does| do| will| should| must)\b|"
            r"\b(?:what|which) (?:date|day|month|year)s?\b|\bon what date\b|\bby when\b|\bdeadlines?\b|\bdue dates?\b|"
            r"\bcut[- ]?offs?\b(?! (?:score|mark|level|point|percentage|value))|"
            r"\bwhat time\b|\b(?:what|which) (?:are|were|is|was) the\b.{0,60}\bdates?\b|\bdates?\s*\?+\s*$|"
            rf"{_ASKED_AS_NEED}(?:the|a)\s+(?:exact\s+|actual\s+|right\s+)?(?:date|day)s?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "person",
        re.compile(
            r"\b(?:which|what) person\b|\bwho (?:is|was) (?:the )?(?:chair|head|lead|director|manager|speaker)\b|"
            r"\bname of the (?:person|chair|head|lead|director|manager|speaker)\b|\bwho (?:chairs|chaired|is chairing)\b|"
            r"\bwho (?:is|was|were|are) (?:the )?(?:[\w'’]+ ){0,4}(?:speaker|presenter|chair|chairperson|sro|lead|director|officer)s?"
            r"(?= for\b| of\b| at\b| on\b|\s*[?,.]|\s*$)|"
            r"\bname of (?:the|our|my|your) (?:[\w'’&-]+ ){1,5}(?:manager|chair|chairperson|lead|director|head|speaker|"
            r"officer|contact|sro)\b|\bnamed (?:contact|person|individual|lead|manager)\b|\bcontact(?:'s)? name\b",
            re.IGNORECASE,
        ),
    ),
    (
        "frequency",
        re.compile(r"\bhow (?:often|frequently)\b|\b(?:what|which) frequency\b", re.IGNORECASE),
    ),
    (
        "duration",
        re.compile(
            r"\bhow long (?:do|does|did|will|would|should|is|are|can|might)\b|\bhow (?:quickly|soon)\b|"
            r"\bhow many (?:minutes|hours|days|weeks|months|years)\b|\bturn-?around\b|\blead time\b",
            re.IGNORECASE,
        ),
    ),
    (
        "percentage",
        re.compile(
            r"\b(?:what|which) (?:percentage|proportion|share|per ?cent)\b|\bpass (?:rate|mark)\b|"
            r"\bper ?cent(?:age)?\b|(?<!\d)(?<!\d\s)%",  # "what %", not a value told ("100% of testing")
            re.IGNORECASE,
        ),
    ),
    (
        "money",
        re.compile(
            r"\bhow much\b.{0,60}\b(?:cost|charge|price|pay|fee)\w*\b|"
            # "do we have to pay anything?", "is there a fee?"
            r"\b(?:do|does|will|would|must|should) (?:i|we|you|they|participants?|applicants?) (?:\w+ ){0,2}?pay\b|"
            r"\bis there (?:a|an|any) (?:\w+ )?(?:fee|charge|cost)s?\b|"
            r"\b(?:what|which) (?:is the |are the )?(?:cost|price|charge)s?\b",
            re.IGNORECASE,
        ),
    ),
    (
        "number",
        re.compile(
            r"\bhow (?:many|much|long|big|large|often)\b|\b(?:what|which) (?:number|amount|percentage|fee|cost)\b|"
            r"\b(?:cap|limit|maximum|minimum|max|min|threshold)s?\b(?! (?:of )?(?:the )?(?:date|day))|"
            r"\bpass rate\b",
            re.IGNORECASE,
        ),
    ),
]

_LIST = re.compile(
    r"\b(?:what|which) (?:are|were) (?:the|all the)\b|\blist (?:the|all)\b|"
    r"\b(?:what|which) (?:information|details|items|documents|steps|stages|elements|points|topics|headings|parts)\b|"
    r"\bwhat (?:do|does|should|must) (?:i|we|you|they) (?:need to |have to )?(?:include|put|provide|cover|list)\b|"
    # "what goes in the report?", "what's expected to go into it?", "what 3 things should it cover?"
    r"\bwhat(?:'s|s| is)? (?:(?:expected|needed|required|supposed) to |(?:should|has to|needs to|must) )?go(?:es)? "
    r"(?:in|into)\b|\bwhat (?:\d|two|three|four|five|six) (?:things|items|areas|topics|points|parts)\b|"
    # "Apart from placing reliance and the RTTM, what other topic ...?": the rest of a list the question names part of
    r"\b(?:apart from|aside from|besides|other than)\b.*\b(?:what|which)\b|\bwhat (?:other|else)\b|"
    # "What should the QT Test Completion Report contain?"
    r"\bwhat (?:does|do|should|must|will|would|has to|needs to) (?:[\w&-]+ ){1,7}?(?:contain|include)\b",
    re.IGNORECASE,
)


def asks_for_list(question: str) -> bool:
    """Whether the question asks for several things ("What are the four annexes?", "What details should I
    include?"), which a list or a table answers."""
    return bool(_LIST.search(question))


_PLACE_OR_REASON = re.compile(r"\s*(?:where|why)\b", re.IGNORECASE)


def asks_place_or_reason(question: str) -> bool:
    """Whether ``question`` asks where something is or why (a sentence saying a value is given elsewhere answers
    it), judged on the sentences that ask: "The new entrant page only shows a high-level schedule. Where can we find
    the more detailed dates?" asks for a place, not a date."""
    return bool(_PLACE_OR_REASON.match(asked_part(question)))


_BY_WHEN = re.compile(r"\bby when\b", re.IGNORECASE)
# A point fixed by another step or event rather than a day: "before the migration period starts", "no later than
# PIT exit", "within 15 working days of" (any duration knowledge.checks reads).
_RELATIVE_DEADLINE = re.compile(
    r"\b(?:before|no later than|ahead of|prior to|by the time)\s+(?:the|a|an|your|its|their|any|each|every)?\s*"
    rf"[A-Za-z]|\bwithin\s+(?:{DURATION.pattern})",
    re.IGNORECASE,
)


def answers_by_when(question: str, sentence: str) -> bool:
    """Whether ``sentence`` answers a "by when" question with a point fixed by another step ("by when do DNOs have to
    be qualified?" is answered by "All DNOs are expected to be qualified before the migration period starts")."""
    return bool(_BY_WHEN.search(asked_part(question))) and bool(_RELATIVE_DEADLINE.search(sentence))


# A question for a named thing ("Which migration document sets the limit on how many migrations ...?"): a value
# named after its head ("how many") says what the thing is about, not what is asked.
_THING_QUESTION = re.compile(
    r"^\s*(?:which|what)\s+(?:[a-z&-]+\s+){0,2}?(?:document|group|body|bodies|team|page|form|template|note|section|"
    r"appendix|annex|organisation|panel|board|role|party|parties|process|stage|tool|system|report|plan|code|cohort|"
    r"environment)s?\b",
    re.IGNORECASE,
)
_VALUE_KINDS = ("date", "duration", "frequency", "percentage", "money", "number")


def wanted_answer_type(question: str) -> str | None:
    """ "phone", "email", "destination" (an address or a portal), "change" (a change request or modification),
    "version", "date", "person", "frequency", "duration", "percentage", "money" or "number" when the question asks
    for one: the kind named first in the sentences that ask (those ending in "?"), else in the whole question ("We're
    a supplier agent that finished QT ahead of our wave deadline. How many PAB approval points are there?" asks for a
    number, not a date)."""
    question = _CONTRACTED_IS.sub(r"\1 is", question)  # "what's the date", "whats the fee"
    asked = asked_part(question)
    return _kind_named(asked) or (_kind_named(question) if asked != question else None)


def second_answer_type(question: str, kind: str | None) -> str | None:
    """Another kind of value the question asks for with ``kind`` ("By when, and to which mailbox, ...?": a date and
    an address); a count is no second kind beside a duration, a frequency or another value."""
    if kind is None:
        return None
    asked = asked_part(_CONTRACTED_IS.sub(r"\1 is", question))
    for other, pattern in _WANTS:
        if other == kind or (kind in _VALUE_KINDS and other in _VALUE_KINDS) or other == "person":
            continue
        if other in ("email", "destination") and kind in ("email", "destination"):
            continue
        if pattern.search(asked):
            return other
    return None


_CONTRACTED_IS = re.compile(r"\b(what|who|where|when|how|which)(?:['’]s|s)\b", re.IGNORECASE)


def asked_part(question: str) -> str:
    """The sentences of ``question`` ending in "?" (the situation told before them left out); all of it when none
    or every one does."""
    sentences = re.split(r"(?<=[.!?])\s+", question.strip())
    asked = [s for s in sentences if s.rstrip().endswith("?")]
    return " ".join(asked) if asked and len(asked) < len(sentences) else question


def _kind_named(text: str) -> str | None:
    # "Where are the deadlines written?" asks for a place, "why" for a reason: only an address answers either.
    place_or_reason = asks_place_or_reason(text)
    thing = _THING_QUESTION.match(text)
    found: list[tuple[int, int, str]] = []  # (where the kind is named, its order in _WANTS, kind)
    for order, (kind, pattern) in enumerate(_WANTS):
        match = next(
            (
                m
                for m in pattern.finditer(text)
                if kind not in _VALUE_KINDS
                or not (_in_name(text, m.start()) or _names_a_thing(text, m.end()) or _used_as_verb(text, m))
            ),
            None,
        )
        if not match or (place_or_reason and kind not in ("email", "destination", "phone")):
            continue
        if thing is not None and kind in _VALUE_KINDS and match.start() >= thing.end():
            continue
        found.append((match.start(), order, kind))
    return min(found)[2] if found else None


# A capitalised word next to another, not opening a sentence: part of a name ("the Migration Thresholds document").
_CAPITALISED_WORD = re.compile(r"[A-Z][\w&-]*")


def _in_name(text: str, start: int) -> bool:
    """Whether the word at ``start`` of ``text`` is part of a capitalised name, not a word of the question: "What
    does the Migration Thresholds document do?" asks for no number."""
    if not text[start : start + 1].isupper():
        return False
    before = text[:start].rstrip()
    if not before or before[-1] in ".!?:;-(\"'":
        return False  # the first word of a sentence
    previous = before.split()[-1]
    after = text[start:].split()
    following = after[1] if len(after) > 1 else ""
    return bool(_CAPITALISED_WORD.fullmatch(previous) or _CAPITALISED_WORD.match(following))


# A word for a kind of thing named after a value word: the value word is part of the thing's name ("the migration
# thresholds doc", "the limits template").
_THING_AFTER = re.compile(
    r"\s+(?:doc|docs|document|documents|template|form|report|page|log|register|tool|guide|section|paper|list)\b",
    re.IGNORECASE,
)


# "What does the Migration Thresholds document actually limit?": a value word ending a question after "does ..." is
# what the subject does, not a value asked for.
_VERB_ENDING = re.compile(r"\s*(?:\?|$)")
_AUXILIARY = re.compile(
    r"\b(?:what|which)\s+(?:\w+\s+)?(?:do|does|did|will|would|can|could|should)\b", re.IGNORECASE
)


def _used_as_verb(text: str, match: re.Match) -> bool:
    word = match.group(0)
    return (
        word.isalpha()
        and bool(_VERB_ENDING.match(text, match.end()))
        and bool(_AUXILIARY.search(text, 0, match.start()))
    )


def _names_a_thing(text: str, end: int) -> bool:
    """Whether the value word ending at ``end`` of ``text`` names a thing with the word after it ("What's the
    migration thresholds doc for?" asks for no number)."""
    return bool(_THING_AFTER.match(text, end))


# "On which day...", "what date...": the word after the question word names the kind of value asked, not its subject.
_KIND_NAMED = re.compile(r"\b(?:what|which)\s+(date|day|month|year|time)s?\b", re.IGNORECASE)


def kind_named_terms(question: str, kind: str | None) -> set[str]:
    """The terms of a date question that only name the kind of value it asks for ("day" in "On which day did the QAG
    sign it off?"). They do not count in choosing the sentence that answers: "approved by both PABs on the same day"
    does not answer for the QAG."""
    if kind != "date":
        return set()
    return {t for m in _KIND_NAMED.finditer(question) for t in lexical_terms(m.group(1), expand=False)}


# A question asking why: "why did Annex 2 change?", "how come ...", "what's the point of the plan?".
_WHY = re.compile(
    r"^\W*(?:why|how come)\b|\bwhat(?:\s+is|\s+was|'s|s)\s+the\s+(?:reason|point|purpose)\b", re.IGNORECASE
)


def asks_why(question: str) -> bool:
    """Whether the sentence that asks (not the situation told before it) asks for a reason or purpose."""
    return bool(_WHY.search(asked_part(question)))


_STILL = re.compile(
    r"\b(?:still|any ?more|these days|nowadays|(?:what|whatever) (?:has |have )?(?:ever )?happened to|"
    r"(?:wasn't|weren't|was not|were not|isn't|aren't)\b[^?]*\b(?:meant|supposed) to|i thought)\b",
    re.IGNORECASE,
)


def asks_if_still(question: str) -> bool:
    """Whether the sentence that asks asks if something still holds ("is the policy still out for consultation?")."""
    return bool(_STILL.search(asked_part(question)))


_FORMER_NAME = re.compile(
    r"\b(?:used to be (?:called|named|known as)|(?:called|named|known as) (?:before|previously|originally|earlier)|"
    r"(?:old|former|previous|original) name|formerly|previously (?:called|named|known as))\b",
    re.IGNORECASE,
)


def asks_former_name(question: str) -> bool:
    """Whether the sentence that asks asks what something was called before ("what did the checklist used to be
    called?")."""
    return bool(_FORMER_NAME.search(asked_part(question)))
