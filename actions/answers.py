"""Product questions answered from the business facts in nurture.yml."""

from __future__ import annotations

from collections.abc import Collection

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from nurture_engine import connectors
from nurture_engine.config import Business
from nurture_engine.domain import ProfileField
from nurture_engine.misses import MissReply, asks_to_ask, miss_reply
from nurture_engine.next_steps import NextStep, contact_email, next_step
from nurture_engine.normalize import follow_up_subject, is_follow_up, is_question_back
from nurture_engine.privacy_requests import asks_of_security_only
from nurture_engine.quote import asks_price_too, money, quote, seats_in

from .off_topic import answer_off_topic
from .runtime import (
    MEETING_OFFERED,
    as_text,
    conversation,
    faq_answer,
    previous_turn,
    response_payload,
    said_in_session,
    say_english_only,
    service,
    session_events,
    store_asked_answer,
    uttered,
)

_RESPONSES = {
    "ask_pricing": "utter_pricing",
    "ask_features": "utter_features",
    "ask_integrations": "utter_integrations",
    "ask_privacy": "utter_privacy",
    "request_content": "utter_content",
    "ask_onboarding": "utter_onboarding",
}
NEXT_STEPS = {NextStep.CLAIMED: "utter_next_steps_claimed", NextStep.REQUESTED: "utter_next_steps_requested",
              NextStep.MEETING: "utter_next_steps_meeting", NextStep.EXPLORE: "utter_next_steps_explore",
              NextStep.OPTED_OUT: "utter_next_steps_opted_out"}
ASKED_AGAIN = {"utter_pricing": "utter_asked_again", "utter_features": "utter_asked_again_features",
               "utter_integrations": "utter_asked_again_integrations",
               "utter_onboarding": "utter_asked_again_onboarding", "utter_privacy": "utter_asked_again_privacy"}
"""The long answers from nurture.yml are said once per session; asked again ("hmm that's pricey", "do you integrate
with Zoho?" after the list), the visitor gets where to take it from there, on that topic, rather than the same
paragraph."""
FAQ_FIRST = frozenset({"utter_features", "utter_integrations", "utter_content", *ASKED_AGAIN.values()})
"""General answers that a matching FAQ entry replaces ("is there a mobile app?" read as a features question, "is
there a status page?" as a content request, "do you have a free plan?" after the pricing paragraph); a named
connector, and pricing, privacy and onboarding asked the first time, keep theirs."""
CONTENT_SHOWN = 3
"""Pieces of the content library a content request gets at once (nurture.yml order)."""


class ActionAnswerProduct(Action):
    def name(self) -> str:
        return "action_answer_product"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name") or ""
        text = as_text(tracker.latest_message.get("text")) or ""
        if intent == "ask_pricing" and connectors.named(text, (await service()).business.connectors):
            # "does it work with Pipedrive and what does it cost for 8 people?": until stop 34 the price alone
            await answer_product(dispatcher, tracker, "ask_integrations", domain)
        await answer_product(dispatcher, tracker, intent, domain)
        if intent != "ask_pricing" and asks_price_too(text):
            # "do you integrate with salesforce? and how much is it?": until stop 33 the price question was lost
            await answer_product(dispatcher, tracker, "ask_pricing", domain)
        return []


