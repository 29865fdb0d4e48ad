"""Scoring and stage rules, parsed once from nurture.yml (`scoring:` and `stages:`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ConfigError, reject_unknown_keys


@dataclass(frozen=True, kw_only=True)
class Bucket:
    bound: float | None
    points: float


@dataclass(frozen=True, kw_only=True)
class BehaviourRule:
    points: float
    once: bool = False
    max_per_day: int | None = None


@dataclass(frozen=True, kw_only=True)
class ScoringRules:
    half_life_days: float
    seniority: Mapping[str, float]
    company_size: tuple[Bucket, ...]      # by minimum head-count, largest first
    budget_per_year: tuple[Bucket, ...]   # by minimum yearly amount, largest first
    timeline_months: tuple[Bucket, ...]   # by maximum months, smallest first; None = no plan
    use_case_points: float
    use_case_keywords: tuple[str, ...]
    competitors: tuple[str, ...]
    competitor_points: float
    behaviour: Mapping[str, BehaviourRule]


@dataclass(frozen=True, kw_only=True)
class StageRules:
    engaged: float
    mql: float
    sql: float
    demo_request_is_sql: bool
    disqualify_seniority: frozenset[str]
    disqualify_competitor: bool


def _buckets(section: str, raw: Any, key: str) -> tuple[Bucket, ...]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"nurture.yml: {section} must be a non-empty list of {{{key}, points}}")
    buckets = []
    for item in raw:
        if not isinstance(item, dict):
            raise ConfigError(f"nurture.yml: {section} entries must be mappings")
        reject_unknown_keys(section, item, {key, "points"})
        buckets.append(Bucket(bound=item.get(key), points=float(item["points"])))
    return tuple(buckets)


def parse_scoring(raw: Mapping[str, Any]) -> ScoringRules:
    reject_unknown_keys("scoring", raw, {"half_life_days", "fit", "behaviour"})
    fit = raw.get("fit") or {}
    reject_unknown_keys("scoring.fit", fit, {"seniority", "company_size", "budget_per_year", "timeline_months",
                               "use_case_keywords", "competitors"})
    behaviour = {}
    for name, rule in (raw.get("behaviour") or {}).items():
        if not isinstance(rule, dict):
            raise ConfigError(f"nurture.yml: scoring.behaviour.{name} must be a mapping")
        reject_unknown_keys(f"scoring.behaviour.{name}", rule, {"points", "once", "max_per_day"})
        behaviour[name] = BehaviourRule(points=float(rule["points"]), once=bool(rule.get("once", False)),
                                        max_per_day=rule.get("max_per_day"))
    half_life = float(raw.get("half_life_days", 14))
    if half_life <= 0:
        raise ConfigError("nurture.yml: scoring.half_life_days must be positive")
    keywords = fit.get("use_case_keywords") or {}
    competitors = fit.get("competitors") or {}
    reject_unknown_keys("scoring.fit.competitors", competitors, {"points", "names"})
    return ScoringRules(
        half_life_days=half_life,
        seniority={str(k): float(v) for k, v in (fit.get("seniority") or {}).items()},
        company_size=_buckets("scoring.fit.company_size", fit.get("company_size") or [{"min": 1, "points": 0}], "min"),
        budget_per_year=_buckets("scoring.fit.budget_per_year", fit.get("budget_per_year") or [{"min": 0, "points": 0}],
                                 "min"),
        timeline_months=_buckets("scoring.fit.timeline_months", fit.get("timeline_months") or
                                 [{"max": None, "points": 0}], "max"),
        use_case_points=float(keywords.get("points", 0)),
        use_case_keywords=tuple(str(k).lower() for k in keywords.get("keywords", [])),
        competitors=tuple(str(c).lower() for c in competitors.get("names", [])),
        competitor_points=float(competitors.get("points", 0)),
        behaviour=behaviour,
    )


def parse_stages(raw: Mapping[str, Any]) -> StageRules:
    reject_unknown_keys("stages", raw, {"engaged", "mql", "sql", "demo_request_is_sql", "disqualify"})
    disqualify = raw.get("disqualify") or {}
    reject_unknown_keys("stages.disqualify", disqualify, {"seniority", "competitor"})
    engaged, mql, sql = float(raw.get("engaged", 5)), float(raw.get("mql", 40)), float(raw.get("sql", 70))
    if not engaged <= mql <= sql:
        raise ConfigError("nurture.yml: stages thresholds must satisfy engaged <= mql <= sql")
    return StageRules(engaged=engaged, mql=mql, sql=sql, demo_request_is_sql=bool(raw.get("demo_request_is_sql", True)),
                      disqualify_seniority=frozenset(disqualify.get("seniority", [])),
                      disqualify_competitor=bool(disqualify.get("competitor", False)))
