"""Tests for jsonlog.limits: message, string, line, depth and key limits."""

from __future__ import annotations

import datetime
import io
import json
import logging
import logging.config
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import load_ini_formatter
from hypothesis import given, settings
from hypothesis import strategies as st

from jsonlog import JsonFormatter, encoders, limits
from jsonlog.formatter import RESERVED_ATTRS
from jsonlog.limits import ELLIPSIS, TRUNCATED_KEY, LimitedEncoder

ENCODERS = [pytest.param("orjson", id="orjson"), pytest.param("json", id="json")]


def make_record(msg: Any = "hello", **extra: Any) -> logging.LogRecord:
    record = logging.LogRecord("app.web", logging.WARNING, __file__, 1, msg, (), None)
    record.__dict__.update(extra)
    return record


def line_of(formatter: JsonFormatter, msg: Any = "hello", **extra: Any) -> str:
    return formatter.format(make_record(msg, **extra))


DEFAULT_FMT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class TestStringLimits:
    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_message_cut_and_marked(self, encoder: str) -> None:
        """A long message keeps its start, gets an ellipsis and is listed as truncated."""
        data = json.loads(line_of(JsonFormatter(max_message_length=5, encoder=encoder), "abcdefgh"))
        assert data["message"] == "abcde" + ELLIPSIS
        assert data[TRUNCATED_KEY] == ["message"]

    def test_short_values_untouched(self) -> None:
        """Values within the limits give the same line as without limits."""
        record = make_record("short", user={"id": 1, "tags": ["a"]})
        limited = JsonFormatter(
            DEFAULT_FMT, max_string_length=100, max_message_length=100, max_depth=5, max_keys=10
        )
        assert limited.format(record) == JsonFormatter(DEFAULT_FMT).format(record)

    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_counts_prove_within(self, encoder: str) -> None:
        """A line whose commas and brackets are under the caps is written as it is."""
        record = make_record("short", user={"id": 1, "tags": ["a"]})
        limited = JsonFormatter(
            DEFAULT_FMT, encoder=encoder, max_string_length=500, max_depth=5, max_keys=50
        )
        assert limited.format(record) == JsonFormatter(DEFAULT_FMT, encoder=encoder).format(record)

    def test_nested_string_cut(self) -> None:
        """Strings nested in extras are cut and named by their dotted path."""
        data = json.loads(line_of(JsonFormatter(max_string_length=3), "hi", user={"bio": "x" * 9}))
        assert data["user"] == {"bio": "xxx" + ELLIPSIS}
        assert data[TRUNCATED_KEY] == ["user.bio"]

    def test_string_limit_applies_to_message_without_message_limit(self) -> None:
        """Without max_message_length the message follows max_string_length."""
        data = json.loads(line_of(JsonFormatter(max_string_length=4), "abcdefgh"))
        assert data["message"] == "abcd" + ELLIPSIS

    def test_message_limit_overrides_string_limit(self) -> None:
        """max_message_length lets the message be longer than other strings."""
        formatter = JsonFormatter(max_string_length=2, max_message_length=6)
        data = json.loads(line_of(formatter, "abcdefgh", note="xyz"))
        assert data["message"] == "abcdef" + ELLIPSIS
        assert data["note"] == "xy" + ELLIPSIS

    def test_object_converted_before_cut(self) -> None:
        """An object the encoder turns into a long string is cut like a string."""

        class Blob:
            def __str__(self) -> str:
                return "b" * 500

        data = json.loads(line_of(JsonFormatter(max_string_length=10), "m", blob=Blob()))
        assert data["blob"] == "b" * 10 + ELLIPSIS

    def test_short_object_not_cut(self) -> None:
        """A line holding an object but shorter than the string limit is written as it is."""
        moment = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
        data = json.loads(line_of(JsonFormatter(max_string_length=500), "m", at=moment))
        assert data["at"] == "2026-01-01T00:00:00+00:00"
        assert TRUNCATED_KEY not in data

    def test_caller_objects_untouched(self) -> None:
        """Cutting works on a copy: the caller's values are unchanged."""
        user = {"bio": "x" * 50, "items": list(range(20))}
        line_of(JsonFormatter(max_string_length=3, max_keys=5), "m", user=user)
        assert user == {"bio": "x" * 50, "items": list(range(20))}


