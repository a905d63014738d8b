"""The hand-marked header test set (``header_notes.txt``) and its scoring.

The file holds synthetic notes (MTSamples export form, newline EHR form, and notes full of
header look-alikes), written by hand for this project independently of the detector's
rules. Notes are separated by ``=====`` lines; each starts with a ``# `` description line;
every header is marked ``<<name|HEADER TEXT>>`` (``sub`` for an exam or review-of-systems
sub-header such as "Lungs:", ``other`` for an unlisted all-caps header).
"""

from __future__ import annotations

import re
from pathlib import Path

HEADER_NOTES = Path(__file__).with_name("header_notes.txt")
_MARK = re.compile(r"<<([a-z_]+)\|(.*?)>>", re.S)


def read_header_notes(path: Path = HEADER_NOTES) -> list[tuple[str, list[tuple[int, int, str]]]]:
    """``(text, [(begin, end_exclusive, name), ...])`` of every note."""
    notes = []
    for block in path.read_text(encoding="utf-8").split("\n=====\n"):
        marked = block.split("\n", 1)[1] if block.startswith("# ") else block
        text, spans, pos = [], [], 0
        length = 0
        for match in _MARK.finditer(marked):
            text.append(marked[pos : match.start()])
            length += match.start() - pos
            header = match.group(2)
            spans.append((length, length + len(header), match.group(1)))
            text.append(header)
            length += len(header)
            pos = match.end()
        text.append(marked[pos:])
        notes.append(("".join(text), spans))
    return notes


def score_headers(detector, notes) -> dict:
    """Header precision/recall (exact span) and name accuracy over matched headers."""
    tp = fp = fn = named = 0
    errors = []
    for index, (text, gold) in enumerate(notes):
        found = {}
        for section in detector.sections(text):
            begin = int(section.metadata["header_begin"])
            if begin >= 0:
                name = "sub" if "subsection" in section.metadata else section.metadata["name"]
                found[(begin, int(section.metadata["header_end"]) + 1)] = name
        gold_spans = {(b, e): n for b, e, n in gold}
        for span, name in found.items():
            if span in gold_spans:
                tp += 1
                named += gold_spans[span] == name
                if gold_spans[span] != name:
                    errors.append((index, "name", text[span[0] : span[1]], gold_spans[span], name))
            else:
                fp += 1
                errors.append((index, "false", text[span[0] : span[1]], None, name))
        for span, name in gold_spans.items():
            if span not in found:
                fn += 1
                errors.append((index, "missed", text[span[0] : span[1]], name, None))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": precision, "recall": recall, "headers": tp + fn,
            "name_accuracy": named / tp if tp else 0.0, "errors": errors}
