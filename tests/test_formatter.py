"""JsonFormatter: fields, templates, extras, messages, time, exceptions, errors, threads."""

from __future__ import annotations

import datetime
import json
import logging
import sys
import threading
from typing import Any

import pytest
from conftest import ENCODERS, format_json, lines, make_record, strict_loads

import jsonlog
from jsonlog import RESERVED_ATTRS, JsonFormatter, merge_record_extra


class TestFieldsFromFormat:
    """The format string selects the fields, in order, with their types."""

    @pytest.mark.parametrize(
        ("fmt", "style"),
        [
            ("%(levelname)s %(name)-8s %(lineno)d %(message)s", "%"),
            ("{levelname} {name:>8} {lineno!r} {message}", "{"),
            ("$levelname ${name} $lineno $message", "$"),
            ("levelname, name, lineno, message", ","),
        ],
        ids=["percent", "brace", "dollar", "comma"],
    )
    def test_every_style_selects_bare_field_names(self, fmt: str, style: str) -> None:
        """Width, conversion and braces never leak into the key names."""
        data = format_json(JsonFormatter(fmt, style=style), make_record())
        assert list(data) == ["levelname", "name", "lineno", "message"]

    def test_values_keep_their_type(self) -> None:
        """lineno stays an int, created a float."""
        data = format_json(JsonFormatter("%(lineno)d %(created)f %(message)s"), make_record())
        assert data == {"lineno": 42, "created": 1700000000.25, "message": "hello world"}

    def test_list_of_names(self) -> None:
        """A list or tuple of names works like a format string."""
        for fmt in (["name", "message"], ("name", "message")):
            assert list(format_json(JsonFormatter(fmt), make_record())) == ["name", "message"]

    def test_none_emits_the_message_alone(self) -> None:
        """fmt=None gives just the message."""
        assert format_json(JsonFormatter(), make_record()) == {"message": "hello world"}

    def test_repeated_field_appears_once(self) -> None:
        """A field used twice in the format is one key."""
        data = format_json(JsonFormatter("%(name)s %(name)s %(message)s"), make_record())
        assert list(data) == ["name", "message"]

    def test_asctime_is_computed_only_when_selected(self) -> None:
        """Without asctime in the format, formatTime is never called."""
        calls: list[str] = []

        class Counting(JsonFormatter):
            def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
                calls.append("t")
                return super().formatTime(record, datefmt)

        format_json(Counting("%(message)s"), make_record())
        assert calls == []
        assert "asctime" in format_json(Counting("%(asctime)s"), make_record())
        assert calls == ["t"]

    def test_message_is_not_computed_when_not_selected(self) -> None:
        """A broken msg/args pair costs nothing when message is not emitted."""
        record = make_record("%d", ("x",))
        assert format_json(JsonFormatter("%(name)s"), record) == {"name": "app"}

    def test_missing_field_is_null(self) -> None:
        """A field the record lacks comes out as null."""
        assert format_json(JsonFormatter("%(nothere)s"), make_record()) == {"nothere": None}

    def test_parse_returns_the_fields(self) -> None:
        """parse(), python-json-logger's override point, lists the selected fields."""
        assert JsonFormatter("%(name)s %(message)s").parse() == ["name", "message"]

    def test_uses_time(self) -> None:
        """usesTime() reports whether asctime is selected."""
        assert JsonFormatter("%(asctime)s").usesTime()
        assert not JsonFormatter("%(message)s").usesTime()


