"""What a question asks for and whether a passage gives it: identifiers, answer kinds, highlights, misspellings."""

from __future__ import annotations

import dataclasses
import inspect
from types import SimpleNamespace

import pytest

from knowledge.answer import heading_gives_date, highlight_of, role_missing
from knowledge.checks import (
    entry_names,
    has_answer_type,
    identifiers_in,
    is_absence_statement,
    missing_identifiers,
    missing_months,
    other_actor,
    qualifies_another,
    says_not_given,
    superseded_answer,
    unconfirmed_event,
)
from knowledge.decline import DeclineModel
from knowledge.highlight import choose_highlight, defines_term
from knowledge.kinds import (
    answers_by_when,
    asks_for_list,
    asks_former_name,
    asks_if_still,
    asks_place_or_reason,
    asks_why,
    kind_named_terms,
    second_answer_type,
    wanted_answer_type,
)
from knowledge.ordering import defines, prefer_definition, prefer_named_roles
from knowledge.reading import Reading, compared_terms, defined_term, question_opening, read_question
from knowledge.search import Hit
from knowledge.store import Passage
from knowledge.terms import expand_shorthand, lexical_terms, meaning_of, verb_of
from knowledge.units import units_of


def test_identifiers_are_found_and_normalised():
    assert identifiers_in("when did Ofgem approve CR054?") == {"cr54"}
    assert identifiers_in("QAD v3.2 in Dec 2024") == {"v3.2", "2024"}
    assert identifiers_in("version 3 of the QA&P") == {"v3.0"}
    assert identifiers_in("which version of BSCP537 is current") == {"bscp537"}
    assert identifiers_in("is m14 due? and P476?") == {"m14", "p476"}
    assert identifiers_in("before Milestone 14, not milestone 8") == {"m14", "m8"}  # written out, as pages do
    assert identifiers_in("Annex 2 and Appendix C") == {"annex 2", "appendix C"}
    assert identifiers_in("Functional Batches 1-3") == {"batch 1", "batch 2", "batch 3"}
    assert identifiers_in("annexes 1 and 4") == {"annex 1", "annex 4"}
    assert identifiers_in("5.2 Functional Batches 1, 2 and 3") == {"batch 1", "batch 2", "batch 3"}
    assert identifiers_in("Appendix A, B and C") == {"appendix A", "appendix B", "appendix C"}
    assert identifiers_in("Annex 1 and a plan") == {"annex 1"}  # "a" is a word, not Annex A
    assert identifiers_in("when does migration sprint 4 start?") == {"sprint 4"}
    assert identifiers_in("What does Pathway 3 in Appendix B cover?") == {"pathway 3", "appendix B"}
    assert identifiers_in("test cases in SIT Functional Cycle 2, consultation 3") == {
        "cycle 2",
        "consultation 3",
    }
    # a part numbered in words is the same part
    assert identifiers_in("The second consultation focused on the first release") == {
        "consultation 2",
        "release 1",
    }
    # a data flow of the Data Transfer Catalogue
    assert identifiers_in("Which data items are in the D0150 flow?") == {"d150"}
    # a REC change proposal, and a theme of test scenarios
    assert identifiers_in("What does REC Change Proposal R0084 cover?") == {"r84"}
    assert identifiers_in("Themes 6, 7 and 9 were approved; when was Theme 10?") == {
        "theme 6",
        "theme 7",
        "theme 9",
        "theme 10",
    }
    # not identifiers: a lone letter and number apart in lower case, a milestone with too many digits
    assert identifiers_in("plan p 476 and m 11, M2000") == set()
    assert identifiers_in("d 0150, D15") == set()


def test_a_passage_about_a_neighbouring_identifier_does_not_answer():
    passage = "CR055 (approved 29 November 2024) extended the timeline to M10 by 6.5 months."
    assert missing_identifiers("when did Ofgem approve CR054?", passage) == {"cr54"}
    assert missing_identifiers("when was CR055 approved?", passage) == set()
    # A choice between two identifiers is answered by a passage naming one of them; both asked, both needed.
    row = "- M13: Load Shaping System (LSS) switched on"
    assert missing_identifiers("is the LSS switched on at m12 or m13?", row) == set()
    assert missing_identifiers("are the LSS and the VAS switched on at M12 and M13?", row) == {"m12"}
    assert missing_identifiers("what happened at M11?", passage) == {"m11"}
    assert missing_identifiers("what changed in QA&P v3.0?", "The QA&P version 3 was approved.") == set()
    assert missing_identifiers("why was it extended?", passage) == set()
    # A year is missing from a passage naming another year, not from one naming none ("on 6 December").
    assert missing_identifiers("when did CR055 get approved in 2023?", passage) == {"2023"}
    undated = "The Qualification Plan goes to the PSG on 6 December."
    assert missing_identifiers("when did the plan go to the PSG in December 2023?", undated) == set()


def test_a_situation_told_before_a_where_question_does_not_make_it_ask_for_a_value():
    question = "The new entrant page only shows a high-level QT preparation schedule. Where can we find the more detailed dates?"
    assert asks_place_or_reason(question)
    assert wanted_answer_type(question) is None  # a place, not the dates named in it
    assert wanted_answer_type("We moved office. When are the more detailed dates published?") == "date"


def test_an_identifier_named_as_part_of_another_thing_does_not_answer_for_it():
    row = "| Wednesday 20 December 2023 | M15 Acceptance Criteria v1.0 baselined at the TMAG | Current baseline |"
    question = "what's the current baselined date for M15 full transition complete?"
    assert qualifies_another(question, row)
    # Unqualified in the question, or named the same way, or unqualified in the answer: nothing to tell apart.
    assert not qualifies_another("when is M15?", row)
    assert not qualifies_another(question, "M15 Full Transition Complete is planned for 2027.")
    assert not qualifies_another(
        "when was M10 approved?", "M10 and M13 approved at the ePSG on 24 September 2025."
    )
    # One mention of the identifier itself is enough.
    assert not qualifies_another(question, f"{row}\nM15 is not yet dated.")


def test_answer_kinds_asked_for():
    assert wanted_answer_type("When did the CIT stage of SIT begin?") == "date"
    assert wanted_answer_type("what's the deadline for the final QAD?") == "date"
    assert wanted_answer_type("who do I email about a design issue?") == "email"
    assert wanted_answer_type("where should we send the form to?") == "email"
    assert wanted_answer_type("Which addresses do I send the PQS form to?") == "email"
    # where to send something, without "to": an address, or a portal or mailbox named without one
    assert wanted_answer_type("Where do I send the PQS form and what subject line?") == "destination"
    # an address, or a body named ("go to the Programme's Testing team")
    assert wanted_answer_type("who do i ask about the SIT exit reports?") == "destination"
    assert wanted_answer_type("Who should we contact about QAG meeting papers?") == "destination"
    assert wanted_answer_type(
        "Now M8 has happened, who do I send a question about the code drafting to?"
    ) == ("destination")
    assert wanted_answer_type("where do I send the form to?") == "email"
    assert wanted_answer_type("Finance ask how much Elexon charges an applicant - is there a fee?") == "money"
    assert wanted_answer_type("where should I direct code queries now?") is None  # a body answers
    assert has_answer_type("Email both MHHSQualification@elexon.co.uk and the REC.", "destination")
    assert has_answer_type("All DIP onboarding questions go to the Elexon Support Portal.", "destination")
    assert not has_answer_type("Send it once the form is complete.", "destination")
    assert wanted_answer_type("which version of BSCP537 is in force?") == "version"
    assert wanted_answer_type("max number of users on the DIP?") == "number"
    assert wanted_answer_type("Which person chairs it?") == "person"
    assert wanted_answer_type("Who manages QT?") is None
    # A value word naming a thing with the word after it asks for nothing naming a thing with the word after it
    assert wanted_answer_type("what's the migration thresholds doc for?") is None
    assert wanted_answer_type("which limits template do we use?") is None
    assert wanted_answer_type("what is the migration threshold?") == "number"
    assert wanted_answer_type("how many migrations does the thresholds document allow?") == "number"


def test_a_number_question_is_not_answered_by_the_digits_of_a_date_or_an_identifier():
    assert has_answer_type("Between one and two weeks per participant.", "number")
    assert has_answer_type("At least 15 working days.", "number")
    assert not has_answer_type("Updated Functional Batches published on Monday 19 May 2025.", "number")
    assert not has_answer_type("CR055 moved M10.", "number")
    # a reference to another note, table or question counts nothing
    assert not has_answer_type("Submitting the RTTM at PIT entry and PIT exit (note 08).", "number")
    assert not has_answer_type("See table 2 and QAD question 14.", "number")
    assert has_answer_type("Within 10 working days of PIT exit (note 08).", "number")
    assert has_answer_type("The v1.2 FAQ", "version") and not has_answer_type("The FAQ", "version")
    assert has_answer_type("It began on 30 October 2023.", "date")
    # costing nothing answers "how much?"
    assert has_answer_type("As an applicant, you do not need to pay to go through the process.", "money")
    assert not has_answer_type("Elexon recovers the cost centrally.", "money")


def _weights(term: str) -> float:
    return 1.0


def _answer_of(question: str, text: str, weight=_weights, **extra):
    """The highlight of ``text`` for ``question``, read as the product reads it."""
    reading = read_question(question)
    return choose_highlight(lexical_terms(question, expand=False), text, weight, **vars(reading), **extra)


def _rarities(weights: dict[str, float]):
    """A term's rarity from ``weights`` (1.0 for any other term)."""
    return lambda term: weights.get(term, 1.0)


def test_words_naming_the_passage_subject_count_less_than_the_word_naming_what_is_asked():
    text = (
        "The SIT Operational Exit Report was issued on Tuesday 5 August 2025.\n"
        "The SIT Operational Exit Report gives the test and defect status.\n"
        "The eSITAG approved it on Friday 15 August 2025.\n"
        "The SIT Operational Exit Report closes the operational stage."
    )
    terms = lexical_terms("When was the SIT Operational Exit Report approved?", expand=False)
    chosen = choose_highlight(terms, text, lambda t: 3.0 if t.startswith("approv") else 1.0, "date")
    assert chosen.text.startswith("The eSITAG approved it on Friday 15 August 2025.")


