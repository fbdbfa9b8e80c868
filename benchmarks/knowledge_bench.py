"""Knowledge base benchmark: indexing speed, warm answer latency at 1k/10k/100k passages, cold start, peak memory.

Run from the repository root:  python benchmarks/knowledge_bench.py [--sizes 1000,10000,100000] [--queries 60]
[--precision int8|float32]

- Indexing: the first `mhhs-bot index` of the bundled guidance into a temporary data folder (model load and the
  saved encoder's conversion included), then `mhhs-bot index --rebuild` (the encoder exists: PyTorch is not loaded), each with its
  own peak RSS; embedding alone in passages per second (each passage as its windows, in a process of its own; the
  median of three passes, with their range).
- Warm latency: KnowledgeBase.ask end to end (question embedding, BM25, FAISS, fusion, answer composition) over
  synthetic corpora made of real guidance sentences recombined at random; their vectors are random unit vectors
  (embedding 100k passages would take about 20 minutes on this machine and does not change search cost).
- Cold start: wall time of `mhhs-bot ask QUESTION` in a new process (imports, question encoder, index load, answer),
  after `mhhs-bot index` has saved the encoder (CTranslate2 int8, or ONNX float32) into the data folder.
- Peak RSS: this process after the largest corpus, a cold-start process (its own peak), and the index processes.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bot.core.settings import load_settings  # noqa: E402
from bot.knowledge_base import BUNDLED_GUIDANCE, KnowledgeBase, open_knowledge_base  # noqa: E402
from bot.storage import connect  # noqa: E402
from knowledge.chunk import embedding_windows  # noqa: E402
from knowledge.search import SearchIndex  # noqa: E402
from knowledge.store import LexicalIndex, Passage, VectorIndex  # noqa: E402

QUESTIONS = [
    line
    for line in (
        "Which email addresses do we send our placing reliance proposal to?",
        "Who signs the final QAD?",
        "Is the LDSO_QT mailbox still monitored?",
        "How long does Service Activation take?",
        "What are the four annexes of the QA&P?",
        "When did the CIT stage of SIT begin?",
        "Which DIP environment is QT carried out in?",
        "What is Kestrel?",
        "Can the PAB remove a BSC Party's qualification?",
        "What do we do if a test cannot be finished during QT?",
        "What is the capital of Peru?",
        "When did M11 get its SRO sign-off?",
    )
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def current_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# `mhhs-bot ASK...` in a new process that reports its own peak RSS (a parent only sees the largest of its children).
COLD_ASK = (
    "import atexit, resource, sys; "
    "atexit.register(lambda: print('peak-rss-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
    "file=sys.stderr)); "
    "sys.argv = ['mhhs-bot', *sys.argv[1:]]; from handlers.cli import main; main()"
)


def bench_indexing(data_dir: Path, precision: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MHHS_")}
    env |= {
        "MHHS_DATA_DIR": str(data_dir),
        "MHHS_EMBEDDING_PRECISION": precision,
        "MHHS_LOG_LEVEL": "warning",
        "MHHS_ENV_FILE": str(data_dir / "none.env"),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "none.env").write_text("")

    def timed(*args: str) -> tuple[float, float]:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", COLD_ASK, *args],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        peak = int(re.search(r"peak-rss-kb (\d+)", done.stderr).group(1)) / 1024
        return time.perf_counter() - started, peak

    full, first_peak = timed("index")
    rebuild, rebuild_peak = timed("index", "--rebuild")
    unchanged, _ = timed("index")
    cold, cold_peaks = [], []
    for _ in range(3):
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", COLD_ASK, "ask", "Who signs the final QAD?"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        cold.append(time.perf_counter() - started)
        cold_peaks.append(int(re.search(r"peak-rss-kb (\d+)", done.stderr).group(1)) / 1024)
    db = connect(data_dir / "assistant.db")
    chunks = db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    db.conn.close()
    return {
        "chunks": chunks,
        "index_seconds": full,
        "first_index_peak_rss_mb": first_peak,
        "rebuild_seconds": rebuild,
        "rebuild_peak_rss_mb": rebuild_peak,
        "unchanged_seconds": unchanged,
        "cold_ask_seconds": cold,
        "cold_ask_peak_rss_mb": max(cold_peaks),
    }


EMBEDDING_RUNS = (
    3  # passes over the guidance in one process: one pass moved by up to a quarter with the machine's load
)


def bench_embedding(settings) -> dict:
    """Passages (each as its windows) embedded per second, in a process of its own, as `mhhs-bot index` is."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_embedding_rate, (settings,))


