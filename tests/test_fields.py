"""Parsing format strings and templates into a field plan."""

from __future__ import annotations

import pytest

from jsonlog.fields import FieldPlan, compile_builder, parse_fields, parse_fmt


class TestParseFields:
    """Field names from every style, as python-json-logger reads them, minus its bugs."""

    @pytest.mark.parametrize(
        ("fmt", "style", "expected"),
        [
            (
                "%(asctime)s %(levelname)-8s %(lineno)5d %(message)s",
                "%",
                ["asctime", "levelname", "lineno", "message"],
            ),
            ("%(a)s %(a)s %%(b)s", "%", ["a", "b"]),
            ("{a} {b:>8} {c!r} {d.attr} {e[0]} {{f}}", "{", ["a", "b", "c", "d", "e"]),
            ("$a ${b} $$c", "$", ["a", "b"]),
            ("a, b ,, c", ",", ["a", "b", "c"]),
        ],
        ids=["percent", "percent-repeat", "brace", "dollar", "comma"],
    )
    def test_styles(self, fmt: str, style: str, expected: list[str]) -> None:
        """Names come in order, once each, without specs or conversions."""
        assert parse_fields(fmt, style) == expected


class TestParseFmt:
    """parse_fmt tells plain formats, lists and templates apart."""

    def test_none(self) -> None:
        """No format means the message alone."""
        assert parse_fmt(None, "%")[0].fields == ["message"]

    def test_template_fields_in_order(self) -> None:
        """A template's fields are collected through nesting, in order."""
        plan, options = parse_fmt(
            '{"a": "%(name)s", "b": {"c": "%(lineno)d at %(name)s"}, "$options": {"x": 1}}', "%"
        )
        assert plan.fields == ["name", "lineno"]
        assert options == {"x": 1}

    def test_placed_exception_fields(self) -> None:
        """A template that places exc_info records it."""
        plan, _ = parse_fmt('{"e": "%(exc_info)s", "s": "%(stack_info)s"}', "%")
        assert plan.placed == {"exc_info", "stack_info"}


class TestCompileBuilder:
    """The generated builder quotes keys safely and keeps python-json-logger's order."""

    def test_hostile_keys_and_names(self) -> None:
        """Keys with quotes, backslashes and code-like text are just keys."""
        key = "a'\"\\\n'); import os; ('"
        plan = FieldPlan(fields=[key])
        build = compile_builder(
            plan,
            defaults={},
            placeholder_defaults={},
            rename=lambda k: k,
            static_fields={key + "s": 1},
        )
        assert build({key: 5}, {}) == {key: 5, key + "s": 1}
