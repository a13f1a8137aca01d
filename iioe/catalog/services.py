import datetime
import logging
import unicodedata
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from anyascii import anyascii
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iioe.accounts.models import User
from iioe.catalog.models import (
    Category,
    Course,
    CourseEvent,
    CourseView,
    Instructor,
    Lesson,
    Review,
    StudyPlanEntry,
)
from iioe.catalog.search import course_search_index_update
from iioe.institutions.models import Institution
from iioe.institutions.services import InstitutionFacts, institution_bulk_sync
from iioe.media.models import Video

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


def course_view_record(
    *, slug: str, viewer_key: str, day: datetime.date | None = None
) -> bool:
    """Count a viewer of a published course once a day; say if this one counted.

    One INSERT ... ON CONFLICT DO NOTHING records the (course, day, viewer)
    row, and only when it created a row does a second query add one to the
    course's view count, in the same transaction, so the count never drifts
    from the rows however many requests race. An unknown or unpublished course
    inserts nothing.
    """
    day = day or timezone.localdate()
    view_table = connection.ops.quote_name(CourseView._meta.db_table)
    course_table = connection.ops.quote_name(Course._meta.db_table)
    sql = (
        f"INSERT INTO {view_table} (course_id, day, viewer_key) "  # noqa: S608
        f"SELECT id, %s, %s FROM {course_table} WHERE slug = %s AND is_published "
        "ON CONFLICT (course_id, day, viewer_key) DO NOTHING"
    )
    params = [connection.ops.adapt_datefield_value(day), viewer_key, slug]
    # Inside a request there is no outer transaction, so this is a real one;
    # inside another transaction a savepoint would only cost a query.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            counted = cursor.rowcount == 1
        if counted:
            Course.objects.filter(slug=slug).update(view_count=F("view_count") + 1)
    return counted


def course_view_prune(*, keep_days: int) -> int:
    """Keep the daily viewer rows of the last keep_days days, today included.

    The rows only serve to tell a new viewer of the day from one who came
    back, so old ones can go; the courses' view counts stay as they are.
    Returns how many rows were deleted.
    """
    if keep_days < 1:
        raise ValueError("Today's rows are needed to count views.")
    oldest_kept = timezone.localdate() - datetime.timedelta(days=keep_days - 1)
    deleted, _counts = CourseView.objects.filter(day__lt=oldest_kept).delete()
    if deleted:
        logger.info("Pruned %s course view rows before %s", deleted, oldest_kept)
    return deleted


# How ratings combine. A course may carry the rating its source catalog
# published: source_rating_count ratings averaging source_rating_average (a
# source that gave an average but no count weighs as one rating). Reviews
# written here that the secretariat has not hidden are added to that base:
#
#   average = (source weight * source average + sum of reviews)
#             / (source weight + number of reviews), rounded half up to 0.01
#   count   = source_rating_count + number of reviews
#
# Sorting by rating uses a damped average that starts from a prior of
# RATING_PRIOR_WEIGHT imaginary ratings of RATING_PRIOR_MEAN stars, so that a
# course needs many good ratings, not one, to rise to the top:
#
#   score = (C * m + sum of all ratings) / (C + weight of all ratings)
#
# with m = RATING_PRIOR_MEAN and C = RATING_PRIOR_WEIGHT; an unrated course
# scores 0 and sorts last. m is close to, and a little under, the average of
# the demo catalog (4.6).
RATING_PRIOR_MEAN = Decimal("4")
RATING_PRIOR_WEIGHT = 10
RATING_MIN = 1
RATING_MAX = 5
AVERAGE_PLACES = Decimal("0.01")
# The course fields that follow from its source rating and reviews.
RATING_FIELDS = ("rating_average", "rating_count", "rating_score", "review_count")
SCORE_PLACES = Decimal("0.00001")


@dataclass(frozen=True)
class RatingFigures:
    average: Decimal | None
    count: int
    score: Decimal


