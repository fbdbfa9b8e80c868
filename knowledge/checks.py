"""What a question asks for, and whether a passage can give it: answer kinds and identifiers.

A question that names an identifier (a version "v3.2", a milestone "M11", a change request "CR054", a document code
"BSCP537", a modification "P476" or a year "2026") is only answered by a passage that names the same one: the
passage about v3.0, M10 or CR055 is near in meaning but does not answer it.

A question asking for a date, an email address, a number, a version or a person needs a sentence holding a value of
that kind (:func:`has_answer_type`).
"""

from __future__ import annotations

import re

from knowledge.terms import STOPWORDS, lexical_terms

# --- identifiers ----------------------------------------------------------------------------------------------------

_VERSION = re.compile(r"\b(?:v|version\s+|ver\.?\s*)(\d+(?:\.\d+)*)\b", re.IGNORECASE)
# Codes: prefix, then how many digits make one ("M11" is a milestone, "M2000" is not; "P476" a modification).
_CODES = {"m": (1, 2), "cr": (1, 4), "bscp": (2, 4), "p": (3, 4), "dcp": (2, 4), "d": (4, 4), "r": (4, 4)}
# A milestone is also written out: "Milestone 14" is M14.
# A data flow of the Data Transfer Catalogue: "D0150"; a REC change proposal: "R0084".
_CODE = re.compile(r"\b(BSCP|DCP|CR|M|P|D|R|Milestone)[ -]?(\d{1,5})\b", re.IGNORECASE)
_WRITTEN_OUT = {"milestone": "m"}
_YEAR = re.compile(r"\b((?:19|20)\d{2})\b")
# Numbered parts of a plan: "Annex 2", "Batch 3", "Wave 1", "Appendix C", "Sprint 4", "Pathway 5".
_PART_NOUNS = "annex|appendix|batch|wave|cohort|tranche|sprint|pathway|cycle|phase|release|round|consultation|checkpoint|theme"
_PARTS = rf"\b({_PART_NOUNS})(?:es|s)?\s+"
_PART = re.compile(_PARTS + r"([0-9]{1,2}|[A-H])\b", re.IGNORECASE)
_PART_RANGE = re.compile(_PARTS + r"(\d{1,2})\s*(?:-|–|to)\s*(\d{1,2})\b", re.IGNORECASE)
_PART_LIST = re.compile(
    _PARTS + r"((?:[0-9]{1,2}|(?-i:[A-H]))(?:\s*(?:,\s*and|,|and|&)\s*(?:[0-9]{1,2}|(?-i:[A-H]))\b)+)",
    re.IGNORECASE,
)
_LISTED = re.compile(r"[0-9]{1,2}|\b[A-H]\b")
# A part numbered in words: "the second consultation" is consultation 2.
ORDINAL_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
_ORDINAL_PART = re.compile(rf"\b({'|'.join(ORDINAL_WORDS)})\s+({_PART_NOUNS})\b", re.IGNORECASE)
IDENTIFIER_KINDS = ("version", "code", "year", "part")


def _code_id(match: re.Match) -> str | None:
    """The normalised identifier of a ``_CODE`` match ("m15", "cr55"), or None where it is not one."""
    prefix, digits = match.group(1), match.group(2)
    if prefix in ("m", "p", "d", "D", "r", "R") and match.group(0)[1:2] in (" ", "-"):
        return None  # "m 11", "p 476": lower-case single letters only count written together
    prefix = _WRITTEN_OUT.get(prefix.lower(), prefix)
    low, high = _CODES[prefix.lower()]
    return f"{prefix.lower()}{int(digits)}" if low <= len(digits) <= high else None


# The words naming what an identifier is part of, right after it: "M15 Acceptance Criteria", "m15 full transition".
_QUALIFIER = re.compile(r"\s+((?:[A-Za-z][a-z]+\s+){0,2}[A-Za-z][a-z]+)")


def _qualifiers(text: str, capitals: bool) -> dict[str, list[set[str]]]:
    """Per code identifier of ``text``, the words following each mention (capitalised ones only with
    ``capitals``, up to three, up to the first common word)."""
    found: dict[str, list[set[str]]] = {}
    for match in _CODE.finditer(text):
        identifier = _code_id(match)
        if identifier is None:
            continue
        following = _QUALIFIER.match(text, match.end())
        taken: list[str] = []
        for word in following.group(1).split() if following else []:
            if word.lower() in STOPWORDS or (capitals and not word[0].isupper()):
                break
            taken.append(word)
        found.setdefault(identifier, []).append(set(lexical_terms(" ".join(taken), expand=False)))
    return found


