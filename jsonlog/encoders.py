"""Turn a log dict into JSON: the encoder type, orjson and stdlib encoders, one fallback chain.

Every encoder here follows orjson's shape: a callable that takes the dict and
returns ``bytes`` or ``str``. Values that JSON cannot hold go through one
shared chain, :func:`default`, whichever encoder runs. When an encoder still
refuses a record (a circular reference, an integer beyond 64 bits, a lone
surrogate, a key that is not a string, NaN), :func:`sanitize` rebuilds a
JSON-safe copy of it, so the record is written with only the offending value
degraded.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import json
import math
import re
import sys
import traceback
import types
import uuid
from collections.abc import Callable, Mapping

import orjson

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeAlias

__all__ = [
    "Default",
    "Encoder",
    "JsonEncoder",
    "OrjsonEncoder",
    "default",
    "sanitize",
]

Encoder: TypeAlias = Callable[[dict[str, "Any"]], bytes | str]
"""Anything that turns the log dict into one JSON document."""

Default: TypeAlias = Callable[["Any"], "Any"]
"""A ``default=`` hook: returns a JSON-native stand-in or raises ``TypeError``."""

_INT64_MIN = -(2**63)
_UINT64_MAX = 2**64 - 1
MAX_DEPTH = 200
"""Deepest nesting :func:`sanitize` keeps; orjson itself stops at 254."""


def _placeholder(obj: object) -> str:
    return f"<unrepresentable {type(obj).__name__} object>"


def safe_str(obj: object) -> str:
    """Return ``str(obj)``, else ``repr(obj)``, else a placeholder naming the type."""
    try:
        return str(obj)
    except Exception:
        pass
    try:
        return repr(obj)
    except Exception:
        return _placeholder(obj)


def _exception_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {safe_str(exc)}"


def _enum_class_values(cls: type[enum.Enum]) -> list[Any]:
    return [member.value for member in cls]


def default(obj: Any) -> Any:
    """Return a JSON-native stand-in for ``obj``: the one fallback chain.

    datetime, date and time become ISO 8601 strings; timedelta its total
    seconds; Decimal, UUID and paths their string; an Enum member its value
    (an Enum class the list of its values); bytes URL-safe base64; sets a
    list; a dataclass, a named tuple, a ``SimpleNamespace``, an attrs class
    and a pydantic model a dict of their fields (so that their fields are
    searchable, and redaction by key reaches them); a mapping a dict; an
    exception ``"Type: message"``; a class its name; a traceback its text.
    Anything else, or a type whose own rule fails, gets ``str()``, then
    ``repr()``, then a placeholder naming its type. It never raises.
    """
    handler = _HANDLERS.get(type(obj))
    if handler is None:
        try:
            handler = _handler(obj)
        except Exception:  # an object whose attribute lookups raise
            return safe_str(obj)
        # Every rule below depends on the type alone, except for classes
        # themselves (an Enum class, any other class): those are not cached.
        if not isinstance(obj, type) and len(_HANDLERS) < _MAX_HANDLERS:
            _HANDLERS[type(obj)] = handler
    try:
        return handler(obj)
    except Exception:
        # A type whose own rule fails (a broken dataclass, a hostile mapping).
        return safe_str(obj)


_HANDLERS: dict[type, Default] = {}
"""The rule of :func:`default` found for each type seen, so a type is looked up once."""
_MAX_HANDLERS = 1024


def _handler(obj: Any) -> Default:
    """Return the rule of the fallback chain that applies to ``obj``."""
    # datetime.datetime is a date subclass, so one check covers both.
    if isinstance(obj, datetime.date | datetime.time):
        return _isoformat
    if isinstance(obj, datetime.timedelta):
        return _total_seconds
    if isinstance(obj, enum.Enum):
        return _enum_value
    if isinstance(obj, uuid.UUID) or _is_loaded_instance(obj, _STR_TYPES):
        return str
    if isinstance(obj, bytes | bytearray | memoryview):
        return _base64
    if isinstance(obj, set | frozenset):
        return _sorted_list
    if isinstance(obj, BaseException):
        return _exception_text
    if isinstance(obj, types.TracebackType):
        return _traceback_text
    if isinstance(obj, type) and issubclass(obj, enum.Enum):
        return _enum_class_values
    if isinstance(obj, type):
        return _class_name
    if dataclasses.is_dataclass(obj):
        return _dataclass_dict
    if isinstance(obj, Mapping):
        return dict
    return _record_handler(obj)


def _is_named_tuple(obj: Any) -> bool:
    """Tell whether ``obj`` is a named tuple (orjson hands those to ``default``)."""
    return isinstance(obj, tuple) and hasattr(type(obj), "_fields") and hasattr(obj, "_asdict")


def _record_handler(obj: Any) -> Default:
    """Return the rule for objects made of named fields, else ``safe_str``."""
    kind = type(obj)
    if _is_named_tuple(obj):
        return _named_tuple_dict
    if isinstance(obj, types.SimpleNamespace):
        return _namespace_dict
    if hasattr(kind, "__attrs_attrs__"):
        return _attrs_dict
    # Looked up on the class: a mock answers any attribute its instance is asked for.
    if callable(getattr(kind, "model_dump", None)):  # pydantic 2
        return _pydantic_dict
    if hasattr(kind, "__fields__") and callable(getattr(kind, "dict", None)):  # pydantic 1
        return _pydantic_v1_dict
    return safe_str


def _isoformat(obj: Any) -> Any:
    return obj.isoformat()


def _total_seconds(obj: datetime.timedelta) -> float:
    return obj.total_seconds()


def _enum_value(obj: enum.Enum) -> Any:
    return obj.value


def _base64(obj: bytes | bytearray | memoryview) -> str:
    import base64  # noqa: PLC0415 - import jsonlog stays cheap

    return base64.urlsafe_b64encode(obj).decode("ascii")


def _sorted_list(obj: set[Any] | frozenset[Any]) -> list[Any]:
    try:
        return sorted(obj)
    except Exception:
        return list(obj)


def _traceback_text(obj: types.TracebackType) -> str:
    return "".join(traceback.format_tb(obj)).strip()


def _class_name(obj: type) -> str:
    return obj.__name__


def _dataclass_dict(obj: Any) -> dict[str, Any]:
    return {field.name: getattr(obj, field.name) for field in dataclasses.fields(obj)}


def _named_tuple_dict(obj: Any) -> dict[str, Any]:
    return dict(obj._asdict())


def _namespace_dict(obj: types.SimpleNamespace) -> dict[str, Any]:
    return dict(vars(obj))


def _attrs_dict(obj: Any) -> dict[str, Any]:
    return {field.name: getattr(obj, field.name) for field in type(obj).__attrs_attrs__}


def _pydantic_dict(obj: Any) -> Any:
    return obj.model_dump()


def _pydantic_v1_dict(obj: Any) -> Any:
    return obj.dict()


_STR_TYPES = (("decimal", "Decimal"), ("pathlib", "PurePath"))
"""Types :func:`default` renders with ``str``, by module: not imported by jsonlog,
since no object of them can exist before their module is imported."""


def _is_loaded_instance(obj: object, names: tuple[tuple[str, str], ...]) -> bool:
    for module_name, type_name in names:
        module = sys.modules.get(module_name)
        if module is not None and isinstance(obj, getattr(module, type_name)):
            return True
    return False


def direct(encoder: Encoder) -> Encoder:
    """Return the fastest call that encodes as ``encoder`` does in the usual case.

    That is ``encoder.dumps`` when it has one (orjson called directly, see
    :class:`OrjsonEncoder`), else the encoder itself. The direct call may
    raise where the encoder would have recovered: call the encoder then.
    """
    dumps: Encoder | None = getattr(encoder, "dumps", None)
    return dumps or encoder


def chain(user_default: Default | None) -> Default:
    """Return a hook that tries ``user_default`` first, then :func:`default`."""
    if user_default is None:
        return default

    def user_then_default(obj: Any) -> Any:
        try:
            return user_default(obj)
        except Exception:
            return default(obj)

    return user_then_default


# A lone surrogate cannot be encoded as UTF-8; strict JSON parsers refuse it too.
# Patterns are kept as source and compiled on first use by re's own cache, so
# ``import jsonlog`` does not pay for them.
_SURROGATE = "[\ud800-\udfff]"
# The same, escaped by json.dumps(ensure_ascii=True): a high surrogate escape not
# followed by a low one, or a low one not preceded by a high one.
_ESCAPED_LONE_SURROGATE = (
    r"\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f][0-9a-f]{2})|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}"
)
_NON_ASCII = "[^\x00-\x7f]"


def _fix_surrogates(text: str) -> str:
    """Replace each lone surrogate by its ``\\udXXX`` spelling, keeping the rest."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def ascii_escape(text: str) -> str:
    """Escape every non-ASCII character of a JSON document as ``json.dumps`` does."""
    return re.sub(_NON_ASCII, _escape_char, text)


