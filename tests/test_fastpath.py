"""The fast path of ``JsonFormatter.format`` gives exactly the compatible path's output."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import logging
import os
import pathlib
import sys
import time
import types
import uuid
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonlog import RESERVED_ATTRS, JsonFormatter, OrjsonEncoder, encoders

FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"
LOGGER = logging.getLogger("tests.fastpath")


class CompatibleFormatter(JsonFormatter):
    """Overrides ``add_fields`` only to force the compatible (python-json-logger) path."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)


CONFIGS: dict[str, tuple[Any, dict[str, Any]]] = {
    "default": (FMT, {}),
    "no-fmt": (None, {}),
    "json-encoder": (FMT, {"encoder": "json"}),
    "rename": (FMT, {"rename_fields": {"levelname": "level", "user": "who", "_private": "p"}}),
    "rename-keep-missing": (
        FMT,
        {"rename_fields": {"absent": "gone", "user": "who"}, "rename_fields_keep_missing": True},
    ),
    "static-defaults": (FMT, {"static_fields": {"app": "shop"}, "defaults": {"region": "eu"}}),
    "timestamp": (FMT, {"timestamp": True}),
    "timestamp-key-tz": (FMT, {"timestamp": "ts", "tz": "Europe/Paris"}),
    "tz-utc": (FMT, {"tz": "UTC"}),
    "rfc3339": (FMT, {"datefmt": "rfc3339"}),
    "datefmt": (FMT, {"datefmt": "%Y-%m-%dT%H:%M:%S"}),
    "prefix": (FMT, {"prefix": "@cee: "}),
    "exc-array": (FMT, {"exc_format": "array", "stack_info_as_array": True}),
    "exc-structured": (FMT, {"exc_format": "structured"}),
    "template": (
        '{"time": "%(asctime)s", "level": "%(levelname)s", "log": {"logger": "%(name)s"},'
        ' "msg": "%(message)s", "where": "%(module)s:%(lineno)d", "exc": "%(exc_info)s"}',
        {},
    ),
    "template-options": (
        '{"message": "%(message)s", "$options": {"timestamp": true, "encoder": "json"}}',
        {},
    ),
    "brace-style": ("{asctime} {levelname} {message}", {"style": "{"}),
    "ensure-ascii-indent": (FMT, {"json_ensure_ascii": True, "json_indent": 4}),
    "preset-ecs": (FMT, {"preset": "ecs"}),
    "preset-gcp": (FMT, {"preset": "gcp"}),
    "preset-otel": (FMT, {"preset": "otel"}),
    "preset-datadog": (FMT, {"preset": "datadog"}),
    "redact": (FMT, {"redact": True, "redact_paths": ["user"]}),
    "limits": (FMT, {"max_string_length": 8, "max_line_bytes": 400, "max_keys": 3}),
    "access-off": (FMT, {"access_log": False, "context": False, "trace_ids": False}),
}

_RESERVED = {*RESERVED_ATTRS, "message", "asctime"}
keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).filter(
    lambda key: key not in _RESERVED
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
)
values = st.recursive(
    scalars
    | st.datetimes(timezones=st.just(datetime.UTC))
    | st.dates()
    | st.uuids()
    | st.decimals(allow_nan=False),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=8,
)


def _exc_info(message: str) -> Any:
    try:
        raise ValueError(message)
    except ValueError:
        return sys.exc_info()


records = st.fixed_dictionaries(
    {
        "msg": st.sampled_from(["hello", "user %s", "%d items"]) | st.dictionaries(keys, values),
        "extra": st.dictionaries(keys | st.just("user") | st.just("_private"), values, max_size=6),
        "exc": st.none() | st.text(max_size=10),
        "stack": st.none() | st.just("Stack (most recent call last):\n  File x"),
        "created": st.floats(min_value=0, max_value=4e9),
    }
)


def _record(spec: dict[str, Any]) -> logging.LogRecord:
    msg = spec["msg"]
    args: tuple[Any, ...] = () if isinstance(msg, dict) else ("ada",)
    exc_info = _exc_info(spec["exc"]) if spec["exc"] is not None else None
    record = LOGGER.makeRecord(
        LOGGER.name,
        logging.INFO,
        __file__,
        10,
        msg,
        args,
        exc_info,
        func="f",
        extra=dict(spec["extra"]),
        sinfo=spec["stack"],
    )
    record.created = spec["created"]
    record.msecs = (spec["created"] % 1) * 1000
    return record


def _pair(name: str) -> tuple[JsonFormatter, JsonFormatter]:
    fmt, kwargs = CONFIGS[name]
    return JsonFormatter(fmt, **kwargs), CompatibleFormatter(fmt, **kwargs)


