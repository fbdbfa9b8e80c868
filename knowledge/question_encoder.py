"""Questions embedded with ONNX Runtime: the same vectors as the sentence-transformers model, about three times faster.

A question is one short text, and the model's PyTorch forward pass is most of the time an answer takes. The first
time a model is used with a data directory, its transformer is exported to ONNX (a few seconds), checked against the
PyTorch model on probe texts, and kept in ``MHHS_DATA_DIR/models/``; later processes load that file and the model's
tokenizer without loading PyTorch at all. Only models made of a transformer, mean pooling and (optionally)
normalisation are exported, which covers all-MiniLM-L6-v2 and most sentence-transformers models; any other model,
a failed export or a check that does not match leaves question embedding on PyTorch, with the reason logged.

The default, int8, embeds through CTranslate2 instead (:mod:`knowledge.ct2_encoder`); this module's float32 copy is
used with ``precision="float32"`` and for models CTranslate2 cannot convert.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

FORMAT = 1
BATCH_TOKENS = 2048  # word pieces per batch of passages (8 windows of 256)
TOLERANCE = 1e-4  # largest difference allowed between an ONNX and a PyTorch vector component
PROBES = (
    "When is the final QAD due, and who signs it?",
    "Café, naïve “quotes” – LDSO_QT@mhhsprogramme.co.uk, QA&P and S&A.",
    # Longer than the model's sequence limit, so truncation is checked too.
    " ".join(["The Code Bodies review the Qualification Assessment Document before approval."] * 40),
)


def model_digest(model_dir: Path) -> str:
    """Identifies the model folder's files (names, sizes, modification times) without reading them."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        stat = path.stat()
        digest.update(f"{path.relative_to(model_dir)}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


def _cache_files(cache_dir: Path, model_dir: Path) -> tuple[Path, Path, Path]:
    stem = f"question-encoder-{model_digest(model_dir)}"
    return cache_dir / f"{stem}.onnx", cache_dir / f"{stem}.tokenizer.json", cache_dir / f"{stem}.json"


class OnnxQuestionEncoder:
    """Encodes one text at a time into a unit-length float32 vector (mean pooled, as the model pools).

    Safe to call from several threads at once.
    """

    def __init__(self, onnx_file: Path, tokenizer_file: Path, meta: dict, eager: bool = True):
        """``eager``: open the ONNX Runtime session now (which also proves the file readable), else at first use."""
        from tokenizers import Tokenizer

        self._model_file = onnx_file
        self._session = None
        self.batch_threads = 1  # texts embedded side by side by encode_batch (each run uses one thread)
        self._session_lock = threading.Lock()
        if eager:
            self._opened_session()
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=int(meta["max_length"]))
        self._inputs = list(meta["inputs"])
        self._lower_case = bool(meta.get("lower_case"))
        self.dimension = int(meta["dimension"])
        self.precision = str(meta.get("precision", "float32"))  # which vectors (Embedder.encoder)

    def _opened_session(self):
        """The one session, used for questions and passages alike (several runs at once, one thread each)."""
        if self._session is None:
            with self._session_lock:
                if self._session is None:
                    import onnxruntime

                    # One thread per run, as with PyTorch: concurrent questions, or passages embedded side by side,
                    # use the other cores.
                    options = onnxruntime.SessionOptions()
                    options.intra_op_num_threads = 1
                    options.inter_op_num_threads = 1
                    options.log_severity_level = 3
                    self._session = onnxruntime.InferenceSession(
                        str(self._model_file), options, providers=["CPUExecutionProvider"]
                    )
        return self._session

    def encode_batch(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Many texts at once (passages at indexing time), ``batch_threads`` of them running side by side."""
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            # A text is embedded once however often it occurs: 103 of the bundled guidance's 533 windows repeat
            # another (the same note in several formats), so a fifth of the work was done twice.
            vectors = self.encode_batch(distinct, batch_size)
            row = {text: number for number, text in enumerate(distinct)}
            return vectors[[row[text] for text in texts]]
        session = self._opened_session()
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Tokenised in one call before the workers start, not one call per text inside them.
        encodings = self._tokenizer.encode_batch([t.lower() if self._lower_case else t for t in texts])
        groups = _length_batches([len(e.ids) for e in encodings], batch_size)

        def embed(rows: list[int]) -> np.ndarray:
            return self._encode_encodings([encodings[i] for i in rows], session)

        # Texts (or batches) run side by side on the one-thread session, ``batch_threads`` at a time: one text's
        # matrices are too small to share between cores well, while two runs side by side keep both busy (int8 on
        # an idle 2-core machine: 156 windows a second against 79 with one worker and 76-120 with two threads inside
        # one run; float32: 86 against 51, the same as two threads inside one run).
        workers = min(self.batch_threads, len(groups))
        if workers <= 1:
            results = map(embed, groups)
        else:
            pool = ThreadPoolExecutor(workers, thread_name_prefix="embed")
            results = pool.map(embed, groups)
        try:
            for rows, vectors in zip(groups, results, strict=True):
                out[rows] = vectors
        finally:
            if workers > 1:
                pool.shutdown(cancel_futures=True)
        return out

    def _encode_encodings(self, encodings: list, session=None) -> np.ndarray:
        """Mean-pooled unit vectors of tokenised texts, run as one padded batch."""
        width = max(len(e.ids) for e in encodings)
        columns = {name: np.zeros((len(encodings), width), dtype=np.int64) for name in self._inputs}
        for r, e in enumerate(encodings):
            values = {"input_ids": e.ids, "attention_mask": e.attention_mask, "token_type_ids": e.type_ids}
            for name in self._inputs:
                columns[name][r, : len(e.ids)] = values[name]
        hidden = (session or self._opened_session()).run(None, columns)[0]
        mask = np.zeros((len(encodings), width, 1), dtype=np.float32)
        for r, e in enumerate(encodings):
            mask[r, : len(e.ids), 0] = e.attention_mask
        return unit_rows((hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9))

    def count_tokens(self, text: str) -> int:
        """Word pieces of ``text``, without the start and end markers and without truncation."""
        return len(
            self._counter().encode(text.lower() if self._lower_case else text, add_special_tokens=False).ids
        )

    def _counter(self):
        if getattr(self, "_untruncated", None) is None:
            from tokenizers import Tokenizer

            counter = Tokenizer.from_str(self._tokenizer.to_str())
            counter.no_truncation()
            counter.no_padding()
            self._untruncated = counter
        return self._untruncated

    def encode(self, text: str, session=None) -> np.ndarray:
        return self._encoded(self._tokenizer.encode(text.lower() if self._lower_case else text), session)

    def _encoded(self, encoding, session=None) -> np.ndarray:
        """The unit vector of one tokenised text, run alone (no padding)."""
        return self._encode_encodings([encoding], session)[0]

    # --- the cached export ------------------------------------------------------------------------------------------

    @classmethod
    def load(cls, cache_dir: Path, model_dir: Path) -> OnnxQuestionEncoder | None:
        """The cached encoder of the model in ``model_dir``; None when there is none (or it cannot be read)."""
        return cls._saved(_cache_files(cache_dir, model_dir), "float32")

    @classmethod
    def _saved(cls, files: tuple[Path, Path, Path], precision: str):
        """The encoder saved in ``files`` (model, tokenizer, what it was made from) if it makes ``precision``'s
        vectors; None when there is none or it cannot be read (it is then made again, never fatal)."""
        model_file, tokenizer_file, meta_file = files
        if not (model_file.exists() and tokenizer_file.is_file() and meta_file.is_file()):
            return None
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("precision", "float32") != precision:
                return None
            return cls(model_file, tokenizer_file, meta)
        except Exception as exc:
            log.warning(
                "the saved encoder in %s cannot be used (%s); making it again", model_file.parent, exc
            )
            return None

    @classmethod
    def build(cls, model, cache_dir: Path, model_dir: Path) -> OnnxQuestionEncoder | None:
        """Export ``model`` (a loaded SentenceTransformer), check it, cache it; None with the reason logged."""
        try:
            meta = export_plan(model)
        except Exception as reason:
            log.info("questions are embedded with PyTorch: %s", reason)
            return None
        onnx_file, tokenizer_file, meta_file = _cache_files(cache_dir, model_dir)
        cache_dir.mkdir(parents=True, exist_ok=True)
        token = uuid.uuid4().hex
        temporary = [
            path.with_name(f".{path.name}.{token}.tmp") for path in (onnx_file, tokenizer_file, meta_file)
        ]
        try:
            _export(model, meta["inputs"], temporary[0])
            model[0].tokenizer.backend_tokenizer.save(str(temporary[1]))
            temporary[2].write_text(json.dumps(meta), encoding="utf-8")
            encoder = cls(temporary[0], temporary[1], meta)
            references = [model.encode([text], normalize_embeddings=True)[0] for text in PROBES]
            difference = max(
                float(np.abs(encoder.encode(text) - reference).max())
                for text, reference in zip(PROBES, references, strict=True)
            )
            if difference > TOLERANCE:
                raise ValueError(f"its vectors differ from the model's by up to {difference:.1e}")
            del (
                encoder
            )  # its memory goes back before passages are embedded; the first question opens it again
            for source, target in zip(temporary, (onnx_file, tokenizer_file, meta_file), strict=True):
                os.replace(source, target)
            remove_other_versions(cache_dir, "question-encoder-", onnx_file.stem)
            log.info("questions are embedded with ONNX Runtime (saved in %s)", cache_dir)
            return cls(onnx_file, tokenizer_file, meta, eager=False)
        except Exception as exc:
            log.warning("questions are embedded with PyTorch: the ONNX export failed (%s)", exc)
            return None
        finally:
            for path in temporary:
                path.unlink(missing_ok=True)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to unit length (cosine similarity = inner product), as float32."""
    return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def _length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Row numbers in batches of similar length (little padding is computed), each of at most ``batch_size`` rows and
    about BATCH_TOKENS word pieces: attention memory grows with the square of the length, so long texts go in smaller
    batches."""
    batches: list[list[int]] = []
    current: list[int] = []
    for row in sorted(range(len(lengths)), key=lengths.__getitem__):
        if current and (len(current) >= batch_size or (len(current) + 1) * lengths[row] > BATCH_TOKENS):
            batches.append(current)
            current = []
        current.append(row)
    if current:
        batches.append(current)
    return batches


def remove_other_versions(cache_dir: Path, prefix: str, keep: str) -> None:
    """Delete the ``prefix`` encoders made from other versions of the model folder (tens of MB each)."""
    for path in cache_dir.glob(prefix + "*"):
        if not path.name.startswith(keep + "."):
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def export_plan(model) -> dict:
    """What the export needs to know about ``model``; ValueError when its pipeline is not one this module handles."""
    kinds = [type(module).__name__ for module in model]
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ValueError(f"the model's modules ({', '.join(kinds)}) are not a transformer with pooling")
    transformer, pooling = model[0], model[1]
    if _pooling_mode(pooling) != "mean":
        raise ValueError(f"the model pools by {_pooling_mode(pooling)!r}, not by the mean")
    if not hasattr(getattr(transformer, "tokenizer", None), "backend_tokenizer"):
        raise ValueError("the model's tokenizer is not a fast (Rust) tokenizer")
    inputs = [
        name
        for name in ("input_ids", "attention_mask", "token_type_ids")
        if name in transformer.tokenizer("probe", return_tensors="np")
    ]
    return {
        "format": FORMAT,
        "inputs": inputs,
        "max_length": int(model.max_seq_length),
        "lower_case": bool(getattr(transformer, "do_lower_case", False)),
        "dimension": int(
            (getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension)()
        ),
    }


def _pooling_mode(pooling) -> str | None:
    """The pooling mode's name, as sentence-transformers 3 to 6 describe it."""
    config = pooling.get_config_dict()
    if "pooling_mode" in config:
        return config["pooling_mode"]
    modes = [key for key, on in config.items() if key.startswith("pooling_mode_") and on]
    return modes[0].removeprefix("pooling_mode_").removesuffix("_tokens") if len(modes) == 1 else None


def _export(model, inputs: list[str], target: Path) -> None:
    import torch

    class HiddenStates(torch.nn.Module):
        def __init__(self, network):
            super().__init__()
            self.network = network

        def forward(self, *tensors):
            return self.network(**dict(zip(inputs, tensors, strict=True))).last_hidden_state

    network = model[0].auto_model.eval()
    example = model[0].tokenizer(PROBES[0], return_tensors="pt")
    axes = {name: {0: "batch", 1: "tokens"} for name in [*inputs, "hidden"]}
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            HiddenStates(network),
            tuple(example[name] for name in inputs),
            str(target),
            input_names=inputs,
            output_names=["hidden"],
            dynamic_axes=axes,
            opset_version=17,
            dynamo=False,
        )
