"""Configure jsonlog with logging.config.dictConfig, both ways dictConfig allows."""

import logging
import logging.config

logging.config.dictConfig(
    {
        "version": 1,
        "formatters": {
            # The "class" form: dictConfig calls JsonFormatter(format, datefmt, style).
            "plain": {
                "class": "jsonlog.JsonFormatter",
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
                "datefmt": "rfc3339",
            },
            # The "()" factory form: every other key is passed as a keyword,
            # and ext:// values are resolved by dictConfig.
            "rich": {
                "()": "jsonlog.JsonFormatter",
                "format": "%(levelname)s %(name)s %(message)s",
                "rename_fields": {"levelname": "level", "name": "logger"},
                "static_fields": {"service": "checkout", "python": "ext://sys.version_info.major"},
                "timestamp": "@timestamp",
                "tz": "UTC",
            },
        },
        "handlers": {
            "plain": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stdout",
            },
            "rich": {
                "class": "logging.StreamHandler",
                "formatter": "rich",
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "checkout": {"handlers": ["rich"], "level": "INFO", "propagate": False},
        },
        "root": {"handlers": ["plain"], "level": "INFO"},
    }
)

logging.getLogger("startup").info("configured")
logging.getLogger("checkout").info("cart %s paid", "C-9", extra={"items": 3})
