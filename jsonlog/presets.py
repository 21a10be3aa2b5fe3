"""Presets: the field names Elasticsearch, Cloud Logging, OpenTelemetry and Datadog expect.

A preset reshapes the log data after the formatter has built it: the record's
standard data (time, level, logger, message, source location, process and
thread, exception, trace ids) goes under the schema's names, and every other
field (extras, static fields, dict-message keys, context fields, template keys)
is carried over, the access-log fields mapped to the schema's HTTP fields.

Select one with ``JsonFormatter(preset="ecs")`` (or ``"gcp"``, ``"otel"``,
``"datadog"``), or in an ini file with ``class=jsonlog.presets.EcsFormatter``
(``GcpFormatter``, ``OtelFormatter``, ``DatadogFormatter``).

Composition with the other keywords:

- ``rename_fields`` renames extras as usual, and also the preset's top-level
  keys (``{"severity": "level"}`` with ``"gcp"``).
- ``static_fields`` and template keys are carried over; one equal to a key
  of the preset's replaces it (nested objects are merged), as configured.
- Extras, context fields and dict-message keys are carried over too, but
  never replace what the preset wrote for the record (its level, time,
  logger, exception, trace ids...): a field that would goes under
  ``extra`` instead (``{"status": "shipped"}`` becomes
  ``{"extra": {"status": "shipped"}}`` with ``"datadog"``). Objects are
  merged where nothing is replaced (``dd.trace_id`` from ddtrace joins the
  preset's ``dd``).
- The record fields a format string names (``%(levelname)s`` ...) are
  replaced by the preset's; a template's keys are kept as they are.
"""

from __future__ import annotations

import datetime
import logging
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from jsonlog import encoders
from jsonlog.formatter import JsonFormatter, _message, _structured_exception

if TYPE_CHECKING:
    from jsonlog.formatter import LogData

__all__ = [
    "PRESETS",
    "DatadogFormatter",
    "DatadogPreset",
    "EcsFormatter",
    "EcsPreset",
    "GcpFormatter",
    "GcpPreset",
    "OtelFormatter",
    "OtelPreset",
    "Preset",
    "resolve",
]

ECS_VERSION = "1.6.0"
"""The ECS version written to ``ecs.version`` (the one ecs-logging-python writes)."""

# Record attributes that every preset turns into its own fields: a format
# string naming them does not add them a second time.
_COVERED = frozenset(
    {
        "asctime",
        "created",
        "exc_info",
        "exc_text",
        "filename",
        "funcName",
        "levelname",
        "levelno",
        "lineno",
        "message",
        "module",
        "msecs",
        "pathname",
        "process",
        "processName",
        "stack_info",
        "thread",
        "threadName",
    }
)
_LOW_64_BITS = 0xFFFFFFFFFFFFFFFF
EXTRA_KEY = "extra"
"""Where a record's field goes when it would replace one the preset wrote."""
_KNOWN_SIZE = 4096

Exception3 = tuple[str | None, str, str]
"""(type, message, stack trace text) of a record's exception."""


