"""Rasa featurizer: contextual word vectors and a sentence embedding from the MiniLM encoder.

Sequence features: per whitespace token, the mean of its sub-words' vectors (zero past the
length cap). Sentence feature: the mean over all positions, L2-normalised, as the encoder was
trained to produce. Runs offline: the weights are read from the installed data package.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from threadpoolctl import threadpool_limits

from nurture_nlu.minilm import Encoder, Floats, packaged_model_dir
from nurture_nlu.options import refuse_unknown
from nurture_nlu.wordpiece import WordPiece, basic_split

KNOWN_KEYS = {"model_dir", "max_pieces", "batch_size", "token_dims", "alias"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense features from all-MiniLM-L6-v2, computed on the CPU (TensorFlow graph)."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**DenseFeaturizer.get_default_config(), "model_dir": None, "max_pieces": 96, "batch_size": 64,
                "token_dims": None}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        refuse_unknown("MiniLMFeaturizer", config, KNOWN_KEYS)
        if int(config["max_pieces"]) < 8 or int(config["max_pieces"]) > 510:
            raise InvalidConfigException("MiniLMFeaturizer: max_pieces must be between 8 and 510")
        if config.get("token_dims") is not None and not 1 <= int(config["token_dims"]) <= 384:
            raise InvalidConfigException("MiniLMFeaturizer: token_dims must be between 1 and 384")

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self.validate_config(config)
        model_dir = Path(config["model_dir"]) if config.get("model_dir") else packaged_model_dir()
        self.encoder = Encoder.load(model_dir)
        self.wordpiece = WordPiece.from_file(model_dir / "vocab.txt")
        self.max_pieces = int(config["max_pieces"])
        self.batch_size = int(config["batch_size"])
        self.projection = self._projection(config.get("token_dims"), self.encoder.hidden)
        # One BLAS thread while serving (the token projection and the linear models are small): OpenBLAS's
        # second thread spins after each call and doubled Rasa's CPU per turn (57 -> 31 ms, same latency).
        threadpool_limits(limits=1, user_api="blas")

    @staticmethod
    def _projection(dims: int | None, hidden: int) -> Floats | None:
        """A fixed orthonormal projection of the token vectors to `token_dims` dimensions (seeded, so
        training and serving agree): the CRF's training time grows with every dense dimension."""
        if dims is None or int(dims) >= hidden:
            return None
        basis, _ = np.linalg.qr(np.random.default_rng(20261126).standard_normal((hidden, int(dims))))
        projected: Floats = basis.astype(np.float32) * np.float32(np.sqrt(hidden / int(dims)))
        return projected

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:
        return cls(config, execution_context)

    def _spans(self, message: Message, attribute: str) -> tuple[list[int], list[tuple[int, int]]]:
        """Sub-word ids (with [CLS]/[SEP]) and each whitespace token's [start, end) among them."""
        cap = self.max_pieces + 1
        ids = [self.wordpiece.cls_id]
        spans = []
        for token in message.get(TOKENS_NAMES[attribute], []):
            start = len(ids)
            if start < cap:  # past the cap a token gets an empty span: no need to split it
                for word in basic_split(token.text):
                    ids.extend(self.wordpiece.word_ids(word))
            spans.append((min(start, cap), min(len(ids), cap)))
        ids = [*ids[:cap], self.wordpiece.sep_id]
        return ids, spans

    def _featurize(self, messages: list[Message], attribute: str) -> None:
        prepared = [self._spans(message, attribute) for message in messages]
        order = sorted(range(len(messages)), key=lambda i: len(prepared[i][0]))
        for offset in range(0, len(order), self.batch_size):
            chunk = order[offset: offset + self.batch_size]
            length = max(len(prepared[i][0]) for i in chunk)
            ids = np.zeros((len(chunk), length), dtype=np.int64)
            mask = np.zeros((len(chunk), length), dtype=np.float32)
            for row, index in enumerate(chunk):
                piece_ids = prepared[index][0]
                ids[row, : len(piece_ids)] = piece_ids
                mask[row, : len(piece_ids)] = 1.0
            hidden = self.encoder.encode(ids, mask)
            for row, index in enumerate(chunk):
                piece_ids, spans = prepared[index]
                self._add(messages[index], attribute, hidden[row, : len(piece_ids)], spans)

    def _add(self, message: Message, attribute: str, hidden: Floats, spans: list[tuple[int, int]]) -> None:
        sequence = np.zeros((len(spans), hidden.shape[-1]), dtype=np.float32)
        for position, (start, end) in enumerate(spans):
            if end > start:
                sequence[position] = hidden[start:end].mean(axis=0)
        if self.projection is not None:
            sequence = sequence @ self.projection
        sentence = hidden.mean(axis=0, keepdims=True)
        sentence /= max(float(np.linalg.norm(sentence)), 1e-9)
        self.add_features_to_message(sequence=sequence, sentence=sentence, attribute=attribute, message=message)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        with threadpool_limits(limits=os.cpu_count() or 1, user_api="blas"):  # thousands of messages: every core
            for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
                self._featurize(self._with_tokens(training_data.training_examples, attribute), attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize(self._with_tokens(messages, attribute), attribute)
        return messages

    @staticmethod
    def _with_tokens(messages: list[Message], attribute: str) -> list[Message]:
        return [m for m in messages if m.get(attribute) and m.get(TOKENS_NAMES[attribute])]
