"""What may need a sales alert, read from durable rows: leads that reached sql (stage history) and
hand-off requests (interactions). The alert watcher reads every row in id order, so it can tell which ids
it passed without seeing (see alert_watch.IdGaps), and keeps its offsets in `consumer_offsets`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, and_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from ..domain import STAFF_INTENTS, Channel, Stage
from ..scheduler.jobs import AlertCandidate
from . import tables as t
from .base import WatchRow


def _query(source: str) -> tuple[Table, Any]:
    """The source's table, and a select of its rows: id, whether it is an alert candidate, what that needs."""
    if source == "stage":
        sh = t.stage_history
        hit: ColumnElement[bool] = sh.c.stage == Stage.SQL.value
        return sh, select(sh.c.id, sh.c.lead_id, hit.label("hit"))
    if source == "interaction":
        it = t.interactions
        hit = and_(it.c.kind == "message", it.c.intent.in_(sorted(STAFF_INTENTS)))
        return it, select(it.c.id, it.c.lead_id, hit.label("hit"), it.c.channel, it.c.intent)
    raise ValueError(f"no alert source {source!r}")


def _row(source: str, r: Any) -> WatchRow:
    if not r.hit:
        return r.id, None
    if source == "stage":
        return r.id, AlertCandidate(source=source, position=r.id, lead_id=r.lead_id, intent=None, channel=None)
    return r.id, AlertCandidate(source=source, position=r.id, lead_id=r.lead_id, intent=r.intent,
                                channel=Channel(r.channel))


class SqlAlertSourceMixin:
    engine: AsyncEngine

    async def alert_rows(self, source: str, after: int, limit: int = 1000) -> list[WatchRow]:
        table, query = _query(source)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.where(table.c.id > after).order_by(table.c.id).limit(limit))).all()
        return [_row(source, r) for r in rows]

    async def alert_rows_at(self, source: str, ids: Sequence[int]) -> list[WatchRow]:
        if not ids:
            return []
        table, query = _query(source)
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query.where(table.c.id.in_(sorted(ids))).order_by(table.c.id))).all()
        return [_row(source, r) for r in rows]
