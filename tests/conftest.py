"""Shared fixtures: a clean logging state for every test and record helpers."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import jsonlog

ENCODERS = [pytest.param("orjson", id="orjson"), pytest.param("json", id="json")]


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """Restore the root logger's handlers and level, drop new loggers, clear bound context."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    loggers = dict(logging.Logger.manager.loggerDict)
    yield
    jsonlog.context.clear()
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in set(logging.Logger.manager.loggerDict) - set(loggers):
        del logging.Logger.manager.loggerDict[name]


def make_record(
    msg: Any = "hello %s",
    args: Any = ("world",),
    *,
    level: int = logging.INFO,
    name: str = "app",
    exc_info: Any = None,
    extra: dict[str, Any] | None = None,
    sinfo: str | None = None,
    created: float | None = 1700000000.25,
) -> logging.LogRecord:
    """Return a record as a logger would make it, with a fixed creation time."""
    record = logging.getLogger(name).makeRecord(
        name, level, "/srv/app/shop.py", 42, msg, args, exc_info, "checkout", extra, sinfo
    )
    if created is not None:
        record.created = created
        record.msecs = 250.0
    return record


def format_json(formatter: logging.Formatter, record: logging.LogRecord) -> dict[str, Any]:
    """Format a record and parse it as strict, single-line JSON."""
    line = formatter.format(record)
    assert "\n" not in line
    return strict_loads(line)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def strict_loads(text: str | bytes) -> Any:
    """Parse JSON the way strict (RFC 8259) parsers do: no NaN, no Infinity."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")  # strict: lone surrogates in bytes fail here
    text.encode("utf-8")  # a str with a lone surrogate is not UTF-8 either
    return json.loads(text, parse_constant=_refuse_constant)


@pytest.fixture
def logger_to() -> Callable[..., tuple[logging.Logger, io.StringIO]]:
    """Return a factory: a fresh logger writing through the formatter to a StringIO."""
    counter = iter(range(10**6))

    def factory(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter)
        logger = logging.getLogger(f"test.logger{next(counter)}")
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return logger, stream

    return factory


def load_ini_formatter(
    tmp_path: Path, fmt: str, *, cls: str = "jsonlog.JsonFormatter"
) -> io.StringIO:
    """Configure logging from an ini file through the real ``fileConfig``.

    The file has one formatter (``class=cls``, ``format=fmt``) on a root
    ``StreamHandler``; return the stream that handler now writes to.
    """
    ini = tmp_path / "logging.ini"
    ini.write_text(
        "[loggers]\nkeys=root\n[handlers]\nkeys=out\n[formatters]\nkeys=json\n"
        "[logger_root]\nlevel=INFO\nhandlers=out\n"
        "[handler_out]\nclass=StreamHandler\nformatter=json\nargs=(sys.stdout,)\n"
        f"[formatter_json]\nclass={cls}\nformat={fmt}\n",
        encoding="utf-8",
    )
    logging.config.fileConfig(ini, disable_existing_loggers=False)
    stream = io.StringIO()
    handler = logging.getLogger().handlers[-1]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    """Parse every line written to a stream as strict JSON.

    Lines end at "\n" only: str.splitlines() would also split inside a value
    holding U+2028, which JSON (and orjson) leave unescaped.
    """
    return [strict_loads(line) for line in stream.getvalue().split("\n") if line]


__all__ = [
    "ENCODERS",
    "format_json",
    "jsonlog",
    "lines",
    "load_ini_formatter",
    "make_record",
    "strict_loads",
]
