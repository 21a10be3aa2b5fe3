"""Size limits: keep every line of JSON within bounds a log pipeline accepts.

:class:`LimitedEncoder` wraps the formatter's encoder. It encodes the record
as usual and returns the result untouched when no limit can have been
reached (a line shorter than every limit needs no look at all; otherwise one
walk over the data checks string lengths, nesting depth and key counts). Only
when a limit bites does it shrink a copy and encode again:

1. every string longer than ``max_string_length`` (the message: longer than
   ``max_message_length``, or ``max_string_length`` when that is not set)
   keeps its first characters and an ellipsis (a multi-line one, such as a
   traceback, its first and its last characters around the ellipsis); an
   object or list with more than ``max_keys`` entries keeps the first ones;
   containers nested deeper than ``max_depth`` become a short marker text;
2. if the line is still longer than ``max_line_bytes``: other strings are cut
   shorter, then the largest fields are dropped, then the message is cut to
   what fits; the time, level and logger fields (the preset's priority keys)
   and the start of the message are kept whatever happens.

Whatever was cut or dropped is named (as a dotted path) in the list under
``"truncated"``, and the result is still one line of valid JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence

from jsonlog import encoders
from jsonlog.encoders import Default, Encoder

# typing costs more to import than the rest of jsonlog: annotations only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["MIN_LINE_BYTES", "TRUNCATED_KEY", "LimitedEncoder", "wrap"]

TRUNCATED_KEY = "truncated"
"""Key of the list naming the values a limit cut or dropped."""
MIN_LINE_BYTES = 256
"""Smallest ``max_line_bytes`` accepted: room for time, level, logger and a message start."""
ELLIPSIS = "…"
_DEPTH_MARKER = "<nested too deep>"
_NATIVE = (str, int, float, bool, type(None))
_STRING_CAPS = (4096, 1024, 256, 64)
_SKELETON_CLIP = 64
_MAX_NAMES = 32
# Every byte but "{" and "[": deleting them counts the opening brackets in one pass.
_NOT_OPENING = bytes(byte for byte in range(256) if byte not in b"{[")
_NOT_MARKS = bytes(byte for byte in range(256) if byte not in b",{[")


class LimitedEncoder:
    """Encode with ``encoder``, shrinking a copy of the data only when a limit bites.

    Args:
        encoder: the encoder to wrap.
        max_message_length: characters kept of the message.
        max_string_length: characters kept of any other string value.
        max_line_bytes: bytes of the whole line, the ``prefix`` included.
        max_depth: nesting of objects and lists below the top level.
        max_keys: entries of any object or list (the top level included).
        message_key: key of the message in the log data.
        priority_keys: keys never dropped (time, level, logger).
        prefix: text the formatter writes before the JSON.
        hook: the formatter's ``default`` chain, used to turn other objects
            into JSON values before they are measured.
        redact: applied to the data before anything is cut, when the
            wrapped encoder redacts: a secret cut in half no longer matches
            a value pattern (``postgres://app:s3cr…``), so redaction must see
            it whole.
    """

    def __init__(
        self,
        encoder: Encoder,
        *,
        max_message_length: int | None = None,
        max_string_length: int | None = None,
        max_line_bytes: int | None = None,
        max_depth: int | None = None,
        max_keys: int | None = None,
        message_key: str = "message",
        priority_keys: Sequence[str] = (),
        prefix: str = "",
        hook: Default = encoders.default,
        redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.encoder = encoder
        self.redact = redact
        self._direct = encoders.direct(encoder)
        self.max_message_length = _limit(max_message_length, "max_message_length", 0)
        self.max_string_length = _limit(max_string_length, "max_string_length", 1)
        self.max_line_bytes = _limit(max_line_bytes, "max_line_bytes", MIN_LINE_BYTES)
        self.max_depth = _limit(max_depth, "max_depth", 1)
        self.max_keys = _limit(max_keys, "max_keys", 1)
        self.message_key = message_key
        self.priority_keys = tuple(priority_keys)
        self.hook = hook
        self._budget = None
        if self.max_line_bytes is not None:
            self._budget = self.max_line_bytes - len(prefix.encode("utf-8"))
        self._message_limit = (
            self.max_string_length if self.max_message_length is None else self.max_message_length
        )
        self._string_limit = self.max_string_length
        text_limits = [x for x in (self._string_limit, self._message_limit) if x is not None]
        self._text_limit = min(text_limits) if text_limits else None
        # Shorter than this, the line cannot break any limit: no look needed.
        thresholds = [self._budget]
        if self._string_limit is not None:
            thresholds.append(self._string_limit + 2)
        if self._message_limit is not None:
            thresholds.append(self._message_limit + 2)
        if self.max_keys is not None:
            thresholds.append(2 * self.max_keys + 2)
        if self.max_depth is not None:
            thresholds.append(2 * self.max_depth + 2)
        self._fast = min(t for t in thresholds if t is not None)
        # Caps for the checks on the encoded line (see __call__): a string of n
        # characters takes at least n + 2 bytes; an object or list with n
        # entries needs n - 1 commas; n levels of nesting need n + 1 opening
        # brackets counting the top-level one. Commas and brackets inside
        # strings only raise the counts, so counts under the caps prove the
        # data within the limits.
        self._line_cap = sys.maxsize if self._budget is None else self._budget
        self._text_cap = sys.maxsize if self._text_limit is None else self._text_limit + 2
        self._comma_cap = self.max_keys
        self._depth_cap = None if self.max_depth is None else self.max_depth + 1
        self._scan = any(
            limit is not None
            for limit in (self._string_limit, self._message_limit, self.max_keys, self.max_depth)
        )
        self.dumps: Encoder | None = None
        """The formatter's fast path call (see :func:`encoders.direct`), if the encoder has one."""
        if self._direct is not encoder:
            self.dumps = self._checked_dumps()

    def __call__(self, data: dict[str, Any]) -> bytes | str:
        """Return ``data`` as JSON within the limits."""
        try:
            out = self._direct(data)
        except Exception:
            out = self.encoder(data)
        return self._checked(data, out)

    def _checked_dumps(self) -> Encoder:
        """Return the direct call: the usual case in one frame, with only the tests that matter.

        Beyond the line's size, a line of ``size`` bytes whose top level has
        ``k`` entries cannot hold a nested object or list of more than
        ``max_keys`` entries if ``size < 5 * k + 2 * max_keys + 3`` (each
        other entry takes at least ``"":0,``, the container two brackets and
        ``n - 1`` commas around ``n`` values), which spares counting commas
        (fewer than ``max_keys`` of them also prove it: commas in strings only
        add to the count); brackets are counted only with ``max_depth``, and only in a line with
        a bracket past its opening one. Anything else goes to
        :meth:`_checked`, which decides as :meth:`__call__` does.
        """
        direct, checked, fast = self._direct, self._checked, self._fast
        # Certainly within the text and line limits: at most this many bytes.
        small = min(self._line_cap, sys.maxsize if self._text_limit is None else self._text_limit)
        keys = sys.maxsize if self.max_keys is None else self.max_keys
        keys_bound = sys.maxsize if self.max_keys is None else 2 * self.max_keys + 3
        depth_cap = self._depth_cap

        if depth_cap is None:

            def dumps(data: dict[str, Any]) -> bytes | str:
                out = direct(data)  # may raise: the caller then calls the encoder itself
                size = len(out)
                if type(out) is bytes and (
                    size <= fast
                    or (
                        size <= small
                        and len(data) <= keys
                        # 44: ","; an object or list of n entries has n - 1 of them.
                        and (size < keys_bound + 5 * len(data) or out.count(44) < keys)
                    )
                ):
                    return out
                return checked(data, out)

            return dumps

        def dumps_depth(data: dict[str, Any]) -> bytes | str:
            out = direct(data)  # may raise: the caller then calls the encoder itself
            size = len(out)
            if size <= fast:
                return out
            if type(out) is bytes and size <= small and len(data) <= keys:
                if size < keys_bound + 5 * len(data):
                    # 91, 123: "[" and "{"; without one past the first byte, nothing is nested.
                    if (91 not in out and out.find(123, 1) < 0) or len(
                        out.translate(None, _NOT_OPENING)
                    ) <= depth_cap:
                        return out
                else:
                    # Commas and opening brackets, counted in one pass.
                    marks = out.translate(None, _NOT_MARKS)
                    commas = marks.count(44)  # 44: ","
                    if commas < keys and len(marks) - commas <= depth_cap:
                        return out
            return checked(data, out)

        return dumps_depth

    def _checked(self, data: dict[str, Any], out: bytes | str) -> bytes | str:
        """Return ``out``, the encoded ``data``, or a shrunk copy if a limit bites."""
        size = len(out)
        if size <= self._fast:
            return out
        if isinstance(out, bytes):
            if size > self._line_cap:
                return self._shrink(data)
            if (
                size <= self._text_cap
                and (self._comma_cap is None or out.count(b",") < self._comma_cap)
                and (
                    self._depth_cap is None or out.count(b"{") + out.count(b"[") <= self._depth_cap
                )
            ):
                return out
        else:
            if _size(out) > self._line_cap:
                return self._shrink(data)
            if (
                size <= self._text_cap
                and (self._comma_cap is None or out.count(",") < self._comma_cap)
                and (self._depth_cap is None or out.count("{") + out.count("[") <= self._depth_cap)
            ):
                return out
        # The counts were not conclusive: commas and brackets may sit inside strings.
        if self._scan and not self._within(data, size):
            return self._shrink(data)
        return out

    # -- the check ----------------------------------------------------------------

    def _within(self, data: dict[str, Any], size: int) -> bool:
        """Tell whether the data certainly respects the string, depth and key limits."""
        if self.max_keys is not None and len(data) > self.max_keys:
            return False
        message = data.get(self.message_key)
        limit = self._message_limit
        if limit is not None and type(message) is str and len(message) > limit:
            return False
        state = _Scan(self._string_limit, self.max_depth, self.max_keys)
        for key, value in data.items():
            if key == self.message_key and type(value) is str:
                continue
            if not state.ok(value, 0):
                return False
        if state.unknown:
            # An object the encoder turns into a value of its own: it may be long.
            limits = [x for x in (self._string_limit, self._message_limit) if x is not None]
            return not limits or size <= min(limits)
        return True

    # -- shrinking -------------------------------------------------------------------

    def _shrink(self, data: dict[str, Any]) -> bytes | str:
        base = encoders.sanitize(data, self.hook)
        if self.redact is not None:
            base = self.redact(base)
        truncated: list[str] = []
        cut = self._cut(base, self._string_limit, truncated)
        out = self._encode(cut, truncated)
        budget = self._budget
        if budget is None or _size(out) <= budget:
            return out
        names = truncated
        for cap in _STRING_CAPS:
            if self._string_limit is not None and cap >= self._string_limit:
                continue
            names = []
            cut = self._cut(base, cap, names)
            out = self._encode(cut, names)
            if _size(out) <= budget:
                return out
        return self._drop_fields(cut, names, budget)

    def _cut(self, base: dict[str, Any], string_limit: int | None, names: list[str]) -> Any:
        """Return a copy of ``base`` cut to the limits, recording what was cut in ``names``."""
        message_limit = self._message_limit
        out: dict[str, Any] = {}
        items = list(base.items())
        if self.max_keys is not None and len(items) > self.max_keys:
            keep = {self.message_key, *self.priority_keys}
            room = max(self.max_keys - sum(1 for key, _ in items if key in keep), 0)
            kept = []
            for key, value in items:
                if key in keep:
                    kept.append((key, value))
                elif room:
                    kept.append((key, value))
                    room -= 1
                else:
                    names.append(key)
            items = kept
        priority = self.priority_keys
        for key, value in items:
            if key == self.message_key and isinstance(value, str):
                out[key] = _clip_text(value, message_limit, key, names)
            elif key in priority:
                out[key] = value  # time, level, logger: whole (max_line_bytes alone cuts them)
            else:
                out[key] = self._cut_value(value, key, 1, string_limit, names)
        return out

    def _cut_value(
        self, value: Any, path: str, depth: int, string_limit: int | None, names: list[str]
    ) -> Any:
        if isinstance(value, str):
            return _clip_text(value, string_limit, path, names)
        if not isinstance(value, dict | list):
            return value
        if self.max_depth is not None and depth > self.max_depth:
            names.append(path)
            return _DEPTH_MARKER
        entries: list[tuple[Any, Any]] = list(
            value.items() if isinstance(value, dict) else enumerate(value)
        )
        if self.max_keys is not None and len(entries) > self.max_keys:
            names.append(path)
            entries = entries[: self.max_keys]
        cut = [
            (key, self._cut_value(item, f"{path}.{key}", depth + 1, string_limit, names))
            for key, item in entries
        ]
        if isinstance(value, dict):
            return dict(cut)
        return [item for _, item in cut]

    def _drop_fields(self, cut: dict[str, Any], names: list[str], budget: int) -> bytes | str:
        """Drop the largest non-priority fields, then cut the message, until the line fits.

        The line is encoded again only when the sizes of the fields dropped so
        far say it may fit: a record of thousands of fields costs a few
        encodings, not one per field.
        """
        keep = set(self.priority_keys) | {self.message_key, TRUNCATED_KEY}
        sizes = sorted(
            (
                (_size(self.encoder({key: value})), key)
                for key, value in cut.items()
                if key not in keep
            ),
            reverse=True,
        )
        current = dict(cut)
        estimate = _size(self._encode(current, names))
        listing = 0  # what naming the dropped fields adds, learned at each encoding
        for size, key in sizes:
            del current[key]
            names.append(key)
            estimate -= size - 1  # the field's size less its two braces, plus a comma
            if estimate + listing <= budget:
                out = self._encode(current, names)
                actual = _size(out)
                if actual <= budget:
                    return out
                listing = actual - estimate
        return self._skeleton(current, names, budget)

    def _skeleton(self, current: dict[str, Any], names: list[str], budget: int) -> bytes | str:
        """Return the priority fields and as much of the message as fits."""
        message = current.get(self.message_key)
        clip = _SKELETON_CLIP
        listed = list(dict.fromkeys(names))
        if self.message_key not in listed and isinstance(message, str) and message:
            listed.append(self.message_key)
        trimmed = False  # once the list is cut to one name, no name is added
        while True:
            skeleton = {}
            for key, value in current.items():
                if key != self.message_key:
                    skeleton[key] = _clip_all(value, clip)
                    if not trimmed and skeleton[key] != value and key not in listed:
                        listed.insert(0, key)  # clipped here (priority values are cut last)
            if isinstance(message, str):
                skeleton[self.message_key] = ""
            out = self._encode_ordered(current, skeleton, listed)
            if _size(out) <= budget:
                break
            if len(listed) > 1:
                listed, trimmed = listed[:1], True
            elif clip > 0:
                clip //= 4
            else:
                return self.encoder({TRUNCATED_KEY: ["*"]})
        if not isinstance(message, str) or not message:
            return out
        whole = listed[:-1] if listed[-1:] == [self.message_key] else listed
        skeleton[self.message_key] = message
        fitted = self._encode_ordered(current, skeleton, whole)
        if _size(fitted) <= budget:
            return fitted  # the message fits whole: not cut, not named
        return self._fit_message(
            current, skeleton, listed, message=message, budget=budget, best=out
        )

    def _fit_message(
        self,
        current: dict[str, Any],
        skeleton: dict[str, Any],
        listed: list[str],
        *,
        message: str,
        budget: int,
        best: bytes | str,
    ) -> bytes | str:
        low, high = 0, len(message)
        while low < high:
            middle = (low + high + 1) // 2
            skeleton[self.message_key] = message[:middle] + ELLIPSIS
            out = self._encode_ordered(current, skeleton, listed)
            if _size(out) <= budget:
                low, best = middle, out
            else:
                high = middle - 1
        return best

    def _encode_ordered(
        self, order: Mapping[str, Any], values: dict[str, Any], listed: list[str]
    ) -> bytes | str:
        ordered = {key: values[key] for key in order if key in values}
        return self._encode(ordered, listed)

    def _encode(self, data: dict[str, Any], names: list[str]) -> bytes | str:
        if names:
            data = {**data, TRUNCATED_KEY: _listed(names)}
        return self.encoder(data)


class _Scan:
    """One walk over the data: does any string, container or depth exceed its limit?"""

    __slots__ = ("depth", "keys", "string", "unknown")

    def __init__(self, string: int | None, depth: int | None, keys: int | None) -> None:
        self.string = string
        self.depth = depth
        self.keys = keys
        self.unknown = False

    def ok(self, value: Any, depth: int) -> bool:
        kind = type(value)
        if kind is str:
            return self.string is None or len(value) <= self.string
        if kind is dict or kind is list or kind is tuple:
            if self.depth is not None and depth >= self.depth:
                return False
            if self.keys is not None and len(value) > self.keys:
                return False
            items = value.values() if kind is dict else value
            return all(self.ok(item, depth + 1) for item in items)
        if not isinstance(value, _NATIVE):
            self.unknown = True
        return True


def _listed(names: list[str]) -> list[str]:
    """Return the ``truncated`` list: the names once each, at most ``_MAX_NAMES`` of them.

    Past that, paths are named by their top-level field (``items`` for
    ``items.0`` ... ``items.2999``), and the list ends with ``"…"`` if still
    too long: a list of thousands of paths would take the room of the fields.
    """
    unique = list(dict.fromkeys(names))
    if len(unique) <= _MAX_NAMES:
        return unique
    unique = list(dict.fromkeys(name.split(".", 1)[0] for name in unique))
    if len(unique) <= _MAX_NAMES:
        return unique
    return [*unique[: _MAX_NAMES - 1], ELLIPSIS]


def _clip_text(text: str, limit: int | None, path: str, names: list[str]) -> str:
    """Return ``text`` within ``limit`` characters, an ellipsis marking the cut.

    A one-line text keeps its start. A multi-line text (a traceback) keeps its
    start and its end: a traceback's last line names the exception.
    """
    if limit is None or len(text) <= limit:
        return text
    names.append(path)
    if "\n" not in text:
        return text[:limit] + ELLIPSIS
    head = limit // 2
    return text[:head] + ELLIPSIS + text[len(text) - (limit - head) :]


def _clip_all(value: Any, limit: int) -> Any:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + ELLIPSIS
    if isinstance(value, dict):
        return {key: _clip_all(item, limit) for key, item in list(value.items())[:8]}
    if isinstance(value, list):
        return [_clip_all(item, limit) for item in value[:8]]
    return value


def _size(out: bytes | str) -> int:
    if isinstance(out, bytes) or out.isascii():
        return len(out)
    return len(out.encode("utf-8", "surrogatepass"))


def _limit(value: Any, name: str, minimum: int) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int or None, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}; got {value}")
    return value


def wrap(
    encoder: Encoder,
    *,
    max_message_length: int | None,
    max_string_length: int | None,
    max_line_bytes: int | None,
    max_depth: int | None,
    max_keys: int | None,
    message_key: str,
    priority_keys: Sequence[str],
    prefix: str,
    hook: Callable[[Any], Any],
    redact: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> Encoder:
    """Return ``encoder`` wrapped in a :class:`LimitedEncoder`, or as it is without limits."""
    limits = (max_message_length, max_string_length, max_line_bytes, max_depth, max_keys)
    if all(limit is None for limit in limits):
        return encoder
    return LimitedEncoder(
        encoder,
        max_message_length=max_message_length,
        max_string_length=max_string_length,
        max_line_bytes=max_line_bytes,
        max_depth=max_depth,
        max_keys=max_keys,
        message_key=message_key,
        priority_keys=priority_keys,
        prefix=prefix,
        hook=hook,
        redact=redact,
    )
