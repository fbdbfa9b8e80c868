"""Shared fixtures. Each feature keeps its fixtures in tests/fixtures/ and is listed here."""

pytest_plugins = [
    "tests.fixtures.slack_api",
    "tests.fixtures.deadlines",
    "tests.fixtures.mail",
    "tests.fixtures.knowledge",
    "tests.fixtures.slack_app",
]
