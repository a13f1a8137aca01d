"""Keeping the search index in step with the courses."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from iioe.catalog import selectors
from iioe.catalog.models import Course, Instructor, SearchDocument, SearchTerm
from iioe.catalog.search import course_search_ids, course_search_page
from iioe.catalog.search_index import (
    STATE_TERM,
    course_search_index_rebuild,
    course_search_index_update,
    sets_decode,
)
from iioe.catalog.tests.factories import CourseFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def finds(q: str, course: Course) -> bool:
    return course.pk in course_search_ids(q, limit=100)


def index_snapshot() -> dict[str, tuple[int, list[int]]]:
    rows = SearchTerm.objects.exclude(term=STATE_TERM)
    return {
        term: (count, sets_decode(data))
        for term, count, data in rows.values_list("term", "course_count", "courses")
    }


def test_an_edited_course_is_found_by_its_new_words_only() -> None:
    course = CourseFactory(title="Old title", overview="About gardens.")

    course.title = "Écoles numériques"
    course.overview = "About schools."
    course.save()
    course_search_index_update(course_ids=[course.pk])

    assert finds("ecoles numeriques", course)
    assert finds("schools", course)
    assert not finds("old title", course)
    assert not finds("gardens", course)
    assert not SearchTerm.objects.filter(term="gardens").exists()


def test_publishing_and_unpublishing_show_and_hide_a_course() -> None:
    course = CourseFactory(title="Robotics", is_published=False)
    assert not finds("robotics", course)

    Course.objects.filter(pk=course.pk).update(is_published=True)
    course_search_index_update(course_ids=[course.pk])
    assert finds("robotics", course)

    Course.objects.filter(pk=course.pk).update(is_published=False)
    course_search_index_update(course_ids=[course.pk])
    assert not finds("robotics", course)
    assert course.pk in course_search_ids("robotics", published_only=False, limit=5)


def test_renamed_instructors_and_providers_are_found_after_an_update() -> None:
    course = CourseFactory(title="Poems")
    instructor = Instructor.objects.create(name="Ada Byron")
    course.instructors.add(instructor)
    course_search_index_update(course_ids=[course.pk])
    assert finds("byron", course)

    instructor.name = "Ada Lovelace"
    instructor.save()
    course.provider.name = "Swiss Federal Institute of Technology"
    course.provider.save()
    course_search_index_update(course_ids=[course.pk])

    assert finds("lovelace", course)
    assert finds("swiss federal", course)
    assert not finds("byron", course)


def test_a_deleted_course_leaves_the_index_at_its_next_update() -> None:
    course = CourseFactory(title="Robotics")
    other = CourseFactory(title="Robotics two")
    pk = course.pk

    course.delete()
    course_search_index_update(course_ids=[pk])

    assert course_search_ids("robotics", limit=10) == [other.pk]
    assert not SearchDocument.objects.filter(course_id=pk).exists()


def test_an_update_with_nothing_new_writes_nothing(
    django_assert_num_queries: pytest.FixtureDef,
) -> None:
    course = CourseFactory(title="Robotics")

    # A savepoint, the lock, the course, its instructors, its document and
    # the savepoint's release.
    with django_assert_num_queries(6):
        course_search_index_update(course_ids=[course.pk])


def test_the_index_updated_course_by_course_equals_one_rebuilt_whole() -> None:
    first = CourseFactory(title="Cloud computing 云计算", subject="Computer Science")
    CourseFactory(title="Gestion de projets", language="fr", is_published=False)
    CourseFactory(title="Data science", overview="With python and clouds.")
    first.title = "Cloud architecture 云计算"
    first.save()
    course_search_index_update(course_ids=[first.pk])
    updated = index_snapshot()

    course_search_index_rebuild()

    assert index_snapshot() == updated


def test_the_reindex_command_rebuilds_the_index_from_the_courses() -> None:
    course = CourseFactory(title="Robotics")
    Course.objects.filter(pk=course.pk).update(title="Drones")
    out = io.StringIO()

    call_command("search_reindex", stdout=out)

    assert "Search index rebuilt" in out.getvalue()
    assert finds("drones", course)
    assert not finds("robotics", course)


def test_courses_of_one_provider_are_updated_in_one_call() -> None:
    provider = InstitutionFactory(name="Tsinghua University")
    courses = [CourseFactory(title=f"Course {n}", provider=provider) for n in range(3)]

    provider.name = "清华大学"
    provider.save()
    course_search_index_update(course_ids=[c.pk for c in courses])

    assert sorted(course_search_ids("清华", limit=10)) == sorted(c.pk for c in courses)


def test_sets_kept_in_memory_are_not_reused_after_a_rollback() -> None:
    # Each process keeps the subcategories' and languages' sets under the
    # index's version; a version rolled back must not bring them back.
    with transaction.atomic():
        gone = CourseFactory(title="Robotics", language="fr")
        assert finds("robotics", gone)
        transaction.set_rollback(True)

    kept = CourseFactory(title="Robotics", language="en")

    assert course_search_ids("robotics", limit=10) == [kept.pk]
    categories = selectors.category_list()
    filters = selectors.course_filters_parse({"q": "robotics"}, categories=categories)
    results = course_search_page(filters=filters, categories=categories, page=1)
    languages = {value.value: value.count for value in results.facets.languages}
    assert languages == {"en": 1, "fr": 0, "zh": 0}
