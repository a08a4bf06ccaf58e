from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from django_guardrails.checks.framework import baseline, ids
from django_guardrails.checks.framework.engine import guarded
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.views.logic import check_view_logic
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]

MODELS = """\
from django.db import models


class Customer(models.Model):
    name = models.CharField(max_length=100)
    balance = models.DecimalField(max_digits=9, decimal_places=2, default=0)


class Tag(models.Model):
    name = models.CharField(max_length=50)


class Order(models.Model):
    class Status(models.TextChoices):
        NEW = "new"
        PAID = "paid"
        SHIPPED = "shipped"

    customer = models.ForeignKey(Customer, models.CASCADE, related_name="orders")
    status = models.CharField(max_length=20, default="new")
    total = models.DecimalField(max_digits=9, decimal_places=2, default=0)
    paid_at = models.DateTimeField(null=True)
    shipped_at = models.DateTimeField(null=True)
    note = models.TextField(blank=True)
    tags = models.ManyToManyField(Tag)
    updated_at = models.DateTimeField(auto_now=True)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, models.CASCADE, related_name="lines")
    price = models.DecimalField(max_digits=9, decimal_places=2)
    quantity = models.IntegerField()


class Payment(models.Model):
    order = models.ForeignKey(Order, models.CASCADE)
    amount = models.DecimalField(max_digits=9, decimal_places=2)


class Stock(models.Model):
    sku = models.CharField(max_length=20)
    quantity = models.IntegerField()


class Shelf(models.Model):
    orders = models.ManyToManyField(Order, through="ShelfOrder")


class ShelfOrder(models.Model):
    shelf = models.ForeignKey(Shelf, models.CASCADE)
    order = models.ForeignKey(Order, models.CASCADE)


class OrderAuditLog(models.Model):
    order = models.ForeignKey(Order, models.CASCADE)
    action = models.CharField(max_length=20)
"""

FORMS = """\
from django import forms

from .models import Order, OrderLine


class OrderForm(forms.ModelForm):
    class Meta:
        model = Order
        fields = ["customer", "note"]


LineFormSet = forms.inlineformset_factory(Order, OrderLine, fields=["price", "quantity"])
"""


@pytest.fixture
def shop(make_app: MakeApp) -> Iterator[Path]:
    """An app of its own models, forms and URLconf: ``views.py`` is written by each test."""
    package = make_app(MODELS).parent
    (package / "forms.py").write_text(FORMS)
    yield package


def run(package: Path, views: str, urls: str) -> list[GuardrailsMessage]:
    (package / "views.py").write_text(textwrap.dedent(views))
    (package / "urls.py").write_text(
        "from django.urls import include, path\nfrom . import views\n\nurlpatterns = [\n"
        + textwrap.dedent(urls)
        + "]\n"
    )
    with override_settings(ROOT_URLCONF=f"{package.name}.urls"):
        found = guarded(check_view_logic)()
    return [m for m in found if isinstance(m, GuardrailsMessage)]


def marked(package: Path, mark: str = "# fires") -> list[int]:
    lines = (package / "views.py").read_text().splitlines()
    return [n for n, line in enumerate(lines, 1) if line.rstrip().endswith(mark)]


MULTI_MODEL_VIEWS = """\
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views import View

from .forms import OrderForm
from .models import Customer, Order, OrderLine, Payment, Stock


def checkout(request, customer_id):
    customer = get_object_or_404(Customer, pk=customer_id)
    with transaction.atomic():
        order = Order.objects.create(customer=customer)  # fires
        for sku, price in request.POST.items():
            OrderLine.objects.create(order=order, price=price, quantity=1)
            Stock.objects.filter(sku=sku).update(quantity=0)
    return redirect("done")


class RefundOrder(View):
    def post(self, request, pk):
        order = Order.objects.get(pk=pk)
        payment = order.payment_set.first()
        payment.delete()  # fires
        order.lines.all().delete()
        return redirect("orders")


def add_line(request, pk):
    order = get_object_or_404(Order, pk=pk)
    line = OrderLine(order=order, price=request.POST["price"], quantity=1)
    line.save()  # fires
    order.total = order.total + line.price
    order.save()
    return redirect("order", pk=pk)


def new_order(request):
    form = OrderForm(request.POST)
    if form.is_valid():
        order = form.save()  # fires
        Payment.objects.create(order=order, amount=order.total)
        return redirect("orders")
    return render(request, "new.html", {"form": form})
"""

MULTI_MODEL_URLS = """\
    path("checkout/<int:customer_id>/", views.checkout, name="checkout"),
    path("refund/<int:pk>/", views.RefundOrder.as_view(), name="refund"),
    path("line/<int:pk>/", views.add_line, name="add_line"),
    path("new/", views.new_order, name="new"),
"""


