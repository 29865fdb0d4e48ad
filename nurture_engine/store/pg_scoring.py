"""The behaviour consumer's hot path on PostgreSQL: reading a batch's leads and writing a batch of scored
events are ONE statement each on the asyncpg connection, with array parameters (constant SQL text, so
asyncpg reuses the prepared statement).

Semantics are those of the portable SQLAlchemy versions in sql.py / sql_scoring.py. The write is one
statement (data-modifying CTEs), so it is atomic on its own, and joins the transaction when one is open."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from ..domain import Identity, Lead
from ..errors import OffsetMoved
from ..scheduler.jobs import Enrollment
from .base import IngestBatch
from .lead_cache import LeadRowCache
from .pg_followups import PgConnection
from .pg_profile import PROFILE, lead_of
from .sqlite_scoring import CHANNEL_OF, STAGE_OF
from .timeutil import req_utc, utc

# One statement, atomic on its own: no transaction round trips around it. The offset's compare-and-set goes
# first and every other part reads it (`go` has a row when the offset moved as asked, or when the batch has no
# offset), so when another consumer's batch moved the offset nothing at all is written and the statement
# returns 0. WITH ORDINALITY ... ORDER BY: the interaction ids follow the batch's order (the ledger rebuild
# reads them back in id order). The interactions travel as one JSON array of rows (`data` nested as is: a json
# column keeps its text): seven arrays of a batch's length cost asyncpg more to encode, element by element,
# than json.dumps the lot.
COMMIT_INGEST = """
WITH o AS (
    INSERT INTO consumer_offsets (name, position, updated_at)
    SELECT $13::text, $14::int, $12::timestamptz WHERE $13::text IS NOT NULL
    ON CONFLICT (name) DO UPDATE SET position = EXCLUDED.position, updated_at = EXCLUDED.updated_at
    WHERE $15::int IS NULL OR consumer_offsets.position = $15::int
    RETURNING 1
), go AS (
    SELECT 1 FROM o UNION ALL SELECT 1 WHERE $13::text IS NULL
), i AS (
    INSERT INTO interactions (lead_id, kind, intent, channel, sender_id, data, at)
    SELECT v.r->>0, v.r->>1, v.r->>2, v.r->>3, v.r->>4, v.r->5, (v.r->>6)::timestamptz
    FROM json_array_elements($1::json) WITH ORDINALITY AS v(r, n)
    WHERE EXISTS (SELECT 1 FROM go)
    ORDER BY v.n
), u AS (
    UPDATE leads SET score = v.score, stage = v.stage, updated_at = v.at,
                     message_count = leads.message_count + v.added
    FROM unnest($2::text[], $3::float8[], $4::text[], $5::timestamptz[], $6::int[])
         AS v(id, score, stage, at, added)
    WHERE leads.id = v.id AND EXISTS (SELECT 1 FROM go)
), h AS (
    INSERT INTO stage_history (lead_id, stage, reason, at)
    SELECT v.lead_id, v.stage, v.reason, v.at
    FROM unnest($7::text[], $8::text[], $9::text[], $10::timestamptz[]) WITH ORDINALITY
         AS v(lead_id, stage, reason, at, n)
    WHERE EXISTS (SELECT 1 FROM go)
    ORDER BY v.n
), k AS (
    INSERT INTO processed_events (event_key, at)
    SELECT key, $12::timestamptz FROM unnest($11::text[]) AS key WHERE EXISTS (SELECT 1 FROM go)
)
SELECT count(*) FROM go
"""
# The leads of the batch's senders with their profiles, one row per (lead, identity); the caller keeps the
# rows whose (channel, sender) it asked for, as the portable query does. One lateral aggregate per lead (one
# index scan of profile_fields; five ARRAY() sub-queries took 4 ms instead of 1.2 ms for 200 leads).
LEADS_FOR_SCORING = f"""
SELECT l.id, l.stage, l.score, l.consent_status, l.consent_at, l.consent_source, l.created_at,
       l.demo_requested_at, l.message_count, l.owner, i.channel AS i_channel, i.sender_id AS i_sender,
       p.p_field, p.p_value, p.p_raw, p.p_conv, p.p_at
