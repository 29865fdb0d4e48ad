"""Rasa's EntitySynonymMapper, without turning every training entity into a spelling to copy.

Rasa 3.6's mapper adds, for every entity value of the training data, a "self-reference" from its lower case to the
value as written there — meant for declared synonyms ("austria" → "Austria"), but done for all of them. With ~2,000
entity values in our data, a visitor typing "Northwind" had it stored as "northwind" (one example wrote it so),
"Apple" as "apple" and an address as one example's upper-case spelling: whatever casing a training example happened
to use replaced the visitor's own. This mapper keeps Rasa's behaviour for declared synonyms (a value written
differently from the text it annotates, or a `synonym:` block) and their case variants, and leaves every other
value as typed.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper

from nurture_nlu.options import refuse_unknown


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class DeclaredSynonymMapper(EntitySynonymMapper):
    """Maps only declared synonyms (and the case variants of their targets) to their values."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext, synonyms: dict[str, Any] | None = None) -> EntitySynonymMapper:
        refuse_unknown("DeclaredSynonymMapper", config, cls.get_default_config())
        return super().create(config, model_storage, resource, execution_context, synonyms)

    def _add_entities_if_synonyms(self, entity: str, synonym: str | None) -> None:
        if synonym is None or str(entity) == str(synonym):
            return  # an entity annotated with its own text declares nothing
        super()._add_entities_if_synonyms(entity, synonym)
