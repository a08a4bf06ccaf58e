"""8xx: the project's serializers and API views, on the testproject's broken and clean apps and
on a throwaway app."""

from __future__ import annotations

import pytest

pytest.importorskip("rest_framework", reason="an optional extra: django-guardrails[drf]")

import importlib
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

from django.apps import apps
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope, run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.conf import get_config
from django_guardrails.integrations.drf import checks as drf
from django_guardrails.source.index import SOURCE

MakeApp = Callable[[str], Path]
TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"
BROKEN = TESTPROJECT / "broken"
CODES = {"guardrails.W801", "guardrails.W802", "guardrails.W803", "guardrails.W804"}


def scope(*labels: str, whole: bool = True) -> CheckScope:
    return CheckScope([apps.get_app_config(label) for label in labels], whole, get_config(), SOURCE)


def line_of(path: Path, text: str) -> int:
    [number] = [n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line]
    return number


def findings(label: str) -> list[GuardrailsMessage]:
    return [m for m in run_guardrail_checks([apps.get_app_config(label)]) if m.id in CODES]


def test_each_serializer_check_fires_on_the_broken_app_at_the_meta_line() -> None:
    serializers_py, api_py = BROKEN / "serializers.py", BROKEN / "api.py"
    found = {(str(m.id), getattr(m.obj, "name", ""), m.line) for m in findings("broken")}
    assert found == {
        (
            "guardrails.W801",
            "broken.serializers.InvoiceSerializer",
            line_of(serializers_py, 'fields = "__all__"'),
        ),
        (
            "guardrails.W802",
            "broken.serializers.CustomerSerializer",
            line_of(serializers_py, "exclude = "),
        ),
        (
            "guardrails.W803",
            "broken.serializers.RefundSerializer",
            line_of(serializers_py, "depth = 1"),
        ),
        (
            "guardrails.W804",
            "broken.api.InvoiceList",
            line_of(api_py, 'queryset = Invoice.objects.order_by("number")'),
        ),
    }


def test_whole_messages() -> None:
    by_code = {str(m.id): m for m in findings("broken")}
    assert by_code["guardrails.W801"].msg == (
        'Serializer broken.serializers.InvoiceSerializer has fields = "__all__": every column '
        "added to broken.Invoice is exposed, and writable."
    )
    assert by_code["guardrails.W801"].hint == (
        'List the fields it shows: fields = ["id", "customer", "line_count", "number", "total", '
        '"created_at"].'
    )
    assert by_code["guardrails.W802"].hint == (
        'List the fields it shows instead: fields = ["id", "name", "email"].'
    )
    assert by_code["guardrails.W804"].msg == (
        "View broken.api.InvoiceList lists Invoices without loading what InvoiceSerializer "
        "renders (customer): one query per row."
    )
    assert by_code["guardrails.W804"].hint == (
        'Add .select_related("customer") to InvoiceList.queryset.'
    )


def test_the_clean_app_is_silent() -> None:
    assert findings("clean") == []


def test_serializers_no_urlconf_imports_are_seen_and_w804_reads_nested_paths(
    make_app: MakeApp,
) -> None:
    models_py = make_app("")
    label = models_py.parent.name
    (models_py.parent / "serializers.py").write_text(
        textwrap.dedent(
            """
            from rest_framework import serializers

            from clean.models import Author, Book


            class AuthorSerializer(serializers.ModelSerializer):
                books = serializers.StringRelatedField(many=True)

                class Meta:
                    model = Author
                    fields = ["name", "books"]


            class BookSerializer(serializers.ModelSerializer):
                author = AuthorSerializer()
                publisher_name = serializers.CharField(source="publisher.name")

                class Meta:
                    model = Book
                    fields = ["title", "author", "publisher_name"]
            """
        )
    )
    assert [cls.__name__ for cls in drf.own_serializers(scope(label).app_configs)] == [
        "AuthorSerializer",
        "BookSerializer",
    ]
    from clean.models import Book
    from django_guardrails.integrations.drf.fields import missing_loads, required_loads

    module = __import__(f"{label}.serializers", fromlist=["BookSerializer"])
    loads = required_loads(module.BookSerializer())
    assert [(load.method, load.path) for load in loads] == [
        ("select_related", "author"),
        ("prefetch_related", "author__books"),
        ("select_related", "publisher"),
    ]
    queryset = Book.objects.select_related("author", "publisher")
    assert [load.path for load in missing_loads(queryset, loads)] == ["author__books"]
    assert missing_loads(queryset.prefetch_related("author__books"), loads) == []


