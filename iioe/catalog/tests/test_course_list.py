import datetime
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from iioe.catalog import selectors
from iioe.catalog.models import Course, Family
from iioe.catalog.tests.factories import (
    CategoryFactory,
    CourseFactory,
    InstitutionFactory,
)

pytestmark = pytest.mark.django_db

URL = reverse("catalog:course_list")


def titles(client: Client, **params: str) -> list[str]:
    response = client.get(URL, params)
    assert response.status_code == 200
    return titles_in(response.content.decode())


def titles_in(html: str) -> list[str]:
    cards = html.split('class="course-card"')[1:]
    # A search marks the words it found in a title; the title is the text.
    found = [re.search(r'<a href="[^"]*">(.+?)</a></h3>', card)[1] for card in cards]  # type: ignore[index]
    return [re.sub(r"</?mark>", "", title) for title in found]


@pytest.fixture
def catalog() -> dict[str, Course]:
    robotics = CategoryFactory(
        slug="robotics",
        family=Family.TVET,
        name_en="Robotics",
        name_zh_hans="机器人技术",
        name_fr="Robotique",
    )
    pedagogy = CategoryFactory(
        slug="pedagogy",
        family=Family.TEACHER,
        name_en="Pedagogy",
        name_zh_hans="教学法",
        name_fr="Pédagogie",
    )
    ichei = InstitutionFactory(name="UNESCO-ICHEI", country="CN")
    return {
        "cloud": CourseFactory(
            title="ABC时代的云计算",
            language="zh",
            provider=InstitutionFactory(name="CIO Times"),
            published_on=datetime.date(2021, 3, 10),
            view_count=5,
        ),
        "french": CourseFactory(
            title="Comment Créer un Cours en Ligne",
            language="fr",
            category=pedagogy,
            provider=ichei,
            published_on=datetime.date(2020, 2, 4),
            rating_average=Decimal(4),
            rating_count=75,
            view_count=64,
        ),
        "robots": CourseFactory(
            title="Autonomous Mobile Robots",
            category=robotics,
            provider=InstitutionFactory(name="ETH Zurich", country="CH"),
            published_on=datetime.date(2021, 1, 1),
            rating_average=Decimal("4.8"),
            view_count=2,
        ),
        "hidden": CourseFactory(title="Unpublished robots", is_published=False),
    }


def test_the_list_shows_the_published_courses_newest_first_with_their_total(
    client: Client, catalog: dict[str, Course]
) -> None:
    response = client.get(URL)

    assert titles(client) == [
        "ABC时代的云计算",
        "Autonomous Mobile Robots",
        "Comment Créer un Cours en Ligne",
    ]
    assert "3 courses" in response.content.decode()


def test_the_total_is_singular_for_one_course(
    client: Client, catalog: dict[str, Course]
) -> None:
    response = client.get(URL, {"language": "fr"})

    assert ">1 course<" in response.content.decode()


def test_courses_sort_by_rating_with_unrated_ones_last(
    client: Client, catalog: dict[str, Course]
) -> None:
    assert titles(client, sort="rating") == [
        "Autonomous Mobile Robots",
        "Comment Créer un Cours en Ligne",
        "ABC时代的云计算",
    ]


def test_courses_sort_by_views(client: Client, catalog: dict[str, Course]) -> None:
    assert titles(client, sort="views") == [
        "Comment Créer un Cours en Ligne",
        "ABC时代的云计算",
        "Autonomous Mobile Robots",
    ]


def test_filters_by_family_subcategory_and_language(
    client: Client, catalog: dict[str, Course]
) -> None:
    assert titles(client, family="tvet") == ["Autonomous Mobile Robots"]
    assert titles(client, category="pedagogy") == ["Comment Créer un Cours en Ligne"]
    assert titles(client, language="zh") == ["ABC时代的云计算"]
    assert titles(client, family="discipline", language="fr") == []