def qualifies_another(question: str, text: str) -> bool:
    """Whether the answering ``text`` names an identifier of the question only as part of another thing than the
    question does: "M15 Acceptance Criteria v1.0 baselined" does not give the date of "M15 full transition
    complete". Only where the question names what the identifier is part of; "when is M15?" is answered by a
    sentence on "M15 Full Transition Complete"."""
    asked = {i: [w for w in words if w] for i, words in _qualifiers(question, capitals=False).items()}
    told = _qualifiers(text, capitals=True)
    for identifier, mentions in asked.items():
        if not mentions or identifier not in told:
            continue
        wanted = set().union(*mentions)
        if all(said and not (said & wanted) for said in told[identifier]):
            return True
    return False


def identifiers_in(text: str, kinds: tuple[str, ...] = IDENTIFIER_KINDS) -> set[str]:
    """Identifiers named in ``text``, normalised: "v3.2", "m11", "cr54", "bscp537", "p476", "2026", "annex 2"."""
    found: set[str] = set()
    if "version" in kinds:
        for m in _VERSION.finditer(text):
            number = m.group(1)
            found.add(f"v{number}" if "." in number else f"v{number}.0")
    if "code" in kinds:
        found |= {identifier for m in _CODE.finditer(text) if (identifier := _code_id(m)) is not None}
    if "year" in kinds:
        found |= set(_YEAR.findall(text))
    if "part" in kinds:
        for m in _PART.finditer(text):
            found.add(f"{m.group(1).lower()} {m.group(2).upper()}")
        for m in _PART_LIST.finditer(text):  # "Annex 1 and 4", "annexes 1 & 4", "Batches 1, 2 and 3"
            found |= {f"{m.group(1).lower()} {n.upper()}" for n in _LISTED.findall(m.group(2))}
        for m in _ORDINAL_PART.finditer(text):
            found.add(f"{m.group(2).lower()} {ORDINAL_WORDS[m.group(1).lower()]}")
        for m in _PART_RANGE.finditer(text):
            low, high = int(m.group(2)), int(m.group(3))
            found |= {f"{m.group(1).lower()} {n}" for n in range(low, min(high, low + 20) + 1)}
    return found


# A version written after the name of what it versions ("QA&P v3.0", "Annex 2 v2.0") or before it ("version 3.0 of
# the QA&P"): a name is an acronym, a capitalised word or a numbered annex or appendix.
_NAME = r"(?i:annex|appendix)\s+[0-9A-H]{1,2}\b|[A-Z][A-Za-z&]*(?:[A-Z&][A-Za-z&]*)?"
_NAMED_VERSION = re.compile(rf"({_NAME})\s+(?:v|version\s+)(\d+(?:\.\d+)*)\b")
_VERSION_OF = re.compile(rf"\b(?:v|version\s+)(\d+(?:\.\d+)*)\s+of\s+(?:the\s+)?({_NAME})")
_NOT_NAMES = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "its",
    "our",
    "your",
    "this",
    "that",
    "is",
    "was",
}


def _version_key(number: str) -> str:
    return f"v{number}" if "." in number else f"v{number}.0"


def named_versions(text: str) -> list[tuple[str | None, str]]:
    """(name, version) for each version in ``text``: the name it is written with, or None when it stands alone."""
    pairs: list[tuple[str | None, str]] = []
    bound_at: set[int] = set()
    for m in _NAMED_VERSION.finditer(text):
        name = m.group(1).lower()
        if name in _NOT_NAMES:
            continue
        pairs.append((" ".join(name.split()), _version_key(m.group(2))))
        bound_at.add(m.end(2))
    for m in _VERSION_OF.finditer(text):
        name = m.group(2).lower()
        if name in _NOT_NAMES:
            continue
        pairs.append((" ".join(name.split()), _version_key(m.group(1))))
        bound_at.add(m.end(1))
    for m in _VERSION.finditer(text):
        if m.end(1) not in bound_at:
            pairs.append((None, _version_key(m.group(1))))
    return pairs