def course_rating_combine(
    *,
    source_average: Decimal | None,
    source_count: int,
    review_count: int,
    review_sum: int,
) -> RatingFigures:
    """Combine a source catalog's rating with reviews, by the rule above."""
    source_weight = 0
    if source_average is not None:
        source_weight = max(source_count, 1)
    weight = source_weight + review_count
    if weight == 0:
        return RatingFigures(average=None, count=0, score=Decimal(0))

    total = (source_average or Decimal(0)) * source_weight + review_sum
    average = (total / weight).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)
    prior = RATING_PRIOR_MEAN * RATING_PRIOR_WEIGHT
    score = ((prior + total) / (RATING_PRIOR_WEIGHT + weight)).quantize(
        SCORE_PLACES, rounding=ROUND_HALF_UP
    )
    return RatingFigures(
        average=average, count=source_count + review_count, score=score
    )


@transaction.atomic
def course_ratings_recompute(*, course_ids: Collection[int]) -> int:
    """Recompute courses' rating figures from their source and visible reviews.

    For when source ratings change (loading the demo catalog, the admin).
    Locks the courses, then reads them and the sums of their reviews in one
    query each; writes only the courses whose figures changed, and returns
    how many did.
    """
    courses = list(
        Course.objects.select_for_update()
        .filter(pk__in=course_ids)
        .only(*RATING_FIELDS, "source_rating_average", "source_rating_count")
        .order_by("pk")
    )
    sums = {
        row["course_id"]: row
        for row in Review.objects.filter(course_id__in=course_ids, is_hidden=False)
        .values("course_id")
        .annotate(count=Count("id"), total=Sum("rating"))
        .order_by()
    }

    changed = []
    for course in courses:
        reviews = sums.get(course.pk, {"count": 0, "total": 0})
        figures = course_rating_combine(
            source_average=course.source_rating_average,
            source_count=course.source_rating_count,
            review_count=reviews["count"],
            review_sum=reviews["total"] or 0,
        )
        new = (figures.average, figures.count, figures.score, reviews["count"])
        if new != tuple(getattr(course, field) for field in RATING_FIELDS):
            for field, value in zip(RATING_FIELDS, new, strict=True):
                setattr(course, field, value)
            changed.append(course)
    Course.objects.bulk_update(changed, RATING_FIELDS, batch_size=500)
    return len(changed)


def review_clean(*, rating: object, text: str) -> tuple[int, str]:
    """Return the rating as a number and the text tidied, or refuse them.

    Raises ValidationError naming the field, with a message for the learner.
    """
    errors: dict[str, str] = {}
    try:
        number = int(str(rating))
    except ValueError:
        number = 0
    if not RATING_MIN <= number <= RATING_MAX:
        errors["rating"] = _("Choose a rating from 1 to 5 stars.")
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(text) > Review.TEXT_MAX_LENGTH:
        errors["text"] = _(
            "Keep the review to %(limit)s characters; it has %(length)s."
        ) % {"limit": Review.TEXT_MAX_LENGTH, "length": len(text)}
    if errors:
        raise ValidationError(errors)
    return number, text


@transaction.atomic
def review_save(*, user: User, course: Course, rating: object, text: str) -> Review:
    """Rate a course, or replace the learner's earlier review of it.

    A review the secretariat hid stays hidden when its author edits it. The
    course row is locked first, so concurrent reviews of one course queue up
    and the recomputed figures always include every committed review.
    """
    number, text = review_clean(rating=rating, text=text)

    locked = _course_lock(course.pk)
    review, created = Review.objects.update_or_create(
        course=course, user=user, defaults={"rating": number, "text": text}
    )
    _course_rating_update(locked)

    logger.info(
        "User %s %s review %s of course %s",
        user.pk,
        "wrote" if created else "edited",
        review.pk,
        course.pk,
    )
    return review


