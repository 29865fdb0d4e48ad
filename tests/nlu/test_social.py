"""A name, company or role that is the whole of a greeting, thanks, goodbye, yes/no or bot question is dropped."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_engine.testing import PROJECT_ROOT
from nurture_nlu.social import SocialEntityFilter


def entity(text: str, value: str, kind: str = "company") -> dict[str, Any]:
    start = text.index(value)
    return {"entity": kind, "value": value, "start": start, "end": start + len(value),
            "extractor": "StoredCRFEntityExtractor"}


def filtered(text: str, intent: str, entities: list[dict[str, Any]], config: dict[str, Any] | None = None) -> list:
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 0.9}, ENTITIES: entities})
    SocialEntityFilter({**SocialEntityFilter.get_default_config(), **(config or {})}).process([message])
    return message.get(ENTITIES)


@pytest.mark.parametrize(("text", "value", "intent"), [
    ("Namaste", "Namaste", "greet"), ("Ciao!", "Ciao", "goodbye"), ("  Hey hey ", "Hey hey", "greet"),
    ("Wassup?", "Wassup", "greet"), ("Cheers mate.", "Cheers mate", "thank"), ("Yep", "Yep", "affirm"),
])
def test_an_entity_that_is_the_whole_social_message_is_dropped(text: str, value: str, intent: str) -> None:
    assert filtered(text, intent, [entity(text, value)]) == []


@pytest.mark.parametrize(("text", "value", "kind", "intent"), [
    ("Hi, Sarah here", "Sarah", "name", "greet"),  # part of the message
    ("hello from Acme", "Acme", "company", "greet"),
    ("Globex", "Globex", "company", "inform"),  # the answer to "which company?"
    ("Namaste", "Namaste", "company", "out_of_scope"),
    ("Namaste", "Namaste", "use_case", "greet"),  # not a listed entity
])
def test_other_entities_are_kept(text: str, value: str, kind: str, intent: str) -> None:
    found = [entity(text, value, kind)]
    assert filtered(text, intent, found) == found


def test_one_entity_of_several_goes() -> None:
    text = "Hey Sarah"
    found = [entity(text, "Hey Sarah", "name"), {"entity": "company", "value": "x"}]  # the second has no span
    assert filtered(text, "greet", found) == [found[1]]


def test_the_lists_come_from_the_config() -> None:
    assert filtered("Namaste", "greet", [entity("Namaste", "Namaste")], {"intents": ["goodbye"]}) != []
    assert filtered("Ciao", "goodbye", [entity("Ciao", "Ciao", "role")], {"entities": ["role"]}) == []


@pytest.mark.parametrize(("config", "message"), [
    ({"intent": ["greet"]}, "unknown option"), ({"intents": []}, "non-empty list"),
    ({"entities": "company"}, "non-empty list"), ({"entities": [""]}, "non-empty list"),
])
def test_a_wrong_config_is_a_clear_error(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidConfigException, match=message):
        SocialEntityFilter({**SocialEntityFilter.get_default_config(), **config})


def test_the_pipeline_runs_it_after_the_classifiers() -> None:
    names = [c["name"] for c in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]]
    social = names.index("nurture_nlu.social.SocialEntityFilter")
    assert names.index("nurture_nlu.blend.EmbeddingBlendClassifier") < social < names.index("FallbackClassifier")
    assert names.index("RegexEntityExtractor") < social