def misattributed_versions(question: str, passage_text: str) -> set[str]:
    """Versions the question asks about for one thing ("Annex 2 v3.0") that the passage gives only for others
    ("QA&P v3.0"): the passage names the version, but not of the thing asked about."""
    written = named_versions(passage_text)
    missing = set()
    asked = [(name, version) for name, version in named_versions(question) if name is not None]
    for name, version in asked:
        owners = {owner for owner, v in written if v == version}
        if owners and None not in owners and name not in owners:
            missing.add(f"{name} {version}")
    # A question comparing two named versions ("was the QA&P v3.0 the same story as the QAD v3.0?") is answered by
    # a passage that gives one of them.
    return missing if len(missing) == len(asked) else set()


_ALTERNATIVE = re.compile(r"\b([\w.]+)\s*(?:,\s*)?\bor\s+([\w.]+)", re.IGNORECASE)


def missing_identifiers(
    question: str, passage_text: str, kinds: tuple[str, ...] = IDENTIFIER_KINDS
) -> set[str]:
    """Identifiers the question names that the passage (with its title and section) does not.

    A version written without a minor number counts as its ".0" ("v3" is "v3.0") in either text.
    """
    asked = identifiers_in(question, kinds)
    if not asked:
        return set()
    present = identifiers_in(passage_text, kinds)
    missing = asked - present
    if "year" in kinds and not _YEAR.search(passage_text):
        # A passage naming no year at all ("on 6 December") does not say it is about another year.
        missing -= set(_YEAR.findall(question))
    # A choice between identifiers ("is the LSS switched on at M12 or M13?") is answered by a passage naming one.
    for first, second in _ALTERNATIVE.findall(question):
        pair = identifiers_in(first, kinds) | identifiers_in(second, kinds)
        if pair & present:
            missing -= pair
    if "version" in kinds:
        missing |= misattributed_versions(question, passage_text)
    return missing


_MONTH_NAMES = (
    "jan(?:uary)?",
    "feb(?:ruary)?",
    "mar(?:ch)?",
    "apr(?:il)?",
    "may",
    "june?",
    "july?",
    "aug(?:ust)?",
    "sep(?:t|tember)?",
    "oct(?:ober)?",
    "nov(?:ember)?",
    "dec(?:ember)?",
)
_MONTH = re.compile(rf"\b(?:{'|'.join(f'({m})' for m in _MONTH_NAMES)})\b\.?", re.IGNORECASE)


# "May" as the month, not the verb: next to a day or year, or after a word for when ("in May", "since May").
_THE_MONTH_MAY = re.compile(
    r"\d\s+May\b|\bMay\s+\d|\b(?:in|of|early|mid|late|since|until|by|before|after|from|during)\s+May\b",
    re.IGNORECASE,
)


def months_in(text: str) -> set[int]:
    """The months ``text`` names (1-12); "May" only as the month (see _THE_MONTH_MAY)."""
    months = {next(i for i, g in enumerate(m.groups(), start=1) if g) for m in _MONTH.finditer(text)}
    if 5 in months and not _THE_MONTH_MAY.search(text):
        months.discard(5)
    return months


def missing_months(question: str, passage_text: str) -> set[int]:
    """Months the question names that the passage does not: "what date is the January QAG?" is not answered by a
    calendar of the October to December meetings."""
    return months_in(question) - months_in(passage_text)


# --- answer kinds ---------------------------------------------------------------------------------------------------

_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
_MONTH_ABBREVIATIONS = "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
DATE = re.compile(
    rf"\b(?:\d{{1,2}}\s+(?:{_MONTHS}|{_MONTH_ABBREVIATIONS})\b|(?:{_MONTHS})\s+\d{{4}}|(?:19|20)\d{{2}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}/\d{{1,2}}/\d{{2,4}}|(?:19|20)\d{{2}}|(?:q[1-4]|quarter)\s+\d{{4}}"
    rf"|\d{{1,2}}(?::\d{{2}})?\s?[ap]m|(?:mon|tues|wednes|thurs|fri|satur|sun)days?)\b",
    re.IGNORECASE,
)
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
NUMBER = re.compile(
    r"\d|\b(?<!any )(?<!no )(?<!each )(?:one(?! of\b)|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|thousand|half(?![- ]hourly)|quarter)\b",
    re.IGNORECASE,
)
VERSION = re.compile(r"\b(?:v\d+(?:\.\d+)*|version\s+\d+(?:\.\d+)*)\b", re.IGNORECASE)

PHONE = re.compile(r"(?:\+44\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")

