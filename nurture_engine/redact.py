"""Redaction of personal data (emails, phone numbers) before anything reaches a log."""

from __future__ import annotations

import logging
import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone number stands alone: not glued to letters or digits on either side (so the digit runs inside hex ids
# such as a5754a72f3456789e99... stay); an ISO date (2026-11-26) and an IPv4 address (127.0.0.1) are not one.
_PHONE = re.compile(r"(?<![\w.-])(?!\d{4}-\d\d-\d\d(?!\d))(?!\d{1,3}(?:\.\d{1,3}){3}(?![\d.]))"
                    r"(?:\+|\()?\d[\d\s().-]{6,}\d(?!\w)")


def redact(text: str) -> str:
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


class RedactingFilter(logging.Filter):
    """A logging filter that redacts emails and phone numbers in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
