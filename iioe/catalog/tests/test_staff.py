"""The staff area: who may enter, and creating, editing and publishing courses."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.catalog import services
from iioe.catalog.models import Category, Course, CourseEvent, Family, Lesson
from iioe.catalog.search import course_search_q
from iioe.catalog.tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstitutionFactory,
    LessonFactory,
)
from iioe.institutions.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> User:
    return UserFactory(is_staff=True, first_name="Wei", last_name="Zhang")


@pytest.fixture
def staff_client(client: Client, staff: User) -> Client:
    client.force_login(staff)
    return client


@pytest.fixture
def category() -> Category:
    return CategoryFactory(
        slug="pedagogy",
        family=Family.TEACHER,
        name_en="Pedagogy",
        name_zh_hans="教学法",
        name_fr="Pédagogie",
    )


def course_data(subcategory: Category, **changes: str) -> dict[str, str]:
    provider = InstitutionFactory(name="UNESCO-ICHEI")
    data = {
        "title": "Comment Créer un Cours en Ligne",
        "category": subcategory.slug,
        "language": "fr",
        "provider": str(provider.pk),
        "new_provider_name": "",
        "new_provider_country": "",
        "published_on": "2020-02-04",
        "subject": "Education",
        "level": "Introductory",
        "effort_hours_min": "2",
        "effort_hours_max": "3",
        "length_weeks": "6",
        "duration": "59:01",
        "source_name": "",
        "source_url": "",
        "overview": "Créer un cours en ligne, pas à pas.",
        "syllabus": "Semaine 1 : le plan.",
    }
    data.update(changes)
    return data


def edit_url(course: Course) -> str:
    return reverse("catalog:staff_course_edit", args=[course.pk])


# Who may enter


STAFF_PAGES = [
    ("catalog:staff_course_list", False),
    ("catalog:staff_course_create", False),
    ("catalog:staff_course_edit", True),
    ("catalog:staff_course_instructor_add", True),
]


@pytest.mark.parametrize(("name", "takes_course"), STAFF_PAGES)
def test_a_guest_is_sent_to_log_in_from_every_staff_page(
    client: Client, name: str, takes_course: bool
) -> None:
    course = CourseFactory()
    url = reverse(name, args=[course.pk] if takes_course else [])

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"]


@pytest.mark.parametrize(("name", "takes_course"), STAFF_PAGES)
def test_a_learner_is_refused_every_staff_page(
    client: Client, name: str, takes_course: bool
) -> None:
    course = CourseFactory()
    client.force_login(UserFactory())

    response = client.get(reverse(name, args=[course.pk] if takes_course else []))

    assert response.status_code == 403
    assert "Staff only" in response.content.decode()


def test_a_learner_cannot_publish_create_or_change_lessons_by_posting(
    client: Client, category: Category
) -> None:
    course = CourseFactory(is_published=False)
    lesson = LessonFactory(course=course)
    client.force_login(UserFactory())

    posts = [
        (reverse("catalog:staff_course_publish", args=[course.pk]), {}),
        (reverse("catalog:staff_course_create"), course_data(category)),
        (reverse("catalog:staff_lesson_add", args=[course.pk]), {"lesson-title": "X"}),
        (
            reverse("catalog:staff_lesson_delete", args=[course.pk, lesson.pk]),
            {},
        ),
    ]
    statuses = [client.post(url, data).status_code for url, data in posts]

    assert statuses == [403, 403, 403, 403]
    course.refresh_from_db()
    assert not course.is_published
    assert Course.objects.count() == 1
    assert Lesson.objects.filter(course=course).count() == 1
    assert not CourseEvent.objects.exists()


def test_an_inactive_staff_member_is_refused(client: Client) -> None:
    client.force_login(UserFactory(is_staff=True))
    User.objects.update(is_active=False)

    response = client.get(reverse("catalog:staff_course_list"))

    assert response.status_code in (302, 403)


def test_staff_see_every_course_in_the_list_published_or_not(
    staff_client: Client,
) -> None:
    CourseFactory(title="Open course", is_published=True)
    CourseFactory(title="Hidden draft", is_published=False)

    html = staff_client.get(reverse("catalog:staff_course_list")).content.decode()

    assert "Open course" in html
    assert "Hidden draft" in html


def test_the_staff_list_filters_by_publication_and_searches_without_accents(
    staff_client: Client,
) -> None:
    CourseFactory(title="Pédagogie numérique", is_published=False)
    CourseFactory(title="Pedagogy online", is_published=True)
    CourseFactory(title="Cloud computing", is_published=False)
    url = reverse("catalog:staff_course_list")

    unpublished = staff_client.get(url, {"publication": "unpublished"})
    searched = staff_client.get(url, {"q": "PEDAGOGIE"})

    titles = [c.title for c in unpublished.context["page"].object_list]
    assert sorted(titles) == ["Cloud computing", "Pédagogie numérique"]
    assert [c.title for c in searched.context["page"].object_list] == [
        "Pédagogie numérique"
    ]


# Creating and editing


def test_staff_create_a_course_that_starts_unpublished_with_an_audit_event(
    staff_client: Client, staff: User, category: Category
) -> None:
    response = staff_client.post(
        reverse("catalog:staff_course_create"), course_data(category)
    )

    course = Course.objects.get()
    assert response.status_code == 302
    assert response["Location"] == edit_url(course)
    assert course.slug == "comment-creer-un-cours-en-ligne"
    assert course.external_id == "iioe:comment-creer-un-cours-en-ligne"
    assert not course.is_published
    assert course.duration_seconds == 59 * 60 + 1
    assert course.provider.name == "UNESCO-ICHEI"
    assert (
        Course.objects.filter(
            course_search_q("creer cours", published_only=False)
        ).get()
        == course
    )
    event = CourseEvent.objects.get()
    assert (event.action, event.actor) == (CourseEvent.Action.CREATED, staff)


def test_a_chinese_title_gets_a_pinyin_slug_and_a_repeated_title_a_number(
    staff_client: Client, category: Category
) -> None:
    url = reverse("catalog:staff_course_create")
    data = course_data(category, title="ABC时代的云计算", language="zh")

    staff_client.post(url, data)
    staff_client.post(url, data)

    slugs = sorted(Course.objects.values_list("slug", flat=True))
    assert slugs == ["abc-shi-dai-de-yun-ji-suan", "abc-shi-dai-de-yun-ji-suan-2"]


def test_a_new_provider_is_created_with_its_country(
    staff_client: Client, category: Category
) -> None:
    data = course_data(
        category,
        provider="",
        new_provider_name="Université Cheikh Anta Diop",
        new_provider_country="SN",
    )

    staff_client.post(reverse("catalog:staff_course_create"), data)

    provider = Course.objects.get().provider
    assert provider.name == "Université Cheikh Anta Diop"
    assert provider.country == "SN"


def test_a_new_provider_named_like_a_known_one_is_that_one(
    staff_client: Client, category: Category
) -> None:
    known = InstitutionFactory(name="Tsinghua University")
    data = course_data(category, provider="", new_provider_name="tsinghua  university")

    staff_client.post(reverse("catalog:staff_course_create"), data)

    assert Course.objects.get().provider == known
    assert Institution.objects.filter(name__iexact="tsinghua university").count() == 1


def test_missing_fields_are_named_next_to_each_field_and_typed_values_stay(
    staff_client: Client, category: Category
) -> None:
    data = course_data(
        category, title="", category="", provider="", published_on="", duration="ab"
    )

    response = staff_client.post(reverse("catalog:staff_course_create"), data)

    html = response.content.decode()
    form = response.context["form"]
    assert response.status_code == 200
    assert set(form.errors) == {
        "title",
        "category",
        "provider",
        "published_on",
        "duration",
    }
    assert 'id="id_title_error"' in html
    assert "Créer un cours en ligne, pas à pas." in html
    assert 'value="ab"' in html
    assert not Course.objects.exists()


def test_an_overlong_title_is_refused_in_the_visitor_s_language(
    staff_client: Client, category: Category
) -> None:
    long_title = "Cours " * 60
    data = course_data(category, title=long_title)

    with translation.override("fr"):
        response = staff_client.post(
            reverse("catalog:staff_course_create"),
            data,
            headers={"accept-language": "fr"},
        )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Assurez-vous que cette valeur comporte au plus 300" in html
    assert long_title.strip() in html
    assert not Course.objects.exists()


def test_choosing_a_provider_and_naming_a_new_one_is_refused(
    staff_client: Client, category: Category
) -> None:
    data = course_data(category, new_provider_name="Another University")

    response = staff_client.post(reverse("catalog:staff_course_create"), data)

    assert "new_provider_name" in response.context["form"].errors
    assert 'value="Another University"' in response.content.decode()


def test_fewest_hours_above_most_hours_is_refused(
    staff_client: Client, category: Category
) -> None:
    data = course_data(category, effort_hours_min="9", effort_hours_max="3")

    response = staff_client.post(reverse("catalog:staff_course_create"), data)

    assert "effort_hours_max" in response.context["form"].errors


def test_staff_edit_a_course_and_the_edit_is_recorded_but_the_slug_stays(
    staff_client: Client, staff: User, category: Category
) -> None:
    course = CourseFactory(slug="old-slug", title="Old title", category=category)
    data = course_data(category, title="New title", overview="New overview")

    response = staff_client.post(edit_url(course), data)

    course.refresh_from_db()
    assert response.status_code == 302
    assert (course.title, course.overview, course.slug) == (
        "New title",
        "New overview",
        "old-slug",
    )
    assert Course.objects.filter(course_search_q("new title")).exists()
    assert not Course.objects.filter(course_search_q("old title")).exists()
    assert CourseEvent.objects.get().action == CourseEvent.Action.EDITED


def test_saving_an_unchanged_course_records_nothing(
    staff_client: Client, category: Category
) -> None:
    staff_client.post(reverse("catalog:staff_course_create"), course_data(category))
    course = Course.objects.get()

    staff_client.post(edit_url(course), course_data(category))

    assert list(CourseEvent.objects.values_list("action", flat=True)) == ["created"]


def test_a_failed_edit_keeps_what_was_typed_and_changes_nothing(
    staff_client: Client, category: Category
) -> None:
    course = CourseFactory(title="Kept title", category=category)
    data = course_data(category, title="Typed title", language="xx")

    response = staff_client.post(edit_url(course), data)

    course.refresh_from_db()
    assert response.status_code == 200
    assert 'value="Typed title"' in response.content.decode()
    assert course.title == "Kept title"


def test_the_edit_page_of_an_unknown_course_is_not_found(staff_client: Client) -> None:
    response = staff_client.get(reverse("catalog:staff_course_edit", args=[999]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Comment Créer un Cours en Ligne", "comment-creer-un-cours-en-ligne"),
        ("ABC时代的云计算", "abc-shi-dai-de-yun-ji-suan"),
        ("Ｐｙｔｈｏｎ 入门", "python-ru-men"),
        ("Ελληνικά για αρχάριους", "ellinika-gia-archarioys"),
        ("¿¡…!?", "course"),
    ],
)
def test_a_slug_is_made_of_ascii_words_from_any_title(title: str, slug: str) -> None:
    assert services.course_slug_base(title) == slug


def test_a_long_title_gives_a_slug_cut_between_words() -> None:
    slug = services.course_slug_base("Understanding " * 20)

    assert len(slug) <= services.SLUG_MAX_LENGTH
    assert slug.endswith("understanding")


# Publishing


def test_publishing_and_unpublishing_record_who_and_when(
    staff_client: Client, staff: User
) -> None:
    course = CourseFactory(is_published=False)
    publish = reverse("catalog:staff_course_publish", args=[course.pk])
    unpublish = reverse("catalog:staff_course_unpublish", args=[course.pk])

    staff_client.post(publish)
    course.refresh_from_db()
    published_at = course.publication_changed_at
    assert course.is_published
    assert course.publication_changed_by == staff
    staff_client.post(unpublish)

    course.refresh_from_db()
    assert not course.is_published
    assert course.publication_changed_at >= published_at
    actions = list(
        CourseEvent.objects.order_by("pk").values_list("action", "actor", flat=False)
    )
    assert actions == [("published", staff.pk), ("unpublished", staff.pk)]
    html = staff_client.get(edit_url(course)).content.decode()
    assert "Zhang" in html
    assert "Unpublished" in html


def test_publishing_a_published_course_records_no_second_event(
    staff_client: Client,
) -> None:
    course = CourseFactory(is_published=False)
    publish = reverse("catalog:staff_course_publish", args=[course.pk])

    staff_client.post(publish)
    staff_client.post(publish)

    assert CourseEvent.objects.count() == 1


def test_publishing_needs_a_post(staff_client: Client) -> None:
    course = CourseFactory(is_published=False)

    response = staff_client.get(
        reverse("catalog:staff_course_publish", args=[course.pk])
    )

    course.refresh_from_db()
    assert response.status_code == 405
    assert not course.is_published


def test_a_created_then_published_course_reaches_the_public_list(
    staff_client: Client, category: Category
) -> None:
    staff_client.post(reverse("catalog:staff_course_create"), course_data(category))
    course = Course.objects.get()
    public = Client()

    before = public.get(reverse("catalog:course_detail", args=[course.slug]))
    staff_client.post(reverse("catalog:staff_course_publish", args=[course.pk]))
    after = public.get(reverse("catalog:course_detail", args=[course.slug]))

    assert before.status_code == 404
    assert after.status_code == 200


def test_the_edit_page_reads_a_fixed_number_of_queries(
    staff_client: Client, django_assert_max_num_queries: object
) -> None:
    course = CourseFactory(published_on=datetime.date(2021, 1, 1))
    for position in range(1, 8):
        LessonFactory(course=course, position=position, title=f"Lesson {position}")

    with django_assert_max_num_queries(14):  # type: ignore[operator]
        response = staff_client.get(edit_url(course))

    assert response.status_code == 200
    assert response.content.decode().count("Move up") >= 7


# The Django admin


def test_the_admin_publish_action_records_who(client: Client) -> None:
    admin_user = User.objects.create_superuser(
        email="admin@example.org", password="x1y2z3w4v5"
    )
    course = CourseFactory(is_published=False)
    client.force_login(admin_user)

    client.post(
        reverse("admin:catalog_course_changelist"),
        {"action": "publish", "_selected_action": [str(course.pk)]},
    )

    course.refresh_from_db()
    assert course.is_published
    assert course.publication_changed_by == admin_user
    assert CourseEvent.objects.get().action == CourseEvent.Action.PUBLISHED


def test_course_events_cannot_be_changed_in_the_admin(client: Client) -> None:
    client.force_login(
        User.objects.create_superuser(email="admin@example.org", password="x1y2z3w4v5")
    )
    course = CourseFactory()
    event = CourseEvent.objects.create(course=course, action="published")

    listing = client.get(reverse("admin:catalog_courseevent_changelist"))
    deleting = client.post(
        reverse("admin:catalog_courseevent_delete", args=[event.pk]), {"post": "yes"}
    )

    assert listing.status_code == 200
    assert deleting.status_code == 403
    assert CourseEvent.objects.filter(pk=event.pk).exists()


def test_the_staff_list_reads_a_fixed_number_of_queries(
    staff_client: Client, django_assert_max_num_queries: object
) -> None:
    for number in range(30):
        CourseFactory(title=f"Course {number}", is_published=number % 2 == 0)
    url = reverse("catalog:staff_course_list")

    with django_assert_max_num_queries(8):  # type: ignore[operator]
        response = staff_client.get(url, {"q": "course"})

    assert len(response.context["page"].object_list) == 25