class TestStructureLimits:
    def test_depth(self) -> None:
        """Containers nested deeper than max_depth levels below the top become a marker."""
        data = json.loads(line_of(JsonFormatter(max_depth=2), "m", deep={"a": {"b": {"c": 1}}}))
        assert data["deep"] == {"a": {"b": "<nested too deep>"}}
        assert data[TRUNCATED_KEY] == ["deep.a.b"]

    def test_depth_in_lists(self) -> None:
        """Lists count as nesting levels too."""
        data = json.loads(line_of(JsonFormatter(max_depth=1), "m", rows=[[1], 2]))
        assert data["rows"] == ["<nested too deep>", 2]
        assert data[TRUNCATED_KEY] == ["rows.0"]

    def test_keys_in_objects_and_lists(self) -> None:
        """Objects and lists keep their first max_keys entries."""
        extra = {"big": {f"k{i}": i for i in range(10)}, "rows": list(range(10))}
        data = json.loads(line_of(JsonFormatter(max_keys=3), "m", **extra))
        assert data["big"] == {"k0": 0, "k1": 1, "k2": 2}
        assert data["rows"] == [0, 1, 2]
        assert data[TRUNCATED_KEY] == ["big", "rows"]

    def test_top_level_keys_keep_priority(self) -> None:
        """Too many top-level keys: time, level, logger and message are kept first."""
        extra = {f"x{i}": i for i in range(10)}
        data = json.loads(line_of(JsonFormatter(DEFAULT_FMT, max_keys=5), "m", **extra))
        assert list(data)[:5] == ["asctime", "levelname", "name", "message", "x0"]
        assert data[TRUNCATED_KEY] == [f"x{i}" for i in range(1, 10)]

    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_commas_and_brackets_in_text_are_not_structure(self, encoder: str) -> None:
        """Commas and brackets inside strings do not count as keys or nesting."""
        record = make_record("a,b,c,d,e [[[[ {{{{")
        formatter = JsonFormatter(max_keys=3, max_depth=1, encoder=encoder)
        assert formatter.format(record) == JsonFormatter(encoder=encoder).format(record)

    def test_brackets_in_text_are_not_nesting(self) -> None:
        """Brackets inside strings alone do not count as nesting."""
        record = make_record("[[[[ {{{{")
        formatter = JsonFormatter(max_depth=1)
        assert formatter.format(record) == JsonFormatter().format(record)

    def test_tuple_checked(self) -> None:
        """Tuples are looked into like lists."""
        data = json.loads(line_of(JsonFormatter(max_keys=2), "m", row=(1, 2, 3)))
        assert data["row"] == [1, 2]


