"""Which of the business's integrations a question names: "do you integrate with HubSpot?" is answered with a yes
for HubSpot, not with the whole list for the visitor to search.

The names come from nurture.yml (`business.connectors`), as visitors write them ("HubSpot", "Microsoft Teams"). A
question that names none of them (an unknown tool, or none at all) gets the whole `business.integrations` text,
which says what else there is (an API, webhooks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence


def named(text: str, connectors: Sequence[str]) -> list[str]:
    """The connectors the text names, in nurture.yml's order: whole words in any case ("hubspot"), never part of
    another word ("Slack" is not in "slacking"), the longer name first when one contains another ("Microsoft
    Teams" and not also "Teams")."""
    lowered = " ".join(text.lower().split())
    spans: list[tuple[int, int]] = []
    found: set[str] = set()
    for name in sorted(connectors, key=len, reverse=True):
        for match in re.finditer(rf"(?<!\w){re.escape(' '.join(name.lower().split()))}(?!\w)", lowered):
            if not any(match.start() < end and start < match.end() for start, end in spans):
                spans.append(match.span())
                found.add(name)
    return [name for name in connectors if name in found]


def listed(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
