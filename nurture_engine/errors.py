"""One exception hierarchy for the engine; edges map these to HTTP statuses or bot responses."""

from __future__ import annotations


class NurtureError(Exception):
    """Nurture engine error."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(NurtureError):
    """The configuration is invalid."""


class InvalidValue(NurtureError):
    """A profile answer could not be understood."""

    def __init__(self, field: str, reason: str, message: str | None = None) -> None:
        self.field = field
        self.reason = reason
        super().__init__(message or f"invalid {field}: {reason}")


class LeadNotFound(NurtureError):
    """No such lead."""


class Unauthorized(NurtureError):
    """Missing or wrong credentials."""