async def answer_product(dispatcher: CollectingDispatcher, tracker: Tracker, intent: str,
                         domain: DomainDict) -> None:
    """The answer to a product question of `intent` in the latest message's words."""
    svc = await service()
    facts = svc.business
    links = "; ".join(f"{item.title}: {item.url}" for item in svc.content[:CONTENT_SHOWN])
    response = _RESPONSES.get(intent, "utter_default")
    if response == "utter_onboarding" and not facts.onboarding:
        response = "utter_onboarding_ask_team"  # nurture.yml has no business.onboarding
    text = tracker.latest_message.get("text") or ""
    named = connectors.named(text, facts.connectors) if response == "utter_integrations" else []
    if named:  # "do you integrate with HubSpot?": a yes, not the whole list
        response = "utter_integrations_named"
    seats = seats_in(text) if response == "utter_pricing" and facts.plans else None
    if seats:  # "how much for 25 seats?": each plan's total for 25, asked first or again
        dispatcher.utter_message(response="utter_pricing_quote", seats=f"{seats:,}",
                                 quote=quote_text(domain, facts, seats), contact_email=facts.contact_email)
        return
    if response in ASKED_AGAIN and response in said_in_session(tracker):
        response = ASKED_AGAIN[response]
    elif response == "utter_pricing" and (specific := await faq_answer(tracker)):
        # "is there a discount for nonprofits?" got the prices alone until stop 30: the FAQ's answer, then them
        dispatcher.utter_message(response="utter_faq", answer=specific)
    answer = await faq_answer(tracker) if response in FAQ_FIRST else None
    if answer is not None:  # "does it have a mobile app?": the business's own answer, not the whole list
        dispatcher.utter_message(response="utter_faq", answer=answer)
        return
    if (response in FAQ_FIRST and is_follow_up(text, ProfileField.USE_CASE) and _answered_from_faq(tracker)
            and not in_features(follow_up_subject(text), facts.features)):  # "and deal-risk alerts?": a feature
        # "what about Gong?" after the comparison answer got the features paragraph until stop 30
        dispatcher.utter_message(response="utter_faq_follow_up", contact_email=facts.contact_email,
                                 meeting_link=facts.meeting_link)
        return
    if response == "utter_privacy" and facts.security:  # the product's security, then the visitor's own data
        dispatcher.utter_message(response="utter_security", security=facts.security)
        if asks_of_security_only(text):  # "are you SOC2?": nothing about the chat's own data
            return
    dispatcher.utter_message(
        response=response, company=facts.company, product=facts.product, onboarding=facts.onboarding,
        pricing=facts.pricing, features=facts.features, integrations=facts.integrations,
        privacy_url=facts.privacy_url, contact_email=facts.contact_email, meeting_link=facts.meeting_link,
        content_links=links, connectors=connectors.listed(named) if named else "")


def quote_text(domain: DomainDict, facts: Business, seats: int) -> str:
    """Each tier's price for `seats` users in the words of the domain's "utter_pricing_quote_parts"."""
    assert facts.plans is not None
    parts = response_payload(domain, "utter_pricing_quote_parts")
    currency, said = facts.plans.currency, []
    for line in quote(facts.plans, seats):
        template = parts.get(line.kind) or "{tier}: {total}"
        price = money(currency, line.tier.per_user_month or 0)
        said.append(template.format(tier=line.tier.name, total=money(currency, line.monthly), price=price,
                                    max_users=line.tier.max_users, min_users=line.tier.min_users))
    return (parts.get("separator") or "; ").join(said)


def in_features(subject: str | None, features: str) -> bool:
    """Whether a follow-up's subject is named in the features paragraph ("and deal-risk alerts?" after the lead
    routing answer got "that's all I have on it" until stop 34): a topic of its own, answered by that paragraph."""
    return bool(subject and subject.strip()) and bool(connectors.named(features, [str(subject)]))


def _answered_from_faq(tracker: Tracker) -> bool:
    """Whether the assistant's reply to the visitor's message before the latest one was an FAQ answer."""
    return replied_with(tracker, {"utter_faq"})


def replied_with(tracker: Tracker, responses: Collection[str]) -> bool:
    """Whether the assistant's reply to the visitor's message before the latest one said one of `responses`."""
    events = session_events(tracker)
    turn = previous_turn(events)
    return turn is not None and any(uttered(e) in responses for e in events[turn[0]:turn[1]])


SECOND_READING = 0.2
"""How sure the NLU must be of a product question it ranks second, for a message read as an answer that ends with
one ("I'm Dana from Acme, how much is it?": inform 0.72, ask_pricing 0.26), to be answered as well."""


def trailing_product_question(tracker: Tracker) -> str | None:
    """The product question a message read as an answer ends with, by the NLU's second reading, if any: until stop
    30 "I'm Dana from Acme, how much is it?" got "Nice to meet you, Dana." and the next question only."""
    message = tracker.latest_message
    text = str(message.get("text") or "").rstrip()
    ranking = message.get("intent_ranking") or []
    if (message.get("intent") or {}).get("name") != "inform" or not text.endswith("?") or len(ranking) < 2:
        return None
    second = ranking[1] if isinstance(ranking[1], dict) else {}
    name, confidence = second.get("name"), second.get("confidence")
    if name in _RESPONSES and isinstance(confidence, (int, float)) and confidence >= SECOND_READING:
        return str(name)
    return None


def last_product_question(tracker: Tracker) -> str | None:
    """The intent of the visitor's last product question in this session before the latest message, if any: "and
    Pipedrive?" goes on from "do you integrate with HubSpot?"."""
    users = [e for e in session_events(tracker) if e.get("event") == "user"][:-1]
    for event in reversed(users):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent in _RESPONSES:
            return str(intent)
    return None


