import datetime
import re
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.demo_catalog import demo_catalog_load
from iioe.catalog.models import Course, Review
from iioe.catalog.tests.factories import CourseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course() -> Course:
    # As a demo course: the source catalog's 75 ratings averaging 4.
    return CourseFactory(
        slug="comment-creer-un-cours-en-ligne",
        rating_average=Decimal(4),
        rating_count=75,
        source_name="edX",
    )


@pytest.fixture
def learner() -> User:
    return UserFactory(first_name="Amina", last_name="Diallo")


@pytest.fixture
def member(client: Client, learner: User) -> Client:
    client.force_login(learner)
    return client


@pytest.fixture
def secretariat() -> Client:
    client = Client()
    client.force_login(UserFactory(is_staff=True))
    return client


def tab_url(course: Course, **query: Any) -> str:
    url = reverse("catalog:course_detail", args=[course.slug])
    params = "".join(f"&{key}={value}" for key, value in query.items())
    return f"{url}?tab=reviews{params}"


def save_url(course: Course) -> str:
    return reverse("catalog:review_save", args=[course.slug])


def review_url(course: Course, review: Review | int, action: str) -> str:
    review_id = review if isinstance(review, int) else review.pk
    return reverse(f"catalog:review_{action}", args=[course.slug, review_id])


def review_by(course: Course, rating: int, text: str = "", **user: Any) -> Review:
    # No password: hashing one per review would slow the tests down.
    return services.review_save(
        user=UserFactory(password=None, **user),
        course=course,
        rating=rating,
        text=text,
    )


def figures(course: Course) -> tuple[Decimal | None, int, Decimal, int]:
    course.refresh_from_db()
    return (
        course.rating_average,
        course.rating_count,
        course.rating_score,
        course.review_count,
    )


def test_a_learner_rates_a_course_and_the_figures_include_it(
    member: Client, course: Course, learner: User
) -> None:
    response = member.post(save_url(course), {"rating": "5", "text": " Clear! "})

    assert response.status_code == 302
    assert response["Location"] == tab_url(course) + "#reviews"
    review = Review.objects.get()
    assert (review.user, review.rating, review.text) == (learner, 5, "Clear!")
    # (75 × 4 + 5) / 76 = 4.0132; damped: (10 × 4 + 305) / 86 = 4.01163.
    assert figures(course) == (Decimal("4.01"), 76, Decimal("4.01163"), 1)
    html = member.get(response["Location"]).content.decode()
    assert "Thank you: your review is saved." in html
    assert "Reviews (1)" in html
    assert "Rated 4.0 out of 5 by 76 learners" in html
    assert "1 review written on IIOE" in html


def test_a_second_submission_replaces_the_first(member: Client, course: Course) -> None:
    member.post(save_url(course), {"rating": "5", "text": "Great"})
    member.post(save_url(course), {"rating": "1", "text": "On second thought"})

    review = Review.objects.get()
    assert (review.rating, review.text) == (1, "On second thought")
    assert figures(course)[:2] == (Decimal("3.96"), 76)


def test_a_learner_deletes_their_own_review(member: Client, course: Course) -> None:
    member.post(save_url(course), {"rating": "5"})
    review = Review.objects.get()

    response = member.post(review_url(course, review, "delete"))

    assert response.status_code == 302
    assert not Review.objects.exists()
    assert figures(course) == (Decimal(4), 75, Decimal(4), 0)
    assert "Your review is deleted." in member.get(tab_url(course)).content.decode()


def test_nobody_deletes_someone_else_s_review(member: Client, course: Course) -> None:
    other = review_by(course, 2)
    elsewhere = CourseFactory()

    assert member.post(review_url(course, other, "delete")).status_code == 404
    assert member.post(review_url(elsewhere, other, "delete")).status_code == 404
    assert member.post(review_url(course, 2**62, "delete")).status_code == 404
    assert member.post(review_url(course, 10**30, "delete")).status_code == 404
    assert Review.objects.filter(pk=other.pk).exists()


