"""The shared inbox: fetch (IMAP), parse, triage rules, the triage pass, replies (SMTP) and the watcher."""
