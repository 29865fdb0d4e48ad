from __future__ import annotations

from datetime import datetime, timezone

import pytest

from nurture_engine.company import parse_company_size
from nurture_engine.domain import ProfileField
from nurture_engine.errors import InvalidValue
from nurture_engine.normalize import normalise, parse_budget, parse_email
from nurture_engine.roles import normalise_role
from nurture_engine.timeline import parse_timeline

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)  # Q4


@pytest.mark.parametrize(("raw", "expected"), [
    ("Jane.Doe@Acme.COM", "jane.doe@acme.com"),
    ("sure, it's bob@northwind.io thanks", "bob@northwind.io"),
    ("a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk"),
])
def test_email_is_extracted_and_lower_cased(raw: str, expected: str) -> None:
    assert parse_email(raw) == expected


@pytest.mark.parametrize(("raw", "reason"), [
    ("bob at gmail", "missing_at"),  # "bob at gmail dot com" is an address since stop 33 (test_spelled_email.py)
    ("my email is bob.gmail.com", "missing_at"),
    ("bob gmail", "missing_at"),
    ("I'm a student researching sales tools", "sentence"),
    ("just send it to my work address", "sentence"),
    ("bob@gmail", "syntax"),
    ("bob@@gmail.com", "syntax"),
    ("bob..x@gmail.com", "syntax"),
    ("yes please", "no_address"),  # "it needs an @ and a domain" until stop 30
    ("Sure!", "no_address"),
])
def test_invalid_email_has_a_reason(raw: str, reason: str) -> None:
    with pytest.raises(InvalidValue) as err:
        parse_email(raw)
    assert err.value.reason == reason


@pytest.mark.parametrize(("raw", "expected"), [
    ("about 450 people", {"min": 450, "max": 450}),
    ("50-200", {"min": 50, "max": 200}),
    ("just me", {"min": 1, "max": 1}),
    ("a team of 12", {"min": 12, "max": 12}),
    ("around 2k", {"min": 2000, "max": 2000}),
    ("1,500 employees", {"min": 1500, "max": 1500}),
    ("over 1000", {"min": 1000, "max": None}),
    ("a few hundred", {"min": 200, "max": 500}),
    ("twelve of us", {"min": 12, "max": 12}),
])
def test_company_size(raw: str, expected: dict[str, int | None]) -> None:
    assert parse_company_size(raw) == expected


def test_company_size_without_a_number_is_rejected() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_company_size("quite big")
    assert err.value.reason == "no_number"


@pytest.mark.parametrize(("raw", "amount", "upper", "currency", "period"), [
    ("40k USD a year", 40_000, None, "USD", "year"),
    ("€2,000 per month", 2_000, None, "EUR", "month"),
    ("about 10k", 10_000, None, None, None),
    ("$1.5m annually", 1_500_000, None, "USD", "year"),
    ("10-20k pounds", 10_000, 20_000, "GBP", None),
    ("no budget yet", 0, None, None, None),
])
def test_budget(raw: str, amount: int, upper: int | None, currency: str | None, period: str | None) -> None:
    assert parse_budget(raw) == {"amount": amount, "max": upper, "currency": currency, "period": period}


@pytest.mark.parametrize(("raw", "months"), [
    ("this quarter", 2),  # November: December is the last month of Q4
    ("next quarter", 5),
    ("next year", 7),  # the middle of next year
    ("no plans", None),
    ("asap", 0),
    ("within 3 months", 3),
    ("in 6 weeks", 2),
    ("next month", 1),
    ("by end of Q2", 8),
    ("half a year", 6),
])
def test_timeline_in_months(raw: str, months: int | None) -> None:
    assert parse_timeline(raw, NOW)["months"] == months


def test_unclear_timeline_is_rejected() -> None:
    with pytest.raises(InvalidValue):
        parse_timeline("purple", NOW)


