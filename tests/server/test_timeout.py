"""A request past ``timeout_s`` answers 504 whichever class ``asyncio.wait_for`` raises.

Before Python 3.11, ``asyncio.TimeoutError`` is its own class, not the builtin
``TimeoutError``; a route catching only the builtin answered 500. This interpreter may be
3.11+, where both are one class, so the test stands in a 3.10-like ``asyncio`` for the
routes module: its ``wait_for`` raises a ``TimeoutError`` that does not derive from the
builtin one.
"""

from __future__ import annotations

import asyncio
import types

import pytest

from clinical_ner.server import routes

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


class _Py310AsyncioTimeoutError(Exception):
    """``asyncio.TimeoutError`` as Python 3.10 defines it (``asyncio.exceptions``)."""


async def _wait_for_that_times_out(awaitable, timeout):
    awaitable.close()  # never started: the batcher sees no job
    raise _Py310AsyncioTimeoutError()


def test_a_wait_for_timeout_is_504_when_asyncio_has_its_own_timeout_class(client, monkeypatch):
    assert not issubclass(_Py310AsyncioTimeoutError, TimeoutError)  # the 3.10 situation
    py310_asyncio = types.SimpleNamespace(
        wait_for=_wait_for_that_times_out,
        TimeoutError=_Py310AsyncioTimeoutError,
        CancelledError=asyncio.CancelledError,
    )
    monkeypatch.setattr(routes, "asyncio", py310_asyncio)
    response = client.post("/v1/annotate", json={"text": "Patient reports chest pain."})
    assert response.status_code == 504
    # the client fixture's app has timeout_s=20
    assert response.json() == {
        "error": "timeout",
        "message": "no answer within 20 s; send fewer or shorter texts, or start the service "
                   "with a longer --timeout",
    }


def test_the_service_answers_again_after_the_timeout(client):
    response = client.post("/v1/annotate", json={"text": "Patient reports chest pain."})
    assert response.status_code == 200 and response.json()["results"][0]["entities"]
