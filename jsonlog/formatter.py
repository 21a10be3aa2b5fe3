"""``JsonFormatter``: LogRecord -> dict -> encoder -> one line of JSON."""

from __future__ import annotations

import datetime
import importlib
import inspect
import logging
import time
from collections.abc import Callable, Container, Mapping, Sequence

import orjson

from jsonlog import context as context_fields
from jsonlog import encoders, fields, tracebacks
from jsonlog.encoders import Default, Encoder

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import re
    from typing import Any, Literal, TypeAlias

    from jsonlog import access, redaction
    from jsonlog.presets import Preset

__all__ = ["RESERVED_ATTRS", "JsonFormatter", "LogData", "merge_record_extra"]

LogData: TypeAlias = dict[str, "Any"]
"""The dict a record becomes before it is encoded."""

Processor: TypeAlias = Callable[[logging.LogRecord, LogData], LogData]
"""A step that reads the record and returns the (new or updated) log data.

Features configured by keyword (trace ids, presets, redaction in a subclass
that encodes by itself) become processors in ``__init__``; they run after
``add_fields``, the access-log fields and the context fields, and before
``process_log_record``.
"""

RESERVED_ATTRS: list[str] = sorted(
    {*vars(logging.LogRecord("", 0, "", 0, "", (), None)), "message", "asctime"}
)
"""Attributes of a plain ``LogRecord`` (read from a live one, so ``taskName``
is here on 3.12+), plus ``message`` and ``asctime``: never emitted as extras."""

ExcFormat: TypeAlias = 'Literal["text", "array", "structured"]'
EXC_FORMATS: tuple[ExcFormat, ...] = ("text", "array", "structured")
RFC3339 = "rfc3339"
"""``datefmt`` value for an RFC 3339 ``asctime`` with milliseconds and offset."""
_RFC3339_NAMES = frozenset({"rfc3339", "iso8601", "iso"})
_ENCODER_NAMES = ("orjson", "json")
_DEFAULT_CENSOR = "[REDACTED]"
"""The default ``censor``: redaction's ``DEFAULT_CENSOR``, without importing redaction."""
_PRIORITY_KEYS = ("asctime", "timestamp", "created", "levelname", "levelno", "name")
_CALLABLE_OPTIONS = frozenset({"json_default", "json_encoder", "json_serializer", "encoder"})


def merge_record_extra(
    record: logging.LogRecord,
    target: dict[Any, Any],
    reserved: Container[str],
    rename_fields: Mapping[str, str] | None = None,
) -> dict[Any, Any]:
    """Copy the record's extra attributes into ``target`` and return it.

    An extra is any attribute not in ``reserved`` whose name does not start
    with ``_``; ``rename_fields`` maps attribute names to output keys.
    """
    rename = rename_fields or {}
    for key, value in record.__dict__.items():
        if key not in reserved and not (isinstance(key, str) and key.startswith("_")):
            target[rename.get(key, key)] = value
    return target