class TestTemplate:
    """A JSON object as the format: renamed keys, nesting, static fields."""

    FMT = (
        '{"time": "%(asctime)s", "level": "%(levelname)s", "msg": "%(message)s",'
        ' "service": "billing", "src": {"file": "%(filename)s", "line": "%(lineno)d"}}'
    )

    def test_shape_and_types(self) -> None:
        """Placeholders keep their type; literals and nesting are kept."""
        data = format_json(JsonFormatter(self.FMT, datefmt="%Y"), make_record())
        assert data == {
            "time": "2023",
            "level": "INFO",
            "msg": "hello world",
            "service": "billing",
            "src": {"file": "shop.py", "line": 42},
        }

    def test_mixed_text_is_interpolated(self) -> None:
        """A string mixing text and placeholders is rendered with the style."""
        fmt = '{"where": "%(filename)s:%(lineno)d", "lit": [1, "a"], "n": 3, "ok": true}'
        data = format_json(JsonFormatter(fmt), make_record())
        assert data == {"where": "shop.py:42", "lit": [1, "a"], "n": 3, "ok": True}

    @pytest.mark.parametrize(
        ("fmt", "style"),
        [
            ('{"l": "{levelname}", "w": "{filename}:{lineno}"}', "{"),
            ('{"l": "$levelname", "w": "${filename}:$lineno"}', "$"),
        ],
        ids=["brace", "dollar"],
    )
    def test_other_styles(self, fmt: str, style: str) -> None:
        """Templates use the formatter's style for their placeholders."""
        assert format_json(JsonFormatter(fmt, style=style), make_record()) == {
            "l": "INFO",
            "w": "shop.py:42",
        }

    def test_interpolation_with_missing_value_degrades(self) -> None:
        """%d of a missing field renders as text instead of failing the record."""
        data = format_json(
            JsonFormatter('{"x": "n=%(nothere)d", "m": "%(message)s"}'), make_record()
        )
        assert data == {"x": "n=None", "m": "hello world"}

    def test_extras_follow_the_template(self) -> None:
        """Extras still come after the template's keys."""
        data = format_json(
            JsonFormatter('{"m": "%(message)s"}'), make_record(extra={"user": "ada"})
        )
        assert data == {"m": "hello world", "user": "ada"}

    def test_template_lists_are_not_shared(self) -> None:
        """A literal list in the template is copied, so one record cannot change the next."""

        class Mutating(JsonFormatter):
            def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
                log_data["tags"].append("x")
                return log_data

        formatter = Mutating('{"tags": ["a"]}')
        format_json(formatter, make_record())
        assert format_json(formatter, make_record())["tags"] == ["a", "x"]

    def test_exception_placed_in_template(self) -> None:
        """%(exc_info)s in a template puts the traceback there and not at the top."""
        formatter = JsonFormatter('{"m": "%(message)s", "error": {"trace": "%(exc_info)s"}}')
        data = format_json(formatter, make_record(exc_info=_exc_info()))
        assert data["error"]["trace"].startswith("Traceback (most recent call last):")
        assert "exc_info" not in data

    def test_options_inside_the_template(self) -> None:
        """$options carries keywords; it is not emitted."""
        fmt = '{"m": "%(message)s", "$options": {"timestamp": "ts", "tz": "UTC", "prefix": ">"}}'
        line = JsonFormatter(fmt).format(make_record())
        assert line.startswith(">")
        assert strict_loads(line[1:]) == {
            "m": "hello world",
            "ts": "2023-11-14T22:13:20.250000+00:00",
        }

    def test_options_import_callables(self) -> None:
        """Callable options given as dotted paths are imported."""
        fmt = '{"m": "%(message)s", "$options": {"json_default": "builtins.repr"}}'
        formatter = JsonFormatter(fmt)
        assert formatter.json_default is repr
        assert format_json(formatter, make_record(extra={"o": object()}))["o"].startswith("<object")

    @pytest.mark.parametrize(
        ("fmt", "error", "match"),
        [
            ('{"m": "%(message)s"', ValueError, "not valid JSON"),
            ('{"m": "%(message)s", "$options": {"nope": 1}}', ValueError, "unknown option 'nope'"),
            ('{"m": "%(message)s", "$options": [1]}', TypeError, r"\$options"),
            (
                '{"m": "%(message)s", "$options": {"json_default": "no.such.mod"}}',
                ValueError,
                "import",
            ),
            ('{"m": "%(message)z"}', ValueError, "template value"),
            ('{"m": "{message"}', ValueError, "template value"),
        ],
        ids=[
            "invalid-json",
            "unknown-option",
            "options-not-object",
            "bad-import",
            "bad-placeholder",
            "bad-brace",
        ],
    )
    def test_bad_templates_fail_at_construction(self, fmt: str, error: type, match: str) -> None:
        """A broken template is a clear error when the formatter is built."""
        style = "{" if "{message" in fmt else "%"
        with pytest.raises(error, match=match):
            JsonFormatter(fmt, style=style)

    def test_option_given_twice_is_an_error(self) -> None:
        """The same option in code and in the template is ambiguous."""
        with pytest.raises(ValueError, match="given both"):
            JsonFormatter('{"m": "%(message)s", "$options": {"prefix": "a"}}', prefix="b")

    def test_brace_style_string_starting_with_brace_is_a_format(self) -> None:
        """'{message}' in the { style is an ordinary format, not broken JSON."""
        assert format_json(JsonFormatter("{message}", style="{"), make_record()) == {
            "message": "hello world"
        }


