"""The knowledge-gap report: questions the guidance did not cover, and answers people marked 👎, grouped by similar
question so the team can answer each group once.

:func:`gap_questions` reads them from the Slack records (leaving out those the team has answered since);
:func:`group_gaps` groups them with an embedding function (the knowledge base's model: texts in, unit vectors out),
so similar wording of one question lands in one group. Each group carries its count, a few examples, the passage
its answers cited most (the nearest the guidance came) with that passage's votes, and how many were declined or
voted down. :func:`mark_answered` records that a team answer covers a group's questions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import sqlite_utils

Embed = Callable[[list[str]], np.ndarray]
"""Texts in, one unit-length vector per text out (``KnowledgeBase.embedder.encode``)."""

SIMILAR = 0.7  # cosine similarity at which two questions are taken as the same question (all-MiniLM-L6-v2)
EXAMPLES = 3


@dataclass(frozen=True)
class GapQuestion:
    id: str
    question: str
    asked_at: str
    declined: bool
    downvotes: int
    nearest: dict[str, Any] | None  # the first passage shown with the answer (cited, or "possibly related")


@dataclass
class GapGroup:
    group: str  # the question that stands for the group (its most asked wording)
    count: int
    examples: list[str]
    nearest: dict[str, Any] | None  # document, title, section, up, down
    declined: int
    downvotes: int
    question_ids: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """A stable reference to the group: its first question's id."""
        return self.question_ids[0]

    def as_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "count": self.count,
            "examples": self.examples,
            "nearest": self.nearest,
            "declined": self.declined,
            "downvotes": self.downvotes,
        }


def gap_questions(db: sqlite_utils.Database, since: date | None = None) -> list[GapQuestion]:
    """Declined questions and 👎 answers, oldest first, without those a team answer now covers."""
    rows = db.execute(
        """SELECT q.id, q.question, q.asked_at, q.answered, q.sources,
                  (SELECT COUNT(*) FROM slack_feedback f WHERE f.question_id = q.id AND f.vote = -1) AS down
           FROM slack_questions q
           WHERE q.asked_at >= :since
             AND (q.answered = 0 OR EXISTS (
                    SELECT 1 FROM slack_feedback f WHERE f.question_id = q.id AND f.vote = -1))
             AND NOT EXISTS (
                    SELECT 1 FROM slack_gap_answers g JOIN slack_team_answers t ON t.id = g.team_answer_id
                    WHERE g.question_id = q.id AND t.retracted_at IS NULL)
             AND NOT EXISTS (
                    SELECT 1 FROM slack_escalations e JOIN slack_team_answers t ON t.escalation_id = e.id
                    WHERE e.question_id = q.id AND t.retracted_at IS NULL)
           ORDER BY q.asked_at, q.rowid""",
        {"since": since.isoformat() if since else ""},
    ).fetchall()
    found = []
    for qid, question, asked_at, answered, sources, down in rows:
        if not question.strip():
            continue
        first = (json.loads(sources) if sources else None) or [None]
        found.append(
            GapQuestion(qid, question.strip(), asked_at, not answered, int(down), _passage(first[0]))
        )
    return found


def _passage(source: dict[str, Any] | None) -> dict[str, Any] | None:
    if not source:
        return None
    return {key: source.get(key) for key in ("document", "title", "section")}


def passage_votes(db: sqlite_utils.Database) -> dict[tuple[str, str], tuple[int, int]]:
    """(document, section) of the first passage shown with an answer → (👍, 👎) votes on those answers."""
    votes: dict[tuple[str, str], list[int]] = {}
    for sources, vote in db.execute(
        "SELECT q.sources, f.vote FROM slack_feedback f JOIN slack_questions q ON q.id = f.question_id"
    ).fetchall():
        first = (json.loads(sources) if sources else None) or [None]
        if not first[0]:
            continue
        tally = votes.setdefault((first[0].get("document"), first[0].get("section")), [0, 0])
        tally[0 if vote > 0 else 1] += 1
    return {key: (up, down) for key, (up, down) in votes.items()}


def group_gaps(
    questions: Sequence[GapQuestion],
    embed: Embed,
    votes: dict[tuple[str, str], tuple[int, int]] | None = None,
    similar: float = SIMILAR,
) -> list[GapGroup]:
    """Group similar questions (each joins the group whose mean vector is nearest, when at least ``similar``);
    largest groups first."""
    if not questions:
        return []
    vectors = np.asarray(embed([q.question for q in questions]), dtype=np.float32)
    members: list[list[int]] = []
    sums: list[np.ndarray] = []
    for i, vector in enumerate(vectors):
        best, best_score = None, similar
        for g, total in enumerate(sums):
            centre = total / (np.linalg.norm(total) or 1.0)
            score = float(centre @ vector)
            if score >= best_score:
                best, best_score = g, score
        if best is None:
            members.append([i])
            sums.append(vector.copy())
        else:
            members[best].append(i)
            sums[best] += vector
    groups = [_group([questions[i] for i in indexes], votes or {}) for indexes in members]
    return sorted(groups, key=lambda g: (-g.count, -g.downvotes, g.question_ids[0]))


def _group(items: list[GapQuestion], votes: dict[tuple[str, str], tuple[int, int]]) -> GapGroup:
    wordings = Counter(item.question for item in items)
    examples = [text for text, _ in wordings.most_common(EXAMPLES)]
    passages = Counter(
        (item.nearest["document"], item.nearest["section"]) for item in items if item.nearest is not None
    )
    nearest = None
    if passages:
        document, section = passages.most_common(1)[0][0]
        shown = next(i.nearest for i in items if i.nearest and i.nearest["document"] == document)
        up, down = votes.get((document, section), (0, 0))
        nearest = {**shown, "section": section, "up": up, "down": down}
    return GapGroup(
        group=examples[0],
        count=len(items),
        examples=examples,
        nearest=nearest,
        declined=sum(1 for item in items if item.declined),
        downvotes=sum(item.downvotes for item in items),
        question_ids=[item.id for item in items],
    )


def knowledge_gaps(db: sqlite_utils.Database, embed: Embed, since: date | None = None) -> list[GapGroup]:
    """The whole report: :func:`gap_questions` grouped by :func:`group_gaps`."""
    return group_gaps(gap_questions(db, since), embed, passage_votes(db))


def mark_answered(db: sqlite_utils.Database, question_ids: Sequence[str], team_answer_id: str) -> None:
    """Record that the team answer covers these questions: they leave the report."""
    with db.conn:
        db.conn.executemany(
            "INSERT OR REPLACE INTO slack_gap_answers (question_id, team_answer_id) VALUES (?, ?)",
            [(qid, team_answer_id) for qid in question_ids],
        )