def test_fires_on_writes_to_two_or_more_models(shop: Path) -> None:
    found = run(shop, MULTI_MODEL_VIEWS, MULTI_MODEL_URLS)
    views = str(shop / "views.py")
    assert [(m.file, m.line) for m in found] == [(views, line) for line in marked(shop)], found
    assert all(m.id == ids.I310.id for m in found)
    checkout, refund, add_line, new_order = found
    label = shop.name
    assert checkout.msg == (
        f"View {label}.views.checkout() writes 3 models in its own body: "
        "Order (line 13), OrderLine (line 15), Stock (line 16)."
    )
    assert checkout.hint == (
        f"Move this transaction into a service function, checkout_order() in "
        f"{shop.relative_to(Path.cwd()) if shop.is_relative_to(Path.cwd()) else shop}"
        "/services.py, run under transaction.atomic(); the view then calls it and renders."
    )
    assert refund.msg == (
        f"View {label}.views.RefundOrder.post() writes 2 models in its own body: "
        "Payment (line 24), OrderLine (line 25)."
    )
    assert "refund_order()" in str(refund.hint)
    assert add_line.msg.endswith(
        "writes 2 models in its own body: OrderLine (line 32), Order (line 34)."
    )
    assert "add_line()" in str(add_line.hint)
    assert new_order.msg.endswith("Order (line 41), Payment (line 42).")


STATE_VIEWS = """\
import datetime

from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.generic import UpdateView

from .forms import OrderForm
from .models import Order


def pay(request, pk):
    order = get_object_or_404(Order, pk=pk)
    order.status = "paid"  # fires
    order.paid_at = timezone.now()
    order.save()
    return redirect("order", pk=pk)


def ship(request, pk):
    order = Order.objects.select_related("customer").get(pk=pk)
    order.status = Order.Status.SHIPPED  # fires
    order.shipped_at = datetime.datetime.now()
    order.save(update_fields=["status", "shipped_at"])
    return redirect("order", pk=pk)


def recount(request, pk):
    order = get_object_or_404(Order, pk=pk)
    order.total = sum(line.price * line.quantity for line in order.lines.all())  # fires
    order.paid_at = None
    order.status = "new"
    order.save()
    return redirect("order", pk=pk)


class OrderShip(UpdateView):
    model = Order
    form_class = OrderForm

    def form_valid(self, form):
        form.instance.status = "shipped"  # fires
        form.instance.shipped_at = timezone.now()
        return super().form_valid(form)
"""

STATE_URLS = """\
    path("pay/<int:pk>/", views.pay, name="pay"),
    path("ship/<int:pk>/", views.ship, name="ship"),
    path("recount/<int:pk>/", views.recount, name="recount"),
    path("ship2/<int:pk>/", views.OrderShip.as_view(), name="ship2"),
"""


def test_fires_on_a_state_transition_written_inline(shop: Path) -> None:
    found = run(shop, STATE_VIEWS, STATE_URLS)
    assert [m.line for m in found] == marked(shop)
    pay, ship, recount, form_valid = found
    label = shop.name
    assert pay.msg == (
        f"View {label}.views.pay() changes the state of order inline: sets status, paid_at "
        "and saves it (lines 13, 14, 15)."
    )
    assert pay.hint == (
        "Move these lines into Order.mark_paid() that sets the fields and saves; the view "
        "calls order.mark_paid()."
    )
    assert "Order.mark_shipped()" in str(ship.hint)
    assert "Order.mark_new()" in str(recount.hint)  # the status it ends in names the transition
    assert form_valid.msg == (
        f"View {label}.views.OrderShip.form_valid() changes the state of form.instance inline: "
        "sets status, shipped_at and saves it (lines 41, 42, 43)."
    )
    assert "Order.mark_shipped()" in str(form_valid.hint)


