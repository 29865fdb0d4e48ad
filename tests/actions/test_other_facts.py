"""A free-text question answered with other facts instead: the facts are kept and acknowledged, the question
asked again once, then left for another visit (not counted as a refusal)."""

from __future__ import annotations

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.profiling import ACKNOWLEDGEMENTS, ValidateProfileForm
from nurture_engine.domain import ProfileField
from nurture_engine.profiling import Acknowledgement
from nurture_engine.service import NurtureService
from nurture_engine.testing import PROJECT_ROOT

from .test_actions import CONV, DOMAIN, responses, tracker
from .test_demo_form import bot


async def test_a_question_answered_with_other_facts_is_asked_again(service: NurtureService) -> None:
    """Rasa fills the asked slot with the whole message; the form clears it (no "invalid" reply), says the facts
    the message did give are noted, keeps them, and asks again."""
    text = "I lead revenue operations at a company of 300 people"
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text=text,
                new_slots={"use_case": text, "role": "lead revenue operations", "company_size": "300 people"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert SlotSet("use_case", None) in events
    assert SlotSet("company_size", {"min": 300, "max": 300}) in events
    assert events[-1] == SlotSet("requested_slot", "use_case")
    assert responses(dispatcher) == ["utter_noted"]
    lead = await service.lead_for(CONV)
    assert ProfileField.USE_CASE not in lead.profile and ProfileField.ROLE in lead.profile
    again = CollectingDispatcher()  # and once more: the question is left for another visit, not "refused"
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"],
                       "profile_invalid": [f.value for f in ProfileField]}, text="we're Globex",
                new_slots={"use_case": "we're Globex", "company": "Globex"})
    events = await ValidateProfileForm().run(again, t, DOMAIN)
    assert responses(again)[0] == "utter_noted_skip" and SlotSet("company", "Globex") in events


async def test_an_answer_given_as_a_synonym_is_not_taken_for_the_asked_question(service: NurtureService) -> None:
    """"I'm the CRO" to "what would you like help with?": the role entity's value is the synonym "Chief Revenue
    Officer"; the words as typed ("CRO") are what the message held, so it does not answer the use case."""
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text="I'm the CRO",
                new_slots={"use_case": "I'm the CRO", "role": "Chief Revenue Officer"})
    t.latest_message["entities"] = [{"entity": "role", "value": "Chief Revenue Officer", "start": 8, "end": 11}]
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert SlotSet("use_case", None) in events and responses(dispatcher) == ["utter_noted"]
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile


