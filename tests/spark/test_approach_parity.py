"""clinical_ner.spark.NerDLApproach as Spark NLP users call it (issue 15, item 5):
setTestDataset with the parquet path Spark NLP documents or a DataFrame, the TensorFlow-only
settings, includeAllConfidenceScores, bestModelMetric and entities. Toy data, tiny models."""

import pytest

pytestmark = pytest.mark.spark


def write_conll(path, sentences):
    lines = ["-DOCSTART- -X- -X- O", ""]
    for s in sentences:
        lines += [f"{tok} NN NN {tag}" for tok, tag in zip(s.tokens, s.tags, strict=True)] + [""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def conll(spark, tmp_path_factory, toy_models):
    """Training DataFrame, test parquet path (CoNLL columns only), the embeddings stage."""
    from clinical_ner.spark import CoNLL, WordEmbeddingsModel

    from ..helpers.toy import make_sentences

    folder = tmp_path_factory.mktemp("approach_parity")
    train = CoNLL().readDataset(spark, write_conll(folder / "train.conll", make_sentences(30, 1)))
    test = CoNLL().readDataset(spark, write_conll(folder / "test.conll", make_sentences(12, 2)))
    test_path = str(folder / "test.parquet")
    test.write.parquet(test_path)  # the snippet of the issue, as Spark NLP documents it
    embeddings = WordEmbeddingsModel.load(str(toy_models[1])).setInputCols(["sentence", "token"])
    return train, test_path, embeddings


def approach():
    from clinical_ner.spark import NerDLApproach

    return (
        NerDLApproach().setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner")
        .setMaxEpochs(2).setHiddenSize(8).setBatchSize(8).setLr(0.01).setVerbose(False)
        .setThreads(1)
    )


def fit(conll, stage):
    from pyspark.ml import Pipeline

    train, _, embeddings = conll
    return Pipeline(stages=[embeddings, stage]).fit(train).stages[-1]


def test_parquet_path_with_every_spark_nlp_setting(conll, tmp_path):
    from clinical_ner.spark import NerDLApproach, NerDLModel

    _, test_path, embeddings = conll
    stage = (
        approach().setTestDataset(test_path, embeddings=embeddings)
        .setGraphFolder("graphs/").setEnableMemoryOptimizer(True).setUseContrib(False)
        .setConfigProtoBytes(b"\x08\x01")
        .setIncludeAllConfidenceScores(True).setBestModelMetric("f1_macro")
        .setEntities(["PROBLEM", "TEST"])
    )
    assert stage.getTestDataset() == test_path
    assert (stage.getGraphFolder(), stage.getEnableMemoryOptimizer(), stage.getUseContrib(),
            stage.getConfigProtoBytes()) == ("graphs/", True, False, [8, 1])
    model = fit(conll, stage)
    assert isinstance(model, NerDLModel)
    assert model.getClasses() == ["O", "B-PROBLEM", "I-PROBLEM", "B-TEST", "I-TEST"]
    assert model.getOrDefault("includeAllConfidenceScores") is True
    assert all("test" in log.extra for log in stage.history)
    macro = [log.extra["test"]["strict"]["macro"]["f1"] for log in stage.history]
    scores = model.local_model().metadata["test_scores"]
    assert scores["strict"]["macro"]["f1"] == pytest.approx(max(macro))

    # The path (not the DataFrame) is a parameter, so it is saved with the stage.
    stage.write().overwrite().save(str(tmp_path / "approach"))
    loaded = NerDLApproach.load(str(tmp_path / "approach"))
    assert loaded.getTestDataset() == test_path and loaded.getEntities() == ["PROBLEM", "TEST"]


def test_every_form_of_the_test_dataset_scores_the_same(spark, conll, tmp_path):
    from clinical_ner.annotators.ner_dl_approach import NerDLApproach as LocalApproach
    from clinical_ner.spark.approach import StreamedRows

    _, test_path, embeddings = conll
    from_path = fit(conll, approach().setMaxEpochs(1).setTestDataset(test_path, embeddings=embeddings))
    scores = from_path.local_model().metadata["test_scores"]
    assert scores["gold"] > 0
    # Spark NLP's documented form: the test data written after the embeddings stage.
    embedded_path = str(tmp_path / "embedded.parquet")
    embeddings.transform(spark.read.parquet(test_path)).write.parquet(embedded_path)
    from_embedded = fit(conll, approach().setMaxEpochs(1).setTestDataset(embedded_path))
    assert from_embedded.local_model().metadata["test_scores"] == scores
    # A DataFrame gives the approach the same test rows as its path.
    columns = ["token", "embeddings", "label"]
    frame = approach().setTestDataset(spark.read.parquet(test_path), embeddings=embeddings)
    path = approach().setTestDataset(test_path, embeddings=embeddings)

    def plain(stage):
        return [[(a.begin, a.end, a.result, tuple(a.embeddings)) for c in columns for a in row[c]]
                for row in StreamedRows(stage._test_frame(spark), columns)]

    assert plain(frame) == plain(path) and len(plain(path)[0]) > 0
    # The local approach reads the parquet Spark wrote, with pyarrow or through pandas.
    local = LocalApproach().setTestDataset(embedded_path)
    rows = local._test_rows()
    assert len(rows) == 1 and len(rows[0]["embeddings"][0].embeddings) == 16
    pd = pytest.importorskip("pandas")
    pandas_rows = LocalApproach().setTestDataset(
        pd.read_parquet(test_path), embeddings=embeddings.local_model()
    )._test_rows()
    assert [a.result for a in pandas_rows[0]["label"]] == [a.result for a in rows[0]["label"]]


def test_clear_errors(spark, conll, tmp_path):
    from clinical_ner.errors import ConfigurationError, InputError

    _, test_path, _ = conll
    with pytest.raises(InputError, match=r"parquet path .* or a Spark DataFrame; got int"):
        approach().setTestDataset(42)
    with pytest.raises(InputError, match="got list"):
        approach().setTestDataset([{"token": []}])
    with pytest.raises(ConfigurationError, match="read_as='SPARK'"):
        approach().setTestDataset(test_path, read_as="TEXT")
    with pytest.raises(ConfigurationError, match="takes the pipeline's WordEmbeddingsModel"):
        approach().setTestDataset(test_path, embeddings="embeddings")
    with pytest.raises(ConfigurationError, match="bestModelMetric must be one of"):
        approach().setBestModelMetric("accuracy")
    with pytest.raises(ConfigurationError, match=r"no 'embeddings' column.*embeddings="):
        fit(conll, approach().setMaxEpochs(1).setTestDataset(test_path))
    with pytest.raises(InputError, match="cannot read the test dataset"):
        fit(conll, approach().setMaxEpochs(1).setTestDataset(str(tmp_path / "missing.parquet")))