def _embedding_rate(settings) -> dict:
    kb = open_knowledge_base(settings)
    passages = kb.search_index.passages
    count = kb.embedder.count_tokens
    texts = [w for p in passages for w in embedding_windows(p.title, p.section, p.text, count)]
    kb.embedder.encode(texts[:8])  # opens the encoder
    runs = []  # (wall seconds, CPU seconds) of each pass over the whole guidance
    for _ in range(EMBEDDING_RUNS):
        started, cpu = time.perf_counter(), time.process_time()
        kb.embedder.encode(texts)
        runs.append((time.perf_counter() - started, time.process_time() - cpu))
    seconds = statistics.median(wall for wall, _ in runs)
    cpu = statistics.median(used for _, used in runs)
    return {
        "passages_per_second": len(passages) / seconds,
        "passages_per_second_range": [
            len(passages) / max(w for w, _ in runs),
            len(passages) / min(w for w, _ in runs),
        ],
        "windows_per_second": len(texts) / seconds,
        # CPU time varies less than wall time on a shared machine: what the work itself costs.
        "passages_per_cpu_second": len(passages) / cpu,
        "windows": len(texts),
        "distinct_windows": len(set(texts)),
        "encoder": kb.embedder.encoder,
        "pytorch_loaded": kb.embedder.model_loaded,
        "load_average": os.getloadavg()[0],
    }


def synthetic_index(
    real: SearchIndex, size: int, dimension: int, rng: random.Random, folder: Path
) -> tuple[SearchIndex, float, float]:
    """The synthetic corpus with its lexical index built and saved (as `mhhs-bot index` does), then loaded back
    (as the assistant does at start-up). Returns the index, the seconds to build and save, and to load."""
    sentences = [s for p in real.passages for s in re.split(r"(?<=[.;])\s+|\n", p.text) if len(s.split()) > 3]
    headings = [(p.title, p.section) for p in real.passages]
    passages = []
    for n in range(size):
        title, section = rng.choice(headings)
        text = " ".join(rng.choice(sentences) for _ in range(rng.randint(3, 7)))
        passages.append(Passage(f"s{n}", n + 1, f"synthetic/{n // 20}.md", title, section, text, "markdown"))
    store = VectorIndex(dimension)
    generator = np.random.default_rng(7)
    per_passage = len(real.vectors) / max(
        len(real.passages), 1
    )  # windows per passage in the bundled guidance

    def extra_windows(i: int) -> int:  # whole windows beyond the first, spread so the mean is per_passage
        return int((i + 1) * (per_passage - 1)) - int(i * (per_passage - 1))

    for start in range(0, size, 10_000):
        count = min(10_000, size - start)
        vectors = generator.standard_normal((count, dimension)).astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.add(range(start + 1, start + count + 1), vectors)
        # More windows, as many per passage as the bundled guidance has on average.
        ids = [i for i in range(start + 1, start + count + 1) for _ in range(extra_windows(i))]
        windows = [w + 1 for i in range(start + 1, start + count + 1) for w in range(extra_windows(i))]
        extra = generator.standard_normal((len(ids), dimension)).astype(np.float32)
        extra /= np.linalg.norm(extra, axis=1, keepdims=True)
        store.add(ids, extra, windows)
    # The real passages are kept too, so questions still find real answers among the synthetic ones.
    passages += real.passages
    # Built in a forked process, as `mhhs-bot index` is a process of its own: this one only loads the result.
    started = time.perf_counter()
    builder = multiprocessing.get_context("fork").Process(
        target=_build_lexical, args=(passages, folder / f"synthetic-{size}.lexical")
    )
    builder.start()
    builder.join()
    if builder.exitcode != 0:
        raise SystemExit(f"building the lexical index failed ({builder.exitcode})")
    built = time.perf_counter() - started
    started = time.perf_counter()
    lexical = LexicalIndex.load(folder / f"synthetic-{size}.lexical")
    index = SearchIndex(passages, _merged(store, real), lexical)
    return index, built, time.perf_counter() - started


def _build_lexical(passages: list[Passage], path: Path) -> None:
    LexicalIndex.build(passages).save(path)


def _merged(store: VectorIndex, real: SearchIndex) -> VectorIndex:
    offset = 10_000_000
    for p in real.passages:
        windows = real.vectors.passage_vectors(p.vector_id)
        store.add([offset + p.vector_id] * len(windows), windows, range(len(windows)))
    return store


