import json

import pytest

from clinical_ner.corpora import NoCorpusFilesError
from clinical_ner.corpora.build import build_corpus, group_key, split_documents
from clinical_ner.corpora.conll import parse_conll
from clinical_ner.corpora.document import CorpusDocument

MAC_TEXT = "A 40-year-old man had severe chest pain.\nAn ECG was normal.\n"
MAC_ANN = (
    "T1\tSign_symptom 29 39\tchest pain\n"
    "T2\tSeverity 22 28\tsevere\n"
    "R1\tMODIFY Arg1:T2 Arg2:T1\t\n"
    "T3\tDiagnostic_procedure 44 47\tECG\n"
)
CHIA_TEXT = "Type 2 diabetes\r\nPrior chemotherapy\r\n"
CHIA_ANN = "T1\tCondition 0 15\tType 2 diabetes\nT2\tProcedure 23 35\tchemotherapy\n"


def make_data(root, n_mac=10, n_trials=10):
    (root / "maccrobat").mkdir(parents=True)
    (root / "chia").mkdir()
    for i in range(n_mac):
        (root / "maccrobat" / f"{1000 + i}.txt").write_bytes(MAC_TEXT.encode())
        (root / "maccrobat" / f"{1000 + i}.ann").write_bytes(MAC_ANN.encode())
    for i in range(n_trials):
        for side in ("inc", "exc"):
            (root / "chia" / f"NCT{i:08d}_{side}.txt").write_bytes(CHIA_TEXT.encode())
            (root / "chia" / f"NCT{i:08d}_{side}.ann").write_bytes(CHIA_ANN.encode())
    return root


def test_split_is_by_group_deterministic_and_80_10_10():
    docs = [
        CorpusDocument(f"NCT{i:03d}_{s}", "", [], source="chia")
        for i in range(50)
        for s in ("inc", "exc")
    ]
    splits = split_documents(docs, seed=13)
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [80, 10, 10]
    for split_docs in splits.values():
        keys = {group_key(d) for d in split_docs}
        assert len(split_docs) == 2 * len(keys)  # inc and exc stay together
    again = split_documents(list(reversed(docs)), seed=13)
    assert {s: [d.id for d in v] for s, v in again.items()} == {
        s: [d.id for d in v] for s, v in splits.items()
    }
    other = split_documents(docs, seed=14)
    assert [d.id for d in other["test"]] != [d.id for d in splits["test"]]


def test_build_writes_conll_jsonl_and_stats(tmp_path):
    data = make_data(tmp_path / "data")
    out = tmp_path / "out"
    stats = build_corpus(data, out, seed=13)
    assert stats["missing"] == ["mtsamples", "bc5cdr", "ncbi-disease"]
    on_disk = json.loads((out / "stats.json").read_text(encoding="utf-8"))
    assert on_disk["main"] == json.loads(json.dumps(stats["main"]))
    total = {"PROBLEM": 0, "TEST": 0, "TREATMENT": 0}
    docs = 0
    for split in ("train", "dev", "test"):
        part = stats["main"][split]
        docs += part["documents"]
        for label, n in part["entities"].items():
            total[label] += n
        conll = parse_conll((out / f"{split}.conll").read_text(encoding="utf-8"))
        assert len(conll) == part["documents"]
        assert sum(len(s) for c in conll for s in c.sentences) == part["tokens"]
        lines = (out / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()
        assert len(lines) == part["documents"]
    assert docs == 30
    # 10 MACCROBAT docs: "severe chest pain" + "ECG"; 20 Chia docs: diabetes + chemotherapy
    assert total == {"PROBLEM": 30, "TEST": 10, "TREATMENT": 20}
    train = (out / "train.conll").read_text(encoding="utf-8")
    assert "severe -X- -X- B-PROBLEM\nchest -X- -X- I-PROBLEM\npain -X- -X- I-PROBLEM" in train
    assert "chemotherapy -X- -X- B-TREATMENT" in train
    assert stats["main"]["spans_off_token_boundaries"] == 0
    # Same seed, same files: byte-identical output.
    build_corpus(data, tmp_path / "again", seed=13)
    for name in ("train.conll", "dev.jsonl", "stats.json"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()


def test_build_without_main_corpora_raises(tmp_path):
    with pytest.raises(NoCorpusFilesError, match="maccrobat"):
        build_corpus(tmp_path, tmp_path / "out")


@pytest.mark.slow
def test_build_real_corpus_meets_issue_targets(tmp_path, data_dir):
    if not (data_dir / "maccrobat").is_dir() or not (data_dir / "chia").is_dir():
        pytest.skip(f"{data_dir} lacks maccrobat/ or chia/: real corpora not available")
    stats = build_corpus(data_dir, tmp_path / "corpus")
    totals = {"PROBLEM": 0, "TEST": 0, "TREATMENT": 0}
    for split in ("train", "dev", "test"):
        for label, n in stats["main"][split]["entities"].items():
            totals[label] += n
    assert totals["PROBLEM"] >= 10_000
    assert totals["TEST"] >= 5_000
    assert totals["TREATMENT"] >= 4_000
    assert stats["main"]["spans_off_token_boundaries_share"] < 0.01
