"""The action server's hot path in the SQL store: an answered profiling turn in one transaction.

The rows are those `set_field` (per answer), `add_interaction` and `commit_ingest` (the rescore) wrote in three
transactions: the lead's row is updated once (touch, email, score, stage), the answers replace their fields and
refusals with one statement each, the interaction and the stage change are inserted, then the sequencing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from ..domain import ProfileField
from ..errors import LeadNotFound
from ..scheduler.jobs import SequencePlan
from . import pg_profile
from . import tables as t
from .base import ProfileWrite
from .sql_followups import _driver
from .sql_scoring import _sqlite_driver
from .sqlite_profile import SqliteProfile, one_call_per_turn
from .timeutil import utc


class SqlProfileMixin:
    engine: AsyncEngine

    if TYPE_CHECKING:  # the scoring mixin's
        async def _write_plan(self, conn: AsyncConnection, plan: SequencePlan) -> None: ...

        @property
        def _fast_path(self) -> str | None: ...

        @property
        def _on_pg(self) -> bool: ...

    @property
    def _sqlite_profile(self) -> SqliteProfile | None:
        """The SQLite statements on the driver's connection, when the store runs on aiosqlite (decided once)."""
        if "_sqlite_profile_statements" not in self.__dict__:
            usable = self._fast_path == "sqlite" and one_call_per_turn()
            self.__dict__["_sqlite_profile_statements"] = SqliteProfile(self.engine.dialect) if usable else None
        fast: SqliteProfile | None = self.__dict__["_sqlite_profile_statements"]
        return fast

    async def record_profile(self, write: ProfileWrite) -> bool:
        fast = self._sqlite_profile
        async with self.engine.begin() as conn:
            if self._on_pg and not write.sequencing:  # one statement, atomic on its own
                return await pg_profile.write_turn(await _driver(conn), write)
            if fast is not None:
                written = await fast.write_turn(await _sqlite_driver(conn), write)
            else:
                written = await _write_turn(conn, write)
            if not written:
                await conn.rollback()
                return False
            if write.sequencing:
                await self._write_plan(conn, write.sequencing)
        return True


async def _write_turn(conn: AsyncConnection, write: ProfileWrite) -> bool:
    """Everything but the sequencing; False (nothing written) when the lead fails `write.expect`. The lead's
    row first: the guard is checked before anything else is written."""
    u, lead = write.update, t.leads.c
    values: dict[str, Any] = {"updated_at": utc(u.at), "score": u.score, "stage": u.stage.value}
    if u.messages_added:
        values["message_count"] = lead.message_count + u.messages_added
    email = next((v.value for v in write.values if v.field is ProfileField.EMAIL), None)
    if email is not None:
        values["email"] = email
    guard = [lead.id == write.lead_id]
    if write.expect is not None:
        guard += [lead.stage == write.expect[0].value, lead.message_count == write.expect[1]]
    if (await conn.execute(update(t.leads).where(*guard).values(**values))).rowcount == 0:
        if write.expect is None:
            raise LeadNotFound(f"no lead {write.lead_id!r}")
        return False
    fields = [v.field.value for v in write.values]
    if fields:
        f, r = t.profile_fields.c, t.refusals.c
        await conn.execute(delete(t.profile_fields).where(f.lead_id == write.lead_id, f.field.in_(fields)))
        await conn.execute(delete(t.refusals).where(r.lead_id == write.lead_id, r.field.in_(fields)))
        await conn.execute(insert(t.profile_fields), [
            {"lead_id": write.lead_id, "field": v.field.value, "value": v.value, "raw": v.raw,
             "conversation_id": v.conversation_id, "at": utc(v.at)} for v in write.values])
    i = write.interaction
    await conn.execute(insert(t.interactions).values(
        lead_id=write.lead_id, kind=i.kind, intent=i.intent, channel=i.channel.value, sender_id=i.sender_id,
        data=i.data, at=utc(i.at)))
    if u.stage_reason is not None:
        await conn.execute(insert(t.stage_history).values(lead_id=u.lead_id, stage=u.stage.value,
                                                          reason=u.stage_reason, at=utc(u.at)))
    return True