@pytest.mark.parametrize("rating", ["0", "6", "abc", "", "4.5", "-1", "1e9"])
def test_a_rating_outside_one_to_five_is_refused_next_to_the_stars(
    member: Client, course: Course, rating: str
) -> None:
    response = member.post(save_url(course), {"rating": rating, "text": "Kept"})

    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(
        r'<ul class="errorlist" id="id_rating_error"><li>Choose a rating from 1 to 5'
        r" stars.</li>",
        html,
    )
    assert ">\nKept</textarea>" in html
    assert not Review.objects.exists()


def test_a_missing_rating_is_refused(member: Client, course: Course) -> None:
    response = member.post(save_url(course), {"text": "No stars"})

    assert response.status_code == 400
    assert "Choose a rating from 1 to 5 stars." in response.content.decode()


def test_a_text_over_the_limit_is_refused_and_kept(
    member: Client, course: Course
) -> None:
    text = "é" * (Review.TEXT_MAX_LENGTH + 1)

    response = member.post(save_url(course), {"rating": "4", "text": text})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Keep the review to 2000 characters; it has 2001." in html
    assert f">\n{text}</textarea>" in html
    assert 'maxlength="2000"' in html
    assert not Review.objects.exists()


def test_line_breaks_as_browsers_send_them_count_once(
    member: Client, course: Course
) -> None:
    # A browser's maxlength counts a line break as one character and sends
    # it as two.
    text = ("a" * 9 + "\r\n") * 200

    response = member.post(save_url(course), {"rating": "4", "text": text})

    assert response.status_code == 302
    assert Review.objects.get().text == ("a" * 9 + "\n") * 199 + "a" * 9


def test_the_service_refuses_what_the_form_would(course: Course, learner: User) -> None:
    for rating in (0, 6, "x", None):
        with pytest.raises(services.ValidationError):
            services.review_save(user=learner, course=course, rating=rating, text="")
    assert not Review.objects.exists()


def test_a_guest_reads_reviews_and_is_sent_to_log_in_to_write_one(
    client: Client, course: Course
) -> None:
    review_by(course, 5, "Superb", first_name="Li", last_name="Wei")

    html = client.get(tab_url(course)).content.decode()
    response = client.post(save_url(course), {"rating": "5"})

    assert "Superb" in html and "Li W." in html
    login = reverse(settings.LOGIN_URL)
    next_query = "next=/courses/comment-creer-un-cours-en-ligne%3Ftab%3Dreviews"
    assert f'href="{login}?{next_query}"' in html
    assert "Log in to rate this course" in html
    assert 'name="rating"' not in html
    assert response.status_code == 302
    assert response["Location"] == f"{login}?{next_query}"
    assert Review.objects.count() == 1