class TestExtras:
    """Every non-standard record attribute is emitted."""

    def test_extra_filter_and_adapter_values(self, logger_to: Any) -> None:
        """Values from extra=, from a filter and from a LoggerAdapter all appear."""
        logger, stream = logger_to(JsonFormatter("%(message)s"))

        def add_request_id(record: logging.LogRecord) -> bool:
            record.request_id = "r-1"
            return True

        logger.addFilter(add_request_id)
        logging.LoggerAdapter(logger, {"tenant": "acme"}).info("hi", extra={"ignored": 1})
        logger.info("yo", extra={"user": "ada"})
        assert lines(stream) == [
            {"message": "hi", "tenant": "acme", "request_id": "r-1"},
            {"message": "yo", "user": "ada", "request_id": "r-1"},
        ]

    def test_underscore_and_reserved_attributes_are_skipped(self) -> None:
        """Private attributes and standard LogRecord attributes never appear as extras."""
        record = make_record(extra={"_secret": 1, "visible": 2})
        assert format_json(JsonFormatter("%(message)s"), record) == {
            "message": "hello world",
            "visible": 2,
        }

    def test_reserved_set_comes_from_a_live_record(self) -> None:
        """RESERVED_ATTRS is every attribute of a real LogRecord plus message and asctime."""
        live = set(vars(logging.makeLogRecord({})))
        assert set(RESERVED_ATTRS) == live | {"message", "asctime"}
        if sys.version_info >= (3, 12):
            assert "taskName" in RESERVED_ATTRS

    def test_reserved_attrs_replaces_the_set(self) -> None:
        """reserved_attrs=[...] lets standard attributes through as extras."""
        keep = [name for name in RESERVED_ATTRS if name != "lineno"]
        data = format_json(JsonFormatter("%(message)s", reserved_attrs=keep), make_record())
        assert data == {"message": "hello world", "lineno": 42}

    def test_extras_do_not_repeat_format_fields(self) -> None:
        """A field in the format is not emitted again as an extra."""
        record = make_record(extra={"user": "ada"})
        data = format_json(JsonFormatter("%(user)s %(message)s"), record)
        assert list(data) == ["user", "message"]

    def test_extra_mapping_is_not_modified(self, logger_to: Any) -> None:
        """The caller's extra mapping and its nested values stay as they were."""
        logger, stream = logger_to(JsonFormatter("%(message)s", rename_fields={"user": "u"}))
        extra = {"user": {"name": "ada", "roles": ["admin"]}}
        logger.info("hi", extra=extra)
        assert extra == {"user": {"name": "ada", "roles": ["admin"]}}
        assert lines(stream)[0]["u"] == {"name": "ada", "roles": ["admin"]}

    def test_merge_record_extra(self) -> None:
        """The module-level helper copies extras with renames, as python-json-logger's."""
        record = make_record(extra={"a": 1, "_b": 2})
        target: dict[str, Any] = {}
        result = merge_record_extra(record, target, RESERVED_ATTRS, {"a": "A"})
        assert result is target
        assert target == {"A": 1}
        assert merge_record_extra(record, {}, RESERVED_ATTRS) == {"a": 1}


class TestDictMessages:
    """A dict logged as the message is merged into the output."""

    def test_dict_is_merged_and_not_modified(self, logger_to: Any) -> None:
        """Keys of the dict appear; the caller's dict is untouched even with exc_info."""
        logger, stream = logger_to(JsonFormatter("%(levelname)s %(message)s"))
        event = {"event": "login", "user": "ada", "meta": {"ip": "1.2.3.4"}}
        try:
            raise KeyError("k")
        except KeyError:
            logger.exception(event)
        assert event == {"event": "login", "user": "ada", "meta": {"ip": "1.2.3.4"}}
        data = lines(stream)[0]
        assert data["event"] == "login"
        assert data["meta"] == {"ip": "1.2.3.4"}
        assert data["message"] == ""
        assert data["exc_info"].endswith("KeyError: 'k'")

    def test_dict_exc_info_wins(self) -> None:
        """A non-empty exc_info in the dict is kept instead of the traceback."""
        record = make_record({"exc_info": "mine"}, (), exc_info=_exc_info())
        assert format_json(JsonFormatter("%(message)s"), record)["exc_info"] == "mine"


class TestRenameAndStatic:
    """rename_fields, static_fields, defaults and prefix."""

    def test_rename_everywhere(self) -> None:
        """Renames apply to format fields, extras, dict-message keys and timestamp."""
        formatter = JsonFormatter(
            "%(levelname)s %(message)s",
            rename_fields={"levelname": "level", "user": "usr", "timestamp": "@t", "k": "K"},
            timestamp=True,
        )
        data = format_json(formatter, make_record({"k": 1}, (), extra={"user": "ada"}))
        assert list(data) == ["level", "message", "K", "usr", "@t"]

    def test_keep_missing(self) -> None:
        """rename_fields_keep_missing emits absent renamed fields as null."""
        formatter = JsonFormatter(
            "%(message)s", rename_fields={"user": "u"}, rename_fields_keep_missing=True
        )
        assert format_json(formatter, make_record())["u"] is None

    def test_static_fields_and_defaults(self) -> None:
        """Defaults come first and fill missing fields; static fields follow the format."""
        formatter = JsonFormatter(
            "%(message)s %(region)s",
            defaults={"region": "eu", "app": "shop"},
            static_fields={"env": "prod"},
        )
        data = format_json(formatter, make_record())
        assert data == {"region": "eu", "app": "shop", "message": "hello world", "env": "prod"}
        assert list(data) == ["region", "app", "message", "env"]
        assert format_json(formatter, make_record(extra={"region": "us"}))["region"] == "us"

    def test_prefix(self) -> None:
        """prefix is put before the JSON text."""
        line = JsonFormatter("%(message)s", prefix="@cee: ").format(make_record())
        assert line == '@cee: {"message":"hello world"}'


