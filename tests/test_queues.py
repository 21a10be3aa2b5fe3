"""Tests for jsonlog.queues: records keep their structure through a queue."""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
import multiprocessing
import pickle
import queue
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from gunicorn.glogging import SafeAtoms

from jsonlog import JsonFormatter, access
from jsonlog.queues import QueueHandler

# Every record attribute that differs between processes or threads, or with
# the moment of the call, is left out of the format.
FORMAT = "%(levelname)s %(name)s %(message)s %(funcName)s %(lineno)d"
ACCESS_FORMAT = '%(h)s "%(r)s" %(s)s %(b)s "%(a)s"'


class Unpicklable:
    """An extra value that cannot cross a process boundary."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def __str__(self) -> str:
        return "unpicklable thing"


class Fail(Exception):
    """An exception raised on purpose."""


def emit_records(logger_prefix: str = "") -> None:
    """Log one record of every interesting kind (run in each process under test)."""
    app = logging.getLogger(logger_prefix + "app")
    app.info("user %s paid %d%%", "ada", 5, extra={"user": {"id": 7, "tags": ["a"]}, "n": 1.5})
    app.info({"event": "dict message", "items": [1, 2]})
    app.warning("thing", extra={"thing": Unpicklable()})
    try:
        raise Fail('bad "input"')
    except Fail:
        app.exception("failed %s", "hard", extra={"request_id": "r-1"})
    app.info("here", stack_info=True)
    atoms = {
        "h": "192.0.2.1",
        "r": "GET /a?b=1 HTTP/1.1",
        "m": "GET",
        "U": "/a",
        "q": "b=1",
        "H": "HTTP/1.1",
        "s": "200",
        "B": 3,
        "b": "3",
        "a": 'curl/"8" \\"x',
        "f": "-",
        "D": 1500,
        "{user-agent}i": 'curl/"8" \\"x',
        "{x-request-id}i": "q-1",
        "{wsgi.input}e": io.BytesIO(b"body"),
    }
    logging.getLogger(logger_prefix + "gunicorn.access").info(ACCESS_FORMAT, SafeAtoms(atoms))
    logging.getLogger(logger_prefix + "uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/u?x=1", "1.1", 404
    )


def formatter(exc_format: Any = "text") -> JsonFormatter:
    """Return the formatter both sides use."""
    return JsonFormatter(FORMAT, access_request_headers=["x-request-id"], exc_format=exc_format)


def parse(text: str) -> list[dict[str, Any]]:
    """Return each line of ``text`` as parsed JSON, each stack cut to its innermost frame.

    The outer frames of a stack differ with the caller (pytest, the child
    process); the frame that logged is the part that must survive.
    """
    rows = [json.loads(line) for line in text.splitlines()]
    for row in rows:
        if "stack_info" in row:
            row["stack_info"] = row["stack_info"].splitlines()[-2:]
    return rows


@pytest.fixture(autouse=True)
def _restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    root.handlers.clear()
    root.setLevel(logging.DEBUG)
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def direct_output(exc_format: str = "text") -> list[dict[str, Any]]:
    """Return what the records give when the JSON handler is on the root logger."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(exc_format))
    logging.getLogger().addHandler(handler)
    try:
        emit_records()
    finally:
        logging.getLogger().removeHandler(handler)
    return parse(stream.getvalue())


def child_main(records_queue: Any) -> None:
    """Log every kind of record through a QueueHandler to the parent process."""
    root = logging.getLogger()
    root.handlers[:] = [QueueHandler(records_queue)]
    root.setLevel(logging.DEBUG)
    emit_records()


