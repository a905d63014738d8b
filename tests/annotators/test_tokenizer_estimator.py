"""Tokenizer as an estimator, as in Spark NLP: ``Tokenizer().fit(data)`` gives a
TokenizerModel; both work as pipeline stages, and code that used the Tokenizer as a
transformer (pipelines, saved pipelines) keeps working."""

import json

import pytest

from clinical_ner import (
    DocumentAssembler,
    Pipeline,
    PipelineModel,
    SentenceDetector,
    Tokenizer,
    TokenizerModel,
)
from clinical_ner.annotators.base import Estimator, Transformer

NOTE = "Pt c/o chest pain x3 days. BP 120/80. Left ventricle normal; s/p CABG."


def token_results(model, text=NOTE):
    (row,) = model.transform([text])
    return [(t.begin, t.end, t.result, t.metadata["sentence"]) for t in row["token"]]


def plain_pipeline(tokenizer):
    """The stages before the tokenizer, then ``tokenizer``, as a fitted PipelineModel."""
    return PipelineModel([DocumentAssembler(), SentenceDetector(), tokenizer])


@pytest.mark.parametrize("data", [None, NOTE, [NOTE, "Second note."], [{"text": NOTE}]])
def test_fit_returns_a_tokenizer_model(data):
    model = Tokenizer().fit(data)
    assert type(model) is TokenizerModel
    assert isinstance(model, Transformer) and not isinstance(model, Estimator)


def test_fit_accepts_a_pandas_frame_and_does_not_read_it():
    pd = pytest.importorskip("pandas")
    model = Tokenizer().fit(pd.DataFrame({"text": [NOTE]}))
    assert type(model) is TokenizerModel


def test_tokenizer_is_an_estimator_not_a_model():
    # Spark NLP's hierarchy: Tokenizer is an approach, TokenizerModel is what it fits.
    tokenizer = Tokenizer()
    assert isinstance(tokenizer, Estimator)
    assert not isinstance(tokenizer, TokenizerModel)


def test_model_keeps_every_parameter():
    tokenizer = (
        Tokenizer().setInputCols(["document"]).setOutputCol("words")
        .setExceptions(["left ventricle", "c/o"]).setSplitChars(["/"]).setMinLength(2)
    )
    model = tokenizer.fit()
    assert model.params_dict() == tokenizer.params_dict()
    assert model.getInputCols() == ["document"] and model.getOutputCol() == "words"
    text = "Left ventricle ok c/o x 1/2"
    spans = [text[b : e + 1] for b, e in model.token_bounds(text)]
    assert spans == ["Left ventricle", "ok", "c/o", "1/2"]


def test_model_has_the_tokenizer_setters():
    model = Tokenizer().fit()
    model.setExceptions(["chest pain"]).setCaseSensitiveExceptions(True)
    spans = [NOTE[b : e + 1] for b, e in model.token_bounds(NOTE)]
    assert spans[:6] == ["Pt", "c", "/", "o", "chest pain", "x3"]  # c/o is no longer kept


def test_model_tokenizes_like_the_tokenizer():
    assert token_results(plain_pipeline(Tokenizer().fit())) == token_results(
        plain_pipeline(Tokenizer())
    )


def test_pipeline_fits_the_tokenizer_into_a_model():
    model = Pipeline([DocumentAssembler(), SentenceDetector(), Tokenizer()]).fit()
    assert [type(s).__name__ for s in model.stages] == [
        "DocumentAssembler", "SentenceDetector", "TokenizerModel"]
    assert token_results(model) == token_results(plain_pipeline(Tokenizer()))
    assert (token_results(model)[1][2], token_results(model)[8][2]) == ("c/o", "120/80")


def test_a_fitted_model_is_also_a_pipeline_stage():
    fitted = Tokenizer().fit()
    model = Pipeline([DocumentAssembler(), SentenceDetector(), fitted]).fit()
    assert model.stages[-1] is fitted
    assert token_results(model) == token_results(plain_pipeline(Tokenizer()))


def test_tokenizer_still_runs_as_a_transformer():
    # today's code: a PipelineModel built with the Tokenizer itself
    rows = [{"text": NOTE}]
    plain_pipeline(Tokenizer()).transform_rows(rows)
    assert [t.result for t in rows[0]["token"]][:3] == ["Pt", "c/o", "chest"]


@pytest.mark.parametrize("make", [Tokenizer, lambda: Tokenizer().fit()], ids=["Tokenizer", "model"])
def test_saved_pipelines_load(tmp_path, make):
    # a pipeline saved with the Tokenizer as a transformer (what earlier versions wrote)
    # and one saved with the fitted model both load and tokenize the same
    saved = plain_pipeline(make().setExceptions(["chest pain"]))
    saved.save(tmp_path / "p")
    manifest = json.loads((tmp_path / "p" / "pipeline.json").read_text())
    assert manifest["stages"][-1]["class"] == type(saved.stages[-1]).__name__
    loaded = PipelineModel.load(tmp_path / "p")
    assert type(loaded.stages[-1]) is type(saved.stages[-1])
    assert token_results(loaded) == token_results(saved)
    assert "chest pain" in [r for _, _, r, _ in token_results(loaded)]


def test_light_pipeline_over_a_fitted_tokenizer():
    from clinical_ner import LightPipeline

    model = Pipeline([DocumentAssembler(), SentenceDetector(), Tokenizer()]).fit()
    tokens = LightPipeline(model, workers=1).annotate(NOTE)["token"]
    assert tokens == [r for _, _, r, _ in token_results(plain_pipeline(Tokenizer()))]
