from iioe.media.tests.fixtures import (  # noqa: F401 - fixtures for this package
    transcode_cache,
    transcode_cache_dir,
)