def bench_latency(kb: KnowledgeBase, index: SearchIndex, queries: int) -> tuple[list[float], KnowledgeBase]:
    warm = KnowledgeBase(kb.config, kb.db, kb.embedder, index)
    for question in QUESTIONS[:3]:
        warm.ask(question)
    timings = []
    for i in range(queries):
        question = QUESTIONS[i % len(QUESTIONS)]
        started = time.perf_counter()
        warm.ask(question)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--precision", choices=("int8", "float32"), default="int8", help="MHHS_EMBEDDING_PRECISION"
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict = {
        "date": datetime.now(UTC).isoformat(timespec="minutes"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        results["indexing"] = bench_indexing(data_dir, args.precision)
        settings = load_settings(
            environ={},
            data_dir=data_dir,
            guidance_paths=(BUNDLED_GUIDANCE,),
            embedding_precision=args.precision,
        )
        kb = open_knowledge_base(settings)
        results["embedding"] = bench_embedding(settings)
        results["pytorch_loaded"] = kb.embedder.model_loaded
        results["bundled"] = {
            "chunks": len(kb),
            "latency_ms": bench_latency(kb, kb.search_index, args.queries)[0],
        }
        rng = random.Random(11)
        for size in sizes:
            index, build, load = synthetic_index(kb.search_index, size, kb.embedder.dimension, rng, Path(tmp))
            timings, _ = bench_latency(kb, index, args.queries)
            results[str(size)] = {
                "chunks": len(index),
                "lexical_build_seconds": build,
                "load_seconds": load,
                "latency_ms": timings,
                "rss_mb": current_rss_mb(),
            }
            del index
        results["peak_rss_mb"] = peak_rss_mb()
    if args.json:
        print(json.dumps(results, indent=2))
        return
    ix = results["indexing"]
    print(f"Date: {results['date']}; machine: {results['machine']}")
    em = results["embedding"]
    print(
        f"Indexing the bundled guidance: {ix['chunks']} passages ({em['windows']} windows). First index (model load, "
        f"encoder conversion) {ix['index_seconds']:.1f} s, peak RSS {ix['first_index_peak_rss_mb']:.0f} MB; "
        f"--rebuild {ix['rebuild_seconds']:.1f} s ({ix['chunks'] / ix['rebuild_seconds']:.1f} passages/s end to end), "
        f"peak RSS {ix['rebuild_peak_rss_mb']:.0f} MB; embedding alone ({em['encoder']}) "
        f"{em['passages_per_second']:.1f} passages/s (median of {EMBEDDING_RUNS}, "
        f"{em['passages_per_second_range'][0]:.1f}-{em['passages_per_second_range'][1]:.1f}; "
        f"{em['windows_per_second']:.1f} windows/s, "
        f"{em['distinct_windows']} distinct; {em['passages_per_cpu_second']:.1f} passages per CPU second; load average "
        f"{em['load_average']:.1f}; PyTorch loaded: {em['pytorch_loaded']}); "
        f"unchanged re-index {ix['unchanged_seconds']:.2f} s"
    )
    print(
        f"Cold `ask` (new process): median {statistics.median(ix['cold_ask_seconds']):.1f} s, "
        f"peak RSS {ix['cold_ask_peak_rss_mb']:.0f} MB"
    )
    print("| Passages | Lexical index build + save | Index load | ask p50 | ask p95 | RSS after load |")
    print("| --- | --- | --- | --- | --- | --- |")
    rows = [("bundled", results["bundled"])] + [(str(s), results[str(s)]) for s in sizes]
    for _, row in rows:
        lat = row["latency_ms"]
        build = f"{row['lexical_build_seconds']:.1f} s" if "load_seconds" in row else "-"
        load = f"{row['load_seconds']:.2f} s" if "load_seconds" in row else "-"
        rss = f"{row['rss_mb']:.0f} MB" if "rss_mb" in row else "-"
        print(
            f"| {row['chunks']:,} | {build} | {load} | {statistics.median(lat):.1f} ms | {percentile(lat, 95):.1f} ms | {rss} |"
        )
    encoder = "PyTorch model loaded" if results["pytorch_loaded"] else "saved encoder, PyTorch not loaded"
    print(f"Peak RSS of the benchmark process ({encoder}; largest corpus): {results['peak_rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
