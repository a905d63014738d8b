"""Add a further round of marked notes to the shipped standoff, as training notes.

usage: python tools/annotation/add_notes.py MTSAMPLES_CSV SELECTION_JSON \
           --single DIR [DIR ...] [--double FIRST_DIR SECOND_DIR ADJUDICATED_DIR]

``--single`` folders hold notes marked once; ``--double`` gives, for the doubly annotated
notes, the first pass, the independent second pass and the adjudicated version (a note in
``ADJUDICATED_DIR`` replaces its single-pass copy). Every note is checked as in
``import_marked.py`` (tags stripped = the transcription, no reserved note, no span with
outer spaces), then appended to ``src/clinical_ner/data/mtsamples_concepts.jsonl`` with
``"split": "train"`` (the dev and test notes stay as they are, so scores stay comparable)
and its passes to ``mtsamples_concepts_passes.jsonl``. Spans are stored end INCLUSIVE, the
package's convention. Nothing is written when any note fails; a note already in the
standoff is refused.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
from pathlib import Path

from import_marked import strip_tags

DATA = Path(__file__).resolve().parents[2] / "src" / "clinical_ner" / "data"
STANDOFF, PASSES = DATA / "mtsamples_concepts.jsonl", DATA / "mtsamples_concepts_passes.jsonl"
SINGLE = "one pass by an LLM helper session (Claude) reading the note against docs/annotation_guideline.md"
DOUBLE = ("two independent passes by LLM helper sessions (Claude) reading the note against "
          "docs/annotation_guideline.md, disagreements adjudicated by a third session by the guideline")


def marked_spans(path: Path, raw: str) -> list[list]:
    """End-inclusive spans of one marked note; ValueError naming the problem."""
    plain, spans = strip_tags(path.read_text(encoding="utf-8"))
    if plain != raw:
        raise ValueError("text differs from the transcription")
    for begin, end, _ in spans:
        piece = raw[begin:end]
        if not piece.strip() or piece != piece.strip():
            raise ValueError(f"span {begin}-{end} is empty or has outer spaces")
    return [[begin, end - 1, label] for begin, end, label in spans]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_path")
    parser.add_argument("selection")
    parser.add_argument("--single", nargs="+", default=[])
    parser.add_argument("--double", nargs=3, metavar=("FIRST", "SECOND", "ADJUDICATED"))
    args = parser.parse_args()
    csv.field_size_limit(10**8)
    with open(args.csv_path, encoding="utf-8", newline="") as handle:
        texts = {row["note_id"]: row["transcription"] for row in csv.DictReader(handle)}
    reserved = {line.strip() for line in Path(args.csv_path).with_name("RESERVED.txt")
                .read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")}
    reserved_texts = {texts[i] for i in reserved if i in texts}
    selection = json.loads(Path(args.selection).read_text(encoding="utf-8"))
    existing = [json.loads(line) for line in STANDOFF.read_text(encoding="utf-8").splitlines() if line]
    known = {r["note_id"] for r in existing} | {texts.get(r["note_id"]) for r in existing}

    errors: list[str] = []

    def read(folder: str) -> dict[str, list[list]]:
        out = {}
        for path in sorted(Path(folder).glob("*.txt")):
            note_id = path.stem
            if note_id in reserved or texts.get(note_id) in reserved_texts:
                errors.append(f"{path}: reserved note, refused")
            elif note_id in known or texts.get(note_id) in known:
                errors.append(f"{path}: already annotated (same id or transcription)")
            elif note_id not in texts:
                errors.append(f"{path}: no such note id in the CSV")
            else:
                try:
                    out[note_id] = marked_spans(path, texts[note_id])
                except ValueError as exc:
                    errors.append(f"{path}: {exc}")
        return out

    notes: dict[str, dict] = {}
    for folder in args.single:
        for note_id, spans in read(folder).items():
            notes[note_id] = {"annotation": "single", "annotator": SINGLE, "spans": spans}
    passes = []
    if args.double:
        first, second, final = (read(folder) for folder in args.double)
        for note_id, spans in final.items():
            if note_id not in first or note_id not in second:
                errors.append(f"{note_id}: adjudicated without both passes")
                continue
            notes[note_id] = {"annotation": "double, adjudicated", "annotator": DOUBLE, "spans": spans}
            passes.append({"note_id": note_id, "first_pass": first[note_id], "second_pass": second[note_id]})
    if errors:
        print("\n".join(errors) + f"\n{len(errors)} error(s); nothing written", file=sys.stderr)
        return 1

    def sha(note_id: str) -> str:
        return hashlib.sha256(texts[note_id].encode("utf-8")).hexdigest()

    records = existing + [
        {"note_id": k, "sha256": sha(k), "specialty": selection.get(k, ""), "split": "train", **v}
        for k, v in notes.items()
    ]
    records.sort(key=lambda r: int(r["note_id"]))
    STANDOFF.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records), encoding="utf-8")
    old_passes = [json.loads(line) for line in PASSES.read_text(encoding="utf-8").splitlines() if line]
    all_passes = old_passes + [{"note_id": p["note_id"], "sha256": sha(p["note_id"]),
                                "first_pass": p["first_pass"], "second_pass": p["second_pass"]}
                               for p in passes]
    all_passes.sort(key=lambda r: int(r["note_id"]))
    PASSES.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in all_passes), encoding="utf-8")
    print(f"added {len(notes)} notes ({len(passes)} doubly annotated), "
          f"{sum(len(v['spans']) for v in notes.values())} spans; standoff now {len(records)} notes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
