"""Run the Alembic migrations of the lead store (`nurture db upgrade`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def sync_url(url: str) -> str:
    for prefix in ("sqlite+aiosqlite:///", "postgresql+asyncpg://", "postgres://"):
        if url.startswith(prefix):
            base = "sqlite:///" if prefix.startswith("sqlite") else "postgresql://"
            return base + url.removeprefix(prefix)
    return url


def upgrade(url: str, revision: str = "head") -> None:
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sync_url(url))
    command.upgrade(config, revision)
