"""A passage read as units: the sentences of its paragraphs and list items (a clause ending in ";" joined to the
next, a sentence never ending inside brackets) and the rows of its tables (each read with its table's header row),
with what the highlight asks of a unit (knowledge.highlight): whether it is a line's label or lead into a list,
refers back to the one before, or says a reason, a deadline, how things stand now or an earlier name."""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.chunk import split_sentences

LABEL_WORDS = 5  # a first sentence this short, with more after it on its line, is the line's label


@dataclass(frozen=True)
class Unit:
    text: str  # as written in the passage (a table row keeps its "|" cells)
    header: str | None = None  # the header row of the table a row belongs to
    caption: bool = False  # a table header row, or a line that introduces what follows
    line: int = 0  # the number of the line (paragraph, list item or row) the unit belongs to
    block: int = -1  # list items and table rows in a run share a number; -1 for other units


# A list item's mark: a bullet or a number ("- ", "2. ", "3) ").
ITEM_MARK = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


def units_of(text: str) -> list[Unit]:
    units: list[Unit] = []
    header: str | None = None
    previous_table = False
    block, previous_kind = 0, None
    for number, line in enumerate(text.split("\n")):
        kind = "row" if line.startswith("|") else "item" if ITEM_MARK.match(line) else None
        if kind != previous_kind:
            block += 1
        previous_kind = kind
        if line.startswith("|"):
            if not previous_table:
                header = line
                units.append(Unit(line, None, caption=True, line=number))
            elif set(line.replace("|", "").strip()) <= set("-: "):
                pass  # the Markdown separator row
            else:
                units.append(Unit(line, header, line=number, block=block))
            previous_table = True
            continue
        previous_table = False
        sentences = _sentences_of(line, kind == "item")
        for position, sentence in enumerate(sentences):
            stripped = sentence.strip()
            # A list item's short lead ("- Membership.", "Verifying company details.") names the subject of the
            # sentences after it without stating anything.
            label = (
                position == 0
                and len(sentences) > 1
                and len(stripped.lstrip("-*0123456789. ").split()) <= LABEL_WORDS
            )
            caption = label or stripped.endswith((":", "?")) or stripped.startswith("#")
            in_block = block if kind == "item" and len(sentences) == 1 else -1
            units.append(Unit(sentence, None, caption=caption, line=number, block=in_block))
    return units or [Unit(text)]


def _sentences_of(line: str, item: bool) -> list[str]:
    """The sentences of a line; a numbered list item's number stays with its first sentence ("1. PIT entry" is one
    sentence, not "1." and "PIT entry")."""
    mark = ITEM_MARK.match(line) if item else None
    if mark is None:
        return _clauses_joined(_brackets_closed(split_sentences(line)))
    sentences = _clauses_joined(_brackets_closed(split_sentences(line[mark.end() :])))
    if not sentences:
        return [line]
    return [mark.group(0) + sentences[0], *sentences[1:]]


def _brackets_closed(sentences: list[str]) -> list[str]:
    """Sentences that do not end inside brackets: "Who can lose Qualification this way (Qualified Persons, i.e.
    Party Agents):" is one, not two split after "i.e."."""
    out: list[str] = []
    for sentence in sentences:
        if out and out[-1].count("(") > out[-1].count(")"):
            out[-1] = f"{out[-1]} {sentence}"
        else:
            out.append(sentence)
    return out


def _clauses_joined(sentences: list[str]) -> list[str]:
    """A line's sentences with clauses ending in ";" joined to what follows: "Removal of Qualification applies to
    Party Agents; BSC Parties are dealt with under Breach and Default." is one sentence, not a list."""
    joined: list[str] = []
    for sentence in sentences:
        if joined and joined[-1].rstrip().endswith(";"):
            joined[-1] = f"{joined[-1]} {sentence}"
        else:
            joined.append(sentence)
    return joined


_BACK = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:it|its|they|them|their|this|that|these|those|both|such|either|neither)\b",
    re.IGNORECASE,
)


REASON = re.compile(
    r"\b(?:because|since|so that|in order to|due to|as a result|reasons?|purpose|aim(?:ed)? (?:is|was|at)|"
    r"to (?:reflect|ensure|allow|enable|help|support|avoid|stop|prevent|keep|reduce|give|provide|align|make))\b",
    re.IGNORECASE,
)


CURRENT_STATE = re.compile(
    r"\b(?:current|currently|now|no longer|any ?more|ceased|replaced|retired|superseded|is over|has ended|"
    r"latest|later|dropped|abandoned|withdrawn|not (?:carried|taken) forward)\b",
    re.IGNORECASE,
)


DEADLINE = re.compile(
    r"\b(?:deadlines?|closes|closed|closing|due|no later than|cut-?off|(?:submitted|returned|sent|received) by)\b",
    re.IGNORECASE,
)
# What names the new thing: "| New (current) | M10 Ready ... |", "has been replaced by the SAWG", "Use the new labels".
NEW = re.compile(
    r"\b(?:new|current|currently|now|instead|replaced by|renamed|took over|takes over|successor|use)\b",
    re.IGNORECASE,
)
FORMER = re.compile(
    r"\b(?:previously|formerly|used to be|renamed|old name|former|originally|(?:was|were) (?:called|named|known as))\b",
    re.IGNORECASE,
)


def labels(label: Unit, unit: Unit) -> bool:
    """Whether ``label`` is the short label of ``unit``'s line (see units_of), not a heading, question or lead-in."""
    text = label.text.rstrip()
    return (
        label.caption
        and not label.header
        and label.line == unit.line
        and not text.startswith(("|", "#"))
        and not text.endswith((":", "?"))
    )


def states(unit: Unit) -> bool:
    """Whether a caption is a short statement (a line's lead ending in a full stop), not a heading, a question, a
    table's header row or a lead ending in ":"."""
    return unit.text.rstrip().endswith(".") and not unit.text.lstrip().startswith(("#", "|"))


def introduces(unit: Unit) -> bool:
    """Whether ``unit`` is a line introducing what follows ("The documents were approved on 28 August 2024:")."""
    return unit.text.rstrip().endswith(":") and not unit.text.startswith("|")


def refers_back(unit: Unit) -> bool:
    """Whether a sentence leans on the one before it: a pronoun or demonstrative among its first words."""
    return bool(_BACK.match(unit.text))


def continues(unit: Unit, following: Unit) -> bool:
    """Whether ``following`` goes on from ``unit``: sentences of one paragraph or list item, neither a question,
    heading or label."""
    return unit.line == following.line and not unit.caption and not following.caption and not unit.header
