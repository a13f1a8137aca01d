"""How ratings combine, stay exact when written at once, and sort the catalog."""

from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.models import Course, Review
from iioe.catalog.services import course_rating_combine
from iioe.catalog.tests.factories import CourseFactory
from iioe.catalog.tests.threads import run_at_once, threaded_database  # noqa: F401


def learner() -> User:
    # No password: hashing one costs more than the whole test otherwise.
    return UserFactory(password=None)


def rate(course: Course, *ratings: int) -> list[User]:
    users = [learner() for _ in ratings]
    for user, rating in zip(users, ratings, strict=True):
        services.review_save(user=user, course=course, rating=rating, text="")
    return users


def test_without_a_source_the_figures_are_the_reviews_own() -> None:
    figures = course_rating_combine(
        source_average=None, source_count=0, review_count=3, review_sum=14
    )

    assert figures.average == Decimal("4.67")
    assert figures.count == 3
    # (10 × 4 + 14) / (10 + 3)
    assert figures.score == Decimal("4.15385")


def test_a_source_rating_weighs_as_many_ratings_as_it_counts() -> None:
    figures = course_rating_combine(
        source_average=Decimal("4.6"), source_count=1000, review_count=2, review_sum=2
    )

    assert figures.average == Decimal("4.59")  # (4600 + 2) / 1002 = 4.5928
    assert figures.count == 1002


def test_a_source_average_without_a_count_weighs_as_one_rating() -> None:
    figures = course_rating_combine(
        source_average=Decimal("4.7"), source_count=0, review_count=1, review_sum=3
    )

    assert figures.average == Decimal("3.85")
    # The count says how many ratings are known; the source's are not.
    assert figures.count == 1


def test_an_unrated_course_has_no_average_and_scores_zero() -> None:
    figures = course_rating_combine(
        source_average=None, source_count=0, review_count=0, review_sum=0
    )

    assert (figures.average, figures.count, figures.score) == (None, 0, Decimal(0))


def test_averages_round_half_up_to_two_places() -> None:
    figures = course_rating_combine(
        source_average=None, source_count=0, review_count=8, review_sum=33
    )

    assert figures.average == Decimal("4.13")  # 4.125


@pytest.mark.django_db
def test_one_five_star_review_does_not_outrank_many_of_four_point_six(
    client: Client,
) -> None:
    lucky = CourseFactory(title="One perfect review")
    solid = CourseFactory(title="Twenty good reviews")
    unrated = CourseFactory(title="No review")
    rate(lucky, 5)
    rate(solid, *([5] * 12 + [4] * 8))  # 4.6

    lucky.refresh_from_db()
    solid.refresh_from_db()
    assert lucky.rating_average == 5 and solid.rating_average == Decimal("4.6")
    assert solid.rating_score > lucky.rating_score
    html = client.get(reverse("catalog:course_list"), {"sort": "rating"}).content
    order = [html.index(c.title.encode()) for c in (solid, lucky, unrated)]
    assert order == sorted(order)


@pytest.mark.django_db
def test_more_ratings_at_one_average_rank_higher() -> None:
    courses = [
        CourseFactory(rating_average=Decimal("4.5"), rating_count=count)
        for count in (1, 100, 10)
    ]

    ranked = Course.objects.filter(is_published=True).order_by("-rating_score", "id")

    assert list(ranked) == [courses[1], courses[2], courses[0]]


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_many_learners_rating_at_once_give_an_exact_count_and_average() -> None:
    course = CourseFactory(rating_average=Decimal(4), rating_count=75)
    learners = [learner() for _ in range(16)]
    ratings = [(n % 5) + 1 for n in range(16)]  # sum 46

    run_at_once(
        lambda user, rating: services.review_save(
            user=user, course=course, rating=rating, text=""
        ),
        list(zip(learners, ratings, strict=True)),
    )

    course.refresh_from_db()
    assert course.review_count == 16
    assert course.rating_count == 75 + 16
    assert course.rating_average == Decimal("3.80")  # (300 + 46) / 91 = 3.802
    assert course.rating_score == Decimal("3.82178")  # (40 + 346) / 101


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_edits_deletes_and_hiding_at_once_leave_the_figures_exact() -> None:
    course = CourseFactory()
    staff = UserFactory(is_staff=True)
    learners = rate(course, 1, 2, 3, 4, 5, 1, 2, 3)
    newcomers = [learner() for _ in range(4)]
    reviews = {r.user_id: r.pk for r in Review.objects.all()}

    def act(kind: str, user: User) -> None:
        if kind == "edit":
            services.review_save(user=user, course=course, rating=5, text="")
        elif kind == "delete":
            services.review_delete(user=user, course=course, review_id=reviews[user.pk])
        elif kind == "hide":
            services.review_hide(
                moderator=staff,
                course=course,
                review_id=reviews[user.pk],
                reason="Off topic",
            )
        else:
            services.review_save(user=user, course=course, rating=4, text="")

    run_at_once(
        act,
        [("edit", u) for u in learners[:3]]
        + [("delete", u) for u in learners[3:5]]
        + [("hide", u) for u in learners[5:7]]
        + [("new", u) for u in newcomers],
    )

    # Left visible: three edited to 5, learners[7] (3), four new ones of 4.
    course.refresh_from_db()
    visible = Review.objects.filter(course=course, is_hidden=False).aggregate(
        n=Count("id"), total=Sum("rating")
    )
    assert (visible["n"], visible["total"]) == (8, 34)
    assert (course.review_count, course.rating_count) == (8, 8)
    assert course.rating_average == Decimal("4.25")


@pytest.mark.usefixtures("threaded_database")
@pytest.mark.django_db(transaction=True)
def test_one_learner_submitting_twice_at_once_keeps_one_review() -> None:
    course = CourseFactory()
    author = learner()

    run_at_once(
        lambda rating: services.review_save(
            user=author, course=course, rating=rating, text=""
        ),
        [(3,), (5,), (4,), (2,)],
    )

    review = Review.objects.get()
    course.refresh_from_db()
    assert (course.review_count, course.rating_count) == (1, 1)
    assert course.rating_average == review.rating
