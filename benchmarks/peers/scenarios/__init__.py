"""The catalogue: importing this package registers every scenario in ``catalogue.CATALOGUE``,
grouped by the peer whose tests they come from, in this order.
"""

from __future__ import annotations

import importlib

MODULES = (
    "zeal_loops",
    "zeal_iterators",
    "zeal_single_rows",
    "zeal_more",
    "zeal_misc",
    "nplusone_django",
    "nplusone_views",
    "auto_prefetch",
    "auto_prefetch_one_to_one",
    "query_capture",
    "harness",
)

for _module in MODULES:
    importlib.import_module(f"scenarios.{_module}")