def test_the_highlight_is_the_sentence_stating_the_fact_not_the_heading_or_the_repeated_question():
    text = (
        "Who approves P476?\n"
        "In February 2025 a paper went to the REC PAB about smart exemptions. "
        "Ofgem approved P476 on 23 January 2025."
    )
    terms = lexical_terms("When was P476 approved?", expand=False)
    chosen = choose_highlight(terms, text, _weights, "date", identifiers={"p476"})
    assert chosen.text == "Ofgem approved P476 on 23 January 2025."
    assert chosen.holds_answer


def test_a_definition_question_is_answered_by_the_unit_saying_what_the_term_is():
    text = (
        "Suppliers submit their migration plans through Kestrel, which validates them.\n"
        "Planning staff log in daily.\n"
        "Each sprint has its own schedule.\n"
        "The Migration Planning and Management Tool (MPMT) is known as Kestrel."
    )
    terms = lexical_terms("What is Kestrel?", expand=False)
    assert "known as Kestrel" not in choose_highlight(terms, text, _weights).text  # the first naming it
    chosen = choose_highlight(terms, text, _weights, defined="Kestrel")
    assert chosen.text == "The Migration Planning and Management Tool (MPMT) is known as Kestrel."
    assert defines_term("Kestrel is the planning tool.", "Kestrel")
    assert defines_term("the Migration Planning and Management Tool (MPMT) holds plans", "MPMT")
    assert defines_term("| M13 | Load Shaping System switched on |", "M13")
    assert not defines_term("Suppliers submit plans through Kestrel.", "Kestrel")


def test_a_table_answer_is_the_matching_row_with_its_header():
    text = "| Date | Event |\n| --- | --- |\n| 18 July 2024 | REC webinar |\n| 22 May 2025 | QAG approval |"
    terms = lexical_terms("when was the REC webinar?", expand=False)
    chosen = choose_highlight(terms, text, _weights, "date")
    assert chosen.text == "| 18 July 2024 | REC webinar |"
    assert chosen.header == "| Date | Event |"


def test_a_line_introducing_a_list_is_highlighted_with_its_items_and_neighbours_join_when_they_add():
    text = "When filling it in, cover three topics in particular:\n- your reliance approach\n- any opt out"
    chosen = choose_highlight(lexical_terms("which topics to cover when filling it in"), text, _weights)
    assert "- your reliance approach" in chosen.text and "- any opt out" in chosen.text
    two = "The final QAD is signed by a Company Director. The Code Bodies then approve it at the PAB."
    both = choose_highlight(
        lexical_terms("who signs the final QAD and who approves it at the PAB"), two, _weights
    )
    assert both.text == two  # the facts asked for sit in two neighbouring sentences


def test_no_kind_of_value_asked_for_is_flagged():
    chosen = choose_highlight(
        lexical_terms("What is Daniel's phone email?"), "Ask the team.", _weights, "email"
    )
    assert not chosen.holds_answer


def test_shorthand_is_written_out_but_acronyms_in_capitals_stay():
    assert expand_shorthand("svc activation asap w/o the docs, oct 2024") == (
        "service activation as soon as possible without the documents, October 2024"
    )
    assert expand_shorthand("DEC and MAX are names") == "DEC and MAX are names"
    # "1:1" is "one-to-one", not a time or a ratio of other numbers.
    assert expand_shorthand("a 1:1 mapping, 1-to-1, at 11:10, 10:1") == (
        "a one-to-one mapping, one-to-one, at 11:10, 10:1"
    )
    assert expand_shorthand("missed the SIT retros") == "missed the SIT retrospectives"
    # "Push back" and "push out" a date or a route: delay it.
    assert expand_shorthand("did CR055 push out the route? it pushed back M10") == (
        "did CR055 delay the route? it delayed M10"
    )
    assert (
        expand_shorthand("how long shld we allow? wld it cld it")
        == "how long should we allow? would it could it"
    )
    # Text-message spellings; a capital letter on its own stays a letter.
    assert expand_shorthand("wen r u going live, wat abt M14? Annex R") == (
        "when are you going live, what about M14? Annex R"
    )
    assert expand_shorthand("who signs off our qual? are we qual'd yet? quals") == (
        "who signs off our qualification? are we qualified yet? qualifications"
    )
    # "kick off" is "start"; "vs" is "versus", which frames a comparison rather than naming a subject
    assert expand_shorthand("what has to happen before RoQ can kick off? QAP vs QA&P") == (
        "what has to happen before RoQ can start? QAP versus QA&P"
    )


def test_the_decline_model_reads_its_coefficients_and_hard_rules():
    model = DeclineModel({"confidence": 4.0}, -2.0, 0.5, {"ids_missing_sentence": 0.5})
    assert model.probability({"confidence": 0.5}) == 0.5
    assert model.probability({"confidence": 1.0}) > 0.85
    assert model.blocked({"ids_missing_sentence": 1.0}) and not model.blocked({"confidence": 1.0})
    assert DeclineModel.from_dict(model.to_dict()) == model


def test_a_table_answer_leads_with_its_row_under_the_header_as_a_table():
    from knowledge.answer import quoted_answer

    text = "| Date | Event |\n| 18 July 2024 | REC webinar |\n| 22 May 2025 | QAG approval |"
    chosen = choose_highlight(
        lexical_terms("when was the REC webinar?", expand=False), text, _weights, "date"
    )
    passage = Passage("c1", 1, "d.md", "Key dates", "2024", text, "markdown")
    shown = quoted_answer(chosen, passage, "Key dates, 2024")
    assert shown.startswith("| Date | Event |\n| --- | --- |\n| 18 July 2024 | REC webinar |\n\n")
    assert shown.endswith("— Key dates, 2024")


def test_a_question_the_guidance_asks_itself_is_answered_by_the_sentence_after_it():
    text = "C4. Do SIT participants also have to do QT? They were told they were not expected to take on more QT."
    chosen = choose_highlight(lexical_terms("do SIT participants have to do QT"), text, _weights)
    assert chosen.text == "They were told they were not expected to take on more QT."


def test_an_faq_answer_keeps_its_short_lead_and_its_clauses():
    text = (
        "F3. Do legacy agents need MHHS Qualification?\n"
        "No. Elexon assures their legacy-side changes through its existing techniques; BSC Parties hear of them "
        "every quarter. (14)"
    )
    chosen = choose_highlight(lexical_terms("do legacy agents need MHHS qualification"), text, _weights)
    # "No." is the answer; the clause after the ";" finishes its sentence; the note reference stays plain.
    assert chosen.text == (
        "No. Elexon assures their legacy-side changes through its existing techniques; BSC Parties hear of them "
        "every quarter."
    )


def test_a_sentence_that_refers_back_is_highlighted_with_the_one_it_refers_to():
    before = (
        "The Code Bodies moved QT planning to a flexible Wave approach. "
        "It replaced the earlier Tranche Approach, in which parties were allotted fixed QT slots."
    )
    chosen = choose_highlight(
        lexical_terms("how are QT slots planned now fixed tranches are gone"), before, _weights
    )
    assert chosen.text == before  # "It replaced..." matches best; what "It" is sits in the sentence before
    after = (
        "Elexon pages sometimes call it QAP and Programme pages say QA&P. Both mean the same document. "
        "The plan was first published in 2023."
    )
    chosen = choose_highlight(lexical_terms("QAP versus QA&P pages"), after, _weights)
    assert (
        chosen.text
        == "Elexon pages sometimes call it QAP and Programme pages say QA&P. Both mean the same document."
    )
    # A sentence that stands alone is highlighted alone.
    alone = "Kestrel holds the planned volumes only. Suppliers choose the MPANs."
    assert (
        choose_highlight(lexical_terms("what does Kestrel hold"), alone, _weights).text
        == "Kestrel holds the planned volumes only."
    )


def test_a_list_items_short_lead_names_the_subject_and_is_not_the_answer():
    text = "- Membership. The board is made up of industry experts who serve as volunteers."
    chosen = choose_highlight(lexical_terms("board membership"), text, _weights)
    # The sentence answers; the lead naming its subject is shown before it, never alone.
    assert chosen.text == "- Membership. The board is made up of industry experts who serve as volunteers."
    assert [unit.text for unit in chosen.units][-1].startswith("The board is made up")


def test_meaning_decides_between_sentences_that_match_the_question_equally_in_words():
    text = (
        "Suppliers send the PQS form by email. No fee is charged. "
        "The PQS form is reviewed by the Code Bodies within ten days."
    )
    terms = lexical_terms("who looks at the PQS form", expand=False)
    asked: list[list[str]] = []

    def similarity(texts: list[str]) -> list[float]:
        asked.append(texts)
        return [0.9 if "reviewed" in t else 0.1 for t in texts]

    chosen = choose_highlight(terms, text, _weights, similarity=similarity)
    assert chosen.text == "The PQS form is reviewed by the Code Bodies within ten days."
    assert len(asked) == 1 and len(asked[0]) == 2  # one call, for the candidate sentences only
    words_only = choose_highlight(terms, text, _weights)
    assert words_only.text == "Suppliers send the PQS form by email."


def test_a_question_asking_for_two_kinds_of_value_is_answered_by_the_row_giving_both():
    question = "when were the weekly migration templates due back in 2024, and to which inbox?"
    assert wanted_answer_type(question) == "date"
    assert second_answer_type(question, "date") == "email"
    assert (
        second_answer_type("how long does service activation take?", "duration") is None
    )  # no count beside it
    table = (
        "| Date | Event |\n| --- | --- |\n"
        "| 31 July 2024 | Suppliers received their weekly migration templates |\n"
        "| 2 October 2024 | Deadline to return the weekly templates to Migration@mhhsprogramme.co.uk |"
    )
    terms = lexical_terms(question)
    dates_only = choose_highlight(terms, table, _weights, kind="date")
    assert "31 July 2024" in dates_only.text  # the row sharing most words
    both = choose_highlight(terms, table, _weights, kind="date", also="email")
    assert "Migration@mhhsprogramme.co.uk" in both.text


