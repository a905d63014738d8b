"""The Spark stages on local[2]: the card's snippet, parity with LightPipeline, save/load,
training from a CoNLL DataFrame, null/empty/huge rows, Finisher, parameters, and
ContextualAssertion (fused, parameters, save/load)."""

import pytest

pytestmark = pytest.mark.spark

NOTES = [
    "Patient reports chest pain.\r\nStarted aspirin for fever. We ordered ECG today.",
    "No rash after metformin .\n\nCBC showed no cough .\tTroponin ordered — café ✓ 😀.",
    "We ordered troponin today . Started IV fluids for shortness of breath .",
    "HISTORY: Pt. c/o fever x3 days; s/p lisinopril 10 mg p.o. b.i.d.\nECG normal.",
]


def card_pipeline(ner_dir, emb_dir):
    """The model card's pipeline, with a toy model folder in place of the pretrained one."""
    from pyspark.ml import Pipeline

    from clinical_ner.spark import (
        DocumentAssembler,
        NerConverter,
        NerDLModel,
        SentenceDetector,
        Tokenizer,
        WordEmbeddingsModel,
    )

    document_assembler = DocumentAssembler().setInputCol("text").setOutputCol("document")
    sentence_detector = SentenceDetector().setInputCols(["document"]).setOutputCol("sentence")
    tokenizer = Tokenizer().setInputCols(["sentence"]).setOutputCol("token")
    embeddings = (
        WordEmbeddingsModel.load(str(emb_dir))
        .setInputCols(["sentence", "token"]).setOutputCol("embeddings")
    )
    clinical_ner = (
        NerDLModel.load(str(ner_dir))
        .setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner")
    )
    ner_converter = NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk")
    return Pipeline(stages=[document_assembler, sentence_detector, tokenizer, embeddings,
                            clinical_ner, ner_converter])


def local_light(ner_dir, emb_dir, *extra_stages):
    from clinical_ner import (
        DocumentAssembler,
        LightPipeline,
        NerConverter,
        Pipeline,
        SentenceDetector,
        Tokenizer,
    )
    from clinical_ner.annotators.ner_dl import NerDLModel
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel

    return LightPipeline(Pipeline([
        DocumentAssembler(), SentenceDetector(), Tokenizer(),
        WordEmbeddingsModel.load(emb_dir).setInputCols(["sentence", "token"]),
        NerDLModel.load(ner_dir).setInputCols(["sentence", "token", "embeddings"]),
        NerConverter().setInputCols(["sentence", "token", "ner"]).setOutputCol("ner_chunk"),
        *extra_stages,
    ]).fit())


def chunks_of(annotations):
    return [(a["begin"], a["end"], a["result"], a["metadata"]["entity"]) for a in annotations]


def local_chunks(annotations):
    return [(a.begin, a.end, a.result, a.metadata["entity"]) for a in annotations]


@pytest.fixture(scope="module")
def fitted(spark, toy_models):
    empty_data = spark.createDataFrame([[""]]).toDF("text")
    return card_pipeline(*toy_models).fit(empty_data)


def notes_frame(spark, texts):
    return spark.createDataFrame([(i, t) for i, t in enumerate(texts)], "id int, text string")


def test_card_pipeline_gives_the_same_chunks_as_light_pipeline(spark, toy_models, fitted):
    results = fitted.transform(notes_frame(spark, NOTES))
    plan = results._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("MapInArrow") == 1, "consecutive stages must share one Python pass"
    rows = results.orderBy("id").collect()
    expected = local_light(*toy_models).fullAnnotate(NOTES)
    found_any = False
    for row, local, text in zip(rows, expected, NOTES, strict=True):
        assert chunks_of(row["ner_chunk"]) == local_chunks(local["ner_chunk"])
        assert [t["result"] for t in row["token"]] == [t.result for t in local["token"]]
        assert [t["result"] for t in row["ner"]] == [t.result for t in local["ner"]]
        for chunk in row["ner_chunk"]:
            assert text[chunk["begin"] : chunk["end"] + 1] == chunk["result"]
            found_any = True
        assert len(row["embeddings"][0]["embeddings"]) == 16
    assert found_any
    tokens, tags = results.orderBy("id").select("token.result", "ner.result").first()
    assert len(tokens) == len(tags) > 0
    assert results.schema["ner_chunk"].metadata == {"annotatorType": "chunk"}


