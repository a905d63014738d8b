"""WordEmbeddingsModel + NerDLModel + NerConverter in a pipeline; model folders; training
through NerDLApproach."""

import json

import pytest

from clinical_ner import (
    DocumentAssembler,
    LightPipeline,
    NerConverter,
    Pipeline,
    PipelineModel,
    SentenceDetector,
    Tokenizer,
)
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.ner_dl_approach import NerDLApproach
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.errors import ConfigurationError, ResourceNotFoundError
from clinical_ner.resources import CorruptModelError
from clinical_ner.training.conll_dataset import CoNLL
from clinical_ner.training.trainer import Trainer, TrainingConfig

NOTE = "Patient reports chest pain.\r\nStarted aspirin for fever. We ordered ECG today."


@pytest.fixture(scope="module")
def trained(toy_model_dir, toy_embeddings_dir):
    """The shared toy model, loaded: ``(NerDLModel, WordEmbeddingsModel)``."""
    return NerDLModel.load(toy_model_dir), WordEmbeddingsModel.load(toy_embeddings_dir)


def full_pipeline(ner, embeddings):
    return Pipeline(
        [
            DocumentAssembler(),
            SentenceDetector(),
            Tokenizer(),
            embeddings.setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
            ner.setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner"),
            NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
        ]
    ).fit()


def test_pipeline_finds_entities_with_exact_offsets(trained):
    ner, embeddings = trained
    (row,) = LightPipeline(full_pipeline(ner, embeddings)).fullAnnotate(NOTE)
    chunks = {(c.result, c.metadata["entity"]) for c in row["ner_chunk"]}
    assert {("chest pain", "PROBLEM"), ("aspirin", "TREATMENT"), ("ECG", "TEST")} <= chunks
    for c in row["ner_chunk"]:
        assert NOTE[c.begin : c.end + 1] == c.result
        assert 0.0 <= float(c.metadata["confidence"]) <= 1.0
    tag = row["ner"][0]
    assert set(tag.metadata) == {"word", "sentence", "confidence"}
    assert len(row["embeddings"][0].embeddings) == 16


def test_all_confidence_scores(trained):
    ner, embeddings = trained
    ner = ner.copy().setIncludeAllConfidenceScores(True)
    (row,) = LightPipeline(full_pipeline(ner, embeddings)).fullAnnotate("Patient reports fever .")
    meta = row["ner"][2].metadata
    assert {"O", "B-PROBLEM", "I-PROBLEM", "confidence"} <= set(meta)
    assert abs(sum(float(meta[label]) for label in ner.getClasses()) - 1.0) < 1e-3


def test_batching_does_not_change_results(trained):
    ner, embeddings = trained
    texts = [NOTE, "", None, "We ordered troponin today .", "No rash after metformin ."] * 3
    one = LightPipeline(full_pipeline(ner.copy().setBatchSize(1), embeddings), batch_size=1)
    many = LightPipeline(full_pipeline(ner.copy().setBatchSize(64), embeddings), batch_size=16)
    assert one.annotate(texts) == many.annotate(texts)


def test_model_folder_round_trip_and_checksums(trained, tmp_path):
    ner, embeddings = trained
    ner.save(tmp_path / "ner")
    embeddings.save(tmp_path / "emb")
    meta = json.loads((tmp_path / "ner" / "metadata.json").read_text())
    assert set(meta["files"]) == {"config.json", "labels.json", "weights.safetensors"}
    model = full_pipeline(NerDLModel.load(tmp_path / "ner"), WordEmbeddingsModel.load(tmp_path / "emb"))
    original = full_pipeline(ner, embeddings)
    assert LightPipeline(model).annotate(NOTE) == LightPipeline(original).annotate(NOTE)
    weights = tmp_path / "ner" / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(CorruptModelError, match="checksum"):
        NerDLModel.load(tmp_path / "ner")


def test_saved_pipeline_with_models_round_trips(trained, tmp_path):
    ner, embeddings = trained
    model = full_pipeline(ner, embeddings)
    model.save(tmp_path / "pipe")
    loaded = PipelineModel.load(tmp_path / "pipe")
    assert LightPipeline(loaded).annotate(NOTE) == LightPipeline(model).annotate(NOTE)


def test_pretrained_lookup_is_offline_and_explains(tmp_path, monkeypatch, trained):
    monkeypatch.setenv("CLINICAL_NER_HOME", str(tmp_path))
    with pytest.raises(ResourceNotFoundError, match="nothing is downloaded"):
        NerDLModel.pretrained("no_such_model", "en", "clinical/models")
    trained[0].save(tmp_path / "toy_ner_en")
    assert NerDLModel.pretrained("toy_ner", "en", "clinical/models").getClasses()[0] == "O"


def test_dimension_mismatch_is_a_clear_error(trained, toy_data):
    ner, _ = trained
    import numpy as np

    from clinical_ner.embeddings.store import WordVectorStore

    other = WordEmbeddingsModel(WordVectorStore.from_vectors(["pain"], np.ones((1, 8), np.float32)))
    with pytest.raises(ConfigurationError, match="8-dimensional"):
        LightPipeline(full_pipeline(ner, other)).annotate(NOTE)


