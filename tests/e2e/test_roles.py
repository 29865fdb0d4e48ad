"""On the real stack: a role said with the verb of running a team."""

from __future__ import annotations

import aiohttp

from .responses import asked
from .stack import Stack, Visitor


async def test_a_team_one_runs_is_a_senior_role_and_no_use_case(sqlite_stack: Stack,
                                                                http: aiohttp.ClientSession) -> None:
    """Until stop 27 "I run marketing", said to "what would you like help with?", was stored as the use case and
    as the role "Marketing" at the individual level."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("I run marketing")
    assert asked(replies) == ["use_case"], replies  # facts only: the question is asked again
    profile = (await v.lead())["profile"]
    assert profile["role"] == {"title": "Head of Marketing", "seniority": "director"}, profile
    assert "use_case" not in profile, profile


async def test_a_student_is_not_asked_about_a_companys_purchase(sqlite_stack: Stack,
                                                                http: aiohttp.ClientSession) -> None:
    """Until stop 27 "I'm a student writing my thesis on sales tools" was followed by "Roughly how many people work
    at your company?"."""
    v = Visitor(sqlite_stack, http)
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("I'm a student writing my thesis on sales tools")
    assert asked(replies) and not {"company", "company_size", "budget", "timeline"} & set(asked(replies)), replies
    profile = (await v.lead())["profile"]
    assert profile["role"]["seniority"] == "student", profile
