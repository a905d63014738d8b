"""The local engine: LightPipeline results, batching, save/load, clear errors."""

import pytest

from clinical_ner import (
    Annotation,
    ConfigurationError,
    DocumentAssembler,
    Finisher,
    InputError,
    LightPipeline,
    Pipeline,
    PipelineModel,
    ResourceNotFoundError,
    SentenceDetector,
    Tokenizer,
    text_pipeline,
)

NOTE = "Pt c/o chest pain x3 days. BP 120/80. Started aspirin 81 mg p.o. daily."


def test_annotate_one_text_returns_dict_of_results():
    result = LightPipeline(text_pipeline()).annotate(NOTE)
    assert result["document"] == [NOTE]
    assert len(result["sentence"]) == 3
    assert result["token"][:4] == ["Pt", "c/o", "chest", "pain"]


def test_annotate_many_texts_and_nulls():
    results = LightPipeline(text_pipeline(), batch_size=2).annotate([NOTE, "", None, "No fever."])
    assert len(results) == 4
    assert results[1]["token"] == [] and results[2]["document"] == []
    assert results[3]["token"] == ["No", "fever", "."]


def test_full_annotate_gives_annotations_for_one_text():
    (row,) = LightPipeline(text_pipeline()).fullAnnotate(NOTE)
    token = row["token"][2]
    assert isinstance(token, Annotation)
    assert (token.begin, token.end, token.result) == (7, 11, "chest")
    assert token.metadata == {"sentence": "0"}
    assert row["token"][-1].metadata == {"sentence": "2"}


def test_bad_inputs_are_clear_errors():
    light = LightPipeline(text_pipeline())
    with pytest.raises(InputError):
        light.annotate([NOTE, 5])
    with pytest.raises(InputError):
        light.annotate(b"bytes")
    with pytest.raises(ConfigurationError, match="fitted PipelineModel"):
        LightPipeline(Pipeline([]))


def test_missing_column_is_a_clear_error():
    model = Pipeline([DocumentAssembler(), Tokenizer().setInputCols(["sentence"])]).fit()
    with pytest.raises(ConfigurationError, match="no earlier stage writes it"):
        LightPipeline(model).annotate(NOTE)


def test_finisher_in_pipeline():
    model = Pipeline(
        [
            DocumentAssembler(),
            SentenceDetector(),
            Tokenizer(),
            Finisher().setInputCols(["token"]),
        ]
    ).fit()
    result = LightPipeline(model).annotate("No fever.")
    assert result["finished_token"] == ["No", "fever", "."]
    assert "token" not in result


def test_save_and_load_round_trip(tmp_path):
    model = Pipeline(
        [
            DocumentAssembler().setCleanupMode("shrink"),
            SentenceDetector().setMaxLength(50).setCustomBounds([";;"]),
            Tokenizer().setExceptions(["left ventricle"]),
        ]
    ).fit()
    model.save(tmp_path / "p")
    loaded = PipelineModel.load(tmp_path / "p")
    text = "  Left ventricle dilated;;no effusion  "
    assert LightPipeline(loaded).fullAnnotate(text) == LightPipeline(model).fullAnnotate(text)
    assert loaded.stages[1].getOrDefault("maxLength") == 50
    with pytest.raises(FileExistsError):
        model.save(tmp_path / "p")
    model.save(tmp_path / "p", overwrite=True)


def test_load_missing_folder(tmp_path):
    with pytest.raises(ResourceNotFoundError):
        PipelineModel.load(tmp_path / "nothing")


def test_unknown_parameter():
    with pytest.raises(ConfigurationError, match="no parameter"):
        Tokenizer()._set(nope=1)


def test_workers_keep_order_and_results():
    texts = [f"Note {i}. BP 120/80. No fever." if i % 3 else None for i in range(50)]
    one = LightPipeline(text_pipeline(), batch_size=4).annotate(texts)
    three = LightPipeline(text_pipeline(), batch_size=4, workers=3).annotate(texts)
    assert one == three
    with pytest.raises(ConfigurationError):
        LightPipeline(text_pipeline(), workers=0)