@transaction.atomic
def review_delete(*, user: User, course: Course, review_id: int) -> None:
    """Delete the learner's own review of the course; refuse anybody else's.

    Raises Review.DoesNotExist when the review is gone, of another course or
    not theirs.
    """
    review = Review.objects.get(pk=review_id, course=course, user=user)

    locked = _course_lock(course.pk)
    deleted, _counts = Review.objects.filter(pk=review.pk).delete()
    _course_rating_update(locked)

    if deleted:
        logger.info("User %s deleted review %s", user.pk, review_id)


@transaction.atomic
def review_hide(
    *, moderator: User, course: Course, review_id: int, reason: str
) -> Review:
    """Hide a review from everyone but its author, with a reason they see.

    Only the secretariat (staff) may; hiding an already hidden review only
    changes the reason. Raises Review.DoesNotExist for an unknown review or
    one of another course.
    """
    if not moderator.is_staff:
        raise PermissionDenied
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why the review is hidden.")})
    if len(reason) > Review.HIDDEN_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(limit_value)s characters.")
                % {"limit_value": Review.HIDDEN_REASON_MAX_LENGTH}
            }
        )

    review, locked = _review_lock(course, review_id)
    review.is_hidden = True
    review.hidden_reason = reason
    review.hidden_by = moderator
    review.hidden_at = timezone.now()
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _course_rating_update(locked)

    logger.info("Staff %s hid review %s", moderator.pk, review.pk)
    return review


@transaction.atomic
def review_unhide(*, moderator: User, course: Course, review_id: int) -> Review:
    """Show a hidden review again; only the secretariat (staff) may."""
    if not moderator.is_staff:
        raise PermissionDenied

    review, locked = _review_lock(course, review_id)
    review.is_hidden = False
    review.hidden_reason = ""
    review.hidden_by = None
    review.hidden_at = None
    review.save(update_fields=["is_hidden", "hidden_reason", "hidden_by", "hidden_at"])
    _course_rating_update(locked)

    logger.info("Staff %s showed review %s again", moderator.pk, review.pk)
    return review


def _course_lock(course_id: int) -> Course:
    """Lock the course row until the transaction ends; return its source rating.

    On PostgreSQL this is SELECT ... FOR UPDATE. SQLite ignores it, but every
    transaction there begins IMMEDIATE (see the settings), which already lets
    one writer at a time in.
    """
    return (
        Course.objects.select_for_update()
        .only("source_rating_average", "source_rating_count")
        .get(pk=course_id)
    )


def _review_lock(course: Course, review_id: int) -> tuple[Review, Course]:
    """Lock the course, then return its review as it is now."""
    locked = _course_lock(course.pk)
    return Review.objects.get(pk=review_id, course=course), locked


def _course_rating_update(course: Course) -> None:
    """Write the course's figures from one aggregate of its visible reviews.

    Call with the course locked (_course_lock): the aggregate then runs after
    every earlier writer of this course has committed, and no later one can
    interleave.
    """
    reviews = Review.objects.filter(course=course, is_hidden=False).aggregate(
        count=Count("id"), total=Sum("rating")
    )
    figures = course_rating_combine(
        source_average=course.source_rating_average,
        source_count=course.source_rating_count,
        review_count=reviews["count"],
        review_sum=reviews["total"] or 0,
    )
    Course.objects.filter(pk=course.pk).update(
        rating_average=figures.average,
        rating_count=figures.count,
        rating_score=figures.score,
        review_count=reviews["count"],
    )


# Publishing: the secretariat's writes to courses, lessons and instructors.
# Each records who did it in CourseEvent where the course changes.

SLUG_MAX_LENGTH = 80
SLUG_FALLBACK = "course"
# One person's edits to a course this close together make one event, dated
# by the last, so that adding ten lessons does not bury a publication.
EDITS_MERGED_WITHIN = datetime.timedelta(minutes=15)


@dataclass(frozen=True)
class CourseFields:
    """The fields of a course that the secretariat writes in the staff area.

    The provider is an existing institution, or the facts of a new one.
    """

    title: str
    category: Category
    language: str
    provider: Institution | InstitutionFacts
    published_on: datetime.date
    subject: str = ""
    level: str = ""
    effort_hours_min: int | None = None
    effort_hours_max: int | None = None
    length_weeks: int | None = None
    duration_seconds: int | None = None
    source_name: str = ""
    source_url: str = ""
    overview: str = ""
    syllabus: str = ""