ALLOW_ANY = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"]}

API = """\
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.urls import include, path
from rest_framework import generics, routers, serializers, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView


class GroupSerializer(serializers.ModelSerializer):
    class Meta:
        model = Group
        fields = ["id", "name"]


class Groups(viewsets.ModelViewSet):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer


class Audited(viewsets.ModelViewSet):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer

    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)


class GroupList(generics.ListAPIView):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer


class PublicGroups(viewsets.ReadOnlyModelViewSet):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer
    permission_classes = [AllowAny]


class ReadableGroups(generics.ListCreateAPIView):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]


class PublicBase(generics.GenericAPIView):
    permission_classes = [AllowAny]


class InheritedPublic(PublicBase, generics.ListAPIView):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer


class PerAction(viewsets.ModelViewSet):
    queryset = Group.objects.all()
    serializer_class = GroupSerializer

    def get_permissions(self):
        return [AllowAny()] if self.action == "list" else [IsAuthenticated()]


class Pings(viewsets.GenericViewSet):
    @action(detail=False, methods=["post"], permission_classes=[AllowAny])
    def ping(self, request):
        return Response()


@api_view(["GET"])
@permission_classes([AllowAny])
def health(request):
    return Response()


@api_view(["POST"])
def hook(request):
    return Response()


# As HackSoftware's Django-Styleguide-Example writes its user API: a POST per action.
class UserSessionLoginApi(APIView):
    def post(self, request):
        return Response()


class UserSessionLogoutApi(APIView):
    def get(self, request):
        return Response()

    def post(self, request):
        return Response()


class UserCreateApi(APIView):
    def post(self, request):
        return Response()


class UserUpdateApi(APIView):
    def post(self, request, pk):
        return Response()
"""


def api_app(make_app: MakeApp, urls: str) -> str:
    """An app with the views above and a URLconf of ``urls``; returns its label."""
    models_py = make_app("")
    (models_py.parent / "api.py").write_text(API)
    (models_py.parent / "urls.py").write_text(
        "from django.urls import path, include\n"
        "from rest_framework import routers, viewsets\n"
        "from django.contrib.auth.decorators import login_required\n"
        "from .api import *\n\n" + textwrap.dedent(urls)
    )
    label = models_py.parent.name
    importlib.import_module(f"{label}.urls")  # a URLconf that fails would leave nothing to judge
    return label


def w808(label: str, rest_framework: Mapping[str, object] = ALLOW_ANY) -> list[GuardrailsMessage]:
    with override_settings(ROOT_URLCONF=f"{label}.urls", REST_FRAMEWORK=rest_framework):
        found = list(drf.check_default_permission(scope(label)))
    return [m for m in found if isinstance(m, GuardrailsMessage)]


def test_w808_names_the_views_anyone_can_write_through(make_app: MakeApp) -> None:
    label = api_app(
        make_app,
        """\
        router = routers.SimpleRouter()
        router.register("groups", Groups)
        router.register("audited", Audited, basename="audited")
        urlpatterns = [
            path("api/", include(router.urls)),
            path("hook/", hook),
            path("list/", GroupList.as_view()),
        ]
        """,
    )
    [message] = w808(label)
    assert message == ids.W808.message(
        'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is AllowAny: anyone can write through API '
        "views (and read through 1 more) that set no permission_classes: "
        f"{label}.api.Audited (POST, PUT, PATCH, DELETE), "
        f"{label}.api.Groups (POST, PUT, PATCH, DELETE), {label}.api.hook (POST) and 1 more.",
        hint='Set it to ["rest_framework.permissions.IsAuthenticatedOrReadOnly"] to keep reads '
        "public and require a login to write (IsAuthenticated for a private API); a view open to "
        "all by design says so with permission_classes = [AllowAny]. guardrails check --deploy "
        "--format json lists all 4 (items).",
        obj="settings.REST_FRAMEWORK",
    )
    # The project's read-only view is not dropped because others write: it comes after them.
    assert message.items[-1] == f"{label}.api.GroupList"
    assert w808(label, {}) == [message]  # DRF's own default is AllowAny as well


