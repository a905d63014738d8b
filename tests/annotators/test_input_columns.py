"""Input columns are checked when they are set (their number, as Spark NLP's setInputCols)
and when a pipeline is built or fitted (their annotator types); ContextualAssertion also
takes Spark NLP healthcare's three-column form."""

import pytest

from clinical_ner import (
    Annotation,
    AnnotatorType,
    ConfigurationError,
    ContextualAssertion,
    DocumentAssembler,
    Finisher,
    NerConverter,
    Pipeline,
    SectionDetector,
    SentenceDetector,
    Tokenizer,
    TokenizerModel,
)
from clinical_ner.annotators.base import InputColumnsError

NOTE = "Patient denies chest pain. Mother had diabetes."


def test_ner_converter_with_two_columns_fails_at_set_input_cols():
    converter = NerConverter()
    # Spark NLP's Python raises TypeError here; ours is also a ConfigurationError
    with pytest.raises(TypeError) as caught:
        converter.setInputCols(["sentence", "ner"])
    message = str(caught.value)
    assert isinstance(caught.value, ConfigurationError)
    assert "NerConverter reads 3 or 4 columns" in message
    assert "[document, token, named_entity]" in message and "section" in message
    assert "setInputCols got 2: ['sentence', 'ner']" in message
    assert converter.getInputCols() == ["sentence", "token", "ner"]  # unchanged


def stage_classes():
    from clinical_ner import NerDLApproach, NerDLModel, WordEmbeddingsModel

    return [SectionDetector, SentenceDetector, Tokenizer, TokenizerModel, NerConverter,
            ContextualAssertion, WordEmbeddingsModel, NerDLModel, NerDLApproach]


@pytest.mark.parametrize("klass", stage_classes(), ids=lambda k: k.__name__)
def test_every_stage_checks_the_number_of_columns(klass):
    stage = klass()
    counts = {len(form) for form in stage.input_forms()}
    assert counts, f"{klass.__name__} declares no input types"
    too_many = [f"col{i}" for i in range(max(counts) + 1)]
    for cols in ([], too_many):
        with pytest.raises(InputColumnsError, match=f"{klass.__name__} reads .* columns"):
            stage.setInputCols(cols)
    for count in counts:  # every accepted count is accepted, as a list or as varargs
        cols = [f"col{i}" for i in range(count)]
        assert stage.setInputCols(cols).getInputCols() == cols
        assert stage.setInputCols(*cols).getInputCols() == cols


def test_stages_that_read_any_columns_are_not_limited():
    assert Finisher().setInputCols(["a", "b", "c", "d", "e"]).getInputCols() == list("abcde")


# ----- ContextualAssertion's healthcare form -------------------------------------------
def chunk(text, phrase, entity="PROBLEM", index=0):
    begin = text.index(phrase)
    return Annotation(AnnotatorType.CHUNK, begin, begin + len(phrase) - 1, phrase,
                      {"entity": entity, "sentence": "0", "chunk": str(index)})


def chunk_rows():
    chunks = [chunk(NOTE, "chest pain"), chunk(NOTE, "diabetes", index=1)]
    return [{"text": NOTE, "ner_chunk": chunks}]


def assertion_pipeline(*assertion_stages):
    return Pipeline([DocumentAssembler(), SentenceDetector(), Tokenizer(),
                     *assertion_stages]).fit()


def test_contextual_assertion_takes_the_healthcare_three_column_form():
    three = ContextualAssertion().setInputCols(["sentence", "token", "ner_chunk"])
    assert three.getInputCols() == ["sentence", "token", "ner_chunk"]
    two = ContextualAssertion().setInputCols(["sentence", "ner_chunk"]).setOutputCol("two")
    (row,) = assertion_pipeline(three, two).transform(chunk_rows())
    assert [a.result for a in row["assertion"]] == ["absent", "associated_with_someone_else"]
    assert [(a.begin, a.end, a.result, a.metadata) for a in row["assertion"]] == [
        (a.begin, a.end, a.result, a.metadata) for a in row["two"]]


