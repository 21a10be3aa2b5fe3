"""One JSON object per line from the standard logging module."""

__version__ = "0.1.0"
