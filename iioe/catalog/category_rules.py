"""Place a course in a family and a subcategory by rules kept as data.

The rules come from a CSV file with the columns ``family``, ``field``,
``pattern`` and ``category``. A row with an empty ``category`` is a family
rule; a row with a category is a subcategory rule of its family. Placing a
course takes two passes, first match wins in each:

1. the first family rule whose pattern matches the course decides its family;
2. the first subcategory rule of that family whose pattern matches decides its
   subcategory.

``field`` names the course attribute a pattern is searched in (``title``,
``subject``, ``provider``, ``level`` or ``kind``), or is ``*`` for a rule that
matches every course: that is how the default family and each family's
fallback subcategory are written. Patterns are regular expressions searched
case-insensitively.

This module has no Django imports so that the script that builds the demo
catalog can use the same rules as the loader.
"""

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

FIELDS = frozenset({"title", "subject", "provider", "level", "kind", "*"})


class RuleError(ValueError):
    """The rules file is malformed or leaves a course without a place."""


@dataclass(frozen=True)
class Rule:
    family: str
    field: str
    pattern: re.Pattern[str] | None
    category: str

    def matches(self, course: Mapping[str, str]) -> bool:
        if self.pattern is None:
            return True
        return bool(self.pattern.search(course.get(self.field, "") or ""))


@dataclass(frozen=True)
class Placement:
    family: str
    category: str


def rules_read(path: Path) -> list[Rule]:
    """Read the rules from a CSV file, refusing unknown fields and bad patterns."""
    with path.open(encoding="utf-8", newline="") as handle:
        return rules_parse(csv.DictReader(handle))


def rules_parse(rows: Iterable[Mapping[str, str]]) -> list[Rule]:
    rules = []
    for number, row in enumerate(rows, start=2):
        field = row["field"].strip()
        if field not in FIELDS:
            raise RuleError(f"line {number}: unknown field {field!r}")
        text = row["pattern"].strip()
        if field != "*" and not text:
            raise RuleError(f"line {number}: a pattern is required")
        try:
            pattern = re.compile(text, re.IGNORECASE) if field != "*" else None
        except re.error as error:
            raise RuleError(f"line {number}: {error}") from error
        rules.append(
            Rule(
                family=row["family"].strip(),
                field=field,
                pattern=pattern,
                category=row["category"].strip(),
            )
        )
    return rules


def course_place(course: Mapping[str, str], rules: Iterable[Rule]) -> Placement:
    """Return the family and subcategory slug the rules give a course."""
    rules = list(rules)
    family = next(
        (r.family for r in rules if not r.category and r.matches(course)), None
    )
    if family is None:
        raise RuleError(f"no family rule matches {course.get('title')!r}")

    category = next(
        (
            r.category
            for r in rules
            if r.category and r.family == family and r.matches(course)
        ),
        None,
    )
    if category is None:
        raise RuleError(f"no {family} subcategory matches {course.get('title')!r}")
    return Placement(family=family, category=category)
