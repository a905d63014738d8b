"""Spark NLP users' LightPipeline code on the local engine: ``transform(pandas_df)``,
``setIgnoreUnsupported``, clear errors for wrong ``annotate`` targets, and
``PipelineModel.transform(pandas_df)`` with pandas an optional dependency."""

import subprocess
import sys
import textwrap

import pytest

from clinical_ner import (
    Annotation,
    ConfigurationError,
    DocumentAssembler,
    Finisher,
    InputError,
    LightPipeline,
    NerDLApproach,
    Pipeline,
    PipelineModel,
    SentenceDetector,
    Tokenizer,
    text_pipeline,
)

pd = pytest.importorskip("pandas")

NOTES = ["Pt c/o chest pain x3 days. BP 120/80.", "No fever.", "Started aspirin 81 mg daily."]


def notes_frame(texts=NOTES, index=None):
    return pd.DataFrame({"id": list(range(len(texts))), "text": texts}, index=index)


# ----- LightPipeline.transform(pandas_df) ---------------------------------------------
def test_light_pipeline_transform_gives_a_frame_with_full_annotate_cells():
    light = LightPipeline(text_pipeline(), batch_size=2, workers=2)
    frame = notes_frame(index=["a", "b", "c"])
    out = light.transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["id", "text", "document", "sentence", "token"]
    assert list(out.index) == ["a", "b", "c"]
    assert list(out["id"]) == [0, 1, 2] and list(out["text"]) == NOTES
    expected = light.fullAnnotate(NOTES)
    for (_, row), full in zip(out.iterrows(), expected, strict=True):
        for col in ("document", "sentence", "token"):
            assert all(isinstance(a, Annotation) for a in row[col])
            assert row[col] == full[col]
    assert [t.result for t in out.loc["b", "token"]] == ["No", "fever", "."]


def test_light_pipeline_transform_missing_texts_give_empty_annotations():
    frame = notes_frame([None, float("nan"), "No fever.", ""])
    out = LightPipeline(text_pipeline()).transform(frame)
    assert len(out) == 4
    assert list(out["token"][:2]) == [[], []] and out["document"][3] == []
    assert [t.result for t in out["token"][2]] == ["No", "fever", "."]


def test_light_pipeline_transform_an_empty_frame_keeps_the_output_columns():
    out = LightPipeline(text_pipeline()).transform(notes_frame([]))
    assert len(out) == 0
    assert list(out.columns) == ["id", "text", "document", "sentence", "token"]


def test_light_pipeline_transform_reads_the_other_columns_and_finishes():
    model = Pipeline([
        DocumentAssembler().setIdCol("id"), SentenceDetector(), Tokenizer(),
        Finisher().setInputCols(["token"]),
    ]).fit()
    out = LightPipeline(model).transform(notes_frame())
    assert list(out.columns) == ["id", "text", "document", "sentence", "finished_token"]
    assert out["finished_token"][1] == ["No", "fever", "."]
    kept = Pipeline([DocumentAssembler().setIdCol("id")]).fit()
    document = LightPipeline(kept).transform(notes_frame())["document"][2][0]
    assert document.metadata == {"sentence": "0", "id": "2"}


def test_light_pipeline_transform_explodes_sentences_keeping_the_source_index():
    model = Pipeline([
        DocumentAssembler(), SentenceDetector().setExplodeSentences(True), Tokenizer(),
    ]).fit()
    out = LightPipeline(model).transform(notes_frame(index=[10, 20, 30]))
    assert list(out.index) == [10, 10, 20, 30]  # the first note has two sentences
    assert [len(s) for s in out["sentence"]] == [1, 1, 1, 1]
    assert [s[0].result for s in out["sentence"]][:2] == ["Pt c/o chest pain x3 days.", "BP 120/80."]


def test_light_pipeline_transform_wrong_frames_are_clear_errors():
    light = LightPipeline(text_pipeline())
    with pytest.raises(ConfigurationError, match=r"no column 'text'.*setInputCol"):
        light.transform(pd.DataFrame({"note": NOTES}))
    with pytest.raises(InputError, match="position 1 holds int"):
        light.transform(notes_frame(["No fever.", 5]))
    with pytest.raises(InputError, match=r"pandas DataFrame, got builtins\.list.*annotate"):
        light.transform(NOTES)


