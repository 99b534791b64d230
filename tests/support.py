"""Helpers shared by tests that serve the app over real HTTP or drive a real browser."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"  # Debian's package; a browser is never downloaded
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


def serve(wsgi_app) -> tuple[Any, str]:
    """Serve a WSGI app on 127.0.0.1 (a free port) from a daemon thread; returns the server and its URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True, request_handler=QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@contextmanager
def live_server(wsgi_app) -> Iterator[str]:
    """``serve`` for the length of a ``with`` block; yields the base URL."""
    server, url = serve(wsgi_app)
    try:
        yield url
    finally:
        server.shutdown()
        server.server_close()


def finish_job(client, response):
    """A page that started a job (``core.jobs``) redirected to it: wait for its thread, then fetch its result.

    Returns the result's response, or the job's page when the job failed (its Russian error is there).
    """
    import re

    from core import jobs

    assert response.status_code == 303, response.status_code
    found = re.fullmatch(r"(?:http://localhost)?/jobs/(\d+)", response.headers["Location"])
    assert found, response.headers["Location"]
    job_id = int(found.group(1))
    jobs.join(job_id)
    with client.application.app_context():
        state = jobs.Job.get_by_id(job_id).state
    if state != "done":
        return client.get(f"/jobs/{job_id}")
    return client.get(f"/jobs/{job_id}/result")


def registry_tables() -> Any:
    """The registries plugin's tables, for making test data (plugins use the typed ``service("registries")``)."""
    from plugins.registries import models

    return models
