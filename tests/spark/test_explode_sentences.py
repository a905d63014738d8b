"""``SentenceDetector.setExplodeSentences(True)`` on Spark: a row per sentence (the other
columns repeated), offsets into the original text, that sentence's NER and chunks only,
in the one fused pass; the same results as the local LightPipeline; ``setSplitLength``."""

import pytest

from .test_spark_pipeline import card_pipeline, local_light, notes_frame

pytestmark = pytest.mark.spark

NOTES = [
    "Patient reports chest pain.\r\nStarted aspirin for fever. We ordered ECG today.",
    None,
    "",
    "No rash after metformin .\n\nCBC showed no cough .\tTroponin ordered — café ✓ 😀.",
    "We ordered troponin today . Started IV fluids for shortness of breath .",
]


def chunk_view(chunks):
    # "chunk" numbers a row's chunks: once per sentence when each sentence is a row.
    return [(c["begin"], c["end"], c["result"], c["metadata"]["entity"],
             c["metadata"]["sentence"]) for c in chunks]


def local_chunk_view(chunks):
    return [(c.begin, c.end, c.result, c.metadata["entity"], c.metadata["sentence"])
            for c in chunks]


@pytest.fixture(scope="module")
def exploded(spark, toy_models):
    pipeline = card_pipeline(*toy_models)
    pipeline.getStages()[1].setExplodeSentences(True)
    return pipeline.fit(spark.createDataFrame([[""]]).toDF("text"))


def test_a_row_per_sentence_with_its_own_ner_and_chunks(spark, toy_models, exploded):
    results = exploded.transform(notes_frame(spark, NOTES))
    plan = results._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("MapInArrow") == 1, "the explode happens inside the one Python pass"
    rows = results.orderBy("id", results["sentence"][0]["begin"]).collect()
    light = local_light(*toy_models)
    whole = light.fullAnnotate(NOTES)
    expected = [(i, s) for i, row in enumerate(whole) for s in row["sentence"]]
    assert len(rows) == len(expected) == 8  # None and "" give no row, as Spark's explode
    found_chunks = 0
    for row, (index, sentence) in zip(rows, expected, strict=True):
        text = NOTES[index]
        assert row["id"] == index and row["text"] == text  # the other columns repeated
        assert len(row["document"]) == 1 and row["document"][0]["end"] == len(text) - 1
        (mine,) = row["sentence"]
        assert (mine["begin"], mine["end"], mine["result"]) == (
            sentence.begin, sentence.end, sentence.result)
        assert text[mine["begin"] : mine["end"] + 1] == mine["result"]
        assert mine["metadata"]["sentence"] == sentence.metadata["sentence"]
        ours = [a for a in whole[index]["token"] if sentence.begin <= a.begin <= sentence.end]
        assert [(t["begin"], t["end"], t["result"]) for t in row["token"]] == [
            (t.begin, t.end, t.result) for t in ours]
        assert len(row["ner"]) == len(row["token"]) == len(row["embeddings"])
        in_sentence = [c for c in whole[index]["ner_chunk"] if sentence.begin <= c.begin <= sentence.end]
        assert chunk_view(row["ner_chunk"]) == local_chunk_view(in_sentence)
        for chunk in row["ner_chunk"]:
            assert text[chunk["begin"] : chunk["end"] + 1] == chunk["result"]
            found_chunks += 1
    assert found_chunks > 0
    # The local LightPipeline of the same exploded pipeline gives the very same rows.
    local = local_light(*toy_models)
    local.pipeline_model.stages[1].setExplodeSentences(True)
    per_sentence = local.fullAnnotate(NOTES)
    assert len(per_sentence) == len(rows)
    for row, result in zip(rows, per_sentence, strict=True):
        assert [t["result"] for t in row["ner"]] == [t.result for t in result["ner"]]
        assert [(c["begin"], c["end"], c["result"], dict(c["metadata"])) for c in row["ner_chunk"]] \
            == [(c.begin, c.end, c.result, c.metadata) for c in result["ner_chunk"]]


def test_the_card_idiom_of_a_sentence_per_row(spark, exploded):
    """The card's "dataframe with a sentence per row": ``sentence.result`` per row."""
    rows = (exploded.transform(notes_frame(spark, NOTES[:1]))
            .selectExpr("sentence.result[0] as sentence", "ner_chunk.result as chunks")
            .collect())
    assert [r["sentence"] for r in rows] == [
        "Patient reports chest pain.", "Started aspirin for fever.", "We ordered ECG today."]
    assert all(isinstance(r["chunks"], list) for r in rows)


def test_many_sentences_per_slice_and_save_load(spark, exploded, tmp_path):
    from pyspark.ml import PipelineModel

    # rowsPerBatch is 4 in the tests: slices of 4 notes give far more than 4 rows.
    texts = [" ".join(["Patient reports chest pain ."] * (k + 1)) for k in range(12)]
    counts = (exploded.transform(notes_frame(spark, texts)).groupBy("id").count()
              .orderBy("id").collect())
    assert [r["count"] for r in counts] == [k + 1 for k in range(12)]
    path = str(tmp_path / "exploded")
    exploded.write().overwrite().save(path)
    loaded = PipelineModel.load(path)
    assert loaded.stages[1].getExplodeSentences() is True
    assert loaded.transform(notes_frame(spark, texts)).count() == sum(range(1, 13))


def test_default_keeps_a_row_per_note_and_split_length(spark, toy_models):
    from clinical_ner.spark import SentenceDetector

    assert SentenceDetector().getExplodeSentences() is False
    assert SentenceDetector().getSplitLength() is None
    pipeline = card_pipeline(*toy_models)
    fitted = pipeline.fit(spark.createDataFrame([[""]]).toDF("text"))
    assert fitted.transform(notes_frame(spark, NOTES)).count() == len(NOTES)
    pipeline.getStages()[1].setSplitLength(15).setExplodeSentences(True)
    split = pipeline.fit(spark.createDataFrame([[""]]).toDF("text"))
    rows = split.transform(notes_frame(spark, NOTES[4:])).collect()
    assert [r["sentence"][0]["result"] for r in rows] == [
        "We ordered", "troponin today", ".", "Started IV", "fluids for", "shortness of",
        "breath ."]
    for row in rows:
        (sentence,) = row["sentence"]
        assert NOTES[4][sentence["begin"] : sentence["end"] + 1] == sentence["result"]


def test_a_pruned_select_keeps_a_row_per_sentence(spark, exploded):
    """Selecting by names sends fewer columns back, never fewer or different rows."""
    results = exploded.transform(notes_frame(spark, NOTES))
    full = sorted((r["id"], r["sentence"][0]["begin"], [c["result"] for c in r["ner_chunk"]])
                  for r in results.collect())
    pruned_frame = results.select("id", "sentence", "ner_chunk")
    assert pruned_frame.columns == ["id", "sentence", "ner_chunk"]
    pruned = sorted((r["id"], r["sentence"][0]["begin"], [c["result"] for c in r["ner_chunk"]])
                    for r in pruned_frame.collect())
    assert pruned == full and len(full) == 8