def test_a_question_asking_what_happens_before_an_event_prefers_the_sentence_saying_before():
    question = "What has to happen before Removal of Qualification can be started against a party agent?"
    assert read_question(question).relation == "before"
    assert read_question("what do we do after QT?").relation == "after"
    assert read_question("When was RoQ started?").relation is None
    # Any "what ... before/after ...?" asks about that side of the event.
    assert read_question("what has to be exhausted before RoQ can kick off?").relation == "before"
    assert read_question("which steps come after QT?").relation == "after"
    assert read_question("Is PIT before QT?").relation is None
    question = "Before Elexon can start RoQ on one of our agents, what needs to have already been done?"
    assert read_question(question).relation == "before"
    text = (
        "1. The BSC PAB approves starting the Removal of Qualification process.\n"
        "2. Elexon gathers the performance history.\n"
        "Before Removal of Qualification can start, every escalation step in BSCP538 must have been completed."
    )
    terms = lexical_terms(question)
    assert choose_highlight(terms, text, _weights).text.startswith("1. The BSC PAB")
    assert choose_highlight(terms, text, _weights, relation="before").text.startswith("Before Removal")


def test_a_deadline_asked_for_is_answered_by_the_date_something_closes():
    question = "what was the deadline for comments on the M15 acceptance criteria?"
    assert read_question(question).deadline
    assert not read_question("when was the M15 acceptance criteria published?").deadline
    text = (
        "M15 is planned to take place in October 2026, as the acceptance criteria say.\n"
        "To submit comments on the M15 acceptance criteria, download the comments log.\n"
        "The consultation period opened on Wednesday 22 November and closes at 17:00 on Wednesday 6 December 2023."
    )
    terms = lexical_terms(question)
    heading = "Milestone 15 (M15) Acceptance Criteria published for consultation"
    assert "October 2026" in choose_highlight(terms, text, _weights, "date", heading=heading).text
    chosen = choose_highlight(terms, text, _weights, "date", heading=heading, deadline=True)
    assert "closes at 17:00" in chosen.text


def test_every_part_of_a_reading_is_a_parameter_of_the_highlight():
    parameters = inspect.signature(choose_highlight).parameters
    assert {f.name for f in dataclasses.fields(Reading)} <= set(parameters)


def test_durations_percentages_costs_and_lists_of_dates_are_asked_for_and_found():
    assert wanted_answer_type("how long does service activation take?") == "duration"
    assert wanted_answer_type("Roughly how many weeks should we plan for it?") == "duration"
    assert wanted_answer_type("what pass rate do we need?") == "percentage"
    assert wanted_answer_type("what % of the tests must pass?") == "percentage"
    # a share the asker tells is no share asked for
    assert wanted_answer_type("We do 100% of our testing in-house. Do we still send the PQS form?") is None
    assert wanted_answer_type("how much does a licence cost per user?") == "money"
    assert wanted_answer_type("what are the sprint planning cycle dates?") == "date"
    assert wanted_answer_type("Which dates did the QAG and the PABs approve v3.0 on?") == "date"
    # asked as a need rather than a question
    assert wanted_answer_type("need the date ofgem signed off CR055") == "date"
    assert wanted_answer_type("Can someone confirm the dates QAD v3.0 was approved?") == "date"
    assert wanted_answer_type("need the addresses for sending a reliance proposal") == "email"
    assert wanted_answer_type("do we need a date for it?") is None
    assert wanted_answer_type("who was the engagement day's speaker?") == "person"
    assert wanted_answer_type("What's the name of the MHHS Programme Qualification Test Manager?") == "person"
    assert wanted_answer_type("who is our named contact in the CGI team?") == "person"
    assert wanted_answer_type("Who is the named lead in the CGI Testing Assurance team?") == "person"
    assert wanted_answer_type("who was the MHHS programme code lead for M8?") == "person"
    assert wanted_answer_type("Who was the programme's data director?") == "person"
    assert wanted_answer_type("who chaired the CCAG?") == "person"  # a chair is a person, in any tense
    assert wanted_answer_type("who is chairing the QAG these days?") == "person"
    assert wanted_answer_type("what is the name of the form?") is None
    assert wanted_answer_type("how many test cases are in the batch?") == "number"
    # A question for a named thing: the count it mentions is what the thing is about.
    question = "Which migration document sets the daily limit on how many migrations can be initiated?"
    assert wanted_answer_type(question) is None
    assert wanted_answer_type("What date is Milestone 14 scheduled for?") == "date"
    assert wanted_answer_type("Which mailbox do I use for PPIRs?") == "email"
    # Asking which change request or modification: only one named by its number answers.
    assert wanted_answer_type("Which change request number brought in the Smart Exemption?") == "change"
    assert wanted_answer_type("what is the change request process?") is None
    assert has_answer_type("Ofgem approved P476 on 23 January 2025.", "change")
    assert has_answer_type("CR055 moved M10.", "change")
    assert not has_answer_type("The change was approved by Ofgem.", "change")
    # The sentence that asks decides, not the situation told before it; within it, the kind named first.
    situation = (
        "We're an agent that finished QT ahead of our wave deadline. How many PAB approval points are set?"
    )
    assert wanted_answer_type(situation) == "number"
    assert wanted_answer_type("How many approval points do the pathways set deadlines against?") == "number"
    assert has_answer_type("It takes between one and two weeks.", "duration")
    # How often: a frequency answers ("fortnightly", "every two months", "the first Wednesday of the month").
    assert wanted_answer_type("how often does the programme plan get re-released?") == "frequency"
    assert has_answer_type("We publish fortnightly releases of the Programme Plan.", "frequency")
    assert has_answer_type("PSG meets on the first Wednesday of the month.", "frequency")
    assert not has_answer_type("The plan was published on 3 May 2024.", "frequency")
    assert has_answer_type("Allow 15 working days.", "duration")
    assert not has_answer_type("Two formal ones, the initial QAD and the final QAD.", "duration")
    assert has_answer_type("At least 95% of tests must pass.", "percentage")
    assert not has_answer_type("Meet the QT Exit Criteria.", "percentage")
    assert has_answer_type("There is no applicant fee.", "money") and has_answer_type(
        "It costs £40.", "money"
    )
    assert not has_answer_type("Licences are arranged by the Programme.", "money")
    # A count is not the numbers of a range of parts ("Batches 1-3").
    assert not has_answer_type("Updated Functional Batches 1-3 published for consultation.", "number")


def test_a_version_given_for_another_document_does_not_answer():
    passage = "QAG approved QA&P v3.0, Annex 1 v2.0 and Annex 2 v2.0 on 22 August 2024."
    assert missing_identifiers("when was Annex 2 v3.0 approved?", passage) == {"annex 2 v3.0"}
    assert missing_identifiers("when was Annex 2 v2.0 approved?", passage) == set()
    assert missing_identifiers("when was version 3.0 of the QA&P approved?", passage) == set()
    # A version written alone may be of the document the passage is about.
    assert (
        missing_identifiers("QAD v3.0 approval date?", "| v3.0 approved by the REC PAB | 29 August 2024 |")
        == set()
    )
    # Comparing two documents' versions: a passage giving one of them answers.
    two = "was the QA&P v3.0 approved on one day, unlike the QAD v3.0?"
    assert missing_identifiers(two, "The QA&P v3.0 was approved by both PABs on 28 August 2024.") == set()


def test_an_faq_answer_is_checked_with_the_question_it_answers():
    text = "E3. Is M15 still October 2026? That date comes from older pages; check the current register."
    chosen = choose_highlight(
        lexical_terms("is M15 still oct 2026"), text, _weights, identifiers={"m15", "2026"}
    )
    assert chosen.text == "That date comes from older pages; check the current register."
    assert chosen.lead_in == "E3. Is M15 still October 2026?"
    assert missing_identifiers("is M15 still oct 2026?", f"{chosen.lead_in}\n{chosen.text}") == set()


def test_an_faq_question_line_is_read_with_the_answer_on_the_line_after_it():
    text = (
        "E1. When did M8 happen? I have seen 7 March 2025.\n"
        "The Code Artefacts went live on Monday 22 September 2025. The March date is superseded."
    )
    question = "when did the M8 code changes actually go live?"
    chosen = choose_highlight(lexical_terms(question), text, _weights, "date", identifiers={"m8"})
    assert chosen.text.startswith("The Code Artefacts went live on Monday 22 September 2025.")
    assert chosen.lead_in == "E1. When did M8 happen? I have seen 7 March 2025."
    assert missing_identifiers(question, f"{chosen.lead_in}\n{chosen.text}") == set()


def test_an_answer_saying_the_asked_thing_is_not_given_is_told_apart_from_a_row_missing_something_else():
    asked = lexical_terms("What are the Migration Sprint Planning cycle timings after CR055?")
    assert says_not_given("Cycle timings after CR055 were to be announced later.", asked)
    row = (
        "| M14 | (not defined in this pack's sources) | A new entrant wishing to enter before M14 should read "
        "QA&P Appendix B, Pathway 5 | No date available |"
    )
    assert not says_not_given(
        row, lexical_terms("which part of the QA&P covers a start-up entering the market?")
    )
    assert says_not_given(row, lexical_terms("when is M14? is there a date?"))


def hit(text: str, number: int) -> Hit:
    """A search hit on a passage of ``text`` (chunk id "c<number>")."""
    return Hit(
        Passage(f"c{number}", number, "d.md", "Title", f"Section {number}", text, "markdown"), 1.0, 0.5, 1.0
    )


def test_a_question_asking_what_a_term_is_prefers_a_passage_with_an_entry_for_it():
    assert defined_term("m13 = ?") == "m13"
    assert defined_term("what's ADO in the QT docs? keeps coming up") == "ADO"
    assert defined_term("What does the abbreviation UIT stand for?") == "UIT"
    assert defined_term("What does M12 cover?") == "M12"  # what a milestone covers, marks or means
    assert defined_term("What does milestone M13 mean?") == "M13"
    assert defined_term("quick one - what's milestone M11?") == "M11"
    assert defined_term("remind me what M11 is again?") == "M11"
    assert defined_term("can you tell me what the QAD is?") == "QAD"
    assert defined_term("what does M11 mark?") == "M11"
    assert defined_term("What is the deadline for the QAD?") is None
    assert defined_term("what's M13 again?") == "M13"  # a filler word after the term
    assert defined_term("what is the deadline again for the QAD?") is None
    # after a lead-in ending in a dash, colon or full stop, not after a comma ("the QAD, what version?")
    assert defined_term("quick one - what does milestone M13 refer to?") == "M13"
    assert defined_term("We're new to this. What is the QAD?") == "QAD"
    assert defined_term("the QAD, what version?") is None
    assert defined_term("M11 - what is it") == "M11"  # the term first, then "what is it?"
    assert defined_term("ADO? what's that?") == "ADO"
    assert defines("| Term | Meaning |\n| --- | --- |\n| MEM / MOA | Metering Equipment Manager |", "MOA")
    assert defines("- **ADO**: Azure DevOps, the tool used to record QT execution", "ado")
    assert not defines("M13 and M10 were approved by the SRO together.", "M13")

    mention = hit("M10 and M13 were approved by the SRO on Wednesday 24 September 2025.", 1)
    entry = hit(
        "| Milestone | What it is |\n| --- | --- |\n| M13 | Load Shaping System (LSS) switched on |", 2
    )
    assert [h.passage.chunk_id for h in prefer_definition("wat is M13", [mention, entry])] == ["c2", "c1"]
    assert [h.passage.chunk_id for h in prefer_definition("when was M13 approved?", [mention, entry])] == [
        "c1",
        "c2",
    ]