class TestLineLimit:
    @pytest.mark.parametrize("encoder", ENCODERS)
    @pytest.mark.parametrize("preset", [None, "ecs", "gcp", "otel", "datadog"])
    def test_huge_extra_fits(self, encoder: str, preset: str | None) -> None:
        """A huge extra is cut so the line fits, with the priority fields kept."""
        formatter = JsonFormatter(DEFAULT_FMT, preset=preset, max_line_bytes=600, encoder=encoder)
        line = line_of(formatter, "start of message " + "m" * 5000, blob="b" * 100_000)
        assert len(line.encode()) <= 600
        data = json.loads(line)
        assert TRUNCATED_KEY in data
        text = json.dumps(data)
        assert "start of message" in text
        assert "app.web" in text

    def test_drops_largest_fields_first(self) -> None:
        """When cutting strings is not enough, the largest fields go first."""
        formatter = JsonFormatter(DEFAULT_FMT, max_line_bytes=400)
        big = [f"item{i}" for i in range(200)]
        data = json.loads(line_of(formatter, "m", small=1, big=big))
        assert data["small"] == 1
        assert "big" not in data
        assert "big" in data[TRUNCATED_KEY]

    def test_prefix_counts(self) -> None:
        """The prefix is part of the line's budget."""
        formatter = JsonFormatter(prefix="X" * 100, max_line_bytes=300)
        line = line_of(formatter, "m" * 1000)
        assert len(line.encode()) <= 300
        assert line.startswith("X" * 100)

    def test_multibyte_counted_in_bytes(self) -> None:
        """The limit counts UTF-8 bytes, not characters."""
        line = line_of(
            JsonFormatter(max_line_bytes=300, encoder="json", json_ensure_ascii=False), "é" * 400
        )
        assert len(line.encode()) <= 300
        assert json.loads(line)["message"].startswith("éé")

    def test_huge_priority_values(self) -> None:
        """Even huge logger names and no message give a line within the limit."""
        record = make_record("")
        record.name = "n" * 5000
        record.levelname = "L" * 5000
        line = JsonFormatter(DEFAULT_FMT, max_line_bytes=256).format(record)
        assert len(line.encode()) <= 256
        assert json.loads(line)["name"].startswith("n")

    def test_huge_everything_ends_minimal(self) -> None:
        """When not even cut priority fields fit, a minimal document is written."""
        encoder = LimitedEncoder(
            lambda data: json.dumps(data, ensure_ascii=True),
            max_line_bytes=256,
            priority_keys=[f"k{i}" for i in range(40)],
        )
        data = {f"k{i}": "\u2603" * 100 for i in range(40)}
        out = encoder(data)
        assert len(out) <= 256
        assert json.loads(out) == {TRUNCATED_KEY: ["*"]}

    def test_skeleton_with_many_cut_names_fits(self) -> None:
        """Many cut fields and a wide priority value still end in a fitting line."""
        encoder = LimitedEncoder(
            lambda data: json.dumps(data, ensure_ascii=True),
            max_line_bytes=256,
            priority_keys=["a"],
        )
        data = {"a": "\u2603" * 100, "message": "m" * 10, "x": "y" * 1000, "z": "w" * 1000}
        out = encoder(data)
        assert len(out) <= 256
        parsed = json.loads(out)
        assert parsed["a"].startswith("\u2603")
        assert parsed["message"].startswith("m")

    def test_skeleton_without_message(self) -> None:
        """Without a message the skeleton keeps clipped priority values, lists included."""
        encoder = LimitedEncoder(
            lambda data: json.dumps(data).encode(), max_line_bytes=256, priority_keys=["tags"]
        )
        data = {"tags": ["t" * 300] * 20, "message": "", "other": "o" * 2000}
        out = encoder(data)
        assert len(out) <= 256
        parsed = json.loads(out)
        assert parsed["message"] == ""
        assert parsed["tags"][0].startswith("t")

    def test_under_limit_is_same_object(self) -> None:
        """Under every limit the wrapped encoder's output is returned as it is."""
        sentinel = b'{"message":"m"}'
        encoder = LimitedEncoder(lambda data: sentinel, max_line_bytes=1000, max_keys=100)
        assert encoder({"message": "m"}) is sentinel

    def test_large_line_within_limits_scanned_and_kept(self) -> None:
        """A long line that breaks no limit is kept as it is after the scan."""
        formatter = JsonFormatter(max_line_bytes=10_000, max_keys=50, max_depth=4)
        data = json.loads(line_of(formatter, "m" * 500, rows=[{"a": "b" * 100}] * 5))
        assert TRUNCATED_KEY not in data
        assert len(data["rows"]) == 5


