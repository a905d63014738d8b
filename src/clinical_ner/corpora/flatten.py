"""Turn nested, overlapping and discontinuous gold mentions into one flat layer.

A token tagger (IOB tags, one label per token) can only learn a flat layer, as in i2b2
2010 where concepts never overlap. Two documented rules get there:

* :func:`resolve_discontinuous`: a discontinuous mention ("breast ... cancer" in
  "breast or ovarian cancer") becomes the contiguous span from its first to its last
  piece when that span stays on one line and adds at most ``MAX_DISCONTINUOUS_GAP``
  characters that the pieces do not cover; the result reads like a coordinated i2b2
  noun phrase. Otherwise it is dropped.
* :func:`flatten_spans`: exact duplicates (same offsets and label) are dropped; then
  spans are taken LONGEST FIRST, ties broken by the EARLIER begin and then by source
  order, and a span is kept only if it overlaps no span already kept. Longest-first
  keeps the phrase-level mention ("left ventricular hypertrophy") over the nested
  pieces ("hypertrophy"), which is what i2b2 marks.

Both return counts of what they dropped, by reason and label, and never log text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from clinical_ner.corpora.document import GoldSpan

#: Most characters a discontinuous mention's covering span may add beyond its pieces:
#: chosen so that most of Chia's discontinuous mentions fit; the ones that do not are
#: counted in the corpus card's "Dropped by flattening" list.
MAX_DISCONTINUOUS_GAP = 30


def resolve_discontinuous(
    spans: Iterable[GoldSpan], text: str, max_gap: int = MAX_DISCONTINUOUS_GAP
) -> tuple[list[GoldSpan], Counter[str]]:
    """Replace discontinuous spans by their covering span, or drop them (see module doc).

    Args:
        spans: spans whose ``fragments`` (inclusive ends) mark discontinuous ones; their
            ``begin``/``end`` must already cover the first to the last piece.
        text: the document text the offsets index.
        max_gap: most uncovered characters allowed inside the covering span.

    Returns:
        ``(spans, dropped)``; kept spans keep ``fragments`` for auditing, and ``dropped``
        counts ``"discontinuous:<label>"``.
    """
    kept: list[GoldSpan] = []
    dropped: Counter[str] = Counter()
    for span in spans:
        if not span.fragments:
            kept.append(span)
            continue
        covered = sum(e - b + 1 for b, e in _merge(span.fragments))
        cover = text[span.begin : span.end + 1]
        if span.length - covered <= max_gap and "\n" not in cover and "\r" not in cover:
            kept.append(span)
        else:
            dropped[f"discontinuous:{span.label}"] += 1
    return kept, dropped


def _merge(fragments: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of inclusive ranges, so overlapping pieces are not counted twice."""
    merged: list[tuple[int, int]] = []
    for b, e in sorted(fragments):
        if merged and b <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((b, e))
    return merged


def flatten_spans(spans: Iterable[GoldSpan]) -> tuple[list[GoldSpan], Counter[str]]:
    """Resolve overlaps to a flat layer: longest first, then earliest, then source order.

    Args:
        spans: spans in source order (the order breaks the last ties).

    Returns:
        ``(kept, dropped)``: kept spans sorted by ``(begin, end)``, none overlapping;
        ``dropped`` counts ``"duplicate:<label>"`` and ``"overlap:<label>"`` (the label
        of the span that was dropped).
    """
    dropped: Counter[str] = Counter()
    unique: list[GoldSpan] = []
    seen: set[tuple[int, int, str]] = set()
    for span in spans:
        key = (span.begin, span.end, span.label)
        if key in seen:
            dropped[f"duplicate:{span.label}"] += 1
            continue
        seen.add(key)
        unique.append(span)
    order = sorted(range(len(unique)), key=lambda i: (-unique[i].length, unique[i].begin, i))
    kept: list[GoldSpan] = []
    # Spans are few per document (hundreds), so a linear overlap check is fast enough.
    for i in order:
        span = unique[i]
        if any(span.overlaps(other) for other in kept):
            dropped[f"overlap:{span.label}"] += 1
        else:
            kept.append(span)
    kept.sort(key=lambda s: (s.begin, s.end))
    return kept, dropped
