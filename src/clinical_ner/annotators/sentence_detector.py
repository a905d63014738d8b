"""SentenceDetector: ``document`` annotations -> one ``document`` annotation per sentence.

Rule-based and made for clinical notes rather than newswire. A sentence ends:

1. at a blank line (a paragraph break);
2. at a single newline, unless the next line starts with a lower-case letter (a wrapped
   line) and the line does not end with ``:``; so newline-separated lists, vitals and
   headings are separate sentences (``newlineBoundaries``: ``smart`` | ``always`` |
   ``never``);
3. after ``.``, ``!`` or ``?`` (plus closing quotes/brackets) followed by whitespace, except
   after a non-terminal abbreviation ("Dr.", "e.g.", "vs.", "approx."), and after a dosing
   abbreviation ("mg.", "p.o.", "b.i.d.") only when the next word starts upper-case;
   decimals ("3.5 mg") never split because no whitespace follows the period;
4. before each marker of an inline numbered list ("1. Aspirin 81 mg 2. Lisinopril"): a
   marker ``n.`` or ``n)`` counts only when ``n-1`` came earlier in the same chain, so
   "the dose was 2. Then" is not a list;
5. at the bounds of sections and after their headers, when the stage reads a ``section``
   column (``setInputCols(["document", "section"])``), and after a section heading that
   starts a sentence ("HISTORY OF PRESENT ILLNESS:", upper
   case, at least 4 letters) when ``detectHeadings`` is on;
6. at matches of ``customBounds`` (regular expressions); with ``useCustomBoundsOnly``
   rules 1-5 are off. ``customBoundsStrategy``: ``none`` drops the bound's text,
   ``append`` keeps it at the end of the sentence before, ``prepend`` at the start of the
   next;
7. where a sentence would exceed ``maxLength`` characters: it is cut at the last
   whitespace before the limit (or at the limit when there is none), so a huge note
   without punctuation cannot produce an unbounded sentence;
8. with ``splitLength`` (Spark NLP's, default off): a sentence longer than that many
   characters is split between words into pieces of at most ``splitLength`` characters
   (a single longer word stays whole, as in Spark NLP).

Sentences shorter than ``minLength`` characters are dropped (Spark NLP's semantics; default
0). Every sentence is trimmed of surrounding whitespace and ``text[begin:end+1] == result``.

With ``explodeSentences`` (Spark NLP's, default False) a pipeline gives one row per
sentence: the stage annotates as always, then :meth:`SentenceDetector.explode_rows` turns
each row into one row per sentence (the row's other columns repeated, the sentence column
holding that one sentence), so the stages after it see, and annotate, one sentence per row; the
offsets still index the original text. The local engine and the Spark workers both call it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from clinical_ner.annotation import Annotation, AnnotatorType
from clinical_ner.annotators import abbreviations
from clinical_ner.annotators.section_detector import sentence_cuts
from clinical_ner.errors import ConfigurationError
from clinical_ner.stage import Param, Row, Stage, Transformer

NEWLINE_MODES = ("smart", "always", "never")
CUSTOM_BOUNDS_STRATEGIES = ("none", "append", "prepend")

_PARAGRAPH = re.compile(r"\n[^\S\n]*\n\s*")
_NEWLINE = re.compile(r"\n")
# A run of terminators and closers; it ends a sentence when whitespace follows (checked in
# code: a lookahead here would retry the run from each of its characters, quadratic on a
# long run of periods).
_TERMINAL = re.compile(r"[.!?]+[\"'”’)\]]*")
_LIST_MARKER = re.compile(r"(?:(?<=\s)|^)(\d{1,2})[.)](?=[^\S\n]+[A-Za-z(])")
_HEADING = re.compile(r"[A-Z][A-Z0-9 /&(),'-]{2,60}:")
_WORD_BEFORE = re.compile(r"(\S+?)[.!?]*[\"'”’)\]]*$")
_SPACE = re.compile(r"\s")
_WORD = re.compile(r"\S+")


class SentenceDetector(Transformer):
    """Splits documents into sentences with clinical rules (see the module docstring)."""

    PARAMS = (
        Param("useAbbreviations", True, "respect the abbreviation lists"),
        Param("abbreviations", None, "extra non-terminal abbreviations (no final period)"),
        Param("newlineBoundaries", "smart", f"one of {NEWLINE_MODES}"),
        Param("detectLists", True, "split before inline numbered-list markers"),
        Param("detectHeadings", True, "split after upper-case section headings"),
        Param("customBounds", [], "regular expressions that mark sentence bounds"),
        Param("useCustomBoundsOnly", False, "use only customBounds"),
        Param("customBoundsStrategy", "none", f"one of {CUSTOM_BOUNDS_STRATEGIES}"),
        Param("minLength", 0, "drop sentences shorter than this (characters)"),
        Param("maxLength", 2000, "cut sentences longer than this (characters)"),
        Param("splitLength", None, "split sentences longer than this between words "
              "(characters; None: off)"),
        Param("explodeSentences", False, "one row per sentence (the other columns repeated)"),
    )
    INPUT_TYPES = (AnnotatorType.DOCUMENT,)
    OPTIONAL_INPUT_TYPES = (AnnotatorType.SECTION,)
    OUTPUT_TYPE = AnnotatorType.DOCUMENT

    def __init__(self) -> None:
        super().__init__()
        self._set(inputCols=["document"], outputCol="sentence")

    # ----- setters ----------------------------------------------------------------------
    def setUseAbbreviations(self, value: bool) -> SentenceDetector:
        return self._set(useAbbreviations=bool(value))

    def setAbbreviations(self, values: Sequence[str]) -> SentenceDetector:
        return self._set(abbreviations=[v.lower().rstrip(".") for v in values])

    def setNewlineBoundaries(self, mode: str) -> SentenceDetector:
        if mode not in NEWLINE_MODES:
            raise ConfigurationError(f"newlineBoundaries must be one of {NEWLINE_MODES}")
        return self._set(newlineBoundaries=mode)

    def setDetectLists(self, value: bool) -> SentenceDetector:
        return self._set(detectLists=bool(value))

    def setDetectHeadings(self, value: bool) -> SentenceDetector:
        return self._set(detectHeadings=bool(value))

    def setCustomBounds(self, patterns: Sequence[str]) -> SentenceDetector:
        for p in patterns:
            try:
                re.compile(p)
            except re.error as exc:
                raise ConfigurationError(f"custom bound {p!r} is not a valid regex: {exc}") from None
        return self._set(customBounds=list(patterns))

    def setUseCustomBoundsOnly(self, value: bool) -> SentenceDetector:
        return self._set(useCustomBoundsOnly=bool(value))

    def setCustomBoundsStrategy(self, strategy: str) -> SentenceDetector:
        if strategy not in CUSTOM_BOUNDS_STRATEGIES:
            raise ConfigurationError(
                f"customBoundsStrategy must be one of {CUSTOM_BOUNDS_STRATEGIES}"
            )
        return self._set(customBoundsStrategy=strategy)

    def setMinLength(self, value: int) -> SentenceDetector:
        return self._set(minLength=int(value))

    def setMaxLength(self, value: int) -> SentenceDetector:
        if int(value) < 1:
            raise ConfigurationError("maxLength must be at least 1")
        return self._set(maxLength=int(value))

    def setSplitLength(self, value: int | None) -> SentenceDetector:
        """Split sentences longer than ``value`` characters between words (None: off)."""
        if value is None:
            return self._set(splitLength=None)
        try:
            length = None if isinstance(value, bool) else int(value)
        except (TypeError, ValueError):
            length = None
        if length is None or length < 1:
            raise ConfigurationError(
                f"splitLength must be a whole number >= 1 (or None: off), got {value!r}")
        return self._set(splitLength=length)

    def getSplitLength(self) -> int | None:
        return self.getOrDefault("splitLength")

    def setExplodeSentences(self, value: bool) -> SentenceDetector:
        """One row per sentence from this stage on, as Spark NLP's ``explodeSentences``."""
        return self._set(explodeSentences=bool(value))

    def getExplodeSentences(self) -> bool:
        return bool(self.getOrDefault("explodeSentences"))

    def explode_rows(self, rows: list[Row]) -> tuple[list[Row], list[int]]:
        """One row per annotation of the output column, in order: a shallow copy of its
        row whose output column holds that one sentence. A row without sentences gives
        none (Spark's ``explode``). Returns the rows and, for each, the index of the row
        it came from."""
        col = self.getOutputCol()
        exploded: list[Row] = []
        origin: list[int] = []
        for index, row in enumerate(rows):
            for sentence in row.get(col) or ():
                one = dict(row)
                one[col] = [sentence]
                exploded.append(one)
                origin.append(index)
        return exploded, origin

    def _on_params_changed(self) -> None:
        extra = self.getOrDefault("abbreviations") or []
        self._non_terminal = abbreviations.NON_TERMINAL | frozenset(extra)
        self._custom = [re.compile(p) for p in self.getOrDefault("customBounds")]

    # ----- the algorithm ----------------------------------------------------------------
    def sentence_bounds(self, text: str, forced_cuts: Iterable[int] = ()) -> list[tuple[int, int]]:
        """Sentence spans of ``text`` as ``(begin, end)`` offsets, ``end`` inclusive.

        ``forced_cuts``: offsets where a sentence must end (section and header bounds)."""
        if not text:
            return []
        cuts: set[int] = {c for c in forced_cuts if 0 < c < len(text)}
        dropped: list[tuple[int, int]] = []
        self._custom_cuts(text, cuts, dropped)
        if not self.getOrDefault("useCustomBoundsOnly"):
            self._newline_cuts(text, cuts)
            list_periods = self._list_cuts(text, cuts) if self.getOrDefault("detectLists") else set()
            self._terminal_cuts(text, cuts, list_periods)
        spans = _segments(text, sorted(cuts), dropped)
        if self.getOrDefault("detectHeadings") and not self.getOrDefault("useCustomBoundsOnly"):
            spans = _split_headings(text, spans)
        spans = _enforce_max_length(text, spans, self.getOrDefault("maxLength"))
        split_length = self.getOrDefault("splitLength")
        if split_length:
            spans = _split_between_words(text, spans, split_length)
        min_length = self.getOrDefault("minLength")
        if min_length > 0:
            spans = [(b, e) for b, e in spans if e - b + 1 >= min_length]
        return spans

    def _custom_cuts(self, text: str, cuts: set[int], dropped: list[tuple[int, int]]) -> None:
        strategy = self.getOrDefault("customBoundsStrategy")
        for pattern in self._custom:
            for match in pattern.finditer(text):
                start, stop = match.span()
                if strategy == "append":
                    cuts.add(stop)
                elif strategy == "prepend":
                    cuts.add(start)
                else:
                    cuts.update((start, stop))
                    dropped.append((start, stop))

    def _newline_cuts(self, text: str, cuts: set[int]) -> None:
        mode = self.getOrDefault("newlineBoundaries")
        for match in _PARAGRAPH.finditer(text):
            cuts.add(match.end())
        if mode == "never":
            return
        # The last non-space character before each newline, carried from line to line so
        # that every character is looked at once (runs of blank lines stay linear).
        last_char, line_start = "", 0
        for match in _NEWLINE.finditer(text):
            newline, pos = match.start(), match.end()
            line = text[line_start:newline].rstrip()
            if line:
                last_char = line[-1]
            line_start = pos
            if mode == "smart" and _is_wrapped_line(text, last_char, pos):
                continue
            cuts.add(pos)

    def _list_cuts(self, text: str, cuts: set[int]) -> set[int]:
        """Cut before chained list markers; return the offsets of their periods."""
        markers = [(int(m.group(1)), m.start(), m.end() - 1) for m in _LIST_MARKER.finditer(text)]
        periods: set[int] = set()
        last_pos_of: dict[int, int] = {}
        chained: set[int] = set()
        for idx, (number, _, _) in enumerate(markers):
            prev = last_pos_of.get(number - 1)
            if prev is not None:
                chained.update((prev, idx))
            last_pos_of[number] = idx
        for idx in chained:
            _, start, period = markers[idx]
            cuts.add(start)
            periods.add(period)
        return periods

    def _terminal_cuts(self, text: str, cuts: set[int], list_periods: set[int]) -> None:
        use_abbreviations = self.getOrDefault("useAbbreviations")
        n = len(text)
        for match in _TERMINAL.finditer(text):
            if match.end() >= n or not text[match.end()].isspace():
                continue
            if match.start() in list_periods:
                continue
            if use_abbreviations and text[match.start()] == ".":
                word = _word_before(text, match.start())
                if word in self._non_terminal:
                    continue
                if word in abbreviations.MAY_END and not _next_word_is_upper(text, match.end()):
                    continue
            cuts.add(match.end())

    def annotate(self, inputs: Sequence[list[Annotation]]) -> list[Annotation]:
        documents = inputs[0]
        bounds = sentence_cuts(inputs[1]) if len(inputs) > 1 else []
        out: list[Annotation] = []
        index = 0
        for doc in documents:
            text = doc.result
            base = doc.begin
            for begin, end in self.sentence_bounds(text, [cut - base for cut in bounds]):
                out.append(
                    Annotation(
                        AnnotatorType.DOCUMENT,
                        base + begin,
                        base + end,
                        text[begin : end + 1],
                        {"sentence": str(index)},
                    )
                )
                index += 1
        return out


