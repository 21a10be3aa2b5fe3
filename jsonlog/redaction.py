"""Redaction: keep secrets out of the log by key name, by path and by value pattern.

Three rules, applied to the finished log data (after any preset), at every
depth of nested dicts and lists:

- **Key names**, case-insensitive, ``-`` and ``_`` alike: a key equal to a
  listed name, ending with ``_<name>`` or ``.<name>`` (``db_password``,
  ``http.request.header.authorization``), or, for the names in
  :data:`SUFFIX_KEYS`, simply ending with it (``accessToken``). The value,
  whatever it is, becomes the censor text (or the key is removed).
- **Paths**: dotted paths into the output (``"user.card.number"``); ``*``
  matches any key; lists are looked through; a dotted key (as the access-log
  fields have) matches the same path.
- **Value patterns**: in every string, bearer tokens, ``Basic`` credentials,
  ``user:password@`` in URLs and any regular expression you add are replaced
  by the censor text.

Nothing the caller owns is modified: a dict or list that needs a change is
copied, and only along the path to the change; data with nothing to redact is
returned as it is.

Speed: the formatter wraps its encoder with :meth:`Redactor.wrap`. The record
is encoded as usual and the line searched once for anything that could be a
secret (a listed key name before ``":``, ``bearer``, ``basic``, ``://``);
only then is a redacted copy made and encoded. With redaction paths or your
own patterns, every record is walked. A formatter subclass that overrides
``jsonify_log_record`` or ``serialize_log_record`` gets the redactor as a
processor instead, which walks every record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence

from jsonlog import encoders
from jsonlog.encoders import Default, Encoder

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jsonlog.formatter import LogData

__all__ = [
    "DEFAULT_CENSOR",
    "DEFAULT_KEYS",
    "DEFAULT_PATTERNS",
    "SUFFIX_KEYS",
    "RedactingEncoder",
    "Redactor",
    "from_options",
]


DEFAULT_CENSOR = "[REDACTED]"

DEFAULT_KEYS: frozenset[str] = frozenset(
    {
        "password",
        "passwd",
        "pwd",
        "secret",
        "client_secret",
        "secret_key",
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "api_key",
        "apikey",
        "x_api_key",
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "session",
        "sessionid",
        "session_id",
        "private_key",
        "privatekey",
        "credentials",
        "credit_card",
        "card_number",
        "cvv",
    }
)
"""Key names redacted by default (compared lowercased, with ``-`` read as ``_``)."""

SUFFIX_KEYS: frozenset[str] = frozenset(
    {"password", "passwd", "secret", "token", "apikey", "cookie", "sessionid", "privatekey"}
)
"""Names that also match as the plain end of a key (camelCase: ``accessToken``)."""

DEFAULT_PATTERNS: tuple[tuple[str, str], ...] = (
    # "Authorization: Bearer <token>" and the like.
    (r"(?i:\b(bearer)\s+)[A-Za-z0-9._~+/-]+=*", r"\1 "),
    # "Basic <base64 user:password>".
    (r"(?i:\b(basic)\s+)[A-Za-z0-9+/]{8,}=*", r"\1 "),
    # "scheme://user:password@host".
    (r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s:@]+:[^/\s@]*(?=@)", r"\1"),
)
"""Value patterns redacted by default: (regex, the text kept before the censor)."""

_DEFAULT_TRIGGER = re.compile(r"(?i:bearer|basic)\s|://")
_REMOVE: Any = object()
_MAX_DEPTH = 100
_CACHE_SIZE = 4096
_OPTION_NAMES = ("keys", "defaults", "paths", "patterns", "censor")


def _normal(key: str) -> str:
    return key.lower().replace("-", "_")


def _key_regex(keys: frozenset[str], suffix_keys: frozenset[str]) -> re.Pattern[str]:
    words = "|".join(sorted((re.escape(key) for key in keys), key=len, reverse=True))
    pattern = rf"(?:^|[._]|\b)(?:{words})\Z" if words else r"(?!)"
    if suffix_keys:
        suffixes = "|".join(sorted(re.escape(key) for key in suffix_keys))
        pattern = rf"{pattern}|(?:{suffixes})\Z"
    return re.compile(pattern)


class _Pattern:
    """One value pattern and what replaces its matches."""

    def __init__(self, regex: re.Pattern[str], keep: str | None, censor: str) -> None:
        self.regex = regex
        self.replacement = censor if keep is None else keep + censor.replace("\\", "\\\\")
        self._literal = keep is None

    def sub(self, text: str) -> str:
        if self._literal:
            replacement = self.replacement
            return self.regex.sub(lambda _match: replacement, text)
        return self.regex.sub(self.replacement, text)


class Redactor:
    """Redact secrets from log data; a processor for :class:`jsonlog.JsonFormatter`.

    Args:
        keys: key names to redact, added to :data:`DEFAULT_KEYS` unless
            ``defaults`` is false.
        paths: dotted paths into the output to redact.
        patterns: regular expressions (text or compiled) whose matches in
            string values are redacted.
        censor: the replacement text; ``None`` removes redacted keys (and
            writes :data:`DEFAULT_CENSOR` in place of matched text).
        defaults: include :data:`DEFAULT_KEYS` and :data:`DEFAULT_PATTERNS`.
    """

    def __init__(
        self,
        keys: Sequence[str] = (),
        paths: Sequence[str] = (),
        patterns: Sequence[str | re.Pattern[str]] = (),
        censor: str | None = DEFAULT_CENSOR,
        *,
        defaults: bool = True,
    ) -> None:
        keys = _strings(keys, "keys")
        paths = _strings(paths, "paths")
        if censor is not None and not isinstance(censor, str):
            raise TypeError(f"censor must be a string or None, not {type(censor).__name__}")
        self.censor = censor
        text = DEFAULT_CENSOR if censor is None else censor
        self._value: Any = _REMOVE if censor is None else censor
        key_set = frozenset(_normal(key) for key in keys)
        self.keys = (DEFAULT_KEYS | key_set) if defaults else key_set
        self._key_regex = _key_regex(self.keys, SUFFIX_KEYS if defaults else frozenset())
        self._cache: dict[str, bool] = {}
        self.paths = [tuple(path.split(".")) for path in paths]
        if any("" in parts for parts in self.paths):
            raise ValueError(f"redact_paths must be dotted key paths; got {list(paths)!r}")
        self._defaults = (
            [_Pattern(re.compile(regex), keep, text) for regex, keep in DEFAULT_PATTERNS]
            if defaults
            else []
        )
        self._patterns = [_Pattern(_compile(pattern), None, text) for pattern in patterns]
        self._scan = bool(self._defaults or self._patterns)
        self._always_walk = bool(self.paths or self._patterns)
        self.key_trigger = _key_trigger(
            self.keys, SUFFIX_KEYS if defaults else frozenset(), urls=defaults
        )
        self.word_trigger = rb"b(?:earer|asic)" if defaults else rb"(?!)"

    # -- matching ---------------------------------------------------------------

    def is_secret_key(self, key: str) -> bool:
        """Tell whether a key name is redacted."""
        known = self._cache.get(key)
        if known is None:
            known = self._key_regex.search(_normal(key)) is not None
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = known
        return known

    def redact_text(self, text: str) -> str:
        """Return ``text`` with every value-pattern match censored."""
        if self._defaults and _DEFAULT_TRIGGER.search(text):
            for pattern in self._defaults:
                text = pattern.sub(text)
        for pattern in self._patterns:
            text = pattern.sub(text)
        return text

    def wrap(self, encoder: Encoder, hook: Default = encoders.default) -> RedactingEncoder:
        """Return ``encoder`` redacting through this redactor (see the module's notes on speed)."""
        return RedactingEncoder(encoder, self, hook)

    def redact_all(self, log_data: LogData) -> LogData:
        """Return a redacted copy of ``log_data``; the input is not modified."""
        return self(_NO_RECORD, dict(log_data))

    # -- walking ----------------------------------------------------------------

    def __call__(self, record: logging.LogRecord, log_data: LogData) -> LogData:
        """Redact ``log_data`` (owned by the formatter) in place; nested values copy on write."""
        changes: list[tuple[str, Any]] | None = None
        for key, value in log_data.items():
            if isinstance(key, str) and self.is_secret_key(key):
                new = self._value
            else:
                new = self.redact(value, 1)
                if new is value:
                    continue
            if changes is None:
                changes = []
            changes.append((key, new))
        if changes:
            for key, new in changes:
                if new is _REMOVE:
                    del log_data[key]
                else:
                    log_data[key] = new
        for parts in self.paths:
            log_data = self._path(log_data, parts, 0)
        return log_data

    def redact(self, value: Any, depth: int = 0) -> Any:
        """Return ``value`` redacted: the same object when nothing matched, else a copy."""
        kind = type(value)
        if kind is str:
            return self.redact_text(value) if self._scan else value
        if kind is int or kind is float or kind is bool or value is None:
            return value
        if isinstance(value, Mapping):
            return self._mapping(value, depth)
        if isinstance(value, list | tuple):
            return self._sequence(value, depth)
        if isinstance(value, str):  # a str subclass
            return self.redact_text(str(value)) if self._scan else value
        return value

    def _mapping(self, value: Mapping[Any, Any], depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            return "<nested too deep to redact>"
        copy: dict[Any, Any] | None = None if isinstance(value, dict) else dict(value)
        for key, item in value.items():
            if isinstance(key, str) and self.is_secret_key(key):
                new = self._value
            else:
                new = self.redact(item, depth + 1)
                if new is item:
                    continue
            if copy is None:
                copy = dict(value)
            if new is _REMOVE:
                del copy[key]
            else:
                copy[key] = new
        return value if copy is None else copy

    def _sequence(self, value: list[Any] | tuple[Any, ...], depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            return "<nested too deep to redact>"
        copy: list[Any] | None = None
        for index, item in enumerate(value):
            new = self.redact(item, depth + 1)
            if new is not item:
                if copy is None:
                    copy = list(value)
                copy[index] = new
        return value if copy is None else copy

    def _path(self, node: Any, parts: tuple[str, ...], depth: int) -> Any:
        if depth >= _MAX_DEPTH:
            return node
        if isinstance(node, list | tuple):
            items = [self._path(item, parts, depth + 1) for item in node]
            if all(new is old for new, old in zip(items, node, strict=True)):
                return node
            return items
        if not isinstance(node, Mapping):
            return node
        copy: dict[Any, Any] | None = None
        for length in range(1, len(parts) + 1):
            head = ".".join(parts[:length])
            rest = parts[length:]
            if head == "*":
                keys = list(node)
            elif head in node:
                keys = [head]
            else:
                continue
            for key in keys:
                old = node[key]
                new = self._value if not rest else self._path(old, rest, depth + 1)
                if new is old:
                    continue
                if copy is None:
                    copy = dict(node)
                if new is _REMOVE:
                    copy.pop(key, None)
                else:
                    copy[key] = new
        return node if copy is None else copy


def _strings(values: Any, name: str) -> list[str]:
    if isinstance(values, str) or not isinstance(values, Sequence | set | frozenset):
        raise TypeError(f"redact {name} must be a list of strings, not {type(values).__name__}")
    if not all(isinstance(value, str) for value in values):
        raise TypeError(f"redact {name} must be a list of strings; got {list(values)!r}")
    return list(values)


def _compile(pattern: Any) -> re.Pattern[str]:
    if isinstance(pattern, re.Pattern):
        return pattern
    if not isinstance(pattern, str):
        raise TypeError(
            f"redact_patterns must hold regular expressions, not {type(pattern).__name__}"
        )
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(
            f"redact_patterns: invalid regular expression {pattern!r}: {error}"
        ) from None


def _key_trigger(keys: frozenset[str], suffix_keys: frozenset[str], urls: bool) -> bytes:
    """Return a regex finding, in the reversed lowercased JSON line, what may be a secret.

    A key ending with a listed name shows as ``name":`` in the line; reversed,
    that starts with the literal ``:"`` (or ``: "``), which lets the regex
    engine jump from one colon to the next, and the names are matched as a
    trie, one character test per colon. With ``urls``, the colon of ``://``
    is caught too. A superset on purpose: a false alarm only costs a closer
    look.
    """
    words = sorted({word[::-1] for word in (*keys, *suffix_keys)})
    alternatives = []
    if urls:
        alternatives.append(rb"(?<=//:)")
    if words:
        alternatives.append(rb'\s*"' + _trie(words).encode("utf-8"))
    if not alternatives:
        return rb"(?!)"
    return rb":(?:" + rb"|".join(alternatives) + rb")"


def _trie(words: Sequence[str]) -> str:
    """Return a regex matching any of ``words`` as a prefix, built as a trie.

    A word that is a prefix of another ends the branch: matching it is enough.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            if node.get("") is True:
                break
            node = node.setdefault(char, {})
        else:
            node.clear()
            node[""] = True

    def build(node: dict[str, Any]) -> str:
        if node.get("") is True:
            return ""
        branches = [
            ("[-_]" if char in "-_" else re.escape(char)) + build(child)
            for char, child in sorted(node.items())
        ]
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(root)


class _NoRecord(logging.LogRecord):
    """Stands for the record where the redactor runs outside the processor chain."""


_NO_RECORD = _NoRecord("jsonlog.redaction", logging.NOTSET, "", 0, "", (), None)


class RedactingEncoder:
    """Encode, then look at the line once; redact a copy and encode again only if needed.

    Args:
        encoder: the encoder to wrap.
        redactor: the rules.
        hook: the formatter's ``default`` chain: the copy is made JSON-native
            first, so secrets inside dataclasses and other objects are found.
    """

    def __init__(self, encoder: Encoder, redactor: Redactor, hook: Default) -> None:
        self.encoder = encoder
        self._direct = encoders.direct(encoder)
        self.redactor = redactor
        self.hook = hook
        self._keys = re.compile(redactor.key_trigger).search
        self._words = re.compile(redactor.word_trigger).search
        self._always = redactor._always_walk

    def __call__(self, data: dict[str, Any]) -> bytes | str:
        """Return ``data`` as JSON with its secrets redacted."""
        if self._always:
            # Paths or patterns of the user's: every record is walked anyway.
            return self._redacted(data)
        try:
            out = self._direct(data)
        except Exception:
            out = self.encoder(data)
        line = out.lower() if isinstance(out, bytes) else out.lower().encode("utf-8", "replace")
        if self._words(line) is None and self._keys(line[::-1]) is None:
            return out
        return self._redacted(data)

    def _redacted(self, data: dict[str, Any]) -> bytes | str:
        safe = encoders.sanitize(data, self.hook)
        return self.encoder(self.redactor.redact_all(safe))


def from_options(
    redact: bool | Sequence[str] | Mapping[str, Any] | Redactor | None,
    redact_paths: Sequence[str] | None,
    redact_patterns: Sequence[str | re.Pattern[str]] | None,
    censor: str | None,
) -> Redactor | None:
    """Return the redactor the keywords ask for, or None for no redaction.

    ``redact`` is ``True`` (the defaults), a list of further key names, a dict
    of :class:`Redactor` options (``keys``, ``defaults``, ``paths``,
    ``patterns``, ``censor``) or a :class:`Redactor`. ``redact_paths`` or
    ``redact_patterns`` alone turn redaction on with the defaults.
    """
    if isinstance(redact, Redactor):
        return redact
    if redact is False:
        if redact_paths or redact_patterns:
            raise ValueError("redact=False contradicts redact_paths / redact_patterns")
        return None
    if redact is None or redact is True:
        if redact is None and not redact_paths and not redact_patterns:
            return None
        options: dict[str, Any] = {}
    elif isinstance(redact, Mapping):
        unknown = set(redact) - set(_OPTION_NAMES)
        if unknown:
            raise ValueError(
                f"redact options must be among {', '.join(_OPTION_NAMES)}; got {sorted(unknown)}"
            )
        options = dict(redact)
    elif isinstance(redact, Sequence) and not isinstance(redact, str):
        options = {"keys": list(redact)}
    else:
        raise TypeError(
            "redact must be True, False, a list of key names, a dict of options or a Redactor; "
            f"got {redact!r}"
        )
    options["paths"] = [*options.get("paths", ()), *(redact_paths or ())]
    options["patterns"] = [*options.get("patterns", ()), *(redact_patterns or ())]
    options.setdefault("censor", censor)
    defaults = options.pop("defaults", True)
    return Redactor(**options, defaults=bool(defaults))
