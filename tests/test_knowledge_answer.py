"""Answers from the knowledge base: quoted and cited, declined when not covered, safe on bad questions."""

from __future__ import annotations

import datetime
import io
import json
import threading

import pytest

from handlers.cli.knowledge import run_chat
from knowledge.answer import (
    MAX_QUESTION_CHARS,
    compose_answer,
    has_answer_type,
    is_absence_statement,
    names_another,
    question_problem,
    unknown_subject_terms,
    wanted_answer_type,
)
from knowledge.search import Hit, SearchIndex
from knowledge.store import Passage

ENQUIRIES = "MHHSQualification@elexon.co.uk"


def test_an_answer_quotes_the_passage_marks_the_sentence_and_cites_the_document(knowledge_base):
    answer = knowledge_base.ask("Who signs off the QAD once its content is complete?")
    assert answer.answered
    assert 0 < answer.confidence <= 1
    top = answer.sources[0]
    assert "signed off by a Company Director" in top.highlight
    assert f"**{top.highlight}**" in answer.answer
    assert top.title == "The Qualification Assessment Document (QAD) - submissions, sign-off and versions"
    assert top.section == "3. Sign-off"
    assert (top.version, top.updated, top.document) == ("1.0", "2026-02-02", "06_qad-guide.md")
    assert "version 1.0, updated 2026-02-02" in answer.answer
    assert top.score == answer.confidence
    assert len({(s.document, s.chunk_id) for s in answer.sources}) == len(answer.sources)


def test_the_json_shape_the_command_line_prints(knowledge_base):
    data = knowledge_base.ask("Which email addresses do we send our placing reliance proposal to?").to_dict()
    assert set(data) == {"answered", "confidence", "answer", "sources"}
    assert data["answered"] is True
    first = data["sources"][0]
    assert {"document", "title", "section", "passage", "score"} <= set(first)
    assert "MHHSQualification@elexon.co.uk" in first["passage"]
    assert "performanceassurance@recmanager.co.uk" in first["passage"]
    json.dumps(data)


def test_a_passage_in_two_formats_is_shown_once_as_the_copy_with_richer_metadata(knowledge_base):
    answer = knowledge_base.ask("Reliance proposal email: what heading must it carry?")
    assert answer.answered
    texts = [(s.title, s.section) for s in answer.sources]
    assert len(texts) == len(set(texts))
    assert (
        answer.sources[0].document == "03_placing-reliance-and-pqs.md"
    )  # same date as the HTML; has a source


@pytest.mark.parametrize(
    "question",
    [
        "What email address do we send the DIP Onboarding Preparation Pro-Forma to?",
        "Which person is the chair of the Qualification Advisory Group?",
        "What is the capital of Peru and its population in 1850?",
        # other subjects dressed in the guidance's own words
        "What colour is the QAD template's logo?",
        "Can our PIT test environment be hosted in Azure's Dublin region?",
        "Is there parking at the Elexon office?",
    ],
)
def test_questions_the_guidance_does_not_answer_are_declined_with_where_to_ask(knowledge_base, question):
    answer = knowledge_base.ask(question)
    assert not answer.answered
    assert "does not cover" in answer.answer
    assert ENQUIRIES in answer.answer
    assert all(s.passage for s in answer.sources)  # the nearest passages, to show as possibly related


@pytest.mark.parametrize(
    "question, reason",
    [
        ("", "empty"),
        ("   \n\t ", "empty"),
        ("Who signs the QAD? " * 1100, "too long"),
        ("🙂🚀🎉", "no words"),
        ("¿Cuándo debo enviar el formulario de calificación previa?", "English"),
        ("Wann muss ich das Formular für die Vorqualifizierung schicken?", "English"),
        ("初始QAD什么时候提交？", "English"),
    ],
)
def test_bad_questions_get_a_clear_reply_not_an_error(knowledge_base, question, reason):
    answer = knowledge_base.ask(question)
    assert not answer.answered
    assert answer.sources == []
    assert reason in answer.answer


def test_question_checks_without_a_knowledge_base():
    assert question_problem("x" * (MAX_QUESTION_CHARS + 1)).startswith("That message is 2,001 characters")
    assert question_problem("What is the QAD?") is None
    assert question_problem("QAD?") is None


