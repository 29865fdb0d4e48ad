"""A conversation on make run (stop 33): "cool. I'm Dev, a sales manager at Orbit Labs, we have 120 staff" to the
use-case question was stored as the use case, and "dev at orbitlabs dot com" to the email question was no address
while the NLU read "dev" in it as the role and "orbitlabs dot com" as the company, replacing the ones given."""

from __future__ import annotations

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import parse_email
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation
from nurture_engine.spelled_email import is_only_an_address, only_the_email, spelled_out_email
from nurture_engine.testing import first_reply, memory_service

F = ProfileField


@pytest.mark.parametrize(("text", "address"), [
    ("dev at orbitlabs dot com", "dev@orbitlabs.com"), ("my email is bob at gmail dot com", "bob@gmail.com"),
    ("jo.smith (at) acme (dot) co (dot) uk", "jo.smith@acme.co.uk"), ("Dev at orbitlabs dot com please",
                                                                      "dev@orbitlabs.com"),
    ("sam [at] initech [dot] io", "sam@initech.io"), ("ana at globex.com", "ana@globex.com"),
])
def test_a_spelled_out_address_is_an_address(text: str, address: str) -> None:
    assert spelled_out_email(text) == address and parse_email(text) == address and is_only_an_address(text)


@pytest.mark.parametrize("text", ["I work at Acme dot com", "meet me at noon", "at orbitlabs dot com",
                                  "we're at acme", "dev@orbitlabs.com"])
def test_other_sentences_spell_no_address(text: str) -> None:
    assert spelled_out_email(text) is None


def test_a_spelled_word_that_is_no_address_is_still_refused() -> None:
    with pytest.raises(InvalidValue):
        parse_email("I work at Acme dot com")


@pytest.mark.parametrize(("message", "only"), [
    ("dev@orbitlabs.com", True), ("sure, it's dev@orbitlabs.com", True), ("dev at orbitlabs dot com", True),
    ("dev@orbitlabs.com and I'm the CTO", False), ("I'm Dev", False), ("", False), (None, False),
])
def test_a_message_that_is_only_an_address(message: str | None, only: bool) -> None:
    assert is_only_an_address(message) is only
    answers = {F.ROLE: "dev", F.COMPANY: "orbitlabs dot com"}
    assert (only_the_email(answers, message) == {F.EMAIL: message}) is only


async def test_the_conversation_keeps_what_was_said_and_reads_the_address() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-dev")
    intro = "cool. I'm Dev, a sales manager at Orbit Labs, we have 120 staff"
    result = await service.profile_turn(conv, first_reply(
        intro, {F.USE_CASE: intro, F.NAME: "Dev", F.ROLE: "sales manager", F.COMPANY: "Orbit Labs",
                F.COMPANY_SIZE: "120 staff"}, said=("Dev", "sales manager", "Orbit Labs", "120 staff")))
    assert result.slots.get(F.USE_CASE) is None and result.next_field is F.USE_CASE  # facts only: asked again
    spelled = "dev at orbitlabs dot com"
    known = frozenset((await service.lead_for(conv)).profile)
    result = await service.profile_turn(conv, ProfileTurn(
        answers={F.EMAIL: spelled, F.ROLE: "dev", F.COMPANY: "orbitlabs dot com"}, requested=F.EMAIL,
        intent="inform", message=spelled, visit=VisitState(known=known, asked=(F.USE_CASE, F.EMAIL))))
    assert result.slots == {F.EMAIL: "dev@orbitlabs.com"}
    profile = (await service.lead_for(conv)).profile
    assert profile[F.ROLE].value["title"] == "Sales Manager" and profile[F.COMPANY].value == "Orbit Labs"
    assert F.USE_CASE not in profile
