"""A hint is a promise: where a check says "add X here", applying X as the hint words it makes
the finding go away and leaves the behaviour the same.

Each test builds a small real app, runs the check, applies the code its hint gives (read off the
hint and the message, not written by hand), runs the check again and requests the views with the
test client before and after: same status, same rows, same database effect.

I311 rewrites ``views.py`` of one app in place (a generic view's default template name carries
the app's label). I210 and I310 move code into ``models.py``, which cannot be imported twice in
one app: the fixed code goes into a second app, a copy of the first with the hint applied, and
both serve the same rows.
"""

from __future__ import annotations

import ast
import builtins
import datetime
import re
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.checks import CheckMessage
from django.core.management.color import no_style
from django.db import connection, models
from django.test import Client, override_settings
from django.urls import clear_url_caches
from django.utils import timezone

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import guarded
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.models.repeated_queries import check_repeated_queries
from django_guardrails.checks.views.crud import check_hand_written_crud
from django_guardrails.checks.views.logic import check_view_logic
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]
Check = Callable[..., Any]

# Tables of the throwaway apps are created with the schema editor, which SQLite refuses inside
# the transaction of an ordinary database test.
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Apps:
    """Throwaway apps with their tables; the tables are dropped when the test ends."""

    make_app: MakeApp
    created: list[type[models.Model]] = field(default_factory=list)

    def install(self, models_source: str, files: dict[str, str]) -> Path:
        package = self.make_app(models_source).parent
        for name, text in files.items():
            write(package, name, text)
        with connection.schema_editor() as editor:
            for model in apps.get_app_config(package.name).get_models():
                editor.create_model(model)
                self.created.append(model)
        return package


@pytest.fixture
def tmp_apps(make_app: MakeApp, transactional_db: None) -> Iterator[Apps]:
    made = Apps(make_app)
    yield made
    with connection.schema_editor() as editor:
        for model in reversed(made.created):
            editor.delete_model(model)


def write(package: Path, name: str, text: str) -> None:
    (package / name).write_text(textwrap.dedent(text))


def model(package: Path, name: str) -> Any:
    return apps.get_model(package.name, name)


def findings(check: Check, check_id: ids.CheckId, package: Path) -> list[GuardrailsMessage]:
    """The check's findings on one app, as the engine gives them, its URLconf served."""
    SOURCE.clear()  # the app's files were rewritten: read them again
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found: list[CheckMessage] = guarded(check)(app_configs=[apps.get_app_config(package.name)])
    assert all(m.id == check_id.id for m in found), found  # no crash (W002) passes for silence
    return [m for m in found if isinstance(m, GuardrailsMessage)]


def forget(package: Path, *modules: str) -> None:
    """Drop modules of the app from the import cache, so that their new text is imported."""
    parent = sys.modules[package.name]
    for name in modules:
        sys.modules.pop(f"{package.name}.{name}", None)
        # "from . import views" reads the package's attribute before sys.modules.
        if hasattr(parent, name):
            delattr(parent, name)
    clear_url_caches()


Request = tuple[str, str, dict[str, str] | None, str | None]  # method, path, POST data, user


def respond(package: Path, requests: Sequence[Request], state: Callable[[], Any]) -> list[Any]:
    """Per request: its status, where it redirects, its content and the database after it."""
    seen: list[Any] = []
    with override_settings(ROOT_URLCONF=f"{package.name}.urls", TEMPLATES=TEMPLATES):
        for method, path, data, username in requests:
            client = Client()
            if username is not None:
                client.force_login(User.objects.get(username=username))
            response = client.post(path, data or {}) if method == "post" else client.get(path)
            seen.append(
                (
                    response.status_code,
                    response.headers.get("Location"),
                    response.content.decode(),
                    state(),
                )
            )
    return seen


TEMPLATE_TEXTS: dict[str, str] = {}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [("django.template.loaders.locmem.Loader", TEMPLATE_TEXTS)],
            "context_processors": [],
        },
    }
]


# I210: one filter written in three places, and the QuerySet method the hint names.

ARTICLE_MODELS = """\
from django.db import models


class Article(models.Model):
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20)
    pub_date = models.DateTimeField()
    featured = models.BooleanField(default=False)
"""

