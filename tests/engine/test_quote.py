"""Prices for a number of users (nurture_engine/quote.py) and business.plans in nurture.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from nurture_engine.config import load_settings
from nurture_engine.errors import ConfigError
from nurture_engine.quote import Plans, Tier, money, parse_plans, quote, seats_in

PLANS = Plans(currency="$", tiers=(Tier("Starter", 49.0, max_users=10), Tier("Growth", 99.0), Tier("Enterprise")))


@pytest.mark.parametrize(("text", "seats"), [
    ("how much would it cost for 25 seats?", 25),
    ("price for 10 users", 10),
    ("what would ten licenses cost", 10),
    ("we'd need 1,200 user licences", 1200),
    ("pricing for 8 sales reps?", 8),
    ("what's the price for a team of 40?", 40),
    ("cost for a team of about 15", 15),
    ("how much for 10 people?", 10),
    ("how much does it cost?", None),
    ("how much is it for a company of 600 employees?", None),  # a company's size, no number of users
    ("we're a 600 person company, how much for 600 people?", None),
    ("is there a discount for 2 years?", None),  # years are no users
    ("how much for 0 users", None),
    ("how much for 999999 seats", None),  # no team size
])
def test_the_number_of_users_a_pricing_question_names(text: str, seats: int | None) -> None:
    assert seats_in(text) == seats


def test_every_tier_is_quoted_for_the_number_asked() -> None:
    small = quote(PLANS, 4)
    assert [(line.tier.name, line.kind, line.monthly) for line in small] == [
        ("Starter", "priced", 196.0), ("Growth", "priced", 396.0), ("Enterprise", "custom", 0.0)]
    big = quote(PLANS, 25)
    assert [(line.tier.name, line.kind, line.monthly) for line in big] == [
        ("Starter", "too_many", 0.0), ("Growth", "priced", 2475.0), ("Enterprise", "custom", 0.0)]
    floor = Plans(currency="€", tiers=(Tier("Team", 20.0, min_users=5),))
    assert [line.kind for line in quote(floor, 3)] == ["too_few"]


def test_money_shows_cents_only_when_there_are_some() -> None:
    assert (money("$", 2475.0), money("€", 1234.5), money("EUR ", 12.0)) == ("$2,475", "€1,234.50", "EUR 12")


@pytest.mark.parametrize(("raw", "message"), [
    ([], "business.plans must be a mapping"),
    ({"tiers": []}, "business.plans.tiers must be a non-empty list"),
    ({"tiers": [{"name": "Growth"}], "curency": "$"}, r"unknown key\(s\) in business.plans: curency"),
    ({"tiers": [{"name": "Growth", "per_user": 9}]}, r"unknown key\(s\) in business.plans.tiers\[0\]: per_user"),
    ({"tiers": [{"name": ""}]}, r"tiers\[0\].name must be a non-empty text"),
    ({"tiers": [{"name": "Growth", "per_user_month": "99"}]}, r"per_user_month must be a price of 0 or more"),
    ({"tiers": [{"name": "Growth", "per_user_month": -1}]}, r"per_user_month must be a price of 0 or more"),
    ({"tiers": [{"name": "Growth", "max_users": 2.5}]}, r"max_users must be a whole number of users"),
    ({"tiers": [{"name": "Growth", "min_users": 10, "max_users": 5}]}, "min_users is above max_users"),
    ({"currency": "dollars!", "tiers": [{"name": "Growth"}]}, "currency must be a short symbol"),
])
def test_malformed_plans_are_refused_naming_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_plans(raw)


def test_plans_are_optional_in_nurture_yml_and_read_from_it(tmp_path: Path) -> None:
    """A nurture.yml written before stop 29 has no business.plans: it loads, and pricing questions keep the
    paragraph."""
    project = load_settings(env={}, root=Path(__file__).resolve().parents[2]).business.plans
    assert project is not None and [t.name for t in project.tiers] == ["Starter", "Growth", "Enterprise"]
    lines = (Path(__file__).resolve().parents[2] / "nurture.yml").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  # For \"how much for 25 seats?\""))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith("  features:"))
    path = tmp_path / "nurture.yml"
    path.write_text("".join(lines[:start] + lines[end:]))
    assert load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path).business.plans is None