class TestWhatSurvives:
    """The fields a pipeline needs survive the limits, and the list of cuts stays short."""

    def test_truncated_list_is_bounded(self) -> None:
        """Thousands of cut paths are named by their field; the other fields stay."""
        formatter = JsonFormatter(DEFAULT_FMT, max_line_bytes=16384)
        data = json.loads(
            line_of(formatter, "order placed", request_id="r-42", items=["x" * 80] * 3000)
        )
        assert data["request_id"] == "r-42"
        assert data["message"] == "order placed"
        assert data[TRUNCATED_KEY] == ["items"]

    def test_truncated_list_capped(self) -> None:
        """Past the cap the list ends with an ellipsis."""
        names = [f"k{i}" for i in range(100)]
        listed = limits._listed(names)
        assert len(listed) == limits._MAX_NAMES
        assert listed[-1] == ELLIPSIS
        assert limits._listed(["a.1", "a.2", "b"]) == ["a.1", "a.2", "b"]

    def test_many_fields_take_few_encodings(self) -> None:
        """Dropping thousands of fields encodes the line a few times, not once per field."""
        calls = []

        def counted(data: dict[str, Any]) -> bytes:
            calls.append(len(data))
            return json.dumps(data).encode()

        encoder = LimitedEncoder(counted, max_line_bytes=1024, priority_keys=["level"])
        data = {"level": "INFO", "message": "m", **{f"k{i}": "v" * 100 for i in range(2000)}}
        out = json.loads(encoder(data))
        assert len(json.dumps(out)) <= 1024
        assert out["level"] == "INFO"
        assert 1 < len(out) < 20  # some fields kept, most dropped
        whole_encodings = [size for size in calls if size > 1]
        assert len(whole_encodings) < 20

    def test_whole_message_not_marked(self) -> None:
        """A message that fits whole is neither cut nor named, when fields are dropped."""
        formatter = JsonFormatter(DEFAULT_FMT, max_line_bytes=256)
        data = json.loads(line_of(formatter, "order placed", blob="b" * 5000))
        assert data["message"] == "order placed"
        assert "message" not in data[TRUNCATED_KEY]

    def test_traceback_keeps_its_last_line(self) -> None:
        """A traceback cut by max_string_length keeps its start and the exception line."""

        def recurse(depth: int) -> None:
            if depth:
                recurse(depth - 1)
            raise ValueError("the reason")

        try:
            recurse(30)
        except ValueError:
            record = logging.LogRecord(
                "app", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
            )
        data = json.loads(JsonFormatter(DEFAULT_FMT, max_string_length=300).format(record))
        text = data["exc_info"]
        assert len(text) == 300 + len(ELLIPSIS)
        assert text.startswith("Traceback (most recent call last):")
        assert text.endswith("ValueError: the reason")
        assert "exc_info" in data[TRUNCATED_KEY]

    def test_clipped_priority_field_is_named(self) -> None:
        """A logger name clipped to fit the line is named; a message that fits is not."""
        record = make_record("hello")
        record.name = "n" * 5000
        data = json.loads(JsonFormatter(DEFAULT_FMT, max_line_bytes=256).format(record))
        assert data["name"].startswith("nnn")
        assert data["message"] == "hello"
        assert data[TRUNCATED_KEY] == ["name"]

    def test_priority_fields_not_cut_by_string_limit(self) -> None:
        """max_string_length leaves the time, level and logger whole."""
        formatter = JsonFormatter(DEFAULT_FMT, datefmt="rfc3339", max_string_length=8)
        record = make_record("m" * 50)
        record.name = "app.orders.payments"
        data = json.loads(formatter.format(record))
        assert data["asctime"].endswith("+00:00")
        assert data["levelname"] == "WARNING"
        assert data["name"] == "app.orders.payments"
        assert data["message"] == "m" * 8 + ELLIPSIS

    def test_template_keys(self) -> None:
        """In a JSON template, the keys holding time, level, logger and message are known."""
        template = (
            '{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s",'
            ' "msg": "%(message)s", "meta": {"pid": "%(process)d"}}'
        )
        formatter = JsonFormatter(template, max_line_bytes=256, max_message_length=10)
        data = json.loads(line_of(formatter, "m" * 1000))
        assert {"time", "level", "logger"} <= set(data)
        assert data["msg"] == "m" * 10 + ELLIPSIS
        assert data[TRUNCATED_KEY] == ["msg"]


