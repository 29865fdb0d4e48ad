""""What do you know about me?": only what this conversation gave is shown (nurture_engine/disclosure.py)."""

from __future__ import annotations

from datetime import datetime, timezone

from nurture_engine.conversation import Conversation
from nurture_engine.disclosure import MAX_SHOWN_CHARS, Disclosure, disclose, shown_value
from nurture_engine.domain import Channel, Consent, ConsentStatus, FieldValue, Identity, Lead, ProfileField, Stage
from nurture_engine.testing import memory_service

AT = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
WEB = Conversation(channel=Channel.WEB, sender_id="web-1")
TELEGRAM = Conversation(channel=Channel.TELEGRAM, sender_id="4242")


def fact(field: ProfileField, value: object, raw: str, conversation_id: str = "web-1") -> FieldValue:
    return FieldValue(field=field, value=value, raw=raw, conversation_id=conversation_id, at=AT)  # type: ignore[arg-type]


def lead(*facts: FieldValue, identities: tuple[Identity, ...] = (WEB.identity,)) -> Lead:
    return Lead(id="L1", stage=Stage.ENGAGED, score=0.0, consent=Consent(status=ConsentStatus.UNKNOWN),
                created_at=AT, profile={f.field: f for f in facts}, identities=identities)


def test_values_are_shown_as_the_visitor_would_recognise_them() -> None:
    assert shown_value(fact(ProfileField.NAME, "Dana Whitfield", "I'm Dana Whitfield")) == "Dana Whitfield"
    role = fact(ProfileField.ROLE, {"title": "Head of Growth", "seniority": "director"}, "head of growth")
    assert shown_value(role) == "Head of Growth"
    size = fact(ProfileField.COMPANY_SIZE, {"min": 40, "max": 40}, "about  40\npeople")
    assert shown_value(size) == "about 40 people"
    volunteered = fact(ProfileField.COMPANY_SIZE, {"min": 200, "max": 200}, "a 200 person")  # of "a 200 person firm"
    assert shown_value(volunteered) == "200 people"
    assert shown_value(fact(ProfileField.COMPANY_SIZE, {"min": 10, "max": 50}, "10-50")) == "10 to 50 people"
    assert shown_value(fact(ProfileField.COMPANY_SIZE, {"min": 1000, "max": None}, "1000+")) == "1,000+ people"
    assert shown_value(fact(ProfileField.COMPANY_SIZE, {"min": 1, "max": 99}, "a startup")) == "a startup"
    long = shown_value(fact(ProfileField.USE_CASE, "forecasting " * 20, "forecasting " * 20))
    assert len(long) == MAX_SHOWN_CHARS and long.endswith("…")


def test_only_this_conversations_facts_are_shown_in_the_profiles_order() -> None:
    found = disclose(lead(fact(ProfileField.COMPANY, "Kestrel Labs", "Kestrel Labs"),
                          fact(ProfileField.NAME, "Dana Whitfield", "Dana Whitfield"),
                          fact(ProfileField.EMAIL, "dana@kestrel.example", "dana@kestrel.example", "4242"),
                          identities=(WEB.identity, TELEGRAM.identity)), WEB)
    assert found == Disclosure(facts=((ProfileField.NAME, "Dana Whitfield"), (ProfileField.COMPANY, "Kestrel Labs")),
                               elsewhere=1)


def test_nothing_is_shown_without_a_lead_or_for_someone_elses() -> None:
    assert disclose(None, WEB) == Disclosure()
    someone_else = lead(fact(ProfileField.NAME, "Dana Whitfield", "Dana Whitfield"), identities=(TELEGRAM.identity,))
    assert disclose(someone_else, WEB) == Disclosure()


async def test_a_lead_merged_on_a_typed_email_shows_only_what_this_chat_said() -> None:
    """Typing someone's email merges the two leads (one person across channels); asking "what do you know about
    me?" afterwards must not read out what the other chat gave."""
    svc, _, _ = memory_service()
    await svc.record_answers(TELEGRAM, {ProfileField.NAME: "Dana Whitfield", ProfileField.COMPANY: "Kestrel Labs",
                                        ProfileField.EMAIL: "dana@kestrel.example"})
    await svc.record_answers(WEB, {ProfileField.EMAIL: "dana@kestrel.example"})
    shown = await svc.my_data(WEB)
    assert shown == Disclosure(facts=(), elsewhere=3)  # the email kept is the other chat's, as first given
    assert (await svc.my_data(TELEGRAM)).facts == ((ProfileField.NAME, "Dana Whitfield"),
                                                   (ProfileField.EMAIL, "dana@kestrel.example"),
                                                   (ProfileField.COMPANY, "Kestrel Labs"))