_COUNT_WORDS = r"\d+(?:\.\d+)?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|a few|several"
DURATION = re.compile(
    rf"\b(?:{_COUNT_WORDS}|an?)[ -](?:(?:working|business|calendar|clear)[ -])?"
    r"(?:minute|hour|day|week|fortnight|month|year)s?\b|\b(?:same|next) (?:working |business )?day\b",
    re.IGNORECASE,
)
PERCENTAGE = re.compile(r"\d+(?:\.\d+)?\s?(?:%|per ?cent\b)", re.IGNORECASE)
MONEY = re.compile(
    r"[£$€]\s?\d|\b\d+(?:\.\d+)?\s?(?:pounds|gbp|euros?)\b|\bfree of charge\b|\bno (?:\w+ )?(?:fee|charge|cost)s?\b|"
    r"\b(?:do|does|will) not (?:need to |have to )?pay\b|\bnot (?:be )?charged\b|\bat no cost\b",
    re.IGNORECASE,
)
# How often: "fortnightly", "every two months", "once a year", "on the first Wednesday of the month", "twice".
FREQUENCY = re.compile(
    r"\b(?:hourly|daily|weekly|fortnightly|monthly|quarterly|annually|yearly|biannually|every|each|once|twice|"
    # not "a month ahead of your deadline", "a week before the meeting"
    r"(?:per|a|an) (?:day|week|fortnight|month|quarter|year)"
    r"(?! (?:ahead|before|after|earlier|later|in advance|or so|from|of|beforehand))|"
    r"of (?:the|each|every) (?:week|month|year))\b",
    re.IGNORECASE,
)
CHANGE_ID = re.compile(r"\bCR\s?\d{2,4}\b|\bP\d{3,4}\b", re.IGNORECASE)
_HAS = {
    "change": CHANGE_ID,  # a change request or a code modification
    "email": EMAIL,
    "destination": re.compile(
        EMAIL.pattern
        + r"|\b(?:portal|website|web ?page|sharepoint|mailbox|inbox|help ?desk|service ?desk)\b",
        re.IGNORECASE,
    ),
    "date": DATE,
    "number": NUMBER,
    "version": VERSION,
    "phone": PHONE,
    "duration": DURATION,
    "frequency": FREQUENCY,
    "percentage": PERCENTAGE,
    "money": MONEY,
}
CAPITALISED_PAIR = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\s+([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")


# A time of day ("17:00", "5pm") and a numbered part, level or reference ("Cycle 2", "Level 3 group", "section 4.2",
# "(note 08)") hold digits that count nothing.
_TIME = re.compile(r"\b\d{1,2}[:.]\d{2}(?:\s?[ap]m)?\b|\b\d{1,2}\s?[ap]m\b", re.IGNORECASE)
_NUMBERED = re.compile(
    r"\b(?:cycle|level|tier|section|phase|stage|step|release|round|slide|page|paragraph|clause|chapter|note|figure|"
    r"table|question|item)s?\s+"
    r"\d+(?:\.\d+)*(?:\s*(?:-|–|to|and)\s*\d+(?:\.\d+)*)?\b",
    re.IGNORECASE,
)


def years_named(identifiers) -> frozenset[str]:
    """The years among a question's identifiers ("2025")."""
    return frozenset(i for i in identifiers or () if i.isdigit())


_MONTH_BEFORE = re.compile(rf"(?:{_MONTHS}|{_MONTH_ABBREVIATIONS})\.?,?\s+$", re.IGNORECASE)


def _year_unless_dated(match: re.Match) -> str:
    """A year kept when a month goes before it ("March 2025", "22 March 2025"), else blanked."""
    return match.group(0) if _MONTH_BEFORE.search(match.string, 0, match.start()) else " "


def has_answer_type(
    sentence: str,
    kind: str | None,
    lowercase_words: set[str] | None = None,
    named_years: frozenset[str] = frozenset(),
) -> bool:
    """Whether ``sentence`` holds a value of the kind asked for (a person: a name the guidance never writes in
    lower case, like "Chris Welby", given ``lowercase_words``: the words the guidance writes in lower case). A year
    the question names (``named_years``), standing alone, is no date: "the REC MHHS Engagement Day 2025 playlist"
    does not say when the 2025 day was held."""
    if kind is None:
        return True
    if kind == "date" and named_years:
        sentence = re.sub(rf"\b(?:{'|'.join(sorted(named_years))})\b", _year_unless_dated, sentence)
    if kind == "number":
        # A count or amount: not the digits of a date, a time, a version, an identifier or a numbered part ("M10",
        # "19 May 2025", "17:00", "Cycle 2", "Level 3").
        bare = DATE.sub(
            " ", _VERSION.sub(" ", _CODE.sub(" ", _PART.sub(" ", _PART_RANGE.sub(" ", sentence))))
        )
        bare = _NUMBERED.sub(" ", _TIME.sub(" ", bare))
        return bool(NUMBER.search(bare))
    if kind == "person":
        known = lowercase_words or set()
        return any(
            a.lower() not in known and b.lower() not in known for a, b in CAPITALISED_PAIR.findall(sentence)
        )
    return bool(_HAS[kind].search(sentence))


_ABSENCE = re.compile(
    r"\b(?:does not|do not|doesn't|don't|is not|are not|not)\s+(?:\w+\s+){0,2}?"
    r"(?:reproduce[sd]?|record(?:ed|s)?|give[sn]?|name[sd]?|list(?:ed|s)?|cop(?:y|ies|ied)|stated?|publish(?:ed)?|"
    r"include[sd]?|recorded|identif(?:y|ies|ied)|specif(?:y|ies|ied)|confirm(?:s|ed)?|say|says|said)\b"
    r"|\bto be (?:announced|confirmed|decided|published) later\b|\bnot yet (?:known|published|confirmed|announced)\b"
    r"|\bnot (?:reproduced|recorded|given|named|listed|stated|published|included|defined|available)\b"
    r"|\bno (?:date|figure|number|name|detail|time|timeline|deadline|value|version)s? (?:is |are |has been |have been )?"
    r"(?:available|given|stated|recorded|published)\b",
    re.IGNORECASE,
)


# A sentence giving something as no longer holding: "treat it as superseded", "that arrangement is historic",
# "Retired - no longer monitored".
SUPERSEDED = re.compile(
    r"\b(?:historic|historical|superseded|out of date|outdated|obsolete|withdrawn|"
    r"no longer (?:valid|current|applies|in use|monitored))\b",
    re.IGNORECASE,
)


def is_absence_statement(sentence: str) -> bool:
    """Whether a sentence says the guidance does not contain something ("this pack does not reproduce ...")."""
    return bool(_ABSENCE.search(sentence))


def says_not_given(text: str, terms: list[str]) -> bool:
    """Whether a part of ``text`` (a sentence, or a table row's cell) naming something the question asks about says
    the guidance does not give it ("Cycle timings after CR055 were to be announced later"); a row whose only absent
    cell is about something else ("M14 | (not defined in this pack's sources) | ...read QA&P Appendix B") is not."""
    asked = set(terms)
    # Each sentence of a cell on its own: "The timeframes for the two QAD submissions. The timelines are not
    # reproduced in this pack" says nothing is missing for "what is Appendix C about?".
    parts = [
        sentence
        for line in text.split("\n")
        for cell in line.split("|")
        for sentence in _SENTENCE_END.split(cell)
    ]
    return any(is_absence_statement(part) and asked & set(lexical_terms(part, expand=True)) for part in parts)


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)][.;])\s+(?=[A-Z])")


