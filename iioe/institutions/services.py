import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from iioe.institutions.models import Institution

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InstitutionFacts:
    name: str
    country: str = ""
    website: str = ""


@dataclass
class InstitutionSync:
    by_name: dict[str, Institution] = field(default_factory=dict)
    created: int = 0
    updated: int = 0


@transaction.atomic
def institution_bulk_sync(
    *, facts: Iterable[InstitutionFacts], names: Iterable[str] = ()
) -> InstitutionSync:
    """Create or update institutions by name, in a few bulk queries.

    Institutions with facts get exactly those facts. Names without facts are
    created if missing and otherwise left as they are, so that what an
    administrator filled in by hand stays. Returns every institution by name.
    """
    wanted = {f.name: f for f in facts}
    for name in names:
        wanted.setdefault(name, InstitutionFacts(name=name))
    result = InstitutionSync()
    result.by_name = Institution.objects.in_bulk(list(wanted), field_name="name")

    missing = [
        Institution(name=f.name, country=f.country, website=f.website)
        for name, f in wanted.items()
        if name not in result.by_name
    ]
    changed = [
        institution
        for institution in result.by_name.values()
        if _facts_apply(institution, wanted[institution.name])
    ]
    Institution.objects.bulk_create(missing, batch_size=500)
    Institution.objects.bulk_update(changed, ["country", "website"], batch_size=500)

    if missing:
        result.by_name.update(
            Institution.objects.in_bulk([i.name for i in missing], field_name="name")
        )
    result.created, result.updated = len(missing), len(changed)
    logger.debug(
        "Institutions synced: %s created, %s updated", result.created, result.updated
    )
    return result


def _facts_apply(institution: Institution, facts: InstitutionFacts) -> bool:
    """Copy facts that are known onto an institution; say whether it changed."""
    if not (facts.country or facts.website):
        return False
    before = (str(institution.country), institution.website)
    institution.country = facts.country
    institution.website = facts.website
    return before != (facts.country, facts.website)