def _utc_millis(created: float) -> str:
    # Milliseconds, "Z": the form ecs-logging's validator parses.
    seconds = int(created)
    millis = int((created - seconds) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _utc_micros(created: float) -> str:
    moment = datetime.datetime.fromtimestamp(created, datetime.UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _level_band(levelno: int) -> int:
    """Return 0 (NOTSET), 1 (below DEBUG) .. 6 (CRITICAL and above) for a level number."""
    if levelno <= 0:
        return 0
    if levelno < logging.DEBUG:
        return 1
    return min(levelno // 10, 5) + 1


def _nest(target: dict[str, Any], key: str, value: Any) -> None:
    """Put ``value`` at the dotted ``key`` inside ``target``, merging objects.

    Dicts met on the way are copied before they are changed, so a caller's
    nested dict is never modified. A path blocked by a non-object value keeps
    the field under its dotted key at the top.
    """
    if key in target or "." not in key:
        _merge_into(target, key, value)
        return
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if child is None:
            child = {}
        elif isinstance(child, dict):
            child = dict(child)
        else:
            target.setdefault(key, value)
            return
        node[part] = child
        node = child
    _merge_into(node, parts[-1], value)


def _merge_into(node: dict[str, Any], key: str, value: Any) -> None:
    existing = node.get(key)
    if isinstance(existing, dict) and isinstance(value, Mapping):
        merged = dict(existing)
        for inner_key, inner_value in value.items():
            _nest(merged, str(inner_key), inner_value)
        node[key] = merged
    else:
        node[key] = value


def _replaces(target: dict[str, Any], key: str, value: Any) -> bool:
    """Tell whether ``_nest(target, key, value)`` would replace a value already there."""
    if key in target or "." not in key:
        return _merge_replaces(target, key, value)
    parts = key.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            return False  # created on the way, or the field kept under its dotted key
        node = child
    return _merge_replaces(node, parts[-1], value)


def _merge_replaces(node: dict[str, Any], key: str, value: Any) -> bool:
    """Tell whether ``_merge_into(node, key, value)`` would replace a value already there."""
    if key not in node:
        return False
    existing = node[key]
    if isinstance(existing, dict) and isinstance(value, Mapping):
        return any(_replaces(existing, str(inner), item) for inner, item in value.items())
    return True


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def _duration_ns(milliseconds: Any) -> Any:
    try:
        return round(float(milliseconds) * 1_000_000)
    except (TypeError, ValueError, OverflowError):
        return milliseconds


class Preset:
    """A schema: the standard fields of a record and where the other fields go.

    Subclasses set the class attributes and implement :meth:`standard` and
    :meth:`place`.
    """

    name: ClassVar[str] = ""
    message_key: ClassVar[str] = "message"
    """Key of the message, kept first when a size limit bites."""
    priority_keys: ClassVar[tuple[str, ...]] = ()
    """Keys that survive a size limit whatever happens (time, level, logger)."""
    own_keys: ClassVar[frozenset[str]] = frozenset()
    """Keys :meth:`standard` may write: only fields named like one of them (or
    dotted below one) are checked with :meth:`replaces` before being placed."""

    def standard(
        self,
        record: logging.LogRecord,
        message: Any,
        exception: Exception3 | None,
        trace: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """Return the record's standard fields under the schema's names, in its order."""
        raise NotImplementedError

    def place(self, out: dict[str, Any], key: str, value: Any) -> None:
        """Put one other field (an extra, a static field...) into ``out``."""
        raise NotImplementedError

    def replaces(self, out: dict[str, Any], key: str, value: Any) -> bool:
        """Tell whether :meth:`place` would replace a value in ``out`` (dotted keys nest)."""
        return _replaces(out, key, value)

    def processor(self, formatter: JsonFormatter) -> PresetProcessor:
        """Return the processor applying this preset for ``formatter``."""
        return PresetProcessor(self, formatter)


class PresetProcessor:
    """Reshape one record's log data with a preset; built once per formatter."""

    def __init__(self, preset: Preset, formatter: JsonFormatter) -> None:
        self.preset = preset
        rename = formatter.rename_fields
        plan = formatter._plan
        covered = {name for name in plan.fields if name in _COVERED}
        configured = set(formatter.static_fields)
        if plan.template is not None:
            covered = set()
            configured.update(plan.template)
        self._drop = frozenset(
            {rename.get(name, name) for name in covered}
            | {rename.get(name, name) for name in ("exc_info", "stack_info")}
        )
        # The active span, looked up here rather than read from the log data,
        # where a record's own trace_id field may stand (kept as any field is).
        self._trace = formatter._trace_lookup
        self._message_key = rename.get("message", "message")
        self._exc_key = rename.get("exc_info", "exc_info")
        self._stack_key = rename.get("stack_info", "stack_info")
        self._renames = dict(rename)
        # A record's own field named like (or dotted below) one of these may
        # replace what the preset wrote: checked each time. Configured fields
        # and the message key replace as they always have.
        own = {rename.get(key, key) for key in preset.own_keys} - configured
        own.discard(self._message_key)
        self._risky = frozenset(key.partition(".")[0] for key in own)
        self._known: set[Any] = set()
        """Keys placed as they are, no check needed; cleared when it reaches _KNOWN_SIZE."""
        self._configured = frozenset(configured)

    def __call__(self, record: logging.LogRecord, log_data: LogData) -> LogData:
        """Return the preset's shape of ``log_data`` (a new dict)."""
        message = log_data.get(self._message_key) if self._message_key in self._drop else None
        if message is None:
            message = "" if isinstance(record.msg, dict) else _message(record)
        exception = _exception(record, log_data.get(self._exc_key))
        trace = None if self._trace is None else self._trace()
        preset = self.preset
        out = preset.standard(record, message, exception, trace)
        renames = self._renames
        if renames and not renames.keys().isdisjoint(out):
            out = {renames.get(key, key): value for key, value in out.items()}
        stack = log_data.get(self._stack_key)
        if stack is not None:
            preset.place(out, "stack_info", "\n".join(stack) if isinstance(stack, list) else stack)
        known = self._known
        for key, value in log_data.items():
            if key in known:
                preset.place(out, key, value)
            elif key not in self._drop:
                self._place(out, key, value)
        return out

    def _place(self, out: dict[str, Any], key: Any, value: Any) -> None:
        """Place a field not known to be harmless; under ``extra`` if it would replace one."""
        # A dict message's int or None key is written as text, as JSON and the schemas have it.
        name = key if isinstance(key, str) else encoders.safe_str(key)
        if name.partition(".")[0] not in self._risky:
            if name is key:
                if len(self._known) >= _KNOWN_SIZE:
                    self._known.clear()
                self._known.add(key)
        elif name not in self._configured and self.preset.replaces(out, name, value):
            name = f"{EXTRA_KEY}.{name}"
        self.preset.place(out, name, value)


def _exception(record: logging.LogRecord, formatted: Any) -> Exception3 | None:
    if formatted is None:
        return None
    if isinstance(formatted, dict):
        structured = formatted
    else:
        exc_type = exc_value = None
        if record.exc_info:
            exc_type, exc_value = record.exc_info[0], record.exc_info[1]
        structured = _structured_exception(formatted, exc_type, exc_value)
    return (
        structured.get("type"),
        encoders.safe_str(structured.get("message") or ""),
        encoders.safe_str(structured.get("stack_trace") or ""),
    )


# -- Elastic Common Schema ------------------------------------------------------

_ECS_ACCESS = {
    "network.protocol.version": "http.version",
    "http.response.body.size": "http.response.body.bytes",
    "http.request.header.referer": "http.request.referrer",
}


class EcsPreset(Preset):
    """Elastic Common Schema, as ecs-logging's specification asks.

    ``@timestamp``, ``log.level``, ``message`` first (the spec's order) and
    ``ecs.version`` as dotted top-level keys; everything else nested
    (``log.logger``, ``log.origin.*``, ``process.*``, ``error.*``,
    ``trace.id``, ``span.id``); dotted extras become nested objects;
    access-log fields become ``http.*``, ``url.*``, ``client.*``,
    ``user_agent.original`` and ``event.duration`` (nanoseconds).
    """

    name = "ecs"
    priority_keys = ("@timestamp", "log.level", "ecs.version", "log")
    own_keys = frozenset(
        {"@timestamp", "log.level", "message", "ecs.version", "log", "process", "error"}
        | {"trace", "span"}
    )

    def standard(
        self,
        record: logging.LogRecord,
        message: Any,
        exception: Exception3 | None,
        trace: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """Return the ECS fields of the record."""
        out: dict[str, Any] = {
            "@timestamp": _utc_millis(record.created),
            "log.level": str(record.levelname).lower(),
            "message": message if isinstance(message, str) else encoders.safe_str(message),
            "ecs.version": ECS_VERSION,
            "log": {
                "logger": record.name,
                "origin": _drop_none(
                    {
                        "file": {"name": record.filename, "line": record.lineno},
                        "function": record.funcName,
                    }
                ),
            },
            "process": _drop_none(
                {
                    "pid": record.process,
                    "name": record.processName,
                    "thread": _drop_none({"id": record.thread, "name": record.threadName}),
                }
            ),
        }
        if exception is not None:
            out["error"] = _drop_none(
                {"type": exception[0], "message": exception[1], "stack_trace": exception[2]}
            )
        if trace is not None:
            out["trace"] = {"id": trace[0]}
            out["span"] = {"id": trace[1]}
        return out

    def place(self, out: dict[str, Any], key: str, value: Any) -> None:
        """Nest the field at its dotted path, mapping access-log fields to ECS."""
        if key == "stack_info" and "error" not in out:
            out["error"] = {"stack_trace": value}
            return
        if key == "duration_ms":
            _nest(out, "event.duration", _duration_ns(value))
            return
        if key == "client.address":
            _nest(out, "client.address", value)
            _nest(out, "client.ip", value)
            return
        if key == "labels" and isinstance(value, Mapping):
            value = {_ecs_label(str(label)): item for label, item in value.items()}
        _nest(out, _ECS_ACCESS.get(key, key), value)


def _ecs_label(label: str) -> str:
    # The spec's sanitization rule for keys of "labels".
    return label.replace(".", "_").replace("*", "_").replace("\\", "_")


# -- Google Cloud Logging -------------------------------------------------------

_GCP_SEVERITY = ("DEFAULT", "DEBUG", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_GCP_HTTP = {
    "http.request.method": "requestMethod",
    "http.response.status_code": "status",
    "user_agent.original": "userAgent",
    "client.address": "remoteIp",
    "http.request.header.referer": "referer",
}
_GCP_SOURCE = "logging.googleapis.com/sourceLocation"
_GCP_TRACE = "logging.googleapis.com/trace"


def gcp_latency(milliseconds: Any) -> Any:
    """Return a duration in milliseconds as Cloud Logging's duration text, ``"0.123s"``."""
    try:
        seconds = float(milliseconds) / 1000
    except (TypeError, ValueError):
        return milliseconds
    text = f"{seconds:.9f}".rstrip("0").rstrip(".")
    return f"{text}s"


class GcpPreset(Preset):
    """Google Cloud Logging structured logging (the agent's special JSON fields).

    ``severity`` (LogSeverity names), ``message`` (with the traceback appended,
    so Error Reporting groups the error), ``time``, ``logger``,
    ``logging.googleapis.com/sourceLocation``, ``logging.googleapis.com/trace``
    (``projects/<id>/traces/<trace>`` when ``GOOGLE_CLOUD_PROJECT`` is set),
    ``logging.googleapis.com/spanId`` and ``.../trace_sampled``; access-log
    fields go to ``httpRequest`` with Cloud Logging's names, ``latency`` as
    ``"0.123s"`` and ``responseSize`` as a string (an int64 in JSON).
    """

    name = "gcp"
    priority_keys = ("severity", "time", "logger")
    own_keys = frozenset(
        {"severity", "message", "time", "logger", _GCP_SOURCE, _GCP_TRACE}
        | {"logging.googleapis.com/spanId", "logging.googleapis.com/trace_sampled"}
    )

    def __init__(self, project: str | None = None) -> None:
        self.project = project if project is not None else os.environ.get("GOOGLE_CLOUD_PROJECT")

    def standard(
        self,
        record: logging.LogRecord,
        message: Any,
        exception: Exception3 | None,
        trace: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """Return the Cloud Logging fields of the record."""
        text = message if isinstance(message, str) else encoders.safe_str(message)
        if exception is not None and exception[2]:
            text = f"{text}\n{exception[2]}" if text else exception[2]
        out: dict[str, Any] = {
            "severity": _GCP_SEVERITY[_level_band(record.levelno)],
            "message": text,
            "time": _utc_micros(record.created),
            "logger": record.name,
            _GCP_SOURCE: _drop_none(
                {"file": record.pathname, "line": record.lineno, "function": record.funcName}
            ),
        }
        if trace is not None:
            trace_id = trace[0]
            out[_GCP_TRACE] = (
                f"projects/{self.project}/traces/{trace_id}" if self.project else trace_id
            )
            out["logging.googleapis.com/spanId"] = trace[1]
            out["logging.googleapis.com/trace_sampled"] = bool(trace[2] & 1)
        return out

    def place(self, out: dict[str, Any], key: str, value: Any) -> None:
        """Put access-log fields into ``httpRequest``, anything else at the top."""
        name = _GCP_HTTP.get(key)
        if name is not None:
            _http_request(out)[name] = value
        elif key == "url.path":
            request = _http_request(out)
            request["requestUrl"] = f"{value}{request.get('requestUrl', '')}"
        elif key == "url.query":
            if value:
                request = _http_request(out)
                request["requestUrl"] = f"{request.get('requestUrl', '')}?{value}"
        elif key == "http.response.body.size":
            _http_request(out)["responseSize"] = str(value)
        elif key == "network.protocol.version":
            _http_request(out)["protocol"] = f"HTTP/{value}"
        elif key == "duration_ms":
            _http_request(out)["latency"] = gcp_latency(value)
        else:
            _merge_into(out, key, value)

    def replaces(self, out: dict[str, Any], key: str, value: Any) -> bool:
        """Tell whether :meth:`place` would replace a value (keys stay flat at the top)."""
        return _merge_replaces(out, key, value)


def _http_request(out: dict[str, Any]) -> dict[str, Any]:
    request = out.get("httpRequest")
    if not isinstance(request, dict):
        request = out["httpRequest"] = {}
    return request


# -- OpenTelemetry log data model ----------------------------------------------


def otel_severity_number(levelno: int) -> int:
    """Return OpenTelemetry's SeverityNumber for a logging level number.

    DEBUG 5, INFO 9, WARNING 13, ERROR 17, CRITICAL 21; levels between two
    standard ones take the next sub-levels (INFO+1 is INFO2 = 10, up to
    INFO4); below DEBUG is TRACE (1); NOTSET is UNSPECIFIED (0).
    """
    band = _level_band(levelno)
    if band <= 1:
        return band
    base = 4 * (band - 2) + 5
    return base + min(levelno - 10 * (band - 1), 3)


def _otel_resource(environ: Mapping[str, str]) -> dict[str, str]:
    """Read ``OTEL_RESOURCE_ATTRIBUTES`` and ``OTEL_SERVICE_NAME`` as the SDK does."""
    resource: dict[str, str] = {}
    for item in environ.get("OTEL_RESOURCE_ATTRIBUTES", "").split(","):
        key, sep, value = item.partition("=")
        if sep and key.strip():
            resource[key.strip()] = urllib.parse.unquote(value.strip())
    service = environ.get("OTEL_SERVICE_NAME")
    if service:
        resource["service.name"] = service
    return resource


class OtelPreset(Preset):
    """OpenTelemetry's log data model, as the SDK's JSON exporters name it.

    ``timestamp``, ``severity_text``, ``severity_number``, ``body``,
    ``trace_id``/``span_id``/``trace_flags`` (hex), ``attributes`` (source
    location as ``code.*``, ``thread.*``, ``exception.type``/``message``/
    ``stacktrace``, then every extra, access-log fields under their OTel
    names), ``resource`` (``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_SERVICE_NAME``
    and ``process.pid``) and ``scope`` (the logger's name).
    """

    name = "otel"
    message_key = "body"
    priority_keys = ("timestamp", "severity_text", "severity_number", "scope")
    # Other fields go into attributes: these are the ones written there.
    own_keys = frozenset(
        {"code.file.path", "code.function.name", "code.line.number", "thread.id", "thread.name"}
        | {"exception.type", "exception.message", "exception.stacktrace"}
    )

    def __init__(self, resource: Mapping[str, Any] | None = None) -> None:
        self.resource = dict(_otel_resource(os.environ) if resource is None else resource)

    def standard(
        self,
        record: logging.LogRecord,
        message: Any,
        exception: Exception3 | None,
        trace: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """Return the OpenTelemetry fields of the record."""
        out: dict[str, Any] = {
            "timestamp": _utc_micros(record.created),
            "severity_text": record.levelname,
            "severity_number": otel_severity_number(record.levelno),
            "body": message,
        }
        if trace is not None:
            out["trace_id"], out["span_id"], out["trace_flags"] = trace
        attributes = _drop_none(
            {
                "code.file.path": record.pathname,
                "code.function.name": record.funcName,
                "code.line.number": record.lineno,
                "thread.id": record.thread,
                "thread.name": record.threadName,
            }
        )
        if exception is not None:
            attributes["exception.type"] = exception[0]
            attributes["exception.message"] = exception[1]
            attributes["exception.stacktrace"] = exception[2]
        out["attributes"] = attributes
        out["resource"] = {**self.resource, "process.pid": record.process}
        out["scope"] = {"name": record.name}
        return out

    def place(self, out: dict[str, Any], key: str, value: Any) -> None:
        """Put the field into ``attributes`` (``resource`` objects are merged)."""
        if key == "resource" and isinstance(value, Mapping):
            resource = out.get("resource")
            out["resource"] = {**(resource if isinstance(resource, dict) else {}), **value}
            return
        attributes = out.get("attributes")
        if not isinstance(attributes, dict):  # renamed away by rename_fields
            attributes = out["attributes"] = {}
        attributes[key] = value

    def replaces(self, out: dict[str, Any], key: str, value: Any) -> bool:
        """Tell whether :meth:`place` would replace one of the record's attributes."""
        attributes = out.get("attributes")
        return isinstance(attributes, dict) and key in attributes


# -- Datadog ------------------------------------------------------------------

_DD_STATUS = ("info", "debug", "debug", "info", "warning", "error", "critical")
_DD_ACCESS = {
    "http.request.method": "http.method",
    "http.response.status_code": "http.status_code",
    "user_agent.original": "http.useragent",
    "http.request.header.referer": "http.referer",
    "client.address": "network.client.ip",
    "client.port": "network.client.port",
    "http.response.body.size": "network.bytes_written",
    "network.protocol.version": "http.version",
}


class DatadogPreset(Preset):
    """Datadog's reserved and standard attributes.

    ``timestamp``, ``status``, ``message``, ``logger.name``,
    ``logger.thread_name``, ``logger.method_name``, ``error.kind``/``message``/
    ``stack``; with an active span ``dd.trace_id``/``dd.span_id`` in Datadog's
    decimal 64-bit form (what Datadog's docs ask for OpenTelemetry ids) and
    ``trace_id``/``span_id`` in hex; ``dd.service``, ``dd.env`` and
    ``dd.version`` (unified service tagging, which Datadog needs to correlate
    logs with traces) from ``DD_SERVICE``, ``DD_ENV`` and ``DD_VERSION``, as
    ddtrace writes them; access-log fields as ``http.*``,
    ``network.client.ip``/``port``, ``network.bytes_written`` and ``duration``
    (nanoseconds). Dotted names are written as nested objects.

    Args:
        service, env, version: the unified service tags; ``None`` reads the
            environment variable, ``""`` leaves the tag out.
    """

    name = "datadog"
    priority_keys = ("timestamp", "status", "logger")
    own_keys = frozenset(
        {"timestamp", "status", "message", "logger", "error", "dd", "trace_id", "span_id"}
    )

    def __init__(
        self, service: str | None = None, env: str | None = None, version: str | None = None
    ) -> None:
        tags = {"service": service, "env": env, "version": version}
        self.tags = {
            name: value
            for name, value in (
                (name, os.environ.get(f"DD_{name.upper()}") if value is None else value)
                for name, value in tags.items()
            )
            if value
        }

    def standard(
        self,
        record: logging.LogRecord,
        message: Any,
        exception: Exception3 | None,
        trace: tuple[str, str, int] | None,
    ) -> dict[str, Any]:
        """Return the Datadog fields of the record."""
        out: dict[str, Any] = {
            "timestamp": _utc_millis(record.created),
            "status": _DD_STATUS[_level_band(record.levelno)],
            "message": message if isinstance(message, str) else encoders.safe_str(message),
            "logger": _drop_none(
                {
                    "name": record.name,
                    "thread_name": record.threadName,
                    "method_name": record.funcName,
                }
            ),
        }
        if exception is not None:
            out["error"] = _drop_none(
                {"kind": exception[0], "message": exception[1], "stack": exception[2]}
            )
        if self.tags:
            out["dd"] = dict(self.tags)
        if trace is not None:
            out["dd"] = {
                **self.tags,
                "trace_id": str(int(trace[0], 16) & _LOW_64_BITS),
                "span_id": str(int(trace[1], 16)),
            }
            out["trace_id"], out["span_id"] = trace[0], trace[1]
        return out

    def place(self, out: dict[str, Any], key: str, value: Any) -> None:
        """Nest the field at its dotted path, mapping access-log fields to Datadog's."""
        if key == "duration_ms":
            out["duration"] = _duration_ns(value)
        elif key == "url.path":
            http = _child(out, "http")
            http["url"] = f"{value}{http.get('url', '')}"
        elif key == "url.query":
            if value:
                http = _child(out, "http")
                http["url"] = f"{http.get('url', '')}?{value}"
        else:
            _nest(out, _DD_ACCESS.get(key, key), value)


def _child(out: dict[str, Any], key: str) -> dict[str, Any]:
    child = out.get(key)
    child = {} if not isinstance(child, dict) else dict(child)
    out[key] = child
    return child


# -- selection ------------------------------------------------------------------

PRESETS: dict[str, Callable[[], Preset]] = {
    "ecs": EcsPreset,
    "gcp": GcpPreset,
    "otel": OtelPreset,
    "datadog": DatadogPreset,
}
"""The preset names accepted by ``preset=``."""


def resolve(preset: str | Preset) -> Preset:
    """Return the preset a ``preset=`` keyword names; raise for anything else."""
    if isinstance(preset, Preset):
        return preset
    if isinstance(preset, str) and preset.lower() in PRESETS:
        return PRESETS[preset.lower()]()
    raise ValueError(
        f"preset must be one of {', '.join(repr(name) for name in PRESETS)} "
        f"or a jsonlog.presets.Preset; got {preset!r}"
    )


# -- formatter classes for ini files ---------------------------------------------


class _PresetFormatter(JsonFormatter):
    """A ``JsonFormatter`` whose preset is fixed by its class (see the subclasses)."""

    preset_name: ClassVar[str]

    def __init__(
        self,
        fmt: str | None = None,
        datefmt: str | None = None,
        style: str = "%",
        validate: bool = True,
        # Every other keyword is JsonFormatter's, passed on unchanged.
        **keywords: Any,
    ) -> None:
        super().__init__(fmt, datefmt, style, validate, preset=self.preset_name, **keywords)


class EcsFormatter(_PresetFormatter):
    """``JsonFormatter(preset="ecs")``, for ``class=`` in an ini file."""

    preset_name = "ecs"


class GcpFormatter(_PresetFormatter):
    """``JsonFormatter(preset="gcp")``, for ``class=`` in an ini file."""

    preset_name = "gcp"


class OtelFormatter(_PresetFormatter):
    """``JsonFormatter(preset="otel")``, for ``class=`` in an ini file."""

    preset_name = "otel"


class DatadogFormatter(_PresetFormatter):
    """``JsonFormatter(preset="datadog")``, for ``class=`` in an ini file."""

    preset_name = "datadog"
