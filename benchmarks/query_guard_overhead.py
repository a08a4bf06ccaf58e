"""The query guard's cost on a request, side by side with its peers, in one run.

Each configuration runs in its own process (the peers patch Django globally): bare Django,
an empty middleware (a control: what wall time makes of a configuration that adds nothing),
guardrails' middleware (MODE "log", detecting and reporting the N+1), django-zeal, nplusone,
django-querycount and debug-toolbar's SQL panel. Three views: one issuing 1 query, one issuing
101 (a list of 100 books, each reading its author, in Python), and a generic ``ListView`` whose
template reads each of 60 books' author (61 queries, no project Python on the stack while the
template loops). SQLite in memory, Django's test client.

The peers are not dependencies of the project; install them beside it to compare:

    python3 -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install -e . django-zeal nplusone django-querycount django-debug-toolbar
    /tmp/benchvenv/bin/python benchmarks/query_guard_overhead.py --requests 300 --rounds 5

Configurations whose package is missing are skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

MODELS = """
from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=50)

    def __str__(self):
        return self.name


class Book(models.Model):
    title = models.CharField(max_length=50)
    author = models.ForeignKey(Author, models.CASCADE)

    def __str__(self):
        return self.title
"""

VIEWS = """
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import ListView

from benchapp.models import Book


def one(request):
    return HttpResponse("<html><body>%d</body></html>" % len(list(Book.objects.all()[:1])))


def many(request):
    names = [book.author.name for book in Book.objects.all()[:100]]
    return HttpResponse("<html><body>%d</body></html>" % len(names))


class BookList(ListView):
    # A generic view: no project Python on the stack while its template loops.
    queryset = Book.objects.order_by("id")
    paginate_by = 60
    template_name = "benchapp/book_list.html"


urlpatterns = [path("one/", one), path("many/", many), path("list/", BookList.as_view())]
if EXTRA_URLS:
    urlpatterns += EXTRA_URLS
"""

EMPTY_MIDDLEWARE = """
class EmptyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
"""

TEMPLATE = """<html><body><table>
{% for book in page_obj %}
<tr><td>{{ forloop.counter }}</td><td>{{ book.title }}</td><td>{{ book.author.name }}</td></tr>
{% endfor %}
</table></body></html>
"""

# (path, label, requests per unit of the --requests budget)
PAGES = (("/one/", "1 query", 1), ("/many/", "101 queries", 10), ("/list/", "ListView, 61", 8))

BASE_SETTINGS = {
    "SECRET_KEY": "benchmark-only",
    "DEBUG": False,
    "ALLOWED_HOSTS": ["testserver"],
    "ROOT_URLCONF": "bench_urls",
    "DATABASES": {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    "DEFAULT_AUTO_FIELD": "django.db.models.BigAutoField",
    "INSTALLED_APPS": ["django.contrib.contenttypes", "django.contrib.auth", "benchapp"],
    "MIDDLEWARE": [],
    "TEMPLATES": [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        }
    ],
    "LOGGING": {
        "version": 1,
        "handlers": {"null": {"class": "logging.NullHandler"}},
        "loggers": {
            name: {"handlers": ["null"], "propagate": False}
            for name in ("django_guardrails", "nplusone", "zeal", "django.request")
        },
    },
}

CONFIGS: dict[str, tuple[str | None, dict[str, object]]] = {
    "bare Django": (None, {}),
    # The control: what any middleware costs, and how far the ratio of two processes that do
    # the same work wanders on this machine.
    "an empty middleware": (None, {"MIDDLEWARE+": ["bench_empty.EmptyMiddleware"]}),
    "django-guardrails": (
        "django_guardrails",
        {
            "INSTALLED_APPS+": ["django_guardrails"],
            "MIDDLEWARE+": ["django_guardrails.middleware.QueryGuardMiddleware"],
            "GUARDRAILS": {"MODE": "log"},
        },
    ),
    "django-zeal": (
        "zeal",
        {
            "INSTALLED_APPS+": ["zeal"],
            "MIDDLEWARE+": ["zeal.middleware.zeal_middleware"],
            "ZEAL_RAISE": False,
        },
    ),
    "nplusone": (
        "nplusone",
        {
            "INSTALLED_APPS+": ["nplusone.ext.django"],
            "MIDDLEWARE+": ["nplusone.ext.django.NPlusOneMiddleware"],
            "NPLUSONE_RAISE": False,
        },
    ),
    "django-querycount": (
        "querycount",
        {"MIDDLEWARE+": ["querycount.middleware.QueryCountMiddleware"]},
    ),
    "debug-toolbar SQL panel": (
        "debug_toolbar",
        {
            "INSTALLED_APPS+": ["django.contrib.staticfiles", "debug_toolbar"],
            "MIDDLEWARE+": ["debug_toolbar.middleware.DebugToolbarMiddleware"],
            "STATIC_URL": "/static/",
            "DEBUG_TOOLBAR_PANELS": ["debug_toolbar.panels.sql.SQLPanel"],
            "DEBUG_TOOLBAR_CONFIG": {"SHOW_TOOLBAR_CALLBACK": "bench_settings.show_toolbar"},
            "EXTRA_URLS": "debug_toolbar",
        },
    ),
}

# What every worker script runs first: Django set up, its tables made, 100 books by 100 authors.
PROJECT_DATA = """
import warnings
warnings.simplefilter("ignore")
import django
django.setup()
from django.core.management import call_command
from benchapp.models import Author, Book
call_command("migrate", run_syncdb=True, verbosity=0)
Book.objects.bulk_create(
    Book(title=f"t{n}", author=Author.objects.create(name=f"a{n}")) for n in range(100)
)
"""

# What every timing worker times a view with: a warm-up, then the best of ``rounds`` rounds of
# ``count`` requests, in seconds a request.
BEST_TIME = """
import time


