"""A message that is only an introduction ("Sure, I'm Maya") gives the name even when the NLU misses it (its CRF
missed "Maya" and "Ben" in stop 23), and is then no answer to another question: "sure, I'm Maya", said to "what
would you like Pipewise to help with?", was stored as the use case."""

from __future__ import annotations

import pytest

from nurture_engine.domain import Channel, ProfileField
from nurture_engine.profiling import ProfileTurn, VisitState
from nurture_engine.service import Conversation
from nurture_engine.testing import T0, memory_service
from nurture_engine.volunteered import introduced_name, volunteered_facts

F = ProfileField


@pytest.mark.parametrize(("message", "name"), [
    ("sure, I'm Maya", "Maya"), ("I'm Ben", "Ben"), ("yes I am Priya Shah", "Priya Shah"),
    ("Hi! My name is Jean-Luc Picard.", "Jean-Luc Picard"), ("I\u2019m O'Brien", "O'Brien"), ("yeah im Tom", "Tom"),
    ("call me Ishmael", "Ishmael"), ("I'm \u00c9va", "\u00c9va"),
    ("hello! Ayesha here", "Ayesha"), ("Ayesha here", "Ayesha"), ("hi, Tom Baker here.", "Tom Baker"),
    # an introduction that opens a longer message (stop 34: "Hi! I'm Noor. Quick question: …" kept no name)
    ("Hi! I'm Noor. Quick question: does Pipewise work with Pipedrive?", "Noor"), ("I'm Noor, how much is it?", "Noor"),
    ("Noor here: what does it cost?", "Noor"),
])
def test_an_introduction_gives_the_name(message: str, name: str) -> None:
    assert introduced_name(message) == name
    assert volunteered_facts(message, T0)[F.NAME] == name


@pytest.mark.parametrize("message", [
    "I'm Fine", "I'm CTO", "I'm Sales", "I'm Director", "I'm Intern", "I'm Student", "I'm SDR", "I'm the CTO",
    "i'm maya",  # lower case: "i'm new", "i'm interested" read the same; the name question takes it as the answer
    "I'm Maya and we need forecasting",  # not only an introduction: the NLU's entities decide
    "I'm Head of Sales", "I'm Interested", "I'm Not Sure", "I'm Back",
    "I'm new here", "Sales here", "hi there", "Anyone here?", "hey, just me here", "ayesha here",
    "I'm Dana from Acme. We need forecasting", "hi, I'm Interested in pricing.", "I'm Head of Sales. what next?",
    "Hi, I'm Sorry, wrong chat", "I'm Noor and I run sales",
])
def test_other_sentences_give_no_name(message: str) -> None:
    assert introduced_name(message) is None


async def test_an_introduction_said_to_the_use_case_question_is_the_name_not_the_use_case() -> None:
    service, _, _ = memory_service()
    conv = Conversation(channel=Channel.WEB, sender_id="visitor-maya")
    message = "sure, I'm Maya"
    result = await service.profile_turn(conv, ProfileTurn(
        answers={F.USE_CASE: message}, requested=F.USE_CASE, intent="inform", message=message,
        visit=VisitState(known=frozenset(), asked=(F.USE_CASE,))))
    assert result.slots[F.USE_CASE] is None and result.next_field is F.USE_CASE
    lead = await service.lead_for(conv)
    assert lead.profile[F.NAME].value == "Maya" and F.USE_CASE not in lead.profile