class TestConfig:
    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"max_line_bytes": 100}, ValueError, "max_line_bytes must be at least 256"),
            ({"max_string_length": 0}, ValueError, "max_string_length"),
            ({"max_depth": "3"}, TypeError, "max_depth must be an int"),
            ({"max_keys": True}, TypeError, "max_keys must be an int"),
            ({"max_message_length": -1}, ValueError, "max_message_length"),
        ],
    )
    def test_bad_limits(self, kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
        """Bad limits are refused at construction, naming the keyword."""
        with pytest.raises(error, match=match):
            JsonFormatter(**kwargs)

    def test_no_limits_no_wrapper(self) -> None:
        """Without limits the encoder is not wrapped: no cost."""
        assert not isinstance(JsonFormatter().encoder, LimitedEncoder)
        assert isinstance(JsonFormatter(max_keys=3).encoder, LimitedEncoder)

    def test_wrap_passthrough(self) -> None:
        """wrap() returns the encoder itself when no limit is set."""

        def encoder(data: dict[str, Any]) -> bytes:
            return b"{}"

        wrapped = limits.wrap(
            encoder,
            max_message_length=None,
            max_string_length=None,
            max_line_bytes=None,
            max_depth=None,
            max_keys=None,
            message_key="message",
            priority_keys=(),
            prefix="",
            hook=str,
        )
        assert wrapped is encoder

    def test_preset_message_key(self) -> None:
        """With the otel preset the body is the message that max_message_length cuts."""
        data = json.loads(line_of(JsonFormatter(preset="otel", max_message_length=3), "abcdef"))
        assert data["body"] == "abc" + ELLIPSIS
        assert data[TRUNCATED_KEY] == ["body"]

    def test_file_config(self, tmp_path: Path) -> None:
        """Limits reach the formatter from an ini file through $options."""
        fmt = json.dumps(
            {"message": "%(message)s", "$options": {"max_message_length": 4, "max_keys": 2}}
        )
        stream = load_ini_formatter(tmp_path, fmt)
        logging.getLogger("x").info("abcdefgh", extra={"rows": [1, 2, 3]})
        data = json.loads(stream.getvalue())
        assert data == {
            "message": "abcd" + ELLIPSIS,
            "rows": [1, 2],
            TRUNCATED_KEY: ["message", "rows"],
        }

    def test_dict_config(self) -> None:
        """dictConfig passes the limit keywords."""
        stream = io.StringIO()
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "formatters": {"json": {"()": "jsonlog.JsonFormatter", "max_line_bytes": 300}},
                "handlers": {
                    "out": {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}
                },
                "root": {"handlers": ["out"], "level": "INFO"},
            }
        )
        logging.getLogger("y").info("z" * 2000)
        line = stream.getvalue().rstrip("\n")
        assert len(line.encode()) <= 300
        assert json.loads(line)["message"].startswith("zzz")


# -- properties -------------------------------------------------------------------

