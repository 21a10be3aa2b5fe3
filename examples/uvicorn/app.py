"""A tiny ASGI app for the uvicorn logging example.

Serve it with JSON logs (from the repository root)::

    uvicorn --log-config examples/uvicorn/uvicorn_logging.json \\
        --host 127.0.0.1 --port 8000 examples.uvicorn.app:app

tests/test_servers.py runs that command against a real uvicorn. Run as a
script, this file loads the same logging config and prints the JSON lines
of one access record as uvicorn writes it (with its ``color_message``
extra, which the formatter drops).
"""

from __future__ import annotations

import json
import logging
import logging.config
import pathlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer ``/`` and ``/echo...`` with text; anything else is 404."""
    if scope["type"] != "http":
        return
    path = scope["path"]
    found = path == "/" or path.startswith("/echo")
    body = f"hello {path}\n".encode() if found else b"not found\n"
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200 if found else 404, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def _demo() -> None:
    config = pathlib.Path(__file__).with_name("uvicorn_logging.json")
    logging.config.dictConfig(json.loads(config.read_text(encoding="utf-8")))
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:52814",
        "GET",
        "/echo?name=ada",
        "1.1",
        200,
        extra={"color_message": "\x1b[1mGET /echo?name=ada HTTP/1.1\x1b[0m"},
    )


if __name__ == "__main__":
    _demo()
