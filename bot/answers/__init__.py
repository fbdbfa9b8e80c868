"""Answers and feedback: the record of every question asked, the answer given, votes, escalations to the team and
the team's answers."""
