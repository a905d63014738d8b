"""``clinical-ner evaluate --task ner --split``: only that split's documents are scored."""

import io
import json

import pytest

from clinical_ner.cli import main

N_DOCUMENTS = 10


@pytest.fixture(scope="module")
def brat_folder(tmp_path_factory):
    """Ten brat documents; document ``i`` has ``i + 1`` PROBLEM spans, so a split's gold
    count says which documents it scored (1 + 2 + ... + 10 = 55 in all)."""
    folder = tmp_path_factory.mktemp("brat")
    for i in range(N_DOCUMENTS):
        text = " ".join(["fever"] * (i + 1)) + " ."
        (folder / f"doc{i}.txt").write_text(text, encoding="utf-8")
        ann = "".join(f"T{k + 1}\tPROBLEM {6 * k} {6 * k + 5}\tfever\n" for k in range(i + 1))
        (folder / f"doc{i}.ann").write_text(ann, encoding="utf-8")
    return folder


def evaluate(folder, split):
    out = io.StringIO()
    code = main(["evaluate", "--corpus", "brat", "--data", str(folder), "--split", split,
                 "--json"], stdin=io.StringIO(""), stdout=out)
    assert code == 0
    return json.loads(out.getvalue())


def test_split_scores_only_that_split(brat_folder, caplog):
    every = evaluate(brat_folder, "all")
    assert (every["documents"], every["gold"]) == (10, 55)
    parts = {split: evaluate(brat_folder, split) for split in ("train", "dev", "test")}
    # 10 documents are 10 split groups, cut 80/10/10: 8, 1 and 1 documents.
    assert [parts[s]["documents"] for s in ("train", "dev", "test")] == [8, 1, 1]
    # Each document lands in exactly one split: the gold counts add up to 55, and dev and
    # test hold different documents (their gold counts, i + 1, differ).
    assert sum(p["gold"] for p in parts.values()) == 55
    assert parts["dev"]["gold"] != parts["test"]["gold"]
    assert parts["test"]["strict"]["micro"]["support"] == parts["test"]["gold"]
    # The reader logs all 10 documents; the split is said too, so it is not silent.
    assert "scoring the test split: 1 of 10 documents" in caplog.text
