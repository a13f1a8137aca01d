import time
from typing import Any

from django.core.management.base import BaseCommand

from iioe.catalog.search_index import course_search_index_rebuild


class Command(BaseCommand):
    help = (
        "Rebuild the course search index from the courses. Needed only when "
        "courses were changed without the platform's services, such as by SQL; "
        "searches keep the old index until the new one is complete."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] >= 2:
                self.stdout.write(f"{done} of {total} courses indexed")

        terms = course_search_index_rebuild(progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"Search index rebuilt: {terms} terms in {elapsed:.1f} s.")