def test_select_by_name_sends_only_the_selected_columns(spark, toy_models, fitted):
    from pyspark.sql import functions as F

    results = fitted.transform(notes_frame(spark, NOTES))
    every = {row["id"]: row for row in results.collect()}

    pruned = results.select("id", "ner_chunk")
    plan = pruned._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("MapInArrow") == 1
    mapped = plan[plan.index("MapInArrow"):].split("\n")[0]
    assert "ner_chunk" in mapped and "embeddings" not in mapped and "token" not in mapped
    assert pruned.columns == ["id", "ner_chunk"]
    rows = pruned.collect()
    assert len(rows) == len(NOTES)
    for row in rows:
        assert row["ner_chunk"] == every[row["id"]]["ner_chunk"]

    # A struct field by name, a column that replaces an input, and the text passed through.
    fields = {r["id"]: r for r in results.select("id", "ner.result", "text").collect()}
    assert all(fields[i]["result"] == [a["result"] for a in every[i]["ner"]] for i in every)
    assert all(fields[i]["text"] == every[i]["text"] for i in every)
    # Expressions are not pruned, and still right.
    exploded = results.select("id", F.explode("ner_chunk").alias("chunk")).collect()
    assert len(exploded) == sum(len(r["ner_chunk"]) for r in every.values())
    # Spark's own error for a column that does not exist, not ours.
    with pytest.raises(Exception, match="nonexistent"):
        results.select("id", "nonexistent").collect()


def test_null_empty_and_huge_texts_never_fail(spark, toy_models, fitted):
    huge = ("Patient reports chest pain . " * 8000) + "Started aspirin for fever ."
    texts = [None, "", "   \n\t ", huge, NOTES[0]]
    rows = fitted.transform(notes_frame(spark, texts)).orderBy("id").collect()
    for row in rows[:3]:
        assert row["ner_chunk"] == [] and row["token"] == [] and row["ner"] == []
    assert rows[0]["document"] == [] and rows[1]["document"] == []
    big = rows[3]
    expected = local_light(*toy_models).fullAnnotate([huge])[0]
    assert len(big["token"]) == len(expected["token"]) > 40000
    assert chunks_of(big["ner_chunk"]) == local_chunks(expected["ner_chunk"])
    last = big["token"][-1]
    assert huge[last["begin"] : last["end"] + 1] == last["result"] == "."


def test_pipeline_model_save_and_load_round_trip(spark, fitted, tmp_path):
    from pyspark.ml import PipelineModel

    from clinical_ner.spark import NerDLModel

    path = str(tmp_path / "pipeline")
    fitted.write().overwrite().save(path)
    fitted.write().overwrite().save(path)  # overwriting an existing pipeline works
    loaded = PipelineModel.load(path)
    ner = loaded.stages[4]
    assert isinstance(ner, NerDLModel) and ner.getClasses()[0] == "O"
    assert ner.getInputCols() == ["sentence", "token", "embeddings"]
    data = notes_frame(spark, NOTES)
    before = [chunks_of(r["ner_chunk"]) for r in fitted.transform(data).orderBy("id").collect()]
    after = [chunks_of(r["ner_chunk"]) for r in loaded.transform(data).orderBy("id").collect()]
    assert before == after


def test_training_on_a_conll_dataframe(spark, toy_models, tmp_path):
    from pyspark.ml import Pipeline

    from clinical_ner.spark import CoNLL, NerDLApproach, NerDLModel, WordEmbeddingsModel

    from ..helpers.toy import make_sentences

    lines = ["-DOCSTART- -X- -X- O", ""]
    for s in make_sentences(40, 3):
        lines += [f"{tok} NN NN {tag}" for tok, tag in zip(s.tokens, s.tags, strict=True)] + [""]
    path = tmp_path / "train.conll"
    path.write_text("\n".join(lines), encoding="utf-8")
    data = CoNLL().readDataset(spark, str(path))
    assert {"document", "sentence", "token", "label"} <= set(data.columns)
    first = data.select("token.result", "label.result").first()
    assert first[0][:2] == make_sentences(40, 3)[0].tokens[:2] and first[1][0] in {"O", "B-PROBLEM"}
    approach = (
        NerDLApproach().setInputCols(["sentence", "token", "embeddings"]).setOutputCol("ner")
        .setLabelColumn("label").setMaxEpochs(2).setHiddenSize(8).setBatchSize(8).setLr(0.01)
        .setVerbose(False)
    )
    embeddings = WordEmbeddingsModel.load(str(toy_models[1])).setInputCols(["sentence", "token"])
    model = Pipeline(stages=[embeddings, approach]).fit(data)
    ner = model.stages[-1]
    assert isinstance(ner, NerDLModel) and ner.getClasses()[0] == "O"
    assert len(approach.history) == 2
    tagged = model.transform(data).select("ner.result").first()[0]
    assert len(tagged) == len(first[0])