class TestTime:
    """Times come from the record, in the chosen zone and format."""

    def test_timestamp_is_rfc3339_utc_from_the_record(self) -> None:
        """timestamp=True uses record.created, not the clock."""
        data = format_json(JsonFormatter("%(message)s", timestamp=True), make_record())
        assert data["timestamp"] == "2023-11-14T22:13:20.250000+00:00"

    def test_timestamp_custom_key(self) -> None:
        """timestamp='@timestamp' names the key."""
        data = format_json(JsonFormatter("%(message)s", timestamp="@timestamp"), make_record())
        assert "@timestamp" in data

    @pytest.mark.parametrize(
        ("tz", "expected"),
        [
            ("UTC", "2023-11-14 22:13:20,250"),
            ("Asia/Tokyo", "2023-11-15 07:13:20,250"),
            ("America/New_York", "2023-11-14 17:13:20,250"),
        ],
    )
    def test_asctime_in_zone(self, tz: str, expected: str) -> None:
        """tz= renders asctime in UTC or an IANA zone, in logging's default shape."""
        assert (
            format_json(JsonFormatter("%(asctime)s", tz=tz), make_record())["asctime"] == expected
        )

    def test_rfc3339_asctime(self) -> None:
        """datefmt='rfc3339' gives an RFC 3339 asctime with milliseconds and offset."""
        formatter = JsonFormatter("%(asctime)s", datefmt="rfc3339", tz="Europe/Paris")
        assert format_json(formatter, make_record())["asctime"] == "2023-11-14T23:13:20.250+01:00"

    def test_rfc3339_local(self) -> None:
        """Without tz the RFC 3339 asctime is local time with its offset."""
        value = format_json(JsonFormatter("%(asctime)s", datefmt="RFC3339"), make_record())[
            "asctime"
        ]
        parsed = datetime.datetime.fromisoformat(value)
        assert parsed.timestamp() == pytest.approx(1700000000.25, abs=0.001)

    def test_datefmt_in_zone(self) -> None:
        """A strftime datefmt works with tz, %z included."""
        formatter = JsonFormatter("%(asctime)s", datefmt="%H:%M %z", tz="Asia/Kolkata")
        assert format_json(formatter, make_record())["asctime"] == "03:43 +0530"

    def test_stdlib_datefmt_unchanged(self) -> None:
        """Without tz, asctime is exactly logging.Formatter's."""
        record = make_record()
        expected = logging.Formatter(datefmt="%d/%m/%Y %H:%M:%S").formatTime(
            record, "%d/%m/%Y %H:%M:%S"
        )
        formatter = JsonFormatter("%(asctime)s", datefmt="%d/%m/%Y %H:%M:%S")
        assert format_json(formatter, record)["asctime"] == expected

    def test_timestamp_in_zone(self) -> None:
        """tz also sets the zone of timestamp."""
        formatter = JsonFormatter("%(message)s", timestamp=True, tz="Asia/Tokyo")
        assert (
            format_json(formatter, make_record())["timestamp"] == "2023-11-15T07:13:20.250000+09:00"
        )

    def test_local_zone_by_name(self) -> None:
        """tz='local' is the machine's zone."""
        formatter = JsonFormatter("%(message)s", timestamp=True, tz="local")
        value = format_json(formatter, make_record())["timestamp"]
        assert datetime.datetime.fromisoformat(value).timestamp() == 1700000000.25

    def test_unknown_zone_is_a_config_error(self) -> None:
        """An unknown zone name fails at construction."""
        with pytest.raises(ValueError, match="IANA"):
            JsonFormatter(tz="Mars/Olympus")
        with pytest.raises(TypeError, match="tz"):
            JsonFormatter(tz=5)  # type: ignore[arg-type]

    def test_tzinfo_object(self) -> None:
        """A tzinfo object is accepted as is."""
        zone = datetime.timezone(datetime.timedelta(hours=2))
        formatter = JsonFormatter("%(message)s", timestamp=True, tz=zone)
        assert format_json(formatter, make_record())["timestamp"].endswith("+02:00")


def _exc_info() -> Any:
    try:
        raise ValueError("bad value")
    except ValueError:
        return sys.exc_info()


def _chained_exc_info() -> Any:
    try:
        try:
            {}["missing"]
        except KeyError as error:
            raise RuntimeError("wrapped") from error
    except RuntimeError as error:
        error.add_note("a note")
        return sys.exc_info()


def _group_exc_info() -> Any:
    try:
        raise ExceptionGroup("many", [ValueError("one"), TypeError("two")])
    except ExceptionGroup:
        return sys.exc_info()


