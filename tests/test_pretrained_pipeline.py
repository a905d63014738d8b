"""PretrainedPipeline and ResourceDownloader, locally: the Spark NLP snippets of issue 15
(``PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")``,
``ResourceDownloader.showPublicModels()``) run offline on the shipped models."""

import socket

import pytest

from clinical_ner import (
    InputError,
    PipelineModel,
    PretrainedPipeline,
    ResourceDownloader,
    ResourceNotFoundError,
    text_pipeline,
)
from clinical_ner.annotation import Annotation

NOTE = (
    "HISTORY OF PRESENT ILLNESS: The patient is a 67-year-old man with hypertension who "
    "presents with chest pain. An ECG showed ST elevation. He denies fever. "
    "He was given aspirin 325 mg."
)


@pytest.fixture(scope="module")
def pipeline():
    # The snippet most Spark NLP users start with, only the import changed. The socket
    # guard proves it is offline: any connection attempt fails the fixture.
    with pytest.MonkeyPatch.context() as patch:
        def refuse(*args, **kwargs):
            raise AssertionError("PretrainedPipeline tried to use the network")

        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket, "create_connection", refuse)
        return PretrainedPipeline("ner_clinical_pipeline", "en", "clinical/models")


def test_the_named_pipeline_is_the_full_clinical_pipeline(pipeline):
    assert isinstance(pipeline.model, PipelineModel)
    names = [type(stage).__name__ for stage in pipeline.model.stages]
    assert names[0] == "DocumentAssembler"
    for stage in ("SectionDetector", "SentenceDetector", "WordEmbeddingsModel", "NerDLModel",
                  "NerConverter", "ContextualAssertion"):
        assert stage in names


def test_annotate_gives_results_per_column(pipeline):
    result = pipeline.annotate(NOTE)
    assert {"document", "section", "sentence", "token", "ner", "ner_chunk", "assertion"} <= set(result)
    assert "chest pain" in result["ner_chunk"] and "aspirin" in result["ner_chunk"]
    assert len(result["assertion"]) == len(result["ner_chunk"])
    assert result["assertion"][result["ner_chunk"].index("fever")] == "absent"
    many = pipeline.annotate([NOTE, "No cough."])
    assert isinstance(many, list) and len(many) == 2 and many[0] == result


def test_full_annotate_gives_annotations_with_offsets(pipeline):
    (row,) = pipeline.fullAnnotate(NOTE)
    chunks = row["ner_chunk"]
    assert chunks and all(isinstance(c, Annotation) for c in chunks)
    for chunk in chunks:
        assert NOTE[chunk.begin : chunk.end + 1] == chunk.result
        assert chunk.metadata["entity"] in {"PROBLEM", "TEST", "TREATMENT"}
    assert ("chest pain", "PROBLEM") in {(c.result, c.metadata["entity"]) for c in chunks}


def test_transform_adds_every_output_column(pipeline):
    (row,) = pipeline.transform([NOTE])
    assert row["text"] == NOTE
    assert [c.result for c in row["ner_chunk"]] == pipeline.annotate(NOTE)["ner_chunk"]


def test_light_model_is_a_light_pipeline_over_the_model(pipeline):
    assert pipeline.light_model.pipeline_model is pipeline.model
    assert pipeline.light_model is pipeline.light_model


@pytest.mark.parametrize("target", [None, 42, b"bytes"])
def test_annotate_of_something_else_is_a_clear_error(pipeline, target):
    with pytest.raises(InputError, match="a text, a list of texts or a DataFrame"):
        pipeline.annotate(target)
    with pytest.raises(InputError, match="fullAnnotate"):
        pipeline.fullAnnotate(target)


def test_unknown_name_lists_what_exists():
    with pytest.raises(ResourceNotFoundError) as error:
        PretrainedPipeline("explain_clinical_doc_carp", "en", "clinical/models")
    message = str(error.value)
    assert "ner_clinical_pipeline (en)" in message and "ner_clinical (en)" in message
    assert "nothing is downloaded" in message


