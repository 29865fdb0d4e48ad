"""Actions against the in-memory engine: rasa-sdk trackers in, events and response names out."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import runtime
from actions.answers import ActionAnswerProduct
from actions.consent import ActionOptOut
from actions.profiling import ActionExplainField, ValidateProfileForm
from actions.session import ActionSessionStart
from nurture_engine.domain import Channel, ConsentStatus, ProfileField
from nurture_engine.service import Conversation, NurtureService
from nurture_engine.testing import memory_service, with_business

DOMAIN: dict[str, Any] = {"responses": {"utter_invalid_email_missing_at": [{"text": "x"}],
                                        "utter_invalid_email": [{"text": "x"}]},
                          "forms": {"profile_form": {"required_slots": [f.value for f in ProfileField
                                                                        if f is not ProfileField.PHONE]}}}
CONV = Conversation(channel=Channel.WEB, sender_id="visitor")


def tracker(*, slots: dict[str, Any] | None = None, intent: str = "inform", text: str = "",
            new_slots: dict[str, Any] | None = None, active_loop: str | None = "profile_form",
            first_message: bool = False) -> Tracker:
    """A session with the latest user turn; unless `first_message`, the assistant has spoken before it."""
    events: list[dict[str, Any]] = [{"event": "session_started"}]
    if not first_message:
        events.append({"event": "bot", "text": "Hi there!", "metadata": {"utter_action": "utter_greet"}})
    events.append({"event": "user", "text": text, "parse_data": {"intent": {"name": intent}},
                   "input_channel": "socketio"})
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    all_slots = {**(slots or {}), **(new_slots or {})}
    return Tracker.from_dict({"sender_id": "visitor", "slots": all_slots, "events": events,
                              "latest_message": {"intent": {"name": intent}, "text": text, "entities": []},
                              "latest_input_channel": "socketio",
                              "active_loop": {"name": active_loop} if active_loop else {}})


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [m["response"] for m in dispatcher.messages]


async def test_form_asks_first_field_on_activation(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(intent="greet"), DOMAIN)
    assert events == [SlotSet("profile_asked", ["use_case"]), SlotSet("requested_slot", "use_case")]


async def test_form_stores_an_answer_and_asks_the_next_field(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]},
                new_slots={"use_case": "forecast our pipeline"}, text="forecast our pipeline")
    events = await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    assert SlotSet("use_case", "forecast our pipeline") in events
    assert events[-1] == SlotSet("requested_slot", "role")
    lead = await service.lead_for(CONV)
    assert lead.profile[ProfileField.USE_CASE].value == "forecast our pipeline"


async def test_invalid_email_is_reasked_with_the_reason(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(slots={"requested_slot": "email", "profile_asked": ["email"]},
                new_slots={"email": "ana at globex"}, text="ana at globex")
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert SlotSet("email", None) in events
    assert events[-1] == SlotSet("requested_slot", "email")
    assert responses(dispatcher) == ["utter_invalid_email_missing_at"]
    assert SlotSet("profile_invalid", ["email"]) in events


async def test_a_second_invalid_answer_skips_the_question_for_this_visit(service: NurtureService) -> None:
    """No loop: "I'm just a student" to the head-count question is re-asked once, then left for another visit
    (not recorded as a refusal)."""
    asked = {"requested_slot": "company_size", "profile_asked": ["use_case", "role", "company_size"],
             "use_case": "x", "role": {"title": "Student", "seniority": "student"}}
    first = CollectingDispatcher()
    events = await ValidateProfileForm().run(first, tracker(
        slots=asked, new_slots={"company_size": "I'm just a student"}, text="I'm just a student"), DOMAIN)
    assert responses(first) == ["utter_invalid_company_size"]
    assert events[-1] == SlotSet("requested_slot", "company_size")
    assert SlotSet("profile_invalid", ["company_size"]) in events
    second = CollectingDispatcher()
    events = await ValidateProfileForm().run(second, tracker(
        slots={**asked, "profile_invalid": ["company_size"]}, new_slots={"company_size": "none, I'm at university"},
        text="none, I'm at university"), DOMAIN)
    assert responses(second) == ["utter_refusal_ok", "utter_profile_thanks"]  # and the visit's questions end
    assert SlotSet("company_size", None) in events
    assert SlotSet("profile_refused", ["company_size"]) in events
    assert events[-1] == SlotSet("requested_slot", None)  # this visit's three questions are done
    lead = await service.lead_for(CONV)
    assert ProfileField.COMPANY_SIZE not in lead.refused  # another visit may ask again


async def test_a_digression_changes_nothing_so_rasa_rejects_the_form(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"], "use_case": "x"},
                intent="ask_pricing", text="how much is it?")
    events = await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    assert events == [SlotSet("requested_slot", "role")]


async def test_budget_ends_the_form(service: NurtureService) -> None:
    t = tracker(slots={"requested_slot": "company_size", "profile_asked": ["use_case", "role", "company_size"],
                       "use_case": "x", "role": {"title": "CTO", "seniority": "c_level"}},
                new_slots={"company_size": "about 450 people"}, text="about 450 people")
    events = await ValidateProfileForm().run(CollectingDispatcher(), t, DOMAIN)
    assert SlotSet("company_size", {"min": 450, "max": 450}) in events
    assert events[-1] == SlotSet("requested_slot", None)


async def test_session_start_loads_the_known_profile(service: NurtureService) -> None:
    await service.record_answers(CONV, {ProfileField.EMAIL: "ana@globex.com"})
    events = await ActionSessionStart().run(CollectingDispatcher(), tracker(active_loop=None), DOMAIN)
    assert {"event": "slot", "timestamp": None, "name": "email", "value": "ana@globex.com"} in events
    assert SlotSet("returning", True) in events


async def test_explain_uses_the_requested_field(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionExplainField().run(dispatcher, tracker(slots={"requested_slot": "budget"}, intent="explain"), DOMAIN)
    assert responses(dispatcher) == ["utter_explain_budget"]


async def test_a_question_read_as_why_do_you_ask_that_the_faq_answers_gets_that_answer(
        service: NurtureService) -> None:
    """"who is it for?" got "Knowing what you want to improve lets me show you..." until stop 31."""
    for slots, loop in (({"requested_slot": "use_case"}, "profile_form"), ({}, None)):
        dispatcher = CollectingDispatcher()
        await ActionExplainField().run(dispatcher, tracker(slots=slots, intent="explain", text="who is it for?",
                                                           active_loop=loop), DOMAIN)
        [message] = dispatcher.messages
        assert message["response"] == "utter_faq" and message["answer"].startswith("Over 400 revenue teams")
    dispatcher = CollectingDispatcher()
    await ActionExplainField().run(dispatcher, tracker(intent="explain", text="why?", active_loop=None), DOMAIN)
    assert responses(dispatcher) == ["utter_explain_general"]


async def test_pricing_answer_comes_from_nurture_yml(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_pricing", active_loop=None), DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_pricing"
    assert message["pricing"] == service.business.pricing


async def test_a_content_request_gets_the_librarys_links_at_once(service: NurtureService) -> None:
    """No "leave me your email and I'll send them": the library's titles and links, in the chat."""
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, tracker(intent="request_content", active_loop=None), DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_content"
    assert message["content_links"] == "; ".join(f"{c.title}: {c.url}" for c in service.content[:3])
    assert service.content and all(c.url in message["content_links"] for c in service.content[:3])


