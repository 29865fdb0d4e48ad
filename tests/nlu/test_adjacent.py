"""Pieces of one mention that the CRF cut in two are one entity: "2000" and "person" of "our 2000+ person company"
left the company-size slot "person" (make run, stop 33)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from nurture_engine.testing import PROJECT_ROOT
from nurture_nlu.adjacent import AdjacentEntityJoiner


def piece(text: str, value: str, kind: str, after: int = 0, extractor: str = "StoredCRFEntityExtractor",
          confidence: float = 0.9) -> dict[str, Any]:
    start = text.index(value, after)
    return {"entity": kind, "value": value, "start": start, "end": start + len(value), "extractor": extractor,
            "confidence_entity": confidence}


def joined(text: str, entities: list[dict[str, Any]]) -> list[tuple[str, str]]:
    message = Message({TEXT: text, ENTITIES: entities})
    AdjacentEntityJoiner(AdjacentEntityJoiner.get_default_config()).process([message])
    return [(e["entity"], e["value"]) for e in message.get(ENTITIES)]


def test_a_mention_cut_in_two_is_one_entity_with_the_lower_confidence() -> None:
    text = "we're evaluating tools for our 2000+ person company"
    message = Message({TEXT: text, ENTITIES: [piece(text, "person", "company_size", confidence=0.6),
                                              piece(text, "2000", "company_size")]})
    AdjacentEntityJoiner(AdjacentEntityJoiner.get_default_config()).process([message])
    [entity] = message.get(ENTITIES)
    assert (entity["value"], entity["start"], entity["end"]) == ("2000+ person", 31, 43)
    assert entity["confidence_entity"] == 0.6


@pytest.mark.parametrize(("text", "pieces", "expected"), [
    ("I'm Mary Ann Lee", [("Mary", "name"), ("Ann Lee", "name")], [("name", "Mary Ann Lee")]),
    ("at Procter & Gamble", [("Procter", "company"), ("Gamble", "company")], [("company", "Procter & Gamble")]),
    ("we use Acme, Globex", [("Acme", "company"), ("Globex", "company")], [("company", "Acme"), ("company", "Globex")]),
    ("Acme and Globex", [("Acme", "company"), ("Globex", "company")], [("company", "Acme"), ("company", "Globex")]),
    ("Dana Acme", [("Dana", "name"), ("Acme", "company")], [("name", "Dana"), ("company", "Acme")]),
])
def test_only_same_type_pieces_with_a_joining_gap_are_joined(text: str, pieces: list[tuple[str, str]],
                                                             expected: list[tuple[str, str]]) -> None:
    assert joined(text, [piece(text, value, kind) for value, kind in pieces]) == expected


def test_pieces_of_different_extractors_stay_apart() -> None:
    text = "mail bob@acme.io bob@acme.org"
    entities = [piece(text, "bob@acme.io", "email", extractor="RegexEntityExtractor"),
                piece(text, "bob@acme.org", "email", extractor="StoredCRFEntityExtractor")]
    assert len(joined(text, entities)) == 2


@pytest.mark.parametrize(("config", "message"), [
    ({"entity": ["name"]}, "unknown option"), ({"entities": []}, "non-empty list"), ({"entities": [""]}, "non-empty"),
])
def test_a_wrong_config_is_a_clear_error(config: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidConfigException, match=message):
        AdjacentEntityJoiner({**AdjacentEntityJoiner.get_default_config(), **config})


def test_the_pipeline_runs_it_straight_after_the_crf() -> None:
    names = [c["name"] for c in yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]]
    assert names.index("nurture_nlu.adjacent.AdjacentEntityJoiner") == names.index(
        "nurture_nlu.crf.StoredCRFEntityExtractor") + 1
