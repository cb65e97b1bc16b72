"""The baseline for ``ping.py``: a bare Falcon app that answers one route with fixed bytes.

The body is read from the file named by ``BENCH_BARE_BODY_FILE`` when :func:`create_app` is
called (``ping.py`` writes a real ``debug.ping`` response there), so the baseline sends exactly
the bytes our server sends, without any of its work. Importing this module does nothing.

Serve it with ``gunicorn --pythonpath benchmarks 'bare_app:create_app()'``.
"""

from __future__ import annotations

import gc
import os
from pathlib import Path

import falcon

BODY_FILE_ENV = "BENCH_BARE_BODY_FILE"
ROUTE = "/debug.ping"


class FixedBody:
    """A resource that returns the same JSON bytes to every GET."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.status = 200
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body


def read_body() -> bytes:
    """Return the captured response body; fail loudly if it was not provided."""
    path = os.environ.get(BODY_FILE_ENV)
    if not path:
        raise RuntimeError(f"{BODY_FILE_ENV} must name a file holding the response body")
    return Path(path).read_bytes()


def create_app() -> falcon.App:
    """Build the baseline app: one route, one fixed body."""
    app = falcon.App()
    app.add_route(ROUTE, FixedBody(read_body()))
    # NOTE: served exactly like ours, which freezes its start-up heap for the collector.
    gc.collect()
    gc.freeze()
    return app
