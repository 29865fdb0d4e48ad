"""On the real stack: a pricing question naming a number of users gets each plan's total for that many."""

from __future__ import annotations

import aiohttp

from .stack import Stack, Visitor


async def test_a_number_of_seats_gets_a_total(sqlite_stack: Stack, http: aiohttp.ClientSession) -> None:
    """Until stop 29 "how much would it cost for 25 seats?" got the pricing paragraph, and "what about a team of
    40?" after it "I've shared what I can about that just above"."""
    v = Visitor(sqlite_stack, http)
    await v.say("hi")
    await v.say("we're around 250 people")
    replies = await v.say("how much would it cost for 25 seats?")
    assert any(r.startswith("For 25 users: Starter is for up to 10 users; Growth comes to $2,475 a month")
               for r in replies), replies
    await v.say("how much does Pipewise cost?")
    replies = await v.say("and what would the price be for a team of 40?")
    assert any(r.startswith("For 40 users:") and "$3,960 a month" in r for r in replies), replies
    lead = await v.lead()
    assert lead["profile"]["company_size"] == {"min": 250, "max": 250}, lead  # seats are no company size (stop 29)