_ENTRY_OPENING = re.compile(r"^[-*•\s]*\**([\w&/ -]+?)\**\s*(?::|\s-\s|\s–\s|\()")


def entry_names(text: str) -> set[str]:
    """The terms ``text`` has an entry for, in lower case: the first cell of a table row ("| M13 | Load Shaping...",
    "| MEM / MOA | ..." names "mem" and "moa") and the opening of a line ("ADO: Azure DevOps...", "- **UIT** - ...")."""
    names: set[str] = set()
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|"):
            first = stripped.strip("|").split("|")[0].replace("**", "")
            names.update(n.strip().lower() for n in first.split("/") if n.strip())
            # "Appendix C - QAD submission timelines": the name before its description.
            named = re.split(r"\s[-–:]\s", first, maxsplit=1)
            if len(named) == 2 and named[0].strip():
                names.add(named[0].strip().lower())
            continue
        opening = _ENTRY_OPENING.match(stripped)
        if opening:
            names.add(opening.group(1).strip().lower())
    return names


# --- events and who did them ----------------------------------------------------------------------------------------

_CURRENT = re.compile(r"\b(?:current|currently|now|latest|these days|at the moment|today)\b", re.IGNORECASE)


def superseded_answer(question: str, kind: str | None, text: str) -> bool:
    """Whether a question asking for the current value of something ("what is the current date for M15?") is
    answered by sentences that give it as superseded ("| October 2026 | M15 date quoted in late-2023 pages |
    Superseded |"): the value they hold is the old one."""
    return bool(kind and _CURRENT.search(question) and SUPERSEDED.search(text))


