"""SQL web inbox on SQLAlchemy 1.4's asyncio engine, written 2.0-style (SQLite or PostgreSQL).

The table lives on its own MetaData so the lead store's tables stay untouched; migration 0003 creates it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, MetaData, String, Table, Text, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError

from ..inbox import MAX_UNREAD, InboxButton, InboxMessage, check_session_id
from .engine import SqlEngineHolder
from .timeutil import req_utc, utc

metadata = MetaData()

web_inbox = Table(
    "web_inbox", metadata,
    Column("id", String(64), primary_key=True),
    Column("session_id", String(128), nullable=False),
    Column("text", Text, nullable=False),
    Column("buttons", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("read_at", DateTime(timezone=True)),
    Index("ix_web_inbox_session_id", "session_id"),
)


def _message(row: Row[Any]) -> InboxMessage:
    return InboxMessage(id=row.id, session_id=row.session_id, text=row.text,
                        buttons=tuple(InboxButton(title=b["title"], payload=b["payload"]) for b in row.buttons),
                        created_at=req_utc(row.created_at), read_at=utc(row.read_at))


class SqlInboxStore(SqlEngineHolder):

    async def post(self, message: InboxMessage) -> InboxMessage:
        values = {"id": message.id, "session_id": message.session_id, "text": message.text,
                  "buttons": [{"title": b.title, "payload": b.payload} for b in message.buttons],
                  "created_at": message.created_at, "read_at": message.read_at}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(insert(web_inbox).values(**values))
        except IntegrityError:
            # the id is the sender's idempotency key: a retried delivery finds the stored message
            async with self.engine.connect() as conn:
                row = (await conn.execute(select(web_inbox).where(web_inbox.c.id == message.id))).one()
            return _message(row)
        return message

    async def unread(self, session_id: str, *, limit: int = MAX_UNREAD) -> list[InboxMessage]:
        check_session_id(session_id)
        query = (select(web_inbox)
                 .where(web_inbox.c.session_id == session_id, web_inbox.c.read_at.is_(None))
                 .order_by(web_inbox.c.created_at, web_inbox.c.id).limit(limit))
        async with self.engine.connect() as conn:
            return [_message(row) for row in (await conn.execute(query)).all()]

    async def mark_read(self, session_id: str, ids: Sequence[str], at: datetime) -> int:
        check_session_id(session_id)
        if at.tzinfo is None:
            raise ValueError("naive datetimes are refused; pass a timezone-aware datetime")
        if not ids:
            return 0
        query = (update(web_inbox)
                 .where(web_inbox.c.session_id == session_id, web_inbox.c.id.in_(sorted(set(ids))),
                        web_inbox.c.read_at.is_(None))
                 .values(read_at=at))
        async with self.engine.begin() as conn:
            return int((await conn.execute(query)).rowcount)

    async def erase_session(self, session_id: str) -> int:
        async with self.engine.begin() as conn:
            result = await conn.execute(delete(web_inbox).where(web_inbox.c.session_id == session_id))
            return int(result.rowcount)
