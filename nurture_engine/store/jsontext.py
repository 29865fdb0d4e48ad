"""`json.dumps` with its default settings, for the consumer's hot path: the same text, without building
a new C encoder for every call (`json.dumps` does, and for a small dict that is most of its cost)."""

from __future__ import annotations

import json
from collections.abc import Callable
from json import encoder as _encoder
from typing import Any


def _refuse(value: object) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _make() -> Callable[[Any], str]:
    make = getattr(_encoder, "c_make_encoder", None)
    if make is None:  # a Python without the C accelerator: json.dumps itself
        return json.dumps
    # the arguments json.JSONEncoder.iterencode passes for json.dumps' defaults, but no cycle check: the
    # values written here are built by the engine from parsed events and are never circular
    encode = make(None, _refuse, _encoder.encode_basestring_ascii, None, ": ", ", ", False, False, True)

    def dumps(value: Any) -> str:
        return "".join(encode(value, 0))

    return dumps


dumps = _make()
