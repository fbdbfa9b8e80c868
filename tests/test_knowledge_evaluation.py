"""The eval figures on answers whose passages and highlighted sentences are known (no model, no index)."""

from __future__ import annotations

from knowledge.answer import Answer, Source
from knowledge.evaluation import evaluate, headline_holds


def _source(passage: str, highlight: str | None) -> Source:
    return Source("doc.md", "Doc", "Section", passage, 0.5, highlight=highlight)


class FakeKnowledgeBase:
    """Answers each question with the Answer given for it, whatever the mode."""

    def __init__(self, answers: dict[str, Answer]):
        self.answers = answers

    def ask(self, question: str, k: int = 5, mode: str = "hybrid") -> Answer:
        return self.answers[question]


PASSAGE = "The final QAD is signed by a Company Director. It is sent to the Code Bodies by email."


def test_headline_counts_answered_questions_whose_highlight_holds_the_answer():
    answers = {
        # highlight holds both strings: counts for headline and headline_all
        "q1": Answer("q1", True, 0.9, "", [_source(PASSAGE, PASSAGE)]),
        # highlight holds one of the two strings: headline only
        "q2": Answer(
            "q2", True, 0.9, "", [_source(PASSAGE, "The final QAD is signed by a Company Director.")]
        ),
        # right passage, wrong sentence highlighted: neither
        "q3": Answer("q3", True, 0.9, "", [_source(PASSAGE, "It is sent to the Code Bodies by email.")]),
        # declined although the passage holds the answer: neither
        "q4": Answer("q4", False, 0.1, "", [_source(PASSAGE, PASSAGE)]),
        "q5": Answer("q5", False, 0.1, "", []),
    }
    questions = [
        {"q": "q1", "answer_contains": ["Company Director", "Code Bodies"]},
        {"q": "q2", "answer_contains": ["Company Director", "Code Bodies"]},
        {"q": "q3", "answer_contains": ["Company Director"]},
        {"q": "q4", "answer_contains": ["Company Director"]},
        {"q": "q5", "unanswerable": True},
    ]
    report = evaluate(FakeKnowledgeBase(answers), questions, [1, 3], baselines=True)
    assert report["headline"] == 0.5  # q1 and q2 of four answerable
    assert report["headline_all"] == 0.25  # q1 only
    assert report["recall"] == {"1": 1.0, "3": 1.0}
    assert report["answerable_declined"] == 0.25
    assert report["unanswerable_declined"] == 1.0
    assert "headline misses the answer: q3" in report["misses"]
    assert report["baselines"]["dense"]["headline"] == 0.5


def test_headline_holds_is_false_for_declined_answers_and_missing_highlights():
    assert headline_holds(Answer("q", False, 0.0, "", [_source(PASSAGE, PASSAGE)]), ["QAD"]) == (False, False)
    assert headline_holds(Answer("q", True, 0.9, "", [_source(PASSAGE, None)]), ["QAD"]) == (False, False)
    assert headline_holds(Answer("q", True, 0.9, "", [_source(PASSAGE, "the QAD")]), ["QAD", "x"]) == (
        True,
        False,
    )


def test_first_has_words_tells_the_same_fact_in_other_words_apart_from_another_subject():
    faq = "How long does Service Activation take? One to two weeks per participant."
    note = "Service Activation takes between one and two weeks per participant."
    other = "Service Activation is arranged with Elexon."
    needles = ["between one and two weeks per participant"]
    answers = {
        # the labelled passage first
        "q1": Answer("q1", True, 0.9, "", [_source(note, note), _source(faq, faq)]),
        # the same fact in the FAQ's words first, the labelled passage second
        "q2": Answer("q2", True, 0.9, "", [_source(faq, faq), _source(note, note)]),
        # a passage on something else first
        "q3": Answer("q3", True, 0.9, "", [_source(other, other), _source(note, note)]),
    }
    questions = [{"q": q, "answer_contains": needles} for q in answers]
    report = evaluate(FakeKnowledgeBase(answers), questions, [1])
    assert report["recall"]["1"] == round(1 / 3, 4)
    assert report["first_has_words"] == round(2 / 3, 4)
    assert "found at 2 (the first passage has the answer's words): q2" in report["misses"]
    assert "found at 2: q3" in report["misses"]
