"""Configure jsonlog from an ini file with logging.config.fileConfig."""

import logging
import logging.config
from pathlib import Path

logging.config.fileConfig(Path(__file__).with_name("logging.ini"))

log = logging.getLogger("billing.invoices")
log.info("invoice %s sent", "INV-7", extra={"customer": "acme", "amount": 120})
try:
    discount = 100 / 0
except ZeroDivisionError:
    log.exception("could not compute the discount")
