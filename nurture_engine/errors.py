"""One exception hierarchy for the engine; edges map these to HTTP statuses or bot responses."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any


class NurtureError(Exception):
    """Nurture engine error."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())


class ConfigError(NurtureError):
    """The configuration is invalid."""


def reject_unknown_keys(section: str, raw: Mapping[str, Any], allowed: Collection[str]) -> None:
    """Every nurture.yml section refuses keys it does not know, naming the ones it does."""
    extra = sorted(set(raw) - set(allowed))
    if extra:
        raise ConfigError(f"nurture.yml: unknown key(s) in {section}: {', '.join(extra)} "
                          f"(allowed: {', '.join(sorted(allowed))})")


class InvalidValue(NurtureError):
    """A profile answer could not be understood."""

    def __init__(self, field: str, reason: str, message: str | None = None) -> None:
        self.field = field
        self.reason = reason
        super().__init__(message or f"invalid {field}: {reason}")


class LeadNotFound(NurtureError):
    """No such lead."""


class OffsetMoved(NurtureError):
    """A consumer's stored offset is not where its batch started (another writer, or the late commit of a
    cancelled batch): the batch was rolled back."""

    def __init__(self, name: str, after: int) -> None:
        self.name = name
        self.after = after
        super().__init__(f"offset {name!r} is no longer {after}: the batch was rolled back")


class Unauthorized(NurtureError):
    """Missing or wrong credentials."""
