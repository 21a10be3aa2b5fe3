"""One JSON object per line from the standard logging module."""

from jsonlog.context import bind, bound, get_context, unbind
from jsonlog.encoders import Encoder, JsonEncoder, OrjsonEncoder
from jsonlog.formatter import RESERVED_ATTRS, JsonFormatter, LogData, merge_record_extra

__version__ = "0.1.0"

__all__ = [
    "RESERVED_ATTRS",
    "Encoder",
    "JsonEncoder",
    "JsonFormatter",
    "LogData",
    "OrjsonEncoder",
    "bind",
    "bound",
    "get_context",
    "merge_record_extra",
    "unbind",
]
