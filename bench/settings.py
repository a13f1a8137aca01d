"""The platform's own settings, plus one bare page to compare the others to."""

from iioe.config.settings import *  # noqa: F403
from iioe.config.settings import BASE_DIR, TEMPLATES

ROOT_URLCONF = "bench.urls"
TEMPLATES[0]["DIRS"] = [BASE_DIR / "bench" / "templates"]
