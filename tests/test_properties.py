"""Properties that must hold for any input, checked with hypothesis."""

from __future__ import annotations

import keyword
import math
from typing import Any

import pytest
from conftest import ENCODERS, make_record, strict_loads
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsonlog import RESERVED_ATTRS, JsonFormatter

# makeRecord refuses extra keys that clash with LogRecord attributes.
extra_keys = st.text(min_size=1, max_size=12).filter(
    lambda k: k not in RESERVED_ATTRS and k not in {"message", "asctime"} and not k.startswith("_")
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text().filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s))
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.text(max_size=8).filter(lambda s: not any(0xD800 <= ord(c) <= 0xDFFF for c in s)),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)


class Opaque:
    """An object with no JSON form at all."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __repr__(self) -> str:
        return f"Opaque({self.n})"


anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.binary(max_size=16)
    | st.datetimes()
    | st.dates()
    | st.decimals()
    | st.uuids()
    | st.integers().map(Opaque)
    | st.sampled_from([ValueError("x"), KeyError, math.pi, 1j]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.frozensets(st.integers(), max_size=3)
        | st.dictionaries(
            st.one_of(st.text(max_size=5), st.integers(), st.none(), st.tuples(st.integers())),
            children,
            max_size=4,
        )
    ),
    max_leaves=25,
)

FORMATTERS = {
    "orjson": JsonFormatter("%(levelname)s %(name)s %(message)s"),
    "json": JsonFormatter("%(levelname)s %(name)s %(message)s", encoder="json"),
}


@pytest.mark.parametrize("encoder", ENCODERS)
class TestProperties:
    """Any extra value gives one strict JSON line with every other field intact."""

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
    @given(key=extra_keys, value=anything)
    def test_any_extra_gives_one_strict_line(self, encoder: str, key: str, value: Any) -> None:
        """format() never raises; the line is strict JSON; other fields survive."""
        line = FORMATTERS[encoder].format(
            make_record(extra={key: value, "zz_after": "ok"} if key != "zz_after" else {key: value})
        )
        assert "\n" not in line
        data = strict_loads(line)
        assert data["levelname"] == "INFO"
        assert data["message"] == "hello world"
        assert key in data

    @settings(max_examples=150)
    @given(extra=st.dictionaries(extra_keys, json_values, max_size=5))
    def test_json_native_values_round_trip(self, encoder: str, extra: dict[str, Any]) -> None:
        """JSON-native values come back equal."""
        data = strict_loads(FORMATTERS[encoder].format(make_record(extra=extra)))
        for key, value in extra.items():
            assert data[key] == value

    @settings(max_examples=100)
    @given(msg=st.text(), args=st.lists(anything, max_size=3).map(tuple))
    def test_any_message_and_args(self, encoder: str, msg: str, args: tuple[Any, ...]) -> None:
        """Any msg/args pair, matching or not, gives a record with the msg text in it."""
        data = strict_loads(FORMATTERS[encoder].format(make_record(msg, args or None)))
        assert isinstance(data["message"], str)
        assert data["name"] == "app"


def test_keyword_extra_keys_are_fine() -> None:
    """Python keywords as extra names are ordinary keys."""
    extra = dict.fromkeys(keyword.kwlist, 1)
    data = strict_loads(JsonFormatter().format(make_record(extra=extra)))
    assert all(data[name] == 1 for name in keyword.kwlist)
