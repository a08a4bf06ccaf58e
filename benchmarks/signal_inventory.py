"""The signal-receiver inventory of a project with many receivers: how long it takes.

Writes a throwaway module with N receivers (a third with ``@receiver`` on model signals with a
sender, a third with ``.connect()`` and a ``dispatch_uid``, a third on request signals and a
custom signal), imports it into the testproject (so every connection is noted with its line),
then times ``inventory()`` and the whole 4xx check, median of several runs.

    .venv/bin/python benchmarks/signal_inventory.py --receivers 200 --repeat 21
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "testproject"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "testproject.settings.test")
os.environ["GUARDRAILS_SQLITE_PATH"] = ":memory:"
os.environ.pop("DATABASE_URL", None)


def receivers_module(count: int) -> str:
    lines = [
        "from django.core.signals import request_finished, request_started",
        "from django.db.models.signals import post_delete, post_save, pre_save",
        "from django.dispatch import Signal, receiver",
        "from clean.models import Author, Book, Publisher, Review, Tag",
        "",
        "custom = Signal()",
        "MODELS = [Author, Book, Publisher, Review, Tag]",
        "SIGNALS = [post_save, pre_save, post_delete]",
    ]
    for number in range(count):
        style = number % 3
        body = f'    """Receiver {number}."""\n'
        if style == 0:
            signal = ("post_save", "pre_save", "post_delete")[number % 9 // 3]
            model = ("Author", "Book", "Publisher", "Review", "Tag")[number % 5]
            lines.append(f"@receiver({signal}, sender={model})")
            lines.append(f"def receiver_{number}(sender, **kwargs):\n{body}")
        elif style == 1:
            lines.append(f"def receiver_{number}(sender, **kwargs):\n{body}")
            lines.append(
                f"SIGNALS[{number % 3}].connect(receiver_{number}, sender=MODELS[{number % 5}], "
                f'dispatch_uid="bench.{number}")'
            )
        else:
            signal = ("request_started", "request_finished", "custom")[number % 3]
            lines.append(f"@receiver({signal})")
            lines.append(f"def receiver_{number}(sender, **kwargs):\n{body}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--receivers", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()

    import django

    django.setup()
    from django.apps import apps

    from django_guardrails.audit.receivers import inventory
    from django_guardrails.checks.framework.engine import CheckScope
    from django_guardrails.checks.signals import check_signal_receivers
    from django_guardrails.conf import get_config
    from django_guardrails.source.index import SOURCE

    with tempfile.TemporaryDirectory() as tmp:
        package = Path(tmp) / "benchreceivers"
        package.mkdir()
        (package / "__init__.py").write_text(textwrap.dedent(receivers_module(args.receivers)))
        sys.path.insert(0, tmp)
        module = importlib.import_module("benchreceivers")
        found = inventory()
        ours = [r for r in found if r.qualname.startswith("benchreceivers.")]
        placed = [r for r in ours if r.connected_line]
        print(
            f"{len(found)} receivers in the inventory, {len(ours)} generated "
            f"({len(placed)} with their connection line)"
        )
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            inventory()
            times.append(time.perf_counter() - start)
        print(f"inventory():           median {statistics.median(times) * 1000:7.1f} ms")
        scope = CheckScope(
            app_configs=[apps.get_app_config("broken"), apps.get_app_config("clean")],
            whole_project=True,
            config=get_config(),
            source=SOURCE,
        )
        checks = []
        for number in range(args.repeat):
            if number == 0:
                SOURCE.clear()  # the first run parses; later ones reuse the parse, as runserver
            start = time.perf_counter()
            list(check_signal_receivers(scope))
            checks.append(time.perf_counter() - start)
        print(f"4xx check, first run:  {checks[0] * 1000:7.1f} ms")
        print(f"4xx check, later runs: median {statistics.median(checks[1:]) * 1000:7.1f} ms")
        del module


if __name__ == "__main__":
    main()