def explodes(stage: Stage) -> bool:
    """Whether ``stage`` turns each row into one row per sentence (``explodeSentences``)."""
    return isinstance(stage, SentenceDetector) and stage.getExplodeSentences()


def _word_before(text: str, period: int) -> str:
    """The lower-cased word that ends at ``period`` (exclusive), e.g. 'p.o' or 'dr'."""
    start = period
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in "([{\"'":
        start -= 1
    return text[start:period].lower()


def _next_word_is_upper(text: str, pos: int) -> bool:
    n = len(text)
    while pos < n and text[pos].isspace():
        pos += 1
    return pos < n and text[pos].isupper()


def _is_wrapped_line(text: str, last_char: str, next_start: int) -> bool:
    """Whether a newline only wraps a sentence onto the next line: ``last_char`` is the
    last non-space character before it ("" at the start of the text), ``next_start`` the
    offset after it."""
    if not last_char or last_char == ":":
        return False
    n = len(text)
    pos = next_start
    # At most one line's leading blanks are skipped: the next newline stops the scan.
    while pos < n and text[pos] in " \t\r\f\v":
        pos += 1
    return pos < n and text[pos].islower()


def _segments(
    text: str, cuts: list[int], dropped: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Whitespace-trimmed, non-empty pieces of ``text`` between cut positions."""
    drop = set(dropped)
    spans: list[tuple[int, int]] = []
    start = 0
    for stop in [*cuts, len(text)]:
        if stop <= start:
            continue
        if (start, stop) not in drop:
            span = _trim(text, start, stop)
            if span is not None:
                spans.append(span)
        start = stop
    return spans


def _trim(text: str, start: int, stop: int) -> tuple[int, int] | None:
    """``(begin, end)`` inclusive of ``text[start:stop]`` without outer whitespace."""
    while start < stop and text[start].isspace():
        start += 1
    while stop > start and text[stop - 1].isspace():
        stop -= 1
    return (start, stop - 1) if stop > start else None


def _split_headings(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for begin, end in spans:
        match = _HEADING.match(text, begin, end + 1)
        if match and match.end() <= end and sum(c.isalpha() for c in match.group()) >= 4:
            out.append((begin, match.end() - 1))
            rest = _trim(text, match.end(), end + 1)
            if rest is not None:
                out.append(rest)
        else:
            out.append((begin, end))
    return out


def _enforce_max_length(
    text: str, spans: list[tuple[int, int]], max_length: int
) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for begin, end in spans:
        while end - begin + 1 > max_length:
            limit = begin + max_length  # first offset that may not be in this piece
            cut = limit
            for pos in range(limit, begin, -1):
                if text[pos].isspace():
                    cut = pos
                    break
            piece = _trim(text, begin, cut)
            if piece is not None:
                out.append(piece)
            rest = _trim(text, cut, end + 1)
            if rest is None:
                break
            begin, end = rest
        else:
            out.append((begin, end))
    return out


def _split_between_words(
    text: str, spans: list[tuple[int, int]], limit: int
) -> list[tuple[int, int]]:
    """Spark NLP's ``splitLength``: each span longer than ``limit`` characters becomes
    pieces of whole words (runs of non-space), each as long as fits in ``limit``
    characters; a longer word is a piece of its own. Offsets inclusive, as ``spans``."""
    out: list[tuple[int, int]] = []
    for begin, end in spans:
        if end - begin + 1 <= limit:
            out.append((begin, end))
            continue
        piece: tuple[int, int] | None = None
        for word in _WORD.finditer(text, begin, end + 1):
            if piece is None:
                piece = (word.start(), word.end() - 1)
            elif word.end() - piece[0] > limit:
                out.append(piece)
                piece = (word.start(), word.end() - 1)
            else:
                piece = (piece[0], word.end() - 1)
        if piece is not None:
            out.append(piece)
    return out