ARTICLE_VIEWS = """\
from django.http import HttpResponse
from django.utils import timezone

from .models import Article


def article_list(request):
    articles = Article.objects.filter(status="published", pub_date__lte=timezone.now())
    return HttpResponse(",".join(a.title for a in articles.order_by("title")))


def featured(request):
    articles = Article.objects.filter(
        pub_date__lte=timezone.now(), status="published"
    ).filter(featured=True)
    return HttpResponse(",".join(a.title for a in articles.order_by("title")))
"""

ARTICLE_FEEDS = """\
from django.utils.timezone import now

from .models import Article


def latest():
    return Article.objects.filter(status="published").filter(pub_date__lte=now()).order_by(
        "-pub_date"
    )[:2]
"""

ARTICLE_URLS = """\
from django.urls import path

from . import views

urlpatterns = [
    path("articles/", views.article_list),
    path("featured/", views.featured),
]
"""

I210_FIX = re.compile(
    r"^Write class (?P<queryset>\w+)\(models\.QuerySet\) with the method (?P<method>\w+)\(\) "
    r"returning this filter, set (?P<manager>\w+) = (?P=queryset)\.as_manager\(\) on "
    r"(?P<model>\w+), and call (?P<call>[\w.]+\(\)) in each place\.$"
)


def _articles(package: Path) -> None:
    article = model(package, "Article")
    rows = [
        ("a", "published", -3, True),
        ("b", "published", -2, False),
        ("c", "draft", -1, True),
        ("d", "published", 5, True),  # not out yet
        ("e", "published", -1, True),
    ]
    for title, status, days, featured in rows:
        article.objects.create(
            title=title,
            status=status,
            pub_date=timezone.now() + datetime.timedelta(days=days),
            featured=featured,
        )


def _article_behaviour(package: Path) -> list[Any]:
    requests: list[Request] = [("get", "/articles/", None, None), ("get", "/featured/", None, None)]
    seen = respond(package, requests, lambda: None)
    feeds = __import__(f"{package.name}.feeds", fromlist=["latest"])
    return [*seen, [article.title for article in feeds.latest()]]


def test_i210_queryset_method_of_the_hint_replaces_the_repeated_filter(tmp_apps: Apps) -> None:
    files = {"views.py": ARTICLE_VIEWS, "feeds.py": ARTICLE_FEEDS, "urls.py": ARTICLE_URLS}
    before = tmp_apps.install(ARTICLE_MODELS, files)
    [finding] = findings(check_repeated_queries, ids.I210, before)
    fix = I210_FIX.match(str(finding.hint))
    assert fix is not None, finding.hint
    # "this filter" is the one the message shows: Article.objects.filter(...) is written in...
    shown = finding.msg.split(" is written in ")[0]
    assert shown.startswith(f"{fix['model']}.objects.")
    chain = shown.removeprefix(f"{fix['model']}.objects")

    queryset = (
        f"class {fix['queryset']}(models.QuerySet):\n"
        f"    def {fix['method']}(self):\n"
        f"        return self{chain}\n\n\n"
    )
    fixed_models = (
        ARTICLE_MODELS.replace(
            "from django.db import models\n",
            "from django.db import models\nfrom django.utils import timezone\n"
            "from django.utils.timezone import now\n",
        ).replace(f"class {fix['model']}(", f"{queryset}class {fix['model']}(")
        + f"\n    {fix['manager']} = {fix['queryset']}.as_manager()\n"
    )
    call = fix["call"]  # Article.objects.published()
    fixed = {
        "views.py": _replaced(
            ARTICLE_VIEWS,
            ('Article.objects.filter(status="published", pub_date__lte=timezone.now())', call),
            (
                'Article.objects.filter(\n        pub_date__lte=timezone.now(), status="published"'
                "\n    ).filter(featured=True)",
                f"{call}.filter(featured=True)",
            ),
        ),
        "feeds.py": _replaced(
            ARTICLE_FEEDS,
            ('Article.objects.filter(status="published").filter(pub_date__lte=now())', call),
        ),
        "urls.py": ARTICLE_URLS,
    }
    after = tmp_apps.install(fixed_models, fixed)
    assert findings(check_repeated_queries, ids.I210, after) == []

    _articles(before)
    _articles(after)
    behaviour = _article_behaviour(before)
    assert behaviour[0][2] == "a,b,e" and behaviour[1][2] == "a,e"  # the rows really differ
    assert _article_behaviour(after) == behaviour


def _replaced(text: str, *replacements: tuple[str, str]) -> str:
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


