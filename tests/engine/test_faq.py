"""The business's FAQ: validated when nurture.yml loads, found by the words a question names."""

from __future__ import annotations

from typing import Any

import pytest

from nurture_engine.errors import ConfigError
from nurture_engine.faq import MAX_ANSWER_CHARS, MAX_ENTRIES, FaqEntry, answer_for, parse_faq
from nurture_engine.testing import test_settings

APP = FaqEntry(words=("mobile", "iphone", "android"), answer="Yes, iOS and Android.")
IMPORT = FaqEntry(words=("csv", "spreadsheet", "import"), answer="Yes, from a CSV.")
PHONE_IMPORT = FaqEntry(words=("iphone", "import contacts"), answer="Contacts come from your phone's address book.")


def test_the_shipped_nurture_yml_has_an_faq() -> None:
    entries = test_settings().business.faq
    assert len(entries) >= 3
    assert all(entry.words and entry.answer for entry in entries)
    assert answer_for("Is there a mobile app?", entries) is next(e for e in entries if "mobile" in e.words)
    # stop 29, seen over REST: the features paragraph, and "Thanks, noted." after the visit's questions
    assert answer_for("how do you compare to hubspot?", entries) is next(e for e in entries if "vs" in e.words)
    assert answer_for("does it work for a 3 person startup?", entries) is next(
        e for e in entries if "startup" in e.words)
    cancel = next(e for e in entries if "cancel" in e.words)  # stop 33: "that's outside what I can help with"
    assert answer_for("how do I cancel?", entries) is cancel and answer_for("can I get a refund?", entries) is cancel


def test_a_question_gets_the_entry_whose_words_it_names() -> None:
    entries = [APP, IMPORT]
    assert answer_for("is there a MOBILE app?", entries) is APP
    assert answer_for("can I bring my spreadsheet", entries) is IMPORT
    assert answer_for("Import?", entries) is IMPORT


def test_words_are_matched_whole() -> None:
    """"important" is not "import"; "androids" is not "android"; a phrase's words may be spaced or cased anyhow."""
    entries = [APP, IMPORT, PHONE_IMPORT]
    assert answer_for("this is important to us", entries) is None
    assert answer_for("do you like androids", entries) is None
    # the phrase "import contacts", spaced and cased anyhow: it says more than IMPORT's "import"
    assert answer_for("can I IMPORT   Contacts", entries) is PHONE_IMPORT
    assert answer_for("", entries) is None


def test_the_entry_naming_most_of_its_words_wins_and_the_first_on_a_tie() -> None:
    entries = [APP, IMPORT, PHONE_IMPORT]
    assert answer_for("import contacts from my iphone", entries) is PHONE_IMPORT  # 2 words against 1 and 1
    assert answer_for("iphone", entries) is APP  # a tie: the first in nurture.yml
    assert answer_for("iphone csv import", entries) is IMPORT  # 2 (csv, import) against 1 and 1


def test_entries_are_parsed_with_their_texts_tidied() -> None:
    [entry] = parse_faq([{"words": ["Google  Sheets", "csv"], "answer": "Yes:\n  from a\nsheet."}])
    assert entry == FaqEntry(words=("Google Sheets", "csv"), answer="Yes: from a sheet.")
    assert parse_faq([]) == ()


@pytest.mark.parametrize(("raw", "expected"), [
    ("mobile app: yes", "business.faq must be a list like"),
    ([["mobile"]], r"business.faq\[0\] must be a mapping with words and answer"),
    ([{"words": ["x"], "answer": "y", "link": "z"}], r"unknown key\(s\) in business.faq\[0\]: link"),
    ([{"answer": "y"}], r"business.faq\[0\].words must be a non-empty list"),
    ([{"words": [], "answer": "y"}], r"business.faq\[0\].words must be a non-empty list"),
    ([{"words": "mobile", "answer": "y"}], r"business.faq\[0\].words must be a non-empty list"),
    ([{"words": ["ok"], "answer": "y"}, {"words": ["x", " "], "answer": "y"}], r"business.faq\[1\].words"),
    ([{"words": ["x"], "answer": 3}], r"business.faq\[0\].answer must be a non-empty text; got 3"),
    ([{"words": ["x"], "answer": "  "}], r"business.faq\[0\].answer must be a non-empty text"),
    ([{"words": ["x"], "answer": "a" * (MAX_ANSWER_CHARS + 1)}], f"{MAX_ANSWER_CHARS + 1} characters; at most"),
    ([{"words": ["x"], "answer": "y"}] * (MAX_ENTRIES + 1), f"has {MAX_ENTRIES + 1} entries; at most {MAX_ENTRIES}"),
])
def test_a_malformed_faq_is_refused_with_what_is_expected(raw: Any, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        parse_faq(raw)


def test_on_a_tie_the_entry_whose_words_say_more_wins() -> None:
    """"is there a discount for startups?" got the small-teams answer ("Yes: Pipewise works for teams of any size")
    until stop 34: one word of each entry, "startups" of the first; "discount for startups" says more."""
    small = FaqEntry(words=("startups",), answer="Yes: any size.")
    discounts = FaqEntry(words=("discount", "discount for startups"), answer="15% off annual plans.")
    assert answer_for("is there a discount for startups?", [small, discounts]) is discounts
    assert answer_for("does it work for startups?", [small, discounts]) is small
    entries = test_settings().business.faq
    assert answer_for("is there a discount for startups?", entries) is next(e for e in entries if "discount" in e.words)


def test_the_shipped_answer_on_message_frequency_keeps_to_the_caps_and_quiet_hours() -> None:
    """"how often will you email me?" got "not one I can answer here" until stop 34; the answer is the business's
    words, so it is checked against the caps and quiet hours the dispatcher keeps."""
    settings = test_settings()
    entry = answer_for("how often will you email me?", settings.business.faq)
    assert entry is not None and answer_for("how often do forecasts update?", settings.business.faq) is not entry
    delivery = settings.plan.delivery
    numbers = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 7: "seven"}
    assert f"{numbers[delivery.per_day]} message a day" in entry.answer
    assert f"{numbers[delivery.per_week]} a week" in entry.answer
    assert f"between {delivery.quiet_start.hour % 12 or 12} pm and {delivery.quiet_end.hour} am" in entry.answer
