from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from iioe.catalog.category_rules import RuleError
from iioe.catalog.demo_catalog import DEMO_CATALOG_DIR, DemoDataError, demo_catalog_load
from iioe.catalog.demo_lessons import load_demo_lessons


class Command(BaseCommand):
    help = (
        "Load the bundled demo content: the course catalog, then the lessons. "
        "Safe to run again: it updates the demo data and keeps everything else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--catalog-dir",
            type=Path,
            default=DEMO_CATALOG_DIR,
            help="Folder with the catalog's CSV files (default: demo/catalog).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = demo_catalog_load(directory=options["catalog_dir"])
        except (DemoDataError, RuleError, OSError, KeyError) as error:
            message = f"The demo catalog could not be loaded: {error}"
            raise CommandError(message) from error
        self.stdout.write(str(summary))
        load_demo_lessons(stdout=self.stdout)