SILENT_VIEWS = """\
from django.contrib import messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import login, update_session_auth_hash
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.generic import CreateView, UpdateView

from .forms import LineFormSet, OrderForm
from .models import Order, OrderAuditLog, ShelfOrder, Tag
from .services import place_order


def pay(request, pk):
    order = get_object_or_404(Order, pk=pk)
    order.mark_paid()
    return redirect("order", pk=pk)


def place(request):
    order = place_order(request.user, request.POST)
    return render(request, "placed.html", {"order": order})


def edit(request, pk):
    order = get_object_or_404(Order, pk=pk)
    form = OrderForm(request.POST or None, instance=order)
    if form.is_valid():
        form.save()
        messages.success(request, "Saved.")
        return redirect("order", pk=pk)
    return render(request, "edit.html", {"form": form})


def edit_with_lines(request, pk):
    order = get_object_or_404(Order, pk=pk)
    form = OrderForm(request.POST, instance=order)
    formset = LineFormSet(request.POST, instance=order)
    if form.is_valid() and formset.is_valid():
        form.save()
        formset.save()
    return redirect("order", pk=pk)


def rename(request, pk):
    order = get_object_or_404(Order, pk=pk)
    order.note = request.POST["note"]
    order.updated_at = timezone.now()
    order.save()
    OrderAuditLog.objects.create(order=order, action="rename")
    LogEntry.objects.log_action(request.user.pk, None, order.pk, str(order), CHANGE)
    return redirect("order", pk=pk)


def tag(request, pk):
    order = get_object_or_404(Order, pk=pk)
    found, _ = Tag.objects.get_or_create(name=request.POST["tag"])
    order.tags.add(found)
    return redirect("order", pk=pk)


def settings_page(request):
    request.user.first_name = request.POST["first_name"]
    request.user.last_login = timezone.now()
    request.user.is_staff = False
    request.user.save()
    request.session["theme"] = "dark"
    request.session.save()
    login(request, request.user)
    update_session_auth_hash(request, request.user)
    return redirect("home")


def flags(request, pk):
    order = get_object_or_404(Order, pk=pk)
    order.note = "checked"
    order.status = request.POST["status"]
    order.save()
    return redirect("order", pk=pk)


class OrderCreate(CreateView):
    model = Order
    form_class = OrderForm

    def form_valid(self, form):
        form.instance.note = self.request.POST.get("note", "")
        return super().form_valid(form)


class OrderUpdate(UpdateView):
    model = Order
    fields = ["note"]


def shelve(request, pk):
    form = OrderForm(request.POST)
    if form.is_valid():
        order = form.save()
        ShelfOrder.objects.create(shelf_id=pk, order=order)
    return redirect("orders")


def bulk(request):
    for order in Order.objects.filter(pk__in=request.POST.getlist("ids")):
        if request.POST["action"] == "pay":
            order.status = "paid"
            order.save()
        elif request.POST["action"] == "ship":
            order.status = "shipped"
            order.save()
    return redirect("orders")


def start(request):
    order = Order(customer_id=request.POST["customer"])
    order.status = "new"
    order.paid_at = timezone.now()
    order.save()
    return redirect("orders")


class OrderCreateStamped(CreateView):
    model = Order
    form_class = OrderForm

    def form_valid(self, form):
        form.instance.status = "new"
        form.instance.paid_at = timezone.now()
        return super().form_valid(form)


def draft(request):
    def helper(order):
        order.status = "paid"
        order.paid_at = timezone.now()
        order.save()

    return render(request, "draft.html")
"""

SERVICES = """\
from .models import Order


def place_order(user, data):
    return Order.objects.none()
"""

SILENT_URLS = """\
    path("pay/<int:pk>/", views.pay, name="pay"),
    path("place/", views.place, name="place"),
    path("edit/<int:pk>/", views.edit, name="edit"),
    path("lines/<int:pk>/", views.edit_with_lines, name="lines"),
    path("rename/<int:pk>/", views.rename, name="rename"),
    path("tag/<int:pk>/", views.tag, name="tag"),
    path("settings/", views.settings_page, name="settings"),
    path("flags/<int:pk>/", views.flags, name="flags"),
    path("create/", views.OrderCreate.as_view(), name="create"),
    path("update/<int:pk>/", views.OrderUpdate.as_view(), name="update"),
    path("draft/", views.draft, name="draft"),
    path("start/", views.start, name="start"),
    path("bulk/", views.bulk, name="bulk"),
    path("shelve/<int:pk>/", views.shelve, name="shelve"),
    path("stamped/", views.OrderCreateStamped.as_view(), name="stamped"),
"""


def test_silent_on_thin_views_and_on_writes_that_are_not_business_logic(shop: Path) -> None:
    (shop / "services.py").write_text(SERVICES)
    assert run(shop, SILENT_VIEWS, SILENT_URLS) == []


def test_test_modules_and_views_no_url_serves_are_not_judged(shop: Path) -> None:
    (shop / "tests").mkdir()
    (shop / "tests" / "__init__.py").write_text("")
    (shop / "tests" / "views.py").write_text(STATE_VIEWS)
    urls = STATE_URLS.replace("views.", "test_views.")
    views = "from .tests import views as test_views  # noqa: F401\n"
    (shop / "unserved.py").write_text(STATE_VIEWS)  # the same views, but no URL reaches them
    found = run(shop, views, urls.replace("test_views.", "views.test_views."))
    assert found == []


