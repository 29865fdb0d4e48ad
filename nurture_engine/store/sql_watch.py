"""What may need a sales alert, read from durable rows: leads that reached sql (stage history) and
hand-off requests (interactions). The alert watcher keeps its offsets in `consumer_offsets`."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from ..domain import HANDOFF_INTENTS, Channel, Stage
from ..scheduler.jobs import AlertCandidate
from . import tables as t


class SqlAlertSourceMixin:
    engine: AsyncEngine

    async def alert_candidates(self, after_stage: int, after_interaction: int,
                               limit: int = 200) -> list[AlertCandidate]:
        sh, it = t.stage_history, t.interactions
        async with self.engine.connect() as conn:
            stages = (await conn.execute(select(sh.c.id, sh.c.lead_id).where(
                sh.c.id > after_stage, sh.c.stage == Stage.SQL.value).order_by(sh.c.id).limit(limit))).all()
            asks = (await conn.execute(select(it.c.id, it.c.lead_id, it.c.channel, it.c.intent).where(
                it.c.id > after_interaction, it.c.kind == "message", it.c.intent.in_(sorted(HANDOFF_INTENTS)))
                .order_by(it.c.id).limit(limit))).all()
        return ([AlertCandidate(source="stage", position=r.id, lead_id=r.lead_id, intent=None, channel=None)
                 for r in stages]
                + [AlertCandidate(source="interaction", position=r.id, lead_id=r.lead_id, intent=r.intent,
                                  channel=Channel(r.channel)) for r in asks])