# ----- setIgnoreUnsupported -----------------------------------------------------------
def unfitted_model():
    """An Estimator left in a PipelineModel: a stage the local engine cannot run."""
    return PipelineModel([DocumentAssembler(), SentenceDetector(), Tokenizer(), NerDLApproach()])


def test_ignore_unsupported_is_stored_and_chains():
    light = LightPipeline(text_pipeline())
    assert light.getIgnoreUnsupported() is False
    assert light.setIgnoreUnsupported(True) is light
    assert light.getIgnoreUnsupported() is True
    assert light.setIgnoreUnsupported(False).getIgnoreUnsupported() is False
    with pytest.raises(ConfigurationError, match="True or False"):
        light.setIgnoreUnsupported("yes")
    assert [type(s).__name__ for s in light.getStages()] == [
        type(s).__name__ for s in text_pipeline().stages
    ]


def test_unsupported_stages_fail_by_name_unless_ignored():
    light = LightPipeline(unfitted_model())
    with pytest.raises(ConfigurationError, match=r"NerDLApproach.*setIgnoreUnsupported"):
        light.annotate("No fever.")
    with pytest.raises(ConfigurationError, match="NerDLApproach"):
        light.transform(notes_frame())
    light.setIgnoreUnsupported(True)
    result = light.annotate("No fever.")
    assert result["token"] == ["No", "fever", "."] and "ner" not in result
    assert "ner" not in light.transform(notes_frame()).columns


# ----- annotate / fullAnnotate targets ------------------------------------------------
@pytest.mark.parametrize("method", ["annotate", "fullAnnotate"])
@pytest.mark.parametrize(
    ("target", "says"),
    [
        (None, r"got None; pass \[None\]"),
        (5, "got int"),
        (3.5, "got float"),
        ({"text": "No fever."}, "got dict; pass the text itself"),
        (b"No fever.", "not bytes; decode"),
    ],
)
def test_wrong_targets_are_clear_input_errors(method, target, says):
    light = LightPipeline(text_pipeline())
    with pytest.raises(InputError, match=says):
        getattr(light, method)(target)


def test_a_frame_given_to_annotate_points_to_transform():
    with pytest.raises(InputError, match=r"use transform\(df\)"):
        LightPipeline(text_pipeline()).annotate(notes_frame())


def test_annotate_still_takes_texts_lists_and_missing_texts():
    light = LightPipeline(text_pipeline())
    assert light.annotate("No fever.")["token"] == ["No", "fever", "."]
    results = light.annotate(["No fever.", None])
    assert results[1]["token"] == [] and len(results) == 2
    assert light.fullAnnotate(pd.Series(["No fever."]))[0]["token"][0].result == "No"


# ----- PipelineModel.transform(pandas_df) ---------------------------------------------
def test_pipeline_model_transform_of_a_frame_gives_a_frame():
    model = text_pipeline()
    out = model.transform(notes_frame(index=[7, 8, 9]))
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["id", "text", "document", "sentence", "token"]
    assert list(out.index) == [7, 8, 9]
    assert out["token"][8] == model.transform(["No fever."])[0]["token"]


def test_pipeline_model_transform_of_texts_and_rows_is_unchanged():
    model = text_pipeline()
    (row,) = model.transform("No fever.")
    assert isinstance(row, dict) and row["text"] == "No fever."
    rows = model.transform([{"text": "No fever.", "id": 1}, "Pain."])
    assert rows[0]["id"] == 1 and [t.result for t in rows[1]["token"]] == ["Pain", "."]


def test_pandas_missing_is_a_clear_error(monkeypatch):
    class DataFrame:  # a DataFrame that is not pandas' (polars, say), pandas absent
        pass

    monkeypatch.setitem(sys.modules, "pandas", None)  # makes `import pandas` fail
    with pytest.raises(ConfigurationError, match="pip install pandas"):
        text_pipeline().transform(DataFrame())
    with pytest.raises(ConfigurationError, match="pip install pandas"):
        LightPipeline(text_pipeline()).transform(DataFrame())


def test_the_core_imports_and_annotates_without_pandas():
    script = textwrap.dedent(
        """
        import sys
        import clinical_ner
        assert "pandas" not in sys.modules, "importing clinical_ner imported pandas"
        sys.modules["pandas"] = None  # from here on, `import pandas` fails
        light = clinical_ner.LightPipeline(clinical_ner.text_pipeline(), workers=1)
        assert light.annotate("No fever.")["token"] == ["No", "fever", "."]
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
