"""``clinical-ner corpus build``, ``train`` and ``models`` on tiny synthetic inputs, and the
corpus card they print, against counts made by hand."""

from __future__ import annotations

import io
import json
import shutil

import pytest

from clinical_ner.cli import main
from clinical_ner.corpora.card import card_data, render_card
from clinical_ner.corpora.conll import parse_conll

from .corpora.test_build import make_data


def run(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    code = main(args, stdin=io.StringIO(), stdout=out)
    return code, out.getvalue()


def test_corpus_build_prints_the_card_with_hand_counted_mentions(tmp_path):
    # 10 MACCROBAT notes: "severe chest pain" (PROBLEM) + "ECG" (TEST);
    # 10 Chia trials x (inc, exc): "Type 2 diabetes" (PROBLEM) + "chemotherapy" (TREATMENT).
    data = make_data(tmp_path / "data")
    code, out = run(["corpus", "build", "--data", str(data), "--out", str(tmp_path / "out")])
    assert code == 0
    assert out == (tmp_path / "out" / "CARD.md").read_text(encoding="utf-8")
    assert "| 30 | 10 | 20 | 0 (0.00%) |" in out
    assert "Corpora not found: mtsamples, bc5cdr, ncbi-disease" in out
    card = json.loads((tmp_path / "out" / "card.json").read_text(encoding="utf-8"))
    assert card["seed"] == 13 and card["main"]["corpora"] == ["maccrobat", "chia"]
    assert card["main"]["mentions"] == {"PROBLEM": 30, "TEST": 10, "TREATMENT": 20}
    documents = {name: sum(s["documents"] for s in info["splits"].values())
                 for name, info in card["corpora"].items()}
    assert documents == {"maccrobat": 10, "chia": 20}
    # MACCROBAT's "severe" is absorbed into the PROBLEM, not dropped; Chia drops nothing
    assert card["corpora"]["maccrobat"]["repairs"] == {"widened": 1 * 10}


def test_the_card_renders_its_numbers():
    split = {"documents": 2, "sentences": 5, "tokens": 40, "entities": {"PROBLEM": 3, "TEST": 1},
             "alignment": {"boundary_inside_token": 1, "spans": 4}}
    stats = {"seed": 7, "missing": ["bc5cdr"], "main": {"train": {}},
             "corpora": {"chia": {"splits": {"train": split}, "dropped": {"overlap:TEST": 2}}}}
    card = card_data(stats)
    assert card["main"]["mentions"] == {"PROBLEM": 3, "TEST": 1, "TREATMENT": 0}
    assert card["main"]["mentions_off_token_boundaries"] == 1
    assert card["main"]["share_off_token_boundaries"] == 0.25
    text = render_card(card)
    assert "split by document, seed 7; the main training corpus is chia)" in text
    assert "| 3 | 1 | 0 | 1 (25.00%) |" in text
    assert "| chia | train | 2 | 5 | 40 | 3 | 1 | 0 | 1 |" in text
    assert "- chia: overlap:TEST: 2" in text
    assert text.endswith("Corpora not found: bc5cdr\n")


def test_models_lists_a_model_in_the_cache(tmp_path, monkeypatch, toy_model_dir):
    home = tmp_path / "home"
    shutil.copytree(toy_model_dir, home / "my_ner")
    meta_path = home / "my_ner" / "metadata.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "name": "my_ner"}), encoding="utf-8")
    monkeypatch.setenv("CLINICAL_NER_HOME", str(home))
    code, out = run(["models"])
    assert code == 0
    assert f"my_ner                  en  ner_dl            {home / 'my_ner'}\n" in out


@pytest.mark.slow
def test_train_reproduces_a_model_from_a_tiny_recipe(tmp_path):
    pytest.importorskip("gensim", reason="the train command's word vectors need gensim")
    data = make_data(tmp_path / "data")
    recipe = {
        "name": "tiny_ner",
        "corpus": {"seed": 13},
        "embeddings": {"method": "word2vec", "dim": 8, "epochs": 1,
                       "min_count": 1, "seed": 13, "workers": 1, "texts": ["train_split"]},
        "training": {"lr": 0.01, "batch_size": 4, "max_epochs": 5, "lstm_hidden": 8,
                     "char_filters": 8, "seed": 13, "threads": 1},
    }
    config = tmp_path / "recipe.json"
    config.write_text(json.dumps(recipe), encoding="utf-8")
    out_dir = tmp_path / "run"
    code, out = run(["train", "--config", str(config), "--data", str(data), "--out",
                     str(out_dir), "--max-epochs", "2", "--quiet"])
    assert code == 0
    assert out.splitlines()[-1] == f"model: {out_dir / 'tiny_ner'}"
    assert out.startswith("test combined: strict micro-F1 ")
    report = json.loads((out_dir / "report.json").read_text(encoding="utf-8"))
    assert [epoch["epoch"] for epoch in report["epochs"]] == [1, 2]  # --max-epochs wins
    conll = parse_conll((out_dir / "corpus" / "train.conll").read_text(encoding="utf-8"))
    assert report["sentences"]["train"] == sum(len(doc.sentences) for doc in conll)
    meta = json.loads((out_dir / "tiny_ner" / "metadata.json").read_text(encoding="utf-8"))
    assert meta["name"] == "tiny_ner" and meta["storage_ref"] == "embeddings_clinical"
    # the model runs, its embeddings found beside it
    code, out = run(["annotate", "--model", str(out_dir / "tiny_ner"), "chest pain"])
    assert code == 0 and [t["text"] for t in json.loads(out)["tokens"]] == ["chest", "pain"]
