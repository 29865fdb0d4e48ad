"""nlu_data/profile_answers.yml is exactly what its generator writes, and every entity is well formed."""

from __future__ import annotations

import re

from nurture_engine.testing import PROJECT_ROOT, load_script


def test_generated_examples_are_committed_as_generated() -> None:
    module = load_script("scripts/gen_profile_answers.py")
    text = module.render()
    assert (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8") == text
    examples = [line[6:] for line in text.splitlines() if line.startswith("    - ")]
    assert len(examples) == len(set(examples)) == (module.COUNT + module.KNOWN_COUNT
                                                     + module.ROLE_COUNT + module.DEPT_COUNT)
    for example in examples:
        for value, entity in re.findall(r"\[([^\]]+)\]\((\w+)\)", example):
            assert entity in {"company", "role", "name"}
            assert value == value.strip() and not value.endswith((".", ","))


def test_well_known_companies_are_drawn_from_the_lookup_table_and_marked_as_companies() -> None:
    known = set(load_script("scripts/gen_profile_answers.py").known_companies())
    assert len(known) > 250
    generated = (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    companies = [v.lower() for v in re.findall(r"\[([^\]]+)\]\(company\)", generated)]
    drawn = [c for c in companies if c in known]
    assert len(drawn) >= 200 and len(set(drawn)) >= 120


def test_a_team_worked_in_is_a_role_and_a_place_or_industry_is_not() -> None:
    module = load_script("scripts/gen_profile_answers.py")
    generated = (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    roles = {v.lower() for v in re.findall(r"\[([^\]]+)\]\(role\)", generated)}
    assert {"sales", "marketing", "finance", "hr", "customer success"} <= roles
    assert not roles & {*module.PLACES, *module.INDUSTRIES}
    untagged = [line for line in generated.splitlines() if line.startswith(("    - i'm in ", "    - we're in "))
                and "](" not in line]
    assert len(untagged) >= 10  # "i'm in berlin", "we're in retail": the same words, no role
