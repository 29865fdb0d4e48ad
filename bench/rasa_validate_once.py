"""An experiment for the load test (`bench_load.py --rasa-validate-once`): runs `rasa` with one change.

Rasa 3.6 validates every action server response with `jsonschema.validate(result, schema)`, which also
checks Rasa's large events schema against the JSON Schema meta-schema on every call (about 30-50 ms of
CPU per action call on this machine). Here the schema is checked once and one validator is reused:
responses are validated exactly as before, the meta-schema check is not repeated.

Usage: .venv/bin/python bench/rasa_validate_once.py run ... (the arguments of `rasa`)
"""

from __future__ import annotations

import sys
from typing import Any


def patch() -> None:
    import rasa.shared.core.events  # noqa: F401 - the action module needs the events loaded
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    built: dict[str, Any] = {}
    original = RemoteAction._validate_action_result

    def validate(self: RemoteAction, result: dict[str, Any]) -> bool:
        validator = built.get("validator")
        if validator is None:
            schema = self.action_response_format_spec()
            cls = validator_for(schema)
            cls.check_schema(schema)
            validator = built["validator"] = cls(schema)
        try:
            validator.validate(result)
        except ValidationError:
            return bool(original(self, result))  # Rasa's own message for the invalid response
        return True

    RemoteAction._validate_action_result = validate


if __name__ == "__main__":
    patch()
    from rasa.__main__ import main

    sys.argv[0] = "rasa"
    main()
