"""The sentences of a passage that answer: what an answer shows in bold, and quotes first.

A passage is read as units: sentences of its paragraphs and list items (a clause ending in ";" joined to the next),
and the rows of its tables (each row read with its table's header). A unit scores by the rarity-weighted question
content it shares with the question, a word counting less the more of the passage's units hold it (the words naming
the passage's subject are in many of its sentences, the one naming what is asked in few); a table's header row, a line
that only introduces what follows ("Exit criteria:") and a list item's short lead ("- Membership.") count for less,
since they name a subject without stating anything about it. The words of the passage's heading name what every unit
is about: in ranking the units, each counts as holding them and the identifiers the heading names (a row repeating the
subject's name does not outrank the sentence saying what was asked about it), while whether a unit matches at all, or
comes near enough to the best, is judged on its own words. Given the meaning similarity of sentences to the question,
the few units that match best in words are compared by meaning too. When the question asks for a kind of value (a
date, an address, a number, a version, a person), the best ranked of the units holding one that match at least a third
as well as the best unit overall wins; failing that, one of the two units after the best (or the one before it)
holding such a value is highlighted with it, since a page often states the value in a short sentence that does not
repeat its subject. A question the guidance asks itself (an FAQ) is answered by the sentence after it (with its short
lead, "No."), a question asking what a term is by the unit that says so ("..., known as Kestrel", "Kestrel is ...", a
row or line opening with it), and a line's short label ("Verifying company details.") is shown with the sentence after
it. A neighbouring unit is highlighted too when it holds asked-for content the first one lacks or scores nearly as
well (the facts of one answer often sit in two sentences or two rows), and a sentence that refers back ("It
replaced...", "Both mean the same document.") is highlighted with the one it refers to. A question asking why is
answered by the best ranked unit giving a reason or purpose ("because", "to reflect", "so that") among those matching
at least a third as well as the best, and one asking whether something still holds ("is it still out for
consultation?") by the best ranked of those saying what holds now ("current", "no longer", "replaced"); one asking
what replaced something by the unit naming the new, shown with the one naming the old when the new shares no word
with the question. Words that ask for a deadline, a charge or a body's members are matched by a unit stating one in
other words ("Deadline for feedback", "There is no applicant fee", "The PAB is made up of ..."), and a question opening
with "who", "when", "where" or "why" by a line whose label opens with the same word ("Who runs it: ..."); one telling
two terms apart ("QAP vs QA&P?") by a unit naming both; one asking whether anyone did something by a unit saying
none did ("No participant sent feedback").

The weights were chosen by 5-fold cross-validation over the shared question sets (docs/benchmarks.md)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from knowledge.checks import (
    CHANGE_ID,
    SUPERSEDED,
    entry_names,
    has_answer_type,
    identifiers_in,
    is_absence_statement,
    says_not_given,
    years_named,
)
from knowledge.markers import mark_asked
from knowledge.reading import ORDINAL, ORDINALS
from knowledge.terms import lexical_terms, meaning_of
from knowledge.units import (
    CURRENT_STATE,
    DEADLINE,
    FORMER,
    NEW,
    REASON,
    Unit,
    continues,
    introduces,
    labels,
    refers_back,
    states,
    units_of,
)

CAPTION_WEIGHT = (
    0.8  # a table header row, a line ending in ":" or a question scores less (0.5: fewer headlines)
)
NEIGHBOUR_SHARE = (
    0.3  # a neighbour is added when it brings this share of the question's weight the first lacks
)
# A question word in n of the passage's units counts n ** -LOCAL_RARITY of its weight: words naming the passage's
# subject are in many of its sentences, the one naming what is asked ("approved") in few (0.5 fixed; see
# docs/benchmarks.md).
LOCAL_RARITY = 0.5
MAX_LISTED = 8  # at most this many list items or rows follow a line that introduces them
TYPED_SHARE = 0.3  # a unit holding the asked kind of value wins if it scores at least this share of the best
PREFIX = 4  # terms sharing a start this long, one the start of the other, are forms of one word
PARTIAL = 0.7  # what another form of a question word counts for
DENSE_CANDIDATES = 4  # units compared by meaning: the best this many by words
DENSE_WITHIN = 0.5  # ...that score at least this share of the best unit's (0 gave the same highlights)
DENSE_WEIGHT = 0.25  # what meaning similarity (cosine) counts for, against the share of the question's words
ABSENCE_SHARE = 0.7  # an absence statement scoring this share of the best unit's score declines
RUNNER_UP = 0.7  # a neighbouring unit scoring at least this share of the best's is highlighted with it
# A unit up to this many after the best one (or the one before it) holding the asked value is highlighted with it.
TYPED_AFTER = 2
# What a sentence giving an earlier state counts for, for a question not about the past; and one about another of
# several things than the one asked ("the first consultation" for "the second consultation").
OFF_SUBJECT_WEIGHT = 0.5


@dataclass(frozen=True)
class Highlight:
    text: str  # the highlighted units, joined by a space (rows by a new line)
    units: tuple[Unit, ...]
    holds_answer: bool  # holds a value of the kind asked for (always True when no kind is asked)
    lead_in: str = ""  # the question, label or heading line right before the units, which they answer
    absence: bool = False  # a sentence matching the question about as well says the guidance does not give it

    @property
    def header(self) -> str | None:
        return next((u.header for u in self.units if u.header), None)


def choose_highlight(
    question_terms: list[str],
    text: str,
    weight: Callable[[str], float],
    kind: str | None = None,
    lowercase_words: set[str] | None = None,
    identifiers: set[str] | None = None,
    similarity: Callable[[list[str]], list[float]] | None = None,
    wants_list: bool = False,
    defined: str | None = None,
    heading: str = "",
    reason: bool = False,
    current: bool = False,
    also: str | None = None,
    former: bool = False,
    relation: str | None = None,
    deadline: bool = False,
    past: bool = False,
    ordinal: int | None = None,
    replacement: bool = False,
    membership: bool = False,
    opening: str | None = None,
    compared: tuple[str, str] | None = None,
    any_asked: bool = False,
    asked_terms: frozenset[str] = frozenset(),
) -> Highlight:
    """The units of ``text`` that answer a question with ``question_terms`` (``weight``: a term's rarity).

    Each of the question's ``identifiers`` (see knowledge.checks) a unit names counts as much as its rarest word.
    ``defined``: the term a question asks to have defined ("what is Kestrel?"); a unit defining it answers.
    """
    units = units_of(text)
    years = years_named(identifiers)
    # A question asking which change request or modification names the ones it is not asking for ("which mod set up
    # the DIP governance? P496 refers back to it").
    wanted = {
        meaning_of(t): weight(t) for t in question_terms if not (kind == "change" and CHANGE_ID.fullmatch(t))
    }
    present = [_terms(u) for u in units]
    mark_asked(
        units,
        present,
        wanted,
        relation=relation,
        compared=compared,
        any_asked=any_asked,
        deadline=deadline,
        money=kind == "money",
        membership=membership,
        opening=opening,
    )
    named = [identifiers_in(u.text) & identifiers if identifiers else set() for u in units]
    identifier_weight = max(wanted.values(), default=1.0)
    # Choosing the answering unit, a question word in many of the passage's units counts less: it names the passage's
    # subject, while the word in few names what is asked. How well a unit, a list or a neighbour matches the question
    # as a whole is judged with the words' own weights.
    local = dict(wanted)
    if len(units) > 2:
        for t in local:
            holding = sum(1 for p in present if _match(t, p) > 0)
            if holding > 1:
                local[t] *= holding**-LOCAL_RARITY
    # The words of the passage's heading name what all its units are about: every unit counts as holding them when
    # the units are ranked, so that a row or item repeating the subject's name does not outrank the sentence stating
    # what is asked about it. Whether a unit matches at all, and how near it comes to the best, is judged on its own
    # words.
    titled = _terms(Unit(heading)) if heading else set()
    titled_ids = identifiers_in(heading) & identifiers if heading and identifiers else set()

    def score(i: int, weights: dict[str, float], held: set[str] | None = None) -> float:
        ids = named[i] | titled_ids if held else named[i]
        held = present[i] | held if held else present[i]
        total = sum(w * _match(t, held) for t, w in weights.items()) + identifier_weight * len(ids)
        return total * (CAPTION_WEIGHT if units[i].caption else 1.0)

    own = [score(i, local) for i in range(len(units))]
    scores = [score(i, local, titled) for i in range(len(units))]
    if ordinal is not None:
        # "When did MCAG approve the second consultation?": a sentence about another of them ("The first
        # consultation ... was approved on 8 May 2024") does not answer.
        for i, unit in enumerate(units):
            told = {ORDINALS[m.lower()] for m in ORDINAL.findall(unit.text)}
            if told and ordinal not in told:
                scores[i] *= OFF_SUBJECT_WEIGHT
    if replacement or not (past or current):
        # A sentence giving the guidance's earlier state ("that arrangement is historic", "treat it as superseded")
        # does not answer a question about how things stand, unless it is about the past (or whether something
        # still holds, which the sentence saying what is superseded may answer). A question asking what replaced
        # something asks for the new, whatever it says of the old.
        for i, unit in enumerate(units):
            if SUPERSEDED.search(unit.text):
                scores[i] *= OFF_SUBJECT_WEIGHT
    plain = [score(i, wanted) for i in range(len(units))]
    if similarity is not None and len(units) > 1:
        # Meaning decides among the units that match best in words: the sentence that states the asked fact often
        # shares fewer of the question's words than a sentence about the same subject.
        ranked = sorted(range(len(units)), key=lambda i: -scores[i])[:DENSE_CANDIDATES]
        # Only units near the best in words are compared (embedding a sentence costs about 5 ms), and only when
        # there are two or more.
        candidates = [i for i in ranked if scores[i] >= DENSE_WITHIN * scores[ranked[0]]]
        if len(candidates) < 2:
            candidates = []
        values = similarity([units[i].text for i in candidates]) if candidates else []
        for i, value in zip(candidates, values, strict=True):
            meaning = DENSE_WEIGHT * max(value, 0.0) * (CAPTION_WEIGHT if units[i].caption else 1.0)
            scores[i] += meaning * (sum(local.values()) or 1.0)
            plain[i] += meaning * (sum(wanted.values()) or 1.0)
    best = max(range(len(units)), key=lambda i: (scores[i], -i))
    if defined is not None:
        # "What is Kestrel?" is answered by the unit saying what it is ("the Migration Planning and Management Tool,
        # known as Kestrel"), not by the one matching best among many that name it.
        defining = [i for i in range(len(units)) if own[i] > 0 and defines_term(units[i].text, defined)]
        if defining:
            best = max(defining, key=lambda i: (scores[i], -i))
    # Another sentence as near the question saying the guidance does not give something ("The pack's sources do not
    # identify the version now in force"); the highlighted sentence's own absence statement is judged by the caller
    # ("submit within the timeframes in Appendix C (this pack does not reproduce them)" answers "where are they?").
    absence = any(
        i != best
        and own[i] > 0
        and own[i] >= ABSENCE_SHARE * own[best]
        # The unit names what the question asks about as not given: "M11 | ... | this pack does not record the
        # approval date" says nothing is missing for "what happens at M11?".
        and says_not_given(units[i].text, question_terms)
        # Nor one about another of its kind: "The pack's sources do not identify the version of BSCP537 now in
        # force" says nothing is missing for "when did BSCP537 v15 take effect?", which the best unit answers.
        and not (named[best] - named[i])
        for i in range(len(units))
    )
    holds = True
    nearby = None  # a unit just after (or before) the best one holding the asked value, if no better one does

    def best_near(candidates: list[int]) -> int | None:
        """The best ranked of ``candidates`` matching the question at least TYPED_SHARE as well as the best unit, in
        their own words."""
        near = [i for i in candidates if own[i] > 0 and own[i] >= TYPED_SHARE * own[best]]
        return max(near, key=lambda i: (scores[i], -i)) if near else None

    if kind is not None:
        # The sentence matching best says the guidance does not give the asked value ("The pack's sources do not
        # identify the version now in force"): a value of that kind elsewhere in the passage is not the answer.
        absence = absence or is_absence_statement(units[best].text)
        typed = [
            i
            for i in range(len(units))
            # A line introducing a list can state the value itself ("approved by both PABs on 28 August 2024:").
            # So can a line's short lead stating something ("There is no applicant fee.").
            if (not units[i].caption or introduces(units[i]) or states(units[i]))
            and has_answer_type(units[i].text, kind, lowercase_words, years)
        ]
        # Of the units holding one that match the question nearly enough in their own words, the best ranked; one
        # holding the second kind asked for too comes first ("By when, and to which mailbox, ...?").
        both = [i for i in typed if has_answer_type(units[i].text, also, lowercase_words)] if also else []
        # A deadline asked for: a date said to close or be due ("closes at 17:00 on Wednesday 6 December 2023")
        # before one that dates something else about the subject.
        # Such a sentence often names nothing of the question but what the heading says ("The consultation period
        # opened on ... and closes at 17:00 on ..."): it is judged with the heading's words.
        closing = [i for i in typed if DEADLINE.search(units[i].text)] if deadline else []
        closing = [i for i in closing if scores[i] > 0 and scores[i] >= TYPED_SHARE * scores[best]]
        best_closing = max(closing, key=lambda i: (scores[i], -i)) if closing else None
        best_typed = next(
            (found for found in (best_near(both), best_closing) if found is not None), best_near(typed)
        )
        if best_typed is not None and asked_terms:
            # A situation told besides the asking sentence ("We're a supplier wanting a smart segment exemption.
            # When did Ofgem approve the modification?"): of the units holding the value, the one matching the
            # asking sentence best answers.
            asked_weights = {t: w for t, w in local.items() if t in asked_terms or t.startswith("~")}
            asked_own = [score(i, asked_weights) for i in range(len(units))]
            top = max(asked_own)
            near = [i for i in typed if asked_own[i] > 0 and asked_own[i] >= TYPED_SHARE * top]
            if near:
                best_typed = max(near, key=lambda i: (score(i, asked_weights, titled), scores[i], -i))
        # A short sentence after the best one often states its value without repeating its subject ("Ofgem consulted
        # on a proposed direction to Elexon. [...] The consultation closed on 30 January 2025."). Not for people,
        # whose names are told apart by their capitals alone.
        # Table rows are records of their own: a row neither continues nor is continued by its neighbours.
        if kind != "person" and units[best].header is None and not units[best].text.rstrip().endswith("?"):
            following = [best + d for d in range(1, TYPED_AFTER + 1)] + [best - 1]
            nearby = next(
                (i for i in following if i in typed and own[i] > 0 and units[i].header is None), None
            )
        if best_typed is not None:
            best = best_typed
            nearby = None
        elif nearby is None:
            holds = False
    elif reason or current or former or replacement:
        # A "why" question: of the units near enough in words, the best ranked giving a reason answers; one asking
        # whether something still holds, the best ranked saying what holds now; one asking what something was
        # called before, the best ranked giving an earlier name; one asking what replaced something, the best ranked
        # naming the new.
        marker = REASON if reason else NEW if replacement else CURRENT_STATE if current else FORMER
        giving = best_near(
            [i for i in range(len(units)) if not units[i].caption and marker.search(units[i].text)]
        )
        if giving is not None:
            best = giving
        elif (
            best + 1 < len(units)
            and units[best + 1].line == units[best].line
            and not units[best + 1].caption
            and not marker.search(units[best].text)
            and marker.search(units[best + 1].text)
        ):
            # The sentence after the best one, in its paragraph, says what came of it ("... proposed a one way gate.
            # The later design allows reverse migration, so that recommendation was not carried forward.").
            return _shown(units, [best, best + 1], holds, absence)
        elif replacement and not NEW.search(units[best].text):
            # The new thing shares no word with the old one the question names: the unit naming the old ("| Old
            # (superseded) | SIT MVC / Non-MVC |") is shown with the next naming the new, a row of the same table or
            # one of the few units after it ("| New (current) | M10 Ready / M11 Ready / Not M11 Ready |").
            same_table = [
                i for i in range(len(units)) if units[best].header and units[i].header == units[best].header
            ]
            following = list(range(best + 1, min(best + 5, len(units))))
            successor = next(
                (
                    i
                    for i in same_table + following
                    if i != best and not units[i].caption and NEW.search(units[i].text)
                ),
                None,
            )
            if successor is not None:
                return _shown(units, sorted([best, successor]), holds, absence)
    total = sum(wanted.values()) or 1.0
    if (
        best + 1 < len(units)
        and units[best + 1].line == units[best].line
        and units[best + 1].text.rstrip().endswith("?")
        and not units[best].text.rstrip().endswith("?")
        and not units[best].header
    ):
        # The situation a question the guidance asks itself tells before its "?" ("B4. Older pages say the form goes
        # to the Programme. Which is right?") is part of that question: what follows answers it.
        best += 1
    if units[best].text.rstrip().endswith("?"):
        # A question the guidance asks itself (an FAQ) is answered by what follows it.
        after = next((i for i in range(best + 1, len(units)) if not units[i].caption), None)
        if after is not None and after - best <= 2:
            lead = best + 1
            best = after
            holds = kind is None or has_answer_type(units[best].text, kind, lowercase_words, years)
            if lead < after and units[lead].line == units[after].line and not introduces(units[lead]):
                # The answer's short lead ("No.", "Yes, once.") is its first word: shown with it.
                return _shown(units, [lead, after], holds, absence)
    elif (
        nearby is None
        and units[best].caption
        and not units[best].text.startswith(("|", "#"))
        and not units[best].text.rstrip().endswith(":")
        and best + 1 < len(units)
        and units[best + 1].line == units[best].line
        and not units[best + 1].caption
    ):
        # A line's short label ("Verifying company details.") names what the sentence after it says; a short
        # statement read as a label ("There is no applicant fee.") is shown too.
        holds = holds or has_answer_type(units[best + 1].text, kind, lowercase_words, years)
        return _shown(units, [best, best + 1], holds, absence)
    chosen = [best]
    if wants_list:
        # A question asking for several things ("What are the four annexes?") is answered by a list or a table:
        # the one the best unit belongs to, else the one matching the question best as a whole.
        blocks: dict[int, list[int]] = {}
        for i, unit in enumerate(units):
            if unit.block >= 0:
                blocks.setdefault(unit.block, []).append(i)
        members = blocks.get(units[best].block) if units[best].block >= 0 else None
        lead = best + 1
        if (
            members is None
            and lead + 1 < len(units)
            and units[lead].line == units[best].line
            and units[lead].text.rstrip().endswith(":")
            and units[lead + 1].block >= 0
        ):
            # The best sentence ends with a short lead into a list ("... is used to confirm that testing is
            # finished. It:"): the sentence, its lead and the list.
            listed = blocks[units[lead + 1].block][:MAX_LISTED]
            picked = tuple(units[i] for i in [best, lead, *listed])
            return Highlight("\n".join(u.text for u in picked), picked, holds, _lead_in(units, best), absence)
        if members is None and blocks:
            strongest = max(blocks.values(), key=lambda m: sum(plain[i] for i in m))
            if sum(plain[i] for i in strongest) >= plain[best]:
                members = strongest
        if members and len(members) > 1:
            at = members.index(best) if best in members else 0
            start = max(0, min(at - MAX_LISTED // 2, len(members) - MAX_LISTED))
            picked = tuple(units[i] for i in members[start : start + MAX_LISTED])
            return Highlight(
                "\n".join(u.text for u in picked), picked, holds, _lead_in(units, members[0]), absence
            )
    if units[best].text.rstrip().endswith(":"):
        # A line introducing a list or table: the answer is what it introduces.
        following = [i for i in range(best + 1, min(best + 1 + MAX_LISTED, len(units)))]
        if following and units[following[0]].block >= 0:
            # The list or table it introduces, not what follows it.
            following = [i for i in following if units[i].block == units[following[0]].block]
        chosen += [i for i in following if not units[i].caption or units[i].header]
        picked = tuple(units[i] for i in chosen)
        return Highlight(
            "\n".join(u.text for u in picked), picked, holds, _lead_in(units, chosen[0]), absence
        )
    if nearby is not None:
        # The best unit and the value after (or before) it, with anything between them.
        return _shown(units, list(range(min(best, nearby), max(best, nearby) + 1)), holds, absence)
    covered = {t for t in wanted if t in present[best]}
    neighbours = [i for i in (best + 1, best - 1) if 0 <= i < len(units) and not units[i].caption]
    gains = {i: sum(w for t, w in wanted.items() if t in present[i] and t not in covered) for i in neighbours}
    if gains:
        extra = max(gains, key=lambda i: gains[i])
        if gains[extra] / total >= NEIGHBOUR_SHARE:
            chosen = sorted([best, extra])
    if len(chosen) == 1:
        # A neighbour matching the question nearly as well: the answer is often in the second of the two.
        near = [i for i in neighbours if plain[i] > 0 and plain[i] >= RUNNER_UP * plain[best]]
        if near:
            chosen = sorted([best, max(near, key=lambda i: (plain[i], -i))])
    # A line's short label ("There is no applicant fee.") is shown with the sentence after it: it names what that
    # sentence says, and is often the answer itself.
    if chosen[0] > 0 and labels(units[chosen[0] - 1], units[chosen[0]]):
        chosen.insert(0, chosen[0] - 1)
    # A sentence that refers back ("It replaced...", "Both mean the same document.") is read with the sentence it
    # refers to: the answer often sits in one of the two.
    first, last = chosen[0], chosen[-1]
    if refers_back(units[first]) and first > 0 and continues(units[first - 1], units[first]):
        chosen.insert(0, first - 1)
    elif last + 1 < len(units) and refers_back(units[last + 1]) and continues(units[last], units[last + 1]):
        chosen.append(last + 1)
    return _shown(units, chosen, holds, absence)


def defines_term(text: str, term: str) -> bool:
    """Whether ``text`` says what ``term`` is: "..., known as Kestrel", "Kestrel is the ...", "Migration Planning
    and Management Tool (MPMT)", or an entry for it (a table row or line opening with it)."""
    name = re.escape(term)
    return bool(
        re.search(rf"\b(?:known as|called|stands? for|short for)\s+(?:the\s+)?{name}\b", text, re.IGNORECASE)
        or re.match(
            rf"^[-*•\s]*(?:the\s+)?{name}\s+(?:is|are|was|were|means?|refers? to)\b", text, re.IGNORECASE
        )
        or re.search(rf"[A-Z][\w-]*(?:\s+[\w&-]+){{0,8}}\s+\({name}\)", text)
        or term.lower() in entry_names(text)
    )


def _shown(units: list[Unit], chosen: list[int], holds: bool, absence: bool) -> Highlight:
    """The highlight of the ``chosen`` units (in order): table rows one to a line, sentences run together."""
    picked = tuple(units[i] for i in chosen)
    joiner = "\n" if any(u.header for u in picked) else " "
    return Highlight(joiner.join(u.text for u in picked), picked, holds, _lead_in(units, chosen[0]), absence)


def _lead_in(units: list[Unit], first: int) -> str:
    """The captions (a question the guidance asks itself, a list item's lead, a line ending in ":") right before
    ``first``: what its answer is about ("Is M15 still October 2026? That date comes from...")."""
    lead = []
    i = first - 1
    while i >= 0 and first - i <= 2 and units[i].caption and not units[i].header:
        lead.insert(0, units[i].text)
        i -= 1
    if lead and lead[0].rstrip().endswith("?"):
        # The situation the question tells before it, on its line ("B4. Older pages say X. Which is right?").
        asked = i + 1
        while i >= 0 and asked - i <= 2 and units[i].line == units[asked].line and not units[i].header:
            lead.insert(0, units[i].text)
            i -= 1
    if not lead and first > 0 and units[first - 1].line != units[first].line and not units[first - 1].header:
        # A question line with more after its "?" ("When did M8 happen? I have seen 7 March 2025.") is what the line
        # after it answers, all of it.
        line = [u for u in units if u.line == units[first - 1].line]
        if any(u.text.rstrip().endswith("?") for u in line):
            lead = [u.text for u in line]
    elif not lead and first > 0:
        # The same with the answer run on after the question in one paragraph ("E1. When did M8 happen? I have seen
        # 7 March 2025. The Code Artefacts went live on ..."): the question, its number and what follows it.
        line = units[first].line
        asked = next(
            (
                i
                for i in range(first - 1, max(first - 3, -1), -1)
                if units[i].line == line and not units[i].header and units[i].text.rstrip().endswith("?")
            ),
            None,
        )
        if asked is not None:
            start = asked
            while (
                start > 0 and asked - start < 2 and units[start - 1].line == line and units[start - 1].caption
            ):
                start -= 1
            lead = [u.text for u in units[start:first]]
    return " ".join(lead)


def _match(term: str, present: set[str]) -> float:
    """1 for the term itself; PARTIAL for another form of it ("signatur" and "sign", "approv" and "approval")."""
    if term in present:
        return 1.0
    if len(term) >= PREFIX and any(
        len(other) >= PREFIX and (other.startswith(term) or term.startswith(other)) for other in present
    ):
        return PARTIAL
    return 0.0


def _terms(unit: Unit) -> set[str]:
    return {meaning_of(t) for t in lexical_terms(unit.text, expand=True)}
