"""Print one record in each preset's shape, then load examples/ecs_logging.ini with fileConfig."""

import logging
import logging.config
import sys
from pathlib import Path

from jsonlog import JsonFormatter, context

ACCESS = {
    "http.request.method": "GET",
    "url.path": "/cart",
    "url.query": "id=7",
    "network.protocol.version": "1.1",
    "http.response.status_code": 200,
    "http.response.body.size": 2048,
    "client.address": "203.0.113.9",
    "user_agent.original": "curl/8.5",
    "duration_ms": 12.5,
}


def show(preset: str) -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter(preset=preset, static_fields={"service": "checkout"}))
    logger = logging.getLogger(f"example.{preset}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    with context.bound(request_id="req-42"):
        logger.info("cart viewed", extra=ACCESS)
        try:
            {}["missing"]
        except KeyError:
            logger.exception("lookup failed")


for name in ("ecs", "gcp", "otel", "datadog"):
    show(name)

logging.config.fileConfig(Path(__file__).with_name("ecs_logging.ini"))
logging.getLogger("shop").info("configured from ini", extra={"user.password": "hunter2"})
