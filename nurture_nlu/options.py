"""Checks shared by our components' `validate_config`: every option known, and lists of names that are lists of names.
A typo in config.yml ("intent:" for "intents:") is a clear error at training time, not a default silently used."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rasa.shared.exceptions import InvalidConfigException


def refuse_unknown(component: str, config: dict[str, Any], known: Collection[str]) -> None:
    unknown = sorted(set(config) - set(known))
    if unknown:
        raise InvalidConfigException(f"{component}: unknown option(s) {', '.join(unknown)}")


def names(component: str, config: dict[str, Any], key: str) -> list[str]:
    """The option `key`, which must be a non-empty list of non-empty names."""
    value = config[key]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise InvalidConfigException(f"{component}: {key} must be a non-empty list of names")
    return value
