"""MTSamples clinical notes annotated for this project (i2b2 2010 concept style).

MTSamples may not be redistributed, so the package ships standoff only:
``clinical_ner/data/mtsamples_concepts.jsonl``, one note a line::

    {"note_id": "1", "sha256": "<of the transcription, UTF-8>", "specialty": "...",
     "split": "train" | "dev" | "test", "annotation": "single" | "double, adjudicated",
     "annotator": "...", "spans": [[begin, end, "PROBLEM" | "TEST" | "TREATMENT"], ...]}

with ``end`` INCLUSIVE (the project convention). :func:`read_mtsamples` joins it with the
user's copy of ``mtsamples.csv`` (the ``transcription`` column, by ``note_id``): a note
whose transcription hashes differently is an error that names it, since its offsets
would point at the wrong characters. Notes listed in ``RESERVED.txt`` beside the CSV (kept
for independent evaluation), and notes with the same transcription as one of them, are
skipped. How the notes were chosen and annotated, and the agreement between two
independent passes (``mtsamples_concepts_passes.jsonl``), are in
``docs/annotation_guideline.md`` and the README's Data part.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from clinical_ner.corpora.document import (
    CLINICAL_LABELS,
    CorpusDocument,
    CorpusFormatError,
    NoCorpusFilesError,
    make_span,
)

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
STANDOFF = DATA_DIR / "mtsamples_concepts.jsonl"
PASSES = DATA_DIR / "mtsamples_concepts_passes.jsonl"
CSV_NAME = "mtsamples.csv"
RESERVED_NAME = "RESERVED.txt"


def read_standoff(path: str | Path = STANDOFF) -> list[dict[str, Any]]:
    """The standoff records (note id, hash, split, spans), in file order."""
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise CorpusFormatError(f"{path}, line {number}: not JSON ({exc.msg})") from None
    return records


def find_csv(path: str | Path) -> Path:
    """``mtsamples.csv`` given the CSV itself, its folder, or a data folder holding
    ``mtsamples/``."""
    path = Path(path)
    for candidate in (path, path / CSV_NAME, path / "mtsamples" / CSV_NAME):
        if candidate.is_file():
            return candidate
    raise NoCorpusFilesError(
        f"no {CSV_NAME} at {path}: pass the MTSamples CSV, its folder, or a data folder "
        "holding mtsamples/ (see ../shared/data/README.md)"
    )


def reserved_ids(csv_path: Path) -> set[str]:
    """Note ids in ``RESERVED.txt`` beside the CSV (empty when there is none)."""
    path = csv_path.with_name(RESERVED_NAME)
    if not path.is_file():
        return set()
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")}


def _transcriptions(csv_path: Path) -> dict[str, str]:
    csv.field_size_limit(2**31 - 1)
    try:
        with open(csv_path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"note_id", "transcription"} <= set(reader.fieldnames):
                raise CorpusFormatError(
                    f"{csv_path}: expected the columns note_id and transcription"
                )
            return {row["note_id"]: row["transcription"] or "" for row in reader}
    except UnicodeDecodeError:
        raise CorpusFormatError(f"{csv_path} is not UTF-8 text") from None


def read_mtsamples(path: str | Path, standoff: str | Path = STANDOFF) -> list[CorpusDocument]:
    """The annotated notes as documents (``split`` set from the standoff), note-id order.

    Args:
        path: ``mtsamples.csv``, its folder, or a data folder holding ``mtsamples/``.
        standoff: the annotations (default: the ones shipped in the package).

    Raises:
        NoCorpusFilesError: no CSV there.
        CorpusFormatError: a note is missing from the CSV, or its transcription differs
            from the one annotated (the message names the note id).
    """
    csv_path = find_csv(path)
    texts = _transcriptions(csv_path)
    reserved = reserved_ids(csv_path)
    reserved_texts = {texts[i] for i in reserved if i in texts}
    documents, skipped = [], 0
    for record in read_standoff(standoff):
        note_id = str(record["note_id"])
        text = texts.get(note_id)
        if note_id in reserved or (text is not None and text in reserved_texts):
            skipped += 1
            continue
        if text is None:
            raise CorpusFormatError(f"note {note_id} is annotated but not in {csv_path}")
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if digest != record["sha256"]:
            raise CorpusFormatError(
                f"note {note_id}: the transcription in {csv_path} is not the one annotated "
                f"(sha256 {digest[:12]}... instead of {record['sha256'][:12]}...); use the "
                "original MTSamples CSV"
            )
        spans = [
            make_span(text, begin, end, label, id=f"T{i + 1}")
            for i, (begin, end, label) in enumerate(record["spans"])
        ]
        document = CorpusDocument(note_id, text, spans, known_labels=CLINICAL_LABELS,
                                  source="mtsamples", split=record.get("split"))
        document.check_offsets()
        documents.append(document)
    if skipped:
        logger.info("mtsamples: %d reserved notes skipped", skipped)
    return documents