def _key(key: Any, hook: Default) -> str:
    # The same spellings orjson's OPT_NON_STR_KEYS and json.dumps use.
    if isinstance(key, str):
        return _fix_surrogates(key) if re.search(_SURROGATE, key) else key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, enum.Enum):
        return _key(key.value, hook)
    if isinstance(key, int | float):
        return _int_text(key) if isinstance(key, int) else repr(key)
    value = hook(key)
    return value if isinstance(value, str) else safe_str(key)


def _int_text(number: int) -> str:
    try:
        return str(number)
    except ValueError:  # beyond sys.get_int_max_str_digits()
        return f"<int of {number.bit_length()} bits>"


def sanitize(obj: Any, hook: Default = default, max_depth: int = MAX_DEPTH) -> Any:
    """Return a JSON-safe copy of ``obj`` that every encoder accepts.

    Circular references and nesting beyond ``max_depth`` become placeholder
    strings, integers outside 64 bits their decimal string, NaN and
    infinities ``None``, lone surrogates their escaped spelling, keys strings,
    and any other object what ``hook`` (then :func:`default`) makes of it.
    The input is never modified.
    """
    return _sanitize(obj, hook, max_depth, set())


def _sanitize(obj: Any, hook: Default, depth: int, active: set[int]) -> Any:
    try:
        return _sanitize_value(obj, hook, depth, active)
    except Exception:
        # A container whose iteration raises, say: only this value degrades.
        return _placeholder(obj)