def test_ner_dl_approach_fits_from_conll_rows(tmp_path, toy_data):
    train, _, store = toy_data
    lines = ["-DOCSTART- -X- -X- O", ""]
    for s in train:
        lines += [f"{tok} -X- -X- {tag}" for tok, tag in zip(s.tokens, s.tags, strict=True)] + [""]
    path = tmp_path / "train.conll"
    path.write_text("\n".join(lines), encoding="utf-8")
    rows = CoNLL().readDataset(path)
    assert rows[0]["token"][0].result == train[0].tokens[0]
    approach = (
        NerDLApproach().setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner")
        .setMaxEpochs(3).setHiddenSize(16).setBatchSize(8).setLr(0.01).setVerbose(False)
        .setValidationSplit(0.2).setEnableOutputLogs(True).setOutputLogsPath(str(tmp_path / "logs"))
    )
    model = Pipeline([WordEmbeddingsModel(store), approach]).fit(rows)
    ner = model.stages[-1]
    assert isinstance(ner, NerDLModel) and ner.getClasses()[0] == "O"
    assert len(approach.history) == 3
    log = (tmp_path / "logs" / "NerDLApproach.log").read_text()
    assert "epoch 3" in log and "dev strict micro-F1" in log
    assert "PROBLEM P" not in log  # evaluationLogExtended is off by default
    with pytest.raises(AttributeError):
        approach.setNoSuchThing(1)


def test_bfloat16_inference_keeps_float32_weights(trained, tmp_path):
    import torch

    ner, embeddings = trained
    low = ner.copy().setPrecision("bfloat16")
    full = ner.copy().setPrecision("float32")
    text = "Patient reports chest pain . Started aspirin for fever ."
    a = LightPipeline(full_pipeline(low, embeddings)).annotate(text)
    b = LightPipeline(full_pipeline(full, embeddings)).annotate(text)
    assert a["ner"] == b["ner"]
    assert low.network.emission.weight.dtype == torch.float32  # the saved weights
    with pytest.raises(ConfigurationError):
        ner.copy().setPrecision("float16")


def test_many_sentences_decode_like_one_at_a_time(trained, toy_data):
    # More sentences than one CRF pass takes (CRF_GROUP_SENTENCES), of varied lengths, so
    # emissions of several BiLSTM batches are padded together and decoded in several passes.
    from clinical_ner.annotators.ner_dl import CRF_GROUP_SENTENCES

    ner, _ = trained
    ner = ner.copy().setPrecision("float32").setBatchSize(16)
    train, _, store = toy_data
    sentences = [list(s.tokens[: 1 + i % len(s.tokens)]) for i, s in enumerate(train * 6)]
    assert len(sentences) > 2 * CRF_GROUP_SENTENCES
    vectors = [store.lookup(s) for s in sentences]
    tags, confidences, _ = ner.tag_sentences(sentences, vectors)
    for i in range(0, len(sentences), 37):
        [one_tags], [one_confidences], _ = ner.tag_sentences([sentences[i]], [vectors[i]])
        assert tags[i] == one_tags
        assert confidences[i] == pytest.approx(one_confidences, abs=1e-5)


def test_conventions_are_chosen_by_the_stage_and_survive_save_and_load(toy_data, tmp_path):
    import dataclasses

    import torch

    train, _, store = toy_data
    # Two copies of the toy corpus under two conventions: in "reports", every entity is O.
    reports = [dataclasses.replace(s, tags=["O"] * len(s.tags), convention="reports") for s in train]
    notes = [dataclasses.replace(s, convention="notes") for s in train]
    config = TrainingConfig(lstm_hidden=16, char_filters=8, char_dim=8, batch_size=8, lr=0.01,
                            dropout=0.1, max_epochs=12, patience=100, threads=1,
                            conventions=["notes", "reports"])
    trainer = Trainer(config, notes + reports, store, progress=False)
    list(trainer.run())
    torch.manual_seed(0)
    ner = NerDLModel(trainer.network, trainer.chars, {"name": "toy"})
    ner.save(tmp_path / "m")
    ner = NerDLModel.load(tmp_path / "m")
    assert ner.getConventions() == ["notes", "reports"]
    text = "Patient reports chest pain . Started aspirin for fever ."
    default = LightPipeline(full_pipeline(ner.copy(), WordEmbeddingsModel(store))).annotate(text)
    as_reports = LightPipeline(full_pipeline(ner.copy().setConvention("reports"),
                                             WordEmbeddingsModel(store))).annotate(text)
    assert default["ner_chunk"] == ["chest pain", "aspirin", "fever"]
    assert as_reports["ner_chunk"] == []
    with pytest.raises(ConfigurationError, match="this model knows: notes, reports"):
        ner.copy().setConvention("chia")


def test_a_model_without_conventions_rejects_one(trained):
    ner, _ = trained
    assert ner.getConventions() == []
    with pytest.raises(ConfigurationError, match="this model knows: none"):
        ner.copy().setConvention("x")
