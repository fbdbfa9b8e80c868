"""The knowledge base's own exception types.

Everything the knowledge base raises on purpose is a :class:`KnowledgeError`. The application's edges (the command
line, the Slack adapter) report these as a plain message to the person in front of the tool, as they do their own
errors.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class for errors the knowledge base reports to its user as a plain message."""


class KnowledgeConfigError(KnowledgeError):
    """An option of the knowledge base has a bad value. ``option`` names it (a field of ``KnowledgeConfig``, such
    as ``embedding_model``); the application translates it into the name its user knows the setting by."""

    def __init__(self, option: str, problem: str):
        self.option = option
        self.problem = problem
        super().__init__(f"option {option}: {problem}")


class IndexMissingError(KnowledgeError):
    """No search index exists yet in the data directory."""


class IndexMismatchError(KnowledgeError):
    """The saved index was built with another embedding model or dimension: it must be rebuilt."""


class IndexCorruptError(IndexMismatchError):
    """A file of the saved index cannot be read (damaged, truncated): the message names it; ``mhhs-bot index``
    rebuilds it."""


class DocumentError(KnowledgeError):
    """A document could not be read. ``path`` names it, the message gives the reason."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class QuestionFileError(KnowledgeError):
    """A file of evaluation questions is not in the expected format. The message names the line."""