def test_finisher_matches_the_local_finisher(spark, toy_models, fitted):
    from clinical_ner import Finisher as LocalFinisher
    from clinical_ner.spark import Finisher

    finisher = Finisher().setInputCols(["token", "ner_chunk"]).setIncludeMetadata(True)
    out = finisher.transform(fitted.transform(notes_frame(spark, NOTES[:2]))).orderBy("id")
    assert "token" not in out.columns and "ner" in out.columns
    rows = out.collect()
    local = LocalFinisher().setInputCols(["token", "ner_chunk"]).setIncludeMetadata(True)
    expected = local.transform_rows(local_light(*toy_models).fullAnnotate(NOTES[:2]))
    for row, exp in zip(rows, expected, strict=True):
        assert row["finished_token"] == exp["finished_token"]
        assert row["finished_ner_chunk"] == exp["finished_ner_chunk"]
        pairs = [tuple(p) for p in row["finished_ner_chunk_metadata"]]
        assert [k for k, _ in pairs] == [k for k, _ in exp["finished_ner_chunk_metadata"]]
        for (key, value), (_, expected_value) in zip(pairs, exp["finished_ner_chunk_metadata"], strict=True):
            # confidences may differ in the 4th decimal: batches group other sentences
            assert value == expected_value or (key == "confidence" and abs(
                float(value) - float(expected_value)) < 2e-3)
    joined = Finisher().setInputCols(["token"]).setOutputAsArray(False).transform(
        fitted.transform(notes_frame(spark, ["No rash ."]))
    ).first()["finished_token"]
    assert joined == "No@rash@."


def test_parameters_come_from_the_local_declaration(spark, toy_models, fitted):
    from clinical_ner import Tokenizer as LocalTokenizer
    from clinical_ner.errors import ConfigurationError
    from clinical_ner.spark import LightPipeline, NerConverter, NerDLModel, Tokenizer

    spark_tokenizer, local_tokenizer = Tokenizer(), LocalTokenizer()
    assert {p.name for p in spark_tokenizer.params} == set(local_tokenizer.all_params())
    for name, value in local_tokenizer.params_dict().items():
        assert spark_tokenizer.getOrDefault(name) == value
    with pytest.raises(ConfigurationError):
        NerConverter().setThreshold(2.0)
    with pytest.raises(ConfigurationError):
        NerDLModel().setDevice("tpu")
    converter = NerConverter().setWhiteList(["PROBLEM"])
    assert converter.getWhiteList() == ["PROBLEM"] and converter.copy().getWhiteList() == ["PROBLEM"]
    light = LightPipeline(fitted).annotate(NOTES[0])
    assert light["ner_chunk"] == [c[2] for c in local_chunks(
        local_light(*toy_models).fullAnnotate(NOTES[0])[0]["ner_chunk"])]


# ----- ContextualAssertion -------------------------------------------------------------
def assertion_rows(annotations):
    """(begin, end, status, metadata) of Spark structs or local Annotations."""
    from clinical_ner.annotation import Annotation

    return [(a.begin, a.end, a.result, a.metadata) if isinstance(a, Annotation)
            else (a["begin"], a["end"], a["result"], dict(a["metadata"])) for a in annotations]


def collected(frame):
    """The rows by id (sorted here: orderBy would run the Python pass twice)."""
    return sorted(frame.collect(), key=lambda row: row["id"])


def statuses(annotations):
    return {a["metadata"]["chunk_text"]: a["result"] for a in annotations}


