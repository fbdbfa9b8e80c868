"""The app manifest asks for exactly what the code uses, and the README documents the Slack command."""

import re
from pathlib import Path

import yaml

from handlers.slack.assistant import COMMAND

REPO = Path(__file__).resolve().parents[1]

# Web API methods the assistant calls -> the bot scopes they need (methods needing none map to nothing)
METHOD_SCOPES = {
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_getPermalink": set(),
    "auth_test": set(),
    "conversations_members": {"channels:read", "groups:read"},
    "conversations_history": {"channels:history", "groups:history", "im:history"},
    "conversations_open": {"im:write"},
    "users_info": {"users:read"},
    "views_publish": set(),
    "views_open": set(),
    "views_push": set(),
    "views_update": set(),
    "assistant_threads_setStatus": {"assistant:write"},
    "assistant_threads_setSuggestedPrompts": {"assistant:write"},
    "assistant_threads_setTitle": {"assistant:write"},
}
# Slack's assistant side panel, through bolt's Assistant middleware: its events and the scope they need
ASSISTANT_EVENTS = {"assistant_thread_started", "assistant_thread_context_changed"}
EVENT_SUBSCRIPTIONS = {
    "app_mention": ({"app_mention"}, {"app_mentions:read"}),
    "message": (
        {"message.channels", "message.groups", "message.im"},
        {"channels:history", "groups:history", "im:history"},
    ),
    "app_home_opened": ({"app_home_opened"}, set()),
}


def slack_sources() -> str:
    files = sorted((REPO / "handlers" / "slack").rglob("*.py"))
    return "\n".join(path.read_text() for path in files)


def test_manifest_scopes_events_and_command_match_the_code():
    manifest = yaml.safe_load((REPO / "slack" / "manifest.yml").read_text())
    source = slack_sources()
    methods = set(re.findall(r"client\.(\w+)\(", source))
    assert methods <= set(METHOD_SCOPES), (
        f"a Web API method without a known scope: {methods - set(METHOD_SCOPES)}"
    )
    events = set(re.findall(r"app\.event\(\"(\w+)\"\)", source))
    assert events == set(EVENT_SUBSCRIPTIONS)

    scopes = set().union(*(METHOD_SCOPES[m] for m in methods))
    bot_events = set()
    for event in events:
        subscriptions, needed = EVENT_SUBSCRIPTIONS[event]
        bot_events |= subscriptions
        scopes |= needed
    scopes.add("commands")
    if "app.assistant(" in source:
        bot_events |= ASSISTANT_EVENTS | {"message.im"}
        scopes |= {"assistant:write", "im:history"}
        view = manifest["features"]["assistant_view"]
        assert view["assistant_description"] and 1 <= len(view["suggested_prompts"]) <= 4
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == scopes
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == bot_events
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == [COMMAND]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True


def test_readme_and_procfile_cover_serving():
    readme = (REPO / "README.md").read_text()
    assert "| `mhhs-bot serve" in readme
    assert "## Slack" in readme and "slack/manifest.yml" in readme
    assert "web: mhhs-bot serve" in (REPO / "Procfile").read_text()
