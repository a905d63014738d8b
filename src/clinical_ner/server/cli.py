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


def add_serve_command(commands: argparse._SubParsersAction) -> None:
    """Register ``serve`` on the main parser's subcommands."""
    serve = commands.add_parser(
        "serve", help="run the REST service and demo page (needs the 'server' extra)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--model", default="ner_clinical", help="pretrained model name or folder")
    serve.add_argument("--max-body-bytes", type=int, default=1_000_000,
                       help="larger request bodies get 413 (default 1000000)")
    serve.add_argument("--max-texts", type=int, default=64, help="most texts per request")
    serve.add_argument("--timeout", type=float, default=30.0,
                       help="seconds before a request gets 504 (default 30)")
    serve.add_argument("--batch-size", type=int, default=32,
                       help="most texts in one model call; concurrent requests share calls")
    serve.add_argument("--batch-wait-ms", type=float, default=5.0,
                       help="how long an idle model waits to fill a batch (default 5)")
    serve.add_argument("--log-level", default="info",
                       choices=("critical", "error", "warning", "info", "debug"))
    serve.set_defaults(handler=serve_command)


if __name__ == "__main__":  # python -m clinical_ner.server.cli serve ...
    from clinical_ner.cli import main

    sys.exit(main(sys.argv[1:]))
