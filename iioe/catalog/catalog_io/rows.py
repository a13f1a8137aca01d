"""Checking one row of a catalog file and turning it into typed values."""

import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _

from iioe.catalog.catalog_io.columns import (
    INSTRUCTOR_SEPARATOR,
    NUMBER_LIMITS,
    TEXT_LIMITS,
    CourseRow,
    RowError,
)
from iioe.catalog.models import Category, CourseLanguage

SLUG_PATTERN = re.compile(r"^[-a-zA-Z0-9_]{1,220}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}


def course_row_clean(
    number: int, raw: dict[str, Any], *, categories: dict[str, Category]
) -> tuple[CourseRow | None, list[RowError]]:
    """Check one row as read; return it typed, or the errors it has.

    Every column is checked, so that one pass reports all that is wrong.
    """
    if "" in raw:
        return None, [RowError(number, "", _("the row does not match the header"))]
    errors: list[RowError] = []

    def fail(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    text = {name: _text(raw.get(name), name, fail) for name in TEXT_LIMITS}
    for name in ("external_id", "title", "provider"):
        if not text[name] and not any(e.column == name for e in errors):
            fail(name, _("this column is required"))
    numbers = {name: _whole(raw.get(name), name, fail) for name in NUMBER_LIMITS}
    low, high = numbers["effort_hours_min"], numbers["effort_hours_max"]
    if low is not None and high is not None and low > high:
        fail("effort_hours_max", _("it is less than effort_hours_min"))

    category = _category(raw, categories, fail)
    language = _text(raw.get("language"), "language", fail)
    if language not in CourseLanguage.values:
        fail("language", _("it must be en, zh or fr"))
    if text["source_url"]:
        _url_check(text["source_url"], fail)
    published_on = _date(raw.get("published_on"), fail)
    slug = _text(raw.get("slug"), "slug", fail)
    if slug and not SLUG_PATTERN.match(slug):
        fail("slug", _("it may hold only letters, digits, - and _"))
    rating = _rating(raw.get("source_rating_average"), fail)
    is_published = _boolean(raw.get("is_published"), fail)
    instructors = _instructors(raw.get("instructors"), fail)

    if errors or category is None or published_on is None:
        return None, errors
    return CourseRow(
        row=number,
        external_id=text["external_id"],
        slug=slug,
        title=text["title"],
        category_id=category.pk,
        language=language,
        provider=text["provider"],
        instructors=instructors,
        subject=text["subject"],
        level=text["level"],
        effort_hours_min=low,
        effort_hours_max=high,
        length_weeks=numbers["length_weeks"],
        duration_seconds=numbers["duration_seconds"],
        enrolment_count=numbers["enrolment_count"] or 0,
        source_rating_average=rating,
        source_rating_count=numbers["source_rating_count"] or 0,
        source_name=text["source_name"],
        source_url=text["source_url"],
        published_on=published_on,
        is_published=is_published,
        overview=text["overview"],
        syllabus=text["syllabus"],
    ), errors


Fail = Callable[[str, str], None]


def _text(value: Any, column: str, fail: Fail) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        fail(column, _("it must be text"))
        return ""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = TEXT_LIMITS.get(column)
    if limit is not None and len(text) > limit:
        fail(
            column,
            _("it has %(length)s characters, more than %(limit)s")
            % {"length": len(text), "limit": limit},
        )
    return text


def _whole(value: Any, column: str, fail: Fail) -> int | None:
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= NUMBER_LIMITS[column]:
        fail(
            column,
            _("it must be a whole number from 0 to %(limit)s")
            % {"limit": NUMBER_LIMITS[column]},
        )
        return None
    return number


def _rating(value: Any, fail: Fail) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        rating = Decimal(str(value).strip())
    except InvalidOperation:
        rating = Decimal("NaN")
    if (
        not rating.is_finite()
        or not 0 <= rating <= 5
        or rating != rating.quantize(Decimal("0.01"))
    ):
        fail(
            "source_rating_average",
            _("it must be a number from 0 to 5 with at most two decimals"),
        )
        return None
    return rating


def _date(value: Any, fail: Fail) -> datetime.date | None:
    if value is None or value == "":
        fail("published_on", _("this column is required"))
        return None
    text = value.strip() if isinstance(value, str) else ""
    try:
        if not DATE_PATTERN.match(text):
            raise ValueError
        return datetime.date.fromisoformat(text)
    except ValueError:
        fail("published_on", _("it must be a date written YYYY-MM-DD"))
        return None


def _boolean(value: Any, fail: Fail) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word not in FALSE_WORDS:
        fail("is_published", _("it must be true or false"))
    return False


def _category(
    raw: dict[str, Any], categories: dict[str, Category], fail: Fail
) -> Category | None:
    slug = _text(raw.get("category"), "category", fail)
    family = _text(raw.get("family"), "family", fail)
    if not slug:
        fail("category", _("this column is required"))
        return None
    category = categories.get(slug)
    if category is None:
        fail("category", _("no subcategory has the slug %(slug)s") % {"slug": slug})
    elif family and family != category.family:
        fail(
            "family",
            _("the subcategory %(slug)s belongs to the family %(family)s")
            % {"slug": slug, "family": category.family},
        )
    return category


def _url_check(url: str, fail: Fail) -> None:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        fail("source_url", _("it must be a web address starting with https://"))


def _instructors(value: Any, fail: Fail) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        names = value.split(INSTRUCTOR_SEPARATOR)
    elif isinstance(value, list) and all(isinstance(n, str) for n in value):
        names = value
    else:
        fail("instructors", _("it must be names separated by ;"))
        return ()
    cleaned = tuple(dict.fromkeys(name.strip() for name in names if name.strip()))
    if any(len(name) > 200 for name in cleaned):
        fail("instructors", _("a name is longer than 200 characters"))
    return cleaned