async def test_a_privacy_question_is_told_where_to_ask_for_a_copy_or_deletion(service: NurtureService) -> None:
    """The product's security (nurture.yml's business.security) first: "are you SOC 2 compliant?" is asked of the
    product, not of the chat; then the visitor's own data."""
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_privacy", active_loop=None), DOMAIN)
    security, message = dispatcher.messages
    assert (security["response"], security["security"]) == ("utter_security", service.business.security)
    assert "SOC 2" in service.business.security
    assert message["response"] == "utter_privacy"
    assert (message["contact_email"], message["privacy_url"]) == (service.business.contact_email,
                                                                  service.business.privacy_url)


async def test_an_integration_question_naming_tools_gets_a_yes_for_them(service: NurtureService) -> None:
    """"do you integrate with HubSpot?" got the whole list, for the visitor to find HubSpot in, until stop 24."""
    dispatcher = CollectingDispatcher()
    text = "do you integrate with hubspot and Slack?"
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_integrations", text=text, active_loop=None), DOMAIN)
    [message] = dispatcher.messages
    assert (message["response"], message["connectors"]) == ("utter_integrations_named", "HubSpot and Slack")
    dispatcher = CollectingDispatcher()
    text = "do you integrate with Zoho?"
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_integrations", text=text, active_loop=None), DOMAIN)
    [message] = dispatcher.messages
    assert (message["response"], message["integrations"]) == ("utter_integrations", service.business.integrations)


async def test_a_question_about_the_products_security_only_gets_the_security_answer(service: NurtureService) -> None:
    """"are you SOC2?" got what the chat keeps of the visitor's data as well until stop 30."""
    for text, said in [("also what about security? are you SOC2?", ["utter_security"]),
                       ("is the data encrypted?", ["utter_security"]),
                       ("how secure is my data?", ["utter_security", "utter_privacy"]),
                       ("what do you do with my data?", ["utter_security", "utter_privacy"])]:
        dispatcher = CollectingDispatcher()
        t = tracker(intent="ask_privacy", text=text, active_loop=None)
        await ActionAnswerProduct().run(dispatcher, t, DOMAIN)
        assert [m["response"] for m in dispatcher.messages] == said, text


