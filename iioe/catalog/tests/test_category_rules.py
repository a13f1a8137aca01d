import pytest

from iioe.catalog.category_rules import RuleError, course_place, rules_parse

RULES = [
    {"family": "teacher", "field": "subject", "pattern": "^Education", "category": ""},
    {"family": "tvet", "field": "title", "pattern": r"robot|\bexcel\b", "category": ""},
    {"family": "discipline", "field": "*", "pattern": "", "category": ""},
    {
        "family": "discipline",
        "field": "title",
        "pattern": "cloud|云计算",
        "category": "cloud",
    },
    {"family": "discipline", "field": "*", "pattern": "", "category": "d-others"},
    {"family": "tvet", "field": "title", "pattern": "robot", "category": "robotics"},
    {"family": "tvet", "field": "*", "pattern": "", "category": "t-others"},
    {"family": "teacher", "field": "*", "pattern": "", "category": "learning"},
]


def place(**course: str) -> tuple[str, str]:
    placement = course_place(course, rules_parse(RULES))
    return placement.family, placement.category


def test_the_first_family_rule_that_matches_decides_the_family() -> None:
    assert place(title="Robots in the classroom", subject="Education") == (
        "teacher",
        "learning",
    )
    assert place(title="Robots for makers", subject="Engineering") == (
        "tvet",
        "robotics",
    )


def test_patterns_ignore_case_and_match_chinese_text() -> None:
    assert place(title="ABC时代的云计算") == ("discipline", "cloud")
    assert place(title="INTRO TO CLOUD") == ("discipline", "cloud")


def test_a_course_no_subcategory_rule_matches_falls_back_to_its_family_s_rule() -> None:
    assert place(title="Spreadsheets with Excel") == ("tvet", "t-others")
    assert place(title="Ancient history") == ("discipline", "d-others")


def test_subcategory_rules_of_other_families_are_not_used() -> None:
    # "robot" names a TVET subcategory, but the course is a teacher course.
    assert place(title="Robot", subject="Education")[1] == "learning"


def test_unknown_fields_and_bad_patterns_are_refused_with_their_line() -> None:
    with pytest.raises(RuleError, match="line 2: unknown field 'colour'"):
        rules_parse(
            [{"family": "x", "field": "colour", "pattern": "a", "category": ""}]
        )
    with pytest.raises(RuleError, match="line 2"):
        rules_parse([{"family": "x", "field": "title", "pattern": "(", "category": ""}])


def test_a_course_without_any_family_is_an_error() -> None:
    rules = rules_parse([RULES[0]])
    with pytest.raises(RuleError, match="no family rule"):
        course_place({"title": "Anything"}, rules)
