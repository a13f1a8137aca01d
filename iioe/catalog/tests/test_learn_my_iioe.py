"""The My IIOE page: its tabs, the study plan and the watch history."""

import datetime
import re

import pytest
import time_machine
from django.conf import settings
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog.history import MY_IIOE_PAGE_SIZE
from iioe.catalog.models import Course, StudyPlanEntry, WatchProgress
from iioe.catalog.tests.factories import (
    CourseFactory,
    InstitutionFactory,
    LessonFactory,
)
from iioe.media.tests.factories import ready_video

pytestmark = pytest.mark.django_db

MY_IIOE = reverse("catalog:my_iioe")


@pytest.fixture
def learner() -> User:
    # No password: the learner logs in with force_login, and hashing is slow.
    return UserFactory(first_name="Amina", password=None)


@pytest.fixture
def member(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


def plan(user: User, *courses: Course) -> None:
    for course in courses:
        StudyPlanEntry.objects.create(user=user, course=course)


def watched(user: User, title: str, seconds: float, when: str) -> WatchProgress:
    lesson = LessonFactory(title=title, video=ready_video(duration=600))
    with time_machine.travel(datetime.datetime.fromisoformat(when), tick=False):
        return WatchProgress.objects.create(
            user=user, lesson=lesson, position_seconds=seconds
        )


def tab_labels(html: str) -> list[str]:
    return re.findall(r'<li><a href="\?tab=[\w-]+"[^>]*>([^<]+)</a></li>', html)


def test_a_guest_is_sent_to_log_in_and_back(client: Client) -> None:
    response = client.get(MY_IIOE)

    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={MY_IIOE}"


def test_the_page_greets_the_learner_and_links_the_profile(member: Client) -> None:
    html = member.get(MY_IIOE).content.decode()

    assert "Hi, Amina" in html
    assert f'href="{reverse("accounts:profile_edit")}">My Profile<' in html


def test_the_tabs_are_those_of_the_seed_with_their_counts(
    member: Client, learner: User
) -> None:
    plan(learner, CourseFactory(), CourseFactory())
    watched(learner, "One", 10, "2021-03-01T10:00:00+00:00")

    html = member.get(MY_IIOE).content.decode()

    assert tab_labels(html) == [
        "Skill sets (0)",
        "Skill point (0)",
        "Study Plan (2)",
        "History (1)",
        "Training certificate (0)",
        "My classes (0)",
    ]


def test_the_counts_leave_out_other_learners_and_unpublished_courses(
    member: Client, learner: User
) -> None:
    plan(learner, CourseFactory(), CourseFactory(is_published=False))
    plan(UserFactory(password=None), CourseFactory())

    html = member.get(MY_IIOE).content.decode()

    assert "Study Plan (1)" in tab_labels(html)


def test_the_study_plan_lists_courses_with_a_remove_button(
    member: Client, learner: User
) -> None:
    course = CourseFactory(
        title="ABC时代的云计算",
        language="zh",
        provider=InstitutionFactory(name="CIO Times"),
    )
    plan(learner, course)

    html = member.get(MY_IIOE, {"tab": "study-plan"}).content.decode()

    assert re.search(r'href="\?tab=study-plan" aria-current="page"', html)
    assert f'href="{reverse("catalog:course_detail", args=[course.slug])}"' in html
    assert "ABC时代的云计算" in html
    assert "CIO Times" in html
    assert '<span aria-hidden="true">中文</span>' in html
    assert "Language: Chinese" in html
    remove = reverse("catalog:study_plan_remove", args=[course.slug])
    assert f'<form method="post" action="{remove}">' in html
    assert 'aria-label="Remove ABC时代的云计算 from my study plan">Remove<' in html


def test_the_study_plan_opens_by_default_and_for_an_unknown_tab(
    member: Client,
) -> None:
    for query in ({}, {"tab": "nonsense"}):
        html = member.get(MY_IIOE, query).content.decode()
        assert re.search(r'href="\?tab=study-plan" aria-current="page"', html)
        assert "Your study plan is empty." in html


def test_the_history_lists_lessons_newest_first_with_where_they_stopped(
    member: Client, learner: User
) -> None:
    old = watched(learner, "Older lesson", 65, "2021-03-01T10:00:00+00:00")
    new = watched(learner, "Newer lesson", 3725, "2021-03-02T10:00:00+00:00")

    html = member.get(MY_IIOE, {"tab": "history"}).content.decode()

    assert html.index("Newer lesson") < html.index("Older lesson")
    assert "Stopped at 1:05 of 10:00" in html
    assert "Stopped at 1:02:05 of 10:00" in html
    for progress in (old, new):
        url = reverse(
            "catalog:lesson",
            args=[progress.lesson.course.slug, progress.lesson.position],
        )
        assert f'<a class="btn" href="{url}"' in html
    assert progress.lesson.course.title in html


def test_tabs_without_data_show_a_friendly_empty_state(member: Client) -> None:
    for tab, text in [
        ("skill-sets", "No skill sets yet."),
        ("skill-points", "No skill points yet."),
        ("certificates", "No training certificates yet."),
        ("classes", "You are not in any class yet."),
        ("history", "You have not watched any lesson yet."),
    ]:
        html = member.get(MY_IIOE, {"tab": tab}).content.decode()
        assert text in html, tab
        assert re.search(rf'href="\?tab={tab}" aria-current="page"', html)


def test_the_tabs_speak_the_language_of_the_page(member: Client) -> None:
    member.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"

    html = member.get(MY_IIOE).content.decode()

    assert "学习计划 (0)" in tab_labels(html)


def test_a_long_history_is_paged(member: Client, learner: User) -> None:
    for number in range(MY_IIOE_PAGE_SIZE + 1):
        watched(learner, f"Lesson {number}", 5, f"2021-03-01T10:{number:02d}:00+00:00")

    first = member.get(MY_IIOE, {"tab": "history"}).content.decode()
    second = member.get(MY_IIOE, {"tab": "history", "page": "2"}).content.decode()

    assert first.count('class="plan-item"') == MY_IIOE_PAGE_SIZE
    assert 'rel="next" href="?tab=history&amp;page=2"' in first
    assert second.count('class="plan-item"') == 1
    assert "Lesson 0<" in second
    assert 'rel="prev"' in second


@pytest.mark.parametrize("page", ["0", "-3", "x", "99999999999999999999"])
def test_a_strange_page_number_gives_no_error(member: Client, page: str) -> None:
    response = member.get(MY_IIOE, {"tab": "history", "page": page})

    assert response.status_code == 200


@pytest.mark.parametrize("tab", ["study-plan", "history"])
def test_the_queries_do_not_grow_with_the_entries(
    member: Client,
    learner: User,
    tab: str,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    plan(learner, CourseFactory())
    watched(learner, "One", 5, "2021-03-01T10:00:00+00:00")
    with django_assert_num_queries(5) as few:
        member.get(MY_IIOE, {"tab": tab})

    plan(learner, *[CourseFactory() for _ in range(12)])
    for number in range(12):
        watched(learner, f"Lesson {number}", 5, "2021-03-02T10:00:00+00:00")
    with django_assert_num_queries(len(few.captured_queries)):
        html = member.get(MY_IIOE, {"tab": tab}).content.decode()
    assert html.count('class="plan-item"') == 13
