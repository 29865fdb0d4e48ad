"""Rasa intent classifier for messages made of emoji alone ("👋", "👍👍", "🙏"), from a table in config.yml.

"👋" alone got "that's outside what I can help with" until stop 25: Rasa's WhitespaceTokenizer keeps an emoji-only
message as one token that no training example has, and the sentence encoder's vocabulary has no emoji, so the
classifier read it from nothing. Emoji-only training examples were tried and not kept: they moved short messages
of the peer evaluation set the wrong way (explain 0.75 → 0.72, goodbye 0.93 → 0.91; macro-F1 0.8227 → 0.8196),
through the sentence vectors they share with other short messages. This component runs after the classifier and
changes only a message whose every character is in the table under one intent; skin tones, variation selectors
and joiners are ignored ("👍🏽", "❤️"). Nothing is trained or stored.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_nlu.options import refuse_unknown

KNOWN_KEYS = {"intents", "max_length"}
DEFAULT_INTENTS = {"greet": ["👋", "🙋"], "affirm": ["👍", "👌", "✅", "🙌", "🆗"], "deny": ["👎", "❌", "🙅"],
                   "thank": ["🙏"]}
_IGNORED = re.compile("[\\s\ufe0e\ufe0f\u200d\U0001f3fb-\U0001f3ff]+")
"""Whitespace, text/emoji variation selectors, the zero-width joiner and the five skin-tone modifiers."""


def bare(text: str) -> str:
    """The text without what does not change an emoji's meaning (see `_IGNORED`)."""
    return _IGNORED.sub("", text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmojiIntentClassifier(GraphComponent, IntentClassifier):
    """Sets the intent of an emoji-only message from the table (confidence 1); other messages pass unchanged."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"intents": DEFAULT_INTENTS, "max_length": 10}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        refuse_unknown("EmojiIntentClassifier", config, KNOWN_KEYS)
        intents = config["intents"]
        if not isinstance(intents, dict) or not all(
                isinstance(name, str) and isinstance(emoji, list) and emoji for name, emoji in intents.items()):
            raise InvalidConfigException("EmojiIntentClassifier: intents must map intent names to lists of emoji, "
                                         "like {greet: [👋]}")
        for name, emoji in intents.items():
            for item in emoji:
                if not isinstance(item, str) or len(bare(item)) != 1 or item.isalnum():
                    raise InvalidConfigException(f"EmojiIntentClassifier: {name}: {item!r} is not one emoji")
        if not isinstance(config["max_length"], int) or config["max_length"] < 1:
            raise InvalidConfigException("EmojiIntentClassifier: max_length must be a positive integer")

    def __init__(self, config: dict[str, Any]) -> None:
        self.validate_config(config)
        self.max_length = int(config["max_length"])
        self.intent_of: dict[str, str] = {}
        for name, emoji in config["intents"].items():
            for item in emoji:
                char = bare(item)
                if self.intent_of.setdefault(char, name) != name:
                    raise InvalidConfigException(
                        f"EmojiIntentClassifier: {item} is under both {self.intent_of[char]} and {name}")

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> EmojiIntentClassifier:
        return cls(config)

    def intent(self, text: str) -> str | None:
        """The table's intent for a message of its emoji alone, else None."""
        chars = bare(text)
        if not chars or len(chars) > self.max_length:
            return None
        intents = {self.intent_of.get(char) for char in chars}
        return next(iter(intents)) if len(intents) == 1 and None not in intents else None

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            name = self.intent(message.get(TEXT) or "")
            if name is not None:
                message.set(INTENT, {"name": name, "confidence": 1.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [{"name": name, "confidence": 1.0}], add_to_output=True)
        return messages