def test_answer_kinds_and_absence_statements():
    assert wanted_answer_type("When did the CIT stage of SIT begin?") == "date"
    assert wanted_answer_type("What email address do we use?") == "email"
    assert wanted_answer_type("How many working days ahead?") == "number"
    assert wanted_answer_type("Which person chairs it?") == "person"
    assert wanted_answer_type("Who manages QT?") is None
    # A value word inside a capitalised name names a document, not what is asked.
    assert wanted_answer_type("What does the Migration Thresholds document actually do?") is None
    assert wanted_answer_type("What is the maximum number of users?") == "number"
    assert wanted_answer_type("Maximum users on the DIP?") == "number"
    assert wanted_answer_type("What's the baselined date for M15?") == "date"
    assert wanted_answer_type("whats the go-live date") == "date"
    assert has_answer_type("It began on 30 October 2023.", "date")
    assert not has_answer_type("It began after M10.", "date")
    assert has_answer_type("Write to a@b.co.uk today", "email")
    assert has_answer_type("Between one and two weeks", "number")
    assert not has_answer_type("on any one day", "number")
    # "one of several" and "Half Hourly" count nothing
    assert not has_answer_type(
        "The PAWG is one of several groups for Market-wide Half Hourly Settlement.", "number"
    )
    assert has_answer_type("Half of the participants replied.", "number")
    assert has_answer_type("It is one of the two forms.", "number")
    assert not has_answer_type("- Slides 46 – 48: requesting a DCP status; Slide 18: GlobalSign", "number")
    # A time of day and a numbered part count nothing.
    assert not has_answer_type("The consultation closes at 17:00 on Wednesday 6 December 2023.", "number")
    assert not has_answer_type("SIT Functional Cycle 2 Test Scenarios", "number")
    assert has_answer_type("21 responses were received by 17:00.", "number")
    assert is_absence_statement("This pack does not reproduce the Appendix C timelines.")
    assert is_absence_statement("The dates of M11/M12 approval are not recorded here.")
    assert not is_absence_statement("The QAD must be signed by a Company Director.")


def test_a_follow_up_question_uses_the_earlier_question_to_find_passages(knowledge_base):
    alone = knowledge_base.search("And who signs it?", k=6)
    followed = knowledge_base.search("And who signs it?", k=6, context="Tell me about the final QAD")
    assert any("Company Director" in h.passage.text for h in followed[:3])
    # The earlier question's subject counts: QAD passages rise, with more confidence than the bare question gets.
    assert [h.passage.chunk_id for h in alone] != [h.passage.chunk_id for h in followed]
    assert followed[0].score > alone[0].score
    qad = {"06_qad-guide.md", "16_faq.md"}
    assert sum(h.passage.document_id in qad for h in followed) > sum(
        h.passage.document_id in qad for h in alone
    )


def test_team_answers_are_cited_at_once_and_never_after_retraction(knowledge_base):
    question = "Can our auditors attend the Kestrel onboarding workshop on behalf of the supplier?"
    reply = "Yes: auditors may attend the Kestrel onboarding workshop if the supplier names them in advance."
    knowledge_base.add_team_answer("T1", question, reply, "U123", datetime.date(2026, 3, 4))
    answer = knowledge_base.ask("May auditors attend the Kestrel onboarding workshop for a supplier?")
    assert answer.answered
    top = answer.sources[0]
    assert (top.kind, top.passage, top.updated) == ("team-answer", reply, "2026-03-04")
    assert top.source == "Answered by the qualification team on 2026-03-04"
    assert "Answered by the qualification team on 2026-03-04" in answer.answer
    knowledge_base.remove_team_answer("T1")
    after = knowledge_base.ask("May auditors attend the Kestrel onboarding workshop for a supplier?")
    assert all(s.kind != "team-answer" for s in after.sources)
    knowledge_base.remove_team_answer("T1")  # retracting twice is harmless


