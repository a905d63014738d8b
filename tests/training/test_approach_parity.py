"""NerDLApproach as Spark NLP users call it (issue 15, item 5): setTestDataset with a parquet
path or a DataFrame, the TensorFlow-only settings, includeAllConfidenceScores,
bestModelMetric and entities. Tiny toy data: each fit takes a second or two."""

import logging

import numpy as np
import pytest

from clinical_ner import Pipeline
from clinical_ner.annotators import ner_dl_approach
from clinical_ner.annotators.ner_dl import NerDLModel
from clinical_ner.annotators.ner_dl_approach import NerDLApproach
from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel
from clinical_ner.errors import ConfigurationError, InputError
from clinical_ner.training.conll_dataset import CoNLL
from clinical_ner.training.trainer import Trainer, TrainingConfig

from ..helpers.toy import make_sentences

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

# Spark's parquet layout of an annotation column (what CoNLL().readDataset(spark, path)
# .write.parquet(...) writes): list<struct<..., metadata: map, embeddings: list<float>>>.
ANNOTATION = pa.struct([
    ("annotatorType", pa.string()), ("begin", pa.int32()), ("end", pa.int32()),
    ("result", pa.string()), ("metadata", pa.map_(pa.string(), pa.string())),
    ("embeddings", pa.list_(pa.float32())),
])


def write_conll(path, sentences):
    lines = ["-DOCSTART- -X- -X- O", ""]
    for s in sentences:
        lines += [f"{tok} NN NN {tag}" for tok, tag in zip(s.tokens, s.tags, strict=True)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_spark_style_parquet(folder, rows):
    """``rows`` as Spark writes a DataFrame: a folder of part files plus _SUCCESS."""
    folder.mkdir()
    columns = {"text": pa.array([r["text"] for r in rows], pa.string())}
    for name in [c for c in rows[0] if c != "text"]:
        values = [[{**a.to_dict(), "metadata": list(a.metadata.items())} for a in r[name]]
                  for r in rows]
        columns[name] = pa.array(values, pa.list_(ANNOTATION))
    pq.write_table(pa.table(columns), folder / "part-00000-toy.snappy.parquet")
    (folder / "_SUCCESS").write_text("")
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory, toy_data):
    """Training rows, test rows (the CoNLL columns only) and the embeddings stage."""
    _, _, store = toy_data
    folder = tmp_path_factory.mktemp("conll")
    train = CoNLL().readDataset(write_conll(folder / "train.conll", make_sentences(40, 1)))
    test = CoNLL().readDataset(write_conll(folder / "test.conll", make_sentences(15, 2)))
    return train, test, WordEmbeddingsModel(store)


def approach(epochs=2):
    return (
        NerDLApproach().setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner")
        .setMaxEpochs(epochs).setHiddenSize(8).setBatchSize(8).setLr(0.01).setVerbose(False)
        .setThreads(1)
    )


def fit(data, stage):
    train, _, embeddings = data
    return Pipeline([embeddings, stage]).fit([dict(r) for r in train]).stages[-1]


# ----- setTestDataset ----------------------------------------------------------------------
def test_parquet_path_as_spark_nlp_writes_it(data, tmp_path):
    _, test, embeddings = data
    path = write_spark_style_parquet(tmp_path / "test.parquet", test)
    stage = approach().setTestDataset(str(path), embeddings=embeddings)
    assert stage.getOrDefault("testDataset") == str(path)
    model = fit(data, stage)
    scores = model.metadata["test_scores"]
    assert scores["gold"] == sum(len([t for t in s.tags if t.startswith("B-")])
                                 for s in make_sentences(15, 2))
    assert all("test" in log.extra for log in stage.history)

    # The same data as rows, as a pandas DataFrame read from the parquet, and as Spark
    # NLP's documented form (written after the embeddings stage) score the same.
    as_rows = fit(data, approach().setTestDataset(test, embeddings=embeddings))
    assert as_rows.metadata["test_scores"] == scores
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(path)
    as_frame = fit(data, approach().setTestDataset(frame, embeddings=embeddings))
    assert as_frame.metadata["test_scores"] == scores
    embedded = embeddings.transform_rows([dict(r) for r in test])
    path2 = write_spark_style_parquet(tmp_path / "embedded.parquet", embedded)
    as_spark_nlp = fit(data, approach().setTestDataset(str(path2)))
    assert as_spark_nlp.metadata["test_scores"] == scores


def test_a_string_is_never_split_into_characters():
    with pytest.raises(InputError, match=r"no parquet file or folder at nowhere\.parquet"):
        NerDLApproach().setTestDataset("nowhere.parquet")


@pytest.mark.parametrize("bad", [42, {"token": []}, b"test.parquet", ["a", "b"]])
def test_other_test_datasets_are_clear_errors(bad):
    with pytest.raises(InputError, match=r"parquet path .* pandas DataFrame .* row dicts"):
        NerDLApproach().setTestDataset(bad)


def test_read_as_and_options_are_checked(tmp_path):
    with pytest.raises(ConfigurationError, match="read_as='SPARK'"):
        NerDLApproach().setTestDataset(str(tmp_path), read_as="TEXT")
    with pytest.raises(ConfigurationError, match="parquet only"):
        NerDLApproach().setTestDataset(str(tmp_path), options={"format": "csv"})
    stage = NerDLApproach().setTestDataset(str(tmp_path), "SPARK", {"format": "parquet"})
    assert stage.getOrDefault("testDataset") == str(tmp_path)
    assert NerDLApproach().setTestDataset(None).getOrDefault("testDataset") is None