# A question on whether or when something happened ("Did the PSG approve it?", "When was v3.2 approved?") ...
_EVENT_ASKED = re.compile(
    r"(?:^|[.?!]\s+)\W*(?:so\s+|and\s+)?(?:(?:when|on what date)\s+)?(?:did|was|were|has|have|had)\b[^.?!]{0,80}?"
    r"\b(approv|sign|agree|accept|baselin|ratif|endors|decid|publish)",
    re.IGNORECASE,
)
# ... answered by sentences that only announce or propose it ("will go to the REC PAB on 26 March", "We recommend").
_ANNOUNCED = re.compile(
    r"\bwill (?:also )?(?:go|be (?:taken|presented|tabled|submitted|considered))\b|\brecommends?\b|\btabled for\b",
    re.IGNORECASE,
)
# ... and never that it was done, in any of the words for it ("approved by the eSITAG" answers "when did it sign off?").
_DONE = re.compile(
    r"\b(?:approved|signed|agreed|accepted|baselined|ratified|endorsed|decided|published)\b", re.IGNORECASE
)


def unconfirmed_event(question: str, text: str, context: str = "") -> bool:
    """Whether a question asking if (or when) something was approved, signed, agreed, baselined or published is
    answered by sentences that only say it will be presented or tabled, or is recommended: the guidance does not
    confirm the premise ("did the REC PAB approve them on 26 March?" against "They will go to the REC PAB on Tuesday
    26 March"). Nor by sentences telling of another event and, with ``context`` (their heading and lead-in), none of
    the kind asked: "On Monday 11 August 2025 the Programme issued the report" does not say when it was approved."""
    asked = _EVENT_ASKED.search(question)
    if not asked:
        return False
    if not _ANNOUNCED.search(text):
        return not re.search(_EVENT_WORDS[asked.group(1).lower()], f"{context}\n{text}", re.IGNORECASE)
    return not _DONE.search(text)


# The words telling of each kind of event a question may ask about, in any form: approving and its near kin ("signed
# off", "agreed", "endorsed" answer "when was it approved?"), and publishing ("issued").
_APPROVING = r"\b(?:approv|sign|agree|accept|baselin|ratif|endors|deci[ds])"
_EVENT_WORDS = dict.fromkeys(
    ("approv", "sign", "agree", "accept", "baselin", "ratif", "endors", "decid"), _APPROVING
)
_EVENT_WORDS["publish"] = r"\b(?:publish|issued|released)"


# ... by a body: "When did the PSG approve QA&P v3.0?" names the PSG as the one approving.
_ACTOR_ASKED = re.compile(
    r"\b(?:did|has|have|had)\s+(?:the\s+)?(?P<actor>[\w&-]+(?:\s+(?:pab|panel|board|group|manager|sro))?)\s+"
    r"(?:(?:formally|actually|already|finally|ever)\s+)?"
    r"(?:approv|sign|agree|accept|baselin|ratif|endors|decid)\w*",
    re.IGNORECASE,
)
_NO_ACTOR = frozenset(
    "i we you they it he she anyone anybody someone somebody everyone participants people us them this that these "
    "those its their our your any all both each to".split()
)


def other_actor(question: str, text: str) -> bool:
    """Whether a question asking when (or whether) a named body approved something is answered by sentences saying
    it was approved by others and never naming that body: "approved by the QAG on 22 August 2024 and the BSC and REC
    PABs on 28 August" does not say when the PSG approved QA&P v3.0."""
    match = _ACTOR_ASKED.search(question)
    if not match or not _DONE.search(text):
        return False
    actor = match.group("actor")
    # "who has to sign the QAD?" asks for the one signing
    if actor.lower() in _NO_ACTOR or not actor[0].isalpha() or re.match(r"\W*who\b", question, re.IGNORECASE):
        return False
    # Each of its words, in either number ("the PABs", "the REC PAB" in "the BSC and REC PABs").
    words = [w[:-1] if len(w) > 3 and w[-1] in "sS" and w[:-1].isupper() else w for w in actor.split()]
    return not all(re.search(rf"\b{re.escape(w)}s?\b", text, re.IGNORECASE) for w in words)