def test_questions_from_many_threads_at_once(knowledge_base):
    questions = ["Who signs the final QAD?", "Is the LDSO_QT mailbox still monitored?"] * 4
    results: list = [None] * len(questions)

    def ask(i: int) -> None:
        results[i] = knowledge_base.ask(questions[i])

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.sources[0].chunk_id for r in results[::2]] == [results[0].sources[0].chunk_id] * 4
    assert [r.sources[0].chunk_id for r in results[1::2]] == [results[1].sources[0].chunk_id] * 4


def test_console_chat_reads_questions_until_the_end_of_input(knowledge_base, capsys):
    run_chat(knowledge_base, io.StringIO("Who signs off the QAD once its content is complete?\n\n🙂\n"))
    out = capsys.readouterr().out
    assert "Company Director" in out
    assert "no words" in out
    assert out.rstrip().endswith("Goodbye.")


def test_subjects_the_guidance_never_mentions_are_recognised(knowledge_base):
    index = knowledge_base.search_index
    assert unknown_subject_terms("What colour is the QAD logo?", index) == ["colour", "logo"]
    # framing words, identifiers and other forms of the guidance's own words are not unknown subjects
    assert unknown_subject_terms("Roughly how often is the QAD v99 resubmitted?", index) == []
    assert unknown_subject_terms("When is the QAD due?", index) == []  # "due" asks when, about no subject
    assert unknown_subject_terms("QAD versus QA&P?", index) == []  # "versus" ("vs") frames a comparison
    assert (
        unknown_subject_terms("Can we do the QAD ourselves, everything?", index) == []
    )  # pronouns name nothing
    assert unknown_subject_terms("Who are the QAD testers?", index) == []
    # nor are contractions, written with either apostrophe
    assert unknown_subject_terms("Why can't the QAD be resubmitted, and isn\u2019t it signed?", index) == []
    # "seems" frames a question as "appears" does
    assert unknown_subject_terms("The QAD seems to have gone quiet", index) == ["gone", "quiet"]


def test_a_known_subject_in_unusual_words_is_still_answered(knowledge_base):
    answer = knowledge_base.ask("Does the final QAD need a Company Director's autograph?")
    assert answer.answered
    assert "Company Director" in answer.sources[0].highlight


def test_misspelt_and_shorthand_questions_are_read_as_meant(knowledge_base):
    index = knowledge_base.search_index
    assert index.normalise_question("who signs the finl QAD?") == "who signs the final QAD?"
    assert index.normalise_question("qualfication reprots") == "qualification reports"
    # a contraction written without its apostrophe is the contraction, not a misspelt word
    assert index.normalise_question("whats the point? we cant") == "what's the point? we can't"
    # words the guidance uses, short words and acronyms are left alone
    assert index.normalise_question("PIT and QT for LDSOs") == "PIT and QT for LDSOs"
    answer = knowledge_base.ask("who has to sign the finl QAD once its contnet is complete?")
    assert answer.answered and "Company Director" in answer.sources[0].highlight


def test_everyday_words_are_not_taken_for_misspellings_of_guidance_words(knowledge_base):
    index = knowledge_base.search_index
    assert {"rate", "fuel", "heard"} <= index.everyday_words  # the model's whole-word vocabulary
    assert "date" in index.vocabulary  # one edit from "rate"
    assert index.normalise_question("what pass rate do we need?") == "what pass rate do we need?"
    assert index.correct("rate") is None
    # Without the everyday words, "rate" would be read as "date": a question about something else.
    bare = SearchIndex(index.passages, index.vectors, index.lexical_index)
    assert bare.normalise_question("what pass rate do we need?") == "what pass date do we need?"
    # Misspellings are still corrected: to the guidance's word, unless an everyday word is nearer.
    assert index.normalise_question("qualfication reprots") == "qualification reports"
    assert index.normalise_question("the PQS form or somthing else?") == "the PQS form or something else?"


def test_a_question_about_an_identifier_the_guidance_never_names_is_declined(knowledge_base):
    answer = knowledge_base.ask("Who signs the final QAD v9.4?")
    assert not answer.answered
    assert answer.sources  # the nearest passages, as possibly related
    assert answer.evidence["ids_missing_sentence"] == 1.0


