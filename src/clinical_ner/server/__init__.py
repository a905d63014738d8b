"""The REST service and its demo page (extra ``server``: fastapi, uvicorn, httpx).

``create_app(model="ner_clinical")`` builds the FastAPI app; ``clinical-ner serve`` runs it
with uvicorn. Importing this package does not import FastAPI: only :func:`create_app` does.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def create_app(*args: Any, **kwargs: Any) -> Any:
    """See :func:`clinical_ner.server.app.create_app`."""
    from clinical_ner.server.app import create_app as _create_app

    return _create_app(*args, **kwargs)
