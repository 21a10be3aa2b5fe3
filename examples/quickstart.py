"""Log JSON from the standard logging module: the README's first example."""

import logging
import sys

import jsonlog

handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(jsonlog.JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
logging.basicConfig(level=logging.INFO, handlers=[handler])

log = logging.getLogger("shop")
log.info(
    "order %s placed", "A-1001", extra={"user": "ada", "total": 42.5, "items": ["book", "pen"]}
)
