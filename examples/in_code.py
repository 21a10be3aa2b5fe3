"""Build JsonFormatter in code with the options most services want."""

import datetime
import decimal
import enum
import logging
import sys
import uuid

import jsonlog


class Plan(enum.Enum):
    PRO = "pro"


formatter = jsonlog.JsonFormatter(
    "%(asctime)s %(levelname)s %(name)s %(message)s",
    datefmt="rfc3339",
    tz="UTC",
    rename_fields={"levelname": "level", "asctime": "time"},
    static_fields={"service": "accounts"},
    exc_format="structured",
)
handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(formatter)
log = logging.getLogger("accounts")
log.addHandler(handler)
log.setLevel(logging.INFO)

# Values of any type are encoded: dates, UUIDs, Decimals, Enums, sets...
log.info(
    "upgraded",
    extra={
        "user_id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "plan": Plan.PRO,
        "price": decimal.Decimal("9.90"),
        "renews": datetime.date(2027, 1, 1),
        "features": {"sso", "audit"},
    },
)
# A dict message is merged into the record.
log.info({"event": "login", "user": "ada"})
try:
    {}["missing"]
except KeyError:
    log.exception("lookup failed")