def test_sentences_compared_by_meaning_are_embedded_once(knowledge_base):
    first = knowledge_base.ask("Who has to sign off the final QAD, and when?")
    kept = dict(knowledge_base._sentence_vectors)
    assert kept  # the best passage's nearest sentences were compared by meaning
    again = knowledge_base.ask("Who has to sign off the final QAD, and when?")
    assert again.sources[0].highlight == first.sources[0].highlight
    assert knowledge_base._sentence_vectors.keys() == kept.keys()  # nothing embedded the second time
    for text, vector in kept.items():
        assert knowledge_base._sentence_vectors[text] is vector


def test_the_next_passage_of_the_same_document_stating_the_asked_value_answers(knowledge_base):
    """A page cut into sections: the one matching best names the subject, the next one says whom to email."""
    index = knowledge_base.search_index
    passages = {(p.document_id, p.section): p for p in index.passages}
    route = next(d for d, _ in passages if d.startswith("02_new-entrant-ldso-route") and d.endswith(".md"))
    scope, contacts = passages[(route, "1. Scope")], passages[(route, "7. Contacts")]
    question = "who do I email about a placing reliance proposal?"

    def ask(*passages):
        hits = [Hit(p, 1.0 - i / 10, 0.6, 5.0) for i, p in enumerate(passages)]
        return compose_answer(question, hits, index, 0.0, ENQUIRIES)

    answer = ask(scope, contacts)
    assert answer.sources[0].section == "7. Contacts"
    assert "performanceassurance@recmanager.co.uk" in answer.sources[0].highlight
    assert answer.evidence["type_missing"] == 0.0
    # From another document it stays second: the best passage lacks the address, which declines the question.
    faq = next(p for p in index.passages if p.document_id.startswith("16_faq"))
    assert ask(faq, contacts).sources[0].section == faq.section


def test_where_to_send_something_prefers_an_address_but_a_body_named_without_one_answers(knowledge_base):
    index = knowledge_base.search_index
    text = (
        "The PQS Form is for new entrant LDSOs that will place reliance on a third party's testing.\n"
        "Send the completed PQS Form to MHHSQualification@elexon.co.uk and performanceassurance@recmanager.co.uk."
    )
    form = _page(text)
    answer = _answer_from(form, "where do we send the PQS form?", index)
    assert "MHHSQualification@elexon.co.uk" in answer.sources[0].highlight
    queries = _page("Since M8, code queries go to the Code Bodies.")
    answer = _answer_from(queries, "now that M8 is done, where do we send code queries?", index)
    assert answer.evidence["type_missing"] == 0.0


def test_by_when_is_answered_by_a_point_another_step_fixes_but_not_by_a_sentence_without_one(knowledge_base):
    index = knowledge_base.search_index
    question = "by when do DNOs have to be qualified?"
    rule = _page(
        "Distributors qualify early. All DNOs are expected to be qualified before the migration period starts."
    )
    answer = _answer_from(rule, question, index)
    assert "before the migration period starts" in answer.sources[0].highlight
    assert answer.evidence["type_missing"] == 0.0
    vague = _page("Distributors qualify early. All DNOs are expected to be qualified under the REC as well.")
    assert _answer_from(vague, question, index).evidence["type_missing"] == 1.0
    # Asked "when" (a day), the same sentence gives none.
    assert (
        _answer_from(rule, "on what date do DNOs have to be qualified?", index).evidence["type_missing"]
        == 1.0
    )


def test_pushing_a_route_out_is_read_as_delaying_it_not_as_a_word_the_guidance_never_uses(
    tmp_path, knowledge_embedder
):
    from tests.fixtures.knowledge import knowledge_base_over

    notes = ("12_milestones-and-timeline.md", "13_key-dates-and-deadlines.md")
    kb = knowledge_base_over(tmp_path, notes, knowledge_embedder)
    answer = kb.ask("How much did CR055 push out the route to M10 by?")
    # "push" is a word the guidance never uses; "delay" is one it does.
    assert answer.evidence["unknown"] == 0.0
    assert answer.answered
    assert "The change added 6.5 months to the route to M10" in answer.sources[0].highlight


