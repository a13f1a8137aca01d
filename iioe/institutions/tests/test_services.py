import pytest

from iioe.institutions.models import Institution
from iioe.institutions.services import InstitutionFacts, institution_bulk_sync

pytestmark = pytest.mark.django_db


def test_sync_creates_institutions_with_their_facts_and_bare_names() -> None:
    result = institution_bulk_sync(
        facts=[InstitutionFacts(name="Tsinghua University", country="CN")],
        names=["CIO Times", "Tsinghua University"],
    )

    assert (result.created, result.updated) == (2, 0)
    assert set(result.by_name) == {"CIO Times", "Tsinghua University"}
    assert result.by_name["Tsinghua University"].pk is not None
    assert Institution.objects.get(name="Tsinghua University").country.code == "CN"
    assert Institution.objects.get(name="CIO Times").country == ""


def test_sync_updates_changed_facts_and_leaves_hand_filled_names_alone() -> None:
    Institution.objects.create(name="Tsinghua University", country="TW")
    Institution.objects.create(name="CIO Times", country="CN", website="https://x.cn")

    result = institution_bulk_sync(
        facts=[InstitutionFacts(name="Tsinghua University", country="CN")],
        names=["CIO Times"],
    )

    assert (result.created, result.updated) == (0, 1)
    assert Institution.objects.get(name="Tsinghua University").country.code == "CN"
    cio = Institution.objects.get(name="CIO Times")
    assert (cio.country.code, cio.website) == ("CN", "https://x.cn")


def test_syncing_the_same_facts_again_changes_nothing() -> None:
    facts = [
        InstitutionFacts(name="KU Leuven", country="BE", website="https://kuleuven.be")
    ]
    institution_bulk_sync(facts=facts)

    result = institution_bulk_sync(facts=facts)

    assert (result.created, result.updated) == (0, 0)
