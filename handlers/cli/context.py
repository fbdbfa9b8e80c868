"""What every ``mhhs-bot`` command shares: the one error edge and the settings for this run.

Errors raised inside (:class:`bot.core.errors.AssistantError`, :class:`knowledge.errors.KnowledgeError`) are turned into
one clear message and exit code 1 here, at the edge, and nowhere else.
"""

from __future__ import annotations

import logging
import sys

import click

from bot.core.errors import AssistantError
from bot.core.settings import Settings, load_settings
from knowledge.errors import KnowledgeError


class AssistantGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (AssistantError, KnowledgeError) as exc:
            raise click.ClickException(str(exc)) from exc


def get_settings(ctx: click.Context) -> Settings:
    """The settings for this run, loaded once (bad values stop here with the setting's name)."""
    root = ctx.find_root()
    if root.obj is None:
        root.obj = {}
    if "settings" not in root.obj:
        settings = load_settings()
        logging.basicConfig(
            level=settings.log_level.upper(),
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
            stream=sys.stderr,
        )
        # Libraries' start-up chatter ("Loading faiss", HTTP requests) is not news to the person at the console.
        for noisy in ("faiss", "faiss.loader", "httpx", "sentence_transformers", "urllib3"):
            logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLogger().level))
        root.obj["settings"] = settings
    return root.obj["settings"]
