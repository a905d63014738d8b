"""Turn inline-marked MTSamples notes into the standoff the package ships.

usage: python tools/annotation/import_marked.py MTSAMPLES_CSV SELECTION_JSON OUT_JSONL \
           [--annotator NAME] MARKED_DIR [MARKED_DIR ...]

Each MARKED_DIR/<note_id>.txt holds one note with <problem>/<test>/<treatment> tags (see
docs/annotation_guideline.md). The tags are stripped, the rest must equal the note's
transcription in the CSV character for character, and each note becomes one JSON line:
``{"note_id", "sha256", "specialty", "annotator", "spans": [[begin, end, label], ...]}``
with ``end`` EXCLUSIVE (Python slicing) and no note text. A note found in several folders is
taken from the LAST folder given (pass the adjudicated folder last). Reserved notes are
refused.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import re
import sys
from pathlib import Path

TAG = re.compile(r"</?(problem|test|treatment)>")


def strip_tags(marked: str) -> tuple[str, list[list]]:
    """(plain text, [[begin, end_exclusive, LABEL], ...]) of an inline-marked note."""
    pieces, spans, open_tag, pos, length = [], [], None, 0, 0
    for match in TAG.finditer(marked):
        pieces.append(marked[pos : match.start()])
        length += match.start() - pos
        pos = match.end()
        label = match.group(1)
        if match.group(0).startswith("</"):
            if open_tag is None or open_tag[0] != label:
                raise ValueError(f"unmatched </{label}> at plain offset {length}")
            spans.append([open_tag[1], length, label.upper()])
            open_tag = None
        else:
            if open_tag is not None:
                raise ValueError(f"<{label}> inside <{open_tag[0]}> at plain offset {length}")
            open_tag = (label, length)
    if open_tag is not None:
        raise ValueError(f"unclosed <{open_tag[0]}>")
    pieces.append(marked[pos:])
    return "".join(pieces), spans


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_path")
    parser.add_argument("selection")
    parser.add_argument("out")
    parser.add_argument("--annotator", default="helper sessions (see docs/annotation_guideline.md)")
    parser.add_argument("marked", nargs="+")
    args = parser.parse_args()
    csv.field_size_limit(10**8)
    with open(args.csv_path, encoding="utf-8", newline="") as handle:
        texts = {row["note_id"]: row["transcription"] for row in csv.DictReader(handle)}
    reserved_file = Path(args.csv_path).with_name("RESERVED.txt")
    reserved = {line.strip() for line in reserved_file.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    reserved_texts = {texts[i] for i in reserved if i in texts}
    selection = json.loads(Path(args.selection).read_text(encoding="utf-8"))
    notes: dict[str, dict] = {}
    bad = 0
    for folder in args.marked:
        for path in sorted(Path(folder).glob("*.txt")):
            note_id = path.stem
            if note_id in reserved or texts.get(note_id) in reserved_texts:
                print(f"{path}: reserved note, refused", file=sys.stderr)
                bad += 1
                continue
            raw = texts.get(note_id)
            marked = path.read_text(encoding="utf-8")
            try:
                plain, spans = strip_tags(marked)
            except ValueError as exc:
                print(f"{path}: {exc}", file=sys.stderr)
                bad += 1
                continue
            if raw is None or plain != raw:
                print(f"{path}: text differs from the transcription", file=sys.stderr)
                bad += 1
                continue
            for begin, end, _ in spans:
                piece = raw[begin:end]
                if not piece.strip() or piece != piece.strip():
                    print(f"{path}: span {begin}-{end} is empty or has outer spaces", file=sys.stderr)
                    bad += 1
            notes[note_id] = {
                "note_id": note_id,
                "sha256": hashlib.sha256(raw.encode("utf-8")).hexdigest(),
                "specialty": selection.get(note_id, ""),
                "annotator": f"{args.annotator}; folder {Path(folder).name}",
                "spans": spans,
            }
    if bad:
        print(f"{bad} error(s); nothing written", file=sys.stderr)
        return 1
    lines = [json.dumps(notes[k], separators=(",", ":")) for k in sorted(notes, key=int)]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(notes)} notes, {sum(len(n['spans']) for n in notes.values())} spans -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
