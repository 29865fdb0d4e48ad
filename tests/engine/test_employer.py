"""A company the message gives to someone else (a customer, a competitor, a tool) is not the visitor's, and a
workplace the visitor names with "called" is theirs: "our main customer is Tesco", said to the email question, was
stored as the lead's company, and "... at a logistics firm called Fleetly" gave none (make run, stop 33)."""

from __future__ import annotations

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.employer import named_workplace, names_anothers_company
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation
from nurture_engine.testing import first_reply, memory_service

F = ProfileField


@pytest.mark.parametrize(("message", "company"), [
    ("our main customer is Tesco", "Tesco"), ("we'd integrate with Shopify", "Shopify"),
    ("we sell to Walmart and Target", "Walmart and Target"), ("I came from Google search", "Google"),
    ("a friend at Microsoft recommended you", "Microsoft"), ("we use HubSpot today", "HubSpot"),
    ("clients include Nike, Adidas", "Nike"), ("we're switching away from Pipedrive", "Pipedrive"),
    ("competitors like Gong", "Gong"), ("I'm at Acme, our biggest client is Globex", "Globex"),
    ("Our biggest competitor: Clari", "Clari"), ("we'd connect it to Zendesk", "Zendesk"),
])
def test_a_company_given_to_someone_else_is_not_the_visitors(message: str, company: str) -> None:
    assert names_anothers_company(message, company)


@pytest.mark.parametrize(("message", "company"), [
    ("I work at Tesco", "Tesco"), ("Tesco", "Tesco"), ("I'm at Acme, our biggest client is Globex", "Acme"),
    ("I'm a partner at Deloitte", "Deloitte"), ("our agency is Brightside", "Brightside"),
    ("I'm the CTO of Initech", "Initech"), ("hi I'm Tom from Globex", "Globex"),
    ("we are a Salesforce partner", "Acme"), ("", "Acme"), ("we sell to Tesco", " "),
])
def test_the_visitors_own_company_stays(message: str, company: str) -> None:
    assert not names_anothers_company(message, company)


@pytest.mark.parametrize(("message", "name"), [
    ("I run revenue ops at a 200 person logistics firm called Fleetly", "Fleetly"),
    ("I founded a startup called Zipply last year", "Zipply"),
    ("I work for an agency named Bright Side Media.", "Bright Side Media"),
    ("our competitor is a firm called Globex", None), ("we are a company called acme", None),
    ("I'm on a team called Growth", None),
])
def test_a_workplace_named_with_called(message: str, name: str | None) -> None:
    assert named_workplace(message) == name


async def test_a_customer_named_in_the_form_replaces_nothing_and_a_named_workplace_is_kept() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-priya")
    intro = "I'm Priya, I run revenue ops at a 200 person logistics firm called Fleetly"
    await service.profile_turn(conv, first_reply(intro, {F.NAME: "Priya"}))
    lead = await service.lead_for(conv)
    assert lead.profile[F.COMPANY].value == "Fleetly" and lead.profile[F.NAME].value == "Priya"
    customer = "our main customer is Tesco"
    result = await service.profile_turn(conv, ProfileTurn(
        answers={F.COMPANY: "Tesco"}, requested=F.EMAIL, intent="inform", message=customer,
        visit=VisitState(known=frozenset(lead.profile), asked=(F.USE_CASE, F.EMAIL))))
    assert F.COMPANY not in result.slots
    assert (await service.lead_for(conv)).profile[F.COMPANY].value == "Fleetly"


async def test_a_tool_named_in_passing_is_no_company_outside_the_form() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-sam")
    outcome = await service.record_answers(conv, {F.COMPANY: "Shopify"}, message="we'd integrate with Shopify")
    assert F.COMPANY not in outcome.accepted and F.COMPANY not in outcome.rejected
    outcome = await service.record_answers(conv, {F.COMPANY: "Shopify"}, message="I work at Shopify")
    assert outcome.accepted[F.COMPANY] == "Shopify"


async def test_a_named_workplace_beside_a_customer_is_the_company() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-lena")
    text = "I work at a firm called Fleetly and our biggest client is Tesco"
    await service.profile_turn(conv, first_reply(text, {F.COMPANY: "Tesco"}))
    assert (await service.lead_for(conv)).profile[F.COMPANY].value == "Fleetly"
