"""A company of the visitor and others: "just me and my sister", said to "what's your role?" on make run (stop 33),
stored the role "Just Me and My Sister" and a company of 1."""

from __future__ import annotations

import pytest

from nurture_engine.company import parse_company_size
from nurture_engine.domain import Channel, ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.roles import normalise_role
from nurture_engine.service import Conversation
from nurture_engine.testing import T0, first_reply, memory_service
from nurture_engine.volunteered import with_volunteered

F = ProfileField


@pytest.mark.parametrize(("text", "size"), [
    ("just me and my sister", 2), ("me and my cofounder", 2), ("Me and my business partner", 2),
    ("me and 3 others", 4), ("me and two colleagues", 3), ("just me", 1), ("about 40 people", 40),
])
def test_the_visitor_and_others_are_counted(text: str, size: int) -> None:
    assert parse_company_size(text) == {"min": size, "max": size}


def test_me_and_my_team_is_no_count() -> None:
    with pytest.raises(InvalidValue):
        parse_company_size("me and my team")


@pytest.mark.parametrize("text", ["just me and my sister", "my own boss", "only us"])
def test_who_works_there_is_no_title(text: str) -> None:
    with pytest.raises(InvalidValue):
        normalise_role(text)


@pytest.mark.parametrize(("text", "title"), [("just a rep", "Just A Rep"), ("only the founder", "Founder")])
def test_a_title_after_just_or_only_stays_a_title(text: str, title: str) -> None:
    assert normalise_role(text)["title"] == title


def test_the_nlus_just_me_gives_way_to_the_whole_phrase() -> None:
    found = with_volunteered({F.COMPANY_SIZE: "just me"}, "just me and my sister", T0)
    assert found[F.COMPANY_SIZE] == "just me and my sister"
    assert with_volunteered({}, "it's me and 3 others for now", T0)[F.COMPANY_SIZE] == "me and 3 others"


async def test_said_to_the_role_question_it_is_the_company_size_and_no_role() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-baker")
    text = "just me and my sister"
    await service.profile_turn(conv, first_reply(text, {F.ROLE: text, F.COMPANY_SIZE: "just me"}, F.ROLE))
    profile = (await service.lead_for(conv)).profile
    assert F.ROLE not in profile and profile[F.COMPANY_SIZE].value == {"min": 2, "max": 2}
