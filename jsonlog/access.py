"""Typed fields from gunicorn's and uvicorn's access-log records.

gunicorn logs each request on ``gunicorn.access`` with ``msg`` = the
configured access-log format and ``args`` = a mapping of its *atoms*
(``h``, ``r``, ``s``, ``{user-agent}i``, ...), every ``"`` in a string atom
escaped as ``\\"``. uvicorn logs on ``uvicorn.access`` with ``args`` = the
5-tuple ``(client_addr, method, full_path, http_version, status_code)``.
The functions here turn either shape into flat OpenTelemetry HTTP
semantic-convention keys (``http.request.method``, ``url.path``,
``http.response.status_code``, ...); :class:`AccessFields` is the formatter's
processor. Records are recognised by logger name *and* by the shape of
``args``: a record on an access logger with any other ``args`` is left alone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence

from jsonlog import encoders

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

__all__ = [
    "ACCESS_LOGGERS",
    "PRESERVED_ATTR",
    "AccessFields",
    "gunicorn_fields",
    "portable",
    "unescape",
    "uvicorn_fields",
]

ACCESS_LOGGERS: tuple[str, ...] = ("gunicorn.access", "uvicorn.access")
"""Logger names whose records are read by default."""

PRESERVED_ATTR = "_jsonlog_access"
"""Record attribute where :class:`jsonlog.queues.QueueHandler` keeps the access
data (``("gunicorn", atoms)`` with the atoms already un-escaped, or
``("uvicorn", 5-tuple)``) once ``args`` is gone. It starts with ``_``, so it is
never emitted as an extra."""

Fields: TypeAlias = dict[str, "Any"]
Portable: TypeAlias = tuple[str, "Any"]

METHOD = "http.request.method"
PATH = "url.path"
QUERY = "url.query"
PROTOCOL_VERSION = "network.protocol.version"
STATUS_CODE = "http.response.status_code"
BODY_SIZE = "http.response.body.size"
CLIENT_ADDRESS = "client.address"
CLIENT_PORT = "client.port"
USER_AGENT = "user_agent.original"
REFERER = "http.request.header.referer"
DURATION_MS = "duration_ms"
REQUEST_HEADER = "http.request.header."
RESPONSE_HEADER = "http.response.header."
ENVIRON = "wsgi.environ."

_MISSING = ("-", "", None)
_UVICORN_ARITY = 5
_STATUS_LIMIT = 1000  # HTTP status codes have three digits


# -- gunicorn ------------------------------------------------------------------


def unescape(value: str) -> str:
    """Undo gunicorn's escaping of an atom: every ``\\"`` back to ``"``.

    gunicorn's ``SafeAtoms`` replaces each ``"`` with ``\\"`` and leaves
    backslashes alone, so in an escaped value every ``"`` follows an inserted
    backslash, and a left-to-right replacement of ``\\"`` by ``"`` finds
    exactly those pairs (an original backslash is followed by another
    backslash or by a character that is not ``"``). The inversion is exact
    for every value gunicorn escaped, including ones that contained
    ``\\"`` themselves (escaped to ``\\\\"``).
    """
    return value.replace('\\"', '"') if '"' in value else value


def _wsgi_text(value: str) -> str:
    """Return a WSGI string as the client's text: UTF-8 bytes when they are UTF-8.

    WSGI carries request bytes as latin-1-decoded ``str``; a client that
    sent UTF-8 sent ``é``, not ``Ã©``. Bytes that are not valid UTF-8 keep
    their latin-1 reading, so nothing is lost.
    """
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _to_int(value: Any, upper: int = 2**63) -> int | None:
    """Return ``value`` as an int in ``[0, upper)``, or ``None`` (odd values are dropped)."""
    if isinstance(value, bool):
        return None
    if not isinstance(value, int):
        try:
            value = int(str(value).split(None, 1)[0])
        except (ValueError, IndexError):
            return None
    return value if 0 <= value < upper else None


def _duration_ms(atoms: Mapping[str, Any]) -> float | None:
    """Return the request time in milliseconds from the finest atom present."""
    micros = atoms.get("D")
    if isinstance(micros, int) and not isinstance(micros, bool):
        return micros / 1000
    text = atoms.get("L")
    if isinstance(text, str):
        try:
            return float(text) * 1000
        except ValueError:
            pass
    for key, scale in (("M", 1), ("T", 1000)):
        value = atoms.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value * scale)
    return None


def _protocol_version(protocol: Any) -> str | None:
    if not isinstance(protocol, str) or protocol in _MISSING:
        return None
    name, slash, version = protocol.partition("/")
    return version if slash and name.upper() == "HTTP" else protocol


def gunicorn_fields(
    atoms: Mapping[str, Any],
    *,
    escaped: bool = True,
    request_headers: Sequence[str] = (),
    response_headers: Sequence[str] = (),
    environ: Sequence[str] = (),
) -> Fields:
    """Return the typed fields of one gunicorn access record's atoms.

    ``escaped`` says the string atoms went through gunicorn's ``SafeAtoms``
    (``"`` written as ``\\"``) and must be un-escaped. Header names are
    matched case-insensitively; ``environ`` names are WSGI environ keys such
    as ``REMOTE_USER``. Values gunicorn marks as missing (``"-"``) and empty
    ones are left out. Never raises on odd atom values.
    """

    def text(key: str) -> str | None:
        value = atoms.get(key)
        if not isinstance(value, str) or value in _MISSING:
            return None
        return _wsgi_text(unescape(value) if escaped else value)

    def header_or_dash(key: str, header: str) -> str | None:
        # gunicorn writes "-" for a missing header: a header that really is
        # "-" is told apart by its {name}i atom, present only when sent.
        value = atoms.get(key)
        if value == "-" and header in atoms:
            return "-"
        return text(key)

    fields: Fields = {}
    _put(fields, METHOD, text("m"))
    _put(fields, PATH, text("U"))
    _put(fields, QUERY, text("q"))
    _put(fields, PROTOCOL_VERSION, _protocol_version(atoms.get("H")))
    _put(fields, STATUS_CODE, _to_int(atoms.get("s"), _STATUS_LIMIT))
    size = atoms.get("B")
    _put(fields, BODY_SIZE, _to_int(atoms.get("b")) if size is None else _to_int(size))
    _put(fields, CLIENT_ADDRESS, text("h"))
    _put(fields, USER_AGENT, header_or_dash("a", "{user-agent}i"))
    _put(fields, REFERER, header_or_dash("f", "{referer}i"))
    _put(fields, DURATION_MS, _duration_ms(atoms))
    for name in request_headers:
        _put(fields, REQUEST_HEADER + name, _header(atoms.get("{" + name + "}i"), escaped))
    for name in response_headers:
        _put(fields, RESPONSE_HEADER + name, _header(atoms.get("{" + name + "}o"), escaped))
    for name in environ:
        # Objects (wsgi.input, the socket) asked for by name arrive as their text.
        _put(fields, ENVIRON + name, _header(atoms.get("{" + name.lower() + "}e"), escaped))
    return fields


def _header(value: Any, escaped: bool) -> Any:
    if isinstance(value, str):
        return _wsgi_text(unescape(value) if escaped else value)
    return None if value is None else _scalar(value)


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return encoders.safe_str(value)


def _put(fields: Fields, key: str, value: Any) -> None:
    if value is not None and value != "":
        fields[key] = value


def is_escaped(atoms: Mapping[str, Any]) -> bool:
    """Tell whether ``atoms`` came through gunicorn's escaping ``SafeAtoms`` wrapper.

    A plain ``dict`` logged by hand on ``gunicorn.access`` is taken as is.
    """
    return _ESCAPED_TYPES.get(type(atoms)) or _learn_type(type(atoms))


_ESCAPED_TYPES: dict[type, bool] = {dict: False}


def _learn_type(cls: type) -> bool:
    escaped = any(
        base.__name__ == "SafeAtoms" and base.__module__.startswith("gunicorn")
        for base in cls.__mro__
    )
    _ESCAPED_TYPES[cls] = escaped
    return escaped


# -- uvicorn -------------------------------------------------------------------


def uvicorn_fields(args: Sequence[Any]) -> Fields:
    """Return the typed fields of uvicorn's access-log 5-tuple.

    The tuple is ``(client_addr, method, full_path, http_version, status_code)``.

    ``client_addr`` is ``"host:port"`` (``""`` when unknown) and is split into
    ``client.address`` and ``client.port``; ``full_path`` is the
    percent-encoded path and the raw query string, split at the first
    ``?``. uvicorn logs neither the body size, the user agent nor the
    duration, so those keys are absent.
    """
    client, method, full_path, http_version, status = args
    fields: Fields = {}
    if isinstance(client, str) and client:
        host, colon, port = client.rpartition(":")
        if colon and port.isdigit():
            fields[CLIENT_ADDRESS] = host
            fields[CLIENT_PORT] = int(port)
        else:
            fields[CLIENT_ADDRESS] = client
    _put(fields, METHOD, method if isinstance(method, str) else None)
    if isinstance(full_path, str):
        path, question, query = full_path.partition("?")
        _put(fields, PATH, path)
        _put(fields, QUERY, query if question else None)
    _put(fields, PROTOCOL_VERSION, None if http_version is None else str(http_version))
    _put(fields, STATUS_CODE, _to_int(status, _STATUS_LIMIT))
    return fields


# -- records -------------------------------------------------------------------


def _is_uvicorn(args: Any) -> bool:
    return isinstance(args, tuple) and len(args) == _UVICORN_ARITY


def portable(record: logging.LogRecord) -> Portable | None:
    """Return the record's access data in a picklable, self-describing form, or ``None``.

    gunicorn atoms come back un-escaped, with only string and number values
    (environ objects such as ``wsgi.input`` become their text), so the record
    can cross a process boundary and still yield the same fields.
    """
    kept = record.__dict__.get(PRESERVED_ATTR)
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    args = record.args
    if isinstance(args, Mapping):
        escaped = is_escaped(args)
        atoms = {
            str(key): (unescape(value) if escaped else value)
            if isinstance(value, str)
            else _scalar(value)
            for key, value in args.items()
        }
        return ("gunicorn", atoms)
    if _is_uvicorn(args):
        return ("uvicorn", tuple(_scalar(item) for item in args))  # type: ignore[union-attr]
    return None


class AccessFields:
    """Processor adding typed access-log fields to records of the access loggers.

    Args:
        loggers: logger names whose records are read; the shape of ``args``
            (a mapping for gunicorn, a 5-tuple for uvicorn) picks the parser.
        request_headers: request headers to add as
            ``http.request.header.<name>`` (any case; keys are lower case).
        response_headers: response headers to add as
            ``http.response.header.<name>`` (gunicorn only).
        environ: WSGI environ keys to add as ``wsgi.environ.<KEY>``
            (gunicorn only), e.g. ``REMOTE_USER``.
        rename: output key for a field, as the formatter's ``rename_fields``.
    """

    def __init__(
        self,
        loggers: Iterable[str] = ACCESS_LOGGERS,
        *,
        request_headers: Sequence[str] = (),
        response_headers: Sequence[str] = (),
        environ: Sequence[str] = (),
        rename: Mapping[str, str] | None = None,
    ) -> None:
        self.loggers = frozenset(_names(loggers, "access_loggers", lower=False))
        self.request_headers = _names(request_headers, "access_request_headers")
        self.response_headers = _names(response_headers, "access_response_headers")
        self.environ = _names(environ, "access_environ", lower=False)
        self._rename = dict(rename or {})
        self._options = {
            "request_headers": self.request_headers,
            "response_headers": self.response_headers,
            "environ": self.environ,
        }

    def fields(self, record: logging.LogRecord) -> Fields:
        """Return the typed fields of ``record``; empty when it is not an access record."""
        if record.name not in self.loggers:
            return {}
        kept = record.__dict__.get(PRESERVED_ATTR)
        if kept is not None:
            return self._from_portable(kept)
        args = record.args
        if isinstance(args, Mapping):
            return gunicorn_fields(args, escaped=is_escaped(args), **self._options)
        if _is_uvicorn(args):
            return uvicorn_fields(args)  # type: ignore[arg-type]
        return {}

    def _from_portable(self, kept: Any) -> Fields:
        kind, data = kept
        if kind == "gunicorn":
            return gunicorn_fields(data, escaped=False, **self._options)
        return uvicorn_fields(data) if kind == "uvicorn" and _is_uvicorn(data) else {}

    def __call__(self, record: logging.LogRecord, log_data: dict[str, Any]) -> dict[str, Any]:
        """Add the record's access fields (none for other records) to ``log_data``; return it."""
        try:
            found = self.fields(record)
        except Exception as error:
            found = {"access_log_error": encoders.default(error)}
        rename = self._rename
        for key, value in found.items():
            log_data[rename.get(key, key)] = value
        return log_data


def _names(values: Iterable[str], name: str, *, lower: bool = True) -> tuple[str, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(f"{name} must be a list of names, not {type(values).__name__}")
    names = []
    for value in values:
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{name} must hold non-empty strings; got {value!r}")
        names.append(value.strip().lower() if lower else value.strip())
    return tuple(names)
