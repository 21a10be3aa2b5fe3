"""The drop-in promise, checked against the real python-json-logger 4.x."""

from __future__ import annotations

import datetime
import enum
import logging
import logging.config
import sys
import textwrap
import uuid
import warnings
from pathlib import Path
from typing import Any

import pytest
from conftest import make_record, strict_loads
from pythonjsonlogger.json import JsonFormatter as PjlJsonFormatter
from pythonjsonlogger.orjson import OrjsonFormatter as PjlOrjsonFormatter

import jsonlog
from jsonlog import JsonFormatter


class Color(enum.Enum):
    RED = "red"


def _records() -> list[logging.LogRecord]:
    try:
        raise ValueError("broken")
    except ValueError:
        exc_info = sys.exc_info()
    rich = {
        "when": datetime.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=datetime.UTC),
        "day": datetime.date(2024, 5, 6),
        "at": datetime.time(7, 8, 9),
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "color": Color.RED,
        "raw": b"\x00\xffbytes",
        "error": KeyError("k"),
        "kind": ValueError,
        "nested": {"a": [1, 2.5, None, True, "é"]},
    }
    return [
        make_record(),
        make_record("café %s", ("ü",), extra={"user": "ada", "n": 3}),
        make_record("failed", (), level=logging.ERROR, exc_info=exc_info),
        make_record({"event": "login", "user": "ada"}, ()),
        make_record("stack", (), sinfo="Stack (most recent call last):\n  File x"),
        make_record("rich", (), extra=rich),
    ]