def test_a_question_telling_two_terms_apart_prefers_the_passage_with_an_entry_for_each():
    assert compared_terms("LDSO vs DNO - is that just the same role w/ two names?") == ("LDSO", "DNO")
    assert compared_terms("What's the difference between PIT and QT?") == ("PIT", "QT")
    assert compared_terms("is an ADO the same as a defect?") == ("ADO", "defect")
    # The two terms must be the whole subject: this asks about timelines.
    assert compared_terms("SIT vs QT timelines for LDSOs") is None
    assert compared_terms("What is M13?") is None

    scope = hit("This note covers new entrant LDSOs (DNOs and IDNOs) qualifying after M10.", 1)
    one = hit("| Term | Meaning |\n| --- | --- |\n| LDSO | the REC name for the distribution role |", 2)
    both = hit(
        "| Term | Meaning |\n| --- | --- |\n| LDSO | the REC name for the distribution role |\n"
        "| DNO | the BSC name for the distribution role |",
        3,
    )
    order = prefer_definition("LDSO vs DNO - same role?", [scope, one, both])
    assert [h.passage.chunk_id for h in order] == ["c3", "c1", "c2"]
    # No passage with an entry for both: the order stands.
    assert [h.passage.chunk_id for h in prefer_definition("LDSO vs DNO?", [scope, one])] == ["c1", "c2"]


def test_a_person_answers_a_question_naming_a_role_only_if_the_answer_names_that_role():
    passage = Passage(
        "c1", 1, "11.md", "Governance", "6. Other people named in public material", "", "markdown"
    )

    def answer(question: str, text: str):
        return choose_highlight(lexical_terms(question), text, _weights, "person")

    question = "who was the REC Code Manager speaker at the 2025 engagement day?"
    other = answer(question, "Jenny Boothe was named as Ofgem's Head of MHHS at the 2025 engagement day.")
    assert other.holds_answer and role_missing(question, "person", passage, other)
    same = answer(question, "Sam Jones spoke for the REC Code Manager at the 2025 engagement day.")
    assert not role_missing(question, "person", passage, same)
    assert not role_missing("when did the REC Code Manager speak?", "date", passage, other)
    # A body named by its initials in the answer is named: "the DAG" for "the Design Advisory Group".
    chair = "Who chairs the MHHS Design Advisory Group?"
    dag = answer(chair, "The DAG is a Level 3 group and is chaired by Justin Andrews.")
    assert not role_missing(chair, "person", passage, dag)
    psg = answer(chair, "The PSG is chaired by Chris Welby.")
    assert role_missing(chair, "person", passage, psg)


def test_a_passage_has_entries_for_the_terms_its_rows_and_lines_open_with():
    text = (
        "| Term | Meaning |\n| --- | --- |\n| MEM / MOA | Metering Equipment Manager |\n"
        "- **UIT** - User Integration Testing\nADO: Azure DevOps\nThe DIP is a platform - for messages."
    )
    assert {"mem", "moa", "uit", "ado"} <= entry_names(text)
    assert "dip" not in entry_names(text) and "the dip is a platform" in entry_names(text)


def test_a_value_given_as_superseded_does_not_answer_a_question_asking_for_the_current_one():
    row = "| October 2026 | M15 date quoted in late-2023 pages | Superseded (predates CR055) |"
    assert superseded_answer("what is the current planned date for M15?", "date", row)
    assert not superseded_answer("what date was quoted for M15 in 2023?", "date", row)
    assert not superseded_answer("what is the current planned date for M15?", "date", "| M15 | July 2027 |")


def test_an_event_only_announced_does_not_answer_whether_or_when_it_happened():
    announced = (
        "The documents will go to the REC PAB on Tuesday 26 March, and the BSC PAB on Thursday 28 March."
    )
    assert unconfirmed_event("so did the REC PAB actually approve them at its 26 March meeting?", announced)
    assert unconfirmed_event("When was the Qualification Plan approved?", "It will be presented to the PSG.")
    assert unconfirmed_event(
        "Did Ofgem agree to the timing?", "We recommend end of April and end of July 2025."
    )
    # Done, in any of the words for it: the premise holds.
    assert not unconfirmed_event(
        "When did the eSITAG sign it off?", "Recommended by the SITWG and approved by the eSITAG."
    )
    assert not unconfirmed_event(
        "When was v3.0 approved?", "v3.0 was approved on 27 August; it will be reviewed."
    )
    # Not a question on whether or when it happened.
    assert not unconfirmed_event("Where will the documents go?", announced)
    assert not unconfirmed_event(
        "The Code Bodies have just approved us. What else must we do?", "It will be presented to the PSG."
    )


def test_a_day_in_the_passage_heading_dates_what_the_heading_names():
    terms = lexical_terms("When did the consultation on the post-CR055 QA&P close?")
    section = "5. What each update changed > 5.1 Post-CR055 update (consultation closed 20 December 2024)"
    assert heading_gives_date(section, terms)
    # The answer leads with that heading.
    passage = Passage(
        "c1", 1, "07.md", "QA&P", section, "- Brought the QA&P into line with CR055.", "markdown"
    )
    index = SimpleNamespace(idf=lambda term: 1.0, lowercase_words=set())
    shown = highlight_of(terms, passage, index, Reading(kind="date"))
    assert shown.holds_answer
    assert (
        shown.text
        == "5.1 Post-CR055 update (consultation closed 20 December 2024): Brought the QA&P into line with CR055."
    )
    # A year alone, or a heading about something else, does not date it.
    assert not heading_gives_date("2. Chronology of dated events > 2.4 2026 onwards", terms)
    assert not heading_gives_date("8. DIP open day (20 May 2025)", terms)


def test_a_sentence_saying_the_guidance_does_not_give_the_asked_fact_declines_it():
    text = (
        "| Document | Version |\n| --- | --- |\n| BSCP537 version in force in 2023 | v15.0 |\n"
        "The pack's sources do not identify the version of BSCP537 now in force; check the BSC website."
    )
    terms = lexical_terms("which version of BSCP537 is in force now?", expand=False)
    chosen = choose_highlight(terms, text, _weights, "version", identifiers={"bscp537"})
    assert chosen.text.startswith("| BSCP537 version in force in 2023 | v15.0 |") and chosen.absence
    # The best match itself says so, and the only version given is another row's: still not the answer.
    text = (
        "| Item | Detail |\n| --- | --- |\n| Title of version 15.0 | BSCP537: Qualification Process |\n"
        "The pack's sources do not identify the version of BSCP537 now in force; check the BSC website."
    )
    chosen = choose_highlight(terms, text, _weights, "version", identifiers={"bscp537"})
    assert (
        chosen.text.startswith("| Title of version 15.0 | BSCP537: Qualification Process |")
        and chosen.absence
    )
    without = choose_highlight(terms, text.rsplit("\n", 1)[0], _weights, "version", identifiers={"bscp537"})
    assert (
        without.text == "| Title of version 15.0 | BSCP537: Qualification Process |" and not without.absence
    )
    # The highlighted sentence's own "not reproduced here" can be the answer to "where is it written?".
    where = "Submit within the timeframes in QA&P Appendix C (this pack does not reproduce them)."
    chosen = choose_highlight(lexical_terms("where are the submission timeframes written?"), where, _weights)
    assert chosen.text == where and not chosen.absence
    assert is_absence_statement("Cycle timings were to be announced later.")


def test_a_question_asking_for_several_things_is_answered_by_the_whole_list_or_table():
    assert asks_for_list("What are the four annexes of the QA&P?")
    assert asks_for_list("What details should I include when I email a query?")
    assert not asks_for_list("Who signs the final QAD?")
    text = (
        "The QA&P has four annexes, each with its own approach.\n"
        "| Annex | Title |\n| --- | --- |\n| Annex 1 | SIT approach |\n| Annex 2 | Non-SIT testing approach |\n"
        "| Annex 3 | LDSO approach |\n| Annex 4 | Non-Completion of Qualification |\n"
        "Annex 3 was later renamed."
    )
    terms = lexical_terms("What are the four annexes of the QA&P?", expand=False)
    chosen = choose_highlight(terms, text, _weights, wants_list=True)
    assert chosen.text.splitlines() == [
        "| Annex 1 | SIT approach |",
        "| Annex 2 | Non-SIT testing approach |",
        "| Annex 3 | LDSO approach |",
        "| Annex 4 | Non-Completion of Qualification |",
    ]
    assert chosen.header == "| Annex | Title |"
    items = (
        "Include these in the email:\n- your organisation\n- the question number\n- a contact name\nThanks."
    )
    listed = choose_highlight(
        lexical_terms("what details should i include in the email"), items, _weights, wants_list=True
    )
    assert listed.text.splitlines()[-3:] == [
        "- your organisation",
        "- the question number",
        "- a contact name",
    ]
    # A numbered list is a list too: "1. PIT entry" is one item, not "1." and "PIT entry".
    numbered = (
        "Participants send the RTTM at four points:\n1. PIT entry\n2. PIT exit\n3. QT entry\n4. QT exit"
    )
    assert [u.text for u in units_of(numbered)][1:] == [
        "1. PIT entry",
        "2. PIT exit",
        "3. QT entry",
        "4. QT exit",
    ]
    assert len({u.block for u in units_of(numbered)[1:]}) == 1
    points = choose_highlight(
        lexical_terms("At which points is the RTTM sent?"), numbered, _weights, wants_list=True
    )
    assert points.text.splitlines()[-1] == "4. QT exit"
    # Without asking for several things, the best sentence stands alone.
    assert (
        choose_highlight(terms, text, _weights).text
        == "The QA&P has four annexes, each with its own approach."
    )