def test_a_model_name_says_how_to_load_the_model():
    with pytest.raises(ResourceNotFoundError, match=r"NerDLModel\.pretrained\('ner_clinical'"):
        PretrainedPipeline("ner_clinical")


def test_another_language_is_not_found():
    with pytest.raises(ResourceNotFoundError, match="for language 'de'"):
        PretrainedPipeline("ner_clinical_pipeline", "de")


def test_show_public_models_prints_spark_nlp_table(capsys):
    ResourceDownloader.showPublicModels()
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == lines[2] == lines[-1]
    assert lines[0].startswith("+--") and lines[0].endswith("+")
    assert [cell.strip() for cell in lines[1].strip("|").split("|")] == ["Model", "lang", "version"]
    rows = {tuple(cell.strip() for cell in line.strip("|").split("|")) for line in lines[3:-1]}
    assert ("ner_clinical", "en", "1") in rows and ("embeddings_clinical", "en", "1") in rows
    assert "|  en  |" in lines[3]  # Spark NLP centres the language
    assert len({len(line) for line in lines}) == 1


def test_show_public_models_filters_by_annotator_and_language(capsys):
    ResourceDownloader.showPublicModels("NerDLModel", "en")
    out = capsys.readouterr().out
    assert "ner_clinical" in out and "embeddings_clinical" not in out
    ResourceDownloader.showPublicModels(lang="fr")
    assert len(capsys.readouterr().out.splitlines()) == 4  # borders and header only


def test_show_public_pipelines_lists_the_shipped_pipeline(capsys):
    ResourceDownloader.showPublicPipelines()
    lines = capsys.readouterr().out.splitlines()
    assert [cell.strip() for cell in lines[1].strip("|").split("|")] == ["Pipeline", "lang", "version"]
    assert any(line.startswith("| ner_clinical_pipeline ") for line in lines)


def test_a_saved_pipeline_in_the_cache_folder_is_found_by_name(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CLINICAL_NER_HOME", str(tmp_path))
    text_pipeline().save(tmp_path / "my_text_pipeline_en")
    found = PretrainedPipeline("my_text_pipeline", "en")
    assert found.annotate("One. Two.")["sentence"] == ["One.", "Two."]
    ResourceDownloader.showPublicPipelines()
    assert "| my_text_pipeline " in capsys.readouterr().out
    with pytest.raises(ResourceNotFoundError, match="my_text_pipeline \\(en\\)"):
        PretrainedPipeline("missing")


def test_from_disk_loads_a_saved_pipeline(tmp_path):
    text_pipeline().save(tmp_path / "saved")
    loaded = PretrainedPipeline.from_disk(tmp_path / "saved")
    assert loaded.annotate("Chest pain.")["token"] == ["Chest", "pain", "."]


def test_download_pipeline_returns_the_fitted_pipeline(tmp_path, monkeypatch):
    monkeypatch.setenv("CLINICAL_NER_HOME", str(tmp_path))
    text_pipeline().save(tmp_path / "texts")
    model = ResourceDownloader.downloadPipeline("texts", "en")
    assert isinstance(model, PipelineModel)


def test_annotate_a_pandas_dataframe_renames_its_text_column(tmp_path):
    pandas = pytest.importorskip("pandas")
    text_pipeline().save(tmp_path / "saved")
    loaded = PretrainedPipeline.from_disk(tmp_path / "saved")
    frame = pandas.DataFrame({"note": ["Chest pain.", "No fever. Cough."]})
    with pytest.raises(InputError, match="no column 'body'"):
        loaded.annotate(frame, column="body")
    try:
        result = loaded.annotate(frame, column="note")
    except InputError as exc:  # PipelineModel.transform without pandas support (issue 15, item 6)
        pytest.skip(f"PipelineModel.transform does not take pandas here: {exc}")
    assert [len(s) for s in result["sentence"]] == [1, 2]
