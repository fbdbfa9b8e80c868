"""Guidance and questions embedded in 8-bit integers by CTranslate2: the default encoder (``precision="int8"``).

The first time a model is used with a data directory, its transformer is converted to CTranslate2's format with
int8 weights (a second or two; the model's own files are read, nothing is downloaded), checked against the model's
own vectors on probe texts, and kept in ``MHHS_DATA_DIR/models/`` (23 MB for all-MiniLM-L6-v2). Later processes load
that folder and the model's tokenizer without loading PyTorch.

CTranslate2 quantises each word piece's activations with a scale of its own as it runs, so every matrix product
is int8 and a text's vector (almost) does not depend on the texts batched with it. On this project's 2-core machine
that embeds 1.3-1.6 times as many passages a second as ONNX Runtime's int8 graph did (78-88 against 48-62, back to
back), with vectors nearer the model's (cosine median 0.9977, least 0.9949, against 0.9973 / 0.9931) and answer
quality out of fold at least as good (docs/benchmarks.md).

A model CTranslate2 cannot convert (it reads BERT-like encoders: BERT, DistilBERT, XLM-RoBERTa and a few others)
is noted in the models folder, so the conversion is not tried again, and embeds through the model's float32 ONNX
copy instead (:mod:`knowledge.question_encoder`). Its vectors are not the model's, so the index records that it made
them (:data:`KIND`) and is re-embedded whole when the encoder changes.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
import uuid
from pathlib import Path

import numpy as np

from knowledge.question_encoder import (
    PROBES,
    OnnxQuestionEncoder,
    export_plan,
    model_digest,
    remove_other_versions,
    unit_rows,
)

log = logging.getLogger(__name__)

KIND = "ctranslate2-int8"  # which vectors this encoder makes, as an index records them
PREFIX = "ctranslate2-"
MIN_COSINE = 0.97  # least cosine allowed to the model's vector (seen on the probes: 0.996-0.998)
# Texts per run. Windows a second on the bundled guidance, two workers: 1: 185-238, 2: 234-283, 3: 227-246, 8:
# 164-183, 16: 139-158 (larger runs fill more than a core's cache with the feed-forward activations).
BATCH = 2


def _cache_files(cache_dir: Path, model_dir: Path) -> tuple[Path, Path, Path, Path]:
    """The converted model's folder, its tokenizer, what it was made from, and the note of a failed conversion."""
    stem = f"{PREFIX}{model_digest(model_dir)}-int8"
    return (
        cache_dir / f"{stem}.model",
        cache_dir / f"{stem}.tokenizer.json",
        cache_dir / f"{stem}.json",
        cache_dir / f"{stem}.unconvertible.json",
    )


