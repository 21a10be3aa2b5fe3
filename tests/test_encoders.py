"""The encoders and the one fallback chain they share."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import pathlib
import sys
import unittest.mock
import uuid
from collections import OrderedDict, namedtuple
from types import MappingProxyType, SimpleNamespace
from typing import Any, ClassVar

import orjson
import pytest
from conftest import strict_loads

from jsonlog import JsonEncoder, OrjsonEncoder, encoders
from jsonlog.encoders import default, sanitize


class Color(enum.Enum):
    RED = "red"
    BLUE = 2


@dataclasses.dataclass
class Point:
    x: int
    y: int


class Shy:
    def __str__(self) -> str:
        raise RuntimeError("no")

    def __repr__(self) -> str:
        return "Shy()"


Creds = namedtuple("Creds", "user password")


class AttrsLike:
    """An attrs class as attrs makes it: __attrs_attrs__ lists fields with a name."""

    __attrs_attrs__ = (SimpleNamespace(name="host"), SimpleNamespace(name="port"))

    def __init__(self) -> None:
        self.host, self.port = "db", 5432


class PydanticLike:
    """A pydantic 2 model, as far as default() looks: model_dump()."""

    def model_dump(self) -> dict[str, Any]:
        return {"id": 7, "when": datetime.date(2024, 1, 2)}


class PydanticV1Like:
    """A pydantic 1 model, as far as default() looks: __fields__ and dict()."""

    __fields__: ClassVar[dict[str, Any]] = {"id": None}

    def dict(self) -> dict[str, Any]:
        return {"id": 8}


def _traceback() -> Any:
    try:
        raise ValueError("v")
    except ValueError:
        return sys.exc_info()[2]


class TestDefault:
    """default() gives every type its documented JSON stand-in."""

    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (datetime.datetime(2024, 1, 2, 3, 4, 5, 6), "2024-01-02T03:04:05.000006"),
            (datetime.date(2024, 1, 2), "2024-01-02"),
            (datetime.time(3, 4, 5), "03:04:05"),
            (datetime.timedelta(minutes=1, milliseconds=500), 60.5),
            (decimal.Decimal("1.10"), "1.10"),
            (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
            (Color.RED, "red"),
            (Color, ["red", 2]),
            (b"\xfb\xff", "-_8="),
            (bytearray(b"ab"), "YWI="),
            ({3, 1, 2}, [1, 2, 3]),
            (frozenset({"b", "a"}), ["a", "b"]),
            (pathlib.PurePosixPath("/tmp/x"), "/tmp/x"),
            (ValueError("bad"), "ValueError: bad"),
            (ValueError, "ValueError"),
            (Point(1, 2), {"x": 1, "y": 2}),
            (Creds("ada", "pw"), {"user": "ada", "password": "pw"}),
            (SimpleNamespace(a=1), {"a": 1}),
            (AttrsLike(), {"host": "db", "port": 5432}),
            (PydanticLike(), {"id": 7, "when": datetime.date(2024, 1, 2)}),
            (PydanticV1Like(), {"id": 8}),
            (MappingProxyType({"a": 1}), {"a": 1}),
            (Shy(), "Shy()"),
        ],
        ids=lambda v: type(v).__name__,
    )
    def test_types(self, value: Any, expected: Any) -> None:
        """Each type in the chain."""
        assert default(value) == expected

    def test_failing_type_rule_falls_back_to_str(self) -> None:
        """A dataclass or mapping whose own rule raises still gets a string."""

        @dataclasses.dataclass
        class Broken:
            x: int

            def __str__(self) -> str:
                return "Broken!"

        broken = Broken(1)
        del broken.x
        assert default(broken) == "Broken!"

    def test_mock_is_its_string(self) -> None:
        """A mock, which answers any attribute, is not taken for a model."""
        mock = unittest.mock.Mock(name="svc")
        assert default(mock) == str(mock)

    def test_attribute_lookup_raising_falls_back_to_str(self) -> None:
        """An object whose class answers attribute lookups with an error still gets a string."""

        class Meta(type):
            def __getattr__(cls, name: str) -> Any:
                raise RuntimeError(name)

        class Odd(metaclass=Meta):
            def __str__(self) -> str:
                return "odd"

        assert default(Odd()) == "odd"

    def test_failing_model_dump_falls_back_to_str(self) -> None:
        """A model whose model_dump raises still gets its string."""

        class Broken(PydanticLike):
            def model_dump(self) -> dict[str, Any]:
                raise RuntimeError("no")

            def __str__(self) -> str:
                return "Broken model"

        assert default(Broken()) == "Broken model"

    @pytest.mark.parametrize(
        ("encoder", "expected"),
        [
            (OrjsonEncoder(), {"user": "ada", "password": "pw"}),
            # json.dumps writes any tuple as an array, named or not.
            (JsonEncoder(), ["ada", "pw"]),
        ],
    )
    def test_records_of_named_fields_encode_as_objects(self, encoder: Any, expected: Any) -> None:
        """Encoded, a namespace is an object; a named tuple is one with orjson."""
        data = strict_loads(encoder({"n": SimpleNamespace(a=1), "t": Creds("ada", "pw")}))
        assert data["n"] == {"a": 1}
        assert data["t"] == expected

    def test_unsortable_set_keeps_its_items(self) -> None:
        """A set of mixed types becomes a list in any order."""
        assert sorted(map(str, default({1, "a"}))) == ["1", "a"]

    def test_traceback(self) -> None:
        """A traceback object becomes its text."""
        assert default(_traceback()).startswith('File "')

    def test_chain_user_hook_first(self) -> None:
        """A user hook runs first; its failure falls through to default()."""
        hook = encoders.chain(lambda o: "mine" if isinstance(o, complex) else 1 / 0)
        assert hook(1j) == "mine"
        assert hook(datetime.date(2024, 1, 1)) == "2024-01-01"
        assert encoders.chain(None) is default


class TestSanitize:
    """sanitize() makes any structure JSON-safe without touching the input."""

    def test_input_is_not_modified(self) -> None:
        """The caller's objects are copied, never changed."""
        inner = {1: float("nan")}
        data = {"a": [inner, "\ud800"]}
        assert sanitize(data) == {"a": [{"1": None}, "\\ud800"]}
        assert data == {"a": [inner, "\ud800"]}
        assert 1 in inner

    def test_shared_objects_are_not_cycles(self) -> None:
        """The same list twice (not nested in itself) is kept both times."""
        shared = [1]
        assert sanitize({"a": shared, "b": shared}) == {"a": [1], "b": [1]}

    def test_keys(self) -> None:
        """Keys use orjson's spellings for scalars and the chain for the rest."""
        keys = {True: 1, None: 2, 1.5: 3, Color.BLUE: 4, (1,): 5, "\udc80": 6, 10**5000: 7}
        result = sanitize(keys)
        assert list(result) == [
            "true",
            "null",
            "1.5",
            "2",
            "(1,)",
            "\\udc80",
            f"<int of {(10**5000).bit_length()} bits>",
        ]

    def test_hook_returning_the_object_stops(self) -> None:
        """A hook that hands the object back does not loop forever."""
        assert sanitize({"x": Shy()}, hook=lambda o: o) == {"x": "Shy()"}

    def test_hostile_container_degrades_alone(self) -> None:
        """A dict subclass whose items() raises becomes a placeholder; its siblings stay."""

        class Hostile(dict[str, int]):
            def items(self) -> Any:
                raise RuntimeError("no items")

        assert sanitize({"h": Hostile(a=1), "ok": 1}) == {
            "h": "<unrepresentable Hostile object>",
            "ok": 1,
        }

    def test_raising_hook_falls_back_to_the_chain(self) -> None:
        """A hook that raises is replaced by default() for that value."""
        assert sanitize({"d": datetime.date(2024, 1, 1)}, hook=lambda o: 1 / 0) == {
            "d": "2024-01-01"
        }

    def test_named_tuple_goes_through_the_hook(self) -> None:
        """sanitize() makes of a named tuple what orjson's default makes of it: an object."""
        assert sanitize({"c": Creds("ada", "pw")}) == {"c": {"user": "ada", "password": "pw"}}
        assert sanitize((1, [2])) == [1, [2]]

    def test_int_enum_and_float_enum(self) -> None:
        """Int and float enums go through the chain (their value)."""

        class Level(enum.IntEnum):
            HIGH = 3

        assert sanitize([Level.HIGH]) == [3]


