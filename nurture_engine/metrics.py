"""A small Prometheus registry: labelled counters and histograms rendered in the text exposition format
(version 0.0.4). Built by the composition root and passed in by constructor; `NO_METRICS` is the no-op
default for code that runs without one (tests, CLI one-shots)."""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
LabelValues = tuple[str, ...]
M = TypeVar("M", "Counter", "Histogram")


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


def _labels(names: Sequence[str], values: Sequence[str], extra: str = "") -> str:
    parts = [f'{n}="{_escape(v)}"' for n, v in zip(names, values, strict=True)]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}" if parts else ""


class _Metric:
    kind = ""

    def __init__(self, name: str, help_text: str, labels: Sequence[str]) -> None:
        if not _NAME.match(name) or not all(_LABEL.match(label) for label in labels):
            raise ValueError(f"invalid metric or label name: {name} {list(labels)}")
        self.name, self.help, self.label_names = name, help_text, tuple(labels)

    def _key(self, labels: dict[str, str]) -> LabelValues:
        if set(labels) != set(self.label_names):
            raise ValueError(f"{self.name} takes labels {list(self.label_names)}, got {sorted(labels)}")
        return tuple(str(labels[n]) for n in self.label_names)

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {_escape(self.help)}", f"# TYPE {self.name} {self.kind}"]


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = ()) -> None:
        super().__init__(name, help_text, labels)
        self._values: dict[LabelValues, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        return self._values.get(self._key(labels), 0.0)

    def render(self) -> list[str]:
        return [*self.header(), *(f"{self.name}{_labels(self.label_names, k)} {_number(v)}"
                                  for k, v in sorted(self._values.items()))]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, help_text: str, labels: Sequence[str] = (),
                 buckets: Sequence[float] = DEFAULT_BUCKETS) -> None:
        super().__init__(name, help_text, labels)
        self.buckets = tuple(sorted(buckets))
        self._counts: dict[LabelValues, list[int]] = {}
        self._sums: dict[LabelValues, float] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        counts = self._counts.setdefault(key, [0] * (len(self.buckets) + 1))
        counts[bisect.bisect_left(self.buckets, value)] += 1  # le is inclusive
        self._sums[key] = self._sums.get(key, 0.0) + value

    def count(self, **labels: str) -> int:
        return sum(self._counts.get(self._key(labels), []))

    def render(self) -> list[str]:
        lines = self.header()
        for key in sorted(self._counts):
            running = 0
            for bound, n in zip((*self.buckets, math.inf), self._counts[key], strict=True):
                running += n
                le = 'le="' + _number(bound) + '"'
                lines.append(f"{self.name}_bucket{_labels(self.label_names, key, le)} {running}")
            lines.append(f"{self.name}_sum{_labels(self.label_names, key)} {_number(self._sums[key])}")
            lines.append(f"{self.name}_count{_labels(self.label_names, key)} {running}")
        return lines


class Registry:
    """Metrics by name; `render()` is the body of GET /metrics."""

    def __init__(self) -> None:
        self._metrics: dict[str, Counter | Histogram] = {}

    def counter(self, name: str, help_text: str, labels: Sequence[str] = ()) -> Counter:
        return self._add(Counter(name, help_text, labels))

    def histogram(self, name: str, help_text: str, labels: Sequence[str] = (),
                  buckets: Sequence[float] = DEFAULT_BUCKETS) -> Histogram:
        return self._add(Histogram(name, help_text, labels, buckets))

    def _add(self, metric: M) -> M:
        if metric.name in self._metrics:
            raise ValueError(f"metric {metric.name} is already registered")
        self._metrics[metric.name] = metric
        return metric

    def render(self) -> str:
        lines: list[str] = []
        for name in sorted(self._metrics):
            lines.extend(self._metrics[name].render())
        return "\n".join(lines) + "\n"


class Metrics(Protocol):
    """What the engine counts; the seam between the domain code and the registry."""

    def message(self, direction: str, channel: str, n: int = 1) -> None: ...

    def followups(self, outcome: str, channel: str, n: int = 1) -> None: ...

    def score_updates(self, n: int = 1) -> None: ...

    def alert(self, event: str, n: int = 1) -> None: ...

    def request(self, route: str, method: str, status: int, seconds: float) -> None: ...

    def rate_limited(self, scope: str) -> None: ...


class NoMetrics:
    """The default: counts nothing."""

    def message(self, direction: str, channel: str, n: int = 1) -> None:
        return None

    def followups(self, outcome: str, channel: str, n: int = 1) -> None:
        return None

    def score_updates(self, n: int = 1) -> None:
        return None

    def alert(self, event: str, n: int = 1) -> None:
        return None

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        return None

    def rate_limited(self, scope: str) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()


class NurtureMetrics:
    """The service's metrics on a registry."""

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry or Registry()
        r = self.registry
        self._messages = r.counter("nurture_messages_total", "Conversation messages seen by the behaviour "
                                   "consumer (in: user, out: bot)", ("direction", "channel"))
        self._followups = r.counter("nurture_followups_total", "Follow-up outcomes recorded by the dispatcher "
                                    "(sent, retry, dead, cancelled, deferred, ...)", ("outcome", "channel"))
        self._scores = r.counter("nurture_score_updates_total", "Interactions scored by the lead engine")
        self._alerts = r.counter("nurture_alerts_total", "Sales alerts raised, and button clicks on them",
                                 ("event",))
        self._latency = r.histogram("nurture_http_request_duration_seconds", "HTTP request latency of nurture "
                                    "serve", ("route", "method", "status"))
        self._limited = r.counter("nurture_rate_limited_total", "Requests refused with 429", ("scope",))

    def message(self, direction: str, channel: str, n: int = 1) -> None:
        self._messages.inc(n, direction=direction, channel=channel)

    def followups(self, outcome: str, channel: str, n: int = 1) -> None:
        self._followups.inc(n, outcome=outcome, channel=channel)

    def score_updates(self, n: int = 1) -> None:
        self._scores.inc(n)

    def alert(self, event: str, n: int = 1) -> None:
        self._alerts.inc(n, event=event)

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        self._latency.observe(seconds, route=route, method=method, status=str(status))

    def rate_limited(self, scope: str) -> None:
        self._limited.inc(scope=scope)

    def render(self) -> str:
        return self.registry.render()


def parse_text(body: str) -> Iterable[tuple[str, dict[str, str], float]]:
    """Samples of a text exposition (for tests and `nurture doctor`): (name, labels, value)."""
    sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
    pair = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        match = sample.match(line)
        if match is None:
            raise ValueError(f"not a sample line: {line!r}")
        labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in pair.findall(match.group(2) or "")}
        yield match.group(1), labels, float(match.group(3))
