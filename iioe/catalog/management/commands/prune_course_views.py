from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iioe.catalog.services import course_view_prune

DEFAULT_KEEP_DAYS = 30


class Command(BaseCommand):
    help = (
        "Delete the daily course viewer rows older than a number of days. "
        "They only tell a new viewer of the day from one coming back; the "
        "courses' view counts stay. Run it daily, from cron for instance."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--keep-days",
            type=int,
            default=DEFAULT_KEEP_DAYS,
            help="Days of rows to keep, today included (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        keep_days = options["keep_days"]
        if keep_days < 1:
            raise CommandError("--keep-days must be 1 or more: today's rows count.")
        deleted = course_view_prune(keep_days=keep_days)
        self.stdout.write(f"Deleted {deleted} course viewer rows.")