def test_contextual_assertion_names_both_forms():
    with pytest.raises(InputColumnsError) as caught:
        ContextualAssertion().setInputCols(["sentence", "token", "ner", "ner_chunk"])
    message = str(caught.value)
    assert "ContextualAssertion reads 2 or 3 columns" in message
    assert "[document, chunk] or [document, token, chunk]" in message


def test_healthcare_form_checks_the_token_column_type():
    wrong = ContextualAssertion().setInputCols(["sentence", "sentence", "ner_chunk"])
    with pytest.raises(InputColumnsError, match=r"'sentence' as input 2 of 3.*'token'"):
        Pipeline([DocumentAssembler(), SentenceDetector(), Tokenizer(), wrong])


# ----- annotator types, when the pipeline is built and fitted --------------------------
def test_pipeline_names_stage_column_expected_and_found_types():
    tokenizer = Tokenizer().setInputCols(["section"])
    with pytest.raises(InputColumnsError) as caught:
        Pipeline([DocumentAssembler(), SectionDetector(), tokenizer])
    message = str(caught.value)
    assert "Tokenizer (stage 3) reads column 'section'" in message
    assert "must be of annotator type 'document'" in message
    assert "it is of type 'section' (written by SectionDetector (stage 2))" in message


def test_ner_converter_reading_tokens_as_tags_fails_when_the_pipeline_is_built():
    converter = NerConverter().setInputCols(["sentence", "token", "token"])
    with pytest.raises(InputColumnsError, match=r"column 'token' as input 3 of 3.*'named_entity'"):
        Pipeline([DocumentAssembler(), SentenceDetector(), Tokenizer(), converter])


def test_pipeline_checks_again_when_fitted():
    tokenizer = Tokenizer()
    pipeline = Pipeline([DocumentAssembler(), SectionDetector(), SentenceDetector(), tokenizer])
    tokenizer.setInputCols(["section"])  # changed after the pipeline was built
    with pytest.raises(InputColumnsError, match="Tokenizer \\(stage 4\\)"):
        pipeline.fit()
    pipeline.setStages([DocumentAssembler(), SentenceDetector(),
                        Tokenizer().setInputCols(["document"]),
                        NerConverter().setInputCols(["sentence", "token", "document"])])
    with pytest.raises(InputColumnsError, match="NerConverter \\(stage 4\\)"):
        pipeline.fit()


def test_the_latest_writer_of_a_column_counts():
    # "sentence" is first a SectionDetector column here, then a SentenceDetector one
    stages = [DocumentAssembler(), SectionDetector().setOutputCol("sentence"),
              SentenceDetector().setOutputCol("sentence"), Tokenizer()]
    assert Pipeline(stages).fit().stages[-1].getInputCols() == ["sentence"]


def test_columns_no_stage_writes_are_not_type_checked():
    # raw input columns (rows given to fit or transform) have no known type
    model = Pipeline([NerConverter().setInputCols(["s", "t", "n"])]).fit()
    assert len(model.stages) == 1


def test_the_card_pipeline_types_pass():
    from clinical_ner import NerDLModel, WordEmbeddingsModel

    Pipeline([
        DocumentAssembler().setInputCol("text").setOutputCol("document"),
        SectionDetector(),
        SentenceDetector().setInputCols(["document", "section"]).setOutputCol("sentence"),
        Tokenizer().setInputCols(["sentence"]).setOutputCol("token"),
        WordEmbeddingsModel().setInputCols(["sentence", "token"]).setOutputCol("embeddings"),
        NerDLModel().setInputCols(["sentence", "token", "embeddings", "section"]),
        NerConverter().setInputCols(["sentence", "token", "ner", "section"]),
        ContextualAssertion().setInputCols(["sentence", "token", "ner_chunk"]),
        Finisher().setInputCols(["ner_chunk", "assertion"]),
    ])
