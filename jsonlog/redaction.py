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
  the user and password of URLs (``user:password@``, ``:password@``,
  ``token@``), the value of a ``name=value`` parameter whose name ends with
  a listed key (``?access_token=...``, ``password=...`` in a message) and
  any regular expression you add are replaced by the censor text.

Nothing the caller owns is modified: a dict or list that needs a change is
copied, and only along the path to the change; data with nothing to redact is
returned as it is.

Speed: the formatter wraps its encoder with :meth:`Redactor.wrap`. The record
is encoded as usual and the line checked once, exactly, for anything that
could be a secret (a key ending with a listed name, ``bearer``, ``basic``,
``://``, ``name=``; see :class:`RedactingEncoder`); only then is a redacted copy made and
encoded. With redaction paths or your own patterns, every record is walked.
A formatter subclass that overrides ``jsonify_log_record`` or
``serialize_log_record`` gets the redactor as a
processor instead, which walks every record.
"""

from __future__ import annotations

import datetime
import logging
import re
import uuid
from collections.abc import Mapping, Sequence

from jsonlog import encoders
from jsonlog.encoders import Default, Encoder

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from jsonlog.formatter import LogData, Processor

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
    # "scheme://user:password@host", the user alone (a token) or the password alone
    # ("redis://:password@host"); an "@" inside the password is taken as one when
    # another "@" follows before the host's end ("/", "?", "#": those must be
    # escaped in a password, as %2F...).
    (r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)(?:[^\s/?#@]|@(?=[^\s/?#@]*@))+(?=@)", r"\1"),
)
"""Value patterns redacted by default: (regex, the text kept before the censor)."""

_DEFAULT_TRIGGER = re.compile(r"(?i:bearer|basic)\s|://|=")
# The words of the default patterns, in a lowercased ASCII line and in any text
# (with Unicode case folding: "ba\u017fic", a long s, matches "basic").
_ASCII_WORDS = re.compile(rb"b(?:earer|asic)").search
_URL = re.compile(rb"://").search  # quicker than bytes.find here
# The same words in a line as it is: a literal first byte, then any case.
_LOWER_B = re.compile(rb"b(?i:earer|asic)").search
_UPPER_B = re.compile(rb"B(?i:earer|asic)").search
_WORDS = re.compile(r"(?i:bearer|basic)").search
# A key name the text search can find: every encoder of ours writes it as it is
# (printable ASCII but the quote and the backslash; json.dumps escapes the rest).
_PLAIN_NAME = re.compile(r"[ !#-\[\]-~]*")
# Values that encode as a JSON string, number, boolean or null: no keys inside.
_SCALARS = frozenset({str, int, float, bool, type(None)})
_KEYLESS = (str, int, float, datetime.date, datetime.time, uuid.UUID)
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
        self.parameter_names = _parameter_names(self.keys) if defaults else ""
        """Regex alternation of the names whose ``name=value`` values are redacted."""
        if self.parameter_names:
            # "?access_token=...", "&api-key=...", "password=... " in a message:
            # a parameter whose name ends with a listed key (ASCII names).
            parameter = rf"(?i)((?<![^\s?&;,])[\w.-]*(?:{self.parameter_names})=)[^\s&#;,]+"
            self._defaults.append(_Pattern(re.compile(parameter), r"\1", text))
        self._patterns = [_Pattern(_compile(pattern), None, text) for pattern in patterns]
        self._scan = bool(self._defaults or self._patterns)
        self._always_walk = bool(self.paths or self._patterns)
        self.key_trigger = _key_trigger(self.keys, SUFFIX_KEYS if defaults else frozenset())

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

    def processor(self, hook: Default = encoders.default) -> Processor:
        """Return a processor for a formatter that encodes by itself.

        The log data is made JSON-native first, with ``hook`` (a dataclass, a
        named tuple or a model becomes a dict), then redacted: secrets inside
        such objects are found, as the wrapped encoder finds them.
        """

        def redact_native(record: logging.LogRecord, log_data: LogData) -> LogData:
            return self(record, encoders.sanitize(log_data, hook))

        return redact_native

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


def _parameter_names(keys: frozenset[str]) -> str:
    """Return the ASCII ``keys`` as a regex alternation, ``_`` matching ``-``, ``_`` or nothing."""
    names = sorted((key for key in keys if key.isascii() and key), key=len, reverse=True)
    return "|".join(re.escape(name).replace("_", "[-_]?") for name in names)


def _key_trigger(keys: frozenset[str], suffix_keys: frozenset[str]) -> bytes:
    """Return a regex finding, in the reversed lowercased JSON line, what may be a secret key.

    A key ending with a listed name shows as ``name":`` in the line (orjson
    and ``json`` both write the colon right after the quote); reversed, that
    starts with the literal ``:"``, which lets the regex engine jump from one
    key to the next, and the names are matched as a trie, one character test
    per key. A superset on purpose (no word boundary is checked): a false
    alarm only costs a closer look.
    """
    words = sorted({word[::-1] for word in (*keys, *suffix_keys)})
    if not words:
        return rb"(?!)"
    return rb':"' + _trie(words).encode("utf-8")


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
    """Encode, then check the line once; redact a copy and encode again only if needed.

    The check never passes a record the walk would change, and costs a few
    C-level passes over the line in the usual case (an ASCII line without
    an escape that could stand for a letter, see :func:`_letter_escapes`):

    - **keys**: every key shows as ``"key":`` in the line, so a regex over the
      lowercased, reversed line finds any key ending with a listed name (a
      trie behind the literal ``:"``, see :func:`_key_trigger`). In an ASCII
      line, ``bytes.lower`` is ``str.lower``, and non-``str`` keys show as the
      text the walk's copy gets. Any other line (non-ASCII, or escapes that
      could hide a letter: the Kelvin sign, U+212A, lowercases to ``k``)
      has its keys checked on the data instead: harmless ``str`` keys are
      remembered in a bounded set, so a dict of known keys costs one C-level
      subset test, and nested dicts and lists are walked only when the line
      has a bracket past its opening one. A line with nothing nested is
      checked that way too: its keys are the dict's own.
    - **value patterns**: ``://`` only when the line holds a ``/``;
      ``bearer``/``basic`` only when it holds a ``b`` or ``B`` (no other
      character matches those under ``re.I``); a non-ASCII line is searched
      as text, with Unicode case folding (``"Ba\\u017fic"``, a long s, matches, as in
      :meth:`Redactor.redact_text`). A line with escapes that could hide a
      letter is walked.

    Escapes of other characters (``\\n``, ``\\u001b``, and every non-ASCII
    character ``json.dumps`` writes as ``\\u00fc``) cannot spell a key name or
    a pattern word, so such a line is checked as text too, when the encoder is
    ours: a user's serializer or ``JSONEncoder`` class might escape any
    character, and any escape sends its lines to the data.

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
        self._always = redactor._always_walk
        self._patterns = bool(redactor._defaults)
        self._keys = re.compile(redactor.key_trigger).search
        # "name=" for the parameter pattern: in a line (ASCII case folding; the
        # names are ASCII) and in text (Unicode case folding, as the pattern).
        names = redactor.parameter_names or "(?!)"  # none without the defaults: never
        self._parameters = re.compile(rb"(?i)(?:" + names.encode("ascii") + rb")=").search
        self._parameters_text = re.compile(rf"(?i)(?:{names})=").search
        # Our encoders (not a user's serializer or encoder class) escape only
        # control and non-ASCII characters: what the text shows is known.
        ours = isinstance(encoder, encoders.OrjsonEncoder) or (
            isinstance(encoder, encoders.JsonEncoder)
            and encoder.serializer is None
            and encoder.cls is None
        )
        self._hides_letters = _letter_escapes if ours else _escapes
        # Keys are searched in the text only where it shows them as they are:
        # our encoders, and names JSON writes unescaped.
        self._text_keys = ours and all(_PLAIN_NAME.fullmatch(key) for key in redactor.keys)
        self._safe: set[str] = set()
        """Keys seen and found harmless; cleared when it reaches ``_CACHE_SIZE``."""
        self.dumps: Encoder | None = None
        """The formatter's fast path call: orjson, then the check (see :func:`encoders.direct`)."""
        if self._direct is not encoder and not self._always:
            self.dumps = self._checked_dumps()

    def __call__(self, data: dict[str, Any]) -> bytes | str:
        """Return ``data`` as JSON with its secrets redacted."""
        if self._always:
            # Paths or patterns of the user's: every record is walked anyway.
            return self._redacted(data)
        try:
            out = self._direct(data)
        except Exception:
            out = self.encoder(data)
        line = out if isinstance(out, bytes) else out.encode("utf-8", "surrogatepass")
        return out if self._clean(data, line) else self._redacted(data)

    def _checked_dumps(self) -> Encoder:
        """Return the direct call: the usual case of :meth:`__call__` in one frame.

        The text tests of :meth:`_clean` are inlined for an ASCII line without
        escapes (what orjson writes for most records); any other line goes to
        :meth:`_clean`.
        """
        direct, clean, redacted, keys = self._direct, self._clean, self._redacted, self._keys
        if not self._text_keys:

            def dumps(data: dict[str, Any]) -> bytes | str:
                out = direct(data)  # may raise: the caller then calls the encoder itself
                return out if clean(data, out) else redacted(data)  # type: ignore[arg-type]

            return dumps
        patterns, words, safe, learn = self._patterns, _ASCII_WORDS, self._safe, self._learn
        parameters = self._parameters

        def text_dumps(data: dict[str, Any]) -> bytes | str:
            out: Any = direct(data)  # may raise: the caller then calls the encoder itself
            # See _plain_text. 92: a backslash; 47: "/"; 98, 66: "b", "B" of "bearer" or
            # "basic"; 61: "=" of a parameter.
            if (not out.isascii() and _LOOKALIKE(out) is not None) or (
                92 in out and _LETTER_ESCAPE(out) is not None
            ):
                return out if clean(data, out) else redacted(data)
            if 91 not in out and out.find(123, 1) < 0:
                # Nothing nested (91, 123: "[", "{"): the keys are the dict's own,
                # known harmless after the first record; no need to lowercase.
                if (data.keys() <= safe or learn(data)) and (
                    not patterns
                    or (
                        not (47 in out and _URL(out) is not None)
                        and (98 not in out or _LOWER_B(out) is None)
                        and (66 not in out or _UPPER_B(out) is None)
                        and (61 not in out or parameters(out) is None)
                    )
                ):
                    return out  # type: ignore[no-any-return]
                return redacted(data)
            low = out.lower()
            if keys(low[::-1]) is None and (
                not patterns
                or (
                    not (47 in out and _URL(out) is not None)
                    and (98 not in low or words(low) is None)
                    and (61 not in out or parameters(low) is None)
                )
            ):
                return out  # type: ignore[no-any-return]
            return redacted(data)

        return text_dumps

    def _clean(self, data: dict[str, Any], line: bytes) -> bool:
        """Tell whether redacting ``data``, encoded as ``line``, would change nothing."""
        if self._text_keys and _plain_text(line):
            low = line.lower()
            if self._keys(low[::-1]) is not None:
                return False
            if not self._patterns:
                return True
            # 47: "/"; 98: "b" (of "bearer" or "basic", any case); 61: "=".
            return (
                not (47 in line and _URL(line) is not None)
                and (98 not in low or _ASCII_WORDS(low) is None)
                and (61 not in line or self._parameters(low) is None)
            )
        if not (data.keys() <= self._safe or self._learn(data)):
            return False
        # 91, 123: "[" and "{"; without one past the first byte, no value is a container.
        if (91 in line or line.find(b"{", 1) >= 0) and not self._harmless(data.values()):
            return False
        if not self._patterns:
            return True
        if self._hides_letters(line):
            return False
        text = line.decode("utf-8", "surrogatepass")
        return (
            line.find(b"://") < 0
            and _WORDS(text) is None
            and (61 not in line or self._parameters_text(text) is None)
        )

    def _learn(self, mapping: Mapping[Any, Any]) -> bool:
        """Tell whether every key of ``mapping`` is a harmless ``str``; remember those."""
        is_secret = self.redactor.is_secret_key
        for key in mapping:
            if type(key) is not str or is_secret(key):
                return False
        if len(self._safe) >= _CACHE_SIZE:
            self._safe.clear()
        self._safe.update(mapping)
        return True

    def _harmless(self, values: Any) -> bool:
        """Tell whether no key inside ``values`` (nested dicts and lists) can be a secret."""
        for value in values:
            kind = type(value)
            if kind in _SCALARS:
                continue
            if kind is dict:
                if not (value.keys() <= self._safe or self._learn(value)):
                    return False
                if not self._harmless(value.values()):
                    return False
            elif kind is list or kind is tuple:
                if not self._harmless(value):
                    return False
            elif not isinstance(value, _KEYLESS):
                # It may encode as an object (a dataclass, a mapping): the walk
                # sanitizes it first and looks inside.
                return False
        return True

    def _redacted(self, data: dict[str, Any]) -> bytes | str:
        safe = encoders.sanitize(data, self.hook)
        return self.encoder(self.redactor.redact_all(safe))


