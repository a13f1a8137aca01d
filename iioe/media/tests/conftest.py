from iioe.media.tests.fixtures import (  # noqa: F401 - fixtures for this package
    transcode_cache_dir_fixture,
    transcode_cache_fixture,
)