@pytest.mark.parametrize(("raw", "title", "seniority"), [
    ("head of revops", "Head of Revenue Operations", "director"),
    ("I'm in finance", "Finance", "individual"),  # "In Finance" until stop 21
    ("I work in sales", "Sales", "individual"),
    ("I'm the CTO", "Chief Technology Officer", "c_level"),
    ("VP Sales at Globex", "VP Sales", "vp"),
    ("marketing manager", "Marketing Manager", "manager"),
    ("I'm a student writing a paper", "Student", "student"),
    ("co-founder", "Founder", "c_level"),
    ("account executive", "Account Executive", "individual"),
    ("university", "Student", "student"),  # "none, I'm at university": the NLU tags the place as the role
    ("at college", "Student", "student"),
    ("head of school", "Head of School", "director"),
    ("high school teacher", "High School Teacher", "individual"),
    # a team one runs (stop 27: the department's title at the individual level)
    ("I head up sales ops", "Head of Sales Operations", "director"),
    ("i run marketing at Globex", "Head of Marketing", "director"),
    ("I lead the revops team", "Revenue Operations Lead", "manager"),
    ("I manage our SDR team", "SDR Manager", "manager"),
    ("I run a small agency", "Owner", "c_level"),  # a business, not a team (stop 31: "I Run A Small Agency")
    ("I'm the MD", "Managing Director", "c_level"), ("managing director, UK", "Managing Director", "c_level"),
    ("GM", "General Manager", "director"), ("md at acme", "Managing Director", "c_level"),
    # a team named by its members (stop 34: "I Lead A Team of 6 Aes")
    ("I lead a team of 6 AEs", "AE Team Lead", "manager"),
    ("I manage a team of 10 SDRs at Globex", "SDR Team Manager", "manager"),
    ("I lead a team of 4 sales reps", "Sales Rep Team Lead", "manager"),
    # a rank over the reps (stop 28: a Sales Development Representative at the individual level)
    ("Head of Sales Development", "Head of Sales Development", "director"),
    ("SDR Manager", "SDR Manager", "manager"),
    ("Director of Business Development Reps", "Director of Business Development Reps", "director"),
    ("senior account executive", "Account Executive", "individual"),
    ("junior SDR", "Sales Development Representative", "individual"),
    # owning or researching something at work (stop 28: a Founder at c-level, a Researcher with no seniority)
    ("Product Owner", "Product Owner", "individual"),
    ("business owner", "Founder", "c_level"),
    ("UX researcher", "UX Researcher", "individual"),
    ("researcher at a university", "Researcher", "none"),
])
def test_role_title_and_seniority(raw: str, title: str, seniority: str) -> None:
    assert normalise_role(raw) == {"title": title, "seniority": seniority}


@pytest.mark.parametrize("raw", ["", "   ", "x" * 2001])
def test_empty_or_huge_answers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalise(ProfileField.COMPANY, raw, NOW)


@pytest.mark.parametrize(("field", "raw", "expected"), [
    (ProfileField.NAME, "my name is priya natarajan", "Priya Natarajan"),
    (ProfileField.NAME, "José", "José"),
    (ProfileField.COMPANY, "I work at Northwind Traders.", "Northwind Traders"),
    (ProfileField.USE_CASE, "better pipeline forecasting", "better pipeline forecasting"),
    (ProfileField.PHONE, "+44 20 7946 0958", "+442079460958"),
])
def test_text_fields(field: ProfileField, raw: str, expected: str) -> None:
    assert normalise(field, raw, NOW) == expected


@pytest.mark.parametrize("raw", ["<script>alert(1)</script>", "yes", "12345"])
def test_names_that_are_not_names_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalise(ProfileField.NAME, raw, NOW)