def _escapes(line: bytes) -> bool:
    """Tell whether ``line`` has a JSON escape that can stand for a letter or ``/``."""
    # 92: a backslash. Other escapes (\\", \\\\, \\n...) stand for no letter and no "/".
    return 92 in line and (line.find(b"\\u") >= 0 or line.find(b"\\/") >= 0)


# The escapes that matter in a line of our encoders: "\/", and the four
# characters that match an ASCII letter under re.IGNORECASE or lowercase to
# one: U+0130 and U+0131 (dotted and dotless i), U+017F (long s), U+212A
# (Kelvin sign). Hex digits in either case, whoever wrote them.
_LETTER_ESCAPE = re.compile(rb"\\(?:/|u(?:013[01]|017[fF]|212[aA]))").search


def _letter_escapes(line: bytes) -> bool:
    """Tell whether ``line``, from one of our encoders, has an escape that can stand for a letter.

    ``json.dumps`` escapes every non-ASCII character and orjson the control
    characters; only the escapes of :data:`_LETTER_ESCAPE` can spell part of a
    key name or a pattern word.
    """
    return 92 in line and _LETTER_ESCAPE(line) is not None


# The same four characters, as UTF-8 bytes in the line.
_LOOKALIKE = re.compile(rb"\xc4[\xb0\xb1]|\xc5\xbf|\xe2\x84\xaa").search