def test_w808_names_the_worst_views_first_and_sign_in_views_last(make_app: MakeApp) -> None:
    """Updates before creations before reads; login and logout, public by design, last."""
    label = api_app(
        make_app,
        """\
        urlpatterns = [
            path("login/", UserSessionLoginApi.as_view()),
            path("logout/", UserSessionLogoutApi.as_view()),
            path("create/", UserCreateApi.as_view()),
            path("<int:pk>/update/", UserUpdateApi.as_view()),
            path("list/", GroupList.as_view()),
            path("groups/<int:pk>/", Groups.as_view({"patch": "partial_update"})),
        ]
        """,
    )
    [message] = w808(label)
    assert message.msg == (
        'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is AllowAny: anyone can write through API '
        "views (and read through 1 more) that set no permission_classes: "
        f"{label}.api.Groups (PATCH), {label}.api.UserUpdateApi (POST), "
        f"{label}.api.UserCreateApi (POST) and 3 more."
    )
    assert message.items == (
        f"{label}.api.Groups (PATCH)",
        f"{label}.api.UserUpdateApi (POST)",
        f"{label}.api.UserCreateApi (POST)",
        f"{label}.api.GroupList",
        f"{label}.api.UserSessionLoginApi (POST)",
        f"{label}.api.UserSessionLogoutApi (POST)",
    )
    assert message.hint is not None
    assert message.hint.endswith(" guardrails check --deploy --format json lists all 6 (items).")


def test_w808_tells_sign_in_views_by_the_words_of_their_names() -> None:
    from django_guardrails.integrations.drf.permissions import signs_in

    for label in (
        "users.apis.UserSessionLoginApi",
        "users.apis.UserJwtLogoutApi",
        "rest_framework_simplejwt.views.TokenObtainPairView",
        "rest_framework.authtoken.views.obtain_auth_token",
        "accounts.views.SignInView",
        "accounts.views.JWTLogin",
    ):
        assert signs_in(label), label
    for label in ("blog.api.BlogIndex", "shop.api.CatalogInfo", "users.apis.UserUpdateApi"):
        assert not signs_in(label), label


def test_w808_names_own_read_only_views_without_asking_for_a_login(make_app: MakeApp) -> None:
    label = api_app(
        make_app,
        """\
        router = routers.SimpleRouter()
        router.register("public", PublicGroups)
        urlpatterns = [path("list/", GroupList.as_view()), path("", include(router.urls))]
        """,
    )
    [message] = w808(label)
    assert message.msg == (
        'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is AllowAny: anyone can read through API '
        f"views of the project that set no permission_classes: {label}.api.GroupList."
    )
    assert message.hint == (
        "Give each view public by design permission_classes = [AllowAny], or set it to "
        '["rest_framework.permissions.IsAuthenticatedOrReadOnly"] (reads stay public, writes '
        "need a login); IsAuthenticated only if no API reader is anonymous."
    )


def test_w808_silent_on_views_that_decide_their_own_access(make_app: MakeApp) -> None:
    label = api_app(
        make_app,
        """\
        router = routers.DefaultRouter()  # its API root: DRF's read-only view, on the default
        router.register("public", PublicGroups, basename="public")
        router.register("per-action", PerAction, basename="per-action")
        router.register("pings", Pings, basename="ping")
        urlpatterns = [
            path("", include(router.urls)),
            path("readable/", ReadableGroups.as_view()),
            path("inherited/", InheritedPublic.as_view()),
            path("health/", health),
            path(
                "open/",
                Groups.as_view({"get": "list", "post": "create"}, permission_classes=[AllowAny]),
            ),
            # Access decided by a decorator DRF does not see.
            path("staff/", login_required(Groups.as_view({"get": "list", "post": "create"}))),
        ]
        """,
    )
    assert w808(label) == []


def test_w808_counts_a_librarys_view_that_accepts_writes(make_app: MakeApp) -> None:
    label = api_app(
        make_app,
        """\
        view = viewsets.ModelViewSet.as_view(
            {"get": "list", "post": "create"},
            queryset=GroupSerializer.Meta.model.objects.all(),
            serializer_class=GroupSerializer,
        )
        urlpatterns = [path("raw/", view)]
        """,
    )
    [message] = w808(label)
    assert "rest_framework.viewsets.ModelViewSet (POST)." in message.msg


