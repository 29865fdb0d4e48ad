"""Rasa intent classifier: a logistic regression over the MiniLM sentence embedding and, optionally,
the sparse sentence features (word and character n-gram counts, regex matches) of other featurizers.

The sentence embedding generalises to phrasings not in the data; the n-gram counts keep the training
phrasing's exact words. The intent and ranking become `weight * linear + (1 - weight) * ranking` where
`ranking` is an earlier classifier's (DIET's, if the pipeline has one; with weight 1 none is needed).
The model is stored as plain arrays (JSON and numpy's .npy without pickle), nothing pickled.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import scipy.sparse
from numpy.typing import NDArray
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.linear_model import LogisticRegression

from nurture_nlu.minilm import Floats
from nurture_nlu.options import refuse_unknown

logger = logging.getLogger(__name__)

FILE = "blend.json"
WEIGHTS = "blend_coef.npy"  # numpy's own format, read with allow_pickle=False
KNOWN_KEYS = {"featurizer", "sparse_featurizers", "weight", "C", "ranking_length"}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingBlendClassifier(GraphComponent, IntentClassifier):
    """A linear model over sentence features, optionally blended with an earlier classifier's ranking."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"featurizer": "minilm", "sparse_featurizers": [], "weight": 0.7, "C": 16.0, "ranking_length": 10}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        refuse_unknown("EmbeddingBlendClassifier", config, KNOWN_KEYS)
        if not isinstance(config["sparse_featurizers"], list):
            raise InvalidConfigException("EmbeddingBlendClassifier: sparse_featurizers must be a list of aliases")
        if not 0.0 <= float(config["weight"]) <= 1.0:
            raise InvalidConfigException("EmbeddingBlendClassifier: weight must be between 0 and 1")

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self.validate_config(config)
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.classes: list[str] = []
        self.coef = np.zeros((0, 0), dtype=np.float32)
        self.intercept = np.zeros(0, dtype=np.float32)

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmbeddingBlendClassifier:
        return cls(config, model_storage, resource)

    def _dense(self, messages: list[Message]) -> Floats:
        rows = []
        for message in messages:
            sentence = message.get_dense_features(TEXT, [self.config["featurizer"]])[1]
            if sentence is None:
                raise InvalidConfigException(
                    f"EmbeddingBlendClassifier needs the sentence features of {self.config['featurizer']!r} "
                    "(set that alias on the MiniLMFeaturizer, before this component)"
                )
            rows.append(np.asarray(sentence.features, dtype=np.float32).reshape(-1))
        return np.stack(rows)

    def _vectors(self, messages: list[Message]) -> Any:
        """One row per message: the sentence vector, then (with `sparse_featurizers`) those featurizers'
        sentence features scaled to unit length, as a sparse matrix."""
        dense = self._dense(messages)
        if not self.config["sparse_featurizers"]:
            return dense
        rows = [self._sparse_row(message) for message in messages]
        sparse = scipy.sparse.csr_matrix(
            (np.concatenate([values for _, values, _ in rows]), np.concatenate([columns for columns, _, _ in rows]),
             np.cumsum([0, *(len(columns) for columns, _, _ in rows)])),
            shape=(len(rows), max(width for _, _, width in rows)))
        return scipy.sparse.hstack([scipy.sparse.csr_matrix(dense), sparse], format="csr")

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [m.get(INTENT) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("EmbeddingBlendClassifier: fewer than two intents, rankings kept as they are")
        else:
            model = LogisticRegression(C=float(self.config["C"]), max_iter=3000)
            model.fit(self._vectors(examples), labels)
            self.classes = [str(c) for c in model.classes_]
            self.coef = model.coef_.astype(np.float32)
            self.intercept = model.intercept_.astype(np.float32)
        with self._storage.write_to(self._resource) as directory:
            (directory / FILE).write_text(json.dumps({"classes": self.classes, "intercept": self.intercept.tolist()}))
            np.save(directory / WEIGHTS, self.coef, allow_pickle=False)
        return self._resource

    @classmethod
    def load(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext, **kwargs: Any,
    ) -> EmbeddingBlendClassifier:
        component = cls(config, model_storage, resource)
        with model_storage.read_from(resource) as directory:
            stored = json.loads((directory / FILE).read_text())
            component.coef = np.load(directory / WEIGHTS, allow_pickle=False).astype(np.float32, copy=False)
        component.classes = stored["classes"]
        component.intercept = np.asarray(stored["intercept"], dtype=np.float32)
        return component

    def _sparse_row(self, message: Message) -> tuple[NDArray[np.int64], Floats, int]:
        """Columns, values (unit length) and width of the message's sparse sentence features, laid side by
        side in pipeline order as Rasa's get_sparse_features combines them, read straight from the message:
        that method copies and stacks scipy matrices, ~0.1 ms a call."""
        wanted = set(self.config["sparse_featurizers"])
        columns, values, width = [], [], 0
        for feature in message.features:
            if (feature.attribute == TEXT and feature.is_sparse() and feature.type == FEATURE_TYPE_SENTENCE
                    and feature.origin in wanted):
                block = feature.features.tocoo()
                columns.append(block.col.astype(np.int64) + width)
                values.append(block.data.astype(np.float32))
                width += block.shape[1]
        if not columns:
            raise InvalidConfigException(
                "EmbeddingBlendClassifier: no sentence features from "
                f"{', '.join(self.config['sparse_featurizers'])} (check the aliases)")
        row = np.concatenate(values)
        return np.concatenate(columns), row / max(float(np.linalg.norm(row)), 1e-9), width

    def _logits(self, messages: list[Message]) -> Floats:
        dense = self._dense(messages)
        logits: Floats = dense @ self.coef[:, : dense.shape[1]].T + self.intercept
        if self.config["sparse_featurizers"]:
            for row, message in enumerate(messages):
                columns, values, _ = self._sparse_row(message)
                logits[row] += self.coef[:, dense.shape[1] + columns] @ values
        return logits

    def _probabilities(self, logits: Floats) -> Floats:
        if len(self.classes) == 2:  # sklearn's binary model has one row: class 1 against class 0
            logits = np.concatenate([-logits, logits], axis=1) / 2
        logits = logits - logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        result: Floats = probs / probs.sum(axis=1, keepdims=True)
        return result

    def process(self, messages: list[Message]) -> list[Message]:
        usable = [m for m in messages if m.get(TEXT)]
        if not self.classes or not usable:
            return messages
        weight = float(self.config["weight"])
        for message, probs in zip(usable, self._probabilities(self._logits(usable)), strict=True):
            blended = {name: weight * float(p) for name, p in zip(self.classes, probs, strict=True)}
            for entry in message.get(INTENT_RANKING_KEY) or []:
                name = entry["name"]
                blended[name] = blended.get(name, 0.0) + (1 - weight) * float(entry["confidence"])
            ordered = sorted(blended.items(), key=lambda item: -item[1])
            ranking = [{"name": name, "confidence": confidence} for name, confidence in ordered]
            message.set(INTENT, ranking[0], add_to_output=True)
            length = int(self.config["ranking_length"])
            message.set(INTENT_RANKING_KEY, ranking[:length] if length > 0 else ranking, add_to_output=True)
        return messages