FROM leads l JOIN identities i ON i.lead_id = l.id
{PROFILE}WHERE i.sender_id = ANY($1::text[])
"""  # noqa: S608 (constant SQL: PROFILE is text of pg_profile)

# The sequences each lead of `names_for` ever entered, and the active enrollments that sent something of the
# batch's leads, in one read.
SEQUENCING_STATE = """
SELECT id, lead_id, sequence, variant, entered_at, active, exit_reason, last_sent_at,
       lead_id = ANY($2::text[]) AS named,
       active AND last_sent_at IS NOT NULL AND lead_id = ANY($1::text[]) AS awaiting
FROM enrollments
WHERE lead_id = ANY($2::text[]) OR (lead_id = ANY($1::text[]) AND active AND last_sent_at IS NOT NULL)
"""


# every column of LEADS_FOR_SCORING but the three the consumer writes (score, stage, message_count)
_REST = ("consent_status", "consent_at", "consent_source", "created_at", "demo_requested_at", "owner", "p_field",
         "p_value", "p_raw", "p_conv", "p_at")


def _new_lead(r: Mapping[str, Any]) -> Lead:
    return lead_of(r, refused=frozenset(), identities=(Identity(channel=CHANNEL_OF[r["i_channel"]],
                                                                 sender_id=r["i_sender"]),))


async def leads_for_scoring(pg: PgConnection, identities: Sequence[Identity], cache: LeadRowCache
                            ) -> dict[Identity, Lead]:
    """The leads of these identities; a lead whose row equals the one read before is the `Lead` built then."""
    wanted = {(i.channel.value, i.sender_id) for i in identities}
    out = {}
    for r in await pg.fetch(LEADS_FOR_SCORING, sorted({i.sender_id for i in identities})):
        if (r["i_channel"], r["i_sender"]) in wanted:
            rest = tuple(r[c] for c in _REST)
            lead = cache.lead((r["id"], r["i_channel"], r["i_sender"]), rest, partial(_new_lead, r),
                              stage=STAGE_OF[r["stage"]], score=r["score"], message_count=r["message_count"])
            out[lead.identities[0]] = lead
    return out


async def sequencing_state(pg: PgConnection, lead_ids: Sequence[str], names_for: Sequence[str]
                           ) -> tuple[dict[str, set[str]], dict[str, list[Enrollment]]]:
    names: dict[str, set[str]] = {lead_id: set() for lead_id in names_for}
    sent: dict[str, list[Enrollment]] = {}
    for r in await pg.fetch(SEQUENCING_STATE, sorted(set(lead_ids)), sorted(set(names_for))):
        if r["named"]:
            names[r["lead_id"]].add(r["sequence"])
        if r["awaiting"]:
            sent.setdefault(r["lead_id"], []).append(Enrollment(
                id=r["id"], lead_id=r["lead_id"], sequence=r["sequence"], variant=r["variant"],
                entered_at=req_utc(r["entered_at"]), active=bool(r["active"]), exit_reason=r["exit_reason"],
                last_sent_at=utc(r["last_sent_at"])))
    return names, sent


async def commit_ingest(pg: PgConnection, batch: IngestBatch, at: datetime) -> None:
    changes = [u for u in batch.updates if u.stage_reason is not None]
    offset = batch.offset
    name, position, after = (offset.name, offset.position, offset.after) if offset is not None else (None, None, None)
    rows = json.dumps([[lead_id, i.kind, i.intent, i.channel.value, i.sender_id, i.data, req_utc(i.at).isoformat()]
                       for lead_id, i in batch.interactions])
    applied = await pg.fetchval(
        COMMIT_INGEST,
        rows,
        [u.lead_id for u in batch.updates], [float(u.score) for u in batch.updates],
        [u.stage.value for u in batch.updates], [req_utc(u.at) for u in batch.updates],
        [u.messages_added for u in batch.updates],
        [u.lead_id for u in changes], [u.stage.value for u in changes], [u.stage_reason for u in changes],
        [req_utc(u.at) for u in changes],
        list(batch.event_keys), at, name, position, after,
    )
    if not applied and offset is not None and offset.after is not None:  # nothing of the batch was written; the
        raise OffsetMoved(offset.name, offset.after)                       # caller's transaction rolls back the rest
