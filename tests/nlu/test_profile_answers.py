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
                                                     + module.ROLE_COUNT + module.DEPT_COUNT
                                                     + module.BARE_COUNT + module.INSTITUTION_COUNT
                                                     + module.OTHER_COUNT + module.INTRO_COUNT)
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


def test_companies_and_names_are_also_taught_alone() -> None:
    """The answer with nothing around it, as typed to "which company are you with?" or "what's your name?"."""
    module = load_script("scripts/gen_profile_answers.py")
    lines = [line[6:] for line in module.render().splitlines() if line.startswith("    - ")]
    alone = [re.fullmatch(r"\[([^\]]+)\]\((\w+)\)", line) for line in lines]
    companies = [m.group(1) for m in alone if m and m.group(2) == "company"]
    names = [m.group(1) for m in alone if m and m.group(2) == "name"]
    assert len(companies) >= 150 and len(names) >= 30
    words = {len(c.split()) for c in companies}
    assert words == {1, 2, 3}
    assert sum(c == c.lower() for c in companies) > len(companies) / 4  # typed in lower case too
    bare_trades = set(module.BARE_TRADES) - set(module.TRADES)
    assert any(c.lower().split()[-1] in bare_trades for c in companies)


def test_institution_names_keep_their_of_and_and_but_not_a_leading_the() -> None:
    generated = (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    companies = re.findall(r"\[([^\]]+)\]\(company\)", generated)
    assert sum(" of " in c.lower() for c in companies) >= 60
    assert sum(re.search(r" (and|&) ", c.lower()) is not None for c in companies) >= 30
    assert not [c for c in companies if c.lower().startswith("the ") and " of " in c.lower()]
    after_the = re.findall(r"\bthe \[([^\]]+)\]\(company\)", generated)
    assert len(after_the) >= 20 and not [c for c in after_the if c.lower().startswith("the ")]


def test_companies_that_are_not_the_visitors_employer_are_left_untagged() -> None:
    module = load_script("scripts/gen_profile_answers.py")
    generated = (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    frames = [re.compile(re.escape(frame).replace(re.escape("{c}"), ".+") + "$") for frame in module.OTHER_FRAMES]
    others = [line[6:] for line in generated.splitlines() if any(f.match(line[6:]) for f in frames)]
    assert len(others) >= module.OTHER_COUNT and not [o for o in others if "](company)" in o]


def test_a_greeting_that_introduces_its_writer_tags_the_name() -> None:
    module = load_script("scripts/gen_profile_answers.py")
    generated = (PROJECT_ROOT / "nlu_data" / "profile_answers.yml").read_text(encoding="utf-8")
    greetings = [written for g in module.GREETINGS for written in (g, g.capitalize())]
    openings = tuple(f"    - {g}{sep}" for g in greetings for sep in (",", "!", " "))
    intros = [line for line in generated.splitlines() if line.startswith(openings)]
    assert len(intros) >= module.INTRO_COUNT and all("](name)" in line for line in intros)
