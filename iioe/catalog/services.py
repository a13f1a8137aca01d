import logging

from django.db import transaction
from django.db.models import F

from iioe.accounts.models import User
from iioe.catalog.models import Course, StudyPlanEntry
from iioe.catalog.selectors import course_search_key

logger = logging.getLogger(__name__)


@transaction.atomic
def study_plan_entry_add(*, user: User, course: Course) -> StudyPlanEntry:
    """Put a course in the user's study plan; adding it again changes nothing."""
    entry, created = StudyPlanEntry.objects.get_or_create(user=user, course=course)
    if created:
        logger.info("User %s added course %s to their study plan", user.pk, course.pk)
    return entry


@transaction.atomic
def study_plan_entry_remove(*, user: User, course: Course) -> None:
    """Take a course out of the user's study plan, if it is there."""
    deleted, _ = StudyPlanEntry.objects.filter(user=user, course=course).delete()
    if deleted:
        logger.info(
            "User %s removed course %s from their study plan", user.pk, course.pk
        )


def course_view_record(*, slug: str) -> None:
    """Count one view of a published course, in one query and without a race."""
    Course.objects.filter(slug=slug, is_published=True).update(
        view_count=F("view_count") + 1
    )


def course_search_text(*, title: str, provider_name: str) -> str:
    """Return what a course's search text should be for this title and provider."""
    return course_search_key(f"{title} {provider_name}")
