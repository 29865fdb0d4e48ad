"""The façade: everything outside the engine (actions, API, CLI) talks to `NurtureService`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime

from .clock import Clock
from .config import Business, Settings
from .conversation import Conversation
from .disclosure import Disclosure, disclose
from .domain import (
    Channel,
    ConsentStatus,
    FieldValue,
    Identity,
    Interaction,
    JSONValue,
    Lead,
    ProfileField,
    Stage,
    merge_order,
)
from .errors import InvalidValue
from .lead_engine import EventRecord, LeadEngine, LeadView
from .linking import verify_link_payload
from .meeting_time import MAX_CHARS
from .normalize import normalise
from .objections import PUT_TO_US, WITHHELD, asks_to_be_sent, declines_all
from .privacy_requests import PrivacyRight, privacy_right
from .profiling import (
    REFUSAL_INTENTS,
    AnswerOutcome,
    ProfileTurn,
    ProfileTurnResult,
    VisitState,
    plan_questions,
)
from .question_order import email_first, question_order
from .redact import redact
from .scheduler.jobs import FollowUp
from .sequences import ContentItem
from .store.base import IngestBatch, LeadPage, NurtureStore, Offset
from .turn_answers import new_answers, without_known
from .volunteered import only_new_needs, with_volunteered, without_misreadings

log = logging.getLogger(__name__)


class NurtureService:
    def __init__(self, *, store: NurtureStore, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self._engine = LeadEngine(store=store, clock=clock, settings=settings)

    async def start(self) -> None:
        await self._store.start()

    async def stop(self) -> None:
        await self._store.stop()

    @property
    def business(self) -> Business:
        return self._settings.business

    @property
    def content(self) -> tuple[ContentItem, ...]:
        """The content library (nurture.yml `content`), in its order."""
        return tuple(self._settings.plan.content.values())

    @property
    def half_life_days(self) -> float:
        return self._settings.scoring.half_life_days

    def now(self) -> datetime:
        return self._clock.now()

    async def lead_for(self, conv: Conversation) -> Lead:
        """The lead of this conversation, created on first contact."""
        lead = await self._store.lead_for_identity(conv.identity)
        if lead is None:
            lead = await self._store.create_lead(conv.identity, self._clock.now())
            log.info("new lead %s on %s", lead.id, conv.channel.value)
        return lead

    async def begin_visit(self, conv: Conversation) -> Lead:
        """Start of a session: the known profile is what the assistant must not ask again."""
        return await self.lead_for(conv)

    async def plan(self, conv: Conversation, visit: VisitState, lead: Lead | None = None, *,
                   send_info: bool = False) -> list[ProfileField]:
        """The visit's questions: none for a disqualified lead or one who opted out ("stop messaging me": their
        questions are still answered), in `question_order`'s order; the email first when the visitor asked to be
        sent information (`send_info`). `lead`: the lead, when just read."""
        lead = lead or await self.lead_for(conv)
        if lead.stage is Stage.DISQUALIFIED or lead.consent.status is ConsentStatus.OPTED_OUT:
            return []
        order = question_order(self._settings.profiling.order, lead)
        known = visit.known | frozenset(lead.profile)
        planned = plan_questions(VisitState(known=known, asked=visit.asked, refused=visit.refused),
                                 order=order, budget=self._settings.profiling.budget_per_visit,
                                 refused_before=lead.refused - visit.refused)
        return email_first(planned, known=known, refused=visit.refused) if send_info else planned

    async def record_answers(self, conv: Conversation, answers: Mapping[ProfileField, str], lead: Lead | None = None,
                             *, message: str | None = None, asked: ProfileField | None = None) -> AnswerOutcome:
        """Validate, normalise and store each answer (and the facts `message` volunteers) with its provenance, the
        interaction and the rescore, together. `lead`: the lead, just read; `asked`: the question answered."""
        now = self._clock.now()
        answers = without_misreadings(answers, self._settings.business.tools, asked, message)
        given, answers = answers, with_volunteered(answers, message, now)
        if not answers:
            return AnswerOutcome()
        lead = lead or await self.lead_for(conv)
        answers = only_new_needs(without_known(answers, lead.profile), given, lead.profile)
        outcome = AnswerOutcome()
        values: list[FieldValue] = []
        for profile_field, raw in answers.items():
            try:
                value = normalise(profile_field, raw, now, connectors=self._settings.business.connectors)
            except InvalidValue as exc:
                log.info("lead %s: %s rejected (%s): %s", lead.id, profile_field.value, exc.reason, redact(raw))
                outcome.rejected[profile_field] = exc.reason
                continue
            values.append(FieldValue(field=profile_field, value=value, raw=raw[:500], conversation_id=conv.sender_id,
                                     at=now))
            outcome.accepted[profile_field] = value
        if not values:
            return outcome
        interaction = self._interaction(conv, "profile", "inform", {"fields": sorted(v.field.value for v in values)})
        email = outcome.accepted.get(ProfileField.EMAIL)
        if email is not None and await self._store.find_by_email(str(email), exclude=lead.id) is not None:
            # the same email on another lead: the answers are stored, the leads merged, then rescored as one
            for fv in values:
                await self._store.set_field(lead.id, fv)
            await self._store.add_interaction(lead.id, interaction)
            lead = await self._engine.merge_on_email(await self._store.get_lead(lead.id))
            return replace(outcome, lead=await self._engine.rescore(lead.id))
        return replace(outcome, lead=await self._engine.record_profile(lead, values, interaction))

    async def record_refusal(self, conv: Conversation, profile_field: ProfileField, lead: Lead | None = None) -> None:
        lead = lead or await self.lead_for(conv)
        await self._store.add_refusal(lead.id, profile_field, conv.sender_id, self._clock.now())
        await self._store.add_interaction(lead.id, self._interaction(conv, "refusal", "deny",
                                                                     {"field": profile_field.value}))

    async def record_demo_request(self, conv: Conversation, kind: str) -> Lead:
        lead = await self.lead_for(conv)
        await self._store.mark_demo_requested(lead.id, self._clock.now())
        await self._store.add_interaction(lead.id, self._interaction(conv, "demo_request", kind, {"kind": kind}))
        return await self._engine.rescore(lead.id)

    async def record_meeting_time(self, conv: Conversation, when: str) -> None:  # "Thursday?" (meeting_time.py)
        note = self._interaction(conv, "meeting_time", None, {"when": when[:MAX_CHARS]})
        await self._store.add_interaction((await self.lead_for(conv)).id, note)

    async def set_consent(self, conv: Conversation, status: ConsentStatus, text: str) -> Lead:
        """Records the consent change; returns the lead as read before it."""
        lead = await self.lead_for(conv)
        await self._store.set_consent(lead.id, status, self._clock.now(), conv.channel.value, text)
        log.info("lead %s consent %s via %s", lead.id, status.value, conv.channel.value)
        if status is ConsentStatus.OPTED_OUT:
            await self._engine.exit_sequences(lead.id, "opted out")
        return lead

    async def privacy_request(self, conv: Conversation, text: str) -> PrivacyRight:
        """A request for erasure or a copy of one's data, made in chat (privacy_requests.py)."""
        right = privacy_right(text)
        lead = (await self.set_consent(conv, ConsentStatus.OPTED_OUT, text) if right is PrivacyRight.ERASE
                else await self.lead_for(conv))
        log.info("lead %s asked via %s: privacy request (%s)", lead.id, conv.channel.value, right.value)
        return right

    async def my_data(self, conv: Conversation) -> Disclosure:  # "what do you know about me?" (disclosure.py)
        return disclose(await self.lookup(conv), conv)

    async def claim(self, lead_id: str, owner: str) -> Lead:
        """A sales person takes the lead over: automated follow-ups stop (human hand-off)."""
        await self._store.get_lead(lead_id)
        await self._store.set_owner(lead_id, owner, self._clock.now())
        await self._engine.exit_sequences(lead_id, f"claimed by {owner}")
        log.info("lead %s claimed by sales", lead_id)
        return await self._store.get_lead(lead_id)

    async def not_a_fit(self, lead_id: str, by: str, feedback: str = "") -> Lead:
        """Sales marks the lead as not a fit: it is disqualified and the feedback is kept with its history."""
        note = Interaction(kind="sales_feedback", intent="not_a_fit", channel=Channel.SLACK, sender_id=by,
                           data={"feedback": feedback[:2000]}, at=self._clock.now())
        lead = await self._engine.disqualify(lead_id, f"not a fit (sales: {by})", note)
        log.info("lead %s disqualified by sales", lead_id)
        return lead

    async def followups(self, lead_id: str) -> list[FollowUp]:
        return await self._store.followups_of(lead_id)

    async def link_identity(self, conv: Conversation, web_sender_id: str) -> Lead | None:
        """Attach `conv` (a Telegram chat opened from a deep link) to the lead of web session `web_sender_id`: one
        lead, the richest profile kept, as for a shared email. None when that session has no lead (it never chatted)."""
        web = await self._store.lead_for_identity(Identity(channel=Channel.WEB, sender_id=web_sender_id))
        web = web or await self._store.lead_for_identity(Identity(channel=Channel.REST, sender_id=web_sender_id))
        if web is None:
            log.info("deep link on %s names a web session without a lead: nothing to link", conv.channel.value)
            return None
        lead = await self.lead_for(conv)
        if lead.id == web.id:
            return lead
        into, source = merge_order(web, lead)
        if await self._store.merge_leads(into.id, source.id, f"deep link from {conv.channel.value}", self._clock.now()):
            log.info("merged lead %s into %s (deep link from %s)", source.id, into.id, conv.channel.value)
        merged = await self._engine.merge_on_email(await self._store.get_lead(into.id))
        return await self._engine.rescore(merged.id)

    async def redeem_link(self, conv: Conversation, payload: str) -> Lead | None:
        """Verify a deep-link payload (signed with NURTURE_ACTION_TOKEN) and link its web session."""
        secret = self._settings.action_token
        web_sender_id = verify_link_payload(secret, payload) if secret else None
        if web_sender_id is None:
            log.warning("deep link on %s with an invalid payload ignored", conv.channel.value)
            return None
        return await self.link_identity(conv, web_sender_id)

    async def ingest(self, records: list[EventRecord], offset: Offset | None = None, *,
                     dedupe: bool = True) -> int:
        """Conversation events from Rasa's event broker: behaviour, score and stage."""
        return await self._engine.ingest(records, offset, dedupe=dedupe)

    async def event_offset(self, name: str) -> int:
        return await self._store.get_offset(name)

    async def save_offsets(self, offsets: Mapping[str, int]) -> None:
        at = self._clock.now()
        for name, position in offsets.items():
            await self._store.commit_ingest(IngestBatch(offset=Offset(name, position), at=at))

    async def snooze(self, alert_id: str, until: datetime) -> None:
        """Sales snoozed an alert: the alerter re-posts it at `until`; the lead itself is unchanged."""
        log.info("alert %s snoozed until %s", alert_id, until.isoformat())

    async def view(self, lead_id: str) -> LeadView:
        return await self._engine.view(lead_id)

    def _interaction(self, conv: Conversation, kind: str, intent: str | None, data: dict[str, JSONValue]
                     ) -> Interaction:
        return Interaction(kind=kind, intent=intent, channel=conv.channel, sender_id=conv.sender_id, data=data,
                           at=self._clock.now())

    async def profile_turn(self, conv: Conversation, turn: ProfileTurn) -> ProfileTurnResult:
        """Store the turn's answers (or refusal) and decide the next question of this visit (one lead read)."""
        lead = await self.lead_for(conv)
        answers, unanswered = new_answers(turn, self._clock.now())
        outcome = await self.record_answers(conv, answers, lead, asked=turn.requested) if answers else AnswerOutcome()
        lead = outcome.lead or lead
        refused: ProfileField | None = None
        if turn.requested is not None and turn.requested not in outcome.accepted and (turn.intent in REFUSAL_INTENTS
                or outcome.rejected.get(turn.requested) == WITHHELD or declines_all(turn.message)):
            refused = turn.requested
            await self.record_refusal(conv, refused, lead)
            lead = replace(lead, refused=lead.refused | {refused})
        # a second invalid reply to the same question in a visit, or one that answered other questions only ("founder"
        # to the use case): skipped this visit, no refusal (the next may ask); a question back is still answered
        requested = turn.requested
        missed = set(outcome.rejected) | ({unanswered} if unanswered else set())
        skipped = requested if requested in missed and requested in turn.visit.invalid else None
        invalid = {f: reason for f, reason in outcome.rejected.items()
                   if f not in (skipped, refused) or reason in PUT_TO_US}
        refused_visit = tuple(turn.visit.refused) + tuple(f for f in (refused, skipped) if f)
        stopped = refused is not None and declines_all(turn.message)  # "not interested": no more questions today
        refused_visit += tuple(f for f in ProfileField if f not in refused_visit) if stopped else ()
        known = turn.visit.known | frozenset(outcome.accepted)
        visit = VisitState(known=known - missed, asked=turn.visit.asked, refused=frozenset(refused_visit))
        plan = await self.plan(conv, visit, lead, send_info=asks_to_be_sent(turn.message or ""))
        next_field = plan[0] if plan else None
        asked = visit.asked + ((next_field,) if next_field and next_field not in visit.asked else ())
        slots: dict[ProfileField, JSONValue] = {**outcome.accepted, **{f: None for f in outcome.rejected}}
        if unanswered is not None:
            slots[unanswered] = None  # Rasa filled it with the whole message: cleared, so the form asks again
        order = list(ProfileField).index
        return ProfileTurnResult(slots=slots, invalid=invalid, refused=refused, skipped=skipped, next_field=next_field,
                                 asked=asked, refused_in_visit=tuple(sorted(set(refused_visit), key=order)),
                                 invalid_in_visit=tuple(sorted(turn.visit.invalid | missed, key=order)),
                                 known=visit.known, stage=lead.stage, stopped=stopped)

    # read side, for the admin API and CLI
    async def get_lead(self, lead_id: str) -> Lead:
        return await self._store.get_lead(lead_id)

    async def lookup(self, conv: Conversation) -> Lead | None:
        return await self._store.lead_for_identity(conv.identity)

    async def lookup_identity(self, identity: Identity) -> Lead | None:
        return await self._store.lead_for_identity(identity)

    async def list_leads(self, *, stage: str | None, q: str | None, limit: int, cursor: str | None) -> LeadPage:
        return await self._store.list_leads(stage=stage, q=q, limit=limit, cursor=cursor)

    async def interactions(self, lead_id: str) -> list[Interaction]:
        return await self._store.interactions(lead_id)
