"""SentenceDetector's ``explodeSentences`` and ``splitLength`` (Spark NLP's) in the local
engine: one result per sentence from LightPipeline (offsets into the original text, only
that sentence's tokens, tags and chunks), the default unchanged, and Spark NLP's split."""

import re

import pytest

from clinical_ner import (
    ConfigurationError,
    DocumentAssembler,
    Finisher,
    LightPipeline,
    Pipeline,
    PipelineModel,
    SentenceDetector,
    Tokenizer,
)
from clinical_ner.recipes import clinical_pipeline

NOTES = [
    "HISTORY OF PRESENT ILLNESS: The patient has chest pain and shortness of breath. "
    "ECG showed ST elevation.\n\nPLAN: Start aspirin 325 mg. No fever.",
    "",
    None,
    "   \n ",
    "Pt denies cough.\r\nCBC ordered today; troponin pending.",
]


def sentence_detector_of(model: PipelineModel) -> SentenceDetector:
    return next(s for s in model.stages if isinstance(s, SentenceDetector))


@pytest.fixture(scope="module")
def card_models():
    """The shipped card pipeline (sections, NER, chunks, assertion) twice: as is, and with
    its SentenceDetector exploding sentences."""
    plain, exploded = clinical_pipeline(), clinical_pipeline()
    sentence_detector_of(exploded).setExplodeSentences(True)
    return plain, exploded


def spans(annotations):
    return [(a.begin, a.end, a.result) for a in annotations]


def comparable(row):
    """A result without the vectors (numpy arrays do not compare with ==)."""
    return {col: [(a.annotatorType, a.begin, a.end, a.result, a.metadata) for a in value]
            for col, value in row.items()}


def inside(annotations, sentence):
    return [a for a in annotations if sentence.begin <= a.begin and a.end <= sentence.end]


def chunk_view(chunks):
    # "chunk" numbers a row's chunks: per sentence once each sentence is a row (Spark NLP).
    return [(c.begin, c.end, c.result, {k: v for k, v in c.metadata.items()
                                        if k not in ("chunk", "confidence")}) for c in chunks]


# ----- explodeSentences ------------------------------------------------------------------
def test_default_is_off_and_keeps_one_result_per_text(card_models):
    plain, _ = card_models
    assert SentenceDetector().getExplodeSentences() is False
    assert SentenceDetector().getSplitLength() is None
    light = LightPipeline(plain, workers=1)
    results = light.fullAnnotate(NOTES)
    assert len(results) == len(NOTES)
    assert len(results[0]["sentence"]) == 6
    assert isinstance(light.annotate(NOTES[0]), dict)
    # Setting it to False explicitly is the default: the very same annotations.
    sentence_detector_of(plain).setExplodeSentences(False)
    again = LightPipeline(plain, workers=1).fullAnnotate(NOTES)
    assert [comparable(r) for r in again] == [comparable(r) for r in results]


def test_full_annotate_gives_one_result_per_sentence(card_models):
    plain, exploded = card_models
    whole = LightPipeline(plain, workers=1).fullAnnotate(NOTES)
    per_sentence = LightPipeline(exploded, workers=1).fullAnnotate(NOTES)
    expected = [(i, s) for i, row in enumerate(whole) for s in row["sentence"]]
    assert len(per_sentence) == len(expected) == 8  # the blank texts give no result
    found_chunks = 0
    for result, (index, sentence) in zip(per_sentence, expected, strict=True):
        row, text = whole[index], NOTES[index]
        (mine,) = result["sentence"]
        assert spans([mine]) == spans([sentence])
        assert text[mine.begin : mine.end + 1] == mine.result  # offsets into the note
        assert mine.metadata == {"sentence": sentence.metadata["sentence"], "document": str(index)}
        # The columns before the sentence detector are the whole note's, repeated.
        assert result["document"] == row["document"]
        assert result["section"] == row["section"]
        # The later columns hold that sentence's annotations, and only those.
        for col in ("token", "embeddings", "ner"):
            assert spans(result[col]) == spans(inside(row[col], sentence))
            assert {a.metadata["sentence"] for a in result[col]} <= {mine.metadata["sentence"]}
        assert [a.result for a in result["ner"]] == [a.result for a in inside(row["ner"], sentence)]
        assert chunk_view(result["ner_chunk"]) == chunk_view(inside(row["ner_chunk"], sentence))
        assert [c.metadata["chunk"] for c in result["ner_chunk"]] == [
            str(k) for k in range(len(result["ner_chunk"]))]
        assert [a.result for a in result["assertion"]] == [
            a.result for a in inside(row["assertion"], sentence)]
        for chunk in result["ner_chunk"]:
            assert text[chunk.begin : chunk.end + 1] == chunk.result
            found_chunks += 1
    assert found_chunks >= 4


def test_annotate_gives_a_list_of_sentences_even_for_one_text(card_models):
    _, exploded = card_models
    results = LightPipeline(exploded, workers=1).annotate(NOTES[0])
    assert isinstance(results, list) and len(results) == 6
    assert [r["sentence"] for r in results] == [
        ["HISTORY OF PRESENT ILLNESS:"],
        ["The patient has chest pain and shortness of breath."],
        ["ECG showed ST elevation."],
        ["PLAN:"],
        ["Start aspirin 325 mg."],
        ["No fever."],
    ]
    assert results[2]["token"] == ["ECG", "showed", "ST", "elevation", "."]
    assert "ECG" in results[2]["ner_chunk"] and results[2]["document"] == [NOTES[0]]
    assert all(len(r["ner"]) == len(r["token"]) for r in results)


