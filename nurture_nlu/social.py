"""Drops a name, company or role that is the whole of a greeting, thanks, goodbye, yes, no or "are you a bot?".

"Namaste", "Ciao" or "Wassup" alone were read as their intent (greet, goodbye) and, by the entity extractor, as a
company: a title-case word nobody's lookup table knows looks like the answer to "which company are you with?",
and a visitor greeting the assistant mid-question would have had the greeting stored as the company. A message
whose intent is one of these social ones names nobody when the entity *is* the message ("Hi Sarah" keeps its
name: the entity is only part of it). Runs after the classifiers; nothing is trained or stored.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_nlu.options import names, refuse_unknown

KNOWN_KEYS = {"intents", "entities"}
DEFAULT_INTENTS = ["greet", "goodbye", "thank", "affirm", "deny", "bot_challenge"]
DEFAULT_ENTITIES = ["name", "company", "role"]
_EDGES = " \t\r\n.,!?;:'\"()-…"


def whole_message(text: str, entity: dict[str, Any]) -> bool:
    """Whether the entity's span is all the message says, apart from surrounding spaces and punctuation."""
    start, end = entity.get("start"), entity.get("end")
    if not isinstance(start, int) or not isinstance(end, int):
        return False
    return not text[:start].strip(_EDGES) and not text[end:].strip(_EDGES)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SocialEntityFilter(GraphComponent, EntityExtractorMixin):
    """Removes the listed entities spanning the whole message when its intent is one of the listed ones."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": DEFAULT_INTENTS, "entities": DEFAULT_ENTITIES}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        refuse_unknown("SocialEntityFilter", config, KNOWN_KEYS)
        names("SocialEntityFilter", config, "intents")
        names("SocialEntityFilter", config, "entities")

    def __init__(self, config: dict[str, Any]) -> None:
        self.validate_config(config)
        self.intents = frozenset(names("SocialEntityFilter", config, "intents"))
        self.entities = frozenset(names("SocialEntityFilter", config, "entities"))

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SocialEntityFilter:
        return cls(config)

    def kept(self, text: str, intent: str | None, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The entities without those that are the whole of a social message."""
        if intent not in self.intents:
            return entities
        return [e for e in entities if not (e.get("entity") in self.entities and whole_message(text, e))]

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if not entities:
                continue
            intent = (message.get(INTENT) or {}).get("name")
            kept = self.kept(message.get(TEXT) or "", intent, entities)
            if len(kept) != len(entities):
                message.set(ENTITIES, kept, add_to_output=True)
        return messages