class TestQueueHandler:
    @pytest.mark.parametrize("exc_format", ["text", "array", "structured"])
    def test_in_process_queue_same_json(self, exc_format: str) -> None:
        """Through QueueHandler and QueueListener the JSON equals direct logging."""
        expected = direct_output(exc_format)
        stream = io.StringIO()
        target = logging.StreamHandler(stream)
        target.setFormatter(formatter(exc_format))
        records: queue.Queue[logging.LogRecord] = queue.Queue()
        listener = logging.handlers.QueueListener(records, target)
        logging.getLogger().addHandler(QueueHandler(records))
        listener.start()
        try:
            emit_records()
        finally:
            listener.stop()
        assert parse(stream.getvalue()) == expected

    def test_multiprocessing_queue_same_json(self) -> None:
        """Records from another process through a multiprocessing queue give the same JSON."""
        expected = direct_output()
        context = multiprocessing.get_context("spawn")
        records = context.Queue()
        stream = io.StringIO()
        target = logging.StreamHandler(stream)
        target.setFormatter(formatter())
        listener = logging.handlers.QueueListener(records, target)
        listener.start()
        child = context.Process(target=child_main, args=(records,))
        try:
            child.start()
            child.join(30)
        finally:
            if child.is_alive():
                child.kill()
                child.join(5)
            listener.stop()
            records.close()
            records.join_thread()
        assert child.exitcode == 0
        assert parse(stream.getvalue()) == expected

    def test_typed_access_fields_survive(self) -> None:
        """The listener emits gunicorn's typed fields, un-escaped, from the prepared record."""
        rows = direct_output()
        gunicorn_row = next(row for row in rows if row["name"] == "gunicorn.access")
        assert gunicorn_row["user_agent.original"] == 'curl/"8" \\"x'
        assert gunicorn_row["http.request.header.x-request-id"] == "q-1"
        assert gunicorn_row["duration_ms"] == 1.5

    def test_prepared_record_pickles_and_keeps_structure(self) -> None:
        """prepare() gives a picklable record with traceback text, extras and access data."""
        records: list[logging.LogRecord] = []
        handler = QueueHandler(_ListQueue(records))
        logging.getLogger().addHandler(handler)
        emit_records()
        restored = [pickle.loads(pickle.dumps(record)) for record in records]
        by_message = {str(record.msg): record for record in restored}
        failed = by_message["failed hard"]
        assert failed.exc_info is None
        assert failed.args is None
        assert failed.exc_text.splitlines()[-1].endswith('Fail: bad "input"')
        assert failed.request_id == "r-1"
        assert by_message["thing"].thing == "unpicklable thing"
        assert by_message["here"].stack_info.startswith("Stack (most recent call last):")
        assert by_message["user ada paid 5%"].user == {"id": 7, "tags": ["a"]}
        dict_record = next(r for r in restored if isinstance(r.msg, dict))
        assert dict_record.msg == {"event": "dict message", "items": [1, 2]}
        gunicorn_record = next(r for r in restored if r.name == "gunicorn.access")
        kind, atoms = gunicorn_record.__dict__[access.PRESERVED_ATTR]
        assert kind == "gunicorn"
        assert atoms["a"] == 'curl/"8" \\"x'
        assert atoms["{wsgi.input}e"].startswith("<_io.BytesIO object")

    def test_caller_record_untouched(self) -> None:
        """prepare() changes a copy; the record other handlers see is intact."""
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "x %s", ("y",), None)
        try:
            raise Fail("boom")
        except Fail:
            import sys  # noqa: PLC0415

            record.exc_info = sys.exc_info()
        record.thing = Unpicklable()
        prepared = QueueHandler(queue.Queue()).prepare(record)
        assert prepared is not record
        assert record.args == ("y",)
        assert record.exc_info is not None
        assert isinstance(record.thing, Unpicklable)
        assert prepared.msg == "x y"

    def test_exc_text_reused(self) -> None:
        """A traceback already rendered by another handler's formatter is reused."""
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "x", (), None)
        record.exc_info = (Fail, Fail("f"), None)
        record.exc_text = "rendered before"
        assert QueueHandler(queue.Queue()).prepare(record).exc_text == "rendered before"

    def test_unformattable_traceback_and_message(self) -> None:
        """A broken exc_info or a %-mismatch still gives a record with text."""
        record = logging.LogRecord("app", logging.ERROR, __file__, 1, "%d", ("x",), None)
        record.exc_info = ("not", "an", "exception")  # type: ignore[assignment]
        prepared = QueueHandler(queue.Queue()).prepare(record)
        assert prepared.exc_text.startswith("<traceback could not be formatted:")
        assert prepared.msg.startswith("%d (message formatting failed:")

    def test_broken_access_args(self) -> None:
        """Access args that cannot be read are left behind without failing."""

        class Broken(dict[str, Any]):
            def items(self) -> Any:
                raise RuntimeError("no")

        record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "x", (), None)
        record.args = Broken(a=1)
        prepared = QueueHandler(queue.Queue()).prepare(record)
        assert access.PRESERVED_ATTR not in prepared.__dict__

    def test_access_loggers_must_be_names(self) -> None:
        """access_loggers given as one string is refused, naming the parameter."""
        with pytest.raises(TypeError, match="access_loggers"):
            QueueHandler(queue.Queue(), access_loggers="gunicorn.access")


class _ListQueue:
    """A queue that keeps what is put in a list."""

    def __init__(self, items: list[logging.LogRecord]) -> None:
        self.items = items

    def put_nowait(self, item: logging.LogRecord) -> None:
        self.items.append(item)
