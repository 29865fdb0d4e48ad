"""Joins the pieces of one mention that the entity extractor cut in two.

"we're evaluating tools for our 2000+ person company" came out of the CRF as two company sizes, "2000" and "person";
Rasa fills a slot with the last value, so the company-size question got "person" and answered "I couldn't find a
number in that" (make run, stop 33). Two entities of the same type that only spaces or a joining sign ("+", "-",
"&", "'", ".", "/") separate are one mention: they become one entity over both spans. A comma or a word between
them keeps them apart ("Acme, Globex"; "Acme and Globex"). Runs after the extractor; nothing is trained or stored.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_nlu.options import names, refuse_unknown

KNOWN_KEYS = {"entities"}
DEFAULT_ENTITIES = ["name", "company", "role", "company_size", "budget", "timeline", "use_case"]
_JOINING_GAP = re.compile(r"[ \t+&'./\u2019-]{1,3}")


def joined(text: str, entities: list[dict[str, Any]], types: frozenset[str]) -> list[dict[str, Any]]:
    """The entities with each run of adjacent same-type pieces from one extractor made one entity."""
    out: list[dict[str, Any]] = []
    for entity in sorted(entities, key=lambda e: (e.get("start", -1), e.get("end", -1))):
        last = out[-1] if out else None
        if (last is not None and entity.get("entity") in types and last.get("entity") == entity.get("entity")
                and last.get("extractor") == entity.get("extractor") and _adjacent(text, last, entity)):
            merged = {**last, "end": entity["end"], "value": text[last["start"]:entity["end"]]}
            if isinstance(last.get("confidence_entity"), float) and isinstance(entity.get("confidence_entity"), float):
                merged["confidence_entity"] = min(last["confidence_entity"], entity["confidence_entity"])
            out[-1] = merged
        else:
            out.append(entity)
    return out


def _adjacent(text: str, first: dict[str, Any], second: dict[str, Any]) -> bool:
    end, start = first.get("end"), second.get("start")
    if not isinstance(end, int) or not isinstance(start, int) or not isinstance(first.get("start"), int):
        return False
    return start > end and bool(_JOINING_GAP.fullmatch(text[end:start]))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class AdjacentEntityJoiner(GraphComponent, EntityExtractorMixin):
    """Makes adjacent pieces of one entity type one entity."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entities": DEFAULT_ENTITIES}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        refuse_unknown("AdjacentEntityJoiner", config, KNOWN_KEYS)
        names("AdjacentEntityJoiner", config, "entities")

    def __init__(self, config: dict[str, Any]) -> None:
        self.validate_config(config)
        self.types = frozenset(config["entities"])

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> AdjacentEntityJoiner:
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            if len(entities) < 2:
                continue
            result = joined(message.get(TEXT) or "", entities, self.types)
            if len(result) != len(entities):
                message.set(ENTITIES, result, add_to_output=True)
        return messages