CONFIGS: list[dict[str, Any]] = [
    {},
    {"fmt": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    {"fmt": "{levelname} {message}", "style": "{"},
    {"fmt": "$levelname $message", "style": "$"},
    {"fmt": "levelname,message,lineno", "style": ","},
    {"fmt": ["name", "lineno", "message"]},
    {"fmt": "%(levelname)s %(message)s", "rename_fields": {"levelname": "level", "user": "u"}},
    {"rename_fields": {"missing": "m"}, "rename_fields_keep_missing": True},
    {"static_fields": {"service": "shop", "version": 3}},
    {"timestamp": True},
    {"timestamp": "@timestamp"},
    {"prefix": "json: "},
    {"exc_info_as_array": True, "stack_info_as_array": True},
    {"reserved_attrs": ["msg", "args", "levelno", "created", "msecs", "relativeCreated"]},
    {"defaults": {"region": "eu"}},
    {"json_default": str},
    {"json_indent": 2},
    {"json_ensure_ascii": False},
]


def _ids(config: dict[str, Any]) -> str:
    return ",".join(sorted(config)) or "defaults"


class TestByteForByte:
    """encoder='json' prints exactly what pythonjsonlogger.json.JsonFormatter prints."""

    @pytest.mark.parametrize("config", CONFIGS, ids=_ids)
    def test_same_bytes_as_python_json_logger(self, config: dict[str, Any]) -> None:
        """Every record, every configuration: identical output."""
        theirs = PjlJsonFormatter(**config)
        ours = JsonFormatter(encoder="json", **config)
        for record in _records():
            assert ours.format(record) == theirs.format(record)

    @pytest.mark.parametrize(
        "config",
        [c for c in CONFIGS if "json_indent" not in c and "json_ensure_ascii" not in c],
        ids=_ids,
    )
    def test_same_bytes_as_orjson_formatter(self, config: dict[str, Any]) -> None:
        """The default encoder prints what pythonjsonlogger.orjson.OrjsonFormatter prints."""
        theirs = PjlOrjsonFormatter(**config)
        ours = JsonFormatter(**config)
        for record in _records():
            assert ours.format(record) == theirs.format(record)


class PjlStyleSubclass:
    """The override points a python-json-logger user writes, mixed into either base."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        super().add_fields(log_data, record, message_dict)  # type: ignore[misc]
        log_data["level"] = record.levelname.lower()
        log_data["msg_len"] = len(record.message)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        log_data = super().process_log_record(log_data)  # type: ignore[misc]
        log_data.pop("name", None)
        return log_data

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        return "<" + super().jsonify_log_record(log_data) + ">"  # type: ignore[misc]

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return "T" + str(int(record.created))

    def formatException(self, ei: Any) -> str:
        return "EXC " + ei[0].__name__


class TestOverridePoints:
    """A subclass written for python-json-logger works unchanged on jsonlog."""

    def test_subclass_hooks_give_the_same_output(self) -> None:
        """add_fields, process_log_record, jsonify_log_record, formatTime, formatException."""
        theirs = type("Theirs", (PjlStyleSubclass, PjlJsonFormatter), {})(
            "%(asctime)s %(name)s %(message)s"
        )
        ours = type("Ours", (PjlStyleSubclass, JsonFormatter), {})(
            "%(asctime)s %(name)s %(message)s", encoder="json"
        )
        for record in _records():
            assert ours.format(record) == theirs.format(record)

    def test_serialize_log_record_override(self) -> None:
        """serialize_log_record is the last step, as in python-json-logger."""

        class Framed(JsonFormatter):
            def serialize_log_record(self, log_data: dict[str, Any]) -> str:
                return "[" + super().serialize_log_record(log_data) + "]"

        assert Framed(prefix="p").format(make_record()) == '[p{"message":"hello world"}]'

    def test_attributes_python_json_logger_users_read(self) -> None:
        """The resolved settings live under python-json-logger's attribute names."""
        formatter = JsonFormatter(
            "%(levelname)s %(message)s",
            rename_fields={"a": "b"},
            static_fields={"s": 1},
            timestamp="ts",
            prefix="p",
        )
        assert formatter._required_fields == ["levelname", "message"]
        assert formatter.rename_fields == {"a": "b"}
        assert formatter.static_fields == {"s": 1}
        assert formatter.timestamp == "ts"
        assert formatter.prefix == "p"
        assert formatter.reserved_attrs == set(jsonlog.RESERVED_ATTRS)
        assert formatter._skip_fields >= {"levelname", "message", "msg"}


class TestDeliberateDifferences:
    """Where python-json-logger has a known bug, jsonlog differs (see the README)."""

    def test_format_spec_is_not_part_of_the_key(self) -> None:
        """{levelname:>8} selects levelname; python-json-logger makes a key 'levelname:>8'."""
        record = make_record()
        assert "levelname:>8" in strict_loads(
            PjlJsonFormatter("{levelname:>8}", style="{").format(record)
        )
        assert strict_loads(JsonFormatter("{levelname:>8}", style="{").format(record)) == {
            "levelname": "INFO"
        }

    def test_defaults_fill_missing_format_fields(self) -> None:
        """python-json-logger overwrites a default with null when the format names the field."""
        record = make_record()
        assert strict_loads(PjlJsonFormatter("%(app)s", defaults={"app": "x"}).format(record)) == {
            "app": None
        }
        assert strict_loads(JsonFormatter("%(app)s", defaults={"app": "x"}).format(record)) == {
            "app": "x"
        }

    def test_nan_is_strict_json(self) -> None:
        """python-json-logger writes NaN, which strict parsers refuse."""
        record = make_record(extra={"x": float("nan")})
        assert "NaN" in PjlJsonFormatter().format(record)
        assert strict_loads(JsonFormatter(encoder="json").format(record))["x"] is None

    def test_circular_reference_keeps_the_record(self) -> None:
        """python-json-logger raises on a circular reference; jsonlog writes the record."""
        loop: list[Any] = []
        loop.append(loop)
        record = make_record(extra={"loop": loop})
        with pytest.raises(ValueError, match="Circular"):
            PjlJsonFormatter().format(record)
        assert strict_loads(JsonFormatter(encoder="json").format(record))["loop"] == [
            "<circular reference to list>"
        ]


INI = """
[loggers]
keys = root

[handlers]
keys = memory

[formatters]
keys = json

[logger_root]
level = DEBUG
handlers = memory

[handler_memory]
class = StreamHandler
formatter = json
args = (sys.stderr,)

[formatter_json]
class = {cls}
format = %(asctime)s %(levelname)s %(name)s %(message)s
datefmt = %Y-%m-%dT%H:%M:%S
"""


class TestMigrationByClassPath:
    """Changing only the class path in an ini file keeps the output."""

    @pytest.mark.parametrize(
        "old",
        [
            "pythonjsonlogger.json.JsonFormatter",
            "pythonjsonlogger.orjson.OrjsonFormatter",
            "pythonjsonlogger.jsonlogger.JsonFormatter",
        ],
    )
    def test_ini_class_swap(self, old: str, tmp_path: Path) -> None:
        """Same records through fileConfig with the old and the new class: same JSON."""
        outputs = []
        for cls in (old, "jsonlog.JsonFormatter"):
            path = tmp_path / "logging.ini"
            path.write_text(textwrap.dedent(INI.replace("{cls}", cls)))
            with warnings.catch_warnings():
                # pythonjsonlogger.jsonlogger warns that it moved; that is its business.
                warnings.simplefilter("ignore", DeprecationWarning)
                logging.config.fileConfig(path, disable_existing_loggers=False)
            formatter = logging.getLogger().handlers[0].formatter
            assert formatter is not None
            outputs.append([strict_loads(formatter.format(record)) for record in _records()])
        assert outputs[0] == outputs[1]
