import io
import json

from clinical_ner.cli import main

NOTE = "Pt c/o chest pain x3 days. BP 120/80. Started aspirin 81 mg p.o. daily."


def run(argv, stdin=""):
    out = io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out)
    return code, out.getvalue()


def test_annotate_stdin_jsonl():
    code, out = run(["annotate", "--model", "none"], NOTE)
    assert code == 0
    record = json.loads(out)
    assert [s["text"] for s in record["sentences"]][1] == "BP 120/80."
    assert all(NOTE[t["begin"] : t["end"] + 1] == t["text"] for t in record["tokens"])


def test_annotate_argument_table():
    code, out = run(["annotate", "--model", "none", "--format", "table", NOTE])
    assert code == 0
    assert "3 sentences" in out and "BP | 120/80 | ." in out


def test_annotate_file_and_lines(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("No fever.\r\nChest pain.\r\n", encoding="utf-8", newline="")
    code, out = run(["annotate", "--model", "none", "-f", str(path), "--lines"])
    assert code == 0
    assert [json.loads(line)["tokens"][0]["text"] for line in out.splitlines()] == ["No", "Chest"]


NEGATED = "No chest pain.\nStarted aspirin."


def test_annotate_shows_the_assertion_status():
    # the shipped model, as the command runs by default
    code, out = run(["annotate", NEGATED])
    assert code == 0
    entities = {e["text"]: e for e in json.loads(out)["entities"]}
    chest = entities["chest pain"]
    assert chest["assertion"] == "absent" and chest["label"] == "PROBLEM"
    assert NEGATED[chest["begin"] : chest["end"] + 1] == "chest pain"
    # the keys of before are all still there (the status and section are more keys)
    assert set(chest) == {"label", "begin", "end", "text", "confidence", "assertion", "section"}
    assert entities["aspirin"]["assertion"] == "present"

    code, out = run(["annotate", "--format", "table", NEGATED])
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("label"))
    assert header.split() == ["label", "begin", "end", "conf", "status", "section", "text"]
    row = next(line for line in out.splitlines() if line.endswith("chest pain"))
    assert row.split()[:3] == ["PROBLEM", "3", "12"] and row.split()[4] == "absent"


def test_annotate_without_assertion_keeps_the_old_output():
    code, out = run(["annotate", "--no-assertion", NEGATED])
    assert code == 0
    (chest,) = [e for e in json.loads(out)["entities"] if e["text"] == "chest pain"]
    assert "assertion" not in chest
    code, out = run(["annotate", "--no-assertion", "--format", "table", NEGATED])
    assert "status" not in out and "absent" not in out
    assert "label       begin    end  conf  section  text" in out


def test_missing_file_is_a_clear_error(tmp_path, capsys):
    code, _ = run(["annotate", "-f", str(tmp_path / "missing.txt")])
    assert code == 2
    assert "cannot read" in capsys.readouterr().err


def test_corpus_convert_i2b2_to_conll(tmp_path):
    folder = tmp_path / "i2b2"
    folder.mkdir()
    (folder / "record-1.txt").write_text(
        "Admission Date :\nThe patient had chest pain and got aspirin .\n", encoding="utf-8"
    )
    (folder / "record-1.con").write_text(
        'c="chest pain" 2:3 2:4||t="problem"\nc="aspirin" 2:7 2:7||t="treatment"\n',
        encoding="utf-8",
    )
    out_file = tmp_path / "train.conll"
    code, out = run(["corpus", "convert", "--corpus", "i2b2", "--data", str(folder),
                     "--out", str(out_file)])
    assert code == 0 and "2 mentions" in out
    rows = [line.split() for line in out_file.read_text().splitlines() if line and "DOCSTART" not in line]
    tagged = {(r[0], r[-1]) for r in rows}
    assert {("chest", "B-PROBLEM"), ("pain", "I-PROBLEM"), ("aspirin", "B-TREATMENT")} <= tagged


def test_annotate_follows_the_chosen_convention():
    # The notes' (i2b2) rules keep a possessive in the span; MACCROBAT's minimal heads do not.
    text = "His hemoglobin was 9.8."
    spans = {}
    for convention in ("", "maccrobat"):
        code, out = run(["annotate", text, "--convention", convention])
        assert code == 0
        spans[convention] = [(e["text"], e["label"]) for e in json.loads(out)["entities"]]
    assert spans[""] == [("His hemoglobin", "TEST")]
    assert spans["maccrobat"] == [("hemoglobin", "TEST")]
