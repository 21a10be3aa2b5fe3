"""A queue handler whose records keep their structure on the way to the listener.

The standard ``logging.handlers.QueueHandler.prepare`` formats the record
with the *queue handler's* formatter, replaces ``msg`` with that text and
clears ``args``, ``exc_info``, ``exc_text`` and ``stack_info``: the JSON
formatter on the listener side then sees neither the traceback, nor the
stack, nor gunicorn's access-log atoms. :class:`QueueHandler` prepares a
copy that keeps all of it and still pickles, so it crosses a
``multiprocessing`` queue as well as a ``queue.Queue``.
"""

from __future__ import annotations

import copy
import logging
import logging.handlers
import pickle
from collections.abc import Iterable
from typing import Any

from jsonlog import access, encoders
from jsonlog.formatter import RESERVED_ATTRS, _message

__all__ = ["QueueHandler"]

_NATIVE = (str, int, float, bool, type(None))
_RESERVED = frozenset(RESERVED_ATTRS)
_TRACEBACK = logging.Formatter()


class QueueHandler(logging.handlers.QueueHandler):
    """Send records to a queue with message, traceback, extras and access data intact.

    ``prepare()`` returns a copy of the record in which ``msg`` is the
    merged message and ``args`` is ``None`` (a dict message stays a dict);
    the traceback is rendered into ``exc_text`` and ``exc_info`` is ``None``;
    ``stack_info`` is kept (it is text already); every extra is kept, and
    one that does not pickle is replaced by its JSON-safe form
    (:func:`jsonlog.encoders.sanitize`); the access-log data of records on
    ``access_loggers`` is kept, un-escaped and picklable, under
    :data:`jsonlog.access.PRESERVED_ATTR`, where the listener's
    :class:`~jsonlog.JsonFormatter` reads it. The caller's record is not
    changed. A formatter set on this handler is not used: formatting
    happens once, on the listener side.

    Args:
        queue: any object with ``put_nowait`` (``queue.Queue``,
            ``multiprocessing.Queue``, ...).
        access_loggers: logger names whose ``args`` hold access-log data,
            as the formatter's ``access_loggers``.
    """

    def __init__(
        self, queue: Any, *, access_loggers: Iterable[str] = access.ACCESS_LOGGERS
    ) -> None:
        super().__init__(queue)
        if isinstance(access_loggers, str) or not isinstance(access_loggers, Iterable):
            raise TypeError("access_loggers must be a list of logger names")
        self.access_loggers = frozenset(access_loggers)

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        """Return a picklable copy of ``record`` that keeps its structure."""
        prepared = copy.copy(record)
        attributes = prepared.__dict__
        if record.name in self.access_loggers:
            try:
                kept = access.portable(record)
            except Exception:
                kept = None
            if kept is not None:
                attributes[access.PRESERVED_ATTR] = kept
        if isinstance(record.msg, dict):
            prepared.msg = _picklable(dict(record.msg))
            prepared.message = ""
        else:
            prepared.message = prepared.msg = _message(record)
        prepared.args = None
        if record.exc_info:
            prepared.exc_text = record.exc_text or _traceback_text(record.exc_info)
        prepared.exc_info = None
        for key, value in attributes.items():
            if key not in _RESERVED and not isinstance(value, _NATIVE):
                attributes[key] = _picklable(value)
        return prepared


def _traceback_text(exc_info: Any) -> str:
    try:
        return _TRACEBACK.formatException(exc_info)
    except Exception as error:
        return f"<traceback could not be formatted: {encoders.default(error)}>"


def _picklable(value: Any) -> Any:
    """Return ``value`` if it pickles, else a JSON-safe copy (the fallback chain's form)."""
    try:
        pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    except Exception:
        return encoders.sanitize(value)
    return value
