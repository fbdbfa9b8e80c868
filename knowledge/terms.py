"""Domain vocabulary: acronyms and their expansions, words that carry no meaning in a question, and lexical terms.

Both the lexical and the dense retrieval use this table so that "QAD" finds "Qualification Assessment Document"
and the other way round. Add an entry when the guidance introduces a new abbreviation.

:func:`lexical_terms` turns text into the stemmed terms that the BM25 index holds and that answers are scored by;
the saved lexical index depends on it (``LEXICAL_FORMAT`` in :mod:`knowledge.store` changes when it does).
"""

from __future__ import annotations

import functools
import logging
import re

import Stemmer

# Acronym (as written in the guidance) -> expansions. Several expansions mean several accepted readings.
ACRONYMS: dict[str, tuple[str, ...]] = {
    "MHHS": ("Market-wide Half-Hourly Settlement",),
    "QAD": ("Qualification Assessment Document",),
    "QA&P": ("Qualification Approach and Plan", "Qualification Approach & Plan"),
    "PQS": ("Pre-Qualification Submission",),
    "PIT": ("Pre-Integration Testing",),
    "QT": ("Qualification Testing",),
    "SIT": ("Systems Integration Testing", "System Integration Testing"),
    "CIT": ("Component Integration Testing",),
    "UIT": ("User Integration Testing",),
    "DIP": ("Data Integration Platform",),
    "LDSO": ("Licensed Distribution System Operator", "distributor"),
    "DNO": ("Distribution Network Operator",),
    "BSC": ("Balancing and Settlement Code",),
    "BSCCo": ("Elexon",),
    "REC": ("Retail Energy Code",),
    "RECCo": ("REC Company",),
    "PAB": ("Performance Assurance Board",),
    "RTTM": ("Requirements to Test Traceability Matrix",),
    "MEM": ("Meter Equipment Manager",),
    "MEMs": ("Meter Equipment Managers",),
    "QAG": ("Qualification Advisory Group",),
    "QWG": ("Qualification Working Group",),
    "PSG": ("Programme Steering Group",),
    "SRO": ("Senior Responsible Owner",),
    "PAWG": ("Performance Assurance Working Group",),
    "SAWG": ("Settlement Assurance Working Group",),
    "MCAG": ("Migration and Cutover Advisory Group",),
    "MPMT": ("Migration Planning and Management Tool",),
    "MPAN": ("Meter Point Administration Number",),
    "MPANs": ("Meter Point Administration Numbers",),
    "MPID": ("Market Participant Identifier", "Market Participant ID"),
    "CSS": ("Central Switching Service",),
    "UMS": ("Unmetered Supply",),
    "UMSO": ("Unmetered Supplies Operator",),
    "RoQ": ("Removal of Qualification",),
    "SI": ("Systems Integrator",),
    "DCAB": ("DIP Change and Advisory Board",),
    "MVC": ("Minimal Viable Cohort",),
    "TOM": ("Target Operating Model",),
    "NFR": ("Non-Functional Requirements",),
    "EFR": ("Error and Failure Resolution",),
    "ADO": ("Azure DevOps",),
    "DTN": ("Data Transfer Network",),
    "CR": ("Change Request",),
    "S&A": ("Supplier and Agent", "Supplier & Agent"),
    "SME": ("Subject Matter Expert",),
    "SMEs": ("Subject Matter Experts",),
    "TMAG": ("Testing and Migration Advisory Group",),
    "DAG": ("Design Advisory Group",),
    "CCAG": ("Cross-Code Advisory Group",),
    "MWG": ("Migration Working Group",),
    "SITWG": ("SIT Working Group",),
    "AIR": ("Assurance Information Request",),
    "VAS": ("Volume Allocation Service",),
    "LSS": ("Load Shaping System",),
    "SMRA": ("Supplier Meter Registration Agent",),
    "CSD": ("Code Subsidiary Document",),
}

