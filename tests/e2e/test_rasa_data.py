"""`rasa data validate` (warnings are failures) and the end-to-end test stories (100% required)."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

from nurture_engine.cli import train_env
from nurture_engine.stack import bin_path
from nurture_engine.testing import PROJECT_ROOT

from .stack import MODEL

DATA = ["--domain", "bot/domain", "--data", "nlu_data", "bot/stories", "bot/rules", "--config", "config.yml"]
ACTIONS_SOURCE = "".join(p.read_text() for p in (PROJECT_ROOT / "actions").glob("*.py"))


def _env() -> dict[str, str]:
    env = train_env()
    env.pop("NURTURE_DATABASE_URL", None)
    return env


def _responses_uttered_by_code(name: str) -> bool:
    """Responses that custom actions and forms utter (the validator only sees stories and rules)."""
    if f'"{name}"' in ACTIONS_SOURCE:
        return True
    prefixes = ("utter_ask_", "utter_invalid_", "utter_explain_")  # forms and per-field f-strings
    return name.startswith(prefixes) or name in {"utter_pricing", "utter_features", "utter_integrations",
                                                 "utter_privacy", "utter_content"}


def test_rasa_data_validate_fails_on_no_warning() -> None:
    result = subprocess.run([bin_path("rasa"), "data", "validate", *DATA, "--fail-on-warnings"],
                            cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    warnings = re.findall(r"UserWarning: (.*)", output)
    unexplained = []
    for warning in warnings:
        unused = re.match(r"The utterance '(\w+)' is not used in any story or rule\.", warning)
        if unused and _responses_uttered_by_code(unused.group(1)):
            continue
        unexplained.append(warning)
    assert unexplained == []


def test_end_to_end_test_stories_all_pass(tmp_path: Path) -> None:
    assert MODEL.exists(), "train first (make test does)"
    out = tmp_path / "results"
    result = subprocess.run([bin_path("rasa"), "test", "core", "--model", str(MODEL), "--stories",
                             "bot/tests/test_stories.yml", "--e2e", "--out", str(out), "--no-plot"],
                            cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    failed = out / "failed_test_stories.yml"
    failures = failed.read_text() if failed.exists() else ""
    assert "story:" not in failures, failures[-5000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, report["conversation_accuracy"]
    assert report["conversation_accuracy"]["total"] >= 15
    assert os.path.getsize(out / "story_report.json") > 0
