"""The lead store's SQLite file runs in WAL mode, and a checkpoint empties the write-ahead log."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from nurture_engine.domain import Channel, Identity
from nurture_engine.store.migrate import upgrade
from nurture_engine.store.sql import SqlLeadStore
from nurture_engine.store.sqlite_wal import checkpoint


def wal_size(db: Path) -> int:
    return db.with_name(db.name + "-wal").stat().st_size


async def test_the_lead_store_runs_in_wal_mode_and_a_checkpoint_empties_the_log(tmp_path: Path) -> None:
    path = tmp_path / "nurture.db"
    upgrade(f"sqlite:///{path}")
    store = SqlLeadStore(f"sqlite:///{path}")
    await store.start()
    try:
        async with store.engine.connect() as conn:
            assert (await conn.exec_driver_sql("PRAGMA journal_mode")).scalar() == "wal"
            assert (await conn.exec_driver_sql("PRAGMA synchronous")).scalar() == 1  # NORMAL
        await store.create_lead(Identity(channel=Channel.WEB, sender_id="ana-wal"), datetime.now(timezone.utc))
        assert wal_size(path) > 0
        await checkpoint(store.engine)
        assert wal_size(path) == 0
    finally:
        await store.stop()