class TestExceptions:
    """Tracebacks are logging's text, or its lines, or a structured object."""

    @pytest.mark.parametrize("make", [_exc_info, _chained_exc_info, _group_exc_info])
    def test_text_is_identical_to_logging(self, make: Any) -> None:
        """exc_info is byte for byte logging.Formatter.formatException."""
        ei = make()
        data = format_json(JsonFormatter("%(message)s"), make_record(exc_info=ei))
        assert data["exc_info"] == logging.Formatter().formatException(ei)

    def test_array(self) -> None:
        """exc_info_as_array gives the lines."""
        ei = _chained_exc_info()
        formatter = JsonFormatter("%(message)s", exc_info_as_array=True)
        assert format_json(formatter, make_record(exc_info=ei))["exc_info"] == (
            logging.Formatter().formatException(ei).splitlines()
        )

    def test_structured(self) -> None:
        """exc_format='structured' gives type, message and stack trace."""
        ei = _exc_info()
        formatter = JsonFormatter("%(message)s", exc_format="structured")
        assert format_json(formatter, make_record(exc_info=ei))["exc_info"] == {
            "type": "ValueError",
            "message": "bad value",
            "stack_trace": logging.Formatter().formatException(ei),
        }

    def test_structured_qualifies_non_builtin_types(self) -> None:
        """A non-builtin exception type carries its module."""
        try:
            json.loads("{")
        except json.JSONDecodeError:
            ei = sys.exc_info()
        formatter = JsonFormatter("%(message)s", exc_format="structured")
        assert format_json(formatter, make_record(exc_info=ei))["exc_info"]["type"] == (
            "json.decoder.JSONDecodeError"
        )

    @pytest.mark.parametrize("exc_format", ["text", "array", "structured"])
    def test_exc_text_from_a_queue(self, exc_format: str) -> None:
        """A record carrying only exc_text (after a queue) still gets its traceback."""
        record = make_record()
        record.exc_text = "Traceback (most recent call last):\n  x\nValueError: bad value"
        value = format_json(JsonFormatter(exc_format=exc_format), record)["exc_info"]  # type: ignore[arg-type]
        expected: Any = {
            "text": record.exc_text,
            "array": record.exc_text.splitlines(),
            "structured": {
                "type": "ValueError",
                "message": "bad value",
                "stack_trace": record.exc_text,
            },
        }[exc_format]
        assert value == expected

    def test_exception_outside_handler(self) -> None:
        """logger.exception() with no active exception does not break the record."""
        formatter = JsonFormatter("%(message)s", exc_format="structured")
        data = format_json(formatter, make_record(exc_info=(None, None, None)))
        # logging itself prints "NoneType: None" here.
        assert data["exc_info"]["type"] == "NoneType"
        assert data["exc_info"]["stack_trace"] == "NoneType: None"

    def test_stack_info(self) -> None:
        """stack_info is logging's text, or lines with stack_info_as_array."""
        record = make_record(sinfo="Stack (most recent call last):\n  File x\n  File y")
        assert format_json(JsonFormatter(), record)["stack_info"] == record.stack_info
        formatter = JsonFormatter(stack_info_as_array=True)
        assert format_json(formatter, record)["stack_info"] == record.stack_info.splitlines()  # type: ignore[union-attr]

    def test_exc_format_validation(self) -> None:
        """Unknown or contradictory exception formats fail at construction."""
        with pytest.raises(ValueError, match="exc_format"):
            JsonFormatter(exc_format="xml")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="contradicts"):
            JsonFormatter(exc_format="structured", exc_info_as_array=True)