class Ct2Encoder(OnnxQuestionEncoder):
    """Encodes texts into unit-length float32 vectors (mean pooled, as the model pools) with CTranslate2.

    Safe to call from several threads at once: each run takes one of ``batch_threads`` workers, one thread each.
    """

    def __init__(self, model_folder: Path, tokenizer_file: Path, meta: dict, eager: bool = True):
        import ctranslate2

        if not ctranslate2.contains_model(str(model_folder)):
            raise FileNotFoundError(f"no CTranslate2 model in {model_folder}")
        super().__init__(model_folder, tokenizer_file, meta, eager=False)
        if eager:
            self._opened_session()

    def _opened_session(self):
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    import ctranslate2

                    self._session = ctranslate2.Encoder(
                        str(self._model_file),
                        device="cpu",
                        compute_type="int8",
                        # As many runs at once as there are cores (the weights are shared between them);
                        # ``batch_threads`` decides how many are used.
                        inter_threads=max(os.cpu_count() or 1, self.batch_threads),
                        intra_threads=1,
                    )
        return self._session

    def encode_batch(self, texts: list[str], batch_size: int = BATCH) -> np.ndarray:
        # Paired by length: a text's vector is (within rounding) the same in any batch.
        return super().encode_batch(texts, min(batch_size, BATCH))

    def _encode_encodings(self, encodings: list, session=None) -> np.ndarray:
        output = (session or self._opened_session()).forward_batch([e.ids for e in encodings])
        hidden = np.asarray(output.last_hidden_state)  # padded to the longest text of the run
        return unit_rows(
            np.stack([hidden[row, : len(e.ids)].mean(axis=0) for row, e in enumerate(encodings)])
        )

    # --- the cached conversion --------------------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: Path, model_dir: Path) -> Ct2Encoder | None:
        """The cached encoder of the model in ``model_dir``; None when there is none (or it cannot be read)."""
        return cls._saved(_cache_files(cache_dir, model_dir)[:3], KIND)

    @staticmethod
    def unconvertible(cache_dir: Path | None, model_dir: Path) -> str | None:
        """Why this model cannot be embedded by CTranslate2 (noted when it was tried), or None."""
        if importlib.util.find_spec("ctranslate2") is None:
            return "CTranslate2 is not installed"
        if cache_dir is None:
            return None
        note = _cache_files(cache_dir, model_dir)[3]
        try:
            return str(json.loads(note.read_text(encoding="utf-8"))["reason"]) if note.is_file() else None
        except (OSError, ValueError, KeyError):
            return None

    @classmethod
    def build(cls, model, cache_dir: Path, model_dir: Path, release=None) -> Ct2Encoder | None:
        """Convert ``model`` (a loaded SentenceTransformer), check it, cache it; None with the reason noted.

        ``release`` is called once the model is no longer needed (its caller frees the model's weights there)."""
        try:
            meta = {**export_plan(model), "precision": KIND}
        except ValueError as reason:  # not a transformer with mean pooling: no saved encoder of any kind
            log.info("texts are embedded with PyTorch: %s", reason)
            return None
        folder, tokenizer_file, meta_file, note = _cache_files(cache_dir, model_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        temporary = [
            path.with_name(f".{path.name}.{token}.tmp") for path in (folder, tokenizer_file, meta_file)
        ]
        try:
            _convert(model, model_dir, temporary[0])
            model[0].tokenizer.backend_tokenizer.save(str(temporary[1]))
            temporary[2].write_text(json.dumps(meta), encoding="utf-8")
            encoder = cls(temporary[0], temporary[1], meta)
            references = [model.encode([text], normalize_embeddings=True)[0] for text in PROBES]
            cosine = min(
                float(encoder.encode(text) @ reference)
                for text, reference in zip(PROBES, references, strict=True)
            )
            del encoder
            if cosine < MIN_COSINE:
                raise ValueError(f"its int8 vectors are at cosine {cosine:.3f} to the model's")
            if release is not None:
                release()
            if folder.exists():
                shutil.rmtree(folder)
            for source, target in zip(temporary, (folder, tokenizer_file, meta_file), strict=True):
                os.replace(source, target)
            remove_other_versions(cache_dir, PREFIX, folder.stem)
            for earlier in cache_dir.glob(
                "question-encoder-*-int8.*"
            ):  # ONNX Runtime's int8 copy, no longer used
                earlier.unlink(missing_ok=True)
            log.info("texts are embedded with CTranslate2, int8 (saved in %s)", cache_dir)
            return cls(folder, tokenizer_file, meta, eager=False)
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            log.warning(
                "texts are embedded without CTranslate2: the conversion failed (%s); delete %s to try again",
                reason,
                note,
            )
            note.write_text(json.dumps({"reason": reason}), encoding="utf-8")
            return None
        finally:
            shutil.rmtree(temporary[0], ignore_errors=True)
            for path in temporary[1:]:
                path.unlink(missing_ok=True)


def _convert(model, model_dir: Path, target: Path) -> None:
    """The model's transformer in CTranslate2's format, int8 weights, read from its own folder."""
    from ctranslate2.converters import TransformersConverter

    transformer = model_dir / _transformer_path(model_dir)
    TransformersConverter(str(transformer), load_as_float16=False).convert(
        str(target), quantization="int8", force=True
    )


def _transformer_path(model_dir: Path) -> str:
    """Where a sentence-transformers folder keeps its transformer (``modules.json``; the folder itself if none)."""
    modules = model_dir / "modules.json"
    if modules.is_file():
        for module in json.loads(modules.read_text(encoding="utf-8")):
            if str(module.get("type", "")).endswith("Transformer"):
                return str(module.get("path", ""))
    return ""


def load_encoder(cache_dir: Path, model_dir: Path, precision: str) -> OnnxQuestionEncoder | None:
    """The saved encoder for ``precision``: CTranslate2's for int8 (unless the model cannot be converted), else the
    float32 ONNX copy; None when it has to be made (:func:`build_encoder`)."""
    if precision == "int8" and Ct2Encoder.unconvertible(cache_dir, model_dir) is None:
        return Ct2Encoder.load(cache_dir, model_dir)
    return OnnxQuestionEncoder.load(cache_dir, model_dir)


def build_encoder(
    model, cache_dir: Path, model_dir: Path, precision: str, release=None
) -> OnnxQuestionEncoder | None:
    """Make and save the encoder :func:`load_encoder` looks for; None leaves embedding on PyTorch."""
    if precision == "int8" and Ct2Encoder.unconvertible(cache_dir, model_dir) is None:
        encoder = Ct2Encoder.build(model, cache_dir, model_dir, release=release)
        if encoder is not None:
            return encoder
    return OnnxQuestionEncoder.build(model, cache_dir, model_dir)


def expected_kind(cache_dir: Path | None, model_dir: Path, precision: str) -> str:
    """Which vectors an embedder with a models folder will make, without loading anything."""
    if precision == "int8" and Ct2Encoder.unconvertible(cache_dir, model_dir) is None:
        return KIND
    return "float32"