class TestOrjsonEncoder:
    """orjson with every keyword honoured."""

    def test_bytes_compact(self) -> None:
        """Compact UTF-8 bytes by default."""
        assert OrjsonEncoder()({"a": "é"}) == '{"a":"é"}'.encode()

    def test_option_passthrough(self) -> None:
        """orjson flags pass through."""
        out = OrjsonEncoder(option=orjson.OPT_SORT_KEYS)({"b": 1, "a": 2})
        assert out == b'{"a":2,"b":1}'

    def test_indent_true_is_two(self) -> None:
        """indent=True is orjson's own two-space indentation."""
        assert OrjsonEncoder(indent=True)({"a": 1}) == b'{\n  "a": 1\n}'


class TestJsonEncoder:
    """The stdlib encoder refuses non-strict output so the formatter can sanitize."""

    @pytest.mark.parametrize("ensure_ascii", [True, False])
    def test_lone_surrogate_raises(self, ensure_ascii: bool) -> None:
        """A lone surrogate makes it raise, in both ASCII modes."""
        with pytest.raises(ValueError, match="surrogate"):
            JsonEncoder(ensure_ascii=ensure_ascii)({"a": "\ud800"})

    def test_surrogate_pairs_are_fine(self) -> None:
        """An astral character escapes as a valid pair."""
        out = JsonEncoder()({"a": "\U0001f600"})
        assert strict_loads(out) == {"a": "\U0001f600"}

    def test_nan_raises(self) -> None:
        """NaN makes it raise instead of writing invalid JSON."""
        with pytest.raises(ValueError, match="JSON compliant"):
            JsonEncoder()({"a": float("nan")})

    def test_defaults_like_json_dumps(self) -> None:
        """Default output equals json.dumps with the chain."""
        data = {"a": [1, "é"], "d": datetime.date(2024, 1, 1), "o": OrderedDict(b=1)}
        assert JsonEncoder()(data) == json.dumps(data, default=default)
