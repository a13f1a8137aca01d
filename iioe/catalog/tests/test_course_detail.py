import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.models import Course, Family, Instructor, StudyPlanEntry
from iioe.catalog.tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstitutionFactory,
    LessonFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Course:
    category = CategoryFactory(
        slug="application-of-digital-skills",
        family=Family.TEACHER,
        name_en="Application of Digital Skills",
        name_zh_hans="数字技能应用",
        name_fr="Application des compétences numériques",
    )
    course = CourseFactory(
        slug="comment-creer-un-cours-en-ligne",
        title="Comment Créer un Cours en Ligne",
        category=category,
        language="fr",
        provider=InstitutionFactory(name="UNESCO-ICHEI", country="CN"),
        published_on=datetime.date(2020, 2, 4),
        rating_average=Decimal(4),
        rating_count=75,
        view_count=64,
        duration_seconds=59 * 60 + 1,
        subject="Education & Teacher Training",
        level="Introductory",
        effort_hours_min=2,
        effort_hours_max=3,
        length_weeks=6,
        enrolment_count=124980,
        source_name="edX",
        source_url="https://www.edx.org/course/example",
    )
    course.instructors.add(Instructor.objects.create(name="Anne-Laure Bartier"))
    return course


def url(course: Course) -> str:
    return reverse("catalog:course_detail", args=[course.slug])


def test_the_course_page_shows_the_seed_s_facts(client: Client, course: Course) -> None:
    html = client.get(url(course)).content.decode()

    assert '<a href="/">Home</a>' in html
    assert f'<a href="{reverse("catalog:course_list")}">Courses</a>' in html
    assert (
        '<span aria-current="page" lang="fr">Comment Créer un Cours en Ligne</span>'
        in html
    )
    assert '<h1 lang="fr">Comment Créer un Cours en Ligne</h1>' in html
    assert "Application of Digital Skills" in html
    assert '<time datetime="2020-02-04">Feb. 4, 2020</time>' in html
    assert ">FR<" in html
    assert "★★★★☆" in html
    assert "4.0 (75)" in html
    assert "Rated 4.0 out of 5 by 75 learners" in html
    assert "65 views" in html  # this visit counts
    assert "Offered by" in html and "UNESCO-ICHEI" in html and "China" in html
    assert "59:01" in html
    assert "2–3 hours per week" in html
    assert "6 weeks" in html
    assert "124,980 learners" in html
    assert 'href="https://www.edx.org/course/example"' in html
    for tab in ("Overview", "Syllabus", "Instructor", "Reviews (0)"):
        assert tab in html