def test_a_neighbour_matching_nearly_as_well_is_highlighted_too():
    text = (
        "The QAD goes to the Code Bodies first. Once the Code Bodies agree the QAD is complete, a Company Director signs it. "
        "For roles governed only under the REC, a delegate may sign the QAD instead. Approval follows."
    )
    question = "REC-only role - does a director have to sign our QAD, or can someone else?"
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights)
    assert chosen.text == (
        "Once the Code Bodies agree the QAD is complete, a Company Director signs it. "
        "For roles governed only under the REC, a delegate may sign the QAD instead."
    )
    # A neighbour matching much less well stays plain.
    alone = choose_highlight(lexical_terms("who signs the QAD as director?", expand=False), text, _weights)
    assert alone.text == "Once the Code Bodies agree the QAD is complete, a Company Director signs it."


def test_a_value_stated_in_a_short_sentence_after_the_best_one_answers_with_it():
    text = (
        "Ofgem consulted on a proposed direction to Elexon as MHHS Implementation Manager. "
        "The direction set new reporting requirements.\n"
        "The consultation closed on 30 January 2025.\n"
        "Elexon responded as Implementation Manager and as a participant."
    )
    question = "When did Ofgem's consultation on the proposed direction to Elexon close?"

    def common(term: str) -> float:  # words many passages share weigh little
        return 0.2 if term in ("consult", "close") else 1.0

    chosen = choose_highlight(lexical_terms(question, expand=False), text, common, "date")
    assert chosen.holds_answer
    assert chosen.text == (
        "Ofgem consulted on a proposed direction to Elexon as MHHS Implementation Manager. "
        "The direction set new reporting requirements. The consultation closed on 30 January 2025."
    )
    # Three sentences on, the date is no longer read as the answer.
    far = text.replace("requirements.\n", "requirements. It covers testing cohorts. It starts soon.\n")
    assert not choose_highlight(lexical_terms(question, expand=False), far, common, "date").holds_answer
    # A table row is a record of its own: the next milestone's date does not answer for this one.
    rows = (
        "| Milestone | Date |\n| --- | --- |\n| M14 milestone | to be set |\n| M15 milestone | October 2026 |"
    )
    terms = lexical_terms("when is the M14 milestone?", expand=False)

    def milestone_common(term: str) -> float:
        return 0.2 if term.startswith("mileston") else 1.0

    assert not choose_highlight(terms, rows, milestone_common, "date", identifiers={"m14"}).holds_answer
    # Nor is a capitalised pair after the best sentence taken for the asked person's name.
    people = "The Qualification Advisory Group governs qualification matters.\nGroup papers follow the Meeting Calendar."
    lowercase = {"the", "qualification", "advisory", "group", "governs", "matters", "papers", "follow"}
    terms = lexical_terms("who chairs the qualification advisory group?", expand=False)
    chosen = choose_highlight(terms, people, lambda t: 0.2 if t == "group" else 1.0, "person", lowercase)
    assert not chosen.holds_answer


def test_a_line_introducing_a_list_can_state_the_asked_value():
    text = (
        "The QA&P was consulted on in July 2024.\n"
        "The following documents were approved by the BSC and REC PABs on 28 August 2024:\n"
        "- QA&P v3.0\n- Annex 1 v2.0"
    )
    terms = lexical_terms("what date did the PABs approve the QA&P?", expand=False)
    chosen = choose_highlight(terms, text, _weights, "date")
    assert chosen.holds_answer
    assert chosen.text.startswith(
        "The following documents were approved by the BSC and REC PABs on 28 August 2024:"
    )
    assert "- QA&P v3.0" in chosen.text  # with the list it introduces


def test_plural_deadlines_ask_for_a_date_but_where_and_why_ask_for_no_value():
    assert wanted_answer_type("What are the exact Appendix C deadlines for the initial QAD?") == "date"
    assert wanted_answer_type("any due dates for the envelopes?") == "date"
    assert wanted_answer_type("Where are the deadlines for submitting the initial QAD written down?") is None
    assert wanted_answer_type("why was the deadline moved?") is None
    assert wanted_answer_type("where do I email the PQS form to?") == "email"
    # a question ending in "date?" asks for one, however it is put
    assert wanted_answer_type("QAD v3.0 - REC PAB aproval date?") == "date"
    assert wanted_answer_type("M15 go-live date??") == "date"


def test_a_when_clause_setting_the_scene_does_not_ask_for_a_date():
    assert wanted_answer_type("When we build our plan in Kestrel, do we load the actual MPANs?") is None
    assert wanted_answer_type("when we send the QAD, who signs it?") != "date"
    assert wanted_answer_type("When is the final QAD due?") == "date"
    assert wanted_answer_type("when, roughly, does QT start?") == "date"


def test_a_value_the_guidance_says_is_undefined_or_unavailable_is_an_absence():
    assert is_absence_statement("| M14 | (not defined in this pack's sources) | No date available |")
    assert is_absence_statement("No figures have been published for Scotland.")
    assert is_absence_statement("The migration thresholds are not available publicly.")
    assert not is_absence_statement("No participant sent feedback or comments.")
    assert not is_absence_statement("No applicant fee is charged.")


def test_an_absence_beside_the_answer_counts_only_in_a_part_naming_what_is_asked():
    # "M11 - what actually happens at that milestone?": the M11 row says what happens and, in its last cell, that
    # the pack does not record the approval date; shown beside the M12 row, it declined the question.
    asked = lexical_terms("M11 - what actually happens at that milestone?")
    assert not says_not_given(
        "| M11 | Suppliers begin migrating | this pack does not record the approval date |", asked
    )
    assert says_not_given("| M11 | this pack does not record what happens |", asked)


def test_a_lines_short_label_is_shown_with_the_sentence_after_it():
    text = (
        "Ask your IT team to allow the DIP website.\n"
        "Verifying company details. Only a Primary User Admin can do this. Other users can be added later."
    )
    chosen = choose_highlight(lexical_terms("who can verify company details?"), text, _weights)
    assert chosen.text == "Verifying company details. Only a Primary User Admin can do this."
    # A short statement read as a label keeps its own words in the highlight.
    fee = "- There is no applicant fee. Elexon recovers the cost centrally."
    assert choose_highlight(lexical_terms("is there an applicant fee?"), fee, _weights).text.startswith(
        "- There is no applicant fee."
    )
    # The label is shown with its sentence when that sentence matches best, too.
    funding = (
        "- There is no applicant fee. Elexon recovers the cost centrally through its funding arrangements."
    )
    question = "finance want a budget - is there a charge we pay Elexon to go through it?"
    assert choose_highlight(lexical_terms(question), funding, _weights).text.startswith(
        "- There is no applicant fee."
    )


def test_a_milestone_written_out_answers_for_its_number():
    passage = "A new entrant that wants to enter the market before Milestone 14 should study Appendix B of the QA&P."
    assert (
        missing_identifiers("We want to start before M14. Which part of the QA&P applies?", passage) == set()
    )
    assert missing_identifiers("We want to start before M15. Which part of the QA&P applies?", passage) == {
        "m15"
    }


def test_the_word_naming_the_asked_kind_of_value_does_not_choose_the_sentence():
    question = "On which day did the QAG sign off version 3.0 of the QA&P?"
    kind = wanted_answer_type(question)
    assert kind == "date"
    assert kind_named_terms(question, kind) == {"day"}
    assert kind_named_terms("What month is the go-live?", "date") == {"month"}
    assert kind_named_terms("Which day rate applies?", None) == set()  # no date asked: "day" is its subject
    text = (
        "| When | What happened |\n|---|---|\n"
        "| 22 August 2024 | QAG approved QA&P v3.0, Annex 1 v2.0 and Annex 2 v2.0 |\n"
        "| 28 August 2024 | BSC PAB and REC PAB approved the same three documents |\n\n"
        "The QA&P v3.0 was approved by both PABs on the same day, 28 August 2024."
    )
    rarity = _rarities({"day": 3.0, "qag": 2.2, "sign": 1.9, "version": 1.4, "3": 0.9, "0": 2.4, "qap": 1.2})
    every_term = lexical_terms(question, expand=False)
    assert "both PABs on the same day" in choose_highlight(every_term, text, rarity, kind).text
    asked = [t for t in every_term if t not in kind_named_terms(question, kind)]
    chosen = choose_highlight(asked, text, rarity, kind)
    assert "QAG approved QA&P v3.0" in chosen.text and "same day" not in chosen.text


def test_the_heading_names_what_every_unit_is_about():
    text = (
        "| Event | Date |\n|---|---|\n"
        "| Updated Functional Batches 1-3 published for consultation | Monday 19 May 2025 |\n"
        "| Deadline for feedback | 17:00 on Friday 30 May 2025 |\n\n"
        "The update descoped test cases. No participant sent feedback or comments, as the changes only removed tests."
    )
    question = "did anyone send comments on the Functional Batches 1-3 update?"
    terms = lexical_terms(question, expand=False)
    # Read alone, the row naming the batches matches best ...
    assert "published for consultation" in choose_highlight(terms, text, _weights).text
    # ... but under a heading naming them, every unit is about them, and the sentence saying what was asked wins.
    chosen = choose_highlight(terms, text, _weights, heading="5.2 Functional Batches 1, 2 and 3")
    # (shown after the short sentence before it on its line, read as the line's label)
    assert chosen.text.endswith(
        "No participant sent feedback or comments, as the changes only removed tests."
    )
    assert "published for consultation" not in chosen.text
    # The heading's words alone do not make a unit holding the asked kind of value the answer: its own words must
    # match the question.
    undated = choose_highlight(
        lexical_terms("when did the QAG approve Functional Batches 1-3?", expand=False),
        "| Event | Date |\n|---|---|\n| Update at the QWG | Tuesday 10 June 2025 |\n\nNo participant sent comments.",
        _weights,
        "date",
        heading="5.2 Functional Batches 1, 2 and 3",
    )
    assert not undated.holds_answer


