"""``clinical-ner serve``: the REST service and demo page under uvicorn. Thin: it parses
arguments, loads the model (so a missing one is a clear error before the port opens) and
runs :func:`clinical_ner.server.app.create_app`. FastAPI and uvicorn are imported only when
the command runs (extra ``server``)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import TextIO

from clinical_ner.errors import ClinicalNerError
from clinical_ner.server.holder import ServiceLimits

#: The flags' defaults: the service's own (FastAPI-free, so ``--help`` works without the
#: 'server' extra).
_DEFAULTS = ServiceLimits()


def serve_command(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    try:
        import uvicorn

        from clinical_ner.server.app import create_app
    except ImportError as exc:
        raise ClinicalNerError(
            f"the service needs the 'server' extra ({exc.name} is missing): "
            "pip install 'clinical-ner[server]'"
        ) from None
    from clinical_ner.recipes import clinical_pipeline

    logging.getLogger("clinical_ner").info("loading model %s", args.model)
    pipeline = clinical_pipeline(args.model, batch_size=args.batch_size)
    app = create_app(
        pipeline, model_name=args.model, max_body_bytes=args.max_body_bytes,
        max_texts=args.max_texts, timeout_s=args.timeout, batch_size=args.batch_size,
        batch_wait_ms=args.batch_wait_ms,
    )
    stdout.write(f"clinical-ner: serving on http://{args.host}:{args.port}/ "
                 f"(API docs at /docs); Ctrl+C stops\n")
    stdout.flush()
    # uvicorn's access log is off: the app logs method, path, status, sizes and timings,
    # and never a body or query string (note text is PHI).
    uvicorn.run(app, host=args.host, port=args.port, access_log=False,
                log_level=args.log_level, timeout_graceful_shutdown=5)
    return 0


def _number(kind: type, low: float, high: float | None = None, above: bool = False):
    """An argparse type: a ``kind`` (int or float) from ``low`` (or above it, with
    ``above``) up to ``high``; anything else is a one-line usage error, not a server that
    starts and then fails every request."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        fits = (value > low if above else value >= low) and (high is None or value <= high)
        if not fits:  # also NaN, which compares false with everything
            bound = f"above {low}" if above else f"at least {low}"
            bound += f" and at most {high}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be {bound}, not {text}")
        return value

    return parse


def add_serve_command(commands: argparse._SubParsersAction) -> None:
    """Register ``serve`` on the main parser's subcommands."""
    serve = commands.add_parser(
        "serve", help="run the REST service and demo page (needs the 'server' extra)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=_number(int, 0, 65535), default=8000)
    serve.add_argument("--model", default="ner_clinical", help="pretrained model name or folder")
    serve.add_argument("--max-body-bytes", type=_number(int, 1), default=_DEFAULTS.max_body_bytes,
                       help=f"larger request bodies get 413 (default {_DEFAULTS.max_body_bytes})")
    serve.add_argument("--max-texts", type=_number(int, 1), default=_DEFAULTS.max_texts,
                       help="most texts per request")
    serve.add_argument("--timeout", type=_number(float, 0, above=True), default=_DEFAULTS.timeout_s,
                       help=f"seconds before a request gets 504 (default {_DEFAULTS.timeout_s:g})")
    serve.add_argument("--batch-size", type=_number(int, 1), default=_DEFAULTS.batch_size,
                       help="most texts in one model call; concurrent requests share calls")
    serve.add_argument("--batch-wait-ms", type=_number(float, 0), default=_DEFAULTS.batch_wait_ms,
                       help="how long an idle model waits to fill a batch "
                            f"(default {_DEFAULTS.batch_wait_ms:g})")
    serve.add_argument("--log-level", default="info",
                       choices=("critical", "error", "warning", "info", "debug"))
    serve.set_defaults(handler=serve_command)


if __name__ == "__main__":  # python -m clinical_ner.server.cli serve ...
    from clinical_ner.cli import main

    sys.exit(main(sys.argv[1:]))