def test_the_course_page_in_french_localises_dates_numbers_and_names(
    client: Client, course: Course
) -> None:
    html = client.get(url(course), HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert '<html lang="fr">' in html
    assert "4 février 2020" in html
    assert "4,0 (75)" in html
    assert "124\u202f980" in html or "124\xa0980" in html
    assert "Application des compétences numériques" in html
    assert "Chine" in html
    assert "Proposé par" in html
    assert "AJOUTER AU PLAN D’ÉTUDES" in html


def test_the_course_page_in_chinese_localises_dates_and_names(
    client: Client, course: Course
) -> None:
    html = client.get(url(course), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "2020年2月4日" in html
    assert "数字技能应用" in html
    assert "中国" in html
    assert "加入学习计划" in html


@pytest.mark.parametrize(
    ("tab", "expected"),
    [
        ("overview", "Education &amp; Teacher Training"),
        ("syllabus", "The syllabus of this course is not published here yet."),
        ("instructor", "Anne-Laure Bartier"),
        ("reviews", "No reviews yet."),
        ("nonsense", "Education &amp; Teacher Training"),
    ],
)
def test_each_tab_is_a_link_that_works_without_javascript(
    client: Client, course: Course, tab: str, expected: str
) -> None:
    html = client.get(url(course), {"tab": tab}).content.decode()

    assert expected in html
    assert 'href="?tab=syllabus#course-sections"' in html
    current = "overview" if tab == "nonsense" else tab
    assert f'href="?tab={current}#course-sections" aria-current="page"' in html


def test_lessons_are_listed_in_order_and_watch_video_opens_the_first(
    client: Client, course: Course
) -> None:
    LessonFactory(course=course, position=2, title="Second steps")
    LessonFactory(course=course, position=1, title="First steps")

    html = client.get(url(course)).content.decode()

    first = reverse("catalog:lesson", args=[course.slug, 1])
    assert f'<a class="btn" href="{first}">WATCH VIDEO</a>' in html
    assert html.index("First steps") < html.index("Second steps")


def test_a_course_without_lessons_offers_no_video(
    client: Client, course: Course
) -> None:
    assert "WATCH VIDEO" not in client.get(url(course)).content.decode()


def test_unknown_and_unpublished_courses_are_not_found(client: Client) -> None:
    hidden = CourseFactory(is_published=False)

    assert client.get(url(hidden)).status_code == 404
    assert client.get("/courses/no-such-course").status_code == 404


def test_a_learner_adds_a_course_to_the_study_plan_and_removes_it(
    client: Client, course: Course
) -> None:
    learner = UserFactory()
    client.force_login(learner)

    added = client.post(reverse("catalog:study_plan_add", args=[course.slug]))
    again = client.post(reverse("catalog:study_plan_add", args=[course.slug]))

    assert added.status_code == again.status_code == 302
    assert added["Location"] == url(course)
    assert StudyPlanEntry.objects.filter(user=learner, course=course).count() == 1
    html = client.get(url(course)).content.decode()
    assert "REMOVE FROM STUDY PLAN" in html
    assert "The course is in your study plan." in html

    client.post(reverse("catalog:study_plan_remove", args=[course.slug]))
    client.post(reverse("catalog:study_plan_remove", args=[course.slug]))
    assert not StudyPlanEntry.objects.filter(user=learner).exists()
    assert "ADD TO STUDY PLAN" in client.get(url(course)).content.decode()


def test_a_guest_who_adds_a_course_is_sent_to_log_in_and_back(
    client: Client, course: Course
) -> None:
    response = client.post(reverse("catalog:study_plan_add", args=[course.slug]))

    login = reverse(settings.LOGIN_URL)
    assert response.status_code == 302
    assert response["Location"] == f"{login}?next={url(course)}"
    assert not StudyPlanEntry.objects.exists()


def test_the_study_plan_changes_only_by_post_with_a_csrf_token(course: Course) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())

    assert (
        client.get(reverse("catalog:study_plan_add", args=[course.slug])).status_code
        == 405
    )
    assert (
        client.post(reverse("catalog:study_plan_add", args=[course.slug])).status_code
        == 403
    )
    assert not StudyPlanEntry.objects.exists()


def test_the_study_plan_of_an_unknown_course_is_not_found(client: Client) -> None:
    client.force_login(UserFactory())

    response = client.post(reverse("catalog:study_plan_add", args=["no-such-course"]))

    assert response.status_code == 404


def test_a_course_page_costs_a_fixed_number_of_queries(
    client: Client, course: Course, django_assert_num_queries: pytest.FixtureDef
) -> None:
    LessonFactory(course=course, position=1)
    LessonFactory(course=course, position=2)

    # The viewer of the day and the view count, the course, its instructors
    # and its lessons.
    with django_assert_num_queries(5):
        client.get(url(course))
    # Once counted today, the browser's memo spares the first two.
    with django_assert_num_queries(3):
        client.get(url(course))


def test_a_learner_never_gets_a_cached_page(
    client: Client, course: Course, settings: pytest.FixtureDef
) -> None:
    settings.GUEST_PAGE_CACHE_SECONDS = 60
    Client().get(url(course))
    client.force_login(UserFactory())
    client.post(reverse("catalog:study_plan_add", args=[course.slug]))

    assert "REMOVE FROM STUDY PLAN" in client.get(url(course)).content.decode()