def test_a_date_of_another_thing_named_after_the_milestone_is_declined(knowledge_base):
    index = knowledge_base.search_index
    row = _page(
        "| Date | Event | Status |\n"
        "| Wednesday 20 December 2023 | M15 Acceptance Criteria v1.0 baselined at the TMAG | Current baseline |"
    )
    answer = _answer_from(row, "what's the current baselined date for M15 full transition complete?", index)
    assert answer.evidence["ids_missing_sentence"] == 1.0
    assert not answer.answered
    asked = _answer_from(row, "when were the M15 acceptance criteria baselined?", index)
    assert asked.evidence["ids_missing_sentence"] == 0.0


def test_a_question_for_an_earlier_name_puts_first_the_passage_giving_one():
    from knowledge.ordering import prefer_former_name

    schedule = Passage(
        "a", 0, "a.md", "Planning", "1. Schedule", "The Participant Checklist lists QT prep dates.", "m"
    )
    other = Passage("b", 1, "b.md", "Labels", "2. Cohorts", "Old cohort labels were renamed M10 Ready.", "m")
    renamed = Passage(
        "c",
        2,
        "c.md",
        "Route",
        "5. Planning",
        "The dates sit in the Participant Checklist (the checklist was previously called the Master Consultation "
        "Dashboard).",
        "m",
    )
    hits = [Hit(p, 1.0 - i / 10, 0.5, 1.0) for i, p in enumerate((schedule, other, renamed))]
    question = "what did the Participant Checklist used to be called?"
    assert [h.passage.chunk_id for h in prefer_former_name(question, hits)] == ["c", "a", "b"]
    # The renamed cohort labels name no checklist; another question keeps the order.
    assert prefer_former_name("what is the Participant Checklist?", hits) == hits
    assert prefer_former_name(question, hits[:2]) == hits[:2]


def _page(text: str, title: str = "QA&P consultation") -> Passage:
    """One passage of a saved page."""
    return Passage("page-1", 0, "page", title, "", text, "guidance")


def _answer_from(passage: Passage, question: str, index):
    """The answer composed from ``passage`` alone, at no threshold."""
    return compose_answer(question, [Hit(passage, 1.0, 0.8, 9.0)], index, 0.0, ENQUIRIES)


def test_a_year_dating_the_event_asked_about_is_checked_on_the_passage_not_the_sentence(knowledge_base):
    index = knowledge_base.search_index
    text = (
        "Responses were due in May 2025.\n"
        "Annex 2 was updated to reflect the removal of the Central Switching Service (CSS) simulator."
    )
    passage = _page(text)

    def ask(question):
        return _answer_from(passage, question, index)

    answer = ask("why did annex 2 get changed in the may 2025 consultation? the simulator?")
    assert "CSS" in answer.sources[0].highlight and "2025" not in answer.sources[0].highlight
    assert answer.evidence["ids_missing_sentence"] == 0.0 and answer.answered
    # A year the passage never names still counts against it, and an annex the sentence does not name still declines.
    assert ask("why did annex 2 get changed in the may 2026 consultation?").evidence["ids_missing"] == 1.0
    assert (
        ask("why did annex 4 get changed in the may 2025 consultation?").evidence["ids_missing_sentence"]
        == 1.0
    )


def test_a_hedging_adverb_does_not_choose_the_answering_sentence(knowledge_base):
    index = knowledge_base.search_index
    passage = _page(
        "- No MPANs in planning. For planning, Kestrel holds volumes only; the Supplier chooses which MPANs make up "
        "each volume. Once an MPAN has actually migrated, Kestrel records it for reporting.",
        title="Kestrel",
    )
    # "actual" and "actually" are one stem: the sentence saying "actually" answered before.
    answer = _answer_from(passage, "does kestrel need our actual MPAN list for migration planning?", index)
    assert "Kestrel holds volumes only" in answer.sources[0].highlight