# I310: a transition of one row moved into the model's method, a transaction of several models
# moved into a service function.

SHOP_MODELS = """\
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)


class Stock(models.Model):
    sku = models.CharField(max_length=20)
    quantity = models.IntegerField()


class OrderLine(models.Model):
    order = models.ForeignKey("Order", models.CASCADE, related_name="lines")
    sku = models.CharField(max_length=20)
    price = models.DecimalField(max_digits=9, decimal_places=2)


class Order(models.Model):
    customer = models.ForeignKey(Customer, models.CASCADE)
    status = models.CharField(max_length=20, default="new")
    paid_at = models.DateTimeField(null=True)
"""

SHOP_VIEWS = """\
from django.db import transaction
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone

from .models import Customer, Order, OrderLine, Stock


def pay(request, pk):
    order = get_object_or_404(Order, pk=pk)
    if request.method == "POST":
        order.status = "paid"
        order.paid_at = timezone.now()
        order.save()
        return redirect("/done/")
    return HttpResponse(order.status)


def checkout(request, customer_id):
    customer = get_object_or_404(Customer, pk=customer_id)
    if request.method != "POST":
        return HttpResponse(customer.name)
    items = sorted(request.POST.items())
    with transaction.atomic():
        order = Order.objects.create(customer=customer)
        for sku, price in items:
            OrderLine.objects.create(order=order, sku=sku, price=price)
            Stock.objects.filter(sku=sku).update(quantity=F("quantity") - 1)
    return redirect("/done/")
"""

SHOP_URLS = """\
from django.urls import path

from . import views

urlpatterns = [
    path("pay/<int:pk>/", views.pay),
    path("checkout/<int:customer_id>/", views.checkout),
]
"""

LINES = re.compile(r"\((?:line|lines) ([\d, ]+)\)")
STATE_FIX = re.compile(
    r"^Move these lines into (?P<model>\w+)\.(?P<method>\w+)\(\) that sets the fields and "
    r"saves; the view calls (?P<receiver>[\w.]+)\.(?P=method)\(\)\.$"
)
SERVICE_FIX = re.compile(
    r"^Move this transaction into a service function, (?P<function>\w+)\(\) in "
    r"(?P<file>\S+), run under transaction\.atomic\(\); the view then calls it and renders\.$"
)


def reset_sequences(package: Path, *names: str) -> None:
    """Rows made with explicit primary keys leave PostgreSQL's sequences behind: the next row
    a view creates would take key 1 again."""
    statements = connection.ops.sequence_reset_sql(
        no_style(), [model(package, name) for name in names]
    )
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _shop(package: Path) -> None:
    customer = model(package, "Customer").objects.create(pk=1, name="Ada")
    model(package, "Order").objects.create(pk=1, customer=customer)
    for sku in ("pen", "ink"):
        model(package, "Stock").objects.create(sku=sku, quantity=5)
    reset_sequences(package, "Customer", "Order")


def _shop_state(package: Path) -> Any:
    orders = model(package, "Order").objects.order_by("pk")
    lines = model(package, "OrderLine").objects.order_by("sku")
    stock = model(package, "Stock").objects.order_by("sku")
    return (
        [(o.customer_id, o.status, o.paid_at is not None) for o in orders],
        [(line.order.customer_id, line.sku, str(line.price)) for line in lines],
        [(s.sku, s.quantity) for s in stock],
    )


SHOP_REQUESTS: list[Request] = [
    ("get", "/pay/1/", None, None),
    ("post", "/pay/1/", {}, None),
    ("get", "/pay/1/", None, None),
    ("get", "/pay/9/", None, None),
    ("get", "/checkout/1/", None, None),
    ("post", "/checkout/1/", {"pen": "2.50", "ink": "7.00"}, None),
]