async def test_without_a_security_fact_only_the_privacy_answer_is_given(service: NurtureService) -> None:
    runtime.install_service(memory_service(with_business(security=""))[0])
    dispatcher = CollectingDispatcher()
    await ActionAnswerProduct().run(dispatcher, tracker(intent="ask_privacy", active_loop=None), DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == ["utter_privacy"]


async def test_opt_out_is_recorded(service: NurtureService) -> None:
    await ActionOptOut().run(CollectingDispatcher(), tracker(intent="opt_out", text="STOP", active_loop=None), DOMAIN)
    lead = await service.lead_for(CONV)
    assert lead.consent.status is ConsentStatus.OPTED_OUT


async def test_the_turn_that_ends_the_questions_thanks_and_offers_a_sales_ready_lead_the_meeting(
        service: NurtureService) -> None:
    await service.record_answers(CONV, {ProfileField.EMAIL: "ana@globex.com"})
    await service.record_demo_request(CONV, "request_demo")
    known = {"requested_slot": "company_size", "profile_asked": ["use_case", "role", "company_size"],
             "use_case": "x", "role": {"title": "CTO", "seniority": "c_level"}, "email": "ana@globex.com"}
    dispatcher = CollectingDispatcher()
    t = tracker(slots=known, new_slots={"company_size": "about 450 people"}, text="about 450 people")
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == ["utter_profile_thanks", "utter_offer_meeting"]
    assert dispatcher.messages[1]["meeting_link"] == service.business.meeting_link
    assert SlotSet("profile_thanked", True) in events and SlotSet("meeting_offered", True) in events
    assert events[-1] == SlotSet("requested_slot", None)  # the form ends with this turn
    # a later visit that ends its questions: thanked and offered before, so neither is said twice; the answer is
    # acknowledged (not silence)
    again = CollectingDispatcher()
    t = tracker(slots={**known, "profile_thanked": True, "meeting_offered": True},
                new_slots={"company_size": "about 450 people"}, text="about 450 people")
    events = await ValidateProfileForm().run(again, t, DOMAIN)
    assert responses(again) == ["utter_noted"]
    assert events[-1] == SlotSet("requested_slot", None)


async def test_no_closing_words_while_questions_remain(service: NurtureService) -> None:
    dispatcher = CollectingDispatcher()
    t = tracker(slots={"requested_slot": "use_case", "profile_asked": ["use_case"]},
                new_slots={"use_case": "forecast our pipeline"}, text="forecast our pipeline")
    events = await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher) == []
    assert not any(e["name"] in ("profile_thanked", "meeting_offered") for e in events)


async def test_the_demo_form_validates_the_email_like_the_profile(service: NurtureService) -> None:
    from actions.handoff import ValidateDemoForm

    dispatcher = CollectingDispatcher()
    bad = tracker(slots={"requested_slot": "email"}, new_slots={"email": "lena at hooli"}, active_loop="demo_form")
    assert await ValidateDemoForm().run(dispatcher, bad, DOMAIN) == [SlotSet("email", None)]
    assert responses(dispatcher) == ["utter_invalid_email_missing_at"]
    good = tracker(slots={"requested_slot": "email"}, new_slots={"email": "Lena@Hooli.io"}, active_loop="demo_form")
    assert await ValidateDemoForm().run(CollectingDispatcher(), good, DOMAIN) == [SlotSet("email", "lena@hooli.io")]


async def test_facts_volunteered_outside_a_form_are_stored(service: NurtureService) -> None:
    from actions.profiling import ValidateSlotMappings

    t = tracker(new_slots={"company": "Globex", "email": "not an email"}, active_loop=None)
    events = await ValidateSlotMappings().run(CollectingDispatcher(), t, DOMAIN)
    assert SlotSet("company", "Globex") in events and SlotSet("email", None) in events
    assert (await service.lead_for(CONV)).profile[ProfileField.COMPANY].value == "Globex"
    inside = tracker(new_slots={"company": "Initech"}, active_loop="profile_form")
    assert await ValidateSlotMappings().run(CollectingDispatcher(), inside, DOMAIN) == []


async def test_facts_given_after_the_visits_questions_are_acknowledged(service: NurtureService) -> None:
    """The form is started by a fact given after the visit's three questions: nothing left to ask, the thanks
    already said, so the fact is acknowledged rather than met with silence."""
    done = {"profile_asked": ["use_case", "role", "company_size"], "profile_thanked": True, "use_case": "x",
            "role": {"title": "CTO", "seniority": "c_level"}, "company_size": {"min": 450, "max": 450}}
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(
        slots=done, new_slots={"email": "kim@globex.com"}, text="my email is kim@globex.com"), DOMAIN)
    assert responses(dispatcher) == ["utter_noted"]
    assert SlotSet("email", "kim@globex.com") in events and events[-1] == SlotSet("requested_slot", None)