class Unprintable:
    """An object whose __str__ and __repr__ both raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"d": value}
    return value


def _circular() -> dict[str, Any]:
    loop: dict[str, Any] = {}
    loop["self"] = loop
    return loop


def _raising_default(obj: Any) -> Any:
    raise RuntimeError("my default is broken")


HOSTILE = {
    "circular": _circular,
    "big_int": lambda: 2**100,
    "huge_int": lambda: 10**5000,
    "surrogate": lambda: "a\ud800b",
    "non_str_keys": lambda: {1: "int", (1, 2): "tuple", None: "none", Unprintable(): "obj"},
    "nan": lambda: [float("nan"), float("inf"), -float("inf")],
    "deep": lambda: _deep(400),
    "unprintable": Unprintable,
    "control": lambda: "line1\nline2\ttab\x00nul\x1b[31mred\u2028",
    "set": lambda: {3, 1, 2},
}


class TestNeverLosesARecord:
    """Hostile values degrade locally; the record is written as one strict JSON line."""

    @pytest.mark.parametrize("encoder", ENCODERS)
    @pytest.mark.parametrize("case", list(HOSTILE))
    def test_hostile_extra(self, case: str, encoder: str) -> None:
        """The offending value degrades, every other field stays intact."""
        formatter = JsonFormatter("%(levelname)s %(name)s %(message)s", encoder=encoder)
        record = make_record(extra={"before": 1, "bad": HOSTILE[case](), "after": "ok"})
        data = format_json(formatter, record)
        assert data["levelname"] == "INFO"
        assert data["message"] == "hello world"
        assert data["before"] == 1
        assert data["after"] == "ok"
        assert "bad" in data

    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_specific_degradations(self, encoder: str) -> None:
        """Each hostile value degrades to a documented stand-in."""
        formatter = JsonFormatter("%(message)s", encoder=encoder)
        extra = {key: make() for key, make in HOSTILE.items()}
        data = format_json(formatter, make_record(extra=extra))
        assert data["circular"] == {"self": "<circular reference to dict>"}
        assert data["big_int"] == str(2**100)
        assert data["huge_int"] == "<int of 16610 bits>"
        assert data["surrogate"] == "a\\ud800b"
        assert data["nan"] == [None, None, None]
        assert data["unprintable"] == "<unrepresentable Unprintable object>"
        assert data["control"] == "line1\nline2\ttab\x00nul\x1b[31mred\u2028"
        assert data["set"] == [1, 2, 3]
        assert data["non_str_keys"]["1"] == "int"
        assert data["non_str_keys"]["(1, 2)"] == "tuple"
        assert data["non_str_keys"]["null"] == "none"
        assert "<unrepresentable Unprintable object>" in data["non_str_keys"]
        depth, node = 0, data["deep"]
        while isinstance(node, dict):
            node, depth = node["d"], depth + 1
        assert node.startswith("<nested deeper than")
        assert depth < 400

    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_raising_json_default(self, encoder: str) -> None:
        """A json_default that raises falls back to the shared chain."""
        formatter = JsonFormatter("%(message)s", encoder=encoder, json_default=_raising_default)
        data = format_json(formatter, make_record(extra={"when": datetime.date(2024, 2, 29)}))
        assert data["when"] == "2024-02-29"

    @pytest.mark.parametrize("exc_info", [True, ("junk",), "text"])
    @pytest.mark.parametrize("exc_format", ["text", "structured"])
    def test_malformed_exc_info_degrades_alone(self, exc_info: Any, exc_format: str) -> None:
        """An exc_info that is not a triple is named in its field; the rest of the record stays."""
        record = logging.LogRecord("app", logging.ERROR, "f.py", 1, "boom", (), exc_info)
        record.user = "ada"
        formatter = JsonFormatter("%(levelname)s %(message)s", exc_format=exc_format)  # type: ignore[arg-type]
        data = format_json(formatter, record)
        assert data["message"] == "boom"
        assert data["user"] == "ada"
        text = data["exc_info"] if exc_format == "text" else data["exc_info"]["stack_trace"]
        assert "could not be formatted" in text

    @pytest.mark.parametrize(
        "fmt", ["%(asctime)s %(message)s", '{"t": "%(asctime)s", "m": "%(message)s"}']
    )
    def test_unreadable_created_degrades_alone(self, fmt: str) -> None:
        """A record whose created is not a number keeps it as asctime; the rest stays."""
        record = make_record(extra={"user": "ada"}, created=None)
        record.created = "yesterday"  # type: ignore[assignment]
        for formatter in (JsonFormatter(fmt), JsonFormatter(fmt, tz="UTC")):
            data = format_json(formatter, record)
            assert "yesterday" in data.values()
            assert data["user"] == "ada"

    def test_one_megabyte_message(self) -> None:
        """A 1 MB message comes out whole."""
        big = "x" * 1_000_000
        assert format_json(JsonFormatter(), make_record(big, ()))["message"] == big

    def test_percent_mismatch_keeps_message_and_args(self) -> None:
        """msg/args that do not fit keep the text and the arguments."""
        data = format_json(JsonFormatter(), make_record("%d items for %s", ("x",)))
        assert data["message"].startswith("%d items for %s (message formatting failed: TypeError")
        assert "('x',)" in data["message"]

    def test_unprintable_message(self) -> None:
        """A message object whose str and repr raise still gives a record."""
        data = format_json(
            JsonFormatter("%(levelname)s %(message)s"), make_record(Unprintable(), ())
        )
        assert data["levelname"] == "INFO"
        assert "Unprintable" in data["message"]

    def test_broken_subclass_hook_still_writes(self) -> None:
        """An exception in a user hook gives a minimal record naming the error."""

        class Broken(JsonFormatter):
            def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
                raise RuntimeError("hook bug")

        line = Broken(prefix="p:").format(make_record())
        assert line.startswith("p:")
        data = strict_loads(line[2:])
        assert data["message"] == "hello world"
        assert data["format_error"] == "RuntimeError: hook bug"
        assert data["levelname"] == "INFO"

    def test_logging_never_raises_into_the_application(self, logger_to: Any) -> None:
        """Through a real handler, every hostile record is written, nothing raises."""
        logger, stream = logger_to(JsonFormatter("%(message)s"))
        for case, make in HOSTILE.items():
            logger.info("case %s", case, extra={"v": make()})
        logger.info("%d", "x")
        assert len(lines(stream)) == len(HOSTILE) + 1


class TestEncoders:
    """encoder=, and the json_* keywords with every encoder."""

    def test_default_is_compact_utf8(self) -> None:
        """orjson output: no spaces, non-ASCII kept."""
        line = JsonFormatter().format(make_record("café", ()))
        assert line == '{"message":"café"}'

    def test_json_encoder_matches_python_json_logger_spacing(self) -> None:
        """encoder='json' uses json.dumps defaults: spaces and ASCII escapes."""
        assert JsonFormatter(encoder="json").format(make_record("café", ())) == (
            '{"message": "caf\\u00e9"}'
        )

    @pytest.mark.parametrize("encoder", ENCODERS)
    def test_ensure_ascii_both_ways(self, encoder: str) -> None:
        """json_ensure_ascii works with every encoder, astral characters included."""
        record = make_record("é \U0001f600", ())
        escaped = JsonFormatter(encoder=encoder, json_ensure_ascii=True).format(record)
        assert escaped.isascii()
        assert strict_loads(escaped)["message"] == "é \U0001f600"
        plain = JsonFormatter(encoder=encoder, json_ensure_ascii=False).format(record)
        assert "é \U0001f600" in plain

    @pytest.mark.parametrize("encoder", ENCODERS)
    @pytest.mark.parametrize("indent", [2, 4, "\t"])
    def test_indent_with_every_encoder(self, encoder: str, indent: Any) -> None:
        """json_indent gives json.dumps's indentation whatever the encoder."""
        record = make_record(extra={"a": [1]})
        out = JsonFormatter("%(message)s", encoder=encoder, json_indent=indent).format(record)
        assert out == json.dumps(json.loads(out), indent=indent, ensure_ascii=encoder == "json")

    def test_callable_encoder(self) -> None:
        """Any callable taking the dict and returning str or bytes is an encoder."""
        assert (
            JsonFormatter(encoder=lambda d: json.dumps(d, sort_keys=True)).format(
                make_record(extra={"b": 1})
            )
            == '{"b": 1, "message": "hello world"}'
        )
        assert JsonFormatter(encoder=lambda d: b'{"x":1}').format(make_record()) == '{"x":1}'

    def test_failing_callable_encoder_still_writes(self) -> None:
        """A user encoder that always raises falls back to orjson on a sanitized copy."""

        def broken(data: dict[str, Any]) -> str:
            raise RuntimeError("encoder bug")

        assert format_json(JsonFormatter(encoder=broken), make_record()) == {
            "message": "hello world"
        }

    def test_json_encoder_class(self) -> None:
        """json_encoder (a JSONEncoder subclass) is used, its default first."""

        class Encoder(json.JSONEncoder):
            def default(self, o: Any) -> Any:
                if isinstance(o, complex):
                    return [o.real, o.imag]
                return super().default(o)

        record = make_record(extra={"z": 1 + 2j, "d": datetime.date(2024, 1, 2)})
        for formatter in (
            JsonFormatter(json_encoder=Encoder),
            JsonFormatter(json_encoder=Encoder, encoder="orjson"),
        ):
            assert format_json(formatter, record)["z"] == [1.0, 2.0]
            assert format_json(formatter, record)["d"] == "2024-01-02"

    def test_json_encoder_default_survives_sanitize(self) -> None:
        """A record that needs sanitizing still uses the json_encoder class's default."""

        class Encoder(json.JSONEncoder):
            def default(self, o: Any) -> Any:
                if isinstance(o, complex):
                    return [o.real, o.imag]
                return super().default(o)

        record = make_record(extra={"z": 1 + 2j, "nan": float("nan")})
        for encoder in ("orjson", "json"):
            data = format_json(JsonFormatter(json_encoder=Encoder, encoder=encoder), record)
            assert data["z"] == [1.0, 2.0]
            assert data["nan"] is None

    def test_json_serializer(self) -> None:
        """json_serializer receives python-json-logger's keyword arguments."""
        seen: dict[str, Any] = {}

        def serializer(data: Any, **kwargs: Any) -> str:
            seen.update(kwargs)
            return json.dumps(data, **kwargs)

        line = JsonFormatter(json_serializer=serializer, json_indent=None).format(make_record())
        assert set(seen) == {"default", "cls", "indent", "ensure_ascii"}
        assert json.loads(line) == {"message": "hello world"}

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"encoder": "yaml"}, ValueError, "encoder must be"),
            ({"json_default": 3}, TypeError, "json_default"),
            ({"json_serializer": 3}, TypeError, "json_serializer"),
            ({"json_serializer": json.dumps, "encoder": "orjson"}, ValueError, "json_serializer"),
            ({"prefix": 3}, TypeError, "prefix must be str"),
            ({"timestamp": 3}, TypeError, "timestamp"),
            ({"static_fields": [1]}, TypeError, "static_fields must be a mapping"),
            ({"reserved_attrs": "name"}, TypeError, "reserved_attrs"),
            ({"style": "#"}, ValueError, "style must be one of"),
        ],
    )
    def test_bad_configuration(self, kwargs: dict[str, Any], error: type, match: str) -> None:
        """Bad keywords fail at construction, naming the parameter."""
        with pytest.raises(error, match=match):
            JsonFormatter(**kwargs)

    def test_format_bytes(self) -> None:
        """format_bytes returns the same document as UTF-8 bytes."""
        formatter = JsonFormatter(prefix="> ")
        record = make_record("é", ())
        assert formatter.format_bytes(record) == formatter.format(record).encode("utf-8")
        assert JsonFormatter(encoder="json").format_bytes(record) == b'{"message": "\\u00e9"}'

    def test_format_bytes_with_overridden_serializer(self) -> None:
        """A subclass overriding serialize_log_record is honoured by format_bytes."""

        class Upper(JsonFormatter):
            def serialize_log_record(self, log_data: dict[str, Any]) -> str:
                return super().serialize_log_record(log_data).upper()

        assert Upper().format_bytes(make_record()) == b'{"MESSAGE":"HELLO WORLD"}'

    def test_format_bytes_never_raises(self) -> None:
        """format_bytes degrades like format."""

        class Broken(JsonFormatter):
            def add_fields(self, log_data: Any, record: Any, message_dict: Any) -> None:
                raise RuntimeError("bug")

        class BrokenFast(JsonFormatter):
            def process_log_record(self, log_data: Any) -> Any:
                raise RuntimeError("bug")

        for formatter in (Broken(), BrokenFast()):
            assert (
                strict_loads(formatter.format_bytes(make_record()))["format_error"]
                == "RuntimeError: bug"
            )


