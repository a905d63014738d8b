"""On Spark: the Tokenizer is an estimator (``fit`` gives a TokenizerModel) as in Spark NLP,
old uses keep working, input columns are checked, and ContextualAssertion takes the
healthcare three-column form."""

import pytest

pytestmark = pytest.mark.spark

NOTES = [
    "Pt c/o chest pain x3 days. BP 120/80.",
    "Patient denies fever. Mother had diabetes.",
]


def frame(spark, texts=NOTES):
    return spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id int, text string")


def text_stages():
    from clinical_ner.spark import DocumentAssembler, SentenceDetector

    return [DocumentAssembler().setInputCol("text").setOutputCol("document"),
            SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")]


def tokens_by_id(results):
    return {row["id"]: [(t["begin"], t["end"], t["result"]) for t in row["token"]]
            for row in results.select("id", "token").collect()}


def local_tokens(texts=NOTES):
    from clinical_ner import DocumentAssembler, PipelineModel, SentenceDetector, Tokenizer

    rows = PipelineModel([DocumentAssembler(), SentenceDetector(), Tokenizer()]).transform(texts)
    return {i: [(t.begin, t.end, t.result) for t in row["token"]] for i, row in enumerate(rows)}


def test_tokenizer_fit_returns_a_tokenizer_model(spark):
    from pyspark.ml import Estimator, Transformer

    from clinical_ner.spark import Tokenizer, TokenizerModel

    tokenizer = Tokenizer().setInputCols(["sentence"]).setOutputCol("words").setMinLength(2)
    assert isinstance(tokenizer, Estimator) and not isinstance(tokenizer, TokenizerModel)
    model = tokenizer.fit(frame(spark))
    assert type(model) is TokenizerModel and isinstance(model, Transformer)
    assert model.getInputCols() == ["sentence"] and model.getOutputCol() == "words"
    assert model.getMinLength() == 2 and model.getExceptions() == tokenizer.getExceptions()
    assert model.setExceptions(["chest pain"]) is model  # the Tokenizer's setters


def test_pipeline_fits_it_and_keeps_one_python_pass(spark, tmp_path):
    from pyspark.ml import Pipeline, PipelineModel

    from clinical_ner.spark import LightPipeline, Tokenizer, TokenizerModel

    fitted = Pipeline(stages=[*text_stages(), Tokenizer()]).fit(frame(spark))
    assert type(fitted.stages[-1]) is TokenizerModel
    results = fitted.transform(frame(spark))
    assert results._jdf.queryExecution().optimizedPlan().toString().count("MapInArrow") == 1
    assert tokens_by_id(results) == local_tokens()
    fitted.write().overwrite().save(str(tmp_path / "model"))
    loaded = PipelineModel.load(str(tmp_path / "model"))
    assert type(loaded.stages[-1]) is TokenizerModel
    assert tokens_by_id(loaded.transform(frame(spark))) == local_tokens()
    light = LightPipeline(loaded).annotate(NOTES[0])["token"]
    assert light == [r for _, _, r in local_tokens()[0]]


def test_tokenizer_used_as_a_transformer_keeps_working(spark, tmp_path):
    # what code did, and PipelineModels saved, while the Tokenizer was a transformer
    from pyspark.ml import PipelineModel

    from clinical_ner.spark import LightPipeline, Tokenizer

    tokenizer = Tokenizer()
    stages = text_stages()
    direct = tokenizer.transform(stages[1].transform(stages[0].transform(frame(spark))))
    assert tokens_by_id(direct) == local_tokens()
    old = PipelineModel([*text_stages(), Tokenizer()])
    old.write().overwrite().save(str(tmp_path / "old"))
    loaded = PipelineModel.load(str(tmp_path / "old"))
    assert type(loaded.stages[-1]) is Tokenizer
    assert tokens_by_id(loaded.transform(frame(spark))) == local_tokens()
    assert LightPipeline(loaded).annotate(NOTES[1])["token"] == [
        r for _, _, r in local_tokens()[1]]


def test_input_columns_are_checked(spark):
    from pyspark.ml import Pipeline

    from clinical_ner.annotators.base import InputColumnsError
    from clinical_ner.spark import ContextualAssertion, NerConverter, SectionDetector, Tokenizer

    with pytest.raises(TypeError, match="NerConverter reads 3 or 4 columns"):
        NerConverter().setInputCols(["sentence", "ner"])
    assert ContextualAssertion().setInputCols("sentence", "token", "ner_chunk").getInputCols() == [
        "sentence", "token", "ner_chunk"]
    pipeline = Pipeline(stages=[text_stages()[0], SectionDetector(),
                                Tokenizer().setInputCols(["section"])])
    with pytest.raises(InputColumnsError, match=r"'section'.*'document'.*type 'section'"):
        pipeline.fit(frame(spark))


def test_contextual_assertion_healthcare_form(spark, toy_models):
    from pyspark.ml import Pipeline

    from clinical_ner.spark import (
        ContextualAssertion,
        NerConverter,
        NerDLModel,
        Tokenizer,
        WordEmbeddingsModel,
    )

    ner_dir, emb_dir = toy_models
    notes = ["Patient denies fever and cough . Mother had chest pain .",
             "No rash after metformin . We ordered troponin today ."]
    model = Pipeline(stages=[
        *text_stages(), Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        WordEmbeddingsModel.load(str(emb_dir)).setInputCols(["sentence", "token"]),
        NerDLModel.load(str(ner_dir)).setInputCols(["sentence", "token", "embeddings"]),
        NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
        ContextualAssertion().setInputCols(["sentence", "token", "ner_chunk"]),
        ContextualAssertion().setInputCols(["sentence", "ner_chunk"]).setOutputCol("two"),
    ]).fit(frame(spark, notes))
    rows = model.transform(frame(spark, notes)).collect()
    assert sum(len(row["assertion"]) for row in rows) > 0
    for row in rows:
        assert len(row["assertion"]) == len(row["ner_chunk"])
        assert [(a["begin"], a["end"], a["result"]) for a in row["assertion"]] == [
            (a["begin"], a["end"], a["result"]) for a in row["two"]]