def test_a_subcategory_wins_over_a_family_it_is_not_in(
    client: Client, catalog: dict[str, Course]
) -> None:
    response = client.get(URL, {"family": "discipline", "category": "robotics"})

    assert titles(client, family="discipline", category="robotics") == [
        "Autonomous Mobile Robots"
    ]
    assert '<option value="tvet" selected>' in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("云计算", ["ABC时代的云计算"]),
        ("robots", ["Autonomous Mobile Robots"]),
        ("ROBOTS", ["Autonomous Mobile Robots"]),
        ("créer un", ["Comment Créer un Cours en Ligne"]),
        ("CREER", ["Comment Créer un Cours en Ligne"]),
        ("unesco-ichei", ["Comment Créer un Cours en Ligne"]),
        ("eth zurich", ["Autonomous Mobile Robots"]),
        ("nothing like this", []),
    ],
)
def test_search_finds_titles_and_providers_ignoring_case_and_accents(
    client: Client, catalog: dict[str, Course], query: str, expected: list[str]
) -> None:
    assert titles(client, q=query) == expected


def test_an_empty_result_says_so_and_offers_all_courses(
    client: Client, catalog: dict[str, Course]
) -> None:
    html = client.get(URL, {"q": "nothing like this"}).content.decode()

    assert "0 courses" in html
    assert "No course matches these filters." in html
    assert f'href="{URL}">See all courses' in html


def test_pages_link_to_each_other_and_keep_the_filters(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COURSES_PER_PAGE", 2)
    for number in range(5):
        CourseFactory(title=f"Robotics {number}", language="fr")

    first = client.get(URL, {"q": "robotics", "language": "fr"}).content.decode()
    last = client.get(URL, {"q": "robotics", "language": "fr", "page": "3"})

    assert "5 courses" in first
    assert 'href="?q=robotics&amp;language=fr&amp;page=2" rel="next"' in first
    assert 'href="?q=robotics&amp;language=fr&amp;page=3"' in first
    assert '<span aria-current="page">1</span>' in first
    assert len(titles(client, q="robotics", language="fr", page="3")) == 1
    assert 'rel="prev"' in last.content.decode()
    assert 'rel="next"' not in last.content.decode()


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "cheapest"},
        {"page": "abc"},
        {"page": "99999"},
        {"page": "-1"},
        {"family": "nonsense"},
        {"category": "nonsense"},
        {"language": "xx"},
        {"q": "x" * 5000},
        {"q": "%_\\'\""},
    ],
)
def test_bad_query_parameters_give_a_page_not_an_error(
    client: Client, catalog: dict[str, Course], params: dict[str, str]
) -> None:
    response = client.get(URL, params)

    assert response.status_code == 200
    assert "course" in response.content.decode()


def test_page_numbers_out_of_range_show_the_nearest_page(
    client: Client, catalog: dict[str, Course]
) -> None:
    assert titles(client, page="abc") == titles(client)
    assert titles(client, page="99999") == titles(client)


@pytest.mark.parametrize("per_page", [1, 2, 50])
def test_a_page_costs_the_same_few_queries_whatever_its_size(
    client: Client,
    catalog: dict[str, Course],
    monkeypatch: pytest.MonkeyPatch,
    django_assert_num_queries: pytest.FixtureDef,
    per_page: int,
) -> None:
    monkeypatch.setattr(selectors, "COURSES_PER_PAGE", per_page)

    # The subcategories, the count and the page of courses; a search costs
    # more, and as little whatever its size (test_search_catalog.py).
    with django_assert_num_queries(3):
        response = client.get(URL, {"language": "en", "sort": "rating"})
    assert response.status_code == 200


def test_the_header_search_box_submits_to_the_course_list(client: Client) -> None:
    html = client.get(reverse("web:home")).content.decode()

    form = html[html.index('class="header-search"') :]
    form = form[: form.index("</form>")]
    assert f'action="{URL}"' in form
    assert 'name="q"' in form


def test_the_list_is_translated_with_localised_subcategory_names(
    client: Client, catalog: dict[str, Course]
) -> None:
    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert ">3 cours<" in html
    assert "Robotique" in html
    assert "Cours d’EFTP" in html
    assert "Trier par" in html

    html = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ">3 门课程<" in html
    assert "机器人技术" in html
    assert "职业技术教育与培训课程" in html


def test_a_guest_gets_the_list_from_the_page_cache_without_a_query(
    client: Client,
    catalog: dict[str, Course],
    settings: pytest.FixtureDef,
    django_assert_num_queries: pytest.FixtureDef,
) -> None:
    settings.GUEST_PAGE_CACHE_SECONDS = 60
    Client().get(URL, {"language": "zh"})

    with django_assert_num_queries(0):
        again = client.get(URL, {"language": "zh"})

    assert again.status_code == 200
    assert titles_in(again.content.decode()) == ["ABC时代的云计算"]
