"""Settings for the page benchmark: the production settings plus one bare view (bench/urls.py).

Everything else (database, cache, DEBUG off) comes from the environment, as in production.
"""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
