"""Messages in another language are told apart from English, names and companies included
(nurture_engine/language.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from nurture_engine.language import SCAN_CHARS, foreign_language


@pytest.mark.parametrize(("text", "language"), [
    ("hallo, sprechen Sie Deutsch?", "de"),
    ("Wir suchen ein CRM für unser Vertriebsteam", "de"),
    ("bonjour, vous parlez français ?", "fr"),
    ("Je cherche un outil pour mon équipe commerciale", "fr"),
    ("hola, necesito información sobre precios", "es"),
    ("ciao, quanto costa?", "it"),
    ("Olá, vocês têm suporte em português?", "pt"),
    ("Goedemiddag, ik heb een vraag", "nl"),
    ("привет, сколько стоит?", "cyrillic"),
    ("こんにちは", "hiragana"),
    ("你好", "cjk"),
    ("Ελληνικά παρακαλώ", "greek"),
])
def test_another_language_is_named(text: str, language: str) -> None:
    assert foreign_language(text) == language


@pytest.mark.parametrize("text", [
    "order me a pizza",  # a byte-n-gram identifier called this Italian, with certainty
    "let's do a demo",
    "Müller Maschinenbau GmbH",  # a company, not a German sentence
    "Santiago Gómez, VP Sales, Redwood Fintech",
    "I work for Van der Berg BV",
    "Camille de Maple & Finch",
    "José Núñez",
    "hola",  # one word: unsure, so English
    "danke schön",
    "we need a CRM for our sales team",
    "",
    "🙂👍",
    "e2@quillworks.io",  # "e" and "io": Italian words until stop 34
    "https://www.dove-e-come.it",
    "see lo.io",
])
def test_english_names_and_short_words_are_not_foreign(text: str) -> None:
    assert foreign_language(text) is None


def test_only_the_start_of_a_long_message_is_read() -> None:
    assert foreign_language("we need a CRM " * 100 + "wir suchen ein CRM für unser Team") is None
    assert foreign_language("wir suchen ein Tool für unser Team " + "x" * SCAN_CHARS) == "de"


def test_no_english_training_example_is_taken_for_another_language() -> None:
    """Our ~5,500 English training messages, names and companies of many countries among them: only greetings in
    another language ("guten Tag") may read as one, and those have their own rule."""
    root = Path(__file__).parents[2] / "nlu_data"
    flagged = []
    for path in root.glob("*.yml"):
        for block in (yaml.safe_load(path.read_text()) or {}).get("nlu") or []:
            if "intent" not in block:
                continue
            for line in str(block.get("examples") or "").splitlines():
                text = line.strip().removeprefix("- ")
                if text and foreign_language(text) and block["intent"] != "greet":
                    flagged.append((block["intent"], text))
    assert flagged == []
