"""The shared inbox's connections: IMAP (imap), the triage pass (inbox), the watcher, SMTP (smtp) and the delivery
of the outbox to Slack and by mail (delivery). What mail means and what is recorded is in :mod:`bot.mail`."""