def _named_lines(message: GuardrailsMessage) -> list[int]:
    found = LINES.findall(message.msg)
    assert found, message.msg
    return sorted({int(n) for group in found for n in group.split(", ")})


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _move_to_model_method(views: str, models_source: str, finding: GuardrailsMessage) -> Any:
    """The named lines leave the view for the model's method; the view calls it."""
    fix = STATE_FIX.match(str(finding.hint))
    assert fix is not None, finding.hint
    lines = views.splitlines()
    named = _named_lines(finding)
    receiver = fix["receiver"]
    moved = textwrap.dedent("\n".join(lines[n - 1] for n in named))
    moved = re.sub(rf"\b{re.escape(receiver)}\.", "self.", moved)
    method = f"\n    def {fix['method']}(self):\n" + textwrap.indent(moved, " " * 8) + "\n"
    # The model is the last class of models.py; the moved lines keep the names they use.
    assert models_source.rstrip().splitlines()[-1].startswith("    ")
    view_imports = "\n".join(line for line in lines if line.startswith(("from ", "import ")))
    fixed_models = view_imports.replace("from .models import", "# from .models import")
    fixed_models = f"{fixed_models}\n{models_source}{method}"
    first = named[0]
    lines[first - 1] = f"{_indent(lines[first - 1])}{receiver}.{fix['method']}()"
    for n in reversed(named[1:]):
        del lines[n - 1]
    return fix["model"], fixed_models, "\n".join(lines) + "\n"