def test_what_a_term_stands_for_is_answered_from_its_glossary_entry(tmp_path, knowledge_embedder):
    from tests.fixtures.knowledge import knowledge_base_over

    # The DIP note mentions the DIP in every section; the glossary row that spells it out is in another note.
    notes = ("01_qualification-routes-overview.md", "10_dip-onboarding.md")
    kb = knowledge_base_over(tmp_path, notes, knowledge_embedder)
    searched = kb.search_index.search(
        "what does DIP stand for?", kb.embedder.encode_query("what does DIP stand for?")
    )
    assert all(
        hit.passage.document_id.startswith("10_") for hit in searched[:5]
    )  # the entry is not among them
    answer = kb.ask("what does DIP stand for?")
    assert answer.answered and answer.sources[0].section == "8. Short glossary"
    assert "Data Integration Platform" in answer.sources[0].highlight


def test_words_of_the_situation_told_before_the_question_are_not_taken_for_an_unknown_subject(knowledge_base):
    # "budget" and "trying" are not the guidance's words, but they tell the situation, not what is asked.
    told = knowledge_base.ask("We're trying to sort the budget. Who signs the final QAD?")
    assert told.evidence["unknown"] == 0.0
    assert told.answered
    # In the sentence that asks, they still count.
    asked = knowledge_base.ask("Who signs the final QAD budget?")
    assert asked.evidence["unknown"] > 0.0


def test_an_identifier_dating_the_subject_is_checked_on_the_passage_not_the_sentence(knowledge_base):
    index = knowledge_base.search_index
    text = (
        "The Programme updated the QA&P after Ofgem's approval of CR055.\n"
        "The artefacts were approved at the QAG and both PABs in January 2025."
    )
    passage = _page(text, title="Qualification Approach & Plan and Annexes 1 & 2")

    def ask(question):
        return _answer_from(passage, question, index)

    answer = ask("which month were the post-CR055 QA&P and annexes 1&2 approved by the PABs?")
    assert "January 2025" in answer.sources[0].highlight
    assert answer.evidence["ids_missing_sentence"] == 0.0
    # A dating identifier the passage never names still counts against it.
    assert ask("which month were the post-CR060 annexes approved by the PABs?").evidence["ids_missing"] == 1.0


def test_an_absence_about_another_year_beside_the_answer_does_not_decline(knowledge_base):
    index = knowledge_base.search_index
    text = (
        "| Month | QAG meeting |\n"
        "| --- | --- |\n"
        "| December | 19 December 2024 |\n"
        "\n"
        "The pack's sources do not list the 2025 or 2026 QAG calendar; check the Programme's events page."
    )
    passage = _page(text, title="QAG meetings")
    answer = _answer_from(passage, "What was the date of the December 2024 QAG?", index)
    assert "19 December 2024" in answer.sources[0].highlight
    assert answer.evidence["absence"] == 0.0
    # Asked about a year the sentence says is not listed, the question is declined.
    later = _answer_from(passage, "What is the date of the December 2026 QAG?", index)
    assert later.evidence["absence"] == 1.0 or later.evidence["ids_missing"] == 1.0
    assert not later.answered


def test_a_sentence_about_another_annex_does_not_answer_though_the_heading_names_the_one_asked(
    knowledge_base,
):
    index = knowledge_base.search_index
    text = (
        "4. Annex 4: Non-Completion of Qualification - this Annex was issued with the QA&P consultation in January "
        "2024 and approved in May 2024."
    )
    passage = _page(text, title="Annex 3: New Entrant Non-SIT LDSO MHHS Qualification Testing Approach")
    asked = _answer_from(passage, "What date did the PABs approve QA&P Annex 3?", index)
    assert asked.evidence["ids_missing_sentence"] == 1.0 and not asked.answered
    assert _answer_from(passage, "When was Annex 4 approved?", index).evidence["ids_missing_sentence"] == 0.0


def test_names_another_identifier_of_the_kind_asked():
    assert names_another("When was Annex 3 approved?", "Annex 4 was approved in May 2024.")
    assert names_another("When was Theme 10 approved?", "Themes 6, 7 and 9 were approved at TMAG.")
    assert not names_another(
        "When was M10 approved?", "When was M10 approved?\nTogether with M13."
    )  # FAQ lead-in
    assert not names_another("is the LSS switched on at M12 or M13?", "M13 switched on the LSS.")
    assert not names_another("When was Annex 3 approved?", "It was approved in May 2024.")  # names none
