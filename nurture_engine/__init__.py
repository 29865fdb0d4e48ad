"""Nurture engine: the domain behind the conversational lead-nurturing service."""

from __future__ import annotations

__all__ = ["__version__"]
__version__ = "0.1.0"
