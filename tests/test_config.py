"""Configuration through the real logging.config: fileConfig (ini) and dictConfig."""

from __future__ import annotations

import logging
import logging.config
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import make_record, strict_loads

from jsonlog import JsonFormatter

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

TEMPLATE = (
    '{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s",'
    ' "message": "%(message)s", "src": {"line": "%(lineno)d"},'
    ' "$options": {"tz": "Asia/Tokyo", "timestamp": "@timestamp", "static_fields": {"env": "prod"},'
    ' "rename_fields": {"user": "usr"}, "exc_format": "structured", "json_ensure_ascii": true}}'
)

KEYWORDS: dict[str, Any] = {
    "tz": "Asia/Tokyo",
    "timestamp": "@timestamp",
    "static_fields": {"env": "prod"},
    "rename_fields": {"user": "usr"},
    "exc_format": "structured",
    "json_ensure_ascii": True,
}
PLAIN_TEMPLATE = (
    '{"time": "%(asctime)s", "level": "%(levelname)s", "logger": "%(name)s",'
    ' "message": "%(message)s", "src": {"line": "%(lineno)d"}}'
)


def _ini(tmp_path: Path, formatter_section: str) -> Path:
    path = tmp_path / "logging.ini"
    path.write_text(
        textwrap.dedent(
            """\
            [loggers]
            keys = root

            [handlers]
            keys = console

            [formatters]
            keys = json

            [logger_root]
            level = INFO
            handlers = console

            [handler_console]
            class = StreamHandler
            formatter = json
            args = (sys.stderr,)

            """
        )
        + formatter_section
    )
    return path


def _root_formatter() -> logging.Formatter:
    formatter = logging.getLogger().handlers[0].formatter
    assert formatter is not None
    return formatter


def _record() -> logging.LogRecord:
    try:
        raise ValueError("no")
    except ValueError:
        return make_record("café %s", ("x",), extra={"user": "ada"}, exc_info=sys.exc_info())


class TestSameConfigurationEverywhere:
    """The same configuration in code, in dictConfig and in an ini file prints the same JSON."""

    def test_code_dictconfig_ini_agree(self, tmp_path: Path) -> None:
        """Three routes, one output, byte for byte."""
        record = _record()
        in_code = JsonFormatter(PLAIN_TEMPLATE, datefmt="rfc3339", **KEYWORDS).format(record)

        logging.config.dictConfig(
            {
                "version": 1,
                "formatters": {
                    "json": {
                        "()": "jsonlog.JsonFormatter",
                        "fmt": PLAIN_TEMPLATE,
                        "datefmt": "rfc3339",
                        **KEYWORDS,
                    }
                },
                "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "json"}},
                "root": {"handlers": ["h"]},
            }
        )
        factory_form = _root_formatter().format(record)

        logging.config.dictConfig(
            {
                "version": 1,
                "formatters": {
                    "json": {
                        "class": "jsonlog.JsonFormatter",
                        "format": TEMPLATE,
                        "datefmt": "rfc3339",
                    }
                },
                "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "json"}},
                "root": {"handlers": ["h"]},
            }
        )
        class_form = _root_formatter().format(record)

        ini = _ini(
            tmp_path,
            "[formatter_json]\nclass = jsonlog.JsonFormatter\ndatefmt = rfc3339\nformat = "
            + TEMPLATE.replace(', "', ',\n    "')
            + "\n",
        )
        logging.config.fileConfig(ini)
        from_ini = _root_formatter().format(record)

        assert in_code == factory_form == class_form == from_ini
        data = strict_loads(in_code)
        assert data["time"] == "2023-11-15T07:13:20.250+09:00"
        assert data["usr"] == "ada"
        assert data["env"] == "prod"
        assert data["exc_info"]["type"] == "ValueError"
        assert in_code.isascii()


class TestDictConfig:
    """dictConfig's two forms, python-json-logger's ext:// behaviour included."""

    def test_factory_form_resolves_ext_values_inside_mappings(self) -> None:
        """ext:// inside static_fields and rename_fields is resolved by dictConfig."""
        logging.config.dictConfig(
            {
                "version": 1,
                "formatters": {
                    "json": {
                        "()": "jsonlog.JsonFormatter",
                        "format": "%(message)s",
                        "static_fields": {"platform": "ext://sys.platform"},
                        "rename_fields": {"message": "ext://sys.platform"},
                    }
                },
                "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "json"}},
                "root": {"handlers": ["h"]},
            }
        )
        data = strict_loads(_root_formatter().format(make_record()))
        assert data == {sys.platform: "hello world", "platform": sys.platform}

    def test_class_form_with_validate(self) -> None:
        """dictConfig passes validate positionally when given."""
        logging.config.dictConfig(
            {
                "version": 1,
                "formatters": {
                    "json": {
                        "class": "jsonlog.JsonFormatter",
                        "format": "levelname|message",
                        "style": "|",
                        "validate": False,
                    }
                },
                "handlers": {"h": {"class": "logging.StreamHandler", "formatter": "json"}},
                "root": {"handlers": ["h"]},
            }
        )
        assert isinstance(_root_formatter(), JsonFormatter)

    def test_bad_option_is_a_configuration_error(self) -> None:
        """A wrong keyword fails dictConfig, naming the formatter."""
        with pytest.raises(ValueError, match="formatter 'json'"):
            logging.config.dictConfig(
                {
                    "version": 1,
                    "formatters": {"json": {"()": "jsonlog.JsonFormatter", "tz": "Nowhere/Land"}},
                }
            )


class TestFileConfig:
    """ini files read by logging.config.fileConfig (and so by gunicorn --log-config)."""

    def test_example_ini(self, capsys: pytest.CaptureFixture[str]) -> None:
        """examples/logging.ini loads and gives its documented shape."""
        logging.config.fileConfig(EXAMPLES / "logging.ini", disable_existing_loggers=False)
        try:
            raise KeyError("k")
        except KeyError:
            logging.getLogger("billing").exception("failed", extra={"order": 7})
        data = strict_loads(capsys.readouterr().out)
        assert list(data)[:6] == ["time", "level", "logger", "message", "service", "source"]
        assert data["time"].endswith("+00:00")
        assert data["source"]["line"] > 0
        assert data["env"] == "production"
        assert data["order"] == 7
        assert data["error"]["type"] == "KeyError"
        assert "@timestamp" in data

    def test_plain_format_string(self, tmp_path: Path) -> None:
        """A classic format string in an ini file works as in code."""
        ini = _ini(
            tmp_path,
            "[formatter_json]\nclass = jsonlog.JsonFormatter\nformat = %(levelname)s %(message)s\n",
        )
        logging.config.fileConfig(ini)
        assert strict_loads(_root_formatter().format(make_record())) == {
            "levelname": "INFO",
            "message": "hello world",
        }

    def test_brace_style(self, tmp_path: Path) -> None:
        """style = { in the ini selects fields by {name}."""
        ini = _ini(
            tmp_path,
            "[formatter_json]\nclass = jsonlog.JsonFormatter\n"
            "format = {levelname:<8} {message}\nstyle = {\n",
        )
        logging.config.fileConfig(ini)
        assert list(strict_loads(_root_formatter().format(make_record()))) == [
            "levelname",
            "message",
        ]

    def test_broken_template_fails_at_load(self, tmp_path: Path) -> None:
        """A template that is not JSON fails when the file is loaded."""
        ini = _ini(
            tmp_path,
            '[formatter_json]\nclass = jsonlog.JsonFormatter\nformat = {"m": "%(message)s"\n',
        )
        with pytest.raises(ValueError, match="not valid JSON"):
            logging.config.fileConfig(ini)