def best_time(client, view, count, rounds):
    for _ in range(max(count // 4, 5)):
        assert client.get(view).status_code == 200
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(count):
            client.get(view)
        times.append((time.perf_counter() - start) / count)
    return min(times)
"""

WORKER = (
    PROJECT_DATA
    + BEST_TIME
    + """
import json, sys, io, contextlib
from django.test import Client
client = Client()
requests, rounds = int(sys.argv[1]), int(sys.argv[2])
result = {}
sink = io.StringIO()
with contextlib.redirect_stdout(sink):  # django-querycount prints every request
    for view, count in (("/one/", requests), ("/many/", max(requests // 10, 10)),
                        ("/list/", max(requests // 8, 10))):
        result[view] = best_time(client, view, count, rounds)
print(json.dumps(result))
"""
)


# Two clients in one process: ``off`` runs no middleware at all, ``on`` the project's.
TWO_CLIENTS = """
from django.test import Client, override_settings
with override_settings(MIDDLEWARE=[]):
    off = Client()
    off.get("/one/")
on = Client()
on.get("/one/")
"""

INTERLEAVED = (
    PROJECT_DATA
    + TWO_CLIENTS
    + """
import gc, json, statistics, sys, time
bare, guarded = off, on
requests, rounds = int(sys.argv[1]), int(sys.argv[2])
result = {}
for view, block in (("/one/", max(requests // 10, 5)), ("/many/", max(requests // 100, 2)),
                    ("/list/", max(requests // 80, 2))):
    for client in (bare, guarded):
        for _ in range(20):
            client.get(view)
    ratios, times = [], {"bare": [], "guarded": []}
    gc.disable()
    for number in range(rounds):  # blocks alternate, and so does which one goes first
        order = (("bare", bare), ("guarded", guarded))
        block_times = {}
        for name, client in order if number % 2 else order[::-1]:
            start = time.perf_counter()
            for _ in range(block):
                client.get(view)
            block_times[name] = (time.perf_counter() - start) / block
            times[name].append(block_times[name])
        ratios.append(block_times["guarded"] / block_times["bare"])
        gc.collect()
    gc.enable()
    quartiles = statistics.quantiles(ratios, n=4)
    result[view] = {
        "bare": statistics.median(times["bare"]),
        "guarded": statistics.median(times["guarded"]),
        "ratio": statistics.median(ratios),
        "q1": quartiles[0],
        "q3": quartiles[2],
    }
print(json.dumps(result))
"""
)


def interleaved(requests: int, rounds: int) -> None:
    """The middleware on and off in one process, in alternating blocks of requests.

    Both clients run with guardrails installed (its descriptor and execute wrappers in place);
    only the middleware differs. The ratio of each round's two blocks is taken, and the median
    of those ratios reported with its quartiles: drift of the machine hits both blocks of a
    round alike.
    """
    result = _run(INTERLEAVED, CONFIGS["django-guardrails"][1], requests, rounds)
    print(f"in one process, middleware off and on in alternating blocks, {rounds} rounds:")
    for view, row in result.items():
        print(
            f"  {view:8} off {row['bare'] * 1e6:9.0f} µs, on {row['guarded'] * 1e6:9.0f} µs; "
            f"ratio median {row['ratio']:.3f} (quartiles {row['q1']:.3f}-{row['q3']:.3f})"
        )


def processes(requests: int, rounds: int, passes: int) -> None:
    """Bare Django, guardrails and the control (an empty middleware) in separate processes,
    ``passes`` times.

    Each process is as a project runs it (guardrails installed or not, DEBUG off, MODE log);
    each pass runs the three back to back, in one of the six orders in turn, so that each
    configuration runs first, second and third equally often over six passes, and takes each
    one's ratio to the pass's bare Django; the median of those ratios is reported with its
    spread. The processes of a pass share a hash seed, a different one for each pass: the order
    of a process's dictionaries moves its time by a few percent, which would otherwise land on
    one process of a pass only. Address randomisation stays on, so that the memory layouts
    vary from pass to pass and their luck evens out over the passes instead of favouring one
    configuration. The control adds one call a request, which wall time cannot resolve: its
    spread is the noise of the measure.
    """
    names = ["bare Django", "an empty middleware", "django-guardrails"]
    ratios: dict[str, dict[str, list[float]]] = {
        name: {path: [] for path, _, _ in PAGES} for name in names[1:]
    }
    orders = list(itertools.permutations(names))
    for number in range(passes):
        timing = {
            name: run_config(CONFIGS[name][1], requests, rounds, seed=number + 1)
            for name in orders[number % len(orders)]
        }
        for name in names[1:]:
            for path, _, _ in PAGES:
                ratios[name][path].append(timing[name][path] / timing["bare Django"][path])
    print(f"separate processes, {passes} passes: ratio to bare Django, median (quartiles)")
    print(f"  {'page':14}" + "".join(f"{name:>26}" for name in names[1:]))
    for path, label, _ in PAGES:
        cells = []
        for name in names[1:]:
            row = ratios[name][path]
            quartiles = statistics.quantiles(row, n=4)
            cells.append(f"{statistics.median(row):.3f} ({quartiles[0]:.3f}-{quartiles[2]:.3f})")
        print(f"  {label:14}" + "".join(f"{cell:>26}" for cell in cells))


def write_settings(root: Path, extra: dict[str, object]) -> None:
    settings = dict(BASE_SETTINGS)
    urls = "EXTRA_URLS = []\n"
    for key, value in extra.items():
        if key.endswith("+"):
            settings[key[:-1]] = [*settings[key[:-1]], *value]  # type: ignore[misc]
        elif key == "EXTRA_URLS":
            urls = (
                "from django.urls import include, path\n"
                'EXTRA_URLS = [path("__debug__/", include("debug_toolbar.urls"))]\n'
            )
        else:
            settings[key] = value
    lines = [f"{key} = {value!r}" for key, value in settings.items()]
    lines.append("def show_toolbar(request):\n    return True")
    (root / "bench_settings.py").write_text("\n".join(lines) + "\n")
    (root / "bench_urls.py").write_text(urls + textwrap.dedent(VIEWS))
    (root / "bench_empty.py").write_text(EMPTY_MIDDLEWARE)
    app = root / "benchapp"
    app.mkdir(exist_ok=True)
    (app / "__init__.py").write_text("")
    (app / "models.py").write_text(MODELS)
    templates = app / "templates" / "benchapp"
    templates.mkdir(parents=True, exist_ok=True)
    (templates / "book_list.html").write_text(TEMPLATE)


def _run(
    script: str, extra: dict[str, object], requests: int, rounds: int, seed: int | None = None
) -> Any:
    """Run a worker script in a fresh process and project; its last output line is JSON.
    With ``seed``: that hash seed (``PYTHONHASHSEED``)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_settings(root, extra)
        env = {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)}
        if seed is not None:
            env["PYTHONHASHSEED"] = str(seed)
        output = subprocess.run(
            [sys.executable, "-c", script, str(requests), str(rounds)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
    if output.returncode:
        raise SystemExit(f"configuration failed:\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def run_config(
    extra: dict[str, object], requests: int, rounds: int, seed: int | None = None
) -> dict[str, float]:
    result: dict[str, float] = _run(WORKER, extra, requests, rounds, seed)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--passes", type=int, default=2, help="best of this many passes")
    parser.add_argument(
        "--interleaved",
        action="store_true",
        help="only guardrails against bare Django, in one process (less noise, no peers)",
    )
    parser.add_argument(
        "--processes",
        type=int,
        metavar="PASSES",
        help="guardrails and an empty middleware against bare Django, in separate "
        "processes, PASSES passes",
    )
    args = parser.parse_args()
    if args.processes is not None and args.processes < 2:
        parser.error("--processes needs 2 passes or more for quartiles")
    if args.interleaved:
        interleaved(args.requests, args.rounds)
        return
    if args.processes:
        processes(args.requests, args.rounds, args.processes)
        return
    available = {
        name: extra
        for name, (module, extra) in CONFIGS.items()
        if module is None or importlib.util.find_spec(module) is not None
    }
    best: dict[str, dict[str, float]] = {}
    for _ in range(args.passes):  # configurations interleaved, so drift hits all alike
        for name, extra in available.items():
            timing = run_config(extra, args.requests, args.rounds)
            previous = best.setdefault(name, timing)
            best[name] = {view: min(previous[view], timing[view]) for view in timing}
    bare = best["bare Django"]
    print(
        f"python {sys.version.split()[0]}, {args.requests} requests x {args.rounds} rounds, "
        f"best of {args.passes} passes; time per request, ratio to bare Django"
    )
    print(f"{'configuration':26}" + "".join(f"{label:>22}" for _, label, _ in PAGES))
    for name, timing in best.items():
        cells = [
            f"{timing[path] * 1e6:12.0f} us {timing[path] / bare[path]:5.2f}x"
            for path, _, _ in PAGES
        ]
        print(f"{name:26}" + "".join(f"{cell:>22}" for cell in cells))
    if "django-guardrails" in best:
        added = (best["django-guardrails"]["/many/"] - bare["/many/"]) / 101 * 1e6
        print(f"guardrails' added cost per query on the 101-query view: {added:.2f} us")


if __name__ == "__main__":
    main()