def test_the_heading_names_the_identifiers_every_unit_is_about():
    heading = "5.2 Functional Batches 1, 2 and 3"
    text = (
        "| Event | Date |\n|---|---|\n"
        "| Updated Functional Batches 1-3 published for consultation | Monday 19 May 2025 |\n\n"
        "No participant sent feedback or comments."
    )
    question = "did anyone send comments on Functional Batches 1-3?"
    rarity = _rarities({"batch": 3.0, "function": 2.0, "comment": 2.1, "1": 0.7, "3": 0.9})

    terms = lexical_terms(question, expand=False)
    asked = identifiers_in(question)
    # Read alone, the row naming the three batches matches three of the question's identifiers, and wins ...
    alone = choose_highlight(terms, text, rarity, identifiers=asked)
    assert alone.text.startswith("| Updated Functional Batches 1-3") and "No participant" not in alone.text
    # ... under the heading naming them, every unit names them, and the sentence saying what was asked wins.
    chosen = choose_highlight(terms, text, rarity, identifiers=asked, heading=heading)
    assert "No participant sent feedback or comments." in chosen.text


def test_of_the_units_holding_the_asked_value_near_enough_in_words_the_best_ranked_answers():
    text = (
        "BSC Modification P476 Exemption gives the PAB power to exempt a Supplier from Smart obligations.\n"
        "It is aimed at advanced Suppliers.\n"
        "They have no systems for that segment.\n"
        "Ofgem approved P476 on 23 January 2025.\n"
        "The May 2025 update finally reflected that approval."
    )
    question = "What date was the P476 smart exemption modification finally approved?"
    rarity = _rarities({"p476": 1.8, "smart": 1.3, "exempt": 1.5, "modif": 3.6, "approv": 2.5})

    terms = [t for t in lexical_terms(question, expand=False) if t not in kind_named_terms(question, "date")]
    chosen = choose_highlight(
        terms,
        text,
        rarity,
        "date",
        identifiers=identifiers_in(question),
        heading="The smart exemption (P476)",
    )
    # Under the heading the May 2025 sentence ranks highest of those holding a date, but it shares too little of the
    # question in its own words; the best ranked of those that share enough answers.
    assert chosen.text == "Ofgem approved P476 on 23 January 2025." and chosen.holds_answer


def test_why_and_still_questions_are_recognised_in_the_sentence_that_asks():
    assert asks_why("why did annex 2 get changed in the may 2025 consultation?")
    assert asks_why("We saw the update. How come nobody replied?")
    assert asks_why("what's the point of the defect management plan?")
    assert not asks_why("When did Annex 2 change? Why is a separate question.")
    assert asks_if_still("Is the reliance policy still out for consultation?")
    assert asks_former_name("what did the Participant Checklist used to be called?")
    assert asks_former_name("Which old name does the checklist go by?")
    assert not asks_former_name("What is the checklist called?")
    assert asks_if_still("Old pages say the form goes to the Programme. Do we send it there any more?")
    assert not asks_if_still("We still have questions. Where is the form sent?")


@pytest.mark.parametrize(
    "asking, question, text, answer",
    [
        (  # a "why" question: the sentence giving a reason
            "reason",
            "why did Annex 2 get changed in the May 2025 consultation?",
            "On Monday 19 May 2025 the Programme published the QA&P and Annex 2 for consultation.\n"
            "Participants were invited to comment.\n"
            "Annex 2 was updated to reflect the removal of the CSS simulator.",
            "Annex 2 was updated to reflect the removal of the CSS simulator.",
        ),
        (  # whether something still holds: the sentence saying what holds now
            "current",
            "is the reliance policy still out for consultation?",
            "Early Programme pages (2023) describe the policy as still out for consultation.\n"
            "Later pages say the consultation has taken place.\n"
            "The policy matters to every participant.\n"
            "Treat the later wording as current: the consultation is over and the policy is applied.",
            "the consultation is over",
        ),
        (  # what something was called before: the sentence giving the earlier name
            "former",
            "what was the participant checklist called before?",
            "The Participant Checklist is called up before each planning release.\n"
            "The Participant Checklist (previously the Master Consultation Dashboard) keeps participants up to date.",
            "previously the Master Consultation Dashboard",
        ),
    ],
)
def test_a_why_still_or_former_name_question_is_answered_by_the_reason_what_holds_now_or_the_old_name(
    asking, question, text, answer
):
    terms = lexical_terms(question, expand=False)
    assert answer not in choose_highlight(terms, text, _weights).text
    assert answer in choose_highlight(terms, text, _weights, **{asking: True}).text


def test_a_sentence_giving_an_earlier_state_answers_only_a_question_about_the_past():
    text = (
        "Is M15 still October 2026?\n"
        "That date comes from late-2023 pages, before CR055 moved the plan; treat it as superseded and check the "
        "current Milestone Register.\n"
        "When is the cutover to the new settlement timetable?\n"
        "July 2027 under CR055, replacing the earlier December 2026."
    )
    question = "Under the CR055 plan, in which month does the switch to the new settlement timetable happen?"
    reading = read_question(question)
    assert not reading.past
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights, **vars(reading))
    assert chosen.text.startswith("July 2027")
    # Asked about the earlier plan, the sentence giving it answers.
    earlier = "What date did late-2023 pages give for M15 before CR055 moved the plan?"
    reading = read_question(earlier)
    assert reading.past
    chosen = choose_highlight(lexical_terms(earlier, expand=False), text, _weights, **vars(reading))
    assert chosen.text.startswith("That date comes from late-2023 pages")


def test_questions_about_the_past_are_told_from_questions_about_now():
    assert read_question("What were the old cohort labels?").past
    assert read_question("Which document replaced the Participant Checklist?").past
    assert read_question("When did M8 happen in 2024?").past
    assert not read_question("Who manages Qualification Testing for new entrant LDSOs?").past
    assert not read_question("What cohort labels should we use now?").past


def test_an_irregular_past_form_is_the_verb_in_the_highlight():
    assert verb_of("sent") == "send" and verb_of("paid") == "pay" and verb_of("comment") == "comment"
    text = (
        "| Updated Functional Batches 1-3 published for consultation | Monday 19 May 2025 |\n"
        "No participant sent feedback or comments."
    )
    question = "Did anyone send comments on Functional Batches 1-3?"
    terms = lexical_terms(question, expand=False)
    chosen = choose_highlight(terms, text, _weights, heading="Functional Batches 1, 2 and 3")
    assert chosen.text == "No participant sent feedback or comments."


def test_a_sentence_about_another_of_several_does_not_answer_for_the_one_asked():
    text = (
        "The first consultation focused on the Migration schedule and was approved by the MCAG on 8 May 2024.\n"
        "The second consultation focused on monitoring and controlling Migration Execution. "
        "This was approved by the MCAG on 25 July 2024."
    )
    for question in (
        "When did MCAG approve the second Migration Framework consultation?",
        "when did mcag approve the 2nd migration framework consultation?",
    ):
        reading = read_question(question)
        assert reading.ordinal == 2
        chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights, **vars(reading))
        assert "25 July 2024" in chosen.text and "8 May 2024" not in chosen.text
    assert read_question("Which came first, the QAD or the plan?").ordinal == 1
    assert read_question("Were the first and second consultations approved?").ordinal is None  # two asked


def test_an_faq_answer_run_on_after_its_question_keeps_the_question_as_its_lead_in():
    text = (
        "E1. When did M8 happen? I have seen 7 March 2025. The Code Artefacts went live on Monday 22 September "
        "2025. The 7 March 2025 date came from an article written before CR055.\n"
        "E2. When was M10 approved? By the SRO on Wednesday 24 September 2025."
    )
    question = "When did the code changes go live?"
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights, "date")
    assert chosen.text.startswith("The Code Artefacts went live on Monday 22 September 2025.")
    assert "When did M8 happen?" in chosen.lead_in and "E1." in chosen.lead_in
    assert "M10" not in chosen.lead_in


def test_an_absence_is_judged_sentence_by_sentence_and_not_from_a_unit_about_another_version():
    row = (
        "| Appendix C - QAD submission timelines | The timeframes for the two formal QAD submissions. "
        "The timelines are not reproduced in this pack |"
    )
    assert not says_not_given(row, lexical_terms("What is Appendix C of the QA&P about?", expand=True))
    assert says_not_given(row, lexical_terms("What are the Appendix C timelines?", expand=True))
    text = (
        "| Item | Detail |\n| --- | --- |\n"
        "| Title of version 15.0 | BSCP537: Qualification Process for SVA Parties |\n"
        "| Version 15.0 | Effective from 1 September 2021; approved by the BSC Panel |\n\n"
        "The pack's sources do not identify the version of BSCP537 now in force."
    )
    question = "bscp537 v15 - when did it take effect?"
    chosen = choose_highlight(
        lexical_terms(question, expand=False), text, _weights, "date", identifiers=identifiers_in(question)
    )
    assert "Version 15.0" in chosen.text and not chosen.absence
    assert choose_highlight(
        lexical_terms("which bscp537 version is in force?", expand=False),
        text,
        _weights,
        "version",
        identifiers={"bscp537"},
    ).absence


def test_a_named_appendix_is_a_term_to_define_and_a_table_row_names_it_before_its_description():
    assert defined_term("What is Appendix C of the Qualification Approach & Plan about?") == "Appendix C"
    assert defined_term("QA&P Appendix C - what's in it?") == "Appendix C"
    assert defined_term("What is the purpose of the MHHS Placing Reliance Policy?") is None
    assert "appendix c" in entry_names("| **Appendix C** - QAD submission timelines | The timeframes ... |")


def test_a_cut_off_asks_for_a_date_a_charge_for_money_and_a_value_word_used_as_a_verb_for_nothing():
    assert wanted_answer_type("wots the cut off for comments on functional batches 1-3") == "date"
    assert wanted_answer_type("do we have to pay anything to get MHHS qualified?") == "money"
    assert wanted_answer_type("is there a charge to apply?") == "money"
    assert wanted_answer_type("What does the Migration Thresholds doc actually limit?") is None
    assert wanted_answer_type("what is the daily limit?") == "number"
    assert wanted_answer_type("How many migrations does the threshold cap?") == "number"


