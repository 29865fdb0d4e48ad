"""On the real stack: "what do you know about me?" reads back what this chat gave, then the question resumes."""

from __future__ import annotations

import aiohttp

from .responses import asked, said
from .stack import Stack, Visitor


async def test_what_do_you_know_about_me_reads_back_this_chat(sqlite_stack: Stack,
                                                             http: aiohttp.ClientSession) -> None:
    """Until stop 28 "what do you remember about me?" was out of scope and "what do you know about me" got the
    privacy policy, with nothing of what the visitor had said."""
    v = Visitor(sqlite_stack, http)
    replies = await v.say("what do you know about me?")
    assert said(replies, "utter_my_data_none"), replies
    assert asked(await v.say("hi")) == ["use_case"]
    replies = await v.say("I'm Dana Whitfield, head of growth at Kestrel Labs")
    assert asked(replies) == ["use_case"], replies
    replies = await v.say("what do you remember about me?")
    assert said(replies, "utter_my_data"), replies
    [reply] = [r for r in replies if "Dana Whitfield" in r]
    assert "company: Kestrel Labs" in reply and "role: Head of Growth" in reply, reply
    assert asked(replies) == ["use_case"], replies  # the open question resumes