@pytest.mark.parametrize("raw", ["yes", "Yeah!", "ok sure", "not sure", "I don't know", "hmm", "ok."])
def test_a_reply_that_answers_nothing_is_not_a_use_case(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalise(ProfileField.USE_CASE, raw, NOW)


def test_a_short_real_use_case_is_kept() -> None:
    assert normalise(ProfileField.USE_CASE, "lead scoring", NOW) == "lead scoring"


@pytest.mark.parametrize("raw", ["budget is about 80k per year", "80k a year", "$2,000 a month", "50k annually",
                                 "in 20 years", "about 300 users per month"])
def test_an_amount_a_rate_or_an_absurd_span_is_not_a_timeline(raw: str) -> None:
    """"budget is about 80k per year", said to the timeline question, was "in 960,000 months" until stop 21."""
    with pytest.raises(InvalidValue):
        parse_timeline(raw, NOW)
    assert parse_timeline("in a year", NOW)["months"] == 12 and parse_timeline("within 2 years", NOW)["months"] == 24



@pytest.mark.parametrize("raw", ["We", "our company", "us", "It"])
def test_a_pronoun_is_not_a_company(raw: str) -> None:
    with pytest.raises(InvalidValue):
        normalise(ProfileField.COMPANY, raw, NOW)
    assert normalise(ProfileField.COMPANY, "we're Wayne Enterprises", NOW) == "Wayne Enterprises"


@pytest.mark.parametrize(("field", "raw"), [
    (ProfileField.USE_CASE, "what happens next?"), (ProfileField.USE_CASE, "what's the price?"),
    (ProfileField.USE_CASE, "where are you based??"), (ProfileField.NAME, "who's asking?"),
    (ProfileField.COMPANY, "why does that matter?"), (ProfileField.ROLE, "is this a real person?"),
    (ProfileField.USE_CASE, "how much does it cost?"), (ProfileField.USE_CASE, "do you have an API?"),
    (ProfileField.EMAIL, "do you have customers in healthcare?"), (ProfileField.EMAIL, "why do you need it?"),
])
def test_a_question_back_is_no_answer(field: ProfileField, raw: str) -> None:
    """"what happens next?", said to the use-case question, was stored as the use case until stop 22; "do you have
    customers in healthcare?", said to the email question, was "that doesn't look like an email address" until
    stop 25."""
    with pytest.raises(InvalidValue) as error:
        normalise(field, raw, NOW)
    assert error.value.reason == "question"


@pytest.mark.parametrize("raw", ["How do we stop losing deals?", "Pipeline visibility?", "better forecasting",
                                 "How can I get my reps to update the CRM?", "We need forecasts. What's the price?",
                                 "What about lead scoring?"])
def test_an_answer_phrased_as_a_question_is_kept(raw: str) -> None:
    assert normalise(ProfileField.USE_CASE, raw, NOW)


def test_an_email_with_a_question_mark_is_still_an_email() -> None:
    assert normalise(ProfileField.EMAIL, "is it ana@globex.com?", NOW) == "ana@globex.com"


@pytest.mark.parametrize(("field", "raw"), [
    (ProfileField.ROLE, "we need better forecasting"), (ProfileField.COMPANY, "Sure, we'd love to automate routing"),
    (ProfileField.NAME, "I want to stop losing deals"), (ProfileField.ROLE, "our team needs cleaner CRM data"),
])
def test_a_stated_need_is_no_name_company_or_role(field: ProfileField, raw: str) -> None:
    """"we need better forecasting", said to "what's your role?", was the role "We Need Better Forecasting" until
    stop 23."""
    with pytest.raises(InvalidValue) as error:
        normalise(field, raw, NOW)
    assert error.value.reason == "need"


@pytest.mark.parametrize(("field", "raw", "value"), [
    (ProfileField.USE_CASE, "we need better forecasting", "we need better forecasting"),
    (ProfileField.ROLE, "I'm looking for a new job", {"title": "Job seeker", "seniority": "none"}),
])
def test_wants_that_are_no_need_are_answers(field: ProfileField, raw: str,
                                                                     value: object) -> None:
    assert normalise(field, raw, NOW) == value


@pytest.mark.parametrize(("field", "raw"), [
    (ProfileField.USE_CASE, "ok, what about Dynamics?"),
    (ProfileField.USE_CASE, "and pipedrive?"),
    (ProfileField.ROLE, "and pipedrive?"),
    (ProfileField.ROLE, "what about the enterprise plan?"),
    (ProfileField.COMPANY, "cool, and Zoho?"),
    (ProfileField.NAME, "how about SSO?"),
])
def test_a_follow_up_question_is_no_answer(field: ProfileField, raw: str) -> None:
    """"ok, what about Dynamics?" was stored as the use case and "and pipedrive?" as the role until stop 26."""
    with pytest.raises(InvalidValue) as err:
        normalise(field, raw, NOW)
    assert err.value.reason == "question"


@pytest.mark.parametrize("raw", ["What about lead scoring?", "what about forecasting?", "and also forecasting"])
def test_a_need_put_as_what_about_is_still_a_use_case(raw: str) -> None:
    assert normalise(ProfileField.USE_CASE, raw, NOW)


@pytest.mark.parametrize(("field", "raw"), [
    (ProfileField.USE_CASE, "tom.wayne@example"), (ProfileField.COMPANY, " ana@globex.com "),
    (ProfileField.ROLE, "@ana"), (ProfileField.NAME, "ana@"),
])
def test_an_address_is_no_free_text_answer(field: ProfileField, raw: str) -> None:
    """Stop 27 stored "tom.wayne@example", typed to the use-case question, as the use case."""
    with pytest.raises(InvalidValue) as err:
        normalise(field, raw, NOW)
    assert err.value.reason == "address"


def test_words_with_an_address_or_a_web_address_are_still_answers() -> None:
    assert normalise(ProfileField.USE_CASE, "alerts to sales@ our team", NOW) == "alerts to sales@ our team"
    assert normalise(ProfileField.COMPANY, "globex.com", NOW) == "globex.com"


@pytest.mark.parametrize("raw", ["lead routing", "pipeline forecasting", "lead gen", "reporting and dashboards"])
def test_what_one_wants_is_no_role(raw: str) -> None:
    """"lead routing", said to "what's your role?" after skipping the use case, was the role "Lead Routing" at the
    manager level until stop 28."""
    with pytest.raises(InvalidValue) as error:
        normalise(ProfileField.ROLE, raw, NOW)
    assert error.value.reason == "need"


@pytest.mark.parametrize(("raw", "title", "seniority"), [
    ("Lead Scoring Analyst", "Lead Scoring Analyst", "individual"),  # "lead" before an activity is no rank
    ("Head of Lead Generation", "Head of Lead Generation", "director"),
    ("Demand Gen Manager", "Demand Gen Manager", "manager"),
    ("Team Lead", "Team Lead", "manager"),
    ("SDR, mostly follow-ups", "Sales Development Representative", "individual"),
])
def test_titles_naming_an_activity_stay_titles(raw: str, title: str, seniority: str) -> None:
    assert normalise(ProfileField.ROLE, raw, NOW) == {"title": title, "seniority": seniority}


@pytest.mark.parametrize("field", [ProfileField.ROLE, ProfileField.COMPANY, ProfileField.USE_CASE, ProfileField.NAME])
def test_contact_details_in_words_are_no_free_text_answer(field: ProfileField) -> None:
    """"my email is bob at gmail dot com" to "what's your role?" was the role "My Email Is Bob" until stop 29: now
    the visitor is asked to type the address in full."""
    for raw in ("my email is bob at gmail dot com", "bob at gmail dot com", "my phone number is 555 0100"):
        with pytest.raises(InvalidValue) as error:
            normalise(field, raw, NOW)
        assert error.value.reason == "address", raw


def test_a_word_repeated_is_no_answer() -> None:
    """"spam spam spam ..." (400 times) was stored as the use case until stop 29."""
    for raw in ("spam " * 400, "test test test test test", "la la la la la"):
        with pytest.raises(InvalidValue) as error:
            normalise(ProfileField.USE_CASE, raw.strip(), NOW)
        assert error.value.reason == "unclear"
    assert normalise(ProfileField.USE_CASE, "forecast forecast our pipeline please", NOW)  # some repetition is fine
    assert normalise(ProfileField.ROLE, "VP Sales at Globex", NOW) == {"title": "VP Sales", "seniority": "vp"}


@pytest.mark.parametrize(("field", "raw"), [
    (ProfileField.TIMELINE, "when can I start?"),
    (ProfileField.COMPANY_SIZE, "why does that matter?"),
    (ProfileField.BUDGET, "how much do most teams spend?"),
])
def test_a_question_back_to_a_number_question_is_a_question(field: ProfileField, raw: str) -> None:
    """Until stop 29 "when can I start?" to the timeline question got "I didn't catch the timing"."""
    with pytest.raises(InvalidValue) as error:
        normalise(field, raw, NOW)
    assert error.value.reason == "question"
    assert normalise(ProfileField.TIMELINE, "next quarter?", NOW)  # an answer with a question mark stays an answer


@pytest.mark.parametrize("raw", ["in about 2 months", "by Q3", "we start in 2027", "6 weeks from now"])
def test_a_time_is_no_head_count(raw: str) -> None:
    """"in about 2 months" to "how many people work at your company?" was a company of 2 until stop 29."""
    with pytest.raises(InvalidValue) as error:
        normalise(ProfileField.COMPANY_SIZE, raw, NOW)
    assert error.value.reason == "no_number"


@pytest.mark.parametrize(("raw", "size"), [
    ("about 50 people, hiring 10 more this year", {"min": 50, "max": 50}),
    ("200-500", {"min": 200, "max": 500}),
    ("we were 40 two years ago, 120 now", {"min": 40, "max": 120}),  # as before: two numbers read as a range
])
def test_head_counts_beside_times_are_still_read(raw: str, size: dict[str, int]) -> None:
    assert normalise(ProfileField.COMPANY_SIZE, raw, NOW) == size


def test_an_opening_interjection_is_no_part_of_the_use_case() -> None:
    assert normalise(ProfileField.USE_CASE, "cool. we're evaluating tools for our sales team", NOW) == (
        "we're evaluating tools for our sales team")
    assert normalise(ProfileField.USE_CASE, "ok, great! better forecasting", NOW) == "better forecasting"
    assert normalise(ProfileField.USE_CASE, "great forecasting", NOW) == "great forecasting"  # no punctuation: kept


@pytest.mark.parametrize("raw", ["tell me about lead routing", "can you explain the forecasting?",
                                 "please tell me more about CRM hygiene", "show me how routing works"])
def test_a_request_for_information_is_a_question_back(raw: str) -> None:
    """"tell me about lead routing" to the use-case question was stored as the use case until stop 29."""
    with pytest.raises(InvalidValue) as error:
        normalise(ProfileField.USE_CASE, raw, NOW)
    assert error.value.reason == "question"
    assert normalise(ProfileField.USE_CASE, "explaining our pipeline to the board", NOW)  # an answer, not a request


@pytest.mark.parametrize("field", list(ProfileField))
def test_leave_to_ask_a_question_answers_no_question(field: ProfileField) -> None:
    """"actually can I still ask a question?" to the use-case question was stored as the use case until stop 30."""
    with pytest.raises(InvalidValue) as caught:
        normalise(field, "actually can I still ask a question?", NOW)
    assert caught.value.reason == "ask_away"


@pytest.mark.parametrize("field", [ProfileField.NAME, ProfileField.COMPANY, ProfileField.ROLE, ProfileField.USE_CASE])
@pytest.mark.parametrize("raw", ["I'm <b>Bob</b> from Evil Corp", "my name is Robert'); DROP TABLE leads;--",
                                 "<script>alert(1)</script>", "{{7*7}}"])
def test_markup_or_code_is_no_free_text_answer(field: ProfileField, raw: str) -> None:
    """Stored as the use case and the role until stop 30 (escaped wherever shown, but no profile value)."""
    with pytest.raises(InvalidValue) as caught:
        normalise(field, raw, NOW)
    assert caught.value.reason == "unclear"


@pytest.mark.parametrize("raw", ["forecasting; lead routing", "AT&T", "O'Reilly Media", "lead routing -- and scoring",
                                 "cut forecast error (by half)"])
def test_punctuation_in_real_answers_is_kept(raw: str) -> None:
    assert normalise(ProfileField.USE_CASE, raw, NOW) == raw


@pytest.mark.parametrize(("raw", "kept"), [
    ("mostly salesforce", False), ("HubSpot", False), ("we use slack mostly", False),  # stop 30: "Mostly Salesforce"
    ("Salesforce admin", True), ("HubSpot consultant", True), ("head of sales", True), ("student", True),
])
def test_a_role_that_names_only_a_tool_the_product_connects_to_is_no_role(raw: str, kept: bool) -> None:
    connectors = ("Salesforce", "HubSpot", "Slack")
    if kept:
        assert normalise(ProfileField.ROLE, raw, NOW, connectors=connectors)
        return
    with pytest.raises(InvalidValue) as err:
        normalise(ProfileField.ROLE, raw, NOW, connectors=connectors)
    assert err.value.reason == "tool"


@pytest.mark.parametrize(("raw", "reason"), [
    ("no idea, you tell me", "unsure"), ("not sure yet", "unsure"), ("you tell me", "unsure"),
    ("honestly no clue", "unsure"), ("I don't know really", "unsure"),
    ("my boss asked me to check this out", "unclear"), ("it's for my team", "unclear"),
    ("my boss wants me to find a tool", "unclear"),
])
def test_a_use_case_that_says_no_need_is_none(raw: str, reason: str) -> None:
    """Each was stored as the use case until stop 31."""
    with pytest.raises(InvalidValue) as err:
        normalise(ProfileField.USE_CASE, raw, NOW)
    assert err.value.reason == reason


@pytest.mark.parametrize("raw", [
    "our team wants better forecasts", "my manager wants me to look at forecasting tools",
    "not sure, maybe forecasting", "no idea how to forecast accurately", "pipeline forecasting",
])
def test_a_use_case_that_names_a_need_is_kept(raw: str) -> None:
    assert normalise(ProfileField.USE_CASE, raw, NOW) == raw


@pytest.mark.parametrize("raw", [
    "I do a bit of everything", "I'm the one who signs the checks", "team of 5", "it's complicated", "same as before",
])
def test_a_role_answer_that_is_no_title_is_asked_again(raw: str) -> None:
    """Each was stored as a title until stop 31 ("I Do A Bit of Everything")."""
    with pytest.raises(InvalidValue) as err:
        normalise_role(raw)
    assert err.value.reason == "unclear"


@pytest.mark.parametrize(("raw", "title", "seniority"), [
    ("the boss", "Owner", "c_level"), ("IT", "IT", "individual"), ("Head of Everything", "Head of Everything",
                                                                    "director"),
    ("I work in sales", "Sales", "individual"), ("Chief of Staff", "Chief of Staff", "c_level"),
])
def test_a_role_without_a_job_word_or_with_one_is_kept(raw: str, title: str, seniority: str) -> None:
    assert normalise_role(raw) == {"title": title, "seniority": seniority}


@pytest.mark.parametrize(("raw", "size"), [
    ("small", {"min": 1, "max": 99}), ("a startup", {"min": 1, "max": 99}), ("mid-size", {"min": 100, "max": 999}),
    ("medium sized company", {"min": 100, "max": 999}), ("enterprise", {"min": 1000, "max": None}),
    ("50ish", {"min": 50, "max": 50}), ("a few dozen", {"min": 24, "max": 60}), ("a dozen", {"min": 12, "max": 12}),
    ("200 people in 3 offices", {"min": 200, "max": 200}), ("3 offices, 120 people", {"min": 120, "max": 120}),
    ("mid-market, ~300 staff", {"min": 300, "max": 300}), ("200 people, budget 40k", {"min": 200, "max": 200}),
    ("we are 50-100 people and have $20k", {"min": 50, "max": 100}),
])
def test_a_company_size_in_words_or_beside_other_figures(raw: str, size: dict[str, int | None]) -> None:
    """"a startup", "mid-size" and "50ish" were asked again, and "a few dozen" was 12, until stop 31; beside an
    amount of money, the people counted are the size."""
    assert parse_company_size(raw) == size


@pytest.mark.parametrize(("raw", "reason"), [
    ("two offices", "not_people"), ("3 locations", "not_people"), ("we're in 4 countries", "not_people"),
    ("around 40k a year", "money"), ("we have about 30k for this", "money"), ("$50k", "money"),
    ("budget is 20000", "money"),
])
def test_a_count_of_other_things_or_an_amount_is_no_company_size(raw: str, reason: str) -> None:
    """"two offices" was a company of 2, and "around 40k a year" one of 40,000, until stop 31."""
    with pytest.raises(InvalidValue) as err:
        parse_company_size(raw)
    assert err.value.reason == reason


@pytest.mark.parametrize(("raw", "months"), [("H2", 2), ("H1", 8), ("H1 next year", 8), ("whenever", None),
                                            ("no hurry", None), ("yesterday", 0)])
def test_timelines_by_half_year_and_without_a_plan(raw: str, months: int | None) -> None:
    """"H2" and "whenever" were asked again until stop 31 (NOW is late November)."""
    assert parse_timeline(raw, NOW)["months"] == months


def test_an_answer_the_engine_reads_whatever_the_nlu_made_of_it() -> None:
    from nurture_engine.turn_answers import reads_as_answer

    assert reads_as_answer(ProfileField.TIMELINE, "yesterday", NOW)
    assert reads_as_answer(ProfileField.COMPANY_SIZE, "50ish", NOW)
    assert not reads_as_answer(ProfileField.TIMELINE, "lol", NOW)
    assert not reads_as_answer(ProfileField.TIMELINE, "what's the weather like tomorrow?", NOW)  # a question back
    assert not reads_as_answer(ProfileField.USE_CASE, "forecasting", NOW)  # free text: the NLU's reading stands
    assert not reads_as_answer(None, "yesterday", NOW)


def test_a_budget_in_grand_is_in_thousands() -> None:
    """"around 50 grand" was a budget of 50 until stop 31."""
    assert parse_budget("around 50 grand")["amount"] == 50_000
    assert parse_budget("10-20 grand a year") == {"amount": 10_000, "max": 20_000, "currency": None, "period": "year"}


@pytest.mark.parametrize(("raw", "reason"), [
    ("a small agency", "description"), ("the one with the red logo", "description"),
    ("I work at a big bank", "description"), ("one of the big four", "description"),
    ("it's confidential", "withheld"), ("stealth startup", "withheld"), ("I'd rather not say", "withheld"),
])
def test_a_company_answer_that_names_none_is_no_name(raw: str, reason: str) -> None:
    """Each was stored as the company's name until stop 31 ("it's confidential" as "confidential")."""
    with pytest.raises(InvalidValue) as err:
        normalise(ProfileField.COMPANY, raw, NOW)
    assert err.value.reason == reason


@pytest.mark.parametrize(("raw", "name"), [
    ("google", "Google"), ("acme corp", "Acme Corp"), ("eBay", "eBay"), ("ACME", "ACME"),
    ("freelance", "Self-employed"),
    ("I'm self-employed", "Self-employed"), ("The Home Depot", "The Home Depot"), ("A Cloud Guru", "A Cloud Guru"),
    ("salesforce.com", "salesforce.com"), ("Bank of America", "Bank of America"),
])
def test_a_company_name_as_the_visitor_gives_it(raw: str, name: str) -> None:
    assert normalise(ProfileField.COMPANY, raw, NOW) == name


async def test_a_company_withheld_is_a_refusal_and_not_asked_again() -> None:
    """"it's confidential" to "which company are you with?" is a refusal, as "no" is: skipped, and said so."""
    from nurture_engine.conversation import Conversation
    from nurture_engine.domain import Channel
    from nurture_engine.profiling import ProfileTurn, VisitState
    from nurture_engine.testing import memory_service, test_settings

    service, _, _ = memory_service(test_settings())
    conv = Conversation(channel=Channel.WEB, sender_id="v")
    result = await service.profile_turn(conv, ProfileTurn(
        answers={ProfileField.COMPANY: "it's confidential"}, requested=ProfileField.COMPANY, intent="inform",
        visit=VisitState(known=frozenset(), asked=(ProfileField.COMPANY,)), message="it's confidential"))
    assert result.refused is ProfileField.COMPANY and result.invalid == {}
    assert result.next_field is not ProfileField.COMPANY
    assert ProfileField.COMPANY in (await service.lead_for(conv)).refused


@pytest.mark.parametrize(("raw", "outcome"), [
    ("just call me boss", "Boss"), ("Dr", "unclear"), ("Dr.", "unclear"), ("🙂", "unclear"),
    ("anonymous", "withheld"), ("Ana Lopez", "Ana Lopez"), ("sam smith", "Sam Smith"),
])
def test_names_and_replies_that_give_none(raw: str, outcome: str) -> None:
    """Until stop 31 "🙂", "Anonymous", "Dr" (the NLU's reading of "Dr. Ana Lopez") and "Just Call Me Boss" were
    stored as names."""
    if outcome in ("unclear", "withheld"):
        with pytest.raises(InvalidValue) as err:
            normalise(ProfileField.NAME, raw, NOW)
        assert err.value.reason == outcome
    else:
        assert normalise(ProfileField.NAME, raw, NOW) == outcome


def test_an_opener_with_a_hyphenated_head_count_and_tools_evaluated_gives_both() -> None:
    """"Hello! We're a 300-person fintech looking at forecasting tools" stored nothing until stop 31."""
    from nurture_engine.needs import stated_need
    from nurture_engine.volunteered import with_volunteered

    text = "Hello! We're a 300-person fintech looking at forecasting tools"
    found = with_volunteered({}, text, NOW)
    assert normalise(ProfileField.COMPANY_SIZE, found[ProfileField.COMPANY_SIZE], NOW) == {"min": 300, "max": 300}
    assert found[ProfileField.USE_CASE] == "forecasting tools" == stated_need(text)
    assert ProfileField.COMPANY_SIZE not in with_volunteered({}, "we have a 5-person team using it", NOW)