def test_a_deadline_or_a_charge_is_matched_by_what_states_it_in_other_words():
    rows = (
        "| Event | Date |\n| --- | --- |\n"
        "| Updated Functional Batches 1-3 published for consultation | Monday 19 May 2025 |\n"
        "| Deadline for feedback and the completed Comments Log | 17:00 on Friday 30 May 2025 |"
    )
    question = "what was the cut off for comments on functional batches 1-3?"
    reading = read_question(question)
    assert reading.deadline
    heading = "5.2 Functional Batches 1, 2 and 3"
    terms = lexical_terms(question, expand=False)
    chosen = choose_highlight(terms, rows, _weights, heading=heading, **vars(reading))
    assert "30 May 2025" in chosen.text
    text = (
        "Qualification tests whether a participant that plans to operate under MHHS has the systems it needs.\n"
        "- There is no applicant fee. Elexon recovers the cost centrally."
    )
    question = "do we have to pay anything to get MHHS qualified?"
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights, "money")
    assert chosen.text.startswith("- There is no applicant fee.") and chosen.holds_answer


def test_a_question_for_what_replaced_something_is_answered_by_what_names_the_new():
    assert read_question("What cohort labels should we be using instead?").replacement
    assert read_question("Which cohort names superseded MVC and Non-MVC?").replacement
    assert read_question("what did the code bodies replace the tranche approach with?").replacement
    assert not read_question(
        "is the reliance policy still out for consultation or is it final now?"
    ).replacement
    assert not read_question("What did the SAWG replace?").replacement
    text = (
        "The QA&P update consulted on from 19 May 2025 replaced the old cohort labels.\n\n"
        "| Label set | Labels |\n| --- | --- |\n"
        "| Old (superseded) | SIT MVC / Non-MVC |\n"
        "| New (current) | M10 Ready / M11 Ready / Not M11 Ready |"
    )
    for question in (
        "Which cohort names superseded MVC and Non-MVC?",
        "What labels replaced the old SIT MVC / Non-MVC cohort names in the May 2025 QA&P update?",
    ):
        chosen = _answer_of(question, text)
        assert "M10 Ready / M11 Ready / Not M11 Ready" in chosen.text, question


def test_what_goes_in_something_asks_for_a_list_and_a_sentence_leading_into_one_is_shown_with_it():
    assert asks_for_list("what goes in the QT test completion report template?")
    assert asks_for_list("What's expected to go into the test completion report at the end of QT?")
    assert asks_for_list("what 3 things shld the LDSO QT approach & plan template cover??")
    assert asks_for_list("What should the QT Test Completion Report contain?")
    assert asks_for_list("We need to write the report. What does it need to contain?")
    assert not asks_for_list("Does the report contain defects?")
    assert not asks_for_list("what goes wrong in QT?")
    text = (
        "At the end of QT, the Test Completion Report Template is used to confirm that testing is finished. It:\n"
        "- lists all the testing you have completed and the status of each test;\n"
        "- records any defects; and\n"
        "- proposes items that should be carried forward as work-off items."
    )
    question = "what goes in the test completion report at the end of QT?"
    chosen = _answer_of(question, text)
    assert chosen.text.startswith("At the end of QT") and "- records any defects; and" in chosen.text
    assert chosen.text.endswith("work-off items.")


def test_a_sentence_does_not_end_inside_brackets():
    units = units_of(
        "Who can lose it (Qualified Persons, i.e. Party Agents): the agents listed.\n- Meter Operators."
    )
    assert units[0].text == "Who can lose it (Qualified Persons, i.e. Party Agents): the agents listed."
    assert [u.text for u in units_of("It ends here (see note 3). Then another.")] == [
        "It ends here (see note 3).",
        "Then another.",
    ]


def test_the_situation_told_before_an_faq_question_is_answered_by_what_follows_the_question():
    text = (
        "B3. Who reviews the form? The Code Bodies review it.\n"
        "B4. Older pages say the reliance form goes to the MHHS Programme. Which is right? That instruction "
        "belonged to the closed phase. Current reliance proposals go to the Code Bodies."
    )
    question = "An older page tells us to send our reliance form to the MHHS Programme. Is that still right?"
    chosen = _answer_of(question, text)
    assert "Current reliance proposals go to the Code Bodies." in chosen.text
    assert "Older pages say" in chosen.lead_in


def test_a_time_ahead_of_something_is_no_frequency():
    assert not has_answer_type("Diary the Annual Statement a month ahead of your own deadline.", "frequency")
    assert not has_answer_type("Book the room a week before the meeting.", "frequency")
    assert has_answer_type("A yearly self-certification, submitted through the REC Portal.", "frequency")
    assert has_answer_type("Suppliers refresh their envelopes twice a month.", "frequency")


def test_a_question_naming_part_of_a_list_asks_for_the_rest_of_it():
    assert asks_for_list(
        "Apart from placing reliance and the RTTM, what other topic should the template address?"
    )
    assert asks_for_list("Besides the RTTM, which documents do we send?")
    assert asks_for_list("what else does the template want us to cover?")
    assert not asks_for_list("Other than email, how can I contact them?")
    text = (
        "It asks you to think in particular about:\n"
        "1. your Placing Reliance approach;\n"
        "2. your Requirements to Test Traceability Matrix (RTTM);\n"
        "3. any Opt Out of DIP Flows."
    )
    question = "Apart from placing reliance and the RTTM, what other topic should the template address?"
    chosen = _answer_of(question, text)
    assert "any Opt Out of DIP Flows" in chosen.text


def test_who_is_on_a_body_is_answered_by_what_it_is_made_up_of():
    assert read_question("who actually sits on the BSC PAB, is it elexon staff?").membership
    assert read_question("Who are the QAG's members?").membership
    assert not read_question("Who presents our application to the PAB?").membership
    text = (
        "- Role of the PAB. The BSC PAB provides preventative assurance that participants are properly qualified.\n"
        "- Membership. The PAB is made up of industry Subject Matter Experts (SMEs) who serve as volunteers.\n"
        "- What it looks at. The PAB does not re-review your QAD.\n"
        "- Who presents. Your application is presented to the PAB by Elexon's Qualification Analysts.\n"
        "- Meeting date. You will be told which PAB meeting your application is targeted at."
    )
    question = "Who is on the BSC PAB - Elexon staff?"
    rarity = _rarities(
        {"bsc": 0.3, "elexon": 0.5, "staff": 0.1}
    )  # "BSC" and "Elexon": in most of the guidance
    chosen = _answer_of(question, text, rarity)
    assert "made up of industry Subject Matter Experts" in chosen.text


def test_what_came_of_something_or_why_it_is_is_the_sentence_after_the_one_naming_it():
    assert asks_if_still("whatever happened to the CCDG 'one way gate' idea?")
    text = (
        "- Superseded recommendation. In its 2021 transition consultation the CCDG proposed a one way gate that "
        "would have ruled reverse migration out. The later MHHS design allows reverse migration, so that "
        "recommendation was not carried forward.\n"
        "- Superseded date. An article said reverse migration could happen from March 2025."
    )
    question = "whatever happened to the CCDG 'one way gate' idea for reverse migration?"
    chosen = _answer_of(question, text)
    assert chosen.text.endswith("so that recommendation was not carried forward.")
    text = (
        "Under the MHHS Placing Reliance Policy a participant may count testing that a third party has already "
        "carried out towards its own Qualification. The point is to stop participants repeating tests that add "
        "nothing new.\n"
        "If you use reliance, the evidence goes into your QAD."
    )
    question = "What is the purpose of the MHHS Placing Reliance Policy?"
    chosen = _answer_of(question, text)
    assert "The point is to stop participants repeating tests" in chosen.text


def test_where_something_should_be_raised_asks_for_a_destination_and_a_comma_ends_a_lead_in():
    assert wanted_answer_type("where should DIP onboarding questions be raised?") == "destination"
    assert wanted_answer_type("where do I raise DIP onboarding questions?") == "destination"
    assert wanted_answer_type("where are the deadlines written?") is None
    assert defined_term("in the glossary, what is UIT exactly?") == "UIT"


def test_compulsory_mandatory_and_optional_are_one_word_in_the_highlight():
    assert meaning_of("compulsori") == meaning_of("mandatori") and meaning_of("sent") == "send"
    text = (
        "Verifying company details. Only a Primary User Admin can do this.\n"
        "The fields are company name, company description and company number (all mandatory)."
    )
    question = "When verifying the company, which fields are compulsory?"
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _rarities({"field": 0.5}))
    assert "(all mandatory)" in chosen.text
    # Whether something is required is answered by a sentence saying it is optional as much as one saying it is not.
    assert meaning_of("option") == meaning_of("mandatori") == meaning_of("voluntari")
    text = (
        "A participant qualifies through Qualification Testing or through the earlier SIT route. Those who took "
        "part in SIT were told they need not do QT as well.\n"
        "- Voluntary for most. For the majority of participants SIT was an optional phase."
    )
    rarity = _rarities({"take": 0.3, "part": 0.3, "sit": 0.5})  # everyday words and the passage's subject
    chosen = choose_highlight(lexical_terms("Is taking part in SIT mandatory?", expand=False), text, rarity)
    assert "SIT was an optional phase" in chosen.text


def test_a_body_asked_about_must_be_the_one_the_answer_says_approved():
    text = (
        "Following the consultation, the documents were approved by the Qualification Advisory Group (QAG) on "
        "22 August 2024 and the BSC and REC Performance Assurance Boards (PABs) on 28 August 2024."
    )
    assert other_actor("When did the PSG approve QA&P v3.0?", text)
    assert other_actor("When did Ofgem approve QA&P v3.0?", text)
    assert not other_actor("When did the REC PAB approve QA&P v3.0?", text)
    assert not other_actor("when did the qag approve it?", text)
    assert not other_actor("When was QA&P v3.0 approved?", text)
    assert not other_actor("who has to sign the final QAD?", "It is signed by a Company Director.")
    assert not other_actor("When did the PSG approve it?", "It goes to the PSG next month.")


