"""An unpublished course is hidden from guests and learners everywhere."""

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.models import Course, StudyPlanEntry, WatchProgress
from iioe.catalog.search import course_search_index_update
from iioe.catalog.tests.factories import CourseFactory, LessonFactory
from iioe.media.models import Video

pytestmark = pytest.mark.django_db

HIDDEN_TITLE = "Quantum gardening for beginners"


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True)


@pytest.fixture
def hidden(staff: User) -> Course:
    """A course that was published, watched and planned, then unpublished."""
    course = CourseFactory(title=HIDDEN_TITLE, is_published=True)
    course_search_index_update(course_ids=[course.pk])
    video = Video.objects.create(
        title="Clip",
        source="videos/source/clip.mp4",
        status=Video.Status.READY,
        duration_seconds=60,
    )
    lesson = LessonFactory(course=course, position=1, video=video)
    learner = UserFactory(email="planner@example.org")
    StudyPlanEntry.objects.create(user=learner, course=course)
    WatchProgress.objects.create(user=learner, lesson=lesson, position_seconds=5)
    services.course_unpublish(actor=staff, course=course)
    return course


@pytest.fixture
def visible() -> Course:
    course = CourseFactory(title="Quantum computing explained", is_published=True)
    course_search_index_update(course_ids=[course.pk])
    return course


@pytest.fixture(params=["guest", "learner"])
def visitor(request: pytest.FixtureRequest, client: Client, hidden: Course) -> Client:
    if request.param == "learner":
        client.force_login(User.objects.get(email="planner@example.org"))
    return client


def test_the_course_list_leaves_it_out(
    visitor: Client, hidden: Course, visible: Course
) -> None:
    html = visitor.get(reverse("catalog:course_list")).content.decode()

    assert visible.title in html
    assert HIDDEN_TITLE not in html


def test_a_search_does_not_find_it(
    visitor: Client, hidden: Course, visible: Course
) -> None:
    response = visitor.get(reverse("catalog:course_list"), {"q": "quantum"})

    html = response.content.decode()
    assert reverse("catalog:course_detail", args=[visible.slug]) in html
    assert reverse("catalog:course_detail", args=[hidden.slug]) not in html
    assert "gardening" not in html


def test_its_page_is_not_found(visitor: Client, hidden: Course) -> None:
    response = visitor.get(reverse("catalog:course_detail", args=[hidden.slug]))

    assert response.status_code == 404


def test_its_lessons_are_not_found(visitor: Client, hidden: Course) -> None:
    response = visitor.get(reverse("catalog:lesson", args=[hidden.slug, 1]))

    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert reverse("accounts:login") in response["Location"]


def test_study_plan_and_history_leave_it_out(visitor: Client, hidden: Course) -> None:
    pages = [
        visitor.get(reverse("catalog:my_iioe"), {"tab": tab})
        for tab in ("study-plan", "history")
    ]

    for response in pages:
        assert HIDDEN_TITLE not in response.content.decode()


def test_the_home_page_leaves_it_out(visitor: Client, hidden: Course) -> None:
    html = visitor.get(reverse("web:home")).content.decode()

    assert HIDDEN_TITLE not in html


def test_its_study_plan_button_is_not_found(visitor: Client, hidden: Course) -> None:
    response = visitor.post(reverse("catalog:study_plan_add", args=[hidden.slug]))

    assert response.status_code == 404


def test_staff_still_find_it_in_their_list(
    client: Client, staff: User, hidden: Course
) -> None:
    client.force_login(staff)

    response = client.get(reverse("catalog:staff_course_list"), {"q": "gardening"})

    assert [c.pk for c in response.context["page"].object_list] == [hidden.pk]


def test_publishing_it_again_brings_it_back_to_search(
    client: Client, staff: User, hidden: Course
) -> None:
    services.course_publish(actor=staff, course=hidden)

    response = client.get(reverse("catalog:course_list"), {"q": "gardening"})

    html = response.content.decode()
    assert reverse("catalog:course_detail", args=[hidden.slug]) in html
