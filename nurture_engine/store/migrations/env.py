"""Alembic environment: runs migrations on the synchronous driver of the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from nurture_engine.store import alerts_sql, inbox_sql
from nurture_engine.store.sqlite_wal import use_wal
from nurture_engine.store.tables import metadata

# the inbox and alert tables live on their own MetaData beside their stores; autogenerate must see them all
TARGETS = [metadata, inbox_sql.metadata, alerts_sql.metadata]

config = context.config
url = config.get_main_option("sqlalchemy.url")
assert url, "sqlalchemy.url must be set by nurture_engine.store.migrate"

engine = create_engine(url, future=True)
use_wal(engine)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=TARGETS,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