def test_w808_runs_under_deploy_only_and_on_the_testproject_names_its_list_views() -> None:
    with override_settings(REST_FRAMEWORK=ALLOW_ANY):
        assert not [m for m in run_guardrail_checks(None) if m.id == ids.W808.id]
        [message] = [m for m in run_guardrail_checks(None, deploy=True) if m.id == ids.W808.id]
    assert message.msg == (
        'REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is AllowAny: anyone can read through API '
        "views of the project that set no permission_classes: broken.api.InvoiceList, "
        "broken.api.RecentInvoiceList, clean.api.AuthorBookList and 1 more."
    )


def test_w808_is_silent_with_a_closing_default(make_app: MakeApp) -> None:
    assert list(drf.check_default_permission(scope("broken", "clean"))) == []
    assert list(drf.check_default_permission(scope("broken", whole=False))) == []
    label = api_app(make_app, 'urlpatterns = [path("hook/", hook)]')
    closing = {"DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"]}
    assert w808(label, closing) == []
    assert len(w808(label)) == 1


AUTHENTICATION = '''\
from rest_framework.authentication import SessionAuthentication


class CsrfExemptSessionAuthentication(SessionAuthentication):
    def enforce_csrf(self, request):
        return  # the front end sends no token


class QuietSessionAuthentication(SessionAuthentication):
    @staticmethod
    def enforce_csrf(request):
        """Skipped: the API is called from our own pages."""


class CheckedSessionAuthentication(SessionAuthentication):
    def enforce_csrf(self, request):
        if request.method == "OPTIONS":
            return None
        return super().enforce_csrf(request)


class AuditedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        return super().authenticate(request)
'''


def test_w805_fires_on_a_session_authentication_that_skips_csrf(make_app: MakeApp) -> None:
    """A subclass named in DEFAULT_AUTHENTICATION_CLASSES, loaded by DRF: its enforce_csrf()
    returns at once (or holds a docstring only). Those that check, or keep DRF's, are fine."""
    models_py = make_app("")
    label = models_py.parent.name
    (models_py.parent / "authentication.py").write_text(AUTHENTICATION)
    classes = [
        f"{label}.authentication.{name}SessionAuthentication"
        for name in ("CsrfExempt", "Quiet", "Checked", "Audited")
    ]
    with override_settings(REST_FRAMEWORK={"DEFAULT_AUTHENTICATION_CLASSES": classes}):
        from rest_framework.settings import api_settings

        api_settings.reload()
        try:
            found = [
                m for m in drf.check_session_csrf(scope(label)) if isinstance(m, GuardrailsMessage)
            ]
        finally:
            api_settings.reload()
    lines = {getattr(m.obj, "name", ""): m.line for m in found}
    written = AUTHENTICATION.splitlines()

    def def_after(cls: str) -> int:
        start = written.index(f"class {cls}(SessionAuthentication):")
        return next(n for n in range(start, len(written)) if "def enforce_csrf" in written[n]) + 1

    assert lines == {
        f"{label}.authentication.{cls}": def_after(cls)
        for cls in ("CsrfExemptSessionAuthentication", "QuietSessionAuthentication")
    }
    assert all(m.id == "guardrails.W805" for m in found)
    assert "every API view that authenticates with it accepts a POST" in found[0].msg


def test_w805_is_silent_on_the_testproject() -> None:
    assert [m for m in run_guardrail_checks() if m.id == "guardrails.W805"] == []


def test_w808_ranks_a_token_view_that_deletes_or_updates_with_the_worst() -> None:
    """ "token" in a name makes a POST-only view a sign-in; a view that deletes or updates
    tokens is as bad as any other that does."""
    from django_guardrails.integrations.drf.permissions import OpenView, risk

    deletes = OpenView("users.apis.ApiTokenViewSet", True, {"post", "delete"})
    obtains = OpenView("users.apis.TokenObtainApi", True, {"post"})
    creates = OpenView("shop.api.OrderCreateApi", True, {"post"})
    ranked = sorted([obtains, creates, deletes], key=risk)
    assert [view.label for view in ranked] == [
        "users.apis.ApiTokenViewSet",
        "shop.api.OrderCreateApi",
        "users.apis.TokenObtainApi",
    ]
