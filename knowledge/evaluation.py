"""Retrieval and answering quality on a file of questions (``mhhs-bot eval``).

Each line of the file is a JSON object: ``q`` (the question) and either ``answer_contains`` (strings a correct
passage contains) or ``unanswerable: true``. A question is found at k when one of the top k passages contains every
``answer_contains`` string.

``first_has_words`` is a diagnostic, not a target: the share of answerable questions whose first passage holds every
content word of each ``answer_contains`` string, in any order. Guidance often states one fact in two places in other
words ("One to two weeks per participant" in the FAQ, "Between one and two weeks per participant" in a note); where
the strings come from the other place, recall@1 counts a first passage stating the fact as a miss, and this figure
tells such misses apart from passages on something else. Every word of a string present somewhere in a passage does
not prove it says the same thing, so read the misses it names.

``headline`` is what a reader sees first: the share of answerable questions that are answered (not declined) with
highlighted sentences containing at least one ``answer_contains`` string; ``headline_all`` needs every one of them.
"""

from __future__ import annotations

import json
from pathlib import Path

from knowledge.errors import QuestionFileError
from knowledge.terms import lexical_terms


def load_questions(path: Path) -> list[dict]:
    questions = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionFileError(f"{path}, line {number}: not JSON ({exc.msg})") from None
        if not isinstance(item, dict) or not isinstance(item.get("q"), str):
            raise QuestionFileError(f'{path}, line {number}: expected an object with a "q" question')
        if not item.get("unanswerable") and not item.get("answer_contains"):
            raise QuestionFileError(f"{path}, line {number}: needs answer_contains, or unanswerable: true")
        questions.append(item)
    if not questions:
        raise QuestionFileError(f"{path}: no questions")
    return questions


def _found_rank(passages: list[str], needles: list[str]) -> int | None:
    for rank, text in enumerate(passages, start=1):
        if all(needle in text for needle in needles):
            return rank
    return None


def has_answer_words(passage: str, needles: list[str]) -> bool:
    """Whether ``passage`` holds every content word (stemmed) of each of ``needles``, in any order."""
    present = set(lexical_terms(passage, expand=False))
    return all(set(lexical_terms(needle, expand=False)) <= present for needle in needles)


def headline_holds(answer, needles: list[str]) -> tuple[bool, bool]:
    """(any, all): whether the answer's highlighted sentences contain one, and every, of ``needles``.

    A declined answer has no headline.
    """
    if not answer.answered or not answer.sources:
        return False, False
    highlight = answer.sources[0].highlight or ""
    present = [needle in highlight for needle in needles]
    return any(present), all(present)


def evaluate_mode(kb, questions: list[dict], cutoffs: list[int], mode: str) -> dict:
    depth = max(max(cutoffs), 10)
    answerable = [q for q in questions if not q.get("unanswerable")]
    unanswerable = [q for q in questions if q.get("unanswerable")]
    found_at = {k: 0 for k in cutoffs}
    reciprocal = 0.0
    wrongly_declined = 0
    declined = 0
    headline = headline_all = 0
    first_has_words = 0
    misses = []
    for item in questions:
        answer = kb.ask(item["q"], k=depth, mode=mode)
        if item.get("unanswerable"):
            declined += 0 if answer.answered else 1
            if answer.answered:
                misses.append(f"answered an unanswerable question: {item['q']}")
            continue
        if not answer.answered:
            wrongly_declined += 1
            misses.append(f"declined ({answer.confidence:.2f}): {item['q']}")
        some, every = headline_holds(answer, item["answer_contains"])
        headline += some
        headline_all += every
        if answer.answered and not some:
            misses.append(f"headline misses the answer: {item['q']}")
        rank = _found_rank([s.passage for s in answer.sources], item["answer_contains"])
        words = rank == 1 or (
            bool(answer.sources) and has_answer_words(answer.sources[0].passage, item["answer_contains"])
        )
        first_has_words += words
        where = " (the first passage has the answer's words)" if words else ""
        if rank is None:
            misses.append(f"not in top {depth}{where}: {item['q']}")
        elif rank > 1:
            misses.append(f"found at {rank}{where}: {item['q']}")
        for k in cutoffs:
            if rank is not None and rank <= k:
                found_at[k] += 1
        if rank is not None:
            reciprocal += 1.0 / rank
    n = max(len(answerable), 1)
    return {
        "recall": {str(k): round(found_at[k] / n, 4) for k in cutoffs},
        "mrr": round(reciprocal / n, 4),
        "first_has_words": round(first_has_words / n, 4),
        "headline": round(headline / n, 4),
        "headline_all": round(headline_all / n, 4),
        "unanswerable_declined": round(declined / len(unanswerable), 4) if unanswerable else 0.0,
        "answerable_declined": round(wrongly_declined / n, 4),
        "misses": misses,
    }


def evaluate(kb, questions: list[dict], cutoffs: list[int], baselines: bool = False) -> dict:
    answerable = sum(1 for q in questions if not q.get("unanswerable"))
    report = {
        "questions": len(questions),
        "answerable": answerable,
        **evaluate_mode(kb, questions, cutoffs, "hybrid"),
    }
    if baselines:
        report["baselines"] = {}
        for mode in ("lexical", "dense"):
            figures = evaluate_mode(kb, questions, cutoffs, mode)
            figures.pop("misses")
            report["baselines"][mode] = figures
    return report