def test_contextual_assertion_is_fused_and_matches_light_pipeline(spark, toy_models, fitted):
    from pyspark.ml import PipelineModel

    from clinical_ner import ContextualAssertion as LocalAssertion
    from clinical_ner.spark import ContextualAssertion

    stage = ContextualAssertion().setInputCols(["sentence", "ner_chunk"]).setOutputCol("assertion")
    results = PipelineModel(stages=[*fitted.stages, stage]).transform(notes_frame(spark, NOTES))
    plan = results._jdf.queryExecution().optimizedPlan().toString()
    assert plan.count("MapInArrow") == 1, "the assertion stage must join the fused Python pass"
    assert results.schema["assertion"].metadata == {"annotatorType": "assertion"}
    rows = collected(results)
    expected = local_light(*toy_models, LocalAssertion()).fullAnnotate(NOTES)
    for row, local in zip(rows, expected, strict=True):
        assert assertion_rows(row["assertion"]) == assertion_rows(local["assertion"])
        assert [(a["begin"], a["end"]) for a in row["assertion"]] == [
            (c["begin"], c["end"]) for c in row["ner_chunk"]]
    # NOTES[1]: "No rash after metformin .\n\nCBC showed no cough ."
    assert statuses(rows[1]["assertion"])["rash"] == "absent"
    assert statuses(rows[1]["assertion"])["cough"] == "absent"
    rash = next(a for a in rows[1]["assertion"] if a["metadata"]["chunk_text"] == "rash")
    assert rash["metadata"]["trigger"] == "No" and rash["metadata"]["trigger_begin"] == "0"
    assert statuses(rows[0]["assertion"])["chest pain"] == "present"
    assert statuses(rows[1]["assertion"])["metformin"] == "present"  # not a PROBLEM


def test_contextual_assertion_parameters_save_and_load(spark, toy_models, fitted, tmp_path):
    from pyspark.ml import PipelineModel

    from clinical_ner.errors import ConfigurationError
    from clinical_ner.spark import ContextualAssertion, LightPipeline

    lexicon = tmp_path / "lexicon.tsv"
    lexicon.write_text("# one rule: no negation at all\nreports\tpossible\tforward\n",
                       encoding="utf-8")
    stage = (
        ContextualAssertion().setInputCols(["sentence", "ner_chunk"]).setOutputCol("status")
        .setLexicon(str(lexicon)).setWhiteList(["PROBLEM", "TREATMENT"]).setScopeWindow(1)
        .addTriggers("started", "hypothetical")
    )
    lexicon.unlink()  # the rules live in the parameters: no file is needed from now on
    assert stage.getLexiconRules() == [["reports", "possible", "forward", None]]
    assert [r.phrase for r in stage.getLexicon()] == ["reports", "started"]
    with pytest.raises(ConfigurationError, match="at least 1"):
        ContextualAssertion().setScopeWindow(0)
    with pytest.raises(ConfigurationError, match="cannot read the assertion lexicon"):
        ContextualAssertion().setLexicon(str(tmp_path / "missing.tsv"))

    path = str(tmp_path / "pipeline")
    PipelineModel(stages=[*fitted.stages, stage]).write().overwrite().save(path)
    loaded = PipelineModel.load(path)
    again = loaded.stages[-1]
    assert isinstance(again, ContextualAssertion)
    assert (again.getScopeWindow(), again.getEntityLabels(), again.getOutputCol()) == (
        1, ["PROBLEM", "TREATMENT"], "status")
    assert again.getExtraRules() == [["started", "hypothetical", "forward", None]]

    texts = ["Patient reports chest pain .", "Started aspirin for fever .",
             "No rash after metformin ."]
    data = notes_frame(spark, texts)
    results = loaded.transform(data)
    rows = collected(results)
    fused = [statuses(r["status"]) for r in rows]
    # The stage alone on a DataFrame that is no chain: its inputs come from Arrow.
    upstream = spark.createDataFrame([(r["id"], r["sentence"], r["ner_chunk"]) for r in rows],
                                     results.select("id", "sentence", "ner_chunk").schema)
    alone = [statuses(r["status"]) for r in collected(again.transform(upstream))]
    light = [statuses([a.to_dict() for a in row["status"]])
             for row in LightPipeline(loaded).fullAnnotate(texts)]
    expected = [
        {"chest pain": "possible"},  # the file's rule
        {"aspirin": "hypothetical", "fever": "present"},  # TREATMENT assessed; window 1
        {"rash": "present", "metformin": "present"},  # the bundled "no" was replaced
    ]
    assert fused == alone == light == expected