def _sanitize_value(obj: Any, hook: Default, depth: int, active: set[int]) -> Any:
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, str):
        return _fix_surrogates(obj) if re.search(_SURROGATE, obj) else obj
    if isinstance(obj, int) and not isinstance(obj, enum.Enum):
        return obj if _INT64_MIN <= obj <= _UINT64_MAX else _int_text(obj)
    if isinstance(obj, float) and not isinstance(obj, enum.Enum):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict | list | tuple) and not _is_named_tuple(obj):
        if depth <= 0:
            return f"<nested deeper than {MAX_DEPTH} levels: {type(obj).__name__}>"
        if id(obj) in active:
            return f"<circular reference to {type(obj).__name__}>"
        active.add(id(obj))
        try:
            if isinstance(obj, dict):
                return {
                    _key(key, hook): _sanitize(value, hook, depth - 1, active)
                    for key, value in list(obj.items())
                }
            return [_sanitize(item, hook, depth - 1, active) for item in list(obj)]
        finally:
            active.discard(id(obj))
    replacement = _call_hook(hook, obj)
    if replacement is obj or type(replacement) is type(obj):
        # The hook gave the object back (or one like it): stop before looping.
        replacement = safe_str(obj)
    return _sanitize(replacement, hook, depth - 1, active)


def _call_hook(hook: Default, obj: Any) -> Any:
    try:
        return hook(obj)
    except Exception:
        return default(obj)


_STR_KEYS = ~orjson.OPT_NON_STR_KEYS
"""Mask clearing ``OPT_NON_STR_KEYS`` from an option."""


