"""Read JSON log lines and show them as a person would.

``jsonlog app.log`` prints each JSON record as one readable line: the time, the
level (coloured by severity), the logger, the message and the remaining fields
as ``key=value``, with an exception's traceback under its record. Lines that
are not JSON objects pass through untouched. ``--json`` writes the selected
records unchanged instead, for pipelines.

The module imports only the standard library and orjson at import time;
python-dateutil is imported when ``--since``/``--until`` need it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Final

import orjson

__all__ = ["main"]

PROG: Final = "jsonlog"

# Candidate keys per role, most specific first. A dotted key matches both the
# flat spelling ({"log.level": ...}) and the nested one ({"log": {"level": ...}}).
TIME_KEYS: Final = ("@timestamp", "timestamp", "time", "ts", "asctime", "datetime")
LEVEL_KEYS: Final = (
    "levelname",
    "level",
    "severity",
    "severity_text",
    "log.level",
    "status",
    "levelno",
    "severity_number",
)
MESSAGE_KEYS: Final = ("message", "msg", "event", "body")
LOGGER_KEYS: Final = ("name", "logger", "log.logger", "logger.name", "logger_name")
EXCEPTION_KEYS: Final = (
    "exc_info",
    "exc_text",
    "exception",
    "error.stack_trace",
    "error.stack",
    "exception.stacktrace",
    "err.stack",
    "stack_trace",
    "stack",
    "stack_info",
)
# Keys inside a structured exception object that hold its traceback.
_STACK_SUBKEYS: Final = ("stack_trace", "stacktrace", "stack", "traceback")

# Severities on the scale of Python's logging levels, so that --level WARNING
# means the same thing whatever the schema.
TRACE: Final = 5
DEBUG: Final = 10
INFO: Final = 20
NOTICE: Final = 25
WARNING: Final = 30
ERROR: Final = 40
CRITICAL: Final = 50
ALERT: Final = 55
EMERGENCY: Final = 60
LEVEL_NAMES: Final[Mapping[str, int]] = {
    "trace": TRACE,
    "verbose": TRACE,
    "debug": DEBUG,
    "info": INFO,
    "information": INFO,
    "informational": INFO,
    "ok": INFO,
    "default": 0,
    "notice": NOTICE,
    "warn": WARNING,
    "warning": WARNING,
    "error": ERROR,
    "err": ERROR,
    "critical": CRITICAL,
    "crit": CRITICAL,
    "fatal": CRITICAL,
    "alert": ALERT,
    "emergency": EMERGENCY,
    "emerg": EMERGENCY,
    "panic": EMERGENCY,
}
_CANONICAL_LABEL: Final[Mapping[int, str]] = {
    0: "DEFAULT",
    TRACE: "TRACE",
    DEBUG: "DEBUG",
    INFO: "INFO",
    NOTICE: "NOTICE",
    WARNING: "WARN",
    ERROR: "ERROR",
    CRITICAL: "CRIT",
    ALERT: "ALERT",
    EMERGENCY: "EMERG",
}
# Five letters keep the columns aligned: WARNING and CRITICAL are shortened.
_SHORT_LABELS: Final[Mapping[str, str]] = {
    "warning": "WARN",
    "critical": "CRIT",
    "information": "INFO",
    "informational": "INFO",
    "emergency": "EMERG",
}
# Google Cloud's numeric LogSeverity.
_GCP_SEVERITY: Final[Mapping[int, int]] = {
    0: 0,
    100: DEBUG,
    200: INFO,
    300: NOTICE,
    400: WARNING,
    500: ERROR,
    600: CRITICAL,
    700: ALERT,
    800: EMERGENCY,
}

RESET: Final = "\x1b[0m"
_LEVEL_COLOURS: Final[Sequence[tuple[int, str]]] = (
    (EMERGENCY, "\x1b[1;97;41m"),
    (ALERT, "\x1b[1;97;41m"),
    (CRITICAL, "\x1b[1;31m"),
    (ERROR, "\x1b[31m"),
    (WARNING, "\x1b[33m"),
    (NOTICE, "\x1b[1;32m"),
    (INFO, "\x1b[32m"),
    (DEBUG, "\x1b[36m"),
    (0, "\x1b[90m"),
)


@dataclass(frozen=True)
class Palette:
    """ANSI sequences for each part of a pretty line; all empty without colour."""

    time: str = ""
    logger: str = ""
    key: str = ""
    exception: str = ""
    reset: str = ""


PLAIN: Final = Palette()
COLOUR: Final = Palette(
    time="\x1b[2m", logger="\x1b[35m", key="\x1b[36m", exception="\x1b[31m", reset=RESET
)

# Characters a terminal may act on: C0 controls, DEL and the C1 controls
# (U+009B is CSI on its own). Tab and newline are handled by the callers.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROL_NO_NEWLINE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_NEEDS_QUOTES = re.compile('[\\s"=\x00-\x1f\x7f-\x9f]')
_SHORT_ESCAPES: Final[Mapping[str, str]] = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])(?:\s+ago)?\s*$", re.IGNORECASE)
_RELATIVE_UNITS: Final[Mapping[str, float]] = {
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
}
_MISSING: Final = object()
_NOTHING: Final[frozenset[str]] = frozenset()
_CACHE_LIMIT: Final = 4096
_READ_SIZE: Final = 1 << 18


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _SHORT_ESCAPES.get(char) or f"\\x{ord(char):02x}"


def escape_controls(text: str) -> str:
    """Return *text* with control characters (not tab) shown as escapes."""
    return _CONTROL.sub(_escape_char, text)


def _escape_keep_newlines(text: str) -> str:
    return _CONTROL_NO_NEWLINE.sub(_escape_char, text)


def _quote(text: str) -> str:
    text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return _CONTROL.sub(_escape_char, text.replace("\t", "\\t"))


def format_value(value: object) -> str:
    """Render one field value: bare when unambiguous, quoted otherwise."""
    if type(value) is str:
        if value.isprintable() and value and not (" " in value or "=" in value or '"' in value):
            return value
        return _quote(value)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int or type(value) is float:
        return repr(value)
    return escape_controls(_dumps(value))


def _dumps(value: object) -> str:
    try:
        return orjson.dumps(value).decode()
    except orjson.JSONEncodeError:
        # orjson refuses nesting deeper than 254; the raw line is still
        # available with --json.
        return "<too deeply nested to show>"


def _lookup(record: Mapping[str, Any], key: str) -> Any:
    """Return the value at *key*, flat or as a dotted path into nested objects."""
    value = record.get(key, _MISSING)
    if value is not _MISSING or "." not in key:
        return value
    head, _, rest = key.partition(".")
    while True:
        inner = record.get(head, _MISSING)
        if isinstance(inner, dict):
            value = _lookup(inner, rest)
            if value is not _MISSING:
                return value
        if "." not in rest:
            return _MISSING
        part, _, rest = rest.partition(".")
        head = f"{head}.{part}"


def severity_of(key: str, value: object) -> int | None:
    """Map a level value found under *key* onto Python's logging scale."""
    leaf = key.rpartition(".")[2]
    if type(value) is str:
        known = LEVEL_NAMES.get(value.strip().lower())
        if known is not None or leaf == "status":
            return known  # "status" holds Datadog's names; its numbers are HTTP codes
        if value.strip().isdigit():
            return severity_of(key, int(value))
        return None
    if type(value) is not int and type(value) is not float:
        return None
    number = int(value)
    if leaf == "status":
        return None
    if leaf == "levelno":
        return number
    if leaf == "severity_number":
        # OpenTelemetry: 1-4 TRACE, 5-8 DEBUG, 9-12 INFO, ..., 21-24 FATAL.
        buckets = (TRACE, DEBUG, INFO, WARNING, ERROR, CRITICAL)
        return buckets[min(max(number - 1, 0) // 4, 5)]
    if leaf == "severity":
        return _GCP_SEVERITY.get(number - number % 100, EMERGENCY if number > 800 else 0)
    # pino and bunyan: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    return TRACE if number < 20 else number - 10


def level_label(value: object, severity: int | None) -> str:
    """Return the text shown in the level column."""
    if type(value) is str:
        text = value.strip()
        return _SHORT_LABELS.get(text.lower()) or escape_controls(text.upper())
    if severity is not None and severity in _CANONICAL_LABEL:
        return _CANONICAL_LABEL[severity]
    return escape_controls(str(value))


def level_colour(severity: int | None) -> str:
    """Return the ANSI colour for *severity* (empty when unknown)."""
    if severity is None:
        return ""
    for threshold, colour in _LEVEL_COLOURS:
        if severity >= threshold:
            return colour
    return ""  # pragma: no cover - the table ends at 0 and severities are >= 0


def parse_level(text: str) -> int:
    """Parse a --level argument: a level name of any schema or a Python level number."""
    stripped = text.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    known = LEVEL_NAMES.get(stripped.lower())
    if known is None:
        names = ", ".join(sorted({name.upper() for name in LEVEL_NAMES}))
        msg = f"unknown level {text!r} (use a number or one of {names})"
        raise argparse.ArgumentTypeError(msg)
    return known


def epoch_seconds(number: float) -> float:
    """Interpret an epoch number given in s, ms, us or ns by its magnitude."""
    magnitude = abs(number)
    if magnitude >= 1e17:
        return number / 1e9
    if magnitude >= 1e14:
        return number / 1e6
    if magnitude >= 1e11:
        return number / 1e3
    return number


def epoch_millis(number: float) -> int:
    """Return whole epoch milliseconds for an epoch number in s, ms, us or ns."""
    if type(number) is int:
        magnitude = abs(number)
        if magnitude >= 10**17:
            return number // 10**6
        if magnitude >= 10**14:
            return number // 10**3
        if magnitude >= 10**11:
            return number
        return number * 1000
    # A microsecond of slack so that 1763768401.123 (really ...122999) shows .123.
    return math.floor(epoch_seconds(number) * 1000 + 1e-3)


def format_epoch(number: float) -> str:
    """Show an epoch time as RFC 3339 in UTC with milliseconds."""
    try:
        millis = epoch_millis(number)
        moment = dt.datetime.fromtimestamp(millis // 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return repr(number)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{millis % 1000:03d}Z"


def _dateutil_parse(text: str) -> dt.datetime:
    import warnings  # noqa: PLC0415 - only on the slow path

    from dateutil import parser  # noqa: PLC0415 - keep `import jsonlog.cli` cheap

    with warnings.catch_warnings():
        # An unknown zone name ("CET") gives a naive time and a warning; the
        # naive time is then read in --timezone, which is what we want.
        warnings.simplefilter("ignore")
        return parser.parse(text)


def to_timestamp(moment: dt.datetime, zone: dt.tzinfo | None) -> float:
    """Return epoch seconds, reading a naive *moment* in *zone* (local if None)."""
    if moment.tzinfo is None and zone is not None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


def record_timestamp(value: object, zone: dt.tzinfo | None) -> float | None:
    """Return the epoch seconds of a record's time value, or None if unreadable."""
    if type(value) is int or type(value) is float:
        return epoch_seconds(value)
    if type(value) is not str:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            moment = _dateutil_parse(value)
        except (ValueError, OverflowError):
            return None
    try:
        return to_timestamp(moment, zone)
    except (OverflowError, OSError, ValueError):
        return None


def parse_time_argument(text: str, zone: dt.tzinfo | None, now: float) -> float:
    """Parse --since/--until: '15m', '2h ago', epoch seconds or any date dateutil reads."""
    relative = _RELATIVE.match(text)
    if relative:
        return now - float(relative.group(1)) * _RELATIVE_UNITS[relative.group(2).lower()]
    stripped = text.strip()
    if stripped.isdigit() and len(stripped) >= 9:
        return epoch_seconds(int(stripped))
    try:
        moment = dt.datetime.fromisoformat(stripped)
    except ValueError:
        try:
            moment = _dateutil_parse(stripped)
        except (ValueError, OverflowError) as exc:
            msg = f"cannot read {text!r} as a time ({exc})"
            raise ValueError(msg) from None
    return to_timestamp(moment, zone)


def exception_lines(value: object) -> list[str] | None:
    """Return the lines of a traceback held in *value*, or None if it holds none."""
    if type(value) is str:
        text = value
    elif type(value) is list:
        items = [item if type(item) is str else _dumps(item) for item in value]
        # traceback.format_exception() chunks end in newlines; plain lines do not.
        text = "".join(items) if any(item.endswith("\n") for item in items) else "\n".join(items)
    elif type(value) is dict:
        for sub in _STACK_SUBKEYS:
            stack = value.get(sub)
            if type(stack) is str and stack:
                text = stack
                break
        else:
            kind, message = value.get("type"), value.get("message")
            if kind is None and message is None:
                return None
            text = f"{kind or 'Exception'}: {message if message is not None else ''}"
    else:
        return None
    text = text.rstrip("\n")
    if not text or text == "NoneType: None":
        return None
    return [escape_controls(line) for line in text.split("\n")]


@dataclass
class Schema:
    """Which keys hold the time, level, message, logger and exception."""

    time: Sequence[str] = TIME_KEYS
    level: Sequence[str] = LEVEL_KEYS
    message: Sequence[str] = MESSAGE_KEYS
    logger: Sequence[str] = LOGGER_KEYS
    exception: Sequence[str] = EXCEPTION_KEYS


def _first(
    record: Mapping[str, Any], keys: Sequence[str], *, scalar: bool = True
) -> tuple[str, Any]:
    """Return the first candidate key present (holding a scalar if *scalar*) and its value."""
    for key in keys:
        value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
        if value is _MISSING or value is None or (scalar and not _scalar(value)):
            continue
        return key, value
    return "", _MISSING


def find_level(record: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, Any, int | None]:
    """Return the key, value and severity of the record's level."""
    for key in keys:
        value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
        if value is _MISSING or value is None or value is True or value is False:
            continue
        if type(value) is dict or type(value) is list:
            continue
        severity = severity_of(key, value)
        if severity is None and key.rpartition(".")[2] == "status":
            continue  # "status" is a level only for Datadog's names, not HTTP codes
        return key, value, severity
    return "", _MISSING, None


class Selector:
    """Decide which records to keep: --level, --since/--until, --grep, --where."""

    def __init__(
        self,
        schema: Schema,
        *,
        min_level: int | None = None,
        since: float | None = None,
        until: float | None = None,
        grep: re.Pattern[str] | None = None,
        where: Sequence[tuple[str, bool, str]] = (),
        zone: dt.tzinfo | None = None,
    ) -> None:
        self.schema = schema
        self.min_level = min_level
        self.since = since
        self.until = until
        self.grep = grep
        self.where = tuple(where)
        self.zone = zone
        self.active = bool(
            min_level is not None
            or since is not None
            or until is not None
            or grep is not None
            or where
        )

    def __call__(self, record: Mapping[str, Any]) -> bool:
        """Return True if *record* passes every filter."""
        if self.min_level is not None:
            severity = find_level(record, self.schema.level)[2]
            if severity is None or severity < self.min_level:
                return False
        if self.since is not None or self.until is not None:
            value = _first(record, self.schema.time)[1]
            stamp = record_timestamp(value, self.zone) if value is not _MISSING else None
            if stamp is None:
                return False
            if self.since is not None and stamp < self.since:
                return False
            if self.until is not None and stamp > self.until:
                return False
        if self.grep is not None:
            message = _first(record, self.schema.message, scalar=False)[1]
            if message is _MISSING:
                return False
            text = message if type(message) is str else _dumps(message)
            if not self.grep.search(text):
                return False
        for key, equal, expected in self.where:
            value = _lookup(record, key)
            matches = value is not _MISSING and _field_text(value) == expected
            if matches != equal:
                return False
        return True


def _field_text(value: object) -> str:
    if type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    if type(value) is int or type(value) is float:
        return repr(value)
    return _dumps(value)


def _field_filter(include: Sequence[str], exclude: Sequence[str]) -> Callable[[str], bool] | None:
    """Return a predicate on dotted field paths for --fields/--exclude."""
    if not include and not exclude:
        return None
    inc = tuple(include)
    exc = tuple(exclude)

    def covered(path: str, keys: Sequence[str]) -> bool:
        return any(path == key or path.startswith(key + ".") for key in keys)

    def shown(path: str) -> bool:
        if inc and not covered(path, inc):
            return False
        return not covered(path, exc)

    return shown


def _may_hold(keys: Iterable[str], candidate: str) -> bool:
    """Return True if a record with these top-level *keys* can hold *candidate*."""
    if candidate in keys:
        return True
    index = candidate.find(".")
    while index != -1:
        if candidate[:index] in keys:
            return True
        index = candidate.find(".", index + 1)
    return False


@dataclass(frozen=True)
class _Plan:
    """The candidate keys worth looking up for records of one shape.

    ``columns`` is set when the shape allows the fast path: each column's
    best candidate is a top-level key of the shape (so no other candidate
    can win) and no exception key is present. It names the time, level,
    logger and message keys ("" for a column the shape lacks), and ``rest``
    the other top-level keys, in order.
    """

    time: tuple[str, ...]
    level: tuple[str, ...]
    logger: tuple[str, ...]
    message: tuple[str, ...]
    exception: tuple[str, ...]
    columns: tuple[str, str, str, str] | None
    rest: tuple[str, ...]

    @classmethod
    def for_keys(cls, keys: Sequence[str], schema: Schema) -> _Plan:
        """Keep, per role, only the candidates that records with *keys* can hold."""
        present = set(keys)

        def keep(candidates: Sequence[str]) -> tuple[str, ...]:
            return tuple(key for key in candidates if _may_hold(present, key))

        time_keys, level_keys = keep(schema.time), keep(schema.level)
        logger_keys, message_keys = keep(schema.logger), keep(schema.message)
        roles = (time_keys, level_keys, logger_keys, message_keys)
        exception = keep(schema.exception)
        columns = None
        rest: tuple[str, ...] = ()
        if not exception and all(not role or role[0] in present for role in roles):
            time_key, level_key, logger_key, message_key = (
                role[0] if role else "" for role in roles
            )
            columns = (time_key, level_key, logger_key, message_key)
            rest = tuple(key for key in keys if not key or key not in columns)
        return cls(time_keys, level_keys, logger_keys, message_keys, exception, columns, rest)


class Renderer:
    """Turn one record into its pretty lines."""

    _MAX_DEPTH: Final = 32

    def __init__(
        self,
        schema: Schema,
        palette: Palette,
        *,
        fields: Sequence[str] = (),
        exclude: Sequence[str] = (),
    ) -> None:
        self.schema = schema
        self.palette = palette
        self._shown = _field_filter(fields, exclude)
        self._plans: dict[tuple[str, ...], _Plan] = {}
        self._keys: dict[str, str | None] = {}
        self._levels: dict[tuple[str, object], str | None] = {}
        self._second = -1
        self._second_text = ""

    def _plan(self, shape: tuple[str, ...]) -> _Plan:
        if len(self._plans) >= _CACHE_LIMIT:
            self._plans.clear()
        plan = self._plans[shape] = _Plan.for_keys(shape, self.schema)
        return plan

    def _key(self, path: str) -> str | None:
        """Return ' key=' ready to print (coloured, quoted if need be), None if hidden."""
        if self._shown is not None and not self._shown(path):
            text = None
        else:
            shown = _quote(path) if _NEEDS_QUOTES.search(path) else path
            text = f" {self.palette.key}{shown}{self.palette.reset}="
        if len(self._keys) >= _CACHE_LIMIT:
            self._keys.clear()
        self._keys[path] = text
        return text

    def _time(self, value: object) -> str:
        if type(value) is str:
            shown = escape_controls(value) if _CONTROL.search(value) else value
        elif type(value) is int or type(value) is float:
            shown = self._epoch(value)
        else:  # pragma: no cover - _scalar() lets only str, int, float and bool through
            shown = format_value(value)
        palette = self.palette
        return f"{palette.time}{shown}{palette.reset}" if palette.reset else shown

    def _epoch(self, number: float) -> str:
        if type(number) is int and 10**11 <= number < 10**14:
            millis = number  # pino, bunyan: epoch milliseconds
        else:
            try:
                millis = epoch_millis(number)
            except (OverflowError, ValueError):
                return repr(number)
        second = millis // 1000
        if second != self._second:
            # Consecutive records share their second: format it once.
            text = format_epoch(number)
            if not text.endswith("Z"):
                return text  # out of range: shown as the number it is
            self._second_text = text[:-4]
            self._second = second
        return f"{self._second_text}{millis % 1000:03d}Z"

    def _fields(
        self,
        record: Mapping[str, Any],
        prefix: str,
        consumed: set[str] | frozenset[str],
        out: list[str],
        depth: int,
    ) -> None:
        """Append ' key=value' for each field not consumed, flattening nested objects."""
        keys = self._keys
        for key, value in record.items():
            path = prefix + key if prefix else key
            if path in consumed:
                continue
            kind = type(value)
            if kind is dict and value and depth < self._MAX_DEPTH:
                self._fields(value, path + ".", consumed, out, depth + 1)
                continue
            try:
                key_text = keys[path]
            except KeyError:
                key_text = self._key(path)
            if key_text is None:
                continue
            if kind is str:
                # isprintable() is False for controls and every separator but
                # the space, so this is the cheap test for "safe bare".
                if value.isprintable() and not (" " in value or "=" in value or '"' in value):
                    out.append(key_text + value if value else key_text + '""')
                else:
                    out.append(key_text + _quote(value))
            elif kind is int or kind is float:
                out.append(key_text + repr(value))
            else:
                out.append(key_text + format_value(value))

    def _find_level(self, record: Mapping[str, Any], keys: Sequence[str]) -> tuple[str, str]:
        """Return the level's key and its column text (cached per distinct value)."""
        levels = self._levels
        for key in keys:
            value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
            kind = type(value)
            if kind is str or kind is int or kind is float:
                try:
                    text = levels[key, value]
                except KeyError:
                    text = self._level(key, value)
                if text is not None:
                    return key, text
        return "", ""

    def _level(self, key: str, value: object) -> str | None:
        severity = severity_of(key, value)
        if severity is None and key.rpartition(".")[2] == "status":
            text = None  # "status" is a level only for Datadog's names, not HTTP codes
        else:
            label = level_label(value, severity).ljust(5)
            colour = level_colour(severity) if self.palette.reset else ""
            text = f"{colour}{label}{self.palette.reset}" if colour else label
        if len(self._levels) >= _CACHE_LIMIT:
            self._levels.clear()
        self._levels[key, value] = text
        return text

    def _head(self, record: Mapping[str, Any], plan: _Plan, consumed: set[str]) -> list[str]:
        """Return the time, level and logger columns, noting the keys they used."""
        parts: list[str] = []
        for key in plan.time:
            value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
            if _scalar(value):
                consumed.add(key)
                parts.append(self._time(value))
                break
        key, level = self._find_level(record, plan.level)
        if key:
            consumed.add(key)
            parts.append(level)
        for key in plan.logger:
            value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
            if _scalar(value):
                consumed.add(key)
                name = value if type(value) is str else _field_text(value)
                if _CONTROL.search(name):
                    name = escape_controls(name)
                palette = self.palette
                parts.append(
                    f"{palette.logger}{name}:{palette.reset}" if palette.reset else name + ":"
                )
                break
        return parts

    def _tracebacks(self, record: Mapping[str, Any], plan: _Plan, consumed: set[str]) -> list[str]:
        """Return the indented lines of every traceback in the record."""
        lines: list[str] = []
        shown: list[str] = []
        colour, reset = self.palette.exception, self.palette.reset
        for key in plan.exception:
            value = record.get(key, _MISSING) if "." not in key else _lookup(record, key)
            if value is _MISSING or any(key.startswith(outer + ".") for outer in shown):
                continue  # absent, or already shown with its enclosing object
            found = exception_lines(value)
            if found is not None:
                consumed.add(key)
                shown.append(key)
                lines.extend(f"    {colour}{line}{reset}" for line in found)
        return lines

    def render(self, record: Mapping[str, Any]) -> str:
        """Return the pretty text for *record* (possibly several lines)."""
        shape = tuple(record)
        plan = self._plans.get(shape)
        if plan is None:
            plan = self._plan(shape)
        if plan.columns is not None:
            text = self._render_fast(record, plan.columns, plan.rest)
            if text is not None:
                return text
        return self._render_general(record, plan)

    def _render_fast(
        self, record: Mapping[str, Any], columns: tuple[str, str, str, str], rest: Sequence[str]
    ) -> str | None:
        """Render a one-line record of a known shape; None if a value needs the general path."""
        time_key, level_key, logger_key, message_key = columns
        parts: list[str] = []
        if time_key:
            value = record[time_key]
            if not _scalar(value):
                return None
            parts.append(self._time(value))
        if level_key:
            value = record[level_key]
            if not _scalar(value):
                return None
            try:
                level = self._levels[level_key, value]
            except KeyError:
                level = self._level(level_key, value)
            if level is None:
                return None
            parts.append(level)
        if logger_key:
            value = record[logger_key]
            if type(value) is not str or _CONTROL.search(value):
                return None
            palette = self.palette
            parts.append(
                f"{palette.logger}{value}:{palette.reset}" if palette.reset else value + ":"
            )
        if message_key:
            value = record[message_key]
            if type(value) is not str or _CONTROL.search(value):
                return None
            if value:
                parts.append(value)
        out = [" ".join(parts)]
        keys = self._keys
        for key in rest:
            # The loop of _fields() for top-level keys, with nothing consumed.
            value = record[key]
            kind = type(value)
            if kind is dict and value:
                self._fields(value, key + ".", _NOTHING, out, 1)
                continue
            try:
                key_text = keys[key]
            except KeyError:
                key_text = self._key(key)
            if key_text is None:
                continue
            if kind is str:
                if value.isprintable() and not (" " in value or "=" in value or '"' in value):
                    out.append(key_text + value if value else key_text + '""')
                else:
                    out.append(key_text + _quote(value))
            elif kind is int or kind is float:
                out.append(key_text + repr(value))
            else:
                out.append(key_text + format_value(value))
        return "".join(out)

    def _render_general(self, record: Mapping[str, Any], plan: _Plan) -> str:
        consumed: set[str] = set()
        parts = self._head(record, plan, consumed)

        continuation: list[str] = []
        key, value = _first(record, plan.message, scalar=False)
        if value is not _MISSING:
            consumed.add(key)
            message = value if type(value) is str else _dumps(value)
            if _CONTROL.search(message):
                message = _escape_keep_newlines(message)
                if "\n" in message:
                    first, *continuation = message.split("\n")
                    message = first
            if message:
                parts.append(message)

        tracebacks = self._tracebacks(record, plan, consumed) if plan.exception else []
        out = [" ".join(parts)]
        self._fields(record, "", consumed, out, 0)
        text = "".join(out)
        if continuation or tracebacks:
            text = "\n".join([text, *[f"    {line}" for line in continuation], *tracebacks])
        return text


def _scalar(value: object) -> bool:
    """Return True for a value that can fill a column: present, not null, not a container."""
    kind = type(value)
    return kind is str or kind is int or kind is float


def iter_blocks(stream: IO[bytes], size: int = _READ_SIZE) -> Iterator[list[bytes]]:
    """Yield lists of complete lines (without the newline) read from *stream*.

    Reads with ``read1`` where available so that a pipe's lines are shown as
    they arrive, and joins a long line's pieces once so that a 100 MB line
    costs one copy, not a quadratic series of them.
    """
    read = getattr(stream, "read1", stream.read)
    pending: list[bytes] = []
    while True:
        chunk = read(size)
        if not chunk:
            break
        if b"\n" not in chunk:
            pending.append(chunk)
            continue
        if pending:
            pending.append(chunk)
            chunk = b"".join(pending)
            pending = []
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            pending.append(tail)
        yield lines
    if pending:
        yield [b"".join(pending)]


class Viewer:
    """Filter and render lines, writing each batch with one call."""

    def __init__(
        self,
        out: IO[bytes],
        *,
        renderer: Renderer | None,
        selector: Selector,
        escape_passthrough: bool,
    ) -> None:
        self.out = out
        self.renderer = renderer
        self.selector = selector
        self.escape_passthrough = escape_passthrough

    def _passthrough(self, raw: bytes) -> str:
        if self.escape_passthrough:
            return escape_controls(raw.decode("utf-8", "backslashreplace"))
        return raw.decode("utf-8", "surrogateescape")

    def feed(self, lines: Iterable[bytes]) -> None:
        """Process complete lines and write the output for them."""
        if self.renderer is None:
            self._feed_json(lines)
        else:
            self._feed_pretty(lines, self.renderer)

    def _feed_json(self, lines: Iterable[bytes]) -> None:
        loads = orjson.loads
        select = self.selector if self.selector.active else None
        kept: list[bytes] = []
        for raw in lines:
            try:
                record = loads(raw)
            except orjson.JSONDecodeError:
                record = _load_lenient(raw)
            if type(record) is not dict:
                continue
            if select is None or select(record):
                kept.append(raw)
        if kept:
            kept.append(b"")
            self.out.write(b"\n".join(kept))
            self.out.flush()

    def _feed_pretty(self, lines: Iterable[bytes], renderer: Renderer) -> None:
        loads = orjson.loads
        render = renderer.render
        select = self.selector if self.selector.active else None
        shown: list[str] = []
        for raw in lines:
            try:
                record = loads(raw)
            except orjson.JSONDecodeError:
                record = _load_lenient(raw)
            if type(record) is not dict:
                if select is None:
                    shown.append(self._passthrough(raw))
                continue
            if select is not None and not select(record):
                continue
            shown.append(render(record))
        if shown:
            shown.append("")
            # Pass-through lines were decoded with surrogateescape: this gives
            # their bytes back unchanged. orjson refuses lone surrogates, so
            # no other string can hold one.
            self.out.write("\n".join(shown).encode("utf-8", "surrogateescape"))
            self.out.flush()


def _load_lenient(raw: bytes) -> object:
    """Parse a line that orjson refused, once more after repairing bad UTF-8."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return orjson.loads(raw.decode("utf-8", "replace"))
        except orjson.JSONDecodeError:
            return None
    return None


@dataclass
class _Followed:
    path: str
    handle: IO[bytes]
    identity: tuple[int, int]
    position: int = 0
    pending: list[bytes] = field(default_factory=list)


def _identity(status: os.stat_result) -> tuple[int, int]:
    return status.st_dev, status.st_ino


def _read_available(item: _Followed, feed: Callable[[list[bytes]], None]) -> bool:
    """Feed every complete line now in the file; return True if anything was read."""
    got = False
    while True:
        chunk = item.handle.read(_READ_SIZE)
        if not chunk:
            return got
        got = True
        item.position += len(chunk)
        if b"\n" not in chunk:
            item.pending.append(chunk)
            continue
        if item.pending:
            item.pending.append(chunk)
            chunk = b"".join(item.pending)
            item.pending = []
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            item.pending.append(tail)
        feed(lines)


def _flush_pending(item: _Followed, feed: Callable[[list[bytes]], None]) -> None:
    if item.pending:
        feed([b"".join(item.pending)])
        item.pending = []


def follow(
    paths: Sequence[str],
    feed: Callable[[list[bytes]], None],
    *,
    poll_interval: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Print the files, then keep printing what is appended, across rotation.

    Rotation is noticed when the path names a different file (rename and
    recreate: the old file is read to its end first) or a shorter one
    (copytruncate: reading starts again at the top). Runs until interrupted.
    """
    items = []
    for path in paths:
        handle = open(path, "rb", buffering=0)  # noqa: SIM115 - held open while following
        items.append(_Followed(path, handle, _identity(os.fstat(handle.fileno()))))
    try:
        while True:
            for item in items:
                _read_available(item, feed)
                _check_rotation(item, feed)
            sleep(poll_interval)
    finally:
        for item in items:
            item.handle.close()


def _check_rotation(item: _Followed, feed: Callable[[list[bytes]], None]) -> None:
    try:
        status = os.stat(item.path)
    except OSError:
        return  # renamed away and not recreated yet: keep the old file
    if _identity(status) != item.identity:
        _read_available(item, feed)
        _flush_pending(item, feed)
        try:
            handle = open(item.path, "rb", buffering=0)  # noqa: SIM115
        except OSError:
            return
        item.handle.close()
        item.handle = handle
        item.identity = _identity(os.fstat(handle.fileno()))
        item.position = 0
        _read_available(item, feed)
    elif stat.S_ISREG(status.st_mode) and status.st_size < item.position:
        item.handle.seek(0)
        item.position = 0
        item.pending = []
        _read_available(item, feed)


def use_colour(choice: str, stream: IO[Any], environ: Mapping[str, str]) -> bool:
    """Decide on colour: an explicit choice, then NO_COLOR, FORCE_COLOR, then a tty."""
    if choice != "auto":
        return choice == "always"
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream)


def _isatty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _split_keys(values: Sequence[str] | None) -> list[str]:
    return [key.strip() for value in values or () for key in value.split(",") if key.strip()]


def _parse_where(text: str) -> tuple[str, bool, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.rstrip("!"):
        msg = f"expected KEY=VALUE or KEY!=VALUE, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    if key.endswith("!"):
        return key[:-1].strip(), False, value
    return key.strip(), True, value


def _parse_regex(text: str) -> str:
    try:
        re.compile(text)
    except re.error as exc:
        msg = f"invalid regular expression {text!r}: {exc}"
        raise argparse.ArgumentTypeError(msg) from None
    return text


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        msg = f"expected a positive number of seconds, got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return value


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser for ``jsonlog``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Show JSON log lines as readable text, or filter them.",
        epilog=(
            "Times without a zone are read in --timezone (default: local). Lines that are "
            "not JSON objects are shown unchanged unless a filter or --json is given."
        ),
    )
    parser.add_argument(
        "files", nargs="*", metavar="FILE", help="files to read ('-' or none: standard input)"
    )
    parser.add_argument(
        "-f", "--follow", action="store_true", help="keep reading the files as they grow"
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive_float,
        default=0.25,
        metavar="SECONDS",
        help="how often --follow looks for new lines (default: %(default)s)",
    )
    select = parser.add_argument_group("filters")
    select.add_argument(
        "-l", "--level", type=parse_level, help="only records at least this severe (name or number)"
    )
    select.add_argument(
        "--since", metavar="TIME", help="only records at or after TIME (a date, or 15m, 2h ago)"
    )
    select.add_argument("--until", metavar="TIME", help="only records at or before TIME")
    select.add_argument(
        "--timezone", metavar="TZ", help="zone of times written without one (default: local)"
    )
    select.add_argument(
        "-g", "--grep", type=_parse_regex, metavar="REGEX", help="only messages matching REGEX"
    )
    select.add_argument(
        "-i", "--ignore-case", action="store_true", help="make --grep case-insensitive"
    )
    select.add_argument(
        "-w",
        "--where",
        type=_parse_where,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only records whose field equals VALUE (KEY!=VALUE: differs); repeatable",
    )
    show = parser.add_argument_group("output")
    show.add_argument(
        "--json", action="store_true", help="write the selected records unchanged, one per line"
    )
    show.add_argument(
        "--fields",
        action="append",
        metavar="KEYS",
        help="comma-separated fields to show (a key shows its nested keys); pretty output only",
    )
    show.add_argument(
        "--exclude",
        action="append",
        metavar="KEYS",
        help="comma-separated fields to hide; pretty output only",
    )
    show.add_argument(
        "--color",
        "--colour",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the output (default: auto, on a terminal)",
    )
    show.add_argument(
        "--no-color",
        "--no-colour",
        dest="color",
        action="store_const",
        const="never",
        help="same as --color=never",
    )
    keys = parser.add_argument_group("keys (each replaces the built-in candidates)")
    for role in ("time", "level", "message", "logger", "exception"):
        keys.add_argument(
            f"--{role}-key",
            action="append",
            metavar="KEY",
            help=f"key holding the {role} (dotted for nested objects); repeatable",
        )
    return parser


def _schema(options: argparse.Namespace) -> Schema:
    schema = Schema()
    for role in ("time", "level", "message", "logger", "exception"):
        chosen = getattr(options, f"{role}_key")
        if chosen:
            setattr(schema, role, tuple(chosen))
    return schema


def _zone(parser: argparse.ArgumentParser, name: str | None) -> dt.tzinfo | None:
    if name is None:
        return None
    if name.upper() in {"UTC", "Z"}:
        return dt.UTC
    from dateutil import tz  # noqa: PLC0415 - keep `import jsonlog.cli` cheap

    zone = tz.gettz(name)
    if zone is None:
        parser.error(f"argument --timezone: unknown time zone {name!r}")
    return zone


def _time_option(
    parser: argparse.ArgumentParser, name: str, text: str | None, zone: dt.tzinfo | None
) -> float | None:
    if text is None:
        return None
    try:
        return parse_time_argument(text, zone, time.time())
    except (ValueError, OverflowError, OSError) as exc:
        parser.error(f"argument --{name}: {exc}")


def _open_inputs(paths: Sequence[str], stdin: IO[bytes]) -> Iterator[tuple[str, IO[bytes] | None]]:
    for path in paths or ["-"]:
        if path == "-":
            yield path, stdin
            continue
        try:
            handle = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
        except OSError as exc:
            sys.stderr.write(f"{PROG}: cannot read {path!r}: {exc.strerror or exc}\n")
            yield path, None
            continue
        with handle:
            yield path, handle


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the viewer; return the exit status (0 ok, 1 unreadable file, 2 bad options)."""
    parser = build_parser()
    options = parser.parse_args(argv)
    zone = _zone(parser, options.timezone)
    since = _time_option(parser, "since", options.since, zone)
    until = _time_option(parser, "until", options.until, zone)
    if options.follow and not [path for path in options.files if path != "-"]:
        options.follow = False  # standard input follows by itself
    if options.follow and "-" in options.files:
        parser.error("argument -f/--follow: cannot follow standard input together with files")

    out: IO[bytes] = sys.stdout.buffer
    stdin: IO[bytes] = sys.stdin.buffer
    schema = _schema(options)
    flags = re.IGNORECASE if options.ignore_case else 0
    selector = Selector(
        schema,
        min_level=options.level,
        since=since,
        until=until,
        grep=re.compile(options.grep, flags) if options.grep is not None else None,
        where=options.where,
        zone=zone,
    )
    colour = use_colour(options.color, sys.stdout, os.environ)
    renderer = None
    if not options.json:
        renderer = Renderer(
            schema,
            COLOUR if colour else PLAIN,
            fields=_split_keys(options.fields),
            exclude=_split_keys(options.exclude),
        )
    viewer = Viewer(
        out,
        renderer=renderer,
        selector=selector,
        escape_passthrough=colour or _isatty(sys.stdout),
    )
    try:
        if options.follow:
            return _run_follow(options.files, viewer, options.poll_interval)
        status = 0
        for _path, handle in _open_inputs(options.files, stdin):
            if handle is None:
                status = 1
                continue
            for lines in iter_blocks(handle):
                viewer.feed(lines)
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    return status


def _run_follow(paths: Sequence[str], viewer: Viewer, poll_interval: float) -> int:
    try:
        follow(paths, viewer.feed, poll_interval=poll_interval, sleep=_sleep)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        name = exc.filename if exc.filename is not None else "input"
        sys.stderr.write(f"{PROG}: cannot read {name!r}: {exc.strerror or exc}\n")
        return 1
    return 0  # pragma: no cover - follow() returns only by an exception


# The follow loop's sleep, looked up at each run so tests can script it.
_sleep: Callable[[float], None] = time.sleep