async def test_a_demo_request_stores_the_facts_it_came_with(service: NurtureService) -> None:
    """"CRO at Pinecrest, about 800 employees, budget $60k a year, demo please": the NLU's entities and the size
    and budget stated in passing are stored; a fact that is unclear is dropped without a re-ask, as only the
    email was asked for."""
    from actions.handoff import ValidateDemoForm

    text = "CRO at Pinecrest, about 800 employees, budget is $60k a year. Demo please"
    t = tracker(intent="request_demo", text=text, active_loop="demo_form",
                new_slots={"role": "CRO", "company": "Pinecrest", "timeline": "at some point"})
    dispatcher = CollectingDispatcher()
    events = await ValidateDemoForm().run(dispatcher, t, DOMAIN)
    assert SlotSet("company_size", {"min": 800, "max": 800}) in events
    assert SlotSet("budget", {"amount": 60000, "max": None, "currency": "USD", "period": "year"}) in events
    assert SlotSet("timeline", None) in events and responses(dispatcher) == []
    lead = await service.lead_for(CONV)
    f = ProfileField
    assert {f.ROLE, f.COMPANY, f.COMPANY_SIZE, f.BUDGET} <= set(lead.profile)


async def test_facts_said_in_passing_outside_a_form_are_stored_as_slots(service: NurtureService) -> None:
    from actions.profiling import ValidateSlotMappings

    t = tracker(intent="ask_pricing", text="we're about 300 people and want to buy next quarter, what does it cost?",
                active_loop=None)
    events = await ValidateSlotMappings().run(CollectingDispatcher(), t, DOMAIN)
    assert SlotSet("company_size", {"min": 300, "max": 300}) in events
    assert any(e["name"] == "timeline" and e["value"]["label"] == "next quarter" for e in events)


async def test_a_form_restarted_after_a_digression_says_nothing_of_the_slots_it_revalidates(
        service: NurtureService) -> None:
    """After the visit's questions, "do you integrate with HubSpot?" is answered and the form starts again: Rasa
    hands it every filled slot to validate. Nothing new was said, so nothing is acknowledged; an `inform` that
    repeats a known fact is."""
    done = {"profile_asked": ["use_case", "role", "company_size"], "profile_thanked": True,
            "role": {"title": "CTO", "seniority": "c_level"}, "company_size": {"min": 450, "max": 450}}
    await ValidateProfileForm().run(CollectingDispatcher(), tracker(
        slots=done, new_slots={"use_case": "forecast our pipeline"}, text="forecast our pipeline"), DOMAIN)
    slots = {**done, "use_case": "forecast our pipeline"}
    dispatcher = CollectingDispatcher()
    events = await ValidateProfileForm().run(dispatcher, tracker(
        slots=slots, new_slots={"use_case": "forecast our pipeline"}, intent="ask_integrations",
        text="do you integrate with hubspot?"), DOMAIN)
    assert responses(dispatcher) == [] and events[-1] == SlotSet("requested_slot", None)
    assert not any(e["name"] == "use_case" for e in events)
    repeated = CollectingDispatcher()
    await ValidateProfileForm().run(repeated, tracker(
        slots=slots, new_slots={"use_case": "forecast our pipeline"}, text="forecast our pipeline"), DOMAIN)
    assert responses(repeated) == ["utter_noted"]


async def test_an_answer_in_another_language_is_told_the_assistant_speaks_english(service: NurtureService) -> None:
    """Until stop 28 "Wir suchen ein CRM für unser Vertriebsteam" to the role question got the question again
    (and to the use-case question, the next one in English without a word); the notice is given once a session."""
    t = tracker(slots={"requested_slot": "role", "profile_asked": ["use_case", "role"]},
                text="Wir suchen ein CRM für unser Vertriebsteam")
    dispatcher = CollectingDispatcher()
    await ValidateProfileForm().run(dispatcher, t, DOMAIN)
    assert responses(dispatcher)[:1] == ["utter_english_only"]
    t.events.insert(1, {"event": "bot", "text": "x", "metadata": {"utter_action": "utter_english_only"}})
    again = CollectingDispatcher()
    await ValidateProfileForm().run(again, t, DOMAIN)
    assert "utter_english_only" not in responses(again)
    english = CollectingDispatcher()
    await ValidateProfileForm().run(english, tracker(slots={"requested_slot": "role"}, text="no idea really"), DOMAIN)
    assert "utter_english_only" not in responses(english)
