"""nlu_data/profile_answers.yml is exactly what its generator writes, and every entity is well formed."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_examples_are_committed_as_generated() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_profile_answers.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = module.render()
    assert (ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8") == text
    examples = [line[6:] for line in text.splitlines() if line.startswith("    - ")]
    assert len(examples) == len(set(examples)) == module.COUNT + module.KNOWN_COUNT + module.ROLE_COUNT
    for example in examples:
        for value, entity in re.findall(r"\[([^\]]+)\]\((\w+)\)", example):
            assert entity in {"company", "role", "name"}
            assert value == value.strip() and not value.endswith((".", ","))


def test_well_known_companies_are_drawn_from_the_lookup_table_and_marked_as_companies() -> None:
    table = (ROOT / "nlu_data" / "lookup_companies.yml").read_text(encoding="utf-8")
    known = set(re.findall(r"^    - (.+?)\s*$", table, flags=re.MULTILINE))
    assert len(known) > 250
    generated = (ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    companies = [v.lower() for v in re.findall(r"\[([^\]]+)\]\(company\)", generated)]
    drawn = [c for c in companies if c in known]
    assert len(drawn) >= 200 and len(set(drawn)) >= 120
