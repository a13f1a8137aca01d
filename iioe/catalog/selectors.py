from dataclasses import dataclass

from django.db.models import QuerySet

from iioe.catalog.models import Category, Course, Family


@dataclass(frozen=True)
class FamilyWithCategories:
    value: str
    label: str
    categories: list[Category]


def family_list_with_categories() -> list[FamilyWithCategories]:
    """Return the three families in order, each with its subcategories."""
    categories = list(Category.objects.all())
    return [
        FamilyWithCategories(
            value=family.value,
            label=str(family.label),
            categories=[c for c in categories if c.family == family.value],
        )
        for family in Family
    ]


def course_list_featured(*, limit: int) -> QuerySet[Course]:
    """Return the most-viewed published courses."""
    return (
        Course.objects.filter(is_published=True)
        .select_related("category", "provider")
        .order_by("-view_count", "-enrolment_count")[:limit]
    )