SECTIONED_NOTES = [
    "CHIEF COMPLAINT:, Chest pain.,HISTORY OF PRESENT ILLNESS:, Patient reports fever.,"
    "MEDICATIONS:, Aspirin 81 mg.,FAMILY HISTORY:, Mother had cough.",
    "HISTORY:\nPt. c/o fever x3 days.\nPHYSICAL EXAMINATION\nLungs: clear. BP: 120/80\n"
    "Stable. PLAN: Started aspirin for chest pain.",
    "No headers here, only chest pain and fever .",
]


def test_sections_match_light_pipeline_and_reach_every_chunk(spark, toy_models, fitted, tmp_path):
    from pyspark.ml import PipelineModel

    from clinical_ner import ContextualAssertion as LocalAssertion
    from clinical_ner import SectionDetector as LocalSectionDetector
    from clinical_ner import SentenceDetector as LocalSentenceDetector
    from clinical_ner.annotators.ner_dl import NerDLModel as LocalNerDLModel
    from clinical_ner.spark import (
        ContextualAssertion,
        NerConverter,
        NerDLModel,
        SectionDetector,
        SentenceDetector,
    )

    ner_dir, emb_dir = toy_models
    document, _, tokenizer, embeddings, _, _ = fitted.stages
    spark_model = PipelineModel(stages=[
        document,
        SectionDetector().setInputCols(["document"]).setOutputCol("section"),
        SentenceDetector().setInputCols(["document", "section"]).setOutputCol("sentence"),
        tokenizer, embeddings,
        NerDLModel.load(str(ner_dir)).setInputCols(["sentence", "token", "embeddings", "section"]),
        NerConverter().setInputCols(["sentence", "token", "ner", "section"]),
        ContextualAssertion().setInputCols(["sentence", "ner_chunk"]),
    ])
    results = spark_model.transform(notes_frame(spark, SECTIONED_NOTES))
    assert results._jdf.queryExecution().optimizedPlan().toString().count("MapInArrow") == 1
    assert results.schema["section"].metadata == {"annotatorType": "section"}
    rows = collected(results)

    from clinical_ner import (
        DocumentAssembler,
        LightPipeline,
        Pipeline,
        Tokenizer,
    )
    from clinical_ner import NerConverter as LocalNerConverter
    from clinical_ner.annotators.word_embeddings import WordEmbeddingsModel

    light = LightPipeline(Pipeline([
        DocumentAssembler(), LocalSectionDetector(),
        LocalSentenceDetector().setInputCols(["document", "section"]), Tokenizer(),
        WordEmbeddingsModel.load(emb_dir).setInputCols(["sentence", "token"]),
        LocalNerDLModel.load(ner_dir).setInputCols(["sentence", "token", "embeddings", "section"]),
        LocalNerConverter().setInputCols(["sentence", "token", "ner", "section"]),
        LocalAssertion(),
    ]).fit())
    expected = light.fullAnnotate(SECTIONED_NOTES)
    for row, local, text in zip(rows, expected, SECTIONED_NOTES, strict=True):
        assert [(s["begin"], s["end"], s["metadata"]) for s in row["section"]] == [
            (s.begin, s.end, s.metadata) for s in local["section"]]
        assert [(c["begin"], c["end"], c["metadata"]) for c in row["ner_chunk"]] == [
            (c.begin, c.end, c.metadata) for c in local["ner_chunk"]]
        assert [a["result"] for a in row["assertion"]] == [a.result for a in local["assertion"]]
        headers = [(int(s["metadata"]["header_begin"]), int(s["metadata"]["header_end"]))
                   for s in row["section"] if s["metadata"]["header_begin"] != "-1"]
        for chunk in row["ner_chunk"]:
            assert chunk["metadata"]["section"]
            assert all(chunk["end"] < b or chunk["begin"] > e for b, e in headers)
            assert text[chunk["begin"] : chunk["end"] + 1] == chunk["result"]
    names = [s["metadata"]["name"] for s in rows[0]["section"]]
    assert names == ["chief_complaint", "history_of_present_illness", "medications", "family_history"]
    assert [s["metadata"]["name"] for s in rows[2]["section"]] == ["unknown"]

    path = str(tmp_path / "sectioned")
    spark_model.write().overwrite().save(path)
    loaded = collected(PipelineModel.load(path).transform(notes_frame(spark, SECTIONED_NOTES)))
    assert [r["ner_chunk"] for r in loaded] == [r["ner_chunk"] for r in rows]
