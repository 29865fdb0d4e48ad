"""The Rasa featurizer adds one vector per whitespace token and one sentence vector, within its length cap."""

from __future__ import annotations

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nurture_nlu.featurizer import MiniLMFeaturizer


def context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), node_name="minilm")


def featurizer(**overrides: object) -> MiniLMFeaturizer:
    return MiniLMFeaturizer({**MiniLMFeaturizer.get_default_config(), **overrides}, context())


@pytest.fixture(scope="module")
def shared() -> MiniLMFeaturizer:
    return featurizer()


def tokenized(*texts: str) -> list[Message]:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [Message(data={TEXT: text}) for text in texts]
    tokenizer.process(messages)
    return messages


def test_one_vector_per_token_and_a_normalised_sentence(shared: MiniLMFeaturizer) -> None:
    [message] = shared.process(tokenized("I'm head of RevOps at Brightwave"))
    sequence, sentence = message.get_dense_features(TEXT, [shared._identifier])
    assert sequence is not None and sentence is not None
    assert sequence.features.shape == (len(message.get("text_tokens")), 384)
    assert np.linalg.norm(sentence.features) == pytest.approx(1.0, abs=1e-5)
    assert np.all(np.abs(sequence.features).sum(axis=1) > 0)


def test_batched_training_data_equals_one_at_a_time(shared: MiniLMFeaturizer) -> None:
    texts = ["hi", "we need better pipeline forecasting for our sales team", "book a demo please"]
    batched = tokenized(*texts)
    shared.process_training_data(TrainingData(training_examples=batched))
    for text, message in zip(texts, batched, strict=True):
        [alone] = shared.process(tokenized(text))
        got = message.get_dense_features(TEXT, [shared._identifier])[1]
        want = alone.get_dense_features(TEXT, [shared._identifier])[1]
        assert got is not None and want is not None
        np.testing.assert_allclose(got.features, want.features, atol=1e-4)


def test_a_huge_message_is_capped_not_refused() -> None:
    small = featurizer(max_pieces=16)
    [message] = small.process(tokenized("pricing " * 2000))
    sequence, sentence = message.get_dense_features(TEXT, [small._identifier])
    assert sequence is not None and sentence is not None
    assert sequence.features.shape[0] == 2000
    assert np.abs(sequence.features[:15]).sum() > 0 and np.abs(sequence.features[20:]).sum() == 0


def test_unknown_option_is_refused() -> None:
    with pytest.raises(InvalidConfigException, match=r"unknown option.*max_tokens"):
        featurizer(max_tokens=5)
    with pytest.raises(InvalidConfigException, match="max_pieces"):
        featurizer(max_pieces=2)


def test_token_vectors_can_be_projected_the_same_way_every_time() -> None:
    first, second = featurizer(token_dims=64), featurizer(token_dims=64)
    [a] = first.process(tokenized("we are a team of forty at Brightwave"))
    [b] = second.process(tokenized("we are a team of forty at Brightwave"))
    seq_a, sent_a = a.get_dense_features(TEXT, [first._identifier])
    seq_b, _ = b.get_dense_features(TEXT, [second._identifier])
    assert seq_a is not None and seq_b is not None and sent_a is not None
    assert seq_a.features.shape == (8, 64)
    np.testing.assert_array_equal(seq_a.features, seq_b.features)
    assert sent_a.features.shape == (1, 384)
    with pytest.raises(InvalidConfigException, match="token_dims"):
        featurizer(token_dims=0)