_KEYS = st.text(min_size=1, max_size=8).filter(lambda key: key not in RESERVED_ATTRS)
_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=300)),
    lambda children: st.one_of(
        st.lists(children, max_size=6), st.dictionaries(st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=40,
)


class TestProperties:
    @settings(max_examples=150, deadline=None)
    @given(
        message=st.text(max_size=2000),
        extras=st.dictionaries(_KEYS, _VALUES, max_size=6),
        line_bytes=st.integers(256, 2000),
        encoder=st.sampled_from(["orjson", "json"]),
        preset=st.sampled_from([None, "ecs", "gcp", "otel", "datadog"]),
        small=st.booleans(),
    )
    def test_always_valid_json_within_limit(
        self,
        message: str,
        extras: dict[str, Any],
        line_bytes: int,
        encoder: str,
        preset: str | None,
        small: bool,
    ) -> None:
        """Any record gives exactly one line of valid JSON within max_line_bytes."""
        formatter = JsonFormatter(
            DEFAULT_FMT,
            preset=preset,
            encoder=encoder,
            max_line_bytes=line_bytes,
            max_string_length=20 if small else None,
            max_depth=3 if small else None,
            max_keys=4 if small else None,
        )
        line = formatter.format(make_record(message, **extras))
        assert "\n" not in line
        assert len(line.encode("utf-8")) <= line_bytes
        json.loads(line)


_SHAPES = st.recursive(
    st.one_of(
        st.integers(-(2**63), 2**63 - 1), st.text(alphabet='a,{[]}"é', max_size=12), st.none()
    ),
    lambda children: (
        st.lists(children, max_size=6)
        | st.dictionaries(st.text(alphabet="ab,{", max_size=3), children, max_size=6)
    ),
    max_leaves=25,
)


class TestDirectCall:
    """The formatter's direct call decides as the encoder itself does."""

    @settings(max_examples=300, deadline=None)
    @given(
        data=st.dictionaries(st.text(alphabet="abc", max_size=3), _SHAPES, max_size=6),
        keys=st.none() | st.integers(1, 6),
        depth=st.none() | st.integers(1, 4),
        strings=st.none() | st.integers(1, 40),
    )
    def test_agrees_with_full_check(
        self, data: dict[str, Any], keys: int | None, depth: int | None, strings: int | None
    ) -> None:
        """Whatever the data and limits, the direct call writes what the full check writes."""
        limited = LimitedEncoder(
            encoders.OrjsonEncoder(),
            max_keys=keys,
            max_depth=depth,
            max_string_length=strings,
            max_line_bytes=300,
        )
        assert limited.dumps is not None
        assert limited.dumps(data) == limited._checked(data, limited.encoder(data))

    @settings(max_examples=300, deadline=None)
    @given(
        data=st.dictionaries(
            st.text(alphabet="abc", min_size=1, max_size=2),
            st.recursive(
                st.integers(0, 9),
                lambda children: (
                    st.lists(children, max_size=4)
                    | st.dictionaries(st.sampled_from("xyz"), children, max_size=3)
                ),
                max_leaves=6,
            ),
            max_size=3,
        ),
        pad=st.integers(0, 80),
        keys=st.integers(1, 4),
        depth=st.integers(1, 3),
    )
    def test_agrees_near_the_limits(
        self, data: dict[str, Any], pad: int, keys: int, depth: int
    ) -> None:
        """Small shapes around max_keys and max_depth, short or padded lines, decide alike."""
        data["p"] = "x" * pad
        limited = LimitedEncoder(encoders.OrjsonEncoder(), max_keys=keys, max_depth=depth)
        assert limited.dumps is not None
        assert limited.dumps(data) == limited._checked(data, limited.encoder(data))

    def test_commas_counted_on_a_long_line(self) -> None:
        """On a line too long for the length bound, a list over max_keys is still cut."""
        limited = LimitedEncoder(encoders.OrjsonEncoder(), max_keys=2, max_depth=4)
        assert limited.dumps is not None
        out = json.loads(limited.dumps({"s": "x" * 60, "l": [1, 2, 3]}))
        assert out["l"] == [1, 2]
        assert out[TRUNCATED_KEY] == ["l"]

    def test_brackets_counted_on_a_long_line(self) -> None:
        """On a line too long for the length bound, nesting over max_depth is still cut."""
        limited = LimitedEncoder(encoders.OrjsonEncoder(), max_keys=50, max_depth=1)
        assert limited.dumps is not None
        out = json.loads(limited.dumps({"s": "x" * 200, "d": {"e": {"f": 1}}}))
        assert out[TRUNCATED_KEY] == ["d.e"]

    @pytest.mark.parametrize("entries", [1, 2, 5, 9])
    def test_list_over_max_keys_at_the_bound(self, entries: int) -> None:
        """A nested list one entry over max_keys is cut, however many top-level entries."""
        limited = LimitedEncoder(encoders.OrjsonEncoder(), max_keys=10)
        data: dict[str, Any] = {f"k{index}": 0 for index in range(entries - 1)}
        data["l"] = [0] * 11
        assert limited.dumps is not None
        out = json.loads(limited.dumps(data))
        assert out["l"] == [0] * 10
        assert out[TRUNCATED_KEY] == ["l"]

    def test_depth_counted_only_with_max_depth(self) -> None:
        """Without max_depth nesting is not limited; with it, too deep is cut."""
        deep = {"a": {"b": {"c": {"d": 1}}}}
        free = LimitedEncoder(encoders.OrjsonEncoder(), max_keys=5)
        capped = LimitedEncoder(encoders.OrjsonEncoder(), max_depth=2)
        assert free.dumps is not None
        assert capped.dumps is not None
        assert json.loads(free.dumps(deep)) == deep
        assert json.loads(capped.dumps(deep))[TRUNCATED_KEY] == ["a.b.c"]

    def test_text_from_direct_call(self) -> None:
        """An encoder whose direct call writes text is checked as text."""

        class TextDumps:
            def dumps(self, data: dict[str, Any]) -> str:
                return json.dumps(data, ensure_ascii=False)

            def __call__(self, data: dict[str, Any]) -> str:
                return self.dumps(data)

        limited = LimitedEncoder(TextDumps(), max_line_bytes=256, max_depth=3)
        assert limited.dumps is not None
        out = limited.dumps({"m": "é" * 200})
        assert len(out.encode("utf-8") if isinstance(out, str) else out) <= 256
        assert json.loads(out)[TRUNCATED_KEY] == ["m"]

    def test_no_direct_call_without_one_inside(self) -> None:
        """An encoder without a direct call gives none to the formatter."""
        limited = LimitedEncoder(encoders.JsonEncoder(), max_depth=3)
        assert limited.dumps is None
        assert json.loads(limited({"a": [1]})) == {"a": [1]}
