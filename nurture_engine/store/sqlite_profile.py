"""The action server's hot path on SQLite: plain SQL on the aiosqlite connection under SQLAlchemy's (same
transaction), values converted with the dialect's own type processors, so the rows are those the portable
statements of sql.py / sql_profile.py write and read. Each statement is one trip to aiosqlite's thread, where
SQLAlchemy's adapter makes four (cursor, execute, fetch, close) and compiles and processes each statement."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import cast

import aiosqlite

from ..domain import Consent, FieldValue, Identity, Interaction, Lead, ProfileField
from ..errors import LeadNotFound
from .base import ProfileWrite
from .sqlite_scoring import CHANNEL_OF, CONSENT_OF, FIELD_OF, STAGE_OF, SqliteConnection, SqliteValues
from .timeutil import req_utc, utc

# the lead of an identity with its profile, refusals and identities in one statement: `part` says which
# table a row comes from; profile rows come in the primary key's order (as the portable read's index scan
# gives them), identities in id order
LEAD = """WITH l AS (SELECT l.* FROM leads l JOIN identities i ON i.lead_id = l.id
                     WHERE i.channel = ? AND i.sender_id = ?)
SELECT 0 AS part, 0 AS n, id, stage, score, consent_status, consent_at, consent_source, created_at,
       demo_requested_at, message_count, owner FROM l
UNION ALL SELECT 1, 0, field, value, raw, conversation_id, at, NULL, NULL, NULL, NULL, NULL
       FROM profile_fields WHERE lead_id = (SELECT id FROM l)
UNION ALL SELECT 2, 0, field, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM field_refusals WHERE lead_id = (SELECT id FROM l)
UNION ALL SELECT 3, id, channel, sender_id, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
       FROM identities WHERE lead_id = (SELECT id FROM l)
ORDER BY 1, 2, 3"""
INTERACTIONS = "SELECT kind, intent, channel, sender_id, data, at FROM interactions WHERE lead_id = ? ORDER BY id"
FIELDS = ("INSERT INTO profile_fields (lead_id, field, value, raw, conversation_id, at) VALUES (?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (lead_id, field) DO UPDATE SET value = excluded.value, raw = excluded.raw, "
          "conversation_id = excluded.conversation_id, at = excluded.at")
LEAD_UPDATE = ("UPDATE leads SET updated_at = ?, score = ?, stage = ?, message_count = message_count + ?, "
               "email = coalesce(?, email) WHERE id = ? AND (? OR (stage = ? AND message_count = ?))")
REFUSALS = "DELETE FROM field_refusals WHERE lead_id = ? AND field IN ({})"
INTERACTION = ("INSERT INTO interactions (lead_id, kind, intent, channel, sender_id, data, at) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)")
HISTORY = "INSERT INTO stage_history (lead_id, stage, reason, at) VALUES (?, ?, ?, ?)"

class SqliteProfile(SqliteValues):
    """The action server's statements."""

    async def lead_for_identity(self, db: SqliteConnection, identity: Identity) -> Lead | None:
        rows = list(await db.execute_fetchall(LEAD, (identity.channel.value, identity.sender_id)))
        if not rows:
            return None
        r = rows[0]
        profile: dict[ProfileField, FieldValue] = {}
        refused: set[ProfileField] = set()
        identities: list[Identity] = []
        for row in rows[1:]:
            if row[0] == 1:
                name = FIELD_OF[row[2]]
                profile[name] = FieldValue(field=name, value=self._read_json(row[3]), raw=row[4],
                                           conversation_id=row[5], at=req_utc(self._when(row[6])))
            elif row[0] == 2:
                refused.add(FIELD_OF[row[2]])
            else:
                identities.append(Identity(channel=CHANNEL_OF[row[2]], sender_id=row[3]))
        return Lead(id=r[2], stage=STAGE_OF[r[3]], score=r[4],
                    consent=Consent(status=CONSENT_OF[r[5]], at=self._when(r[6]), source=r[7]),
                    created_at=req_utc(self._when(r[8])), demo_requested_at=self._when(r[9]),
                    profile=profile, refused=frozenset(refused), identities=tuple(identities),
                    message_count=r[10], owner=r[11])

    async def interactions(self, db: SqliteConnection, lead_id: str) -> list[Interaction]:
        return [Interaction(kind=kind, intent=intent, channel=CHANNEL_OF[channel], sender_id=sender,
                            data=self._read_json(data), at=req_utc(self._when(at)))
                for kind, intent, channel, sender, data, at in await db.execute_fetchall(INTERACTIONS, (lead_id,))]

    async def write_turn(self, db: SqliteConnection, write: ProfileWrite) -> bool:
        """Everything but the sequencing, the lead's row first (its guard); False: nothing written. All the
        statements run in one call on aiosqlite's thread (each statement on its own costs a round trip to that
        thread, ~0.4 ms here). A field's row is updated in place where the portable path deletes and inserts
        it: the same values."""
        worker = cast(aiosqlite.Connection, db)
        run = cast(Callable[..., Awaitable[bool]], worker._execute)  # aiosqlite leaves it untyped
        return await run(self._write_turn, worker._conn, write)

    def _write_turn(self, conn: sqlite3.Connection, write: ProfileWrite) -> bool:
        """On aiosqlite's thread, in the transaction SQLAlchemy began (sqlite3 opens it at the first write)."""
        u, expect = write.update, write.expect
        email = next((v.value for v in write.values if v.field is ProfileField.EMAIL), None)
        params = (self._at(utc(u.at)), u.score, u.stage.value, u.messages_added, email, write.lead_id,
                  expect is None, expect[0].value if expect else None, expect[1] if expect else None)
        if conn.execute(LEAD_UPDATE, params).rowcount == 0:
            if expect is None:
                raise LeadNotFound(f"no lead {write.lead_id!r}")
            return False
        if write.values:
            fields = [v.field.value for v in write.values]
            conn.execute(REFUSALS.format(", ".join("?" * len(fields))), [write.lead_id, *fields])
            conn.executemany(FIELDS, [(write.lead_id, v.field.value, self._json(v.value), v.raw, v.conversation_id,
                                       self._at(utc(v.at))) for v in write.values])
        i = write.interaction
        conn.execute(INTERACTION, (write.lead_id, i.kind, i.intent, i.channel.value, i.sender_id, self._json(i.data),
                                   self._at(utc(i.at))))
        if u.stage_reason is not None:
            conn.execute(HISTORY, (u.lead_id, u.stage.value, u.stage_reason, self._at(utc(u.at))))
        return True


def one_call_per_turn() -> bool:
    """Whether this aiosqlite runs a function on its connection's thread the way `write_turn` uses it (the
    private `_execute` and `_conn` of the pinned 0.22; without them the store takes its portable path)."""
    return (callable(getattr(aiosqlite.Connection, "_execute", None))
            and isinstance(getattr(aiosqlite.Connection, "_conn", None), property))