def test_inline_ignore_and_baseline_apply(shop: Path, tmp_path: Path) -> None:
    views = STATE_VIEWS.replace(
        'order.status = "paid"  # fires', 'order.status = "paid"  # guardrails: ignore[I310]'
    )
    found = run(shop, views, STATE_URLS)
    assert [m.line for m in found] == marked(shop)  # the line of the ignore no longer "fires"
    assert len(found) == 3
    baseline_file = tmp_path / "baseline.json"
    with override_settings(GUARDRAILS={"BASELINE": str(baseline_file)}):
        baseline.write(baseline_file, found[:2])
        assert [m.line for m in run(shop, views, STATE_URLS)] == marked(shop)[2:]


SERIALIZERS = """\
from rest_framework import serializers

from .models import Order


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "note"]
"""

API_VIEWS = """\
from django.utils import timezone
from rest_framework import viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from .models import Order, Payment, Stock
from .serializers import OrderSerializer


class OrderViewSet(viewsets.ModelViewSet):
    queryset = Order.objects.all()
    serializer_class = OrderSerializer

    def perform_create(self, serializer):
        order = serializer.save()  # fires
        Payment.objects.create(order=order, amount=order.total)

    def perform_update(self, serializer):
        serializer.save()

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        order = self.get_object()
        order.status = Order.Status.NEW  # fires
        order.total -= order.total
        order.save()
        return Response({})


@api_view(["POST"])
def restock(request):
    if request.data.get("all"):
        Stock.objects.update(quantity=100)
    else:
        Payment.objects.filter(amount=0).delete()
    return Response({})
"""

ROUTING = """\
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("orders", views.OrderViewSet)
urlpatterns = router.urls
"""

API_URLS = """\
    path("", include("{label}.routing")),
    path("restock/", views.restock, name="restock"),
"""


def test_fires_on_drf_views_and_not_on_writes_in_separate_branches(shop: Path) -> None:
    (shop / "serializers.py").write_text(SERIALIZERS)
    (shop / "routing.py").write_text(ROUTING)
    found = run(shop, API_VIEWS, API_URLS.replace("{label}", shop.name))
    assert [m.line for m in found] == marked(shop)
    create, cancel = found
    assert create.msg.endswith(
        "OrderViewSet.perform_create() writes 2 models in its own body: "
        "Order (line 15), Payment (line 16)."
    )
    assert "create_order()" in str(create.hint)
    assert "Order.mark_new()" in str(cancel.hint)


THIN_VIEWS = """\
from django.shortcuts import get_object_or_404, redirect, render

from .models import Customer


def customer(request, pk):
    return render(request, "customer.html", {"customer": get_object_or_404(Customer, pk=pk)})


def rename(request, pk):
    customer = get_object_or_404(Customer, pk=pk)
    customer.name = request.POST["name"]
    customer.save()
    return redirect("customer", pk=pk)


def customer_delete(request, pk):  # its name holds "delete(": not a second write
    get_object_or_404(Customer, pk=pk).delete()
    return redirect("customers")
"""

THIN_URLS = """\
    path("customer/<int:pk>/", views.customer, name="customer"),
    path("rename/<int:pk>/", views.rename, name="rename"),
    path("delete/<int:pk>/", views.customer_delete, name="delete"),
"""


@pytest.fixture
def stored_facts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "prefix"))
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # the store is kept beside bytecode
    monkeypatch.setattr(SOURCE, "persistent", True)
    SOURCE.clear()
    yield
    SOURCE.clear()


def _twice(shop: Path, views: str, urls: str) -> tuple[list[tuple[str, int | None]], ...]:
    """The findings of a first run, and of a later one that reads the stored facts."""
    first = [(m.msg, m.line) for m in run(shop, views, urls)]
    SOURCE.save_facts()
    SOURCE.clear()  # as a new process starts
    return first, [(m.msg, m.line) for m in run(shop, views, urls)]


def test_a_later_run_parses_no_views_module_whose_views_write_nothing_to_judge(
    shop: Path, stored_facts: None
) -> None:
    assert _twice(shop, THIN_VIEWS, THIN_URLS) == ([], [])
    assert os.path.abspath(shop / "views.py") not in SOURCE._modules


def test_a_later_run_finds_the_same_from_stored_facts(shop: Path, stored_facts: None) -> None:
    first, again = _twice(shop, MULTI_MODEL_VIEWS, MULTI_MODEL_URLS)
    assert len(first) == len(marked(shop)) == 4
    assert again == first


ONE_LINE_VIEWS = (
    "from django.shortcuts import redirect\n\nfrom .models import Stock, Tag\n\n\n"
    "def clear(request, sku): Stock.objects.filter(sku=sku).update(quantity=0); "
    'Tag.objects.filter(name=sku).delete(); return redirect("/")  # fires\n'
)


def test_fires_on_a_view_written_on_its_def_line(shop: Path) -> None:
    found = run(shop, ONE_LINE_VIEWS, '    path("clear/<str:sku>/", views.clear),\n')
    assert [m.line for m in found] == marked(shop)