TOOL_WORDS = 3
"""At most this many words name a tool in a follow-up ("what about MS Dynamics?")."""


def follow_up_on_integrations(tracker: Tracker) -> bool:
    """Whether the latest message asks about one more tool right after an integrations answer ("what about zoho?"
    after "do you integrate with Salesforce?", which the NLU reads as out of scope without the question before
    it)."""
    subject = follow_up_subject(as_text(tracker.latest_message.get("text")) or "")
    words = (subject or "").lower().split()
    if not words or len(words) > TOOL_WORDS or words[0] in NOT_A_TOOL:
        return False
    return replied_with(tracker, INTEGRATIONS_ANSWERS)


NOT_A_TOOL = frozenset({"the", "a", "an", "my", "your", "our", "you", "me", "us", "it", "that", "this", "these",
                        "those", "them", "him", "her", "today", "tomorrow", "tonight", "now", "later", "next", "lunch"})
"""First words of a follow-up that names no tool ("what about the weather?", "what about you?")."""
INTEGRATIONS_ANSWERS = frozenset({"utter_integrations", "utter_integrations_named", "utter_asked_again_integrations"})


class ActionAnswerNextSteps(Action):
    """ "What happens next?": answered from where the lead stands (a request made, a sales person on it, sales-ready,
    opted out, or just looking)."""

    def name(self) -> str:
        return "action_answer_next_steps"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        svc = await service()
        lead = await svc.lead_for(conversation(tracker))
        step, email = next_step(lead), contact_email(lead)
        response = NEXT_STEPS[step]
        if step is NextStep.REQUESTED and email is None:
            response = "utter_next_steps_requested_no_email"
        dispatcher.utter_message(response=response, email=email, meeting_link=svc.business.meeting_link,
                                 product=svc.business.product)
        # the meeting link was just given: the questions' closing words must not offer it again (stop 28 did)
        return [SlotSet(MEETING_OFFERED, True)] if step in LINK_GIVEN else []


LINK_GIVEN = frozenset({NextStep.REQUESTED, NextStep.MEETING})
"""The next steps whose answer gives the meeting link."""
MISS_REPLIES = {MissReply.OUT_OF_SCOPE: "utter_out_of_scope", MissReply.NOT_UNDERSTOOD: "utter_default",
                MissReply.OFFER_PERSON: "utter_offer_person",
                MissReply.UNANSWERED_QUESTION: "utter_unanswered_question"}


class ActionOutOfScope(Action):
    """A message the assistant cannot help with: in another language, that it speaks English only
    (nurture_engine/language.py); the business's FAQ answer when it names one's words (nurture_engine/faq.py), else
    what the assistant can do or a request to rephrase; at the second miss in a row, an offer of a person
    (nurture_engine/misses.py). An FAQ answer is no miss, nor is "can I ask a question?" (an invitation to ask)."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        if await say_english_only(dispatcher, tracker):  # "hallo, sprechen Sie Deutsch?"; a second one is a miss
            return []
        answer = await faq_answer(tracker)
        if answer is not None:
            dispatcher.utter_message(response="utter_faq", answer=answer)
            return []
        text = as_text(tracker.latest_message.get("text")) or ""
        if asks_to_ask(text):  # "can I still ask a question?"
            dispatcher.utter_message(response="utter_ask_away")
            return []
        if stored := await store_asked_answer(tracker):  # "yesterday" to the timeline question: nothing to say
            return list(stored)
        if (acted := await answer_off_topic(dispatcher, tracker, text)) is not None:  # "hi, I'm Jo", "this is useless"
            return acted
        if follow_up_on_integrations(tracker):  # "what about zoho?" after "do you integrate with Salesforce?"
            await answer_product(dispatcher, tracker, "ask_integrations", domain)
            return []
        ran: list[bool] = []  # per user message of this session: whether this action answered it ...
        answered: list[bool] = []  # ... and whether from the FAQ
        for event in session_events(tracker):
            kind = event.get("event")
            if kind == "user":
                ran.append(False)
                answered.append(False)
            elif kind == "action" and event.get("name") == self.name() and ran:
                ran[-1] = True
            elif uttered(event) in ("utter_faq", "utter_ask_away") and answered:
                answered[-1] = True
        missed = [r and not a for r, a in zip(ran, answered, strict=True)]
        intent = tracker.latest_message.get("intent", {}).get("name")
        reply = miss_reply(missed[:-1], intent, question=is_question_back(text))  # [-1]: this message
        dispatcher.utter_message(response=MISS_REPLIES[reply], contact_email=(await service()).business.contact_email)
        return []