def test_writes_take_post_with_a_csrf_token(course: Course, learner: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    review = review_by(course, 3)

    assert client.get(save_url(course)).status_code == 405
    assert client.post(save_url(course), {"rating": "5"}).status_code == 403
    assert client.post(review_url(course, review, "delete")).status_code == 403
    assert Review.objects.get().rating == 3


def test_the_author_is_never_shown_by_e_mail(client: Client, course: Course) -> None:
    review_by(course, 4, email="secret.person@example.org", first_name="")

    html = client.get(tab_url(course)).content.decode()

    assert "secret.person" not in html
    assert "A learner" in html


def test_the_stars_are_radio_buttons_with_labels(
    member: Client, course: Course
) -> None:
    member.post(save_url(course), {"rating": "4"})

    html = member.get(tab_url(course)).content.decode()

    form = html[html.index('class="review-form"') :]
    form = form[: form.index("</form>")]
    assert "<legend>Your rating</legend>" in form
    radios = re.findall(r'<label for="(id_rating_\d)"><input type="radio"', form)
    assert radios == [f"id_rating_{n}" for n in range(5)]
    labels = re.findall(r"</span> (\d stars?)</label>", form)
    assert labels == ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    assert re.search(r'value="4"[^>]*checked', form)
    assert '<label for="id_text">Your review (optional)</label>' in form


def test_the_tab_lists_newest_first_ten_a_page_with_the_learner_s_own_on_top(
    member: Client, course: Course, learner: User
) -> None:
    start = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        services.review_save(user=learner, course=course, rating=5, text="Mine")
    for day in range(12):
        with time_machine.travel(start + datetime.timedelta(days=day + 1)):
            review_by(course, 4, f"Review of day {day + 1:02d}")

    first = member.get(tab_url(course)).content.decode()
    second = member.get(tab_url(course, page=2)).content.decode()

    listed = re.findall(r"Review of day (\d+)", first)
    assert listed == [f"{day:02d}" for day in range(12, 2, -1)]
    assert re.findall(r"Review of day (\d+)", second) == ["02", "01"]
    assert first.index("Mine") < first.index("Review of day 12")
    assert "Mine" not in second.split('id="review-list-title"')[1]
    assert "Delete my review" in first and "Edit my review" in first
    assert "Page 1 of 2" in first and 'href="?tab=reviews&amp;page=2#reviews"' in first
    assert "Reviews (13)" in first
    assert "13 reviews written on IIOE" in first


def test_a_page_number_out_of_range_shows_the_nearest_page(
    client: Client, course: Course
) -> None:
    review_by(course, 4, "Only one")

    for page in ("0", "99", "abc", str(10**30)):
        response = client.get(tab_url(course, page=page))
        assert response.status_code == 200
        assert "Only one" in response.content.decode()


def test_the_secretariat_hides_a_review_with_a_reason(
    secretariat: Client, client: Client, course: Course
) -> None:
    author = UserFactory()
    review = services.review_save(user=author, course=course, rating=1, text="Spam")

    response = secretariat.post(
        review_url(course, review, "hide"), {"reason": "Advertising"}
    )

    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_reason == "Advertising"
    assert figures(course) == (Decimal(4), 75, Decimal(4), 0)
    assert "Spam" not in client.get(tab_url(course)).content.decode()
    author_client = Client()
    author_client.force_login(author)
    mine = author_client.get(tab_url(course)).content.decode()
    assert "Spam" in mine
    assert (
        "Only you can see this review: the secretariat hid it from other visitors."
        " Reason: Advertising" in mine
    )
    staff_page = secretariat.get(tab_url(course)).content.decode()
    assert "Spam" in staff_page and "Hidden from visitors. Reason: Advertising" in (
        staff_page
    )
    assert "Show this review again" in staff_page


def test_the_secretariat_shows_a_hidden_review_again(
    secretariat: Client, course: Course
) -> None:
    review = review_by(course, 5, "Fine")
    secretariat.post(review_url(course, review, "hide"), {"reason": "Check"})

    response = secretariat.post(review_url(course, review, "unhide"))

    assert response.status_code == 302
    review.refresh_from_db()
    assert not review.is_hidden and review.hidden_reason == ""
    assert figures(course)[:2] == (Decimal("4.01"), 76)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Say why the review is hidden."),
        ("   ", "Say why the review is hidden."),
        ("x" * 301, "Keep the reason to 300 characters."),
    ],
)
def test_hiding_needs_a_short_reason_said_next_to_the_field(
    secretariat: Client, course: Course, reason: str, message: str
) -> None:
    review = review_by(course, 5)

    response = secretariat.post(review_url(course, review, "hide"), {"reason": reason})

    assert response.status_code == 400
    html = response.content.decode()
    error = f'<ul class="errorlist" id="id_hide_{review.pk}_reason_error"><li>'
    assert error + message in html
    assert "<details open>" in html
    review.refresh_from_db()
    assert not review.is_hidden