# The fields a CourseFields sets on a course, besides the provider.
COURSE_EDITED_FIELDS = (
    "title",
    "category",
    "language",
    "published_on",
    "subject",
    "level",
    "effort_hours_min",
    "effort_hours_max",
    "length_weeks",
    "duration_seconds",
    "source_name",
    "source_url",
    "overview",
    "syllabus",
)


def course_slug_base(title: str) -> str:
    """Return the ASCII slug a title suggests, at most SLUG_MAX_LENGTH long.

    Accents are dropped and other scripts spelt in Latin letters, each Chinese
    character as its own pinyin syllable ("云计算" gives "yun-ji-suan"). A
    title with nothing left gives "course". Cuts long slugs between words.
    """
    spelt = []
    for char in unicodedata.normalize("NFKC", title):
        if char.isascii():
            spelt.append(char)
        elif unicodedata.east_asian_width(char) in ("W", "F"):
            spelt.append(f" {anyascii(char)} ")
        else:
            spelt.append(anyascii(char))
    slug = slugify("".join(spelt))
    if len(slug) > SLUG_MAX_LENGTH:
        cut = slug[: SLUG_MAX_LENGTH + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else cut[:SLUG_MAX_LENGTH]
    return slug.strip("-") or SLUG_FALLBACK


def course_slug_unique(*, title: str, exclude_pk: int | None = None) -> str:
    """Return a slug for the title that no other course has; one query.

    A taken slug gets the first free number: data-science, data-science-2.
    """
    base = course_slug_base(title)
    taken = set(
        Course.objects.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def course_create(*, actor: User, fields: CourseFields) -> Course:
    """Create an unpublished course from the staff area's form.

    The slug comes from the title and the external id from the slug; both
    are unique. A new provider institution is created with it. Two people
    creating courses of one title at the same moment race for the slug, so
    a clash is retried with the next free one.
    """
    for attempt in range(3):
        try:
            with transaction.atomic():
                course = _course_create_once(actor=actor, fields=fields)
        except IntegrityError:
            if attempt == 2:
                raise
            continue
        break

    logger.info("Staff %s created course %s", actor.pk, course.pk)
    return course


def _course_create_once(*, actor: User, fields: CourseFields) -> Course:
    slug = course_slug_unique(title=fields.title)
    external_id = f"iioe:{slug}"
    if Course.objects.filter(external_id=external_id).exists():
        external_id = f"iioe:{slug}-{uuid.uuid4().hex[:8]}"
    course = Course(external_id=external_id, slug=slug, is_published=False)
    _course_fields_apply(course, fields)
    course.save()
    CourseEvent.objects.create(
        course=course, action=CourseEvent.Action.CREATED, actor=actor
    )
    course_search_index_update(course_ids=[course.pk])
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, fields: CourseFields) -> bool:
    """Write the staff form's fields to a course; say whether any changed.

    The slug stays, so that links to the course keep working. A save that
    changes nothing records no event.
    """
    before = _course_snapshot(course)
    _course_fields_apply(course, fields)
    if _course_snapshot(course) == before:
        return False

    course.save()
    _course_edited(actor=actor, course=course)
    course_search_index_update(course_ids=[course.pk])
    logger.info("Staff %s edited course %s", actor.pk, course.pk)
    return True


def course_publish(*, actor: User, course: Course) -> bool:
    """Show a course to everyone; say whether it was hidden before."""
    return _course_publication_set(actor=actor, course=course, published=True)


def course_unpublish(*, actor: User, course: Course) -> bool:
    """Hide a course from guests and learners; say whether it was shown."""
    return _course_publication_set(actor=actor, course=course, published=False)


@transaction.atomic
def _course_publication_set(*, actor: User, course: Course, published: bool) -> bool:
    """Publish or unpublish a course, recording who and when, once.

    The row is locked, so of two people pressing the same button at once only
    the first records an event.
    """
    locked = Course.objects.select_for_update().only("is_published").get(pk=course.pk)
    if locked.is_published == published:
        course.is_published = published
        return False

    now = timezone.now()
    Course.objects.filter(pk=course.pk).update(
        is_published=published,
        publication_changed_at=now,
        publication_changed_by=actor,
    )
    action = (
        CourseEvent.Action.PUBLISHED if published else CourseEvent.Action.UNPUBLISHED
    )
    CourseEvent.objects.create(course=course, action=action, actor=actor)
    # The search index keeps each course's publication, to leave hidden ones
    # out of every search.
    course_search_index_update(course_ids=[course.pk])
    course.is_published = published
    course.publication_changed_at = now
    course.publication_changed_by = actor
    logger.info("Staff %s %s course %s", actor.pk, action, course.pk)
    return True


@transaction.atomic
def lesson_add(*, actor: User, course: Course, title: str) -> Lesson:
    """Add a lesson, without a video yet, after a course's last lesson."""
    _course_lessons_lock(course)
    last = (
        Lesson.objects.filter(course=course)
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    lesson = Lesson.objects.create(course=course, title=title, position=(last or 0) + 1)
    _course_edited(actor=actor, course=course)
    logger.info("Staff %s added lesson %s to course %s", actor.pk, lesson.pk, course.pk)
    return lesson


@transaction.atomic
def lesson_rename(*, actor: User, lesson: Lesson, title: str) -> None:
    """Give a lesson a new title."""
    if lesson.title == title:
        return
    lesson.title = title
    lesson.save(update_fields=["title"])
    _course_edited(actor=actor, course=lesson.course)


@transaction.atomic
def lesson_move(*, actor: User, lesson: Lesson, up: bool) -> bool:
    """Swap a lesson with the one before (up) or after it; say if it moved.

    Positions are first made 1, 2, 3… in their current order, so gaps or
    ties left by older data cannot make a move skip or stick.
    """
    lessons = _course_lessons_lock(lesson.course)
    index = next(i for i, item in enumerate(lessons) if item.pk == lesson.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(lessons):
        return False

    lessons[index], lessons[other] = lessons[other], lessons[index]
    _lessons_renumber(lessons)
    lesson.position = lessons[other].position
    _course_edited(actor=actor, course=lesson.course)
    return True


@transaction.atomic
def lesson_video_set(*, actor: User, lesson: Lesson, video: Video) -> None:
    """Make a video the one a lesson shows.

    The media app calls this for a lesson's first upload; a later upload
    replaces the video's files in place, so the lesson keeps pointing at it.
    """
    if lesson.video_id == video.pk:
        return
    Lesson.objects.filter(pk=lesson.pk).update(video=video)
    lesson.video = video
    _course_edited(actor=actor, course=lesson.course)
    logger.info("Staff %s set video %s on lesson %s", actor.pk, video.pk, lesson.pk)


@transaction.atomic
def lesson_delete(*, actor: User, lesson: Lesson) -> None:
    """Delete a lesson and close the gap it leaves in the order.

    Learners' places in the lesson go with it. Its video stays in the media
    library, since another lesson may show it.
    """
    lessons = _course_lessons_lock(lesson.course)
    Lesson.objects.filter(pk=lesson.pk).delete()
    _lessons_renumber([item for item in lessons if item.pk != lesson.pk])
    _course_edited(actor=actor, course=lesson.course)
    logger.info("Staff %s deleted lesson %s", actor.pk, lesson.pk)


@transaction.atomic
def instructor_create(
    *, name: str, bio: str = "", photo: ContentFile | None = None
) -> Instructor:
    """Create an instructor; the photo must come from photo_normalise."""
    instructor = Instructor(name=name, bio=bio)
    if photo is not None:
        instructor.photo.save(photo.name or "photo.jpg", photo, save=False)
    instructor.save()
    logger.info("Instructor %s created", instructor.pk)
    return instructor


@transaction.atomic
def instructor_update(
    *,
    instructor: Instructor,
    name: str,
    bio: str,
    photo: ContentFile | None = None,
    remove_photo: bool = False,
) -> None:
    """Change an instructor's name, biography and photo.

    A new photo replaces the old one, and removing it clears it; the old file
    is deleted once the change is committed.
    """
    old_photo = instructor.photo.name if instructor.photo else ""
    renamed = instructor.name != name
    instructor.name = name
    instructor.bio = bio
    if photo is not None:
        instructor.photo.save(photo.name or "photo.jpg", photo, save=False)
    elif remove_photo:
        instructor.photo = None  # type: ignore[assignment]
    instructor.save()
    if renamed:
        course_search_index_update(
            course_ids=instructor.courses.values_list("pk", flat=True)
        )

    new_photo = instructor.photo.name if instructor.photo else ""
    if old_photo and old_photo != new_photo:
        storage = instructor.photo.storage
        transaction.on_commit(lambda: storage.delete(old_photo))


@transaction.atomic
def course_instructor_add(
    *, actor: User, course: Course, instructor: Instructor
) -> bool:
    """List an instructor on a course; say whether they were not already."""
    link, created = Course.instructors.through.objects.get_or_create(
        course=course, instructor=instructor
    )
    if created:
        _course_edited(actor=actor, course=course)
        course_search_index_update(course_ids=[course.pk])
    return created


@transaction.atomic
def course_instructor_remove(
    *, actor: User, course: Course, instructor: Instructor
) -> bool:
    """Take an instructor off a course; the instructor stays for other courses."""
    deleted, _counts = Course.instructors.through.objects.filter(
        course=course, instructor=instructor
    ).delete()
    if deleted:
        _course_edited(actor=actor, course=course)
        course_search_index_update(course_ids=[course.pk])
    return bool(deleted)


def _course_fields_apply(course: Course, fields: CourseFields) -> None:
    provider = fields.provider
    if isinstance(provider, InstitutionFacts):
        provider = institution_bulk_sync(facts=[provider]).by_name[provider.name]
    for name in COURSE_EDITED_FIELDS:
        setattr(course, name, getattr(fields, name))
    course.provider = provider


def _course_snapshot(course: Course) -> tuple[object, ...]:
    values = [getattr(course, name) for name in COURSE_EDITED_FIELDS]
    return (*values, course.provider_id)


def _course_edited(*, actor: User, course: Course) -> None:
    """Record an edit, or move the same person's recent edit event to now."""
    now = timezone.now()
    latest = CourseEvent.objects.filter(course=course).order_by("-at", "-pk").first()
    if (
        latest is not None
        and latest.action == CourseEvent.Action.EDITED
        and latest.actor_id == actor.pk
        and now - latest.at < EDITS_MERGED_WITHIN
    ):
        CourseEvent.objects.filter(pk=latest.pk).update(at=now)
        return
    CourseEvent.objects.create(
        course=course, action=CourseEvent.Action.EDITED, actor=actor
    )


def _course_lessons_lock(course: Course) -> list[Lesson]:
    """Lock a course, then return its lessons in order.

    Locking the course row makes changes to one course's lesson order queue
    up, on PostgreSQL through FOR UPDATE and on SQLite through its IMMEDIATE
    transactions. Two queries.
    """
    Course.objects.select_for_update().filter(pk=course.pk).values("pk").first()
    return list(Lesson.objects.filter(course=course).order_by("position", "pk"))


def _lessons_renumber(lessons: list[Lesson]) -> None:
    """Number lessons 1, 2, 3… in list order, writing only those that change."""
    changed = []
    for position, lesson in enumerate(lessons, start=1):
        if lesson.position != position:
            lesson.position = position
            changed.append(lesson)
    Lesson.objects.bulk_update(changed, ["position"], batch_size=500)
