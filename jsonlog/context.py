"""Fields bound to the current request or task, and trace ids of the active span.

Context fields live in a :class:`contextvars.ContextVar` holding an immutable
mapping: :func:`bind` replaces it with a new one, so a copied context (a new
asyncio task, ``contextvars.copy_context().run`` in a thread) sees the fields
bound before the copy and nothing bound after it, and two concurrent requests
never see each other's fields.

A record's own fields win over context fields of the same name: an ``extra``
or a dict-message key with the same name as a bound field replaces it in that
record.

Trace correlation reads the active OpenTelemetry span, when the
``opentelemetry-api`` package is installed; it is imported on first use, once,
and a formatter built where it is not installed adds no trace step at all.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterator, Mapping
from types import MappingProxyType

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jsonlog.formatter import LogData

__all__ = [
    "ContextFilter",
    "bind",
    "bound",
    "clear",
    "current_trace",
    "get_context",
    "reset",
    "unbind",
]


_EMPTY: Mapping[str, Any] = MappingProxyType({})
_FIELDS: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "jsonlog_context", default=_EMPTY
)
RECORD_ATTRIBUTE = "_jsonlog_context"
"""Record attribute where :class:`ContextFilter` stores the fields it captured."""


def bind(**fields: Any) -> contextvars.Token[Mapping[str, Any]]:
    """Add ``fields`` to the current context; return a token for :func:`reset`."""
    return _FIELDS.set(MappingProxyType({**_FIELDS.get(), **fields}))


def unbind(*names: str) -> None:
    """Remove the named fields from the current context; absent names are ignored."""
    current = _FIELDS.get()
    if any(name in current for name in names):
        _FIELDS.set(
            MappingProxyType({key: value for key, value in current.items() if key not in names})
        )


def reset(token: contextvars.Token[Mapping[str, Any]]) -> None:
    """Restore the fields as they were before the :func:`bind` that returned ``token``."""
    _FIELDS.reset(token)


def clear() -> None:
    """Remove every field from the current context."""
    _FIELDS.set(_EMPTY)


get_context = _FIELDS.get
"""Return the fields bound in the current context (a read-only mapping).

The context variable's own ``get``: formatters call it for every record.
"""


@contextlib.contextmanager
def bound(**fields: Any) -> Iterator[Mapping[str, Any]]:
    """Bind ``fields`` for the duration of a ``with`` block, then restore the previous ones."""
    token = bind(**fields)
    try:
        yield _FIELDS.get()
    finally:
        _FIELDS.reset(token)


class ContextFilter(logging.Filter):
    """Capture the context fields on the record when it is created.

    Formatting reads the context of the thread that formats; a record that
    crosses a ``QueueHandler`` is formatted in the listener's thread, so
    attach this filter to the queue handler to keep the producer's fields.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Store the current fields on the record; never rejects it."""
        fields = _FIELDS.get()
        if fields:
            setattr(record, RECORD_ATTRIBUTE, fields)
        return True


def add_context(record: logging.LogRecord, log_data: LogData) -> LogData:
    """Add the context fields the record does not already carry; return ``log_data``.

    The fields a :class:`ContextFilter` captured on the record win over the
    current context (the record may be formatted in another thread).
    """
    fields = record.__dict__.get(RECORD_ATTRIBUTE) or _FIELDS.get()
    if fields:
        for key, value in fields.items():
            if key not in log_data:
                log_data[key] = value
    return log_data


# -- trace correlation --------------------------------------------------------

_UNRESOLVED: Any = object()
_trace_module: Any = _UNRESOLVED  # the opentelemetry.trace module, or None if absent


def _load_trace() -> Any:
    global _trace_module  # noqa: PLW0603 - a once-only import cache
    try:
        _trace_module = importlib.import_module("opentelemetry.trace")
    except ImportError:
        _trace_module = None
    return _trace_module


def current_trace() -> tuple[str, str, int] | None:
    """Return ``(trace_id, span_id, trace_flags)`` of the active span, or None.

    Ids are lowercase hex (32 and 16 digits), as OpenTelemetry writes them.
    None when ``opentelemetry-api`` is not installed or no valid span is active.
    """
    trace = _trace_module
    if trace is _UNRESOLVED:
        trace = _load_trace()
    if trace is None:
        return None
    try:
        span_context = trace.get_current_span().get_span_context()
        if not span_context.is_valid:
            return None
        return (
            format(span_context.trace_id, "032x"),
            format(span_context.span_id, "016x"),
            int(span_context.trace_flags),
        )
    except Exception:
        return None


def add_trace_ids(record: logging.LogRecord, log_data: LogData) -> LogData:
    """Processor: add ``trace_id`` and ``span_id`` of the active span, if any."""
    ids = current_trace()
    if ids is not None:
        log_data.setdefault("trace_id", ids[0])
        log_data.setdefault("span_id", ids[1])
    return log_data


def trace_lookup(*, trace_ids: bool) -> Callable[[], tuple[str, str, int] | None] | None:
    """Return :func:`current_trace` if ``trace_ids`` asks for it and can be had, else None.

    None without opentelemetry-api: a formatter then has no trace step to run
    per record at all.
    """
    if not isinstance(trace_ids, bool):
        raise TypeError(f"trace_ids must be True or False, not {type(trace_ids).__name__}")
    return current_trace if trace_ids and _otel_installed() else None


def _otel_installed() -> bool:
    """Tell, without importing it, whether opentelemetry-api can be imported.

    Without it no trace processor is added at all: not one call per record.
    """
    try:
        return importlib.util.find_spec("opentelemetry.trace") is not None
    except (ImportError, ValueError):
        return False
