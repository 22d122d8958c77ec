"""The library's logger is "django_backblaze_b2"; 7.0.0 logged to "django-backblaze-b2".

Every module logs to ``LOGGER_NAME``. So that a ``LOGGING`` entry written for 7.0.0's name keeps
receiving the records, :func:`bridge_legacy_logger` (run by the app's ``ready()`` and when the storage
module is imported, both after Django applied ``LOGGING``) hands each record to the handlers configured
on ``LEGACY_NAME`` too, and gives the library's logger that entry's level and ``propagate`` when the
project did not configure the new name itself. Records still reach the root logger once: through the
library's logger, never through the legacy one.
"""

from __future__ import annotations

import logging

LOGGER_NAME = "django_backblaze_b2"
LEGACY_NAME = "django-backblaze-b2"


class _LegacyHandlers(logging.Handler):
    """Hands each record to the handlers of the legacy logger, as if it had been logged there."""

    def emit(self, record: logging.LogRecord) -> None:
        legacy = logging.getLogger(LEGACY_NAME)
        if legacy.disabled or record.levelno < legacy.getEffectiveLevel():
            return
        for handler in legacy.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)


def bridge_legacy_logger() -> None:
    """Connect a ``LOGGING`` entry for 7.0.0's logger name, if the project has one. Idempotent."""
    legacy = logging.getLogger(LEGACY_NAME)
    if not legacy.handlers:
        # Nothing to hand records to; adding a handler anyway would also silence Python's last-resort
        # output of warnings when logging is not configured at all.
        return
    logger = logging.getLogger(LOGGER_NAME)
    configured_itself = logger.level != logging.NOTSET or bool(logger.handlers)
    if not any(isinstance(handler, _LegacyHandlers) for handler in logger.handlers):
        logger.addHandler(_LegacyHandlers())
    if not configured_itself:
        logger.setLevel(legacy.level)
        logger.propagate = legacy.propagate