def _move_to_service(views: str, label: str, finding: GuardrailsMessage) -> tuple[str, str]:
    """The transaction, from the first write named to the last, leaves the view for the
    service function; the values it reads from the view become its parameters."""
    fix = SERVICE_FIX.match(str(finding.hint))
    assert fix is not None, finding.hint
    assert fix["file"].endswith(f"{label}/services.py"), fix["file"]
    lines = views.splitlines()
    named = _named_lines(finding)
    start, end = named[0], named[-1]
    # The span ends with the last statement holding the last write: a loop's whole body.
    tree = ast.parse(views)
    statements = [node for node in ast.walk(tree) if isinstance(node, ast.stmt)]
    for node in statements:
        if node.lineno <= end <= (node.end_lineno or node.lineno) and node.lineno >= start:
            end = max(end, node.end_lineno or end)
    body = textwrap.dedent("\n".join(lines[start - 1 : end]))
    # The view's own "with transaction.atomic():" around it is the service's now.
    wrapper = start - 1
    if lines[wrapper - 1].strip() == "with transaction.atomic():":
        start = wrapper
    module_names = {
        alias.asname or alias.name
        for node in tree.body
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    stored = {
        n.id
        for n in ast.walk(ast.parse(body))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    parameters: list[str] = []
    names = [node for node in ast.walk(ast.parse(body)) if isinstance(node, ast.Name)]
    for used in sorted(names, key=lambda node: (node.lineno, node.col_offset)):
        if isinstance(used.ctx, ast.Load):
            name = used.id
            if name not in stored | module_names | set(dir(builtins)) | set(parameters):
                parameters.append(name)
    imports = "\n".join(line for line in lines if line.startswith(("from ", "import ")))
    service = (
        f"{imports}\n\n\ndef {fix['function']}({', '.join(parameters)}):\n"
        "    with transaction.atomic():\n" + textwrap.indent(body, " " * 8) + "\n"
    )
    indent = _indent(lines[start - 1])
    call = f"{indent}services.{fix['function']}({', '.join(parameters)})"
    lines[start - 1 : end] = [call]
    return service, "\n".join(lines) + "\n"


def test_i310_model_method_and_service_function_of_the_hints(tmp_apps: Apps) -> None:
    files = {"views.py": SHOP_VIEWS, "urls.py": SHOP_URLS}
    before = tmp_apps.install(SHOP_MODELS, files)
    found = findings(check_view_logic, ids.I310, before)
    by_view = {str(m.obj.name).rsplit(".", 1)[-1]: m for m in found if m.obj is not None}
    assert sorted(by_view) == ["checkout()", "pay()"], found

    # The later lines first, so that the lines the earlier finding names stay where they are.
    service, fixed_views = _move_to_service(SHOP_VIEWS, before.name, by_view["checkout()"])
    owner, fixed_models, fixed_views = _move_to_model_method(
        fixed_views, SHOP_MODELS, by_view["pay()"]
    )
    assert owner == "Order"
    fixed_views = "from . import services\n" + fixed_views
    after = tmp_apps.install(
        fixed_models, {"views.py": fixed_views, "services.py": service, "urls.py": SHOP_URLS}
    )
    assert findings(check_view_logic, ids.I310, after) == []

    _shop(before)
    _shop(after)
    behaviour = respond(before, SHOP_REQUESTS, lambda: _shop_state(before))
    assert behaviour[1][3][0] == [(1, "paid", True)]  # the requests did change the rows
    assert behaviour[-1][3][2] == [("ink", 4), ("pen", 4)]
    assert respond(after, SHOP_REQUESTS, lambda: _shop_state(after)) == behaviour


# I311: a function view that is a generic view by hand, replaced by the class of the hint.

SHELF_MODELS = """\
from django.conf import settings
from django.db import models
from django.urls import reverse


class Author(models.Model):
    name = models.CharField(max_length=100)


class Book(models.Model):
    title = models.CharField(max_length=200)
    author = models.ForeignKey(Author, models.CASCADE)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, related_name="+")

    def get_absolute_url(self):
        return reverse("book", args=[self.pk])


class Note(models.Model):
    text = models.TextField()
"""

SHELF_FORMS = """\
from django import forms

from .models import Book


class BookForm(forms.ModelForm):
    class Meta:
        model = Book
        fields = ["title", "author"]
"""

SHELF_HEADER = """\
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.contrib.messages.views import SuccessMessageMixin
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.generic import CreateView, DeleteView, DetailView, ListView, UpdateView

from .forms import BookForm
from .models import Book, Note


def book_plain(request, pk):
    return HttpResponse(get_object_or_404(Book, pk=pk).title)


def books_plain(request):
    return HttpResponse(",".join(Book.objects.order_by("title").values_list("title", flat=True)))
"""

SHELF_TEMPLATES = {
    "book_detail": "{{ book.title }} by {{ book.author.name }}",
    "shelf/book_list.html": (
        "{% for b in page_obj %}{{ b.title }},{% endfor %}"
        "|{{ page_obj.number }}/{{ page_obj.paginator.num_pages }}"
    ),
    "shelf/book_form.html": "{{ form.as_p }}",
    "shelf/edit.html": "{{ book.title }}: {{ form.as_p }}",
    "shelf/book_confirm_delete.html": "Delete {{ book.title }}?",
    "shelf/note_confirm.html": "Delete {{ note.text }}?",
}


@dataclass(frozen=True)
class Crud:
    name: str
    view: str  # one function view; {app} is the app's label
    route: str
    requests: tuple[Request, ...]
    hint: str  # the class statement the hint should give, to see it read right
    xfail: str | None = None


CRUD_CASES = [
    Crud(
        "detail",
        """\
        def book(request, pk):
            book = get_object_or_404(Book, pk=pk)
            return render(request, "{app}/book_detail.html", {"book": book})
        """,
        "book/<int:pk>/",
        (("get", "/book/1/", None, None), ("get", "/book/99/", None, None)),
        "class BookDetailView(DetailView): model = Book",
    ),
    Crud(
        "list-paginated",
        """\
        def books(request):
            paginator = Paginator(Book.objects.order_by("title"), 2)
            page_obj = paginator.get_page(request.GET.get("page"))
            return render(request, "shelf/book_list.html", {"page_obj": page_obj})
        """,
        "books/",
        (
            ("get", "/books/", None, None),
            ("get", "/books/?page=2", None, None),
            ("get", "/books/?page=3", None, None),
        ),
        'class BookListView(ListView): model = Book; ordering = ["title"]; paginate_by = 2; '
        'template_name = "shelf/book_list.html"',
    ),
    Crud(
        "list-page-out-of-range",
        """\
        def books(request):
            paginator = Paginator(Book.objects.order_by("title"), 2)
            page_obj = paginator.get_page(request.GET.get("page"))
            return render(request, "shelf/book_list.html", {"page_obj": page_obj})
        """,
        "books/",
        (("get", "/books/?page=9", None, None), ("get", "/books/?page=last-one", None, None)),
        'class BookListView(ListView): model = Book; ordering = ["title"]; paginate_by = 2; '
        'template_name = "shelf/book_list.html"',
    ),
    Crud(
        "create",
        """\
        def add_book(request):
            if request.method == "POST":
                form = BookForm(request.POST)
                if form.is_valid():
                    form.save()
                    return redirect("books")
            else:
                form = BookForm()
            return render(request, "shelf/book_form.html", {"form": form})
        """,
        "add/",
        (
            ("get", "/add/", None, None),
            ("post", "/add/", {"title": "New", "author": "1"}, None),
            ("post", "/add/", {"title": "", "author": "1"}, None),
        ),
        "class BookCreateView(CreateView): form_class = BookForm; "
        'template_name = "shelf/book_form.html"; success_url = reverse_lazy("books")',
    ),
    Crud(
        "update",
        """\
        def edit_book(request, pk):
            book = get_object_or_404(Book, pk=pk)
            if request.method == "POST":
                form = BookForm(request.POST, instance=book)
                if form.is_valid():
                    book = form.save()
                    return redirect(book)
            else:
                form = BookForm(instance=book)
            return render(request, "shelf/edit.html", {"form": form, "book": book})
        """,
        "edit/<int:pk>/",
        (
            ("get", "/edit/1/", None, None),
            ("post", "/edit/1/", {"title": "Renamed", "author": "2"}, None),
            ("post", "/edit/2/", {"title": "", "author": "1"}, None),
            ("get", "/edit/99/", None, None),
        ),
        "class BookUpdateView(UpdateView): model = Book; form_class = BookForm; "
        'template_name = "shelf/edit.html"',
    ),
    Crud(
        "delete-own-signed-in",
        """\
        @login_required
        def delete_book(request, pk):
            book = get_object_or_404(Book, pk=pk, owner=request.user)
            if request.method == "POST":
                book.delete()
                return redirect("books")
            return render(request, "shelf/book_confirm_delete.html", {"book": book})
        """,
        "delete/<int:pk>/",
        (
            ("get", "/delete/1/", None, None),
            ("post", "/delete/1/", {}, None),
            ("get", "/delete/1/", None, "ann"),
            ("get", "/delete/2/", None, "ann"),  # bob's
            ("post", "/delete/2/", {}, "ann"),
            ("post", "/delete/1/", {}, "ann"),
        ),
        "class BookDeleteView(LoginRequiredMixin, DeleteView): model = Book; "
        'template_name = "shelf/book_confirm_delete.html"; success_url = reverse_lazy("books")',
    ),
    Crud(
        "delete-with-permission",
        """\
        @permission_required("{app}.delete_note")
        def delete_note(request, pk):
            note = get_object_or_404(Note, pk=pk)
            if request.method == "POST":
                note.delete()
                messages.success(request, "Note deleted.")
                return redirect("books")
            return render(request, "shelf/note_confirm.html", {"note": note})
        """,
        "note/<int:pk>/delete/",
        (
            ("get", "/note/1/delete/", None, None),
            ("get", "/note/1/delete/", None, "boss"),
            ("post", "/note/1/delete/", {}, "boss"),
            ("get", "/note/2/delete/", None, "ann"),  # signed in, without the permission
            ("post", "/note/2/delete/", {}, "ann"),
        ),
        "class NoteDeleteView(SuccessMessageMixin, DeleteView): "
        'model = Note; template_name = "shelf/note_confirm.html"; success_url = '
        'reverse_lazy("books"); success_message = "Note deleted."',
    ),
]


def _shelf_urls(route: str, view: str) -> str:
    return (
        "from django.urls import path\n\nfrom . import views\n\nurlpatterns = [\n"
        f'    path("{route}", {view}, name="the_view"),\n'
        '    path("book/<int:pk>/", views.book_plain, name="book"),\n'
        '    path("books/", views.books_plain, name="books"),\n'
        "]\n"
    )


def _seed_shelf(package: Path) -> None:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    author, book, note = (model(package, name) for name in ("Author", "Book", "Note"))
    note.objects.all().delete()
    book.objects.all().delete()
    author.objects.all().delete()
    users = {name: User.objects.get_or_create(username=name)[0] for name in ("ann", "bob", "boss")}
    # Permissions are made by migrate, which a throwaway app never sees.
    permission, _ = Permission.objects.get_or_create(
        codename="delete_note",
        content_type=ContentType.objects.get_for_model(note),
        defaults={"name": "Can delete note"},
    )
    users["boss"].user_permissions.add(permission)
    tolkien = author.objects.create(pk=1, name="Tolkien")
    author.objects.create(pk=2, name="Le Guin")
    titles = ["Hobbit", "Silmarillion", "Earthsea", "Lathe", "Beren"]
    for pk, title in enumerate(titles, 1):
        owner = users["ann"] if pk == 1 else users["bob"]
        book.objects.create(pk=pk, title=title, author=tolkien, owner=owner)
    note.objects.create(pk=1, text="first")
    note.objects.create(pk=2, text="second")
    reset_sequences(package, "Author", "Book", "Note")


def _shelf_state(package: Path) -> Any:
    books = model(package, "Book").objects.order_by("title", "pk")
    notes = model(package, "Note").objects.order_by("text")
    return (
        [(b.title, b.author_id, b.owner_id) for b in books],
        [n.text for n in notes],
    )


# "Replace it with class BookDetailView(DetailView): model = Book; ...". The statement ends
# at the first full stop that ends a sentence and leaves a class that parses.
_SENTENCE_END = re.compile(r"\.(?= [A-Z]|$)")


def class_of_hint(hint: str) -> tuple[str, str, str]:
    """(the class statement as written in the hint, its code, the rest of the hint)."""
    assert hint.startswith("Replace it with "), hint
    text = hint.removeprefix("Replace it with ")
    for end in _SENTENCE_END.finditer(text):
        statement = text[: end.start()]
        header, _, body = statement.partition(": ")
        code = header + ":\n" + "".join(f"    {line}\n" for line in body.split("; "))
        try:
            ast.parse(code)
        except SyntaxError:
            continue
        return statement, code, text[end.end() :].strip()
    raise AssertionError(f"no class statement in {hint!r}")


_GET_QUERYSET = re.compile(r"^Its get_queryset\(\) returns (?P<rows>.+?)\.(?= [A-Z]|$)")
_DECORATE = re.compile(r"^Decorate it with (?P<decorator>@method_decorator\(.+?\))\.(?= [A-Z]|$)")
_METHOD = re.compile(
    r"^To keep .+?, give it def (?P<signature>\w+\([^)]*\)): (?P<body>.+?)\.(?= [A-Z]|$)"
)


def apply_crud_hint(views: str, function: str, hint: str) -> tuple[str, str]:
    """``views`` with ``function`` replaced by the class of the hint, and that class's name."""
    _, code, rest = class_of_hint(hint)
    name = code.split("(", 1)[0].removeprefix("class ")
    decorators: list[str] = []
    while rest:
        if found := _GET_QUERYSET.match(rest):
            code += f"\n    def get_queryset(self):\n        return {found['rows']}\n"
        elif found := _DECORATE.match(rest):
            decorators.append(found["decorator"])
        elif found := _METHOD.match(rest):
            body = "".join(f"        {line}\n" for line in found["body"].split("; "))
            code += f"\n    def {found['signature']}:\n{body}"
        else:
            raise AssertionError(f"a sentence of the hint this test cannot apply: {rest!r}")
        rest = rest[found.end() :].strip()
    code = "".join(f"{decorator}\n" for decorator in decorators) + code
    [node] = [
        node
        for node in ast.parse(views).body
        if isinstance(node, ast.FunctionDef) and node.name == function
    ]
    lines = views.splitlines()
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    lines[first - 1 : node.end_lineno] = code.rstrip("\n").splitlines()
    return "\n".join(lines) + "\n", name


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, raises=AssertionError, reason=case.xfail)],
        )
        if case.xfail
        else pytest.param(case, id=case.name)
        for case in CRUD_CASES
    ],
)
def test_i311_generic_view_of_the_hint_replaces_the_function(tmp_apps: Apps, case: Crud) -> None:
    package = tmp_apps.install(SHELF_MODELS, {"forms.py": SHELF_FORMS})
    label = package.name
    TEMPLATE_TEXTS.clear()
    TEMPLATE_TEXTS.update(SHELF_TEMPLATES)
    TEMPLATE_TEXTS[f"{label}/book_detail.html"] = TEMPLATE_TEXTS.pop("book_detail")
    view_source = textwrap.dedent(case.view).replace("{app}", label)
    function = view_source.split("def ", 1)[1].split("(", 1)[0]
    views = SHELF_HEADER + "\n\n" + view_source
    write(package, "views.py", views)
    write(package, "urls.py", _shelf_urls(case.route, f"views.{function}"))

    [finding] = findings(check_hand_written_crud, ids.I311, package)
    statement, _, _ = class_of_hint(str(finding.hint))
    assert statement == case.hint.replace("{app}", label)

    _seed_shelf(package)
    behaviour = respond(package, case.requests, lambda: _shelf_state(package))
    assert any(status == 200 for status, *_ in behaviour)

    fixed, name = apply_crud_hint(views, function, str(finding.hint))
    write(package, "views.py", fixed)
    write(package, "urls.py", _shelf_urls(case.route, f"views.{name}.as_view()"))
    forget(package, "views", "urls")
    assert findings(check_hand_written_crud, ids.I311, package) == []

    _seed_shelf(package)
    assert respond(package, case.requests, lambda: _shelf_state(package)) == behaviour