class TestFastPath:
    @pytest.mark.parametrize("name", list(CONFIGS), ids=list(CONFIGS))
    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(spec=records)
    def test_same_text_as_compatible_path(self, name: str, spec: dict[str, Any]) -> None:
        """format() and format_bytes() of the fast path equal those of the compatible path."""
        fast, compatible = _pair(name)
        assert not fast._compatible
        assert compatible._compatible
        first, second = _record(spec), _record(spec)
        assert fast.format(first) == compatible.format(second)
        assert fast.format_bytes(first) == compatible.format_bytes(second)
        assert first.__dict__.get("message") == second.__dict__.get("message")
        assert first.__dict__.get("asctime") == second.__dict__.get("asctime")

    def test_processors_run_on_the_fast_path(self) -> None:
        """Processors in ``_processors`` run on the fast path, after the extras."""
        formatter = JsonFormatter(FMT)
        formatter._processors.append(lambda record, data: {**data, "seen": sorted(data)})
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
        data = json.loads(formatter.format(record))
        assert data["seen"] == ["asctime", "levelname", "message", "name"]

    def test_extras_keep_attribute_order(self) -> None:
        """Extras come out in the order the record holds them, including late ones."""
        formatter = JsonFormatter(FMT)
        record = LOGGER.makeRecord(
            LOGGER.name, logging.INFO, __file__, 1, "hi", (), None, extra={"b": 1, "a": 2}
        )
        record.z = 3
        record.message = "set earlier by another handler"
        record.c = 4
        assert list(json.loads(formatter.format(record)))[4:] == ["b", "a", "z", "c"]

    def test_format_without_message(self) -> None:
        """A format without message neither emits nor computes it on the fast path."""
        formatter = JsonFormatter("%(levelname)s")
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
        assert json.loads(formatter.format(record)) == {"levelname": "INFO"}

    def test_message_formatting_failure(self) -> None:
        """A %-mismatch keeps the text and the args, on the fast path as on the other."""
        fast, compatible = _pair("default")
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "%d", ("x",), None)
        assert fast.format(record) == compatible.format(record)
        assert "message formatting failed" in json.loads(fast.format(record))["message"]

    def test_non_string_extra_key(self) -> None:
        """A non-string key in the record's ``__dict__`` is written, not dropped or fatal."""
        formatter = JsonFormatter(FMT)
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
        record.__dict__[7] = "seven"
        assert json.loads(formatter.format(record))["7"] == "seven"


class TestOrjsonEncoder:
    def test_non_string_keys_as_opt_non_str_keys(self) -> None:
        """Keys that are not strings come out as orjson's OPT_NON_STR_KEYS spells them."""
        data = {1: "a", None: 2, 1.5: 3, datetime.date(2020, 1, 1): 4, "k": {2: ["x"]}}
        expected = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
        assert OrjsonEncoder()(data) == expected

    def test_failure_still_raises(self) -> None:
        """A value nothing can encode still raises, for the formatter's sanitize retry."""
        with pytest.raises(TypeError):
            OrjsonEncoder()({"big": 2**70})


