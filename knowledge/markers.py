"""What a question asks for beyond its words, and the units of a passage saying it in words of their own.

"What's the cut-off for comments?" asks for a deadline, met by "Deadline for feedback" or "closes at 17:00 on ...";
"do we have to pay anything?" by "There is no applicant fee"; "who is on the PAB?" by "The PAB is made up of ...". Each
such thing asked for becomes a marker: a term of the question's (at the weight of its rarest word) that the units
saying it hold, whatever their words (see knowledge.highlight).
"""

from __future__ import annotations

import re

from knowledge.checks import MONEY
from knowledge.reading import MEMBERSHIP
from knowledge.units import DEADLINE, Unit, labels

# Words saying that something comes before or after an event: "SIT could not begin until ...", "once approved".
_RELATION_WORDS = {
    "before": re.compile(r"\b(?:before|until|prior to|ahead of)\b", re.IGNORECASE),
    "after": re.compile(r"\b(?:after|once|following|afterwards)\b", re.IGNORECASE),
}
# A unit saying that none did or is something: "No participant sent feedback or comments".
NONE = re.compile(r"\b(?:no|none|nobody|no one|nothing|neither|not any)\b", re.IGNORECASE)


# Labels naming people, which say who as a label opening "Who" does ("Users: Suppliers, LDSOs, ...").
_PEOPLE = r"(?:users?|members?|chair(?:ed by)?|attendees?|audience|owners?|contacts?|signator(?:y|ies))"


def _opened_by(word: str) -> re.Pattern[str]:
    """A line's label opening with ``word`` ("Who runs it: ...", "When you submit it. ...")."""
    opening = f"(?:{word}|{_PEOPLE})" if word == "who" else word
    return re.compile(rf"^\W*{opening}\b[^.:?]{{0,40}}[.:]", re.IGNORECASE)


def _naming_both(terms: tuple[str, str]) -> re.Pattern[str]:
    """A unit naming both terms as written ("... as 'QAP'; Programme pages use 'QA&P'.")."""
    return re.compile(
        "".join(rf"(?=.*(?<![\w&]){re.escape(t)}(?![\w&]))" for t in terms), re.IGNORECASE | re.DOTALL
    )


def mark_asked(
    units: list[Unit],
    present: list[set[str]],
    wanted: dict[str, float],
    relation: str | None = None,
    compared: tuple[str, str] | None = None,
    any_asked: bool = False,
    deadline: bool = False,
    money: bool = False,
    membership: bool = False,
    opening: str | None = None,
) -> None:
    """Add to ``wanted`` (the question's terms and weights) a marker for each thing asked for, and to ``present[i]``
    (unit i's terms) the markers unit i says.

    ``relation``: "before" or "after" an event; the word counts like a question word of middling rarity, though the
    index drops it. The others count like the question's rarest word: two terms asked to be told apart (``compared``),
    whether anyone did something (``any_asked``), a deadline, a charge (``money``), a body's members (``membership``)
    and the word the question opens with (``opening``: "who", "when", "where", "why"), said by a line's label opening
    with it. A label's marker is held by the sentence it labels too ("- Who presents. Your application is presented
    to the PAB by ...").
    """
    if not wanted:
        return
    if relation:
        marker = f"~{relation}"
        wanted[marker] = sorted(wanted.values())[len(wanted) // 2]
        for i, unit in enumerate(units):
            if _RELATION_WORDS[relation].search(unit.text):
                present[i] = present[i] | {marker}
    asked = [
        ("~compared", _naming_both(compared) if compared else None),
        ("~none", NONE if any_asked else None),
        ("~deadline", DEADLINE if deadline else None),
        ("~money", MONEY if money else None),
        ("~members", MEMBERSHIP if membership else None),
        # Who is on a body asks for its members, not for whatever a line opening "Who" says.
        ("~opening", _opened_by(opening) if opening and not membership else None),
    ]
    for marker, says in asked:
        if says is None:
            continue
        wanted[marker] = max(wanted.values())
        for i, unit in enumerate(units):
            if says.search(unit.text):
                present[i] = present[i] | {marker}
                if i + 1 < len(units) and labels(unit, units[i + 1]):
                    present[i + 1] = present[i + 1] | {marker}
