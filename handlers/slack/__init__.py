"""Slack: the bolt app (:mod:`handlers.slack.app`), HTTP serving (:mod:`handlers.slack.serving`), the Web API
client (:mod:`handlers.slack.client`), the listeners (:mod:`handlers.slack.listeners`, one module a kind, each with
``register(app, assistant)``), the behaviour they call (:mod:`handlers.slack.assistant`) and the one rendering
module every message goes through (:mod:`handlers.slack.render`)."""
