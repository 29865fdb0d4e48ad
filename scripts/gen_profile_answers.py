"""Writes nlu_data/profile_answers.yml: profile answers typed the way people type in a chat.

Companies of one to three words, roles and names, in lower case as often as in title case, in
sentence frames written for this project. Deterministic (fixed seed); `make` does not run it —
edit the frames here and the words in answer_words.py, run `.venv/bin/python scripts/gen_profile_answers.py`,
commit both files.
A test checks the YAML is what this script writes.
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path

from answer_words import (
    BARE_TRADES,
    DEPARTMENTS,
    FIRST,
    GOALS,
    GREETINGS,
    HEADS,
    INDUSTRIES,
    INSTITUTIONS,
    LAST,
    LEGAL,
    MORE_ROLES,
    ORGS,
    PLACE_ENDS,
    PLACES,
    ROLES,
    TRADES,
    cased,
    invented_word,
    joiners_lowered,
)

OUT = Path(__file__).resolve().parents[1] / "nlu_data" / "profile_answers.yml"
KNOWN = Path(__file__).resolve().parents[1] / "nlu_data" / "lookup_companies.yml"
SEED = 2026
COUNT = 520
# A second stream (its own seed, so the first 520 stay as they were): well-known employers, most of them
# one word, in the company frames and the role-at-company frames.
KNOWN_SEED = 2027
KNOWN_COUNT = 240
# A third stream: roles beyond ROLES, in sentences that go on after the role ("as a journalist i want ...",
# "i'm a nurse at a hospital"): the generic workplace ("a hospital") is not a company name.
ROLE_SEED = 2028
ROLE_COUNT = 200
# A fourth stream: a role given as the team one works in ("i'm in sales", "i do marketing", "i look after
# partnerships"), with places and industries after the same words left untagged ("i'm in berlin", "we're in
# retail"). A department alone ("marketing") is not taught as a role: said to "what would you like help with?",
# it is a use case.
DEPT_SEED = 2029
DEPT_COUNT = 160
# A fifth stream: the answer alone, as typed to "which company are you with?" or "what's your name?" — a company
# (invented or well known, one to three words) or a full name with nothing around it. The first four streams
# have few of them, so a company named alone was mostly missed.
BARE_SEED = 2030
BARE_COUNT = 200
# A sixth stream: names built like institutions' ("Bank of Eastmoor", "Salt and Cedar", "the Harbor Trust"): a
# model that saw few company names with "of" or "and" inside found "Bank" and "America" in "Bank of America",
# and nothing in "I'm with the United Nations". A leading "the" is not part of the name. A third of the stream are
# roles built the same way ("i'm the head of digital"), which are no institution's name.
INSTITUTION_SEED = 2031
INSTITUTION_COUNT = 240
# A seventh stream: companies that are not the visitor's employer, left untagged: customers, competitors, tools,
# where they heard of us ("we sell to Walmart", "switching from HubSpot", "a friend at Microsoft told me about
# you"). Each tagged company is stored as the lead's own; "we sell to Walmart and Target" was.
OTHER_SEED = 2032
OTHER_COUNT = 240
# An eighth stream: a greeting that introduces its writer ("hi, this is Emma", "hello! Ayesha here", "hey, Tom from
# Globex here"): "hi, this is Emma" was out of scope, and the other two kept no name.
INTRO_SEED = 2033
INTRO_COUNT = 160
INTRO_FRAMES = ["{g}, this is {n}", "{g}! {n} here", "{g}, {n} from {c} here", "{g}, {n} speaking",
                "{g} - {n} from {c}", "{g}, i'm {n}", "{g}, name's {n}", "{g}! my name is {n}",
                "{g}, {n} here, {r} at {c}", "{g}, {n} from {c}", "{g} :) i'm {n}", "{g}, {n} ({r} at {c})",
                "{g}, this is {n} from {c}", "{g}, {n} again"]
OTHER_FRAMES = ["we sell to {c}", "our customers include {c}", "our biggest client is {c}", "{c} is one of our clients",
                "we mostly sell to companies like {c}", "we're switching from {c}", "we currently use {c} for this",
                "i'm comparing you with {c}", "a friend at {c} told me about you", "i found you through {c}",
                "saw your ad on {c}", "we'd want to connect it to {c}", "we partner with {c}", "our competitor is {c}",
                "we lost a deal to {c} last month", "we used to work with {c}", "our leads come in through {c}",
                "we tried {c} but it was too clunky", "a colleague who used to be at {c} recommended you",
                "we're a reseller for {c}", "we supply {c} and a few others", "our data is all in {c}",
                "our main customer is {c}", "we're moving away from {c}", "it would have to integrate with {c}",
                "we'd integrate it with {c}", "i came here from a {c} search", "i heard about you from {c}",
                "found you on {c}", "we replaced {c} last year", "you'd have to be cheaper than {c}",
                "we're unhappy with {c}", "our contract with {c} ends soon", "clients like {c}",
                "we do a lot of work for {c}", "we're evaluating {c} as well", "my old boss at {c} used you",
                "we sync everything to {c}", "we already pay for {c}", "most of our revenue comes from {c}"]

# Generated examples found identical to an evaluation example by bench/nlu_eval.py's overlap check,
# kept out by digest (sha256 of the lower-cased words without entity marks) so that no evaluation
# text is written here. The evaluation set is never read by this script.
EXCLUDED = {"9d1dc95dd76ed2f8", "64d3693bbce57417", "8b8a8e635a07a202", "62d23a2ba3373d77"}


COMPANY_FRAMES = ["i work at {c}", "at {c}", "{c}", "im with {c}", "i'm from {c}", "the company is {c}",
                  "company: {c}", "we're {c}", "our company is called {c}", "i run {c}", "working for {c} right now",
                  "my employer is {c}", "{c} is where i work", "it's {c}", "i represent {c}", "i founded {c}",
                  "reaching out from {c}", "i'm with a company called {c}", "{c}, we're a small team",
                  "i'm part of {c}", "work for {c}", "employed at {c}", "currently at {c}", "we are {c}",
                  "the org is {c}", "i'm on the team at {c}", "our business is {c}", "{c} here", "from {c}"]
ROLE_FRAMES = ["i'm a {r}", "{r}", "i am the {r}", "my role is {r}", "i work as a {r}", "im the {r}",
               "title is {r}", "role: {r}", "i'm the {r} here", "currently {r}", "i'm {r}", "i do {r} work",
               "position is {r}", "i'm working as {r}", "job title {r}", "{r} by trade", "i'm our {r}"]
BOTH_FRAMES = ["{r} at {c}", "i'm a {r} at {c}", "i'm the {r} of {c}", "{r} with {c}", "i work at {c} as a {r}",
               "{c}, {r}", "i'm {r} over at {c}", "co-founder of {c}" , "{r} for {c}", "{c} - {r}"]
KNOWN_FRAMES = [*COMPANY_FRAMES, "i am from {c}", "i'm an employee of {c}", "my company: {c}", "we're a team at {c}",
                "i'm over at {c}", "{c} employee here", *BOTH_FRAMES]
ROLE_TRAIL_FRAMES = ["as {a} {r} i {goal}", "i'm {a} {r} and i {goal}", "{r} here, {goal}", "i'm {a} {r} at {org}",
                     "i am {a} {r} working at {org}", "i'm {a} {r}, i {goal}", "i work as {a} {r} in {org}",
                     "{r} at {org}", "im {a} {r}", "i am {a} {r} at {org} and i {goal}", "i'm just {a} {r}",
                     "i'm {a} {r} by training", "{a} {r}, mostly", "my job? {r}", "i'm {a} {r} in {org}"]
DEPT_FRAMES = ["i'm in {d}", "i work in {d}", "in {d}", "i do {d}", "im in {d}", "i am in {d}", "i'm on the {d} side",
               "i'm in {d} at {c}", "i work in {d} at {c}", "i handle {d}", "i look after {d}", "i run {d}",
               "i'm responsible for {d}", "i'm in {d}, {goal}", "i do {d} for {c}", "i'm over in {d}",
               "i work in {d} for {org}", "mostly {d}", "i'm in charge of {d}"]
CONTRAST_FRAMES = ["i'm in {p}", "i am in {p}", "we're in {i}", "we are in {i}", "our company is in {i}",
                   "i'm based in {p}"]
NAME_FRAMES = ["{n}", "i'm {n}", "my name is {n}", "{n} here", "call me {n}", "name's {n}", "it's {n}",
               "this is {n} from {c}", "{n}, {r} at {c}", "i'm {n} and i work at {c}", "{n} from {c}",
               "hey, {n} here, {r} at {c}"]
THE_FRAMES = ["i'm with the {c}", "i work for the {c}", "at the {c}", "the {c}", "i'm at the {c}", "from the {c}",
              "we're the {c}", "i'm a {r} at the {c}", "{r} at the {c}", "i work at the {c} as a {r}"]


def company(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.3:
        words = [invented_word(rng)]
    elif shape < 0.65:
        words = [rng.choice(HEADS) + rng.choice(["", "", rng.choice(HEADS)]), rng.choice(TRADES)]
    elif shape < 0.9:
        words = [rng.choice(HEADS), rng.choice(TRADES), rng.choice(LEGAL)]
    else:
        words = [rng.choice(HEADS), rng.choice(HEADS), rng.choice(TRADES)]
    return cased(rng, " ".join(words), upper_ok=len(words[0]) <= 4)


def example(rng: random.Random) -> str:
    c = f"[{company(rng)}](company)"
    r = f"[{cased(rng, rng.choice(ROLES)) if rng.random() < 0.3 else rng.choice(ROLES)}](role)"
    n = f"[{cased(rng, rng.choice(FIRST) + ' ' + rng.choice(LAST))}](name)"
    kind = rng.random()
    if kind < 0.45:
        frames = COMPANY_FRAMES
    elif kind < 0.65:
        frames = ROLE_FRAMES
    else:
        frames = BOTH_FRAMES if kind < 0.85 else NAME_FRAMES
    return rng.choice(frames).format(c=c, r=r, n=n)


def known_companies() -> list[str]:
    """The entries of the known_company lookup table (nlu_data/lookup_companies.yml)."""
    return re.findall(r"^    - (.+?)\s*$", KNOWN.read_text(encoding="utf-8"), flags=re.MULTILINE)


def known_example(rng: random.Random, known: list[str]) -> str:
    name = rng.choice(known)
    written = joiners_lowered(cased(rng, name, upper_ok=len(name) <= 4))
    c = f"[{written}](company)"
    r = f"[{cased(rng, rng.choice(ROLES)) if rng.random() < 0.3 else rng.choice(ROLES)}](role)"
    return rng.choice(KNOWN_FRAMES).format(c=c, r=r)


def role_example(rng: random.Random) -> str:
    role = rng.choice(MORE_ROLES if rng.random() < 0.7 else ROLES)
    written = cased(rng, role) if rng.random() < 0.25 else role
    article = "an" if role[0] in "aeiou" else "a"
    return rng.choice(ROLE_TRAIL_FRAMES).format(a=article, r=f"[{written}](role)", goal=rng.choice(GOALS),
                                                org=rng.choice(ORGS))


def department_example(rng: random.Random) -> str:
    if rng.random() < 0.2:
        return rng.choice(CONTRAST_FRAMES).format(p=rng.choice(PLACES), i=rng.choice(INDUSTRIES))
    department = rng.choice(DEPARTMENTS)
    written = department.upper() if len(department) <= 3 and rng.random() < 0.5 else cased(rng, department)
    return rng.choice(DEPT_FRAMES).format(d=f"[{written}](role)", c=f"[{company(rng)}](company)",
                                          goal=rng.choice(GOALS), org=rng.choice(ORGS))


def bare_company(rng: random.Random) -> str:
    """An invented company as named alone: one made-up word, or a word (a family name, say) and what it does."""
    roll = rng.random()
    if roll < 0.4:
        words = [invented_word(rng)]
    else:
        head = rng.choice(LAST) if rng.random() < 0.4 else rng.choice(HEADS)
        words = [head, rng.choice(BARE_TRADES)]
        if roll > 0.85:  # a third word: "Green Vertex Logistics", "Novak Ventures GmbH"
            words = [head, rng.choice(HEADS), words[1]] if rng.random() < 0.5 else [*words, rng.choice(LEGAL)]
    return cased(rng, " ".join(words), upper_ok=len(words[0]) <= 4)


def bare_example(rng: random.Random, known: list[str]) -> str:
    roll = rng.random()
    if roll < 0.2:
        return f"[{cased(rng, rng.choice(FIRST) + ' ' + rng.choice(LAST))}](name)"
    if roll < 0.4:
        name = rng.choice([k for k in known if " " not in k])
        return f"[{cased(rng, name, upper_ok=len(name) <= 4)}](company)"
    return f"[{bare_company(rng)}](company)"


def institution(rng: random.Random) -> str:
    """A name with "of" or "and" inside ("University of Ashdale", "Novak and Rossi"), or two words said after "the"."""
    roll = rng.random()
    if roll < 0.55:
        place = invented_word(rng) if rng.random() < 0.3 else rng.choice(HEADS) + rng.choice(PLACE_ENDS)
        words = f"{rng.choice(INSTITUTIONS)} of {place}"
    elif roll < 0.8:
        pool = LAST if rng.random() < 0.5 else HEADS
        words = f"{rng.choice(pool)} {rng.choice(['and', '&'])} {rng.choice(pool)}"
    else:
        words = f"{rng.choice(HEADS)} {rng.choice([*BARE_TRADES, 'trust', 'foundation', 'institute', 'agency'])}"
    return joiners_lowered(cased(rng, words))


def institution_example(rng: random.Random) -> str:
    c = institution(rng)
    r = f"[{rng.choice(ROLES)}](role)"
    if rng.random() < 0.33:
        department = rng.choice(DEPARTMENTS)
        title = joiners_lowered(cased(rng, f"{rng.choice(['head', 'vp', 'director', 'manager', 'svp', 'lead'])} "
                                              f"of {department}"))
        r = f"[{title.replace(department.title(), department.upper()) if len(department) <= 3 else title}](role)"
        frames = [*ROLE_FRAMES, "i'm the {r} at the [" + c + "](company)", "{r} at [" + c + "](company)"]
        return rng.choice(frames).format(r=r)
    if c.lower().startswith(tuple(f"{i} of " for i in INSTITUTIONS)) or " and " in c or " & " in c:
        frame = rng.choice([*COMPANY_FRAMES, *BOTH_FRAMES])
    else:
        frame = rng.choice(THE_FRAMES)
    return frame.format(c=f"[{c}](company)", r=r)


def other_example(rng: random.Random, known: list[str]) -> str:
    """A company named in a sentence about someone else's business: no entity."""
    def one() -> str:
        return cased(rng, rng.choice(known)) if rng.random() < 0.6 else company(rng)
    c = one() if rng.random() < 0.75 else f"{one()} and {one()}"
    return rng.choice(OTHER_FRAMES).format(c=joiners_lowered(c))