async def test_facts_given_instead_of_a_parsed_answer_are_acknowledged_before_asking_again(
        service: NurtureService) -> None:
    """"we want to automate lead routing" to "when are you hoping to have this in place?": the use case is kept and
    said to be noted, then the timing is asked for again."""
    t = tracker(slots={"requested_slot": "timeline", "profile_asked": ["use_case", "timeline"]},
                text="we want to automate lead routing",
                new_slots={"timeline": "we want to automate lead routing", "use_case": "automate lead routing"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_noted", "utter_invalid_timeline"]
    assert SlotSet("use_case", "automate lead routing") in events and events[-1] == SlotSet("requested_slot",
                                                                                         "timeline")


async def test_other_facts_given_to_a_parsed_question_are_acknowledged_before_the_next_question(
        service: NurtureService) -> None:
    """"budget is about 80k per year" to the timeline question: no timeline in it, so Rasa fills nothing for it;
    the budget is stored and noted, and the form goes on."""
    t = tracker(slots={"requested_slot": "timeline", "profile_asked": ["use_case", "timeline"]},
                text="budget is about 80k per year", new_slots={"budget": "about 80k per year"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher)[0] == "utter_noted"
    assert ProfileField.BUDGET in (await service.lead_for(CONV)).profile and events[-1]["name"] == "requested_slot"


async def test_of_two_companies_read_in_one_message_the_named_one_is_stored(service: NurtureService) -> None:
    """"Tom here, VP of Sales at Wayne Enterprises. We have 2,000 staff": the NLU read the companies "Wayne
    Enterprises" and "We", and Rasa filled the slot with the last."""
    text = "Hello! Tom here, VP of Sales at Wayne Enterprises. We have 2,000 staff."
    t = tracker(slots={}, text=text, new_slots={"company": "We", "name": "Tom"}, active_loop=None)
    t.latest_message["entities"] = [{"entity": "name", "value": "Hello"}, {"entity": "name", "value": "Tom"},
                                    {"entity": "company", "value": "Wayne Enterprises"},
                                    {"entity": "company", "value": "We"}]
    await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    profile = (await service.lead_for(CONV)).profile
    assert profile[ProfileField.COMPANY].value == "Wayne Enterprises" and profile[ProfileField.NAME].value == "Tom"


async def test_a_question_back_is_answered_as_such_and_the_question_asked_again(service: NurtureService) -> None:
    """"what happens next?" read as nlu_fallback, to "what would you like help with?": Rasa fills the use case with
    the whole message. It is no use case: the assistant says so (the domain's `utter_invalid_question`, for any
    field) and asks again."""
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, intent="nlu_fallback",
                text="what happens next?", new_slots={"use_case": "what happens next?"})
    dispatcher = CollectingDispatcher()
    domain = {**DOMAIN, "responses": {**DOMAIN["responses"], "utter_invalid_question": [{"text": "x"}]}}
    events = await ValidateProfileForm().run(dispatcher, t, domain)
    assert responses(dispatcher) == ["utter_invalid_question"]
    assert SlotSet("use_case", None) in events and events[-1] == SlotSet("requested_slot", "use_case")
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile


async def test_a_question_back_that_the_faq_answers_gets_that_answer(service: NurtureService) -> None:
    """"is there a mobile app?", asked back to "what would you like help with?": nurture.yml's FAQ answers it in
    place of "not one I can answer here", and the question is asked again."""
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, intent="nlu_fallback",
                text="is there a mobile app?", new_slots={"use_case": "is there a mobile app?"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and message["answer"].startswith("Yes: Pipewise has iOS")
    assert SlotSet("use_case", None) in events and events[-1] == SlotSet("requested_slot", "use_case")
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile


async def test_a_question_back_as_the_second_miss_is_answered_and_the_next_question_asked(
        service: NurtureService) -> None:
    """"who else uses this?" after "👍" to the timeline question got "No problem, let's skip that one." and no
    answer until stop 30."""
    t = tracker(slots={"requested_slot": "timeline", "profile_asked": ["use_case", "timeline"],
                       "profile_invalid": ["timeline"], "use_case": "x"},
                intent="inform", text="who else uses this?", new_slots={"timeline": "who else uses this?"})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_faq" and message["answer"].startswith("Over 400 revenue teams")
    assert events[-1] != SlotSet("requested_slot", "timeline")  # skipped for this visit: on to the next


async def test_a_question_to_the_demo_email_question_is_answered_as_one(service: NurtureService) -> None:
    """"do you have customers in healthcare?", said to "what's the best email?", got "that doesn't look like an
    email address" until stop 25: the FAQ's answer now, or "not one I can answer here" without one."""
    from actions.handoff import ValidateDemoForm

    replies = []
    for text in ("do you have customers in healthcare?", "why do you need my email?"):
        t = tracker(slots={"requested_slot": "email"}, new_slots={"email": text}, intent="nlu_fallback", text=text,
                    active_loop="demo_form")
        dispatcher = CollectingDispatcher()
        domain = {**DOMAIN, "responses": {**DOMAIN["responses"], "utter_invalid_question": [{"text": "x"}]}}
        assert await ValidateDemoForm().run(dispatcher, t, domain) == [SlotSet("email", None)]
        replies.append(dispatcher.messages)
    [[faq_reply], [plain]] = replies
    assert faq_reply["response"] == "utter_faq" and faq_reply["answer"].startswith("Over 400 revenue teams")
    assert plain["response"] == "utter_invalid_question"


def test_every_acknowledgement_has_a_response() -> None:
    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "profiling.yml").read_text())
    assert set(ACKNOWLEDGEMENTS) == set(Acknowledgement)
    assert set(ACKNOWLEDGEMENTS.values()) <= set(domain["responses"])


async def test_a_number_no_question_takes_after_the_questions_is_not_noted(service: NurtureService) -> None:
    """"not sure, maybe 80?" after the visit's questions: nothing is kept, and until stop 27 the assistant said
    "Thanks, noted."; it says what would place the number now."""
    done = {"profile_asked": ["use_case", "role", "company_size"], "profile_thanked": True, "use_case": "x",
            "role": {"title": "CTO", "seniority": "c_level"}, "company_size": {"min": 450, "max": 450}}
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(slots=done, text="not sure, maybe 80?"), DOMAIN)
    assert responses(dispatcher) == ["utter_number_unplaced"] and events[-1] == SlotSet("requested_slot", None)
    said = CollectingDispatcher()  # a statement with no number is still acknowledged
    await ValidateProfileForm().run(said, tracker(slots=done, text="just having a look around"), DOMAIN)
    assert responses(said) == ["utter_noted"]


async def test_contact_details_given_to_a_free_text_question_are_no_answer_to_it(service: NurtureService) -> None:
    """To "what's your role?": "my email is bob@globex.com" was the role "My Email Is Bob@globex.com" and "my email
    is bob at globex dot com" the role "My Email Is Bob" until stop 29. Each keeps the email (noted, the role asked
    again): the second asked for the address in full until stop 33."""
    domain = {**DOMAIN, "responses": {**DOMAIN["responses"], "utter_invalid_address": [{"text": "x"}]}}
    slots = {"requested_slot": "role", "profile_asked": ["use_case", "role"], "use_case": "forecasting"}
    text = "my email is bob@globex.com"
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(
        slots=slots, text=text, new_slots={"role": text, "email": "bob@globex.com"}), domain)
    assert SlotSet("email", "bob@globex.com") in events and SlotSet("role", None) in events
    assert responses(dispatcher) == ["utter_noted"] and events[-1] == SlotSet("requested_slot", "role")
    text = "my email is bob at globex dot com"
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(slots=slots, text=text, new_slots={"role": text}),
                                             domain)
    assert SlotSet("role", None) in events and responses(dispatcher) == ["utter_noted"]
    assert SlotSet("email", "bob@globex.com") in events and events[-1] == SlotSet("requested_slot", "role")
    assert ProfileField.ROLE not in (await service.lead_for(CONV)).profile


