"""The action server's hot path on PostgreSQL: an answered profiling turn's reads and its write are ONE
statement each on the asyncpg connection (constant SQL text, so asyncpg reuses the prepared statement), where
the portable SQLAlchemy path of sql.py / sql_profile.py sends four statements to read the lead and five to
write the turn, each a round trip. Same rows written, same leads read (tests/engine/test_profile_write.py).

The write is used when the turn changes no sequence (most turns): one statement is atomic on its own, its
guard (the lead as it was read) decides for every part of it, so no transaction is needed around it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..domain import Consent, FieldValue, Identity, Interaction, Lead, ProfileField
from ..errors import LeadNotFound
from .base import ProfileWrite
from .pg_followups import PgConnection
from .sqlite_scoring import CHANNEL_OF, CONSENT_OF, FIELD_OF, STAGE_OF
from .timeutil import req_utc, utc

# A lead's profile as five arrays in field order (as the portable read orders it): one lateral aggregate per
# lead, one index scan of profile_fields.
PROFILE = """LEFT JOIN LATERAL (
    SELECT array_agg(f.field ORDER BY f.field) AS p_field, array_agg(f.value::text ORDER BY f.field) AS p_value,
           array_agg(f.raw ORDER BY f.field) AS p_raw, array_agg(f.conversation_id ORDER BY f.field) AS p_conv,
           array_agg(f.at ORDER BY f.field) AS p_at
    FROM profile_fields f WHERE f.lead_id = l.id
) p ON true
"""

# The lead of an identity with its profile, its refusals and its identities (in id order).
LEAD = f"""
SELECT l.id, l.stage, l.score, l.consent_status, l.consent_at, l.consent_source, l.created_at,
       l.demo_requested_at, l.message_count, l.owner,
       p.p_field, p.p_value, p.p_raw, p.p_conv, p.p_at,
       ARRAY(SELECT r.field FROM field_refusals r WHERE r.lead_id = l.id) AS r_field,
       ARRAY(SELECT x.channel FROM identities x WHERE x.lead_id = l.id ORDER BY x.id) AS x_channel,
       ARRAY(SELECT x.sender_id FROM identities x WHERE x.lead_id = l.id ORDER BY x.id) AS x_sender
FROM leads l JOIN identities i ON i.lead_id = l.id
{PROFILE}WHERE i.channel = $1 AND i.sender_id = $2
"""  # noqa: S608 (constant SQL: PROFILE is text of pg_profile)

INTERACTIONS = ("SELECT kind, intent, channel, sender_id, data::text AS data, at FROM interactions "
                "WHERE lead_id = $1 ORDER BY id")

# The lead's row first: every other part reads `u`, so nothing is written when the guard (`$7`: no guard, else
# the stage and message count the turn was computed from) does not hold. An answer replaces its field (in
# place: the values the portable delete-and-insert leaves) and any refusal of it.
WRITE_TURN = """
WITH u AS (
    UPDATE leads SET updated_at = $2, score = $3, stage = $4, message_count = message_count + $5,
                     email = coalesce($6, email)
    WHERE id = $1 AND ($7::bool OR (stage = $8 AND message_count = $9))
    RETURNING id
), r AS (
    DELETE FROM field_refusals WHERE lead_id IN (SELECT id FROM u) AND field = ANY($10::text[])
), f AS (
    INSERT INTO profile_fields (lead_id, field, value, raw, conversation_id, at)
    SELECT u.id, v.field, v.value::json, v.raw, v.conv, v.at
    FROM u, unnest($10::text[], $11::text[], $12::text[], $13::text[], $14::timestamptz[])
         WITH ORDINALITY AS v(field, value, raw, conv, at, n)
    ORDER BY v.n
    ON CONFLICT (lead_id, field) DO UPDATE SET value = EXCLUDED.value, raw = EXCLUDED.raw,
        conversation_id = EXCLUDED.conversation_id, at = EXCLUDED.at
), i AS (
    INSERT INTO interactions (lead_id, kind, intent, channel, sender_id, data, at)
    SELECT u.id, $15, $16, $17, $18, $19::json, $20 FROM u
), h AS (
    INSERT INTO stage_history (lead_id, stage, reason, at)
    SELECT u.id, $4, $21::text, $2 FROM u WHERE $21::text IS NOT NULL
)
SELECT count(*) FROM u
"""


def profile_of(r: Mapping[str, Any]) -> dict[ProfileField, FieldValue]:
    """The profile of a row read with PROFILE (array_agg of no rows is NULL)."""
    profile = {}
    for field, value, raw, conv, at in zip(r["p_field"] or (), r["p_value"] or (), r["p_raw"] or (),
                                           r["p_conv"] or (), r["p_at"] or (), strict=True):
        name = FIELD_OF[field]
        profile[name] = FieldValue(field=name, value=json.loads(value), raw=raw, conversation_id=conv, at=req_utc(at))
    return profile


def lead_of(r: Mapping[str, Any], *, refused: frozenset[ProfileField], identities: tuple[Identity, ...]) -> Lead:
    """The lead of a row with the leads columns and PROFILE's arrays; refusals and identities as the query has them."""
    return Lead(id=r["id"], stage=STAGE_OF[r["stage"]], score=r["score"],
                consent=Consent(status=CONSENT_OF[r["consent_status"]], at=utc(r["consent_at"]),
                                source=r["consent_source"]),
                created_at=req_utc(r["created_at"]), demo_requested_at=utc(r["demo_requested_at"]),
                profile=profile_of(r), refused=refused, identities=identities, message_count=r["message_count"],
                owner=r["owner"])


async def lead_for_identity(pg: PgConnection, identity: Identity) -> Lead | None:
    rows = await pg.fetch(LEAD, identity.channel.value, identity.sender_id)
    if not rows:
        return None
    r = rows[0]
    return lead_of(r, refused=frozenset(FIELD_OF[f] for f in r["r_field"]),
                   identities=tuple(Identity(channel=CHANNEL_OF[c], sender_id=s)
                                    for c, s in zip(r["x_channel"], r["x_sender"], strict=True)))


async def interactions(pg: PgConnection, lead_id: str) -> list[Interaction]:
    return [Interaction(kind=r["kind"], intent=r["intent"], channel=CHANNEL_OF[r["channel"]],
                        sender_id=r["sender_id"], data=json.loads(r["data"]), at=req_utc(r["at"]))
            for r in await pg.fetch(INTERACTIONS, lead_id)]


async def write_turn(pg: PgConnection, write: ProfileWrite) -> bool:
    """The turn's rows but the sequencing, in one statement; False (nothing written) when the lead fails
    `write.expect`, LeadNotFound when there is no such lead and no guard."""
    u, expect, i = write.update, write.expect, write.interaction
    email = next((str(v.value) for v in write.values if v.field is ProfileField.EMAIL), None)
    at = req_utc(u.at)
    rows = await pg.fetch(
        WRITE_TURN, write.lead_id, at, float(u.score), u.stage.value, u.messages_added, email,
        expect is None, expect[0].value if expect else None, expect[1] if expect else None,
        [v.field.value for v in write.values], [json.dumps(v.value) for v in write.values],
        [v.raw for v in write.values], [v.conversation_id for v in write.values],
        [req_utc(v.at) for v in write.values],
        i.kind, i.intent, i.channel.value, i.sender_id, json.dumps(i.data), req_utc(i.at), u.stage_reason)
    if rows[0][0]:
        return True
    if expect is None:
        raise LeadNotFound(f"no lead {write.lead_id!r}")
    return False