def intro_example(rng: random.Random) -> str:
    """A greeting that introduces its writer (greetings that name their reader, "good morning Sara", are greetings
    with no entity: nlu_data/variety.yml)."""
    person = rng.choice(FIRST) + (f" {rng.choice(LAST)}" if rng.random() < 0.4 else "")
    n = f"[{cased(rng, person)}](name)"
    r = f"[{rng.choice(ROLES)}](role)"
    greeting = rng.choice(GREETINGS)
    return rng.choice(INTRO_FRAMES).format(g=greeting.capitalize() if rng.random() < 0.5 else greeting, n=n, r=r,
                                           c=f"[{company(rng)}](company)")


def digest(example: str) -> str:
    plain = re.sub(r"\[([^\]]+)\]\(\w+\)", r"\1", example)
    words = " ".join(re.sub(r"[^a-z0-9 ]", "", plain.lower()).split())
    return hashlib.sha256(words.encode()).hexdigest()[:16]


def render() -> str:
    seen: dict[str, None] = {}
    known = known_companies()
    streams: list[tuple[int, int, Callable[[random.Random], str]]] = [
        (SEED, COUNT, example), (KNOWN_SEED, KNOWN_COUNT, lambda rng: known_example(rng, known)),
        (ROLE_SEED, ROLE_COUNT, role_example), (DEPT_SEED, DEPT_COUNT, department_example),
        (BARE_SEED, BARE_COUNT, lambda rng: bare_example(rng, known)),
        (INSTITUTION_SEED, INSTITUTION_COUNT, institution_example),
        (OTHER_SEED, OTHER_COUNT, lambda rng: other_example(rng, known)), (INTRO_SEED, INTRO_COUNT, intro_example)]
    for seed, count, make in streams:  # each stream with its own generator: adding one leaves the others as they were
        rng, target = random.Random(seed), len(seen) + count  # noqa: S311 - reproducible data, not secrets
        while len(seen) < target:
            text = make(rng)
            if digest(text) not in EXCLUDED:
                seen.setdefault(text, None)
    lines = [f"    - {text}" for text in seen]
    header = ("# Generated by scripts/gen_profile_answers.py (profile answers with lower-case and multi-word\n"
              "# companies and roles, as typed in chat). Edit the script, not this file.\n")
    return header + 'version: "3.1"\nnlu:\n- intent: inform\n  examples: |\n' + "\n".join(lines) + "\n"


def main() -> int:
    OUT.write_text(render(), encoding="utf-8")
    total = COUNT + KNOWN_COUNT + ROLE_COUNT + DEPT_COUNT + BARE_COUNT + INSTITUTION_COUNT + OTHER_COUNT + INTRO_COUNT
    print(f"wrote {OUT} ({total} examples)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