class TestStyleValidation:
    """validate= and custom styles, as logging.Formatter and python-json-logger."""

    def test_invalid_percent_format(self) -> None:
        """A % format with no fields is refused, as logging does."""
        with pytest.raises(ValueError, match="Invalid format"):
            JsonFormatter("no fields here")

    def test_custom_style_with_parse_override(self) -> None:
        """validate=False allows a custom style read by an overridden parse()."""

        class Pipe(JsonFormatter):
            def parse(self) -> list[str]:
                return str(self._fmt).split("|")

        formatter = Pipe("levelname|message", style="|", validate=False)
        assert format_json(formatter, make_record()) == {
            "levelname": "INFO",
            "message": "hello world",
        }


class TestSteps:
    """Access-log fields, context fields and processors run the same on both paths."""

    def _both(self, **kwargs: Any) -> list[JsonFormatter]:
        class Compatible(JsonFormatter):
            def add_fields(self, log_data: Any, record: Any, message_dict: Any) -> None:
                super().add_fields(log_data, record, message_dict)

        return [JsonFormatter("%(message)s", **kwargs), Compatible("%(message)s", **kwargs)]

    def test_access_record_on_both_paths(self) -> None:
        """A uvicorn access record gets its typed fields with or without hooks."""
        args = ("127.0.0.1:5000", "GET", "/a?b=1", "1.1", 200)
        for formatter in self._both():
            record = make_record('%s - "%s %s HTTP/%s" %d', args, name="uvicorn.access")
            data = format_json(formatter, record)
            assert data["http.request.method"] == "GET"
            assert data["http.response.status_code"] == 200

    def test_context_on_both_paths(self) -> None:
        """Bound fields appear on both paths; the record's own fields win."""
        for formatter in self._both():
            with jsonlog.bound(request_id="r-1", user="ctx"):
                data = format_json(formatter, make_record(extra={"user": "own"}))
            assert data["request_id"] == "r-1"
            assert data["user"] == "own"

    def test_context_off(self) -> None:
        """context=False leaves bound fields out."""
        for formatter in self._both(context=False):
            with jsonlog.bound(request_id="r-1"):
                assert "request_id" not in format_json(formatter, make_record())


class TestThreads:
    """One formatter shared by threads keeps every record intact."""

    def test_shared_formatter(self, logger_to: Any) -> None:
        """8 threads x 500 records: every line is whole and belongs to its thread."""
        logger, stream = logger_to(JsonFormatter("%(threadName)s %(message)s", timestamp=True))

        def work(n: int) -> None:
            for i in range(500):
                logger.info("t%d-%d", n, i, extra={"n": n, "i": i})

        threads = [threading.Thread(target=work, args=(n,), name=f"w{n}") for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        records = lines(stream)
        assert len(records) == 4000
        for data in records:
            assert data["message"] == f"t{data['n']}-{data['i']}"
            assert data["threadName"] == f"w{data['n']}"
        assert {(d["n"], d["i"]) for d in records} == {(n, i) for n in range(8) for i in range(500)}
