"""The assistant's response texts, read from the domain so tests follow the copy."""

from __future__ import annotations

from functools import cache

import yaml

from nurture_engine.testing import PROJECT_ROOT


@cache
def _responses() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted((PROJECT_ROOT / "bot" / "domain").glob("*.yml")):
        data = yaml.safe_load(path.read_text()) or {}
        for name, variants in (data.get("responses") or {}).items():
            found[name] = [v["text"] for v in variants if "text" in v]  # utter_my_data_labels: custom only
    return found


def texts(name: str) -> list[str]:
    return _responses()[name]


def said(replies: list[str], name: str) -> bool:
    """Whether one of the replies is a variant of response `name` (variables ignored)."""
    for variant in texts(name):
        head = variant.split("{", 1)[0].strip()
        if any(reply.startswith(head) if head else False for reply in replies):
            return True
    return False


ASK = {f: f"utter_ask_{f}" for f in ("use_case", "role", "company_size", "timeline", "email", "budget",
                                      "company", "name")}


def asked(replies: list[str]) -> list[str]:
    """Which profile fields the replies ask for."""
    return [field for field, name in ASK.items() if said(replies, name)]
