import datetime

import pytest
from django.test import Client
from django.urls import reverse

from iioe.accounts.models import User
from iioe.accounts.tests.factories import UserFactory
from iioe.accounts.tests.helpers import field_errors, input_value, page

pytestmark = pytest.mark.django_db

DETAILS = {
    "first_name": "Fatou",
    "last_name": "Ndiaye",
    "date_of_birth": "1990-07-21",
    "identity": "administrator",
    "gender": "undisclosed",
    "country": "FR",
    "language": "fr",
}


def test_profile_edit_needs_a_login(client: Client) -> None:
    response = client.get(reverse("accounts:profile_edit"))

    assert response["Location"].startswith("/login?next=")


def test_profile_edit_shows_the_current_details(client: Client) -> None:
    user = UserFactory(first_name="Amina")
    client.force_login(user)

    response = client.get(reverse("accounts:profile_edit"))

    assert input_value(response, "first_name") == "Amina"
    assert input_value(response, "date_of_birth") == "1985-03-14"
    assert '<option value="SN" selected>' in page(response)
    assert 'href="/my-iioe"' in page(response)


def test_profile_edit_saves_details_and_switches_the_language(client: Client) -> None:
    user = UserFactory(language="en")
    client.force_login(user)

    response = client.post(reverse("accounts:profile_edit"), DETAILS)
    after = client.get(reverse("accounts:profile_edit"))

    user.refresh_from_db()
    assert response.status_code == 302
    assert (user.first_name, user.last_name) == ("Fatou", "Ndiaye")
    assert user.date_of_birth == datetime.date(1990, 7, 21)
    assert (user.identity, user.gender, user.country.code) == (
        "administrator",
        "undisclosed",
        "FR",
    )
    assert user.language == "fr"
    assert response.cookies["django_language"].value == "fr"
    assert '<html lang="fr">' in page(after)
    assert "Votre profil est enregistré" in page(after)


def test_profile_edit_turns_the_data_saver_on_and_off(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    url = reverse("accounts:profile_edit")
    before = page(client.get(url))

    client.post(url, {**DETAILS, "data_saver": "on"})
    user.refresh_from_db()
    switched_on = user.data_saver
    checked = page(client.get(url))
    client.post(url, DETAILS)
    user.refresh_from_db()

    assert '<label for="id_data_saver">Data saver</label>' in before
    assert 'name="data_saver" aria-describedby="id_data_saver_helptext" id' in before
    assert "checked" not in before.split('name="data_saver"')[1].split(">")[0]
    assert switched_on is True
    assert "checked" in checked.split('name="data_saver"')[1].split(">")[0]
    assert user.data_saver is False


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth", "cannot be in the future"),
        ({"last_name": "N" * 151}, "last_name", "at most 150 characters"),
        ({"language": "de"}, "language", "Select a valid choice."),
    ],
)
def test_profile_edit_refuses_bad_input_next_to_the_field(
    client: Client, changes: dict[str, str], field: str, message: str
) -> None:
    user = UserFactory(first_name="Amina")
    client.force_login(user)

    response = client.post(reverse("accounts:profile_edit"), {**DETAILS, **changes})

    user.refresh_from_db()
    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert input_value(response, "first_name") == "Fatou"
    assert user.first_name == "Amina"


def test_email_is_stored_lowercase_and_unique_whatever_the_case() -> None:
    user = User.objects.create_user(email="Kofi.Mensah@Example.ORG", password="x")
    user.email = "Other@Example.org"
    user.clean()

    assert User.objects.get(pk=user.pk).email == "kofi.mensah@example.org"
    assert user.email == "other@example.org"
    assert (
        User.objects.get_by_natural_key("KOFI.MENSAH@example.org") == User.objects.get()
    )


def test_staff_can_create_a_user_in_the_admin_with_a_lowercased_address(
    client: Client,
) -> None:
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "New.Person@Example.org",
            "password1": "Sandstone42river",
            "password2": "Sandstone42river",
            "usable_password": "true",
        },
    )
    listing = client.get(reverse("admin:accounts_user_changelist"))

    assert response.status_code == 302, page(response)[:3000]
    assert User.objects.filter(email="new.person@example.org").exists()
    assert listing.status_code == 200
