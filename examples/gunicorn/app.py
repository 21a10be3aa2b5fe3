"""A tiny WSGI app for the gunicorn logging example.

Serve it with JSON logs (from the repository root)::

    gunicorn -w 2 --log-config examples/gunicorn/gunicorn_logging.conf \\
        --bind 127.0.0.1:8000 examples.gunicorn.app:app

tests/test_servers.py runs that command against a real gunicorn. Run as a
script, this file loads the same logging config and prints the JSON line one
access record becomes (the record is built the way gunicorn builds it).
"""

from __future__ import annotations

import logging
import logging.config
import pathlib
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    """Answer ``/`` and ``/echo`` with text; anything else is 404."""
    path = environ.get("PATH_INFO", "")
    if path == "/" or path.startswith("/echo"):
        body = f"hello {path}\n".encode("utf-8", "replace")
        status = "200 OK"
    else:
        body = b"not found\n"
        status = "404 Not Found"
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _demo() -> None:
    from gunicorn.glogging import SafeAtoms  # noqa: PLC0415 - only the demo needs gunicorn

    logging.config.fileConfig(
        pathlib.Path(__file__).with_name("gunicorn_logging.conf"), disable_existing_loggers=False
    )
    atoms = {
        "h": "127.0.0.1",
        "m": "GET",
        "U": "/echo",
        "q": "name=ada",
        "H": "HTTP/1.1",
        "r": "GET /echo?name=ada HTTP/1.1",
        "s": "200",
        "B": 16,
        "b": "16",
        "f": "-",
        "a": 'curl/"8"',
        "D": 1234,
        "{user-agent}i": 'curl/"8"',
        "{x-request-id}i": "4f1c",
        "{content-type}o": "text/plain",
    }
    access_format = '%(h)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
    # SafeAtoms is what gunicorn logs: it escapes every " in an atom as \".
    logging.getLogger("gunicorn.access").info(access_format, SafeAtoms(atoms))


if __name__ == "__main__":
    _demo()
