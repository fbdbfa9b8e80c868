"""The project's exception types.

Code inside raises these; the edges (the CLI, the Slack error handler) translate them once into a message
for the person in front of the tool. The knowledge base has its own (:mod:`knowledge.errors`).
"""


class AssistantError(Exception):
    """Base class for errors the assistant reports to its user as a plain message."""


class ConfigError(AssistantError):
    """A setting is missing or has a bad value. The message names the setting."""

    def __init__(self, setting: str, problem: str):
        self.setting = setting
        self.problem = problem
        super().__init__(f"setting {setting}: {problem}")


class MailError(AssistantError):
    """A mail could not be fetched, parsed or processed."""


class DeadlinesFileError(AssistantError):
    """The deadlines file is invalid. The message names the entry and the field."""

    def __init__(self, message: str, entry: str | None = None, field: str | None = None):
        self.entry = entry
        self.field = field
        super().__init__(message)


class CaseError(AssistantError):
    """A case operation was refused (unknown reference, invalid transition, no permission)."""


class StorageError(AssistantError):
    """A file or directory of the data directory cannot be read or written. The message names it and what to do."""