class JsonFormatter(logging.Formatter):
    """Format each record as one line of JSON; a drop-in for python-json-logger 4.x.

    The positional parameters are ``logging.Formatter``'s, so ``fileConfig``
    and ``dictConfig`` can build it from ``format``, ``datefmt`` and
    ``style``. ``fmt`` selects the fields to emit: a format string in the
    ``%``, ``{`` or ``$`` style (or python-json-logger's ``,``), a list of
    field names, or a JSON object used as a template whose keys are output
    keys and whose values are placeholders, literals or nested templates. A
    template may carry any keyword below under the key ``"$options"``, which
    is how an ini file reaches every option.

    Args:
        fmt: the fields to emit; ``None`` emits the message alone.
        datefmt: ``strftime`` format of ``asctime``, or ``"rfc3339"``.
        style: ``"%"``, ``"{"``, ``"$"`` or ``","``; any other with
            ``validate=False`` for a subclass that overrides ``parse()``.
        validate: check ``fmt`` against ``style``, as ``logging.Formatter``.
        defaults: values for fields the record lacks; emitted first.
        prefix: text put before every JSON document.
        rename_fields: output key for a field, e.g. ``{"levelname": "level"}``.
        rename_fields_keep_missing: emit renamed fields absent from the
            record as ``null``.
        static_fields: fields added to every record.
        reserved_attrs: record attributes never emitted as extras (replaces
            :data:`RESERVED_ATTRS`).
        timestamp: add an RFC 3339 timestamp of the record's creation under
            ``"timestamp"`` (``True``) or the given key.
        exc_info_as_array: emit the traceback as a list of lines.
        stack_info_as_array: emit the stack as a list of lines.
        json_default: hook for values JSON cannot hold; the shared fallback
            chain runs after it.
        json_encoder: a ``json.JSONEncoder`` subclass (selects the ``json``
            encoder unless ``encoder`` says otherwise).
        json_serializer: a ``json.dumps``-compatible callable (selects the
            ``json`` encoder).
        json_indent: indent the output (multi-line; for development).
        json_ensure_ascii: escape non-ASCII characters; defaults to ``False``
            for orjson and ``True`` for ``json``, as python-json-logger.
        encoder: ``"orjson"`` (default: compact UTF-8), ``"json"`` (the
            standard library, python-json-logger's output byte for byte), a
            dotted import path, or any callable taking the dict and returning
            ``str`` or ``bytes``.
        tz: time zone of ``asctime`` and ``timestamp``: ``"UTC"``,
            ``"local"``, an IANA name such as ``"Europe/Paris"`` or a
            ``tzinfo``. ``None`` keeps logging's local ``asctime`` and a UTC
            ``timestamp``.
        exc_format: ``"text"`` (``formatException``'s text), ``"array"`` (its
            lines) or ``"structured"`` (``{"type", "message", "stack_trace"}``).
        access_log: add typed HTTP fields (``http.request.method``,
            ``url.path``, ``http.response.status_code``, ``duration_ms``, ...)
            to gunicorn and uvicorn access records, and drop uvicorn's
            ``color_message`` extra from every record.
        access_loggers: logger names read as access logs (default:
            ``gunicorn.access`` and ``uvicorn.access``).
        access_request_headers: request headers to add as
            ``http.request.header.<name>``, e.g. ``["x-request-id"]``.
        access_response_headers: response headers to add as
            ``http.response.header.<name>`` (gunicorn).
        access_environ: WSGI environ keys to add as ``wsgi.environ.<KEY>``
            (gunicorn), e.g. ``["REMOTE_USER"]``.
        context: add the fields bound with :func:`jsonlog.context.bind` (a
            record's own fields and extras win over them).
        trace_ids: add ``trace_id`` and ``span_id`` of the active
            OpenTelemetry span, when ``opentelemetry-api`` is installed.
        preset: reshape the output for a log platform: ``"ecs"`` (Elastic),
            ``"gcp"`` (Google Cloud Logging), ``"otel"`` (OpenTelemetry),
            ``"datadog"``, or a :class:`jsonlog.presets.Preset`.
        redact: hide secrets: ``True`` for the default key names and value
            patterns, a list of further key names, or a dict of
            :class:`jsonlog.redaction.Redactor` options.
        redact_paths: dotted paths into the output to redact (turns
            redaction on).
        redact_patterns: regular expressions redacted inside string values
            (turns redaction on).
        censor: text that replaces a redacted value; ``None`` removes the key.
        max_message_length: characters kept of the message.
        max_string_length: characters kept of any other string value.
        max_line_bytes: bytes of a whole line (at least 256); beyond it,
            strings are cut, then fields dropped, keeping time, level, logger
            and the start of the message. What was cut is listed under
            ``"truncated"``.
        max_depth: nesting levels kept below the top-level object.
        max_keys: entries kept of any object or list.
    """

    def __init__(
        self,
        fmt: str | Sequence[str] | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        *,
        defaults: Mapping[str, Any] | None = None,
        prefix: str = "",
        rename_fields: Mapping[str, str] | None = None,
        rename_fields_keep_missing: bool = False,
        static_fields: Mapping[str, Any] | None = None,
        reserved_attrs: Sequence[str] | None = None,
        timestamp: bool | str = False,
        exc_info_as_array: bool = False,
        stack_info_as_array: bool = False,
        json_default: Default | None = None,
        json_encoder: Any = None,
        json_serializer: Callable[..., str] | None = None,
        json_indent: int | str | None = None,
        json_ensure_ascii: bool | None = None,
        encoder: str | Encoder | None = None,
        tz: str | datetime.tzinfo | None = None,
        exc_format: ExcFormat | None = None,
        access_log: bool = True,
        access_loggers: Sequence[str] | None = None,
        access_request_headers: Sequence[str] = (),
        access_response_headers: Sequence[str] = (),
        access_environ: Sequence[str] = (),
        context: bool = True,
        trace_ids: bool = True,
        preset: str | Preset | None = None,
        redact: bool | Sequence[str] | Mapping[str, Any] | redaction.Redactor | None = None,
        redact_paths: Sequence[str] | None = None,
        redact_patterns: Sequence[str | re.Pattern[str]] | None = None,
        censor: str | None = _DEFAULT_CENSOR,
        max_message_length: int | None = None,
        max_string_length: int | None = None,
        max_line_bytes: int | None = None,
        max_depth: int | None = None,
        max_keys: int | None = None,
    ) -> None:
        if style not in fields.STYLES and validate:
            raise ValueError(f"style must be one of {', '.join(fields.STYLES)}; got {style!r}")
        plan, template_options = fields.parse_fmt(fmt, style)
        if template_options:
            # Options from the template count as keywords; re-enter with them.
            keywords = _merge_template_options(_keywords(locals()), template_options)
            JsonFormatter.__init__(
                self, fields.without_options(fmt), datefmt, style, validate, **keywords
            )
            return

        self._fmt = fmt if isinstance(fmt, str) or fmt is None else str(fmt)
        self.datefmt = datefmt
        self._set_style(fmt, style, validate, plan)
        if type(self).parse is not JsonFormatter.parse:
            plan = fields.FieldPlan(list(self.parse()), style=style)
        self._plan = plan
        self._required_fields = list(plan.fields)

        self.prefix: str = _check(prefix, str, "prefix")
        self.rename_fields: dict[str, str] = _copy_mapping(rename_fields, "rename_fields")
        self.rename_fields_keep_missing = bool(rename_fields_keep_missing)
        self.static_fields = _copy_mapping(static_fields, "static_fields")
        self.defaults = _copy_mapping(defaults, "defaults")
        if isinstance(reserved_attrs, str):
            raise TypeError("reserved_attrs must be a list of attribute names, not a string")
        self.reserved_attrs = set(RESERVED_ATTRS if reserved_attrs is None else reserved_attrs)
        self._skip_fields = self.reserved_attrs | set(plan.fields)
        self.timestamp: bool | str = _check(timestamp, (bool, str), "timestamp")

        self.exc_format = _exc_format(exc_format, exc_info_as_array)
        self.exc_info_as_array = self.exc_format == "array"
        self.stack_info_as_array = bool(stack_info_as_array)
        self.tzinfo = _resolve_tz(tz)

        self.json_default = json_default
        self.json_encoder = json_encoder
        self.json_serializer = json_serializer
        self.json_indent = json_indent
        self.json_ensure_ascii = json_ensure_ascii
        self.encoder = _make_encoder(
            encoder, json_default, json_encoder, json_serializer, json_indent, json_ensure_ascii
        )
        # The same hook the encoders use, for values sanitize() must rebuild.
        self._hook = encoders.chain(_user_default(json_default, json_encoder))

        self._build = fields.compile_builder(
            plan,
            defaults=self.defaults if plan.template is None else {},
            placeholder_defaults=self.defaults,
            rename=self._get_rename,
            static_fields=self.static_fields,
        )
        self._uses_asctime = "asctime" in plan.fields
        overridden = _overridden(type(self))
        self._needs_message = "message" in plan.fields or bool(overridden)
        self._writes_bytes = not overridden & {"serialize_log_record", "jsonify_log_record"}
        # The fast path inlines add_fields and skips process_log_record, so it
        # is only taken when no hook is overridden; decided once, here.
        self._compatible = bool(overridden)
        # asctime straight from the per-second cache unless formatTime has more to do.
        self._asctime_cached = (
            type(self).formatTime is JsonFormatter.formatTime
            and self.tzinfo is None
            and not (datefmt is not None and datefmt.lower() in _RFC3339_NAMES)
        )
        self._time_cache: list[tuple[Any, ...]] = [(None,)]
        self._tracebacks = tracebacks.TracebackCache(super().formatException)

        self._processors: list[Processor] = []
        self._add_access_fields(
            access_log,
            access_loggers,
            request_headers=access_request_headers,
            response_headers=access_response_headers,
            environ=access_environ,
        )
        self._add_safety_processors(context, trace_ids, preset)
        self._wrap_encoders(
            _redactor(redact, redact_paths, redact_patterns, censor),
            {
                "max_message_length": max_message_length,
                "max_string_length": max_string_length,
                "max_line_bytes": max_line_bytes,
                "max_depth": max_depth,
                "max_keys": max_keys,
            },
        )

    def _add_access_fields(
        self,
        access_log: bool,
        loggers: Sequence[str] | None,
        **options: Sequence[str],
    ) -> None:
        """Read access-log fields from access records, unless ``access_log`` is False."""
        self._access: access.AccessFields | None = None
        if not _check(access_log, bool, "access_log"):
            return
        # The feature modules are imported by the formatters that use them,
        # so that import jsonlog stays cheap.
        from jsonlog import access  # noqa: PLC0415

        self._skip_fields.add("color_message")  # uvicorn's ANSI copy of the message
        self._access = access.AccessFields(
            access.ACCESS_LOGGERS if loggers is None else loggers,
            **options,
            rename=self.rename_fields,
        )

    def _wrap_encoders(
        self, redactor: redaction.Redactor | None, limit_options: Mapping[str, int | None]
    ) -> None:
        """Put redaction and size limits around the encoder and the last-resort encoder."""
        if redactor is not None and not self._writes_bytes:
            # A subclass encodes by itself: redact before it sees the data.
            self._processors.append(redactor.processor(self._hook))
            redactor = None
        self.encoder = self._wrapped(self.encoder, redactor, limit_options)
        # Used when the encoder fails even on sanitized data, and for a record
        # whose formatting failed: still redacted and within the limits.
        self._last_resort = self._wrapped(encoders.OrjsonEncoder(), redactor, limit_options)
        # The fast path calls orjson itself when the (possibly wrapped) encoder allows it.
        self._dumps = encoders.direct(self.encoder)

    def _wrapped(
        self,
        encoder: Encoder,
        redactor: redaction.Redactor | None,
        limit_options: Mapping[str, int | None],
    ) -> Encoder:
        """Return ``encoder`` wrapped in redaction, then size limits, when configured."""
        if redactor is not None:
            encoder = redactor.wrap(encoder, getattr(encoder, "default", self._hook))
        if all(limit is None for limit in limit_options.values()):
            return encoder
        from jsonlog import limits  # noqa: PLC0415 - only formatters with limits need it

        message_key, priority_keys = self._limit_keys()
        return limits.wrap(
            encoder,
            **limit_options,
            message_key=message_key,
            priority_keys=priority_keys,
            prefix=self.prefix,
            hook=self._hook,
            redact=None if redactor is None else redactor.redact_all,
        )

    def _limit_keys(self) -> tuple[str, list[str]]:
        """Return the output keys of the message and of time, level and logger, for limits.

        A preset names them; otherwise they are the record attributes, renamed,
        or, in a JSON template, the top-level keys whose value reads only them
        (``{"time": "%(asctime)s", "msg": "%(message)s"}``).
        """
        if self.preset is not None:
            message_key, priority = self.preset.message_key, list(self.preset.priority_keys)
        else:
            message_key, priority = "message", list(_PRIORITY_KEYS)
        template = self._plan.template
        if template is None or self.preset is not None:
            return self._get_rename(message_key), [self._get_rename(key) for key in priority]
        for key, value in template.items():
            if key == fields.OPTIONS_KEY or not isinstance(value, str):
                continue
            read = fields.parse_fields(value, self._plan.style)
            if read == ["message"]:
                message_key = key
            elif read and set(read) <= set(_PRIORITY_KEYS):
                priority.append(key)
        return message_key, priority

    def _add_safety_processors(
        self, context: bool, trace_ids: bool, preset: str | Preset | None
    ) -> None:
        """Turn context on or off; append the trace-id and preset processors."""
        self.preset: Preset | None = None
        if preset is not None:
            from jsonlog import presets  # noqa: PLC0415 - presets subclasses JsonFormatter

            self.preset = presets.resolve(preset)
            self._needs_message = True
        self._context = _check(context, bool, "context")
        # A preset looks the span up itself: its ids then never mix with a
        # record's own trace_id or span_id field.
        self._trace_lookup = context_fields.trace_lookup(trace_ids=trace_ids)
        if self.preset is not None:
            self._processors.append(self.preset.processor(self))
        elif self._trace_lookup is not None:
            self._processors.append(context_fields.add_trace_ids)

    # -- logging.Formatter ----------------------------------------------------

    def usesTime(self) -> bool:
        """Tell whether the format uses ``asctime``."""
        return self._uses_asctime

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as one JSON document; never raises."""
        try:
            if self._compatible:
                return self.serialize_log_record(self._log_data(record))
            log_data = self._fast_log_data(record)
            try:
                out = self._dumps(log_data)
            except Exception:
                out = self._encode(log_data)
            text = out if isinstance(out, str) else out.decode("utf-8")
            return self.prefix + text if self.prefix else text
        except Exception as error:
            return self._format_failed(record, error)

    def format_bytes(self, record: logging.LogRecord) -> bytes:
        """Return the record as UTF-8 JSON bytes, skipping the ``str`` round trip."""
        try:
            if not self._writes_bytes:
                return self.format(record).encode("utf-8")
            if self._compatible:
                out = self._encode(self._log_data(record))
            else:
                log_data = self._fast_log_data(record)
                try:
                    out = self._dumps(log_data)
                except Exception:
                    out = self._encode(log_data)
            data = out if isinstance(out, bytes) else out.encode("utf-8")
            return self.prefix.encode("utf-8") + data if self.prefix else data
        except Exception as error:
            return self._format_failed(record, error).encode("utf-8")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """Return the record's creation time as text, in ``tz`` when one is set."""
        if datefmt is not None and datefmt.lower() in _RFC3339_NAMES:
            moment = datetime.datetime.fromtimestamp(record.created, self.tzinfo)
            if self.tzinfo is None:
                moment = moment.astimezone()
            return moment.isoformat(timespec="milliseconds")
        if self.tzinfo is None:
            return self._local_time(record, datefmt)
        moment = datetime.datetime.fromtimestamp(record.created, self.tzinfo)
        if datefmt:
            return moment.strftime(datefmt)
        text = moment.strftime(self.default_time_format)
        return self.default_msec_format % (text, record.msecs) if self.default_msec_format else text

    def formatException(self, ei: Any) -> str | list[str]:  # type: ignore[override]
        """Return logging's traceback text, as a list of lines if ``exc_info_as_array``.

        The text of a traceback seen before (same exception types, messages,
        notes and code locations) comes from a cache: see :mod:`jsonlog.tracebacks`.
        """
        text = self._tracebacks.text(ei)
        return text.splitlines() if self.exc_info_as_array else text

    def formatStack(self, stack_info: str) -> str | list[str]:  # type: ignore[override]
        """Return logging's stack text, as a list of lines if ``stack_info_as_array``."""
        text = super().formatStack(stack_info)
        return text.splitlines() if self.stack_info_as_array else text

    # -- python-json-logger's override points ---------------------------------

    def parse(self) -> list[str]:
        """Return the fields the format selects; override to support a custom style."""
        return list(self._plan.fields)

    def add_fields(
        self, log_data: LogData, record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        """Fill ``log_data`` from the record: format fields, static fields, message dict, extras.

        Keys come in python-json-logger's order: defaults, the format's fields
        (or the template), static fields, the dict message with the
        formatted ``exc_info`` and ``stack_info``, extras, ``timestamp``.
        """
        rename = self.rename_fields
        log_data.update(self._build(record.__dict__, message_dict))
        placed = self._plan.placed
        for key, value in message_dict.items():
            if key not in placed:
                log_data[rename.get(key, key)] = value
        self._merge_extras(record, log_data)
        self._add_late_fields(record, log_data)

    def process_log_record(self, log_data: LogData) -> LogData:
        """Return the data to encode; override to change it last."""
        return log_data

    def jsonify_log_record(self, log_data: LogData) -> str:
        """Return ``log_data`` as JSON text, degrading values that cannot be encoded."""
        out = self._encode(log_data)
        return out if isinstance(out, str) else out.decode("utf-8")

    def serialize_log_record(self, log_data: LogData) -> str:
        """Return the final text: ``prefix`` then the JSON."""
        return self.prefix + self.jsonify_log_record(log_data)

    # -- internals ------------------------------------------------------------

    def _get_rename(self, key: str) -> str:
        return self.rename_fields.get(key, key)

    def _set_style(
        self, fmt: str | Sequence[str] | None, style: str, validate: bool, plan: fields.FieldPlan
    ) -> None:
        self._style: Any
        if fmt is not None and not isinstance(fmt, str):
            self._style = "__sequence__"
        elif style in logging._STYLES:
            style_class: Any = logging._STYLES[style][0]
            self._style = style_class(fmt)
            if validate and plan.template is None:
                self._style.validate()
        else:
            self._style = style

    def _log_data(self, record: logging.LogRecord) -> LogData:
        msg = record.msg
        if isinstance(msg, dict):
            message_dict = dict(msg)
            record.message = ""
        else:
            message_dict = {}
            if self._needs_message:
                record.message = _message(record)
        if self._uses_asctime:
            record.asctime = self._asctime(record)
        if (record.exc_info or record.exc_text) and not message_dict.get("exc_info"):
            message_dict["exc_info"] = self._exception(record)
        if record.stack_info and not message_dict.get("stack_info"):
            message_dict["stack_info"] = self.formatStack(record.stack_info)
        log_data: LogData = {}
        self.add_fields(log_data, record, message_dict)
        if self._access is not None and record.name in self._access.loggers:
            log_data = self._access(record, log_data)
        if self._context:
            log_data = context_fields.add_context(record, log_data)
        for process in self._processors:
            log_data = process(record, log_data)
        return self.process_log_record(log_data)

    def _fast_log_data(self, record: logging.LogRecord) -> LogData:
        """Return what ``_log_data`` returns, for a formatter whose hooks are all its own.

        A record with a dict message, ``exc_info`` or ``stack_info`` takes
        ``_log_data``; any other does the same steps inlined: no message dict,
        no ``update`` copy, no ``process_log_record`` call (it returns its
        input). ``record.message`` and ``record.asctime`` are still set, as
        ``logging.Formatter.format`` sets them, since handlers, filters and
        other formatters may read them.
        """
        if record.exc_info or record.exc_text or record.stack_info or isinstance(record.msg, dict):
            return self._log_data(record)
        if self._needs_message:
            try:
                record.message = record.getMessage()
            except Exception:
                record.message = _message(record)
        if self._uses_asctime:
            try:
                if self._asctime_cached:
                    record.asctime = self._local_time(record, self.datefmt)
                else:
                    record.asctime = self.formatTime(record, self.datefmt)
            except Exception:
                record.asctime = self._asctime(record)
        attributes = record.__dict__
        log_data = self._build(attributes, _NO_MESSAGE_DICT)
        rename = self.rename_fields
        if rename:
            self._merge_extras(record, log_data)
        else:
            # One pass over the attributes is cheaper than a set difference
            # first, with extras or without (benchmarks/bench_formatter.py).
            skip = self._skip_fields
            try:
                for key, value in attributes.items():
                    if key not in skip and key[:1] != "_":
                        log_data[key] = value
            except TypeError:  # a key that is not a string, set through __dict__
                self._merge_extras(record, log_data)
        if self.timestamp or self.rename_fields_keep_missing:
            self._add_late_fields(record, log_data)
        # Access fields and context fields, as _log_data adds them, with the
        # checks inline: they cost every record one set and one context lookup.
        access_fields = self._access
        if access_fields is not None and record.name in access_fields.loggers:
            log_data = access_fields(record, log_data)
        if self._context:
            bound = attributes.get(context_fields.RECORD_ATTRIBUTE) or context_fields.get_context()
            if bound:
                for key, value in bound.items():
                    if key not in log_data:
                        log_data[key] = value
        for process in self._processors:
            log_data = process(record, log_data)
        return log_data

    def _local_time(self, record: logging.LogRecord, datefmt: str | None) -> str:
        """Return ``logging.Formatter.formatTime``'s text, rendering ``strftime`` once a second.

        The cache holds one immutable tuple, replaced whole (atomic under the
        GIL, so threads share it safely). Its key is everything the
        ``strftime`` text depends on: the whole second (``localtime`` and
        ``gmtime`` floor the timestamp), the converter, the format, and
        ``time.tzname``, which ``time.tzset()`` replaces when the zone
        changes. Daylight-saving changes happen on whole seconds, so they
        need no key. A converter other than ``time.localtime`` or
        ``time.gmtime`` might read fractions of a second: it is not cached.
        """
        created = record.created
        converter = self.converter
        default_format = self.default_time_format
        cached = self._time_cache[0]
        second = created // 1
        # Identity, not equality: an equal but distinct format or converter
        # only costs a miss, and identity is the cheaper test.
        if (
            cached[0] == second
            and cached[1] is converter
            and cached[2] is datefmt
            and cached[3] is time.tzname
            and cached[4] is default_format
        ):
            text: str = cached[5]
        else:
            text = time.strftime(datefmt or default_format, converter(created))
            if converter is time.localtime or converter is time.gmtime:
                self._time_cache[0] = (
                    second,
                    converter,
                    datefmt,
                    time.tzname,
                    default_format,
                    text,
                )
        if datefmt:
            return text
        msec_format = self.default_msec_format
        if msec_format == "%s,%03d":
            msecs = record.msecs
            if msecs.__class__ is float and 0.0 <= msecs < 1000.0:
                return text + _MSEC_SUFFIXES[int(msecs)]  # what "%03d" makes of it
        return msec_format % (text, record.msecs) if msec_format else text

    def _asctime(self, record: logging.LogRecord) -> str:
        """Return ``formatTime``'s text, or the raw ``created`` when it cannot be read."""
        try:
            return self.formatTime(record, self.datefmt)
        except Exception:
            return encoders.safe_str(getattr(record, "created", None))

    def _exception(self, record: logging.LogRecord) -> Any:
        if record.exc_info:
            try:
                text = self.formatException(record.exc_info)
                exc_type, exc_value = record.exc_info[0], record.exc_info[1]
            except Exception as error:
                # Not a (type, value, traceback) triple: say so in the field alone.
                text = (
                    f"exc_info {encoders.safe_str(record.exc_info)} could not be formatted: "
                    f"{encoders.default(error)}"
                )
                exc_type = exc_value = None
        else:
            text = record.exc_text or ""
            if self.exc_format == "array":
                text = text.splitlines()
            exc_type, exc_value = None, None
        if self.exc_format != "structured":
            return text
        return _structured_exception(text, exc_type, exc_value)

    def _merge_extras(self, record: logging.LogRecord, log_data: LogData) -> None:
        attributes = record.__dict__
        extras = attributes.keys() - self._skip_fields
        if extras:
            _add_extras(attributes, extras, log_data, self.rename_fields)

    def _add_late_fields(self, record: logging.LogRecord, log_data: LogData) -> None:
        """Add ``timestamp`` and the renamed fields kept as ``null``, after the extras."""
        rename = self.rename_fields
        if self.timestamp:
            key = self.timestamp if isinstance(self.timestamp, str) else "timestamp"
            log_data[rename.get(key, key)] = datetime.datetime.fromtimestamp(
                record.created, self.tzinfo or datetime.UTC
            )
        if self.rename_fields_keep_missing:
            for key in rename.values():
                log_data.setdefault(key, None)

    def _encode(self, log_data: LogData) -> bytes | str:
        try:
            return self.encoder(log_data)
        except Exception:
            safe = encoders.sanitize(log_data, self._hook)
        try:
            return self.encoder(safe)
        except Exception:
            return self._last_resort(safe)

    def _format_failed(self, record: logging.LogRecord, error: Exception) -> str:
        """Return what can be saved of a record whose formatting raised."""
        data = {
            "message": _message(record),
            "levelname": getattr(record, "levelname", None),
            "name": getattr(record, "name", None),
            "created": getattr(record, "created", None),
            "format_error": encoders.default(error),
        }
        # Through the same redaction and limits as any record (a subclass
        # that failed in __init__ has neither: plain orjson then).
        encode = getattr(self, "_last_resort", None) or orjson.dumps
        try:
            out = encode(encoders.sanitize(data))
        except Exception:
            out = b'{"format_error": "unencodable record"}'
        text = out if isinstance(out, str) else out.decode("utf-8")
        return encoders.safe_str(getattr(self, "prefix", "")) + text


# -- helpers -------------------------------------------------------------------

_MSEC_SUFFIXES = tuple(f",{msecs:03d}" for msecs in range(1000))
"""``"%s,%03d" % (text, msecs)`` is ``text + _MSEC_SUFFIXES[int(msecs)]`` for 0 <= msecs < 1000."""

_NO_MESSAGE_DICT: dict[str, Any] = {}
"""The message dict of a record with no dict message, exc_info or stack_info; read only."""


def _add_extras(
    attributes: dict[str, Any], extras: set[str], log_data: LogData, rename: Mapping[str, str]
) -> None:
    """Copy the ``extras`` of a record's ``__dict__`` into ``log_data``, in attribute order.

    ``makeRecord`` adds extras after the standard attributes, so they are
    found scanning from the end; the scan stops once all are found.
    """
    remaining = len(extras)
    found = []
    for key in reversed(attributes):
        if key in extras:
            found.append(key)
            remaining -= 1
            if not remaining:
                break
    found.reverse()
    try:
        if rename:
            for key in found:
                if key[:1] != "_":
                    log_data[rename.get(key, key)] = attributes[key]
        else:
            for key in found:
                if key[:1] != "_":
                    log_data[key] = attributes[key]
    except TypeError:
        # A key that is not a string (set through record.__dict__): start
        # again, testing each key; keys already written keep their place.
        for key in found:
            if not (isinstance(key, str) and key[:1] == "_"):
                log_data[rename.get(key, key)] = attributes[key]


def _redactor(
    redact: Any, redact_paths: Any, redact_patterns: Any, censor: str | None
) -> redaction.Redactor | None:
    """Return the redactor the keywords ask for, importing redaction only when asked."""
    if redact in (None, False) and not redact_paths and not redact_patterns:
        if censor != _DEFAULT_CENSOR:  # not the default: the user meant something
            raise ValueError(f"censor={censor!r} has no effect without redaction: add redact=True")
        return None
    from jsonlog import redaction  # noqa: PLC0415 - only formatters that redact need it

    return redaction.from_options(redact, redact_paths, redact_patterns, censor)


def _message(record: logging.LogRecord) -> str:
    """Return the record's message; a ``%`` mismatch keeps the text and the args."""
    try:
        return record.getMessage()
    except Exception as error:
        msg = encoders.safe_str(getattr(record, "msg", None))
        args = encoders.safe_str(getattr(record, "args", None))
        return f"{msg} (message formatting failed: {encoders.default(error)}; args: {args})"


def _structured_exception(text: Any, exc_type: Any, exc_value: Any) -> dict[str, Any]:
    stack_trace = "\n".join(text) if isinstance(text, list) else text
    if exc_type is None and stack_trace:
        # Only the text survived (a record from a queue): read its last line.
        name, _, message = stack_trace.rstrip().rpartition("\n")[2].partition(": ")
        return {"type": name or None, "message": message, "stack_trace": stack_trace}
    return {
        "type": _type_name(exc_type) if exc_type is not None else None,
        "message": encoders.safe_str(exc_value) if exc_value is not None else "",
        "stack_trace": stack_trace,
    }


def _type_name(cls: type) -> str:
    module = getattr(cls, "__module__", "builtins")
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _exc_format(exc_format: str | None, exc_info_as_array: bool) -> ExcFormat:
    if exc_format is None:
        return "array" if exc_info_as_array else "text"
    if exc_format not in EXC_FORMATS:
        raise ValueError(f"exc_format must be one of {', '.join(EXC_FORMATS)}; got {exc_format!r}")
    if exc_info_as_array and exc_format != "array":
        raise ValueError(f"exc_info_as_array=True contradicts exc_format={exc_format!r}")
    return exc_format


def _check(value: Any, kind: type | tuple[type, ...], name: str) -> Any:
    if not isinstance(value, kind):
        expected = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise TypeError(f"{name} must be {expected}, not {type(value).__name__}")
    return value


def _copy_mapping(value: Mapping[str, Any] | None, name: str) -> dict[str, Any]:
    """Copy a mapping key by key, so dictConfig resolves ``ext://`` values inside it."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a mapping, not {type(value).__name__}")
    return {key: value[key] for key in value}


def _resolve_tz(tz: str | datetime.tzinfo | None) -> datetime.tzinfo | None:
    if tz is None or isinstance(tz, datetime.tzinfo):
        return tz
    if not isinstance(tz, str):
        raise TypeError(f"tz must be a time-zone name or a tzinfo, not {type(tz).__name__}")
    if tz.strip().upper() in ("UTC", "Z"):
        return datetime.UTC
    from dateutil import tz as dateutil_tz  # noqa: PLC0415 - only when a zone is named

    if tz.strip().lower() == "local":
        return dateutil_tz.tzlocal()
    zone = dateutil_tz.gettz(tz.strip())
    if zone is None:
        raise ValueError(f"tz must be 'UTC', 'local' or an IANA time-zone name; got {tz!r}")
    return zone


def _import(path: str, name: str) -> Any:
    module_name, _, attribute = path.replace(":", ".").rpartition(".")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as error:
        raise ValueError(f"{name}: cannot import {path!r}: {error}") from None


def _user_default(json_default: Default | None, json_encoder: Any) -> Default | None:
    """Return the user's hook: ``json_default``, else the ``json_encoder`` class's ``default``."""
    if json_default is None and json_encoder is not None:
        return json_encoder().default  # type: ignore[no-any-return]
    return json_default


def _make_encoder(  # noqa: PLR0917 - one argument per keyword it resolves
    encoder: str | Encoder | None,
    json_default: Default | None,
    json_encoder: Any,
    json_serializer: Callable[..., str] | None,
    json_indent: int | str | None,
    json_ensure_ascii: bool | None,
) -> Encoder:
    if json_default is not None and not callable(json_default):
        raise TypeError("json_default must be callable")
    if json_serializer is not None and not callable(json_serializer):
        raise TypeError("json_serializer must be callable")
    if encoder is None:
        encoder = "json" if json_serializer is not None or json_encoder is not None else "orjson"
    if callable(encoder):
        return encoder
    if encoder == "json":
        return encoders.JsonEncoder(
            default=json_default,
            cls=json_encoder,
            serializer=json_serializer,
            indent=json_indent,
            ensure_ascii=True if json_ensure_ascii is None else json_ensure_ascii,
        )
    if encoder == "orjson":
        if json_serializer is not None:
            raise ValueError("json_serializer needs encoder='json'")
        return encoders.OrjsonEncoder(
            default=_user_default(json_default, json_encoder),
            indent=json_indent,
            ensure_ascii=bool(json_ensure_ascii),
        )
    raise ValueError(
        f"encoder must be 'orjson', 'json' or a callable taking the dict; got {encoder!r}"
    )


def _overridden(cls: type) -> set[str]:
    """Return the python-json-logger hooks a subclass overrides."""
    hooks = ("add_fields", "process_log_record", "jsonify_log_record", "serialize_log_record")
    return {name for name in hooks if getattr(cls, name) is not getattr(JsonFormatter, name)}


def _keywords(names: Mapping[str, Any]) -> dict[str, Any]:
    return {name: names[name] for name in _KEYWORD_DEFAULTS}


def _merge_template_options(
    keywords: dict[str, Any], template_options: Mapping[str, Any]
) -> dict[str, Any]:
    merged = dict(keywords)
    for name, value in template_options.items():
        if name not in _KEYWORD_DEFAULTS:
            raise ValueError(
                f"unknown option {name!r} in {fields.OPTIONS_KEY}; "
                f"accepted: {', '.join(_KEYWORD_DEFAULTS)}"
            )
        if keywords[name] != _KEYWORD_DEFAULTS[name]:
            raise ValueError(f"option {name!r} given both as a keyword and in {fields.OPTIONS_KEY}")
        if name in _CALLABLE_OPTIONS and isinstance(value, str) and value not in _ENCODER_NAMES:
            merged[name] = _import(value, name)
        else:
            merged[name] = value
    return merged


_KEYWORD_DEFAULTS: dict[str, Any] = {
    name: parameter.default
    for name, parameter in inspect.signature(JsonFormatter.__init__).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY
}
