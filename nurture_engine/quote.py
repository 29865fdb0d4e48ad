"""A price for a number of users ("how much for 25 seats?"), from the business's plans.

Until stop 29 such a question got the whole pricing paragraph, and asked again ("what's the price for a team of
40?") only "I've shared what I can about that just above". nurture.yml, optional:

    business:
      plans:
        currency: "$"
        tiers:
          - {name: Starter, per_user_month: 49, max_users: 10}
          - {name: Growth, per_user_month: 99}
          - {name: Enterprise}              # no price: custom-priced

Every tier is quoted for the number asked: its monthly total, or that it is custom-priced, or the number of users
it is limited to. The words of the answer are the domain's (`utter_pricing_quote`, `actions/answers.py`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, reject_unknown_keys
from .numbers import WORD_NUMBERS

MAX_SEATS = 100_000
"""A bigger number is no team size ("how much for 2026 users?" is a year, a typo or a test): no quote."""
_UNIT = r"(?:users?|seats?|licen[cs]es?|reps?|agents?|sellers?|members?|sales\s?people|sdrs|aes|logins?|people|persons)"
_COMPANY = re.compile(r"\b(?:compan(?:y|ies)|employees?|staff|headcount|organi[sz]ation|firm|business)\b",
                      re.IGNORECASE)
"""A company's size is no number of users: "how much for a company of 600 employees?" gets the pricing paragraph
(a 600-person company does not buy 600 seats), "how much for 10 people?" a quote."""
_WORDS = "|".join(sorted((w for w, v in WORD_NUMBERS.items() if v and " " not in w and v < 1000), key=len,
                         reverse=True))
_COUNT = rf"(?P<n>\d{{1,3}}(?:,\d{{3}})+|\d+|{_WORDS})"
_SEATS = (re.compile(rf"\b{_COUNT}\s+(?:\w+\s+)?{_UNIT}\b", re.IGNORECASE),
          re.compile(rf"\b(?:team|group)\s+of\s+(?:about\s+|around\s+|roughly\s+)?{_COUNT}\b", re.IGNORECASE))
_EXAMPLE = "{currency: $, tiers: [{name: Starter, per_user_month: 49, max_users: 10}, {name: Enterprise}]}"


@dataclass(frozen=True)
class Tier:
    name: str
    per_user_month: float | None = None
    """None: custom-priced (quoted by the sales team)."""
    min_users: int = 1
    max_users: int | None = None


@dataclass(frozen=True)
class Plans:
    currency: str
    tiers: tuple[Tier, ...]


@dataclass(frozen=True)
class QuoteLine:
    tier: Tier
    kind: str
    """"priced", "custom", "too_many" (over max_users) or "too_few" (under min_users)."""
    monthly: float = 0.0


def seats_in(text: str) -> int | None:
    """The number of users a pricing question names ("25 seats", "ten users", "a team of 40"), if any."""
    if _COMPANY.search(text):
        return None
    for pattern in _SEATS:
        found = pattern.search(text)
        if found:
            raw = found.group("n").lower().replace(",", "")
            seats = int(raw) if raw.isdigit() else WORD_NUMBERS[raw]
            return seats if 0 < seats <= MAX_SEATS else None
    return None


_PRICE_ASKED = re.compile(r"\b(?:pric(?:e|es|ing)|how\s+much|costs?|quote)\b", re.IGNORECASE)


def asks_price(text: str) -> bool:
    """Whether a message asks what the product costs besides what else it asks ("a demo, and pricing for 25
    seats"): the NLU gives such a message one intent, the other's."""
    return bool(_PRICE_ASKED.search(text[:MAX_TEXT]))


_PRICE_QUESTION = re.compile(
    r"\b(?:pric(?:e|es|ing)|costs?|quote)\b|\bhow\s+much\s+(?:is|does|would|will|do|for|it|to)\b", re.IGNORECASE)


def asks_price_too(text: str) -> bool:
    """Whether a product question also asks the price ("do you integrate with HubSpot? and how much is it?"), not
    how much of something else ("how much data can it handle?")."""
    return bool(_PRICE_QUESTION.search(text[:MAX_TEXT]))


MAX_TEXT = 2_000
"""Characters of a message read for a price question."""


def names_users(text: str) -> bool:
    """Whether `text` counts users of the product ("12 reps", "25 seats"), which is no company size: "what would it
    cost us for 12 reps?" replaced a company size of 250 with 12 until stop 29."""
    found = _SEATS[0].search(text)
    return found is not None and not re.search(r"\b(?:people|persons)\b", found.group(0), re.IGNORECASE)


def quote(plans: Plans, seats: int) -> list[QuoteLine]:
    lines = []
    for tier in plans.tiers:
        if tier.max_users is not None and seats > tier.max_users:
            lines.append(QuoteLine(tier, "too_many"))
        elif seats < tier.min_users:
            lines.append(QuoteLine(tier, "too_few"))
        elif tier.per_user_month is None:
            lines.append(QuoteLine(tier, "custom"))
        else:
            lines.append(QuoteLine(tier, "priced", tier.per_user_month * seats))
    return lines


def money(currency: str, amount: float) -> str:
    """"$2,475", "$4,950.50": cents only when there are some."""
    return f"{currency}{amount:,.0f}" if float(amount).is_integer() else f"{currency}{amount:,.2f}"


def parse_plans(raw: Any) -> Plans | None:
    """`business.plans` from nurture.yml (None when absent); anything malformed is refused with the form."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ConfigError(f"nurture.yml: business.plans must be a mapping like {_EXAMPLE}; got {raw!r:.80}")
    reject_unknown_keys("business.plans", raw, {"currency", "tiers"})
    tiers = raw.get("tiers")
    if not isinstance(tiers, list) or not tiers:
        raise ConfigError(f"nurture.yml: business.plans.tiers must be a non-empty list like {_EXAMPLE}")
    currency = raw.get("currency", "$")
    if not isinstance(currency, str) or len(currency) > 5:
        raise ConfigError(f"nurture.yml: business.plans.currency must be a short symbol like $ or EUR; "
                          f"got {currency!r:.20}")
    return Plans(currency=currency, tiers=tuple(_tier(i, item) for i, item in enumerate(tiers)))


def _tier(index: int, item: Any) -> Tier:
    where = f"business.plans.tiers[{index}]"
    if not isinstance(item, dict):
        raise ConfigError(f"nurture.yml: {where} must be a mapping like {{name: Growth, per_user_month: 99}}")
    reject_unknown_keys(where, item, {"name", "per_user_month", "min_users", "max_users"})
    name, price = item.get("name"), item.get("per_user_month")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"nurture.yml: {where}.name must be a non-empty text; got {name!r:.80}")
    if price is not None and (isinstance(price, bool) or not isinstance(price, int | float) or price < 0):
        raise ConfigError(f"nurture.yml: {where}.per_user_month must be a price of 0 or more; got {price!r:.80}")
    limits: dict[str, int] = {}
    for key in ("min_users", "max_users"):
        value = item.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
            raise ConfigError(f"nurture.yml: {where}.{key} must be a whole number of users, 1 or more; got {value!r}")
        if value is not None:
            limits[key] = value
    if limits.get("min_users", 1) > limits.get("max_users", MAX_SEATS):
        raise ConfigError(f"nurture.yml: {where}: min_users is above max_users")
    return Tier(name=" ".join(name.split()), per_user_month=None if price is None else float(price), **limits)
