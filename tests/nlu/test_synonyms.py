"""Declared synonyms map to their values; every other entity keeps the visitor's own spelling (Rasa 3.6's mapper
re-cased every value to the spelling of some training example: "Northwind" was stored as "northwind")."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.entity_synonyms import EntitySynonymMapper
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nurture_engine.testing import PROJECT_ROOT
from nurture_nlu.synonyms import DeclaredSynonymMapper


def annotated(text: str, part: str, entity: str, value: str | None = None) -> Message:
    start = text.index(part)
    found = {"start": start, "end": start + len(part), "entity": entity, "value": value or part}
    return Message(data={TEXT: text, INTENT: "inform", ENTITIES: [found]})


TRAINING = TrainingData(
    training_examples=[annotated("I work at northwind", "northwind", "company"),
                       annotated("I'm the VP Sales", "VP Sales", "role", "VP of Sales")],
    entity_synonyms={"cro": "Chief Revenue Officer"})


def mapped(mapper_class: type[EntitySynonymMapper], tmp_path: Path, value: str) -> str:
    storage = LocalModelStorage(tmp_path)
    mapper = mapper_class.create(mapper_class.get_default_config(), storage, Resource("synonyms"),
                                 ExecutionContext(GraphSchema({}), node_name="synonyms"))
    mapper.train(TRAINING)
    message = Message(data={TEXT: value, ENTITIES: [{"start": 0, "end": len(value), "entity": "x", "value": value}]})
    mapper.process([message])
    return str(message.get(ENTITIES)[0]["value"])


def test_rasas_mapper_re_cases_any_value_it_saw(tmp_path: Path) -> None:
    """Why this component exists: if Rasa's own stops doing this, the subclass can go."""
    assert mapped(EntitySynonymMapper, tmp_path, "Northwind") == "northwind"


def test_a_value_seen_in_training_keeps_the_visitors_spelling(tmp_path: Path) -> None:
    assert mapped(DeclaredSynonymMapper, tmp_path, "Northwind") == "Northwind"
    assert mapped(DeclaredSynonymMapper, tmp_path, "Acme") == "Acme"


def test_declared_synonyms_and_their_case_variants_still_map(tmp_path: Path) -> None:
    assert mapped(DeclaredSynonymMapper, tmp_path, "vp sales") == "VP of Sales"
    assert mapped(DeclaredSynonymMapper, tmp_path, "vp of sales") == "VP of Sales"  # the target, in another case
    assert mapped(DeclaredSynonymMapper, tmp_path, "CRO") == "Chief Revenue Officer"  # a synonym: block


def test_the_pipeline_uses_it_in_place_of_rasas() -> None:
    names = [c["name"] for c in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]]
    assert "nurture_nlu.synonyms.DeclaredSynonymMapper" in names and "EntitySynonymMapper" not in names


def test_an_unknown_option_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="unknown option"):
        DeclaredSynonymMapper.create({"case_sensitive": True}, LocalModelStorage(tmp_path), Resource("synonyms"),
                                     ExecutionContext(GraphSchema({}), node_name="synonyms"))