def test_learners_and_guests_may_not_hide_or_show_reviews(
    member: Client, client: Client, course: Course
) -> None:
    review = review_by(course, 5)

    for visitor in (member, Client()):
        hide = visitor.post(review_url(course, review, "hide"), {"reason": "No"})
        unhide = visitor.post(review_url(course, review, "unhide"))
        assert hide.status_code == unhide.status_code == 403
    review.refresh_from_db()
    assert not review.is_hidden
    assert "Hide this review" not in member.get(tab_url(course)).content.decode()


def test_the_secretariat_cannot_hide_a_review_through_another_course(
    secretariat: Client, course: Course
) -> None:
    review = review_by(course, 5)
    elsewhere = CourseFactory()

    response = secretariat.post(review_url(elsewhere, review, "hide"), {"reason": "x"})

    assert response.status_code == 404
    review.refresh_from_db()
    assert not review.is_hidden


def test_an_edited_hidden_review_stays_hidden(
    member: Client, learner: User, course: Course
) -> None:
    review = services.review_save(user=learner, course=course, rating=1, text="Rude")
    services.review_hide(
        moderator=UserFactory(is_staff=True),
        course=course,
        review_id=review.pk,
        reason="Rude",
    )

    member.post(save_url(course), {"rating": "2", "text": "Still rude"})

    review.refresh_from_db()
    assert review.is_hidden and review.rating == 2
    assert figures(course)[:2] == (Decimal(4), 75)


def test_a_learner_may_not_hide_through_the_service(
    learner: User, course: Course
) -> None:
    review = review_by(course, 5)

    with pytest.raises(services.PermissionDenied):
        services.review_hide(
            moderator=learner, course=course, review_id=review.pk, reason="x"
        )


def test_the_reviews_tab_speaks_french(member: Client, course: Course) -> None:
    member.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = member.post(save_url(course), {"rating": "9", "text": "Bien"})

    html = response.content.decode()
    assert "Choisissez une note de 1 à 5 étoiles." in html
    assert "<legend>Votre note</legend>" in html
    assert "5 étoiles" in html


def test_the_reviews_tab_speaks_chinese(client: Client, course: Course) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    review_by(course, 5, "好")

    html = client.get(tab_url(course)).content.decode()

    assert "登录后评价本课程" in html
    assert "1 条在 IIOE 上撰写的评价" in html


def test_reloading_the_demo_catalog_keeps_the_reviews_in_the_figures() -> None:
    demo_catalog_load()
    course = Course.objects.get(title="Comment Créer un Cours en Ligne")
    assert (course.source_rating_average, course.source_rating_count) == (
        Decimal(4),
        75,
    )
    review_by(course, 5)

    demo_catalog_load()

    assert figures(course)[:2] == (Decimal("4.01"), 76)


def test_the_admin_hides_with_a_reason_and_keeps_the_figures(
    course: Course,
) -> None:
    admin = Client()
    admin.force_login(UserFactory(is_staff=True, is_superuser=True))
    review = review_by(course, 5)
    change = reverse("admin:catalog_review_change", args=[review.pk])

    refused = admin.post(change, {"is_hidden": "on", "hidden_reason": ""})
    saved = admin.post(change, {"is_hidden": "on", "hidden_reason": "Off topic"})

    assert refused.status_code == 200
    assert "Say why the review is hidden." in refused.content.decode()
    assert saved.status_code == 302
    review.refresh_from_db()
    assert review.is_hidden and review.hidden_reason == "Off topic"
    assert figures(course)[:2] == (Decimal(4), 75)

    admin.post(
        reverse("admin:catalog_review_changelist"),
        {"action": "unhide", "_selected_action": [review.pk]},
    )
    review.refresh_from_db()
    assert not review.is_hidden
    assert figures(course)[:2] == (Decimal("4.01"), 76)