class _Colour(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class _Point:
    x: int


class _Plain:
    def __str__(self) -> str:
        return "plain"


def _traceback() -> Any:
    return _exc_info("x")[2]


class TestFallbackDispatch:
    @pytest.mark.parametrize(
        ("make", "expected"),
        [
            (lambda: datetime.datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05"),
            (lambda: datetime.time(1, 2), "01:02:00"),
            (lambda: datetime.timedelta(seconds=90), 90.0),
            (lambda: _Colour.RED, "red"),
            (lambda: _Colour, ["red"]),
            (lambda: _Plain, "_Plain"),
            (lambda: decimal.Decimal("1.50"), "1.50"),
            (lambda: uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
            (lambda: pathlib.PurePosixPath("/tmp/x"), "/tmp/x"),
            (lambda: b"\xfb\xff", "-_8="),
            (lambda: {3, 1, 2}, [1, 2, 3]),
            (lambda: {1, "a"}, None),
            (lambda: ValueError("bad"), "ValueError: bad"),
            (lambda: _Point(1), {"x": 1}),
            (lambda: types.MappingProxyType({"a": 1}), {"a": 1}),
            (_Plain, "plain"),
        ],
    )
    def test_same_answer_cold_and_cached(self, make: Any, expected: Any) -> None:
        """Each rule of the fallback chain gives the same answer before and after caching."""
        first, second = encoders.default(make()), encoders.default(make())
        assert first == second
        if expected is not None:
            assert first == expected
        else:
            assert sorted(map(str, first)) == ["1", "a"]

    def test_traceback_text(self) -> None:
        """A traceback object becomes its formatted text."""
        assert encoders.default(_traceback()).startswith('File "')
        assert encoders.default(_traceback()).startswith('File "')

    def test_classes_are_not_cached(self) -> None:
        """A class is judged on itself, not on its metaclass: an Enum class and a plain one."""
        assert encoders.default(_Plain) == "_Plain"
        assert encoders.default(_Colour) == ["red"]
        assert type not in encoders._HANDLERS


class TestHooks:
    @pytest.mark.parametrize(
        "hook", ["add_fields", "process_log_record", "jsonify_log_record", "serialize_log_record"]
    )
    def test_overridden_hook_is_called(self, hook: str) -> None:
        """A subclass overriding a hook gets the compatible path and its hook called."""
        calls: list[str] = []

        def wrapper(self: JsonFormatter, *args: Any) -> Any:
            calls.append(hook)
            return getattr(JsonFormatter, hook)(self, *args)

        subclass = type("Hooked", (JsonFormatter,), {hook: wrapper})
        formatter = subclass(FMT)
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
        out = formatter.format(record)
        assert json.loads(out)["message"] == "hi"
        assert calls == [hook]
        formatter.format_bytes(record)
        assert calls == [hook, hook]

    def test_fast_path_without_overrides(self) -> None:
        """A subclass overriding no hook (only formatTime) keeps the fast path and its method."""

        class Stamped(JsonFormatter):
            def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
                return "stamp"

        formatter = Stamped(FMT)
        record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
        assert not formatter._compatible
        assert json.loads(formatter.format(record))["asctime"] == "stamp"

    def test_format_does_not_write_attributes(self) -> None:
        """format() leaves the formatter's attributes as they were (no per-record state)."""
        formatter = JsonFormatter(FMT, timestamp=True)
        before = dict(vars(formatter))
        record = LOGGER.makeRecord(
            LOGGER.name, logging.ERROR, __file__, 1, "hi", (), _exc_info("boom"), extra={"a": 1}
        )
        formatter.format(record)
        formatter.format_bytes(record)
        assert vars(formatter).keys() == before.keys()
        assert all(vars(formatter)[key] is value for key, value in before.items())


@pytest.fixture
def restore_tz() -> Iterator[None]:
    saved = os.environ.get("TZ")
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = saved
        time.tzset()


def _at(created: float) -> logging.LogRecord:
    record = LOGGER.makeRecord(LOGGER.name, logging.INFO, __file__, 1, "hi", (), None)
    record.created = created
    record.msecs = int((created - int(created)) * 1000) + 0.0
    return record


class TestFormatTime:
    @given(created=st.floats(min_value=0, max_value=4e9), datefmt=st.sampled_from([None, "%c"]))
    def test_same_as_stdlib(self, created: float, datefmt: str | None) -> None:
        """formatTime equals logging.Formatter.formatTime, twice (cold and cached)."""
        formatter, stdlib = JsonFormatter(FMT), logging.Formatter()
        record = _at(created)
        expected = stdlib.formatTime(record, datefmt)
        assert formatter.formatTime(record, datefmt) == expected
        assert formatter.formatTime(record, datefmt) == expected

    def test_converter_and_msec_format(self) -> None:
        """A converter and msec formats set on the instance are honoured, as by the stdlib."""
        formatter, stdlib = JsonFormatter(FMT), logging.Formatter()
        record = _at(1_700_000_000.5)
        for target in (formatter, stdlib):
            target.converter = time.gmtime  # type: ignore[method-assign]
        assert formatter.formatTime(record) == stdlib.formatTime(record)
        for target in (formatter, stdlib):
            target.default_msec_format = "%s.%03d"
        assert (
            formatter.formatTime(record) == stdlib.formatTime(record) == ("2023-11-14 22:13:20.500")
        )
        for target in (formatter, stdlib):
            target.default_msec_format = None  # type: ignore[assignment]
        assert formatter.formatTime(record) == stdlib.formatTime(record)

    @pytest.mark.parametrize("msecs", [999.9999, 1000.0, -1.0, 7, 12.5])
    def test_odd_msecs(self, msecs: float) -> None:
        """msecs set by hand (an int, out of range) format as the stdlib formats them."""
        formatter, stdlib = JsonFormatter(FMT), logging.Formatter()
        record = _at(1_700_000_000.5)
        record.msecs = msecs
        assert formatter.formatTime(record) == stdlib.formatTime(record)

    def test_custom_converter_is_not_cached(self) -> None:
        """A converter that reads fractions of a second gets them, second by second."""
        formatter = JsonFormatter(FMT)
        formatter.converter = lambda t: time.gmtime(t * 2)  # type: ignore[method-assign,assignment]
        first = formatter.formatTime(_at(100.2))
        second = formatter.formatTime(_at(100.7))
        assert first != second

    @pytest.mark.usefixtures("restore_tz")
    def test_zone_change_and_dst(self) -> None:
        """A tzset() within the same second, and a DST change, give the stdlib's text."""
        formatter, stdlib = JsonFormatter(FMT), logging.Formatter()
        os.environ["TZ"] = "America/New_York"
        time.tzset()
        switch = 1_772_953_200.0  # 2026-03-08 07:00:00 UTC: 02:00 EST becomes 03:00 EDT
        for created in (switch - 0.5, switch + 0.25, switch + 0.75):
            assert formatter.formatTime(_at(created)) == stdlib.formatTime(_at(created))
        os.environ["TZ"] = "Asia/Tokyo"
        time.tzset()
        record = _at(switch + 0.8)
        assert formatter.formatTime(record) == stdlib.formatTime(record)
        assert formatter.formatTime(record).startswith("2026-03-08 16:00:00")
