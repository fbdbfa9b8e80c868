"""Inbox triage, the domain part: what a mail is, what it means, and what is recorded and queued because of it.

:mod:`~bot.mail.parse` (bytes -> :class:`~bot.mail.parse.Email`), :mod:`~bot.mail.rules` (an Email -> a
:class:`~bot.mail.rules.TriageDecision`), :mod:`~bot.mail.recording` (one mail -> its message row, case, attachments,
audit trail and outbox rows, in one transaction), :mod:`~bot.mail.sync_state` (UIDVALIDITY and the last UID seen),
:mod:`~bot.mail.failures` (failed and quarantined mail), :mod:`~bot.mail.outbox` (Slack posts and replies waiting to
be sent), :mod:`~bot.mail.replies` (composing the automatic replies) and :mod:`~bot.mail.schema` (the tables).

Nothing here talks to IMAP, SMTP or Slack: the connections, the triage pass and the delivery of the outbox are in
:mod:`handlers.mail`.
"""
