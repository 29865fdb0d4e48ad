"""The words the profile-answer generator (gen_profile_answers.py) builds its examples from: invented company
parts, roles, names, departments, places. All written for this project; extend them freely."""

from __future__ import annotations

import random
import re

HEADS = ["blue", "north", "silver", "green", "bright", "iron", "red", "summit", "harbor", "pine", "clear", "swift",
         "cedar", "atlas", "nova", "orbit", "lumen", "vertex", "quartz", "maple", "granite", "coral", "ember", "polar",
         "sable", "tidal", "violet", "willow", "amber", "copper", "delta", "echo", "falcon", "golden", "hollow",
         "indigo", "juniper", "kestrel", "lantern", "meadow", "oak", "prairie", "river", "stone", "sun", "true",
         "urban", "wild"]
TRADES = ["labs", "systems", "analytics", "logistics", "health", "media", "studios", "software", "robotics", "foods",
          "energy", "partners", "capital", "group", "consulting", "works", "bank", "insurance", "tech", "cloud",
          "payments", "learning", "motors", "retail", "biotech", "security", "data", "marketing", "design", "freight"]
BARE_TRADES = [*TRADES, "industries", "enterprises", "corporation", "holdings", "solutions", "technologies",
               "international", "dynamics", "ventures", "global", "networks", "brands", "services", "company",
               "manufacturing", "pharma", "airlines", "hotels", "electric", "records", "publishing", "textiles"]
LEGAL = ["inc", "ltd", "gmbh", "llc", "corp", "ag", "plc", "bv", "co"]
SYLLABLES = ["zen", "tri", "ko", "va", "plu", "mly", "tar", "vo", "bris", "ka", "lo", "mi", "ra", "nex", "qui", "dor",
             "sel", "fy", "ly", "xa", "pe", "ton", "gri", "bo", "lu", "ve", "sta", "ix", "ora", "ent"]
ROLES = ["cto", "ceo", "coo", "cmo", "cfo", "founder", "co-founder", "engineer", "developer", "marketer", "sales rep",
         "account executive", "head of growth", "vp sales", "vp of sales", "product manager", "data analyst",
         "consultant", "freelancer", "intern", "student", "teacher", "recruiter", "designer", "ops lead",
         "revops manager", "demand gen manager", "owner", "managing director", "office manager", "sdr", "bdr",
         "customer success manager", "researcher", "phd student", "software architect", "cio", "head of sales",
         "sales director", "marketing director", "marketing manager", "growth marketer", "it manager", "analyst",
         "operations manager", "head of revenue operations", "sales ops analyst", "partner", "principal",
         "solutions engineer", "content writer", "seo specialist", "project manager", "team lead", "accountant",
         "business owner", "chief revenue officer", "head of marketing", "sales manager", "vp engineering"]
FIRST = ["ana", "ben", "chloe", "dario", "elif", "femi", "greta", "hugo", "ines", "jonas", "kofi", "lena", "mateo",
         "nadia", "omar", "priya", "quentin", "rosa", "sven", "tara", "umar", "vera", "wen", "yara", "zoltan", "aiko",
         "bruno", "carla", "dmitri", "esme", "farid", "gwen", "hamza", "ivy", "jorge", "katya", "liam", "mina"]
LAST = ["okafor", "lindqvist", "moreau", "tanaka", "kowalski", "haddad", "fernandes", "novak", "brennan", "osei",
        "schulz", "park", "rossi", "dubois", "nakamura", "silva", "khan", "jensen", "ivanova", "mendez", "obi", "varga"]
MORE_ROLES = ["journalist", "nurse", "doctor", "lawyer", "paralegal", "architect", "dev", "pm", "hr manager",
              "hr director", "talent partner", "engineering manager", "data engineer", "ml engineer", "devops engineer",
              "qa engineer", "ux designer", "copywriter", "editor", "sales engineer", "solutions architect",
              "account manager", "support agent", "support lead", "community manager", "social media manager",
              "brand manager", "product owner", "scrum master", "chief of staff", "general manager",
              "country manager", "regional sales manager", "partnerships manager", "growth lead",
              "marketing ops manager", "crm manager", "email marketer", "agency owner", "shop owner", "realtor",
              "broker", "financial advisor", "controller", "bookkeeper", "professor", "lecturer", "phd candidate",
              "postdoc", "entrepreneur", "solo founder", "grad student", "coach", "trainer", "pharmacist",
              "engineer", "analyst", "web developer", "backend developer", "it admin", "sysadmin", "buyer",
              "procurement lead", "event manager", "store manager", "executive assistant", "secretary",
              "vp of marketing", "director of sales", "head of customer success", "chief marketing officer"]
GOALS = ["want to learn more", "have a few questions", "need some help with our pipeline", "am just looking around",
         "need a tool for my team", "want to see how this works", "was sent here by a colleague",
         "am comparing a few options", "would like to know the price", "am new to all this"]
ORGS = ["a bank", "a hospital", "a startup", "a small agency", "a saas company", "a university", "a retail chain",
        "a law firm", "a nonprofit", "a manufacturing company", "a school", "an insurance company", "a big corporate",
        "a family business", "a consultancy", "the city council", "an online shop", "a newspaper"]
DEPARTMENTS = ["sales", "marketing", "finance", "hr", "engineering", "procurement", "operations", "customer success",
               "it", "legal", "product", "support", "revops", "sales ops", "accounting", "design", "data",
               "partnerships", "demand gen", "business development", "growth", "recruiting", "customer support",
               "sales enablement", "pr", "communications", "purchasing", "compliance", "security", "marketing ops",
               "inside sales", "field sales", "account management", "people ops", "talent acquisition", "analytics",
               "product marketing", "field marketing", "it ops", "devops"]
PLACES = ["berlin", "london", "texas", "the uk", "europe", "canada", "sydney", "paris", "new york", "the us", "madrid",
          "toronto", "singapore"]
INDUSTRIES = ["retail", "healthcare", "fintech", "logistics", "education", "real estate", "manufacturing", "saas",
              "hospitality", "insurance"]
INSTITUTIONS = ["bank", "university", "museum", "institute", "college", "city", "county", "department", "ministry",
                "society", "academy", "school", "hospital", "federation", "association", "port", "council", "library",
                "state university", "royal bank", "first bank", "chamber of commerce", "district", "church", "board"]
GREETINGS = ["hi", "hello", "hey", "hiya", "hi there", "hello there", "hey there", "good morning", "good afternoon",
             "good evening", "morning", "howdy", "hi all", "greetings", "hey hey"]
PLACE_ENDS = ["ton", "field", "ford", "dale", "wick", "more", "bury", "port", "stead", "ridge"]


def invented_word(rng: random.Random) -> str:
    """A made-up one-word name of two or three syllables ("Zentrika")."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def cased(rng: random.Random, text: str, upper_ok: bool = False) -> str:
    roll = rng.random()
    if roll < 0.45:
        return text.lower()
    if upper_ok and roll > 0.9:
        return text.upper()
    return " ".join(w if w in LEGAL and rng.random() < 0.5 else w.capitalize() for w in text.split())


def joiners_lowered(text: str) -> str:
    """"Bank Of America" as people write it, "Bank of America": "of", "and" and "the" inside a name stay lower case."""
    return re.sub(r"(?<= )(Of|And|The)\b", lambda m: m.group(1).lower(), text)
