"""The incremental indexer (the write path): guidance files in, passages, vectors and the lexical index out.

``build_index`` re-reads every guidance file, re-embeds only documents whose bytes changed and drops documents
whose files were removed. Files that cannot be read are reported by name and reason and the rest is indexed; an
unreadable file that was indexed before keeps its previous passages. The files it writes and the order it writes
them in (new files first, then one SQLite transaction) are :mod:`knowledge.store`'s.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import sqlite_utils

from knowledge.chunk import Chunk, chunk_document
from knowledge.errors import DocumentError, IndexCorruptError, IndexMismatchError
from knowledge.readers import Document, guidance_files, read_document, sha256_of
from knowledge.store import (
    REBUILD_HINT,
    TEAM_ANSWER_KIND,
    VECTORS_PREFIX,
    WINDOW_SLOTS,
    EmbedderLike,
    VectorIndex,
    check_dimension,
    encoder_of,
    ensure_lexical_index,
    read_state,
    remove_stale_files,
    write_lexical_index,
)


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    reembedded: list[str] = field(default_factory=list)  # unchanged, embedded again all the same (a rebuild)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    chunks_embedded: int = 0
    windows_embedded: int = 0  # texts embedded: each passage as one or more windows the encoder reads whole
    chunks_total: int = 0
    rebuilt: bool = False


@dataclass(frozen=True)
class GuidanceFile:
    document_id: str
    path: Path


def discover(roots: Iterable[Path]) -> tuple[list[GuidanceFile], list[tuple[str, str]]]:
    """Every file under the given folders (or the given files), with its document id; missing roots as failures."""
    found: list[GuidanceFile] = []
    missing: list[tuple[str, str]] = []
    roots = list(roots)
    seen_ids: set[str] = set()
    for root in roots:
        if not root.exists():
            missing.append((str(root), "no such file or folder"))
            continue
        for path in guidance_files(root):
            relative = path.name if root.is_file() else path.relative_to(root).as_posix()
            document_id = relative
            if document_id in seen_ids:
                document_id = f"{root.name}/{relative}"
            seen_ids.add(document_id)
            found.append(GuidanceFile(document_id, path))
    return found, missing


ProgressCallback = Callable[[str, int, int], None]  # (stage, done, total)


def build_index(
    db: sqlite_utils.Database,
    embedder: EmbedderLike | Callable[[], EmbedderLike],
    index_dir: Path,
    roots: Iterable[Path],
    model_name: str,
    max_bytes: int,
    rebuild: bool = False,
    progress: ProgressCallback | None = None,
    removal_scope: list[Path] | None = None,
    encoder: str | None = None,
) -> IndexReport:
    """Bring the index in ``index_dir`` and the rows in ``db`` up to date with the files under ``roots``.

    Documents whose files are gone are dropped; with ``removal_scope``, only those under one of its paths (so that
    indexing one extra folder leaves the rest of the index alone).

    ``embedder`` may be a callable returning the embedder: it is only called when something must be embedded, so
    an unchanged corpus never loads the model. ``encoder`` is which vectors it will make ("int8" or "float32", see
    knowledge.embed.Embedder.encoder): an index of the other kind is re-embedded whole, never mixed.
    """
    report = IndexReport()
    progress = progress or (lambda stage, done, total: None)
    state = read_state(db)
    if state is not None and state.model != model_name:
        if removal_scope is not None:
            raise IndexMismatchError(
                f"the index was built with {state.model!r} and MHHS_EMBEDDING_MODEL is now {model_name!r}: "
                f"{REBUILD_HINT}"
            )
        rebuild = True
    if state is not None and encoder is not None and state.encoder != encoder:
        if removal_scope is not None:
            raise IndexMismatchError(
                f"the index holds {state.encoder} vectors and MHHS_EMBEDDING_PRECISION is now {encoder}: "
                f"{REBUILD_HINT}"
            )
        rebuild = True
    old_vectors: VectorIndex | None = None
    if state is not None and not state.vectors_file.startswith(VECTORS_PREFIX):
        rebuild = True  # built by an earlier version, one vector per passage: every passage is embedded again
    if state is not None and not rebuild:
        path = index_dir / state.vectors_file
        try:
            old_vectors = VectorIndex.load(path) if path.is_file() else None
        except IndexCorruptError:  # a damaged vector file: re-embed everything
            old_vectors = None
        rebuild = old_vectors is None
    report.rebuilt = rebuild or state is None

    existing = {row["id"]: row for row in db.query("SELECT * FROM documents")}
    files, missing = discover(roots)
    report.failed.extend(missing)

    to_index: list[Document] = []
    seen: set[str] = set()
    for number, item in enumerate(files, start=1):
        progress("reading", number, len(files))
        seen.add(item.document_id)
        try:
            data = item.path.read_bytes() if item.path.stat().st_size <= max_bytes else None
            previous = existing.get(item.document_id)
            same = data is not None and previous is not None and previous["sha256"] == sha256_of(data)
            if same and not rebuild:
                report.unchanged.append(item.document_id)
                continue
            document = read_document(item.path, item.document_id, max_bytes, data)
        except DocumentError as exc:
            report.failed.append((str(item.path), exc.reason))
            continue
        except OSError as exc:
            report.failed.append((str(item.path), f"cannot read the file: {exc.strerror or exc}"))
            continue
        to_index.append(document)
        if same:  # a rebuild: the same bytes as last time, read and embedded again
            report.unchanged.append(item.document_id)
            report.reembedded.append(item.document_id)
        else:
            (report.updated if item.document_id in existing else report.added).append(item.document_id)

    failed_paths = {path for path, _ in report.failed}
    removed = [
        doc_id
        for doc_id, row in existing.items()
        if row["kind"] != TEAM_ANSWER_KIND
        and doc_id not in seen
        and row["path"] not in failed_paths
        and (removal_scope is None or _under(Path(row["path"]), removal_scope))
    ]
    report.removed = sorted(removed)

    if not to_index and not removed and not rebuild and state is not None:
        ensure_lexical_index(db, index_dir, state.vectors_file)
        report.chunks_total = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        return report

    # Passages to embed: the new and changed documents, plus (on a rebuild) every team answer.
    new_chunks: list[tuple[Document | dict, Chunk]] = []
    for document in to_index:
        for chunk in chunk_document(document):
            new_chunks.append((document, chunk))
    reembedded_team: list[dict] = []
    if rebuild:
        reembedded_team = list(
            db.query(
                "SELECT chunks.*, documents.title FROM chunks JOIN documents ON documents.id = chunks.document_id "
                "WHERE documents.kind = ?",
                [TEAM_ANSWER_KIND],
            )
        )
    passages: list[tuple[str, Chunk]] = [(document.title, chunk) for document, chunk in new_chunks]
    passages += [
        (r["title"], Chunk(r["id"], r["document_id"], r["position"], r["section"], r["text"]))
        for r in reembedded_team
    ]

    dimension = state.dimension if state is not None and not rebuild else None
    vectors = np.zeros((0, dimension or 1), dtype=np.float32)
    windows_of: list[tuple[int, int]] = []  # (passage number, window number) of each embedded text
    if passages:
        model = _resolve(embedder)
        if state is not None and not rebuild:
            check_dimension(state, model)
            if encoder_of(model) != state.encoder:  # the embedder turned out other than expected
                raise IndexMismatchError(
                    f"the index holds {state.encoder} vectors, the embedder makes {encoder_of(model)}: {REBUILD_HINT}"
                )
        dimension = model.dimension
        made_by = encoder_of(model)
        counter = getattr(model, "count_tokens", None)
        texts: list[str] = []
        for number, (title, chunk) in enumerate(passages):
            windows = chunk.embedding_windows(title, counter)[:WINDOW_SLOTS]
            windows_of.extend((number, w) for w in range(len(windows)))
            texts.extend(windows)
        batches = []
        batch = 256
        for start in range(0, len(texts), batch):
            batches.append(model.encode(texts[start : start + batch]))
            progress("embedding", min(start + batch, len(texts)), len(texts))
        vectors = np.vstack(batches)
    else:
        made_by = state.encoder if state is not None and not rebuild else None
    if dimension is None or made_by is None:  # a first index, or a rebuild, of an empty corpus
        model = _resolve(embedder)
        dimension, made_by = model.dimension, encoder_of(model)

    # Ids only ever grow, so a rebuilt passage never reuses the id of one still in the table.
    next_id = state.next_vector_id if state is not None else 1
    replaced_docs = [d.id for d in to_index if d.id in existing] + removed
    old_ids: list[int] = []
    if replaced_docs and old_vectors is not None:
        placeholders = ",".join("?" * len(replaced_docs))
        old_ids = [
            r[0]
            for r in db.execute(
                f"SELECT vector_id FROM chunks WHERE document_id IN ({placeholders})", replaced_docs
            )
        ]
    new_index = old_vectors.copy() if old_vectors is not None else VectorIndex(dimension)
    new_index.remove(old_ids)
    vector_ids = list(range(next_id, next_id + len(passages)))
    new_index.add([vector_ids[n] for n, _ in windows_of], vectors, [w for _, w in windows_of])
    vectors_file = (
        f"{VECTORS_PREFIX}{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}.faiss"
    )
    progress("writing", 0, 1)
    new_index.save(index_dir / vectors_file)
    progress("writing", 1, 1)

    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.conn:
        db.conn.execute("BEGIN IMMEDIATE")
        if rebuild:
            # Every vector is new: passages of files that failed this time cannot keep their old vectors.
            db.execute(
                "DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE kind != ?)",
                [TEAM_ANSWER_KIND],
            )
            db.execute("DELETE FROM documents WHERE kind != ?", [TEAM_ANSWER_KIND])
        for doc_id in replaced_docs:
            db.execute("DELETE FROM chunks WHERE document_id = ?", [doc_id])
            db.execute("DELETE FROM documents WHERE id = ?", [doc_id])
        for document in to_index:
            db["documents"].insert(
                {
                    "id": document.id,
                    "path": document.path,
                    "title": document.title,
                    "version": document.version,
                    "updated": document.updated,
                    "source": document.source,
                    "kind": document.kind,
                    "sha256": document.sha256,
                    "indexed_at": now,
                },
                replace=True,
            )
        rows = []
        for (_, chunk), vector_id in zip(new_chunks, vector_ids, strict=False):
            rows.append(
                {
                    "id": chunk.id,
                    "document_id": chunk.document_id,
                    "vector_id": vector_id,
                    "position": chunk.position,
                    "section": chunk.section,
                    "text": chunk.text,
                }
            )
        if rows:
            db["chunks"].insert_all(rows, replace=True)
        for row, vector_id in zip(reembedded_team, vector_ids[len(new_chunks) :], strict=True):
            db.execute("UPDATE chunks SET vector_id = ? WHERE id = ?", [vector_id, row["id"]])
        db.execute(
            "INSERT OR REPLACE INTO index_state "
            "(id, model, dimension, vectors_file, next_vector_id, built_at, encoder) VALUES (1, ?, ?, ?, ?, ?, ?)",
            [model_name, dimension, vectors_file, next_id + len(passages), now, made_by],
        )
        # Written from the rows this transaction is about to commit, before it commits: a crash before the commit
        # leaves the previous vector file and lexical index current.
        progress("writing", 0, 1)
        write_lexical_index(db, index_dir, vectors_file)
        progress("writing", 1, 1)
    remove_stale_files(index_dir, keep=vectors_file)
    report.chunks_embedded = len(passages)
    report.windows_embedded = len(windows_of)
    report.chunks_total = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    return report


def _under(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved == root.resolve() or resolved.is_relative_to(root.resolve()) for root in roots)


def _resolve(embedder: EmbedderLike | Callable[[], EmbedderLike]) -> EmbedderLike:
    return embedder if hasattr(embedder, "encode") else embedder()