class OrjsonEncoder:
    """Encode with orjson: compact UTF-8 bytes; the default encoder.

    Args:
        default: hook for values orjson cannot serialize; the shared chain
            (:func:`default`) always runs after it.
        option: orjson ``OPT_*`` flags, passed through (``OPT_NON_STR_KEYS``
            is always added).
        indent: ``None``/``0``/``False`` for one line; ``2`` or ``True`` uses
            orjson's own indentation; any other int or string re-indents with
            the standard library, as ``json.dumps(indent=...)`` would.
        ensure_ascii: escape every non-ASCII character as ``\\uXXXX``.
    """

    def __init__(
        self,
        *,
        default: Default | None = None,
        option: int = 0,
        indent: int | str | bool | None = None,
        ensure_ascii: bool = False,
    ) -> None:
        self.default = chain(default)
        self.option = option | orjson.OPT_NON_STR_KEYS
        self._reindent: int | str | None = None
        if indent is True or indent == 2:
            self.option |= orjson.OPT_INDENT_2
        elif indent not in (None, False):
            self._reindent = indent
        self.ensure_ascii = ensure_ascii
        self.dumps: Callable[[dict[str, Any]], bytes] | None = None
        """A C-level call for the usual case (compact UTF-8, string keys), else None.

        It raises where :meth:`__call__` would retry or adjust; a caller that
        uses it falls back to :meth:`__call__` on any error.
        """
        if self._reindent is None and not ensure_ascii:
            self.dumps = functools.partial(
                orjson.dumps, default=self.default, option=self.option & _STR_KEYS
            )

    def __call__(self, data: dict[str, Any]) -> bytes | str:
        """Return ``data`` as JSON."""
        if self._reindent is None and not self.ensure_ascii:
            # The usual case: compact UTF-8, as orjson makes it. OPT_NON_STR_KEYS
            # makes every dict slower to encode, and string keys come out the
            # same without it: try without, and only a record that needs it
            # (or that fails anyway) pays for a second attempt.
            try:
                return orjson.dumps(data, default=self.default, option=self.option & _STR_KEYS)
            except TypeError:
                return orjson.dumps(data, default=self.default, option=self.option)
        out = orjson.dumps(data, default=self.default, option=self.option)
        if self._reindent is not None:
            return json.dumps(
                orjson.loads(out), indent=self._reindent, ensure_ascii=self.ensure_ascii
            )
        if self.ensure_ascii and not out.isascii():
            return ascii_escape(out.decode("utf-8"))
        return out


class JsonEncoder:
    """Encode with the standard library's ``json``, python-json-logger's way.

    With the defaults its output is byte for byte that of
    ``pythonjsonlogger.json.JsonFormatter``: ``", "`` and ``": "`` separators
    and ASCII escapes. Unlike it, the output is always strict JSON: NaN,
    infinities and lone surrogates make it raise ``ValueError``, so the
    formatter retries with :func:`sanitize`.

    Args:
        default: hook tried before the shared chain.
        cls: a ``json.JSONEncoder`` subclass (python-json-logger's
            ``json_encoder``); its own ``default`` method runs first.
        serializer: a ``json.dumps``-compatible callable
            (python-json-logger's ``json_serializer``).
        indent: ``json.dumps``'s ``indent``.
        ensure_ascii: ``json.dumps``'s ``ensure_ascii``.
    """

    def __init__(
        self,
        *,
        default: Default | None = None,
        cls: type[json.JSONEncoder] | None = None,
        serializer: Callable[..., str] | None = None,
        indent: int | str | None = None,
        ensure_ascii: bool = True,
    ) -> None:
        if cls is not None and default is None:
            default = cls().default
        self.default = chain(default)
        self.cls = cls
        self.serializer = serializer
        self.indent = indent
        self.ensure_ascii = ensure_ascii

    def __call__(self, data: dict[str, Any]) -> str:
        """Return ``data`` as JSON, or raise ``ValueError`` if it would not be strict."""
        if self.serializer is not None:
            out = self.serializer(
                data,
                default=self.default,
                cls=self.cls,
                indent=self.indent,
                ensure_ascii=self.ensure_ascii,
            )
        else:
            out = json.dumps(
                data,
                default=self.default,
                cls=self.cls,
                indent=self.indent,
                ensure_ascii=self.ensure_ascii,
                allow_nan=False,
            )
        if self.ensure_ascii:
            if "\\ud" in out and re.search(_ESCAPED_LONE_SURROGATE, out):
                raise ValueError("lone surrogate in a string")
        elif not out.isascii() and re.search(_SURROGATE, out):
            raise ValueError("lone surrogate in a string")
        return out
