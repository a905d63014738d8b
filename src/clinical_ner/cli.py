"""The ``clinical-ner`` command. Thin: it parses arguments and calls library functions."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, TextIO

from clinical_ner import __version__
from clinical_ner.cli_models import add_model_commands, configure_logging
from clinical_ner.errors import ClinicalNerError
from clinical_ner.pipeline import LightPipeline
from clinical_ner.recipes import clinical_pipeline, text_pipeline
from clinical_ner.records import text_record
from clinical_ner.server.cli import add_serve_command

PROG = "clinical-ner"


def _read_stdin(stdin: TextIO | None) -> str:
    """All of standard input as UTF-8 text; a closed or undecodable stdin is a clear
    error, not a traceback or a run on replacement characters."""
    if stdin is None:
        raise ClinicalNerError("standard input is closed; give TEXT, -f FILE, or pipe text in")
    try:
        raw = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read()
    except (OSError, ValueError) as exc:
        raise ClinicalNerError(f"cannot read standard input ({exc})") from None
    if isinstance(raw, str):
        return raw
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ClinicalNerError(
            f"standard input is not UTF-8 text (byte {exc.start}); convert it first, e.g. "
            "with iconv -f latin1 -t utf-8"
        ) from None


def _read_inputs(args: argparse.Namespace, stdin: TextIO) -> Iterator[str]:
    if args.text is not None and args.file is not None:
        raise ClinicalNerError("give either TEXT or -f FILE, not both")
    if args.text is not None:
        source = args.text
    elif args.file is not None:
        try:
            with open(args.file, encoding="utf-8", newline="") as handle:
                source = handle.read()
        except OSError as exc:
            raise ClinicalNerError(f"cannot read {args.file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ClinicalNerError(f"{args.file} is not UTF-8 text") from None
    else:
        source = _read_stdin(stdin)
    if args.lines:
        yield from (line for line in source.splitlines() if line.strip())
    else:
        yield source


def _table(record: dict[str, Any], index: int) -> str:
    lines = [f"# text {index}: {len(record['sentences'])} sentences, "
             f"{len(record['tokens'])} tokens, {len(record['entities'])} entities"]
    for number, sentence in enumerate(record["sentences"], 1):
        tokens = [t["text"] for t in record["tokens"]
                  if sentence["begin"] <= t["begin"] <= sentence["end"]]
        lines.append(f"{number:>3} [{sentence['begin']}:{sentence['end']}] {' | '.join(tokens)}")
    entities = record["entities"]
    if entities:
        # The status column is there when the pipeline has an assertion stage.
        asserted = any("assertion" in e for e in entities)
        width = max([len("status"), *(len(e.get("assertion") or "") for e in entities)])
        status = f"  {'status':<{width}}" if asserted else ""
        # The section column is there when the pipeline has a section stage.
        sectioned = any("section" in e for e in entities)
        section_width = max([len("section"), *(len(e.get("section") or "") for e in entities)])
        section = f"  {'section':<{section_width}}" if sectioned else ""
        lines.append(f"{'label':<10} {'begin':>6} {'end':>6} {'conf':>5}{status}{section}  text")
        for e in entities:
            conf = "" if e["confidence"] is None else f"{e['confidence']:.2f}"
            status = f"  {e.get('assertion') or '':<{width}}" if asserted else ""
            section = f"  {e.get('section') or '':<{section_width}}" if sectioned else ""
            lines.append(
                f"{e['label']:<10} {e['begin']:>6} {e['end']:>6} {conf:>5}{status}{section}"
                f"  {e['text']}"
            )
    return "\n".join(lines)


def _annotation_pipeline(model: str | None, assertion: bool = True, precision: str = "auto",
                         convention: str = ""):
    """The shipped model's pipeline (with each chunk's assertion status unless
    ``assertion`` is false); sentences and tokens only with ``--model none``."""
    if model is None or model == "none":
        return text_pipeline()
    return clinical_pipeline(model, assertion=assertion, precision=precision,
                             convention=convention)


def annotate_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    texts = list(_read_inputs(args, stdin))  # input errors come before the model loads
    pipeline = _annotation_pipeline(args.model, assertion=not args.no_assertion,
                                    precision=args.precision, convention=args.convention)
    light = LightPipeline(pipeline, batch_size=args.batch_size, window_chars=args.window_chars)
    if args.format == "table":
        for index, row in enumerate(light.iter_full(texts)):
            stdout.write(_table(text_record(row), index) + "\n")
        return 0
    # JSON lines stream window by window: a huge text never has all its annotations in
    # memory at once (each field's items wait in a temporary file until the text ends).
    writer = _StreamedRecord(stdout)
    for _, last, row in light.iter_windows(texts):
        writer.add(text_record(row), last)
    return 0


class _StreamedRecord:
    """Writes one JSON line per text from the records of its windows, in order, holding
    only the current window in memory."""

    FIELDS = ("sentences", "tokens", "entities")

    def __init__(self, stdout: TextIO) -> None:
        self.stdout = stdout
        self.spools: dict[str, Any] = {}
        self.counts: dict[str, int] = {}

    def add(self, record: dict[str, Any], last: bool) -> None:
        if last and not self.spools:  # a text of one window: write it at once
            self.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            return
        if not self.spools:
            import tempfile

            # Closed in _flush, after the text's last window.
            self.spools = {f: tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
                           for f in self.FIELDS}
            self.counts = dict.fromkeys(self.FIELDS, 0)
        for field in self.FIELDS:
            for item in record[field]:
                if self.counts[field]:
                    self.spools[field].write(", ")
                self.spools[field].write(json.dumps(item, ensure_ascii=False))
                self.counts[field] += 1
        if last:
            self._flush()

    def _flush(self) -> None:
        out = self.stdout
        for i, field in enumerate(self.FIELDS):
            out.write(("{" if i == 0 else ", ") + json.dumps(field) + ": [")
            spool = self.spools[field]
            spool.seek(0)
            while block := spool.read(1 << 20):
                out.write(block)
            spool.close()
            out.write("]")
        out.write("}\n")
        self.spools, self.counts = {}, {}


class _Parser(argparse.ArgumentParser):
    """argparse with the library's error line: ``clinical-ner: error: ...``, exit status 2.

    argparse would print the whole usage block first; one line keeps every user error of
    the command the same shape, whether argparse or the library finds it. Subcommand
    parsers are made of this class too (argparse uses the parent's class).
    """

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix(PROG).strip()
        where = f"{command}: " if command else ""
        self.exit(2, f"{PROG}: error: {where}{message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG, description="Clinical named entity recognition with exact offsets."
    )
    parser.add_argument("--version", action="version", version=f"clinical-ner {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also log details, such as each corpus line dropped (file, line, "
                        "reason); never note text")
    commands = parser.add_subparsers(dest="command", required=True)
    annotate = commands.add_parser(
        "annotate", help="annotate a text, a file (-f) or stdin; JSON lines by default",
        description="Sentences, tokens and entities of each text, with exact offsets (end "
        "inclusive). Each entity has its assertion status ('assertion' in JSON, the status "
        "column of --format table): present, absent, possible, conditional, hypothetical "
        "or associated_with_someone_else.",
    )
    annotate.add_argument("text", nargs="?", help="the text (default: read -f FILE or stdin)")
    annotate.add_argument("-f", "--file", help="read the text from this UTF-8 file")
    annotate.add_argument("--lines", action="store_true", help="one text per input line")
    annotate.add_argument("--format", choices=("jsonl", "table"), default="jsonl")
    annotate.add_argument("--batch-size", type=int, default=64, help="texts per batch")
    annotate.add_argument("--window-chars", type=int, default=100_000,
                          help="annotate longer texts in windows of about this many characters, "
                          "cut at sentence bounds (memory stays bounded; offsets index the "
                          "whole text)")
    annotate.add_argument(
        "--model", default="ner_clinical",
        help="pretrained model name or folder (default ner_clinical); 'none' for text stages only",
    )
    annotate.add_argument(
        "--precision", choices=("auto", "float32", "bfloat16"), default="auto",
        help="the tagger's arithmetic: auto (bfloat16 where it measured faster on this "
        "machine), or float32 for results that do not depend on batching or windows",
    )
    annotate.add_argument(
        "--convention", default="",
        help="span rules of one of the model's training corpora: maccrobat (case reports), "
        "chia (trial criteria); default: the clinical notes' (i2b2)",
    )
    annotate.add_argument(
        "--no-assertion", action="store_true",
        help="leave out the entities' assertion status (present, absent, possible, ...)",
    )
    annotate.set_defaults(handler=annotate_command)
    add_model_commands(commands)
    add_serve_command(commands)
    return parser


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    configure_logging(verbose=args.verbose)
    out = stdout or sys.stdout
    try:
        return args.handler(args, stdin if stdin is not None else sys.stdin, out)
    except ClinicalNerError as exc:
        return _user_error(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from complaining
        # again when it flushes stdout at exit.
        _silence_stdout()
        return 0
    except OSError as exc:
        # A path the user gave cannot be read or written (a folder where a file should be,
        # no permission, disk full): the user's to fix, so one line, not a traceback.
        where = f"{exc.filename}: " if exc.filename else ""
        return _user_error(f"{where}{exc.strerror or exc}")


def _user_error(message: str) -> int:
    """Print ``clinical-ner: error: <message>`` as ONE line on stderr; the exit status 2."""
    print(f"{PROG}: error: {' '.join(message.splitlines())}", file=sys.stderr)
    return 2


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    raise SystemExit(main())
