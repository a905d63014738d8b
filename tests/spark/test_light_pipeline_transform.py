"""clinical_ner.spark.LightPipeline as Spark NLP users call it: ``transform`` of a Spark
DataFrame (the PipelineModel's own transform), of a pandas one (in-process), and
``setIgnoreUnsupported`` for plain pyspark.ml stages."""

import pytest

pytestmark = pytest.mark.spark

TEXTS = ["Pt c/o chest pain x3 days. BP 120/80.", "No fever.", None, ""]


def text_stages():
    from clinical_ner.spark import DocumentAssembler, SentenceDetector, Tokenizer

    return [
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SentenceDetector().setInputCols(["document"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
    ]


def notes_frame(spark, texts=TEXTS):
    return spark.createDataFrame(list(enumerate(texts)), "id int, text string")


@pytest.fixture(scope="module")
def text_model(spark):
    from pyspark.ml import Pipeline

    return Pipeline(stages=text_stages()).fit(notes_frame(spark, [""]))


def test_transform_of_a_spark_frame_is_the_pipeline_models(spark, text_model):
    from pyspark.sql import DataFrame

    from clinical_ner.spark import LightPipeline

    data = notes_frame(spark)
    out = LightPipeline(text_model).transform(data)
    expected = text_model.transform(data)
    assert isinstance(out, DataFrame)
    assert out.columns == expected.columns == ["id", "text", "document", "sentence", "token"]
    assert out.schema == expected.schema
    assert out.orderBy("id").collect() == expected.orderBy("id").collect()


def test_transform_of_a_pandas_frame_runs_in_process(spark, text_model):
    import pandas as pd

    from clinical_ner.spark import LightPipeline

    frame = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS})
    out = LightPipeline(text_model).transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["id", "text", "document", "sentence", "token"]
    rows = text_model.transform(notes_frame(spark)).orderBy("id").collect()
    for tokens, row in zip(out["token"], rows, strict=True):
        assert [(t.begin, t.end, t.result) for t in tokens] == [
            (t["begin"], t["end"], t["result"]) for t in row["token"]
        ]


def test_plain_spark_stages_fail_by_name_unless_ignored(spark):
    from pyspark.ml import Pipeline
    from pyspark.ml.feature import SQLTransformer

    from clinical_ner.errors import ConfigurationError
    from clinical_ner.spark import LightPipeline

    lengths = SQLTransformer(statement="SELECT *, length(text) AS n FROM __THIS__")
    model = Pipeline(stages=[*text_stages(), lengths]).fit(notes_frame(spark, [""]))
    light = LightPipeline(model)  # as in Spark NLP: building it never fails
    assert light.getIgnoreUnsupported() is False
    assert light.getStages()[-1] is lengths
    with pytest.raises(ConfigurationError, match=r"SQLTransformer.*setIgnoreUnsupported"):
        light.annotate("No fever.")
    assert light.setIgnoreUnsupported(True) is light and light.getIgnoreUnsupported()
    assert light.annotate("No fever.")["token"] == ["No", "fever", "."]
    # transform of a Spark DataFrame is Spark's own: the SQLTransformer still runs there
    first = light.transform(notes_frame(spark, ["No fever."])).first()
    assert first["n"] == len("No fever.")


def test_a_nested_pipeline_model_runs_in_a_light_pipeline(spark):
    from pyspark.ml import Pipeline

    from clinical_ner.spark import LightPipeline

    document, sentence, token = text_stages()
    nested = Pipeline(stages=[Pipeline(stages=[document, sentence]), token])
    model = nested.fit(notes_frame(spark, [""]))
    assert LightPipeline(model).annotate("No fever.")["token"] == ["No", "fever", "."]


def test_spark_frames_given_to_a_local_model_are_clear_errors(spark):
    from clinical_ner import InputError, text_pipeline
    from clinical_ner.errors import ConfigurationError
    from clinical_ner.spark import LightPipeline

    data = notes_frame(spark)
    with pytest.raises(ConfigurationError, match="wraps a local PipelineModel"):
        LightPipeline(text_pipeline()).transform(data)
    with pytest.raises(InputError, match=r"toPandas"):
        text_pipeline().transform(data)
    with pytest.raises(InputError, match=r"use transform\(df\)"):
        LightPipeline(text_pipeline()).annotate(data)
