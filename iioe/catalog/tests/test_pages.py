"""The catalog's parts of the home and credits pages, and its admin."""

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.catalog.models import Family
from iioe.catalog.tests.factories import CategoryFactory, CourseFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_shows_the_three_families_and_popular_courses(
    client: Client,
) -> None:
    CategoryFactory(slug="robotics", family=Family.TVET, name_en="Robotics")
    CourseFactory(title="Most watched", view_count=100)
    CourseFactory(title="Never watched", view_count=0, is_published=False)

    html = client.get(reverse("web:home")).content.decode()

    for family in Family:
        assert f"?family={family.value}" in html
        assert str(family.label) in html
    assert '?category=robotics">Robotics</a>' in html
    assert "Most watched" in html
    assert "Never watched" not in html


def test_the_credits_page_names_the_catalog_sources_and_their_terms(
    client: Client,
) -> None:
    html = client.get(reverse("web:credits")).content.decode()

    assert "edX Courses Dataset 2021" in html
    assert "Coursera Course Dataset" in html
    assert "Hipo/university-domains-list" in html and "MIT" in html
    assert "IIOE User Guide" in html
    assert "only factual fields are used" in html


@pytest.mark.parametrize(
    "model",
    [
        "catalog/course",
        "catalog/category",
        "catalog/instructor",
        "institutions/institution",
    ],
)
def test_the_admin_lists_and_adds_catalog_records(client: Client, model: str) -> None:
    CourseFactory()
    client.force_login(
        User.objects.create_superuser(email="admin@example.org", password="x1y2z3w4v5")
    )

    assert client.get(f"/admin/{model}/").status_code == 200
    assert client.get(f"/admin/{model}/add/").status_code == 200


def test_a_course_saved_in_the_admin_can_be_found_by_its_new_title(
    client: Client,
) -> None:
    course = CourseFactory(title="Old title")
    client.force_login(
        User.objects.create_superuser(email="admin@example.org", password="x1y2z3w4v5")
    )
    change = reverse("admin:catalog_course_change", args=[course.pk])
    form = client.get(change).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(title="Écoles numériques", instructors=[], published_on="2021-03-10")

    response = client.post(change, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    found = client.get(reverse("catalog:course_list"), {"q": "ecoles"})
    assert "Écoles numériques" in found.content.decode()
