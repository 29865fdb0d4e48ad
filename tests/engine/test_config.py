from __future__ import annotations

import re
from pathlib import Path

import pytest

from nurture_engine.config import load_settings
from nurture_engine.domain import ProfileField
from nurture_engine.errors import ConfigError
from nurture_engine.testing import test_settings


def test_defaults_from_the_project_file() -> None:
    settings = test_settings()
    assert settings.database_url == "sqlite:///var/nurture.db"
    assert settings.profiling.budget_per_visit == 3
    assert settings.profiling.order[0] is ProfileField.USE_CASE
    assert settings.business.meeting_link.startswith("https://")
    assert settings.admin_token is None


def test_env_overrides() -> None:
    settings = test_settings(NURTURE_DATABASE_URL="postgresql://x/y", NURTURE_BUDGET_PER_VISIT="1",
                             NURTURE_ADMIN_TOKEN="t")
    assert settings.database_url == "postgresql://x/y"
    assert settings.profiling.budget_per_visit == 1
    assert settings.admin_token == "t"


@pytest.mark.parametrize(("text", "message"), [
    ("busines: {}\n", "unknown key(s) in the top level: busines"),
    ("business: {company: X, colour: red}\n", "unknown key(s) in business: colour"),
    ("- a\n- b\n", "expected a mapping"),
    ("business: [\n", "not valid YAML"),
])
def test_bad_config_is_refused_precisely(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "nurture.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path)
    assert message in str(err.value)


def test_bad_budget_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="budget_per_visit"):
        test_settings(NURTURE_BUDGET_PER_VISIT="-1")
    with pytest.raises(ConfigError, match="integer"):
        test_settings(NURTURE_BUDGET_PER_VISIT="lots")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_settings(env={}, root=tmp_path)


def test_empty_variables_mean_unset() -> None:
    settings = test_settings(NURTURE_BUDGET_PER_VISIT="", NURTURE_DATABASE_URL="", NURTURE_ADMIN_TOKEN="")
    assert settings.profiling.budget_per_visit == 3
    assert settings.database_url == "sqlite:///var/nurture.db"
    assert settings.admin_token is None


def without_lines(tmp_path: Path, first: str, last: str) -> Path:
    """This project's nurture.yml without the lines from the one starting with `first` to the one before `last`."""
    lines = (Path(__file__).resolve().parents[2] / "nurture.yml").read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(last))
    path = tmp_path / "nurture.yml"
    path.write_text("".join(lines[:start] + lines[end:]))
    return path


def test_business_onboarding_and_security_are_optional(tmp_path: Path) -> None:
    """A nurture.yml written before stop 23 has no business.onboarding, one written before stop 24 no
    business.security: each still loads, with an empty fact (the assistant then offers the contact email and the
    meeting link for onboarding, and gives the privacy answer alone)."""
    business = test_settings().business
    assert business.onboarding.startswith("Most teams are live") and "SOC 2" in business.security
    path = without_lines(tmp_path, "  onboarding:", "  # optional: the product's security")
    loaded = load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path).business
    assert (loaded.onboarding, loaded.security) == ("", business.security)
    path = without_lines(tmp_path, "  # optional: the product's security", "  # optional: short answers")
    loaded = load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path).business
    assert (loaded.onboarding, loaded.security) == (business.onboarding, "")


def test_business_connectors_are_optional_and_must_be_a_list_of_names(tmp_path: Path) -> None:
    path = without_lines(tmp_path, "  # optional: the tools named in integrations", "  # optional: setting up")
    assert load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path).business.connectors == ()
    text = (Path(__file__).resolve().parents[2] / "nurture.yml").read_text()
    for bad in ("connectors: Salesforce, HubSpot", "connectors: [Salesforce, '']", "connectors: [Salesforce, 3]"):
        path.write_text(re.sub(r"connectors: \[[^\]]*\]", bad, text, count=1))
        with pytest.raises(ConfigError, match=r"business\.connectors must be a list of tool names"):
            load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path)


def test_business_faq_is_optional_and_checked_when_nurture_yml_loads(tmp_path: Path) -> None:
    """A nurture.yml written before stop 25 has no business.faq: it loads with none; a malformed one is refused
    at load, naming the entry."""
    path = without_lines(tmp_path, "  # optional: short answers", "  meeting_link:")
    assert load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path).business.faq == ()
    text = (Path(__file__).resolve().parents[2] / "nurture.yml").read_text()
    path.write_text(text.replace("    - words: [uptime, sla", "    - wrds: [uptime, sla", 1))
    with pytest.raises(ConfigError, match=r"unknown key\(s\) in business\.faq\[7\]: wrds"):
        load_settings(env={"NURTURE_CONFIG": str(path)}, root=tmp_path)