def test_windows_of_a_long_text_explode_like_the_whole_text(card_models):
    _, exploded = card_models
    text = "\n\n".join(
        f"PLAN: Start aspirin {k} mg. Patient reports chest pain.\nECG ordered." for k in range(60)
    )
    assert len(text) > 3000
    whole = LightPipeline(exploded, workers=1).fullAnnotate(text)
    windowed = LightPipeline(exploded, workers=1, window_chars=1000).fullAnnotate([text])
    assert len(windowed) == len(whole) == 4 * 60  # PLAN: is a sentence
    for mine, theirs in zip(windowed, whole, strict=True):
        assert mine["sentence"] == theirs["sentence"]  # offsets, numbers, document index
        for col in ("document", "section", "token", "ner", "ner_chunk", "assertion"):
            assert spans(mine[col]) == spans(theirs[col]), col
        assert chunk_view(mine["ner_chunk"]) == chunk_view(theirs["ner_chunk"])
    assert [int(r["sentence"][0].metadata["sentence"]) for r in windowed] == list(range(240))
    with pytest.raises(ConfigurationError, match="iter_full"):
        next(LightPipeline(exploded, workers=1).iter_windows([text]))


def test_pipeline_model_transform_repeats_the_other_columns():
    model = Pipeline([
        DocumentAssembler(), SentenceDetector().setExplodeSentences(True), Tokenizer(),
        Finisher().setInputCols(["token"]).setCleanAnnotations(False),
    ]).fit()
    rows = model.transform([{"text": "No fever. Cough today.", "id": 7}, {"text": "", "id": 8}])
    assert [r["id"] for r in rows] == [7, 7]
    assert [r["finished_token"] for r in rows] == [["No", "fever", "."], ["Cough", "today", "."]]
    assert [spans(r["sentence"]) for r in rows] == [[(0, 8, "No fever.")],
                                                    [(10, 21, "Cough today.")]]
    assert all(len(r["document"]) == 1 and r["document"][0].end == 21 for r in rows)


def test_explode_and_split_length_survive_save_and_load(tmp_path):
    model = Pipeline([DocumentAssembler(),
                      SentenceDetector().setExplodeSentences(True).setSplitLength(12)]).fit()
    model.save(tmp_path / "pipeline")
    loaded = sentence_detector_of(PipelineModel.load(tmp_path / "pipeline"))
    assert loaded.getExplodeSentences() is True and loaded.getSplitLength() == 12
    results = LightPipeline(PipelineModel.load(tmp_path / "pipeline"), workers=1).annotate(
        "one two three four five.")
    assert [r["sentence"] for r in results] == [["one two"], ["three four"], ["five."]]


# ----- splitLength -----------------------------------------------------------------------
def spark_nlp_truncate(sentence: str, limit: int) -> list[str]:
    """Spark NLP's ``SentenceDetectorParams.truncateSentence`` (words split on " "), with
    the empty piece its annotate drops."""
    pieces, current, length = [], [], 0
    for word in sentence.split(" "):
        if length + len(word) > limit:
            pieces.append(" ".join(current))
            current, length = [], 0
        current.append(word)
        length += len(word) + 1
    pieces.append(" ".join(current))
    return [p for p in pieces if p]


def test_split_length_matches_spark_nlp():
    text = ("Patient is a 67 year old man with hypertension hyperlipidemia and diabetes "
            "who presents with crushing substernal chest pain radiating to the left arm")
    for limit in (5, 10, 17, 30, 64, 200):
        detector = SentenceDetector().setSplitLength(limit)
        pieces = detector.annotate([DocumentAssembler().assemble(text)])
        assert [p.result for p in pieces] == spark_nlp_truncate(text, limit), limit
        for index, piece in enumerate(pieces):
            assert text[piece.begin : piece.end + 1] == piece.result
            assert piece.metadata["sentence"] == str(index)


def test_split_length_splits_only_long_sentences_between_words():
    text = "Short one. A considerably longer sentence\twith  tabs and\nspaces. Tiny."
    pieces = SentenceDetector().setSplitLength(20).annotate([DocumentAssembler().assemble(text)])
    assert [p.result for p in pieces] == [
        "Short one.", "A considerably", "longer sentence\twith", "tabs and\nspaces.", "Tiny."]
    assert all(text[p.begin : p.end + 1] == p.result for p in pieces)
    words = [p.result for p in pieces if len(p.result) > 20]
    assert words == []
    # A word longer than the limit stays whole (as in Spark NLP); default: no split.
    long_word = "x" * 30 + " yes."
    assert [p.result for p in SentenceDetector().setSplitLength(10).annotate(
        [DocumentAssembler().assemble(long_word)])] == ["x" * 30, "yes."]
    many = " ".join([text] * 20)
    assert len(SentenceDetector().annotate([DocumentAssembler().assemble(many)])) == 3 * 20


def test_split_length_rejects_what_is_not_a_length():
    for bad in (0, -3, True, "many", 2.5j):
        with pytest.raises(ConfigurationError, match="splitLength"):
            SentenceDetector().setSplitLength(bad)
    assert SentenceDetector().setSplitLength(5).setSplitLength(None).getSplitLength() is None
    assert re.fullmatch(r"\d+", str(SentenceDetector().setSplitLength("7").getSplitLength()))
