"""The CRF entity extractor stores its fitted CRFs and loads them without fitting again (Rasa 3.6's fits them again at
every load), predicting what the trained component predicts; a model without them still loads, Rasa's way."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.extractors.crf_entity_extractor import CRFEntityExtractor
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nurture_nlu.crf import FITTED, StoredCRFEntityExtractor

COMPANIES = ["Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Wayne", "Stark"]
RESOURCE = Resource("crf")


def example(company: str, i: int) -> Message:
    text = [f"I work at {company}", f"we are {company}", f"my company is {company}"][i % 3]
    start = text.index(company)
    return Message(data={TEXT: text, INTENT: "inform",
                         ENTITIES: [{"start": start, "end": start + len(company), "value": company,
                                     "entity": "company"}]})


def prepared(messages: list[Message], words: CountVectorsFeaturizer) -> list[Message]:
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    words.process(messages)
    return messages


@pytest.fixture()
def trained(tmp_path: Path) -> tuple[LocalModelStorage, dict[str, Any], CountVectorsFeaturizer, CRFEntityExtractor]:
    """A model storage holding a CRF extractor trained on a few company mentions, and the trained component."""
    (tmp_path / "storage").mkdir()
    storage = LocalModelStorage(tmp_path / "storage")
    context = ExecutionContext(GraphSchema({}), node_name="crf")
    examples = [example(c, i) for i, c in enumerate(COMPANIES * 3)]
    data = TrainingData(training_examples=examples)
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    words = CountVectorsFeaturizer.create(CountVectorsFeaturizer.get_default_config(), storage, Resource("words"),
                                          ExecutionContext(GraphSchema({}), node_name="words"))
    words.train(data)
    words.process_training_data(data)
    config = {**StoredCRFEntityExtractor.get_default_config(), "max_iterations": 30}
    extractor = StoredCRFEntityExtractor.create(config, storage, RESOURCE, context)
    extractor.train(data)
    return storage, config, words, extractor


def entities(extractor: CRFEntityExtractor, words: CountVectorsFeaturizer, text: str) -> list[tuple[str, str]]:
    [message] = extractor.process(prepared([Message(data={TEXT: text})], words))
    return [(e["entity"], e["value"]) for e in message.get(ENTITIES, [])]


def test_the_fitted_crfs_are_loaded_as_they_are(trained: Any, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    storage, config, words, extractor = trained
    with storage.read_from(RESOURCE) as model_dir:
        assert sorted(p.name for p in (model_dir / FITTED).iterdir()) == ["entity.crfsuite"]

    def no_fitting(*args: object) -> None:
        raise AssertionError("the CRF was fitted again on load")

    monkeypatch.setattr(CRFEntityExtractor, "train_model", classmethod(no_fitting))
    loaded = StoredCRFEntityExtractor.load(config, storage, RESOURCE, ExecutionContext(GraphSchema({}), "crf"))
    shutil.rmtree(tmp_path / "storage")  # Rasa loads from a temporary copy of the model, gone once it has loaded
    for text in ("I work at Globex", "we are Hooli", "hello there"):
        assert entities(loaded, words, text) == entities(extractor, words, text)
    assert entities(loaded, words, "my company is Initech") == [("company", "Initech")]


def test_a_model_without_fitted_crfs_is_fitted_on_load_as_rasa_does(trained: Any) -> None:
    storage, config, words, _ = trained
    with storage.read_from(RESOURCE) as model_dir:
        shutil.rmtree(model_dir / FITTED)  # a model trained with Rasa's own CRFEntityExtractor
    loaded = StoredCRFEntityExtractor.load(config, storage, RESOURCE, ExecutionContext(GraphSchema({}), "crf"))
    assert entities(loaded, words, "my company is Initech") == [("company", "Initech")]


def test_an_untrained_extractor_loads_empty(tmp_path: Path) -> None:
    """No entity examples: Rasa stores nothing for the component, and loading gives an extractor that finds none."""
    storage = LocalModelStorage(tmp_path)
    config = StoredCRFEntityExtractor.get_default_config()
    loaded = StoredCRFEntityExtractor.load(config, storage, RESOURCE, ExecutionContext(GraphSchema({}), "crf"))
    [message] = loaded.process([Message(data={TEXT: "hello"})])
    assert message.get(ENTITIES, []) == []
