"""The knowledge base as the rest of the assistant uses it: the assistant's settings in, :mod:`knowledge.service` out.

``open_knowledge_base(settings)`` loads the embedding model and the index from the data directory once; its ``ask``
answers a question with quoted, cited guidance (or declines). ``index_guidance(settings)`` brings the index up to
date. A bad knowledge option comes back as :class:`bot.core.errors.ConfigError` naming the setting (``MHHS_...``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.core.errors import ConfigError
from bot.core.settings import Settings
from bot.core.settings.knowledge import KnowledgeSettings
from bot.storage import connect
from knowledge import service
from knowledge.embed import Embedder
from knowledge.errors import KnowledgeConfigError
from knowledge.indexer import IndexReport, ProgressCallback
from knowledge.service import BUNDLED_GUIDANCE, KnowledgeBase, KnowledgeConfig

__all__ = [
    "BUNDLED_GUIDANCE",
    "KnowledgeBase",
    "guidance_roots",
    "index_guidance",
    "knowledge_config",
    "make_embedder",
    "open_knowledge_base",
]

# The knowledge options are named as the KnowledgeSettings fields they come from, so each maps to its variable.
_SETTING_OF_OPTION = {f.name: f.metadata["env"] for f in dataclasses.fields(KnowledgeSettings)}


def knowledge_config(settings: Settings) -> KnowledgeConfig:
    return KnowledgeConfig(
        database_path=settings.database_path,
        index_dir=settings.index_dir,
        open_database=connect,
        enquiries_address=settings.enquiries_address,
        models_dir=settings.models_dir,
        embedding_model=settings.knowledge.embedding_model,
        question_encoder=settings.knowledge.question_encoder,
        embedding_precision=settings.knowledge.embedding_precision,
        embedding_threads=settings.knowledge.embedding_threads,
        answer_threshold=settings.knowledge.answer_threshold,
        max_document_mb=settings.knowledge.max_document_mb,
        guidance_paths=tuple(settings.knowledge.guidance_paths),
    )


@contextmanager
def _named_settings() -> Iterator[None]:
    """Report a bad knowledge option as the setting the user sets it with."""
    try:
        yield
    except KnowledgeConfigError as exc:
        raise ConfigError(_SETTING_OF_OPTION.get(exc.option, exc.option), exc.problem) from None


def guidance_roots(settings: Settings) -> list[Path]:
    return service.guidance_roots(knowledge_config(settings))


def make_embedder(settings: Settings) -> Embedder:
    """The configured model, with questions embedded as ``MHHS_QUESTION_ENCODER`` says."""
    with _named_settings():
        return service.make_embedder(knowledge_config(settings))


def index_guidance(
    settings: Settings,
    paths: list[Path] | None = None,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    embedder: Embedder | None = None,
) -> IndexReport:
    """Index the configured guidance, or only ``paths``, into the data directory (see knowledge.service)."""
    with _named_settings():
        return service.index_guidance(
            knowledge_config(settings), paths, rebuild=rebuild, progress=progress, embedder=embedder
        )


def open_knowledge_base(settings: Settings, embedder: Embedder | None = None) -> KnowledgeBase:
    """Load the index and the model once. Raises IndexMissingError or IndexMismatchError with what to run."""
    with _named_settings():
        return service.open_knowledge_base(knowledge_config(settings), embedder=embedder)