def test_test_data_without_embeddings_needs_the_embeddings_stage(data, tmp_path):
    _, test, embeddings = data
    path = write_spark_style_parquet(tmp_path / "test.parquet", test)
    with pytest.raises(ConfigurationError, match=r"no 'embeddings' column.*embeddings="):
        fit(data, approach(epochs=1).setTestDataset(str(path)))
    no_labels = [{k: v for k, v in r.items() if k != "label"} for r in test]
    with pytest.raises(ConfigurationError, match="test dataset has no 'label' column"):
        fit(data, approach(epochs=1).setTestDataset(no_labels, embeddings=embeddings))
    with pytest.raises(ConfigurationError, match="takes the pipeline's WordEmbeddingsModel"):
        approach().setTestDataset(test, embeddings="embeddings")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(InputError, match="not a readable parquet dataset"):
        fit(data, approach(epochs=1).setTestDataset(str(tmp_path / "junk.parquet")))


# ----- TensorFlow-only settings -------------------------------------------------------------
@pytest.mark.parametrize(
    ("setter", "value", "stored"),
    [
        ("setGraphFolder", "graphs/", "graphs/"),
        ("setEnableMemoryOptimizer", True, True),
        ("setUseContrib", False, False),
        ("setConfigProtoBytes", b"\x08\x01", [8, 1]),
    ],
)
def test_tensorflow_settings_are_accepted_and_logged_once(monkeypatch, caplog, setter, value, stored):
    monkeypatch.setattr(ner_dl_approach, "_NO_EFFECT_LOGGED", set())
    with caplog.at_level(logging.INFO, logger=ner_dl_approach.__name__):
        stage = getattr(NerDLApproach(), setter)(value)
        getattr(NerDLApproach(), setter)(value)
    name = setter[3].lower() + setter[4:]
    assert stage.getOrDefault(name) == stored
    said = [r for r in caplog.records if setter in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING
    assert "no effect here" in said[0].getMessage()


# ----- includeAllConfidenceScores, bestModelMetric, entities -------------------------------
def test_include_all_confidence_scores_reaches_the_model(data):
    _, _, embeddings = data
    model = fit(data, approach(epochs=1).setIncludeAllConfidenceScores(True))
    assert model.getOrDefault("includeAllConfidenceScores") is True
    assert NerDLApproach().getOrDefault("includeAllConfidenceScores") is False
    rows = Pipeline([embeddings, model]).fit().transform([dict(r) for r in data[1][:1]])
    meta = rows[0]["ner"][0].metadata
    assert set(model.getClasses()) <= set(meta)
    assert abs(sum(float(meta[c]) for c in model.getClasses()) - 1.0) < 1e-3


def test_best_model_metric_values():
    assert NerDLApproach().getOrDefault("bestModelMetric") == "f1_micro"
    assert NerDLApproach().training_config().best_model_metric == "micro"
    for value, metric in [("f1_macro", "macro"), ("macro_fscore", "macro"),
                          ("micro_fscore", "micro"), ("F1_MICRO", "micro")]:
        assert NerDLApproach().setBestModelMetric(value).training_config().best_model_metric == metric
    with pytest.raises(ConfigurationError, match="bestModelMetric must be one of"):
        NerDLApproach().setBestModelMetric("accuracy")


@pytest.mark.parametrize("metric", ["micro", "macro"])
def test_best_epoch_is_chosen_by_the_metric_on_the_test_data(toy_data, metric):
    train, dev, store = toy_data
    config = TrainingConfig(lstm_hidden=8, char_filters=8, char_dim=8, batch_size=8, lr=0.01,
                            max_epochs=5, patience=100, threads=1, best_model_metric=metric)
    test = make_sentences(15, 3)
    trainer = Trainer(config, train[:30], store, dev=dev, test=test, progress=False)
    logs = list(trainer.run())
    # As in Spark NLP, the test data (not the validation data) selects the kept epoch.
    scores = [log.extra["test"]["strict"][metric]["f1"] for log in logs]
    best_so_far = -1.0
    for log, score in zip(logs, scores, strict=True):
        assert log.is_best == (score > best_so_far)
        best_so_far = max(best_so_far, score)
    assert trainer.evaluate(test)["strict"][metric]["f1"] == pytest.approx(max(scores))
    assert "test strict micro-F1" in logs[0].summary()
    with pytest.raises(ConfigurationError, match="best_model_metric must be 'micro' or 'macro', not 'f1'"):
        Trainer(TrainingConfig(best_model_metric="f1"), train, store)


def test_entities_trains_only_those_types(data):
    stage = approach(epochs=1).setEntities(["PROBLEM", "I-TEST"])
    assert stage.getOrDefault("entities") == ["PROBLEM", "TEST"]
    model = fit(data, stage)
    assert isinstance(model, NerDLModel)
    assert model.getClasses() == ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST"]
    with pytest.raises(ConfigurationError, match=r"\['DRUG'\] never occur .*'PROBLEM'"):
        fit(data, approach(epochs=1).setEntities(["DRUG"]))
    with pytest.raises(ConfigurationError, match="list of entity types"):
        NerDLApproach().setEntities("PROBLEM")


def test_entities_also_filter_the_test_data(data):
    _, test, embeddings = data
    stage = approach(epochs=1).setEntities(["TREATMENT"]).setTestDataset(test, embeddings=embeddings)
    model = fit(data, stage)
    expected = sum(t == "B-TREATMENT" for s in make_sentences(15, 2) for t in s.tags)
    assert model.metadata["test_scores"]["gold"] == expected
    assert np.isfinite(model.metadata["test_scores"]["strict"]["micro"]["f1"])