# Common English words that say nothing about what a question is about.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers him his how i if in into is it its itself just me more most my no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their them then there these they this
    those through to too under until up very was we were what when where which while who whom why will with would
    you your yours us any also may might must shall need needs get got let lets please tell know want anything
    something does did done still ever yet much many""".split()
)

# Question words that still matter for which sentence answers (kept out of the content terms, not of the text).
QUESTION_WORDS = frozenset("what when where which who whom whose why how".split())

# Words that frame a question rather than name its subject ("roughly how many", "what sort of", "how often"). They
# still count for retrieval; they are never taken as a sign that the question is about something else.
FRAMING_WORDS = frozenset(
    """roughly approximately about exactly precisely sort kind often usually normally typically generally appear
    appears appeared seem seems seemed raise raised ask asked tell know please anyone someone somebody actually
    currently really still ever whereabouts hey hi hello please thanks cheers mate gimme quick cannot due versus
    everything everyone everybody nothing nobody somewhere anywhere ourselves yourselves themselves myself
    yourself""".split()
)

# Everyday shorthand in chat and mail, read as the words it stands for (general English, nothing of this guidance).
SHORTHAND: dict[str, str] = {
    "svc": "service",
    "svcs": "services",
    "qs": "questions",
    "q": "question",
    "pls": "please",
    "plz": "please",
    "yrs": "years",
    "yr": "year",
    "doc": "document",
    "docs": "documents",
    "info": "information",
    "reqs": "requirements",
    "req": "requirement",
    "asap": "as soon as possible",
    "approx": "approximately",
    "max": "maximum",
    "min": "minimum",
    "mins": "minutes",
    "hrs": "hours",
    "wk": "week",
    "wks": "weeks",
    "vs": "versus",
    "kick off": "start",
    "kicks off": "starts",
    "kicked off": "started",
    "kicking off": "starting",
    "push back": "delay",
    "pushes back": "delays",
    "pushed back": "delayed",
    "pushing back": "delaying",
    "push out": "delay",
    "pushes out": "delays",
    "pushed out": "delayed",
    "pushing out": "delaying",
    "w/o": "without",
    "w/": "with",
    "b/c": "because",
    "govt": "government",
    "mgmt": "management",
    "alt": "alternative",
    "org": "organisation",
    "orgs": "organisations",
    "dept": "department",
    "mtg": "meeting",
    "jan": "January",
    "feb": "February",
    "mar": "March",
    "apr": "April",
    "jun": "June",
    "jul": "July",
    "aug": "August",
    "sep": "September",
    "sept": "September",
    "oct": "October",
    "nov": "November",
    "dec": "December",
    # Text-message spellings.
    "wen": "when",
    "wat": "what",
    "wot": "what",
    "r": "are",
    "u": "you",
    "ur": "your",
    "abt": "about",
    "b4": "before",
    "thru": "through",
    "tho": "though",
    "cos": "because",
    "coz": "because",
    "cuz": "because",
    "ppl": "people",
    "msg": "message",
    "msgs": "messages",
    "mgr": "manager",
    "acct": "account",
    "qual": "qualification",
    "quals": "qualifications",
    "qual'd": "qualified",
    "thx": "thanks",
    "shld": "should",
    "wld": "would",
    "cld": "could",
    "retro": "retrospective",
    "retros": "retrospectives",
    "1:1": "one-to-one",
    "1-to-1": "one-to-one",
    # Contractions written without their apostrophe.
    "whats": "what's",
    "wats": "what's",
    "wots": "what's",
    "whos": "who's",
    "wheres": "where's",
    "hows": "how's",
    "whens": "when's",
    "thats": "that's",
    "theres": "there's",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "isnt": "isn't",
    "arent": "aren't",
    "wasnt": "wasn't",
    "werent": "weren't",
    "havent": "haven't",
    "hasnt": "hasn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "couldnt": "couldn't",
    "youre": "you're",
    "theyre": "they're",
    "ive": "I've",
    "im": "I'm",
}
_SHORTHAND = re.compile(
    r"(?<![\w/])(?:"
    + "|".join(re.escape(k) for k in sorted(SHORTHAND, key=len, reverse=True))
    + r")(?![\w/])",
    re.IGNORECASE,
)


def expand_shorthand(text: str) -> str:
    """``text`` with everyday shorthand written out ("svc" -> "service", "w/o" -> "without", "oct" -> "October").

    Words in capitals are left alone (an acronym such as "MAX" or "DEC" may be a name, "R" or "U" a letter).
    """

    def written_out(match: re.Match) -> str:
        word = match.group(0)
        return word if word.isupper() else SHORTHAND[word.lower()]

    return _SHORTHAND.sub(written_out, text)


# A word: letters and digits, joined by "&" (QA&P), an apostrophe (can't) or "_" (a name such as the LDSO_QT mailbox,
# which is one thing, not the acronyms LDSO and QT).
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[&'_][A-Za-z0-9]+)*")
# Typographic apostrophes (as phones and word processors write them) read as plain ones.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'"})


def words(text: str) -> list[str]:
    """The words of ``text`` as written (``QA&P``, ``S&A`` and ``LDSO_QT`` stay whole, apostrophes kept inside)."""
    return _TOKEN.findall(text.translate(_APOSTROPHES))


def _phrase_key(text: str) -> str:
    """Expansion text as a lookup key: lower case, words only, without a plural s."""
    key = " ".join(w.lower() for w in words(text))
    return key[:-1] if key.endswith("s") else key


def _phrase_pattern(phrase: str) -> str:
    return r"\W+".join(re.escape(w) for w in words(phrase)) + r"s?"


_ACRONYM_OF_EXPANSION = {
    _phrase_key(expansion): acronym for acronym, expansions in ACRONYMS.items() for expansion in expansions
}
# One pattern for every expansion, longest first so that the longer phrase wins where two overlap.
_EXPANSIONS = re.compile(
    r"\b(?:"
    + "|".join(
        _phrase_pattern(e) for e in sorted((e for es in ACRONYMS.values() for e in es), key=len, reverse=True)
    )
    + r")\b",
    re.IGNORECASE,
)
# Acronyms that are also English words only count when written in capitals.
_ENGLISH_WORDS = frozenset("air rec tom sit pit dip si cr dag sme cit tin".split())


@functools.lru_cache(maxsize=65536)
def _acronyms_in(text: str) -> tuple[str, ...]:
    return tuple(acronyms_in_uncached(text))


def acronyms_in(text: str) -> list[str]:
    """Acronyms of the table that ``text`` mentions, by name or by expansion (each once)."""
    return list(_acronyms_in(text))


def acronyms_in_uncached(text: str) -> list[str]:
    found = []
    as_written = set(words(text))
    lowered = {w.lower() for w in as_written}
    for acronym in ACRONYMS:
        if acronym in as_written or (acronym.lower() not in _ENGLISH_WORDS and acronym.lower() in lowered):
            found.append(acronym)
    for match in _EXPANSIONS.finditer(text):
        acronym = _ACRONYM_OF_EXPANSION.get(_phrase_key(match.group(0)))
        if acronym and acronym not in found:
            found.append(acronym)
    return found


def expansion_terms(text: str) -> str:
    """Extra text naming every acronym of ``text`` and its expansions, so either form matches the other."""
    extra = []
    for acronym in acronyms_in(text):
        extra.append(acronym)
        extra.extend(ACRONYMS[acronym])
    return " ".join(extra)


# --- lexical terms ------------------------------------------------------------------------------------------------

_stemmer = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)


def lexical_terms(text: str, expand: bool = True) -> list[str]:
    """Stemmed, lower-cased content words of ``text`` (and, with ``expand``, of its acronyms' expansions)."""
    return list(_lexical_terms(text, expand))


@functools.lru_cache(maxsize=65536)
def _lexical_terms(text: str, expand: bool) -> tuple[str, ...]:
    return lexical_terms_uncached(text, expand)


def lexical_terms_uncached(text: str, expand: bool = True) -> tuple[str, ...]:
    """:func:`lexical_terms` without the cache (for indexing a corpus, whose passages are each seen once)."""
    if expand:
        text = f"{text} {expansion_terms(text)}"
    tokens = [_word_term(w.lower()) for w in words(text)]
    # A name's parts count too ("LDSO QT mailbox" still finds LDSO_QT), as words, never as acronyms to expand.
    tokens += [part for token in tokens if "_" in token for part in token.split("_") if part]
    tokens = [t for t in tokens if t not in STOPWORDS]
    return tuple(_stemmer.stemWords(tokens))


# "can't" is "cannot", which is kept: the negation is what the question turns on ("what if a test can't be finished").
# Other contractions lose their ending ("doesn't" -> "does", "supplier's" -> "supplier").
_CONTRACTIONS = {"can't": "cannot", "won't": "will", "shan't": "shall"}
_CONTRACTION_ENDING = re.compile(r"(?:n't|'(?:s|re|ve|ll|d|m))$")


def _word_term(word: str) -> str:
    """A lower-cased word as a lexical term, before stemming."""
    return _CONTRACTIONS.get(word) or _CONTRACTION_ENDING.sub("", word).replace("&", "")


# An irregular verb's past forms and the verb, as stemmed terms: "No participant sent comments" answers "did anyone
# send comments?". Forms that are words of their own here ("left", "found", "led" beside "lead", "sat" beside SIT)
# are left out.
_IRREGULAR_FORMS = {
    "send": "sent",
    "pay": "paid",
    "hold": "held",
    "make": "made",
    "take": "took taken",
    "give": "gave given",
    "tell": "told",
    "meet": "met",
    "begin": "began begun",
    "run": "ran",
    "choose": "chose chosen",
    "write": "wrote written",
    "bring": "brought",
    "build": "built",
    "keep": "kept",
    "go": "went gone",
    "come": "came",
    "see": "saw seen",
    "say": "said",
    "know": "knew known",
    "show": "shown",
    "spend": "spent",
    "seek": "sought",
    "think": "thought",
    "buy": "bought",
    "teach": "taught",
    "mean": "meant",
    "lose": "lost",
    "understand": "understood",
    "undertake": "undertook undertaken",
    "withdraw": "withdrew withdrawn",
    "draw": "drew drawn",
    "rise": "rose risen",
    "fall": "fell fallen",
    "stand": "stood",
    "grow": "grew grown",
    "win": "won",
    "break": "broke broken",
    "speak": "spoke spoken",
    "forget": "forgot forgotten",
}
_VERB_OF = {
    _stemmer.stemWord(form): _stemmer.stemWord(verb)
    for verb, forms in _IRREGULAR_FORMS.items()
    for form in forms.split()
}


def verb_of(term: str) -> str:
    """The verb a stemmed term is an irregular past form of ("sent" -> "send"), else the term."""
    return _VERB_OF.get(term, term)


# Everyday words of one meaning, one standing for all in the highlight: "which fields are compulsory?" is answered by
# "(all mandatory)", and "is SIT mandatory?" by "SIT was an optional phase" (whether something is required: its
# opposite answers too); "kick off" (read as "start") by "could not begin until". ("type" and "kind" were tried too:
# "kinds of requirement" then matched "party type".)
_SAME_MEANING = {
    _stemmer.stemWord(word): _stemmer.stemWord(group.split()[0])
    for group in ("mandatory compulsory obligatory optional voluntary", "start begin commence")
    for word in group.split()
}


def meaning_of(term: str) -> str:
    """A stemmed term as the highlight compares it: an irregular past form as its verb, a word as the first of the
    everyday words of its meaning."""
    verb = verb_of(term)
    return _SAME_MEANING.get(verb, verb)
