"""Messages of emoji alone get the intent of the table in config.yml; every other message keeps its own."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_engine.testing import PROJECT_ROOT
from nurture_nlu.emoji import DEFAULT_INTENTS, EmojiIntentClassifier

CLASSIFIED = {"name": "out_of_scope", "confidence": 0.6}


def classify(text: str, config: dict[str, Any] | None = None) -> Message:
    message = Message({TEXT: text, INTENT: CLASSIFIED, INTENT_RANKING_KEY: [CLASSIFIED]})
    EmojiIntentClassifier({**EmojiIntentClassifier.get_default_config(), **(config or {})}).process([message])
    return message


@pytest.mark.parametrize(("text", "intent"), [
    ("👋", "greet"), (" 👋👋 ", "greet"), ("👍", "affirm"), ("👍🏽", "affirm"), ("👍 👌 ✅", "affirm"),
    ("👎", "deny"), ("🙅\u200d\u2640\ufe0f", None),  # "woman gesturing no": the sign ♀ is in no list
    ("🙏", "thank"), ("🙏🏻🙏🏻", "thank"),
])
def test_a_message_of_emoji_alone_gets_the_tables_intent(text: str, intent: str | None) -> None:
    message = classify(text)
    expected = {"name": intent, "confidence": 1.0} if intent else CLASSIFIED
    assert message.get(INTENT) == expected
    assert message.get(INTENT_RANKING_KEY) == [expected]


@pytest.mark.parametrize("text", ["hi 👋", "👍 sounds good", "👋👍", "🤷", "", "   ", "ok", "👍" * 11])
def test_other_messages_keep_the_classifiers_intent(text: str) -> None:
    """Words with the emoji, emoji of two intents, an emoji not in the table, too many emoji."""
    assert classify(text).get(INTENT) == CLASSIFIED


def test_the_table_is_read_from_the_config() -> None:
    config = {"intents": {"goodbye": ["👋"]}}
    assert classify("👋", config).get(INTENT)["name"] == "goodbye"
    assert classify("👍", config).get(INTENT) == CLASSIFIED


@pytest.mark.parametrize(("config", "message"), [
    ({"emoji": {}}, "unknown option"),
    ({"intents": ["👋"]}, "must map intent names to lists of emoji"),
    ({"intents": {"greet": []}}, "must map intent names to lists of emoji"),
    ({"intents": {"greet": ["hi"]}}, "'hi' is not one emoji"),
    ({"intents": {"greet": ["a"]}}, "'a' is not one emoji"),
    ({"intents": {"greet": ["👋"], "goodbye": ["👋"]}}, "is under both greet and goodbye"),
    ({"max_length": 0}, "max_length must be a positive integer"),
])
def test_a_bad_table_is_refused_when_the_pipeline_is_built(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidConfigException, match=message):
        EmojiIntentClassifier({**EmojiIntentClassifier.get_default_config(), **config})


def test_the_tables_intents_are_the_assistants_and_config_yml_runs_it_after_the_classifier() -> None:
    domain_intents = set()
    for path in (PROJECT_ROOT / "bot" / "domain").glob("*.yml"):
        domain_intents |= {i if isinstance(i, str) else next(iter(i))
                           for i in yaml.safe_load(path.read_text()).get("intents") or []}
    assert set(DEFAULT_INTENTS) <= domain_intents
    names = [c["name"] for c in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]]
    emoji = names.index("nurture_nlu.emoji.EmojiIntentClassifier")
    assert names.index("nurture_nlu.blend.EmbeddingBlendClassifier") < emoji < names.index("FallbackClassifier")
    assert [n for n in names[emoji + 1:names.index("FallbackClassifier")]
            if "Classifier" in n] == []  # no other classifier between: the fallback sees the table's intent
