"""The annotated MTSamples notes: the shipped standoff (no text, sound spans, splits,
second pass) and the reader that joins it with a CSV (tiny synthetic CSVs here)."""

import csv
import hashlib
import json
from collections import Counter

import pytest

from clinical_ner.corpora.build import split_documents
from clinical_ner.corpora.document import CorpusFormatError, NoCorpusFilesError
from clinical_ner.corpora.mtsamples import PASSES, STANDOFF, read_mtsamples, read_standoff
from clinical_ner.embeddings.train import mtsamples_texts

NOTES = {
    "1": "CHIEF COMPLAINT:, Chest pain.,PLAN:, Aspirin daily.",
    "2": "HPI: No fever. CBC was normal.",
    "3": "Reserved note with cough.",
    "4": "HPI: No fever. CBC was normal.",  # the same text as note 2 under another id
}


def sha(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_folder(folder, notes=NOTES, reserved=("3",)):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "mtsamples.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["note_id", "description", "transcription"])
        for note_id, text in notes.items():
            writer.writerow([note_id, "x", text])
    (folder / "RESERVED.txt").write_text("# reserved\n" + "\n".join(reserved) + "\n")
    return folder


def write_standoff(path, records):
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def record(note_id, spans, split="train"):
    return {"note_id": note_id, "sha256": sha(NOTES[note_id]), "split": split, "spans": spans}


def test_the_reader_joins_standoff_and_csv_and_skips_reserved_notes(tmp_path):
    folder = write_folder(tmp_path / "mtsamples")
    standoff = write_standoff(tmp_path / "s.jsonl", [
        record("1", [[18, 27, "PROBLEM"], [37, 43, "TREATMENT"]]),
        record("2", [[8, 12, "PROBLEM"], [15, 17, "TEST"]], split="test"),
        record("3", [[19, 23, "PROBLEM"]]),  # reserved
    ])
    for where in (tmp_path, folder, folder / "mtsamples.csv"):
        docs = read_mtsamples(where, standoff)
        assert [d.id for d in docs] == ["1", "2"]
    first, second = docs
    assert [s.text for s in first.spans] == ["Chest pain", "Aspirin"]
    assert [s.label for s in second.spans] == ["PROBLEM", "TEST"]
    assert first.source == "mtsamples" and second.split == "test"
    assert split_documents(docs)["test"] == [second]


def test_a_note_sharing_a_reserved_text_is_skipped(tmp_path):
    folder = write_folder(tmp_path, reserved=("2",))
    standoff = write_standoff(tmp_path / "s.jsonl", [record("4", [[8, 12, "PROBLEM"]])])
    assert read_mtsamples(folder, standoff) == []
    assert list(mtsamples_texts(folder / "mtsamples.csv", exclude_ids={"2"})) == [
        NOTES["1"], NOTES["3"]]


def test_a_changed_transcription_is_an_error_naming_the_note(tmp_path):
    notes = {**NOTES, "1": NOTES["1"].replace("Chest", "chest")}
    folder = write_folder(tmp_path, notes)
    standoff = write_standoff(tmp_path / "s.jsonl", [record("1", [[18, 27, "PROBLEM"]])])
    with pytest.raises(CorpusFormatError, match=r"note 1: the transcription .* is not the one annotated"):
        read_mtsamples(folder, standoff)
    missing = write_standoff(tmp_path / "m.jsonl", [{**record("1", []), "note_id": "99"}])
    with pytest.raises(CorpusFormatError, match="note 99 is annotated but not in"):
        read_mtsamples(folder, missing)
    with pytest.raises(NoCorpusFilesError, match=r"no mtsamples\.csv"):
        read_mtsamples(tmp_path / "nowhere", standoff)


def test_the_shipped_standoff_holds_offsets_and_hashes_only():
    records = read_standoff()
    assert len(records) >= 250
    assert len({r["note_id"] for r in records}) == len(records)
    assert Counter(r["split"] for r in records).keys() == {"train", "dev", "test"}
    for r in records:
        assert set(r) == {"note_id", "sha256", "specialty", "split", "annotation", "annotator",
                          "spans"}
        assert len(r["sha256"]) == 64 and r["annotator"]
        last = -1
        for begin, end, label in r["spans"]:
            assert last < begin <= end and label in {"PROBLEM", "TEST", "TREATMENT"}
            last = end
    specialties = Counter(r["specialty"] for r in records)
    # Stratified: many specialties, none more than 15% of the notes.
    assert len(specialties) >= 12 and max(specialties.values()) <= 0.15 * len(records)
    assert "text" not in STANDOFF.read_text(encoding="utf-8")  # no note text


def test_a_tenth_of_the_notes_has_an_independent_second_pass():
    passes = [json.loads(line) for line in PASSES.read_text(encoding="utf-8").splitlines()]
    records = {r["note_id"]: r for r in read_standoff()}
    assert len(passes) >= len(records) / 10
    for p in passes:
        gold = records[p["note_id"]]
        assert gold["sha256"] == p["sha256"] and gold["annotation"] == "double, adjudicated"
        assert p["first_pass"] and p["second_pass"]


def test_the_real_notes_read_when_the_data_is_there(real_corpus):
    docs = real_corpus("mtsamples")
    assert len(docs) >= 250
    assert {d.split for d in docs} == {"train", "dev", "test"}
    assert all(d.check_offsets() is None for d in docs)
