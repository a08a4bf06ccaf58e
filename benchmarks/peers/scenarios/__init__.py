"""The catalogue: importing this package registers every scenario in ``catalogue.CATALOGUE``."""

from __future__ import annotations

from scenarios import (  # noqa: F401 - imported for their @scenario registrations
    auto_prefetch,
    harness,
    nplusone_django,
    query_capture,
    zeal_iterators,
    zeal_loops,
    zeal_more,
    zeal_single_rows,
)
