"""The blend classifier trains on sentence vectors (and sparse counts), survives a save/load and mixes an
earlier ranking by weight."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nurture_nlu.blend import EmbeddingBlendClassifier
from nurture_nlu.featurizer import MiniLMFeaturizer

TRAINING = {
    "ask_pricing": ["how much does it cost", "what is the price", "pricing please", "is there a free plan"],
    "request_demo": ["can I see a demo", "book a demo", "show me the product live", "I'd like a walkthrough"],
    "greet": ["hi", "hello there", "good morning", "hey"],
}


@pytest.fixture(scope="module")
def featurizer() -> MiniLMFeaturizer:
    config = {**MiniLMFeaturizer.get_default_config(), "alias": "minilm"}
    return MiniLMFeaturizer(config, ExecutionContext(GraphSchema({}), node_name="minilm"))


def featurized(featurizer: MiniLMFeaturizer, messages: list[Message]) -> list[Message]:
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process(messages)
    return featurizer.process(messages)


def trained(vectors: MiniLMFeaturizer, tmp_path: Path, **config: object) -> EmbeddingBlendClassifier:
    examples = [Message(data={TEXT: text, INTENT: intent}) for intent, texts in TRAINING.items() for text in texts]
    featurized(vectors, examples)
    tmp_path.mkdir(parents=True, exist_ok=True)
    storage = LocalModelStorage(tmp_path)
    resource = Resource("blend")
    context = ExecutionContext(GraphSchema({}), node_name="blend")
    full = {**EmbeddingBlendClassifier.get_default_config(), **config}
    EmbeddingBlendClassifier.create(full, storage, resource, context).train(TrainingData(examples))
    return EmbeddingBlendClassifier.load(full, storage, resource, context)


def with_diet_ranking(featurizer: MiniLMFeaturizer, text: str, ranking: dict[str, float]) -> Message:
    [message] = featurized(featurizer, [Message(data={TEXT: text})])
    entries = [{"name": name, "confidence": c} for name, c in ranking.items()]
    message.set(INTENT, entries[0])
    message.set(INTENT_RANKING_KEY, entries)
    return message


def test_the_linear_model_recognises_an_unseen_phrasing(featurizer: MiniLMFeaturizer, tmp_path: Path) -> None:
    blend = trained(featurizer, tmp_path, weight=1.0)
    [message] = blend.process([with_diet_ranking(featurizer, "what would this cost us per month", {"greet": 1.0})])
    assert message.get(INTENT)["name"] == "ask_pricing"
    assert sum(e["confidence"] for e in message.get(INTENT_RANKING_KEY)) == pytest.approx(1.0, abs=1e-5)


def test_weight_zero_keeps_diets_ranking(featurizer: MiniLMFeaturizer, tmp_path: Path) -> None:
    blend = trained(featurizer, tmp_path, weight=0.0)
    diet = {"greet": 0.6, "request_demo": 0.3, "ask_pricing": 0.1}
    [message] = blend.process([with_diet_ranking(featurizer, "what would this cost us per month", diet)])
    assert [(e["name"], round(e["confidence"], 6)) for e in message.get(INTENT_RANKING_KEY)] == list(diet.items())


def test_blend_is_the_weighted_sum(featurizer: MiniLMFeaturizer, tmp_path: Path) -> None:
    linear = trained(featurizer, tmp_path / "a", weight=1.0)
    mixed = trained(featurizer, tmp_path / "b", weight=0.7)
    diet = {"greet": 0.9, "request_demo": 0.1}
    [alone] = linear.process([with_diet_ranking(featurizer, "book me a live demo", diet)])
    [both] = mixed.process([with_diet_ranking(featurizer, "book me a live demo", diet)])
    linear_p = {e["name"]: e["confidence"] for e in alone.get(INTENT_RANKING_KEY)}
    for entry in both.get(INTENT_RANKING_KEY):
        want = 0.7 * linear_p.get(entry["name"], 0.0) + 0.3 * diet.get(entry["name"], 0.0)
        assert entry["confidence"] == pytest.approx(want, abs=1e-5)


def test_bad_configuration_is_refused(featurizer: MiniLMFeaturizer, tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="unknown option"):
        trained(featurizer, tmp_path, wieght=0.5)
    with pytest.raises(InvalidConfigException, match="between 0 and 1"):
        trained(featurizer, tmp_path, weight=1.5)
    with pytest.raises(InvalidConfigException, match="sentence features of 'nope'"):
        trained(featurizer, tmp_path, featurizer="nope")



def word_counts(featurizer: MiniLMFeaturizer, tmp_path: Path) -> Any:
    """Two CountVectorsFeaturizers (aliases `words` and `chars`) trained on TRAINING, and TRAINING featurized
    by all three, in pipeline order."""
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    training = [Message(data={TEXT: text, INTENT: intent}) for intent, texts in TRAINING.items() for text in texts]
    featurized(featurizer, training)
    tmp_path.mkdir(parents=True, exist_ok=True)
    pipeline = []
    for alias, extra in (("words", {}), ("chars", {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 3})):
        config = {**CountVectorsFeaturizer.get_default_config(), "alias": alias, **extra}
        counts = CountVectorsFeaturizer.create(config, LocalModelStorage(tmp_path), Resource(alias),
                                               ExecutionContext(GraphSchema({}), node_name=alias))
        counts.train(TrainingData(training))
        counts.process_training_data(TrainingData(training))
        pipeline.append(counts)
    return pipeline, training


def test_sparse_sentence_features_join_the_linear_model(featurizer: MiniLMFeaturizer, tmp_path: Path) -> None:
    pipeline, examples = word_counts(featurizer, tmp_path / "counts")
    (tmp_path / "model").mkdir()
    storage = LocalModelStorage(tmp_path / "model")
    context = ExecutionContext(GraphSchema({}), node_name="blend")
    config = {**EmbeddingBlendClassifier.get_default_config(), "weight": 1.0, "sparse_featurizers": ["words", "chars"]}
    EmbeddingBlendClassifier.create(config, storage, Resource("blend"), context).train(TrainingData(examples))
    blend = EmbeddingBlendClassifier.load(config, storage, Resource("blend"), context)
    assert blend.coef.shape[1] > 384  # the sentence vector, then one weight per counted word and n-gram
    [message] = featurized(featurizer, [Message(data={TEXT: "pricing please"})])
    for counts in pipeline:
        counts.process([message])
    [message] = blend.process([message])
    assert message.get(INTENT)["name"] == "ask_pricing"
    for probe in [message, *examples[:5]]:
        # the training rows: the sentence vector, then Rasa's own combination of the sparse features, unit length
        combined = probe.get_sparse_features(TEXT, ["words", "chars"])[1].features.toarray().reshape(-1)
        dense = probe.get_dense_features(TEXT, ["minilm"])[1].features.reshape(-1)
        expected = np.concatenate([dense, combined / np.linalg.norm(combined)])
        assert np.allclose(blend._vectors([probe]).toarray()[0], expected, atol=1e-6)
        # serving computes the same logits without building the matrix
        full = np.asarray(blend._vectors([probe]) @ blend.coef.T) + blend.intercept
        assert np.allclose(blend._logits([probe]), full, atol=1e-5)
    blend.config = {**config, "sparse_featurizers": ["regex"]}
    with pytest.raises(InvalidConfigException, match="no sentence features from regex"):
        blend.process([message])
