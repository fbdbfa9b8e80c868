"""Texts embedded by a saved copy of the model (CTranslate2 int8 by default, else ONNX float32): the model itself is
loaded only when that copy has to be made."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

import knowledge.ct2_encoder as ct2_encoder
import knowledge.question_encoder as question_encoder
from bot.core.errors import ConfigError
from bot.core.settings import load_settings
from bot.knowledge_base import make_embedder
from knowledge.embed import DEFAULT_MODEL, Embedder, model_path
from knowledge.errors import KnowledgeConfigError, KnowledgeError

TEXTS = [
    "Is the LDSO_QT mailbox still monitored?",
    "Who signs the final QAD? (QAD Qualification Assessment Document)",
    "Can’t we send the PQS form later?",
    " ".join(["Service Activation takes between one and two weeks per participant."] * 50),  # over 256 tokens
]


@pytest.fixture(scope="module")
def encoder_cache(tmp_path_factory):
    """A models folder with the exported question encoder of the bundled model."""
    cache = tmp_path_factory.mktemp("models")
    Embedder(cache_dir=cache, precision="float32")
    return cache


def test_questions_through_onnx_get_the_models_own_vectors(encoder_cache, knowledge_embedder):
    files = sorted(p.suffixes[-1] for p in encoder_cache.iterdir())
    assert files == [".json", ".json", ".onnx"]  # the graph, its tokenizer and what it was made from
    embedder = Embedder(cache_dir=encoder_cache, precision="float32")
    assert embedder.questions is not None and embedder.dimension == knowledge_embedder.dimension == 384
    assert embedder.encoder == knowledge_embedder.encoder == "float32"  # the model's own vectors
    for text in TEXTS:
        fast, reference = embedder.encode_query(text), knowledge_embedder.encode_query(text)
        assert fast.dtype == np.float32 and abs(float(np.linalg.norm(fast)) - 1) < 1e-5
        assert float(np.abs(fast - reference).max()) < 1e-4, text


def test_a_saved_encoder_answers_without_loading_the_model_until_passages_need_it(
    encoder_cache, knowledge_embedder
):
    embedder = Embedder(cache_dir=encoder_cache, precision="float32")
    assert not embedder.model_loaded
    embedder.encode_query("When is the final QAD due?")
    assert not embedder.model_loaded
    batch = embedder.encode(TEXTS)  # passages at index time: the ONNX encoder too, in batches by length
    assert not embedder.model_loaded and batch.shape == (len(TEXTS), 384)
    assert float(np.abs(batch - knowledge_embedder.encode(TEXTS)).max()) < 1e-4
    torch_embedder = Embedder(cache_dir=encoder_cache, question_encoder="torch")
    torch_embedder.encode(TEXTS[:2])  # asked not to use ONNX: the model itself
    assert torch_embedder.model_loaded


def test_a_damaged_saved_encoder_is_exported_again(tmp_path, caplog):
    Embedder(cache_dir=tmp_path, precision="float32")
    graph = next(tmp_path.glob("*.onnx"))
    graph.write_bytes(b"not an ONNX graph")
    with caplog.at_level(logging.WARNING, logger="knowledge.question_encoder"):
        embedder = Embedder(cache_dir=tmp_path, precision="float32")
    assert "cannot be used" in caplog.text
    assert embedder.questions is not None and graph.stat().st_size > 1_000_000
    assert abs(float(np.linalg.norm(embedder.encode_query("QAD sign-off"))) - 1) < 1e-5


def test_a_damaged_int8_encoder_is_converted_again(tmp_path, caplog):
    Embedder(cache_dir=tmp_path)
    [weights] = tmp_path.glob("*.model/model.bin")
    weights.write_bytes(b"not a CTranslate2 model")
    with caplog.at_level(logging.WARNING, logger="knowledge.question_encoder"):
        embedder = Embedder(cache_dir=tmp_path)
    assert "cannot be used" in caplog.text
    assert embedder.encoder == ct2_encoder.KIND and weights.stat().st_size > 1_000_000
    assert abs(float(np.linalg.norm(embedder.encode_query("QAD sign-off"))) - 1) < 1e-5


def test_an_encoder_that_disagrees_with_the_model_is_not_used(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(question_encoder, "TOLERANCE", -1.0)  # any difference at all now counts as too large
    with caplog.at_level(logging.WARNING, logger="knowledge.question_encoder"):
        embedder = Embedder(cache_dir=tmp_path, precision="float32")
    assert embedder.questions is None and embedder.model_loaded
    assert "vectors differ from the model's" in caplog.text
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind
    assert embedder.encode_query("QAD").shape == (384,)


def test_a_model_that_does_not_pool_by_the_mean_stays_on_pytorch(tmp_path, caplog):
    model = tmp_path / "cls-model"
    shutil.copytree(model_path(DEFAULT_MODEL), model)
    pooling = model / "1_Pooling" / "config.json"
    config = json.loads(pooling.read_text())
    config.update({"pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True})
    pooling.write_text(json.dumps(config))
    with caplog.at_level(logging.INFO, logger="knowledge.question_encoder"):
        embedder = Embedder(str(model), cache_dir=tmp_path / "models")
    assert embedder.questions is None
    assert "not by the mean" in caplog.text
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_a_changed_model_folder_is_exported_anew(tmp_path):
    model = tmp_path / "model"
    shutil.copytree(model_path(DEFAULT_MODEL), model)
    cache = tmp_path / "models"
    Embedder(str(model), cache_dir=cache)
    first = {p.name for p in cache.iterdir()}
    (model / "README.md").write_text("edited\n")
    embedder = Embedder(str(model), cache_dir=cache)
    second = {p.name for p in cache.iterdir()}
    # Converted again from the model (whose weights are freed again once its int8 copy is made).
    assert (
        embedder.questions is not None and embedder.encoder == ct2_encoder.KIND and not embedder.model_loaded
    )
    assert len(first) == len(second) == 3 and not first & second  # the earlier version's files are removed


def test_the_torch_setting_keeps_questions_on_the_model_and_bad_values_name_the_setting(tmp_path):
    embedder = Embedder(cache_dir=tmp_path, question_encoder="torch")
    assert embedder.questions is None and list(tmp_path.iterdir()) == []
    with pytest.raises(KnowledgeConfigError, match="question_encoder") as caught:
        Embedder(cache_dir=tmp_path, question_encoder="gpu")
    assert caught.value.option == "question_encoder"
    # The assistant names the setting its user sets.
    bad = load_settings({}, data_dir=tmp_path).replace(question_encoder="gpu")
    with pytest.raises(ConfigError, match="MHHS_QUESTION_ENCODER"):
        make_embedder(bad)
    with pytest.raises(ConfigError, match="MHHS_QUESTION_ENCODER"):
        load_settings({"MHHS_QUESTION_ENCODER": "gpu"})
    assert load_settings({}).knowledge.question_encoder == "onnx"


def test_an_encoder_whose_graph_is_gone_before_first_use_falls_back_to_the_model(tmp_path, caplog):
    embedder = Embedder(
        cache_dir=tmp_path, precision="float32"
    )  # exported just now: its session opens at the first question
    next(tmp_path.glob("*.onnx")).unlink()
    with caplog.at_level(logging.WARNING, logger="knowledge.embed"):
        vector = embedder.encode_query("Who signs the final QAD?")
    assert "ONNX encoder failed" in caplog.text
    assert embedder.questions is None and vector.shape == (384,)
    assert abs(float(np.linalg.norm(vector)) - 1) < 1e-5


@pytest.fixture(scope="module")
def int8_cache(tmp_path_factory):
    """A models folder with the int8 (CTranslate2) encoder of the bundled model."""
    cache = tmp_path_factory.mktemp("models-int8")
    Embedder(cache_dir=cache)
    return cache


def test_the_default_int8_encoder_is_close_to_the_model_and_saved_apart(
    int8_cache, knowledge_embedder, tmp_path
):
    [folder] = int8_cache.glob("*.model")
    assert (folder / "model.bin").stat().st_size < 30_000_000  # 8-bit weights: a quarter of the model's 90 MB
    meta = json.loads(
        next(p for p in int8_cache.glob("*.json") if not p.name.endswith(".tokenizer.json")).read_text()
    )
    assert meta["precision"] == ct2_encoder.KIND
    embedder = Embedder(cache_dir=int8_cache)
    assert embedder.encoder == ct2_encoder.KIND and not embedder.model_loaded and embedder.dimension == 384
    batch = embedder.encode(TEXTS)  # passages go through the same encoder as questions
    assert not embedder.model_loaded
    reference = knowledge_embedder.encode(TEXTS)
    for text, fast, single, model in zip(
        TEXTS, batch, [embedder.encode_query(t) for t in TEXTS], reference, strict=True
    ):
        assert abs(float(np.linalg.norm(fast)) - 1) < 1e-5
        # Batched and single give the same vector, within float rounding carried through the quantisation (this
        # batch pads short texts to 256 word pieces; batches of similar length gave 429 of the guidance's 430
        # windows bit for bit).
        assert float(fast @ single) > 0.999, text
        assert float(fast @ model) >= ct2_encoder.MIN_COSINE, text
    assert float(np.abs(batch - reference).max()) > 1e-3  # quantised: close to the model's vectors, not equal
    repeated = embedder.encode([TEXTS[1], TEXTS[0], TEXTS[1]])  # a repeated text is embedded once
    assert np.array_equal(repeated[0], repeated[2]) and float(repeated[1] @ batch[0]) > 0.999
    # float32 is asked for: the model's ONNX copy is exported beside it, and the int8 one is kept.
    cache = tmp_path / "models"
    shutil.copytree(int8_cache, cache)
    assert Embedder(cache_dir=cache, precision="float32").encoder == "float32"
    assert Embedder(cache_dir=cache).encoder == ct2_encoder.KIND


def test_an_int8_encoder_too_far_from_the_model_is_not_used(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(ct2_encoder, "MIN_COSINE", 1.01)  # no quantised vector can be this close
    with caplog.at_level(logging.WARNING, logger="knowledge.ct2_encoder"):
        embedder = Embedder(cache_dir=tmp_path)
    assert "int8 vectors are at cosine" in caplog.text
    # The model's own vectors instead, through its ONNX copy; nothing half-written is left behind.
    assert embedder.encoder == "float32" and embedder.questions is not None
    assert not list(tmp_path.glob(".*")) and not list(tmp_path.glob("*.model"))
    assert embedder.encode_query("QAD").shape == (384,)


def test_a_model_ctranslate2_cannot_convert_is_noted_and_embedded_in_float32(tmp_path, caplog, monkeypatch):
    def unconvertible(model, model_dir, target):
        raise ValueError("No conversion is registered for the model configuration MPNetConfig")

    monkeypatch.setattr(ct2_encoder, "_convert", unconvertible)
    with caplog.at_level(logging.WARNING, logger="knowledge.ct2_encoder"):
        embedder = Embedder(cache_dir=tmp_path)
    assert "MPNetConfig" in caplog.text and embedder.encoder == "float32"
    model_dir = Path(model_path(DEFAULT_MODEL))
    assert "MPNetConfig" in ct2_encoder.Ct2Encoder.unconvertible(tmp_path, model_dir)
    assert ct2_encoder.expected_kind(tmp_path, model_dir, "int8") == "float32"
    # Not tried again: the next process loads the ONNX copy without loading the model.
    again = Embedder(cache_dir=tmp_path)
    assert again.encoder == "float32" and not again.model_loaded


def test_a_failing_int8_encoder_is_an_error_not_a_silent_switch_to_the_models_vectors(int8_cache, tmp_path):
    cache = tmp_path / "models"
    shutil.copytree(int8_cache, cache)
    embedder = Embedder(cache_dir=cache)
    assert embedder.encoder == ct2_encoder.KIND
    shutil.rmtree(next(cache.glob("*.model")))  # gone before its session opens
    embedder.questions._session = None
    with pytest.raises(KnowledgeError, match="mhhs-bot index --rebuild"):
        embedder.encode_query("Who signs the final QAD?")
    assert embedder.encoder == ct2_encoder.KIND and not embedder.model_loaded


def test_a_bad_precision_names_its_setting(tmp_path):
    with pytest.raises(KnowledgeConfigError) as caught:
        Embedder(cache_dir=tmp_path, precision="int4")
    assert caught.value.option == "embedding_precision"
    with pytest.raises(ConfigError, match="MHHS_EMBEDDING_PRECISION"):
        make_embedder(load_settings({}, data_dir=tmp_path).replace(embedding_precision="int4"))
    with pytest.raises(ConfigError, match="MHHS_EMBEDDING_PRECISION"):
        load_settings({"MHHS_EMBEDDING_PRECISION": "int4"})
    assert load_settings({}).knowledge.embedding_precision == "int8"


@pytest.mark.parametrize("precision", ["int8", "float32"])
def test_guidance_is_embedded_on_every_core_and_questions_on_one(precision, int8_cache, encoder_cache):
    import os
    import threading

    cache = int8_cache if precision == "int8" else encoder_cache
    # Lengths differ, so float32's batches are sorted by length and have to be put back in order.
    texts = [
        f"Window {n}: the final QAD is signed off by a Company Director." + " Again." * (n % 7)
        for n in range(40)
    ]
    default = Embedder(cache_dir=cache, precision=precision)
    assert default.batch_threads == (os.cpu_count() or 1)
    two = Embedder(cache_dir=cache, precision=precision, batch_threads=2, batch_size=4)
    one = Embedder(cache_dir=cache, precision=precision, batch_threads=1, batch_size=4)
    seen: set[str] = set()
    session = two.questions._opened_session()
    name = "forward_batch" if precision == "int8" else "run"  # CTranslate2's method, or ONNX Runtime's
    run = getattr(session, name)

    def recording(*args, **kwargs):  # the real session, noting which threads run it
        seen.add(threading.current_thread().name)
        return run(*args, **kwargs)

    two.questions._session = type("Recording", (), {name: staticmethod(recording)})()
    side_by_side = two.encode(texts)
    assert len([name for name in seen if name.startswith("embed")]) == 2
    # The same vectors whichever number of workers embeds them, in the order given, and (int8) exactly those a
    # question with the same words gets.
    np.testing.assert_allclose(side_by_side, one.encode(texts), atol=1e-5)
    for n in (0, 13, 39):
        np.testing.assert_allclose(
            side_by_side[n], one.encode_query(texts[n]), atol=1e-5 if precision == "int8" else 1e-4
        )


def test_a_run_failing_in_a_worker_fails_the_whole_batch(int8_cache):
    embedder = Embedder(cache_dir=int8_cache, batch_threads=2)
    run = embedder.questions._opened_session().forward_batch
    calls = []

    class FailingOnTheFifth:  # the real session, failing part-way through the batch
        def forward_batch(self, *args, **kwargs):
            calls.append(1)
            if len(calls) == 5:
                raise RuntimeError("out of memory")
            return run(*args, **kwargs)

    embedder.questions._session = FailingOnTheFifth()
    texts = [f"Window {n}: the QAD is signed off by a Company Director." for n in range(80)]  # 10 runs of 8
    with pytest.raises(KnowledgeError, match="out of memory"):
        embedder.encode(texts)


def test_a_bad_thread_count_names_its_setting(tmp_path):
    with pytest.raises(ConfigError, match="MHHS_EMBEDDING_THREADS"):
        load_settings({"MHHS_EMBEDDING_THREADS": "0"})
    assert load_settings({"MHHS_EMBEDDING_THREADS": "1"}).knowledge.embedding_threads == 1
    assert load_settings({}).knowledge.embedding_threads is None
    with pytest.raises(KnowledgeConfigError) as caught:
        Embedder(cache_dir=tmp_path, batch_threads=0)
    assert caught.value.option == "embedding_threads"