async def test_a_product_question_ending_an_answer_is_answered_too(service: NurtureService) -> None:
    text = "I'm Dana from Acme, how much is it?"
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, text=text,
                new_slots={"use_case": text, "name": "Dana", "company": "Acme"})
    t.latest_message["intent_ranking"] = [{"name": "inform", "confidence": 0.72},
                                          {"name": "ask_pricing", "confidence": 0.26}]
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher)[-1] == "utter_pricing"
    assert (await service.lead_for(CONV)).profile[ProfileField.COMPANY].value == "Acme"


async def test_an_objection_to_a_question_gets_the_faqs_answer_and_the_question_again(
        service: NurtureService) -> None:
    """"it's too expensive for us", said to "what's your role on the team?", was stored as the role "It's Too
    Expensive" until stop 31; "we already use Clari" to the use-case question as the use case."""
    cases = [("role", "it's too expensive for us", "Fair point: it has to pay for itself"),
             ("use_case", "we already use Clari", "Pipewise is not a CRM")]
    for field, text, answer in cases:
        asked = ["use_case", "role"] if field == "role" else ["use_case"]
        t = tracker(slots={"requested_slot": field, "profile_asked": asked, **({"use_case": "x"} if field == "role"
                                                                              else {})},
                    intent="inform", text=text, new_slots={field: text})
        dispatcher = CollectingDispatcher()
        events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
        [message] = dispatcher.messages
        assert message["response"] == "utter_faq" and message["answer"].startswith(answer), message
        assert SlotSet(field, None) in events and events[-1] == SlotSet("requested_slot", field)
        assert ProfileField(field) not in (await service.lead_for(CONV)).profile


async def test_an_objection_the_faq_does_not_answer_gets_the_domains_reply(service: NurtureService) -> None:
    """No FAQ entry names "happy with": the domain's general reply to an objection, then the question again."""
    text = "well we're happy with Clari"
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"], "use_case": "x"},
                intent="inform", text=text, new_slots={"role": text})
    dispatcher = CollectingDispatcher()
    domain = {**DOMAIN, "responses": {**DOMAIN["responses"], "utter_invalid_objection": [{"text": "x"}]}}
    events = await ValidateProfileForm().run(dispatcher, t, domain)
    assert responses(dispatcher) == ["utter_invalid_objection"] and events[-1] == SlotSet("requested_slot", "role")
    domain_file = yaml.safe_load((PROJECT_ROOT / "bot" / "domain" / "profiling.yml").read_text())
    assert "utter_invalid_objection" in domain_file["responses"]


async def test_a_request_to_be_sent_information_gets_the_reading_and_the_email_question(
        service: NurtureService) -> None:
    """"ok cool. can you email me more info?" to the use-case question was stored as the use case until stop 31."""
    text = "ok cool. can you email me more info?"
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]}, intent="nlu_fallback",
                text=text, new_slots={"use_case": text})
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_content" and "forecasting" in message["content_links"]
    assert SlotSet("use_case", None) in events and events[-1] == SlotSet("requested_slot", "email")
    assert ProfileField.USE_CASE not in (await service.lead_for(CONV)).profile


async def test_slots_rasa_validates_again_after_a_digression_get_no_thanks(service: NurtureService) -> None:
    """"what's your privacy policy?" after the visit's questions got the privacy answer and then "Thanks, noted.":
    Rasa ran the form again after the answer and passed it the slots filled earlier (make run, stop 33)."""
    done = {"profile_asked": ["use_case", "role", "company_size"], "profile_thanked": True, "use_case": "x",
            "role": {"title": "CTO", "seniority": "c_level"}, "company_size": {"min": 450, "max": 450},
            "timeline": "Q3 next year"}
    events = [{"event": "session_started"}, bot("utter_greet"),
              {"event": "user", "text": "what's your privacy policy?", "input_channel": "socketio",
               "parse_data": {"intent": {"name": "ask_privacy"}}},
              {"event": "action", "name": "action_answer_product"}, bot("utter_privacy"),
              {"event": "action", "name": "profile_form"}]
    t = Tracker.from_dict({"sender_id": "visitor", "slots": done, "events": events,
                           "active_loop": {"name": "profile_form"}, "latest_input_channel": "socketio",
                           "latest_message": {"intent": {"name": "ask_privacy"}, "text": "what's your privacy policy?",
                                              "entities": []}})
    dispatcher = CollectingDispatcher()
    result = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert "utter_noted" not in responses(dispatcher) and result[-1] == SlotSet("requested_slot", None)