def _plain_text(line: bytes) -> bool:
    """Tell whether the ASCII text tests see every letter of ``line``, from one of our encoders.

    They do unless the line holds one of the four characters that match an
    ASCII letter under ``re.IGNORECASE`` or lowercase to one, raw or escaped:
    ``bytes.lower`` and bytes regexes then agree with ``str.lower`` and
    :meth:`Redactor.redact_text` on every key name and pattern word.
    """
    return (line.isascii() or _LOOKALIKE(line) is None) and not _letter_escapes(line)


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
    for name, value in (
        ("redact_paths", redact_paths),
        ("redact_patterns", redact_patterns),
        ('redact["paths"]', options.get("paths")),
        ('redact["patterns"]', options.get("patterns")),
        ('redact["keys"]', options.get("keys")),
    ):
        if isinstance(value, str | bytes):
            # Unpacked, it would be a list of one-character names or patterns.
            raise TypeError(f"{name} must be a list of strings, not one string: [{value!r}]?")
    options["paths"] = [*options.get("paths", ()), *(redact_paths or ())]
    options["patterns"] = [*options.get("patterns", ()), *(redact_patterns or ())]
    options.setdefault("censor", censor)
    defaults = options.pop("defaults", True)
    return Redactor(**options, defaults=bool(defaults))