def test_a_question_for_a_modification_names_the_one_it_does_not_ask_for_as_context():
    question = "which BSC mod originally set up the DIP Rules governance? (P496 refers back to it)"
    reading = read_question(question)
    assert reading.kind == "change" and not reading.identifiers
    text = (
        "Ofgem has approved BSC Modification P496. The DIP supports the exchange of data between participants. "
        "In November 2024, BSC Modification P474 established a governance regime for the DIP known collectively as "
        "the DIP Rules."
    )
    chosen = choose_highlight(lexical_terms(question, expand=False), text, _weights, **vars(reading))
    assert "P474" in chosen.text and "P496" not in chosen.text


def test_a_question_on_when_something_was_approved_is_not_answered_by_another_event():
    issued = (
        "On Monday 11 August 2025, the MHHS Programme issued the SIT Overarching Exit Report Post-Regression."
    )
    assert unconfirmed_event("When was the SIT overarching exit report post-regression approved?", issued)
    assert not unconfirmed_event(
        "When was the SIT overarching exit report post-regression published?", issued
    )
    signed = "The eSITAG signed off the SIT Operational Exit Report on Friday 15 August 2025."
    assert not unconfirmed_event("When was the SIT operational exit report approved?", signed)
    faq = "By the SRO at the extraordinary PSG on Wednesday 24 September 2025, together with M13."
    assert unconfirmed_event("When were M10 and M13 approved?", faq)
    assert not unconfirmed_event("When were M10 and M13 approved?", faq, "E2. When was M10 approved?")


def test_a_month_the_question_names_must_be_in_the_passage():
    calendar = "- November 21 Thursday QAG\n- December 19 Thursday QAG"
    assert missing_months("what date is the January QAG?", calendar) == {1}
    assert not missing_months("what date was the Dec QAG?", calendar)
    assert not missing_months("may we see the QAG calendar?", calendar)  # the verb, not the month
    assert not missing_months("May auditors attend the QAG?", calendar)
    assert missing_months("what happened in May 2025?", calendar) == {5}


def test_a_year_the_question_names_is_no_date_on_its_own():
    years = frozenset({"2025"})
    playlist = "Watch the REC MHHS Engagement Day 2025 Playlist on our YouTube channel."
    assert has_answer_type(playlist, "date")
    assert not has_answer_type(playlist, "date", None, years)
    assert has_answer_type("It was held on Tuesday 12 March 2025.", "date", None, years)
    assert has_answer_type("It was held in March 2025.", "date", None, years)
    assert has_answer_type("The 2024 day was the first.", "date", None, years)


def test_an_expectation_the_asker_held_asks_whether_it_still_holds():
    assert asks_if_still("wasn't there meant to be a one way gate stopping reverse migration?")
    assert asks_if_still("weren't suppliers supposed to send it to the Programme?")
    assert asks_if_still("I thought the form went to the Programme?")
    assert not asks_if_still("what is the QAD meant to contain?")
    text = (
        "- Superseded recommendation. In its 2021 transition consultation the CCDG proposed a one way gate that "
        "would have ruled reverse migration out. The later MHHS design allows reverse migration, so that "
        "recommendation was not carried forward.\n"
        "- Superseded date. An article said reverse migration could happen from March 2025."
    )
    chosen = _answer_of("wasn't there meant to be a one way gate stopping reverse migration?", text)
    assert chosen.text.endswith("so that recommendation was not carried forward.")


def test_a_line_labelled_with_the_word_the_question_opens_with_answers_it():
    assert question_opening("Who manages QT for new entrant LDSOs?") == "who"
    assert question_opening("MOA here - when is it due?") == "when"
    assert question_opening("Which bodies approve it, and when?") is None
    text = (
        "- Test content: the scenarios page carries the test cases for new entrants.\n"
        "- Who runs it: the Testing Assurance team at CGI, for the Code Bodies.\n"
        "- Where the detail is: QA&P Annex 3."
    )
    rarity = _rarities({"test": 0.3, "new": 0.3, "entrant": 0.4})  # words of the whole page's subject
    chosen = _answer_of("Who manages Qualification Testing for new entrant LDSOs?", text, rarity)
    assert "- Who runs it: the Testing Assurance team at CGI" in chosen.text
    # Without the opening word, the label is just another line.
    chosen = _answer_of("Qualification Testing for new entrant LDSOs - manager?", text, rarity)
    assert "Who runs it" not in chosen.text
    # A label ending in a full stop labels the sentence after it, which says it too; a question asking who is on a
    # body asks for its members.
    text = (
        "- Membership. The PAB is made up of industry experts who serve as volunteers.\n"
        "- Who presents. Your application is presented to the PAB by the Qualification Analysts.\n"
        "- Meeting date. You will be told which PAB meeting your application is targeted at before it goes for "
        "approval."
    )
    rarity = _rarities({"pab": 0.3})
    chosen = _answer_of("Who actually presents our application when it goes to the PAB?", text, rarity)
    assert "presented to the PAB by the Qualification Analysts" in chosen.text
    chosen = _answer_of("who actually sits on the PAB, is it Elexon staff?", text, rarity)
    assert "made up of industry experts" in chosen.text


def test_a_question_telling_two_terms_apart_is_answered_by_the_unit_naming_both():
    text = (
        "The QA&P is the master plan for MHHS Qualification. It sets out the high-level plan. "
        'Elexon pages sometimes abbreviate it as "QAP"; Programme pages use "QA&P". Both mean the same document.'
    )
    chosen = _answer_of("QAP vs QA&P, same doc or different?", text)
    assert chosen.text == (
        'Elexon pages sometimes abbreviate it as "QAP"; Programme pages use "QA&P". Both mean the same document.'
    )
    # The same words without the comparison: the plan's own sentence.
    assert _answer_of("what is the QA&P, the plan?", text).text.startswith("The QA&P is the master plan")


def test_whether_anyone_did_something_is_answered_by_the_sentence_saying_none_did():
    assert read_question("Did any participants send comments on the consultation?").any_asked
    assert read_question("is there any fee?").any_asked
    assert not read_question("Which participants sent comments?").any_asked
    text = (
        "| Event | Date |\n| --- | --- |\n"
        "| Updated Functional Batches 1-3 published for consultation | Monday 19 May 2025 |\n"
        "| Deadline for feedback and the completed Comments Log | Friday 30 May 2025 |\n\n"
        "No participant sent feedback or comments, which the Code Bodies had expected."
    )
    question = "Did any participants send comments on the Functional Batches 1-3 consultation in May 2025?"
    chosen = _answer_of(question, text, heading="5.2 Functional Batches 1, 2 and 3")
    assert "No participant sent feedback or comments" in chosen.text
    assert "published for consultation" not in chosen.text


def test_what_had_to_be_in_place_before_something_began_is_the_sentence_saying_not_until():
    assert meaning_of("begin") == meaning_of("start") == meaning_of("commenc")
    text = (
        "- Start conditions. SIT could not begin until every Core Capability Provider had finished design, build "
        "and PIT.\n"
        "- Why the plan moved. CR055 extended the timeline because SIT was taking longer than planned and needed to "
        "be completed robustly."
    )
    chosen = _answer_of("what needed to be in place before SIT could kick off?", text)
    assert "could not begin until every Core Capability Provider" in chosen.text
    assert "Why the plan moved" not in chosen.text


def test_a_label_naming_people_answers_a_question_opening_with_who():
    text = (
        "- What: the Migration Planning and Management Tool, known as Kestrel, built on role-based access.\n"
        "- Users: Suppliers, LDSOs, Supplier Agents and Central Parties.\n"
        "- Use: Suppliers submit their migration plans through Kestrel."
    )
    rarity = _rarities({"kestrel": 0.5})
    chosen = _answer_of("who gets access to Kestrel, LDSOs too?", text, rarity)
    assert "Users: Suppliers, LDSOs, Supplier Agents and Central Parties." in chosen.text


def test_a_question_asking_as_a_market_role_prefers_a_passage_naming_it():
    general = hit("For roles that need REC approval, the REC Code Manager approves.", 1)
    matrix = hit(
        "In words: Suppliers need all three; Data Services need the DIP Manager and the BSC PAB only.", 2
    )
    other = hit("Data Services send their QAD to the Code Bodies.", 3)

    def order(question, hits=(general, matrix, other)):
        return [h.passage.chunk_id for h in prefer_named_roles(question, list(hits))]

    assert order("Does a Data Service need approval from the REC Code Manager?") == ["c2", "c1", "c3"]
    # The best already names the role, no role is named, or the role is only an example: the order stands.
    assert order("Does a Data Service need approval?", (matrix, general, other)) == ["c2", "c1", "c3"]
    assert order("Who approves at the REC?") == ["c1", "c2", "c3"]
    assert order("Can the REC Code Manager approve a party, e.g. a data service?") == ["c1", "c2", "c3"]
    # Only the best few are looked at.
    assert order("Does a Data Service need approval?", (general, hit("Nothing here.", 4), other, matrix)) == [
        "c3",
        "c1",
        "c4",
        "c2",
    ]


def test_with_a_situation_told_the_asking_sentence_chooses_among_the_units_giving_the_value():
    question = (
        "We're a supplier that only operates in the advanced segment and want an exemption from smart segment "
        "qualification. When did Ofgem approve the modification that allows this?"
    )
    assert read_question(question).asked_terms >= {"ofgem", "approv"}
    assert read_question("When did Ofgem approve P476?").asked_terms == frozenset()
    text = (
        "- What P476 does. It gives the PAB power to exempt a Supplier from its smart segment qualification.\n"
        "- Approval. Ofgem approved P476 on 23 January 2025.\n"
        "- REC side. In February 2025 a paper asked the REC PAB to approve the principle that a Supplier "
        "qualifying with an exemption may receive a derogation for smart segment Meter Points."
    )
    chosen = _answer_of(question, text, heading="6. The smart segment exemption (P476)")
    assert "Ofgem approved P476 on 23 January 2025." in chosen.text
    assert "REC side" not in chosen.text


def test_by_when_is_answered_by_a_time_allowed_after_another_step_in_any_duration_the_checks_read():
    question = "By when must we reply to a data request?"
    for sentence in (
        "Reply within 15 working days of the request.",
        "Reply within a fortnight of the request.",
        "Reply within twelve calendar days.",
        "Reply no later than the next QAG meeting.",
    ):
        assert answers_by_when(question, sentence), sentence
    assert not answers_by_when(question, "Reply within the programme's usual process.")
    assert not answers_by_when("When must we reply to a data request?", "Reply within 15 working days.")
