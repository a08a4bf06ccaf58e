"""The URL checks walk every URLconf the project serves: ROOT_URLCONF, django-hosts' hosts and
the URLconfs tenant packages name in settings, each once."""

from __future__ import annotations

import pytest
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.source.served_urlconfs import ServedURLconf, served_urlconfs
from tests.urlconfs.serving import findings, line_with, serving

URL_CODES = (ids.W301.id, ids.W302.id, ids.W303.id, ids.W305.id)

ROOT_FINDINGS = [
    ("api.py", line_with("api", "W303"), "/api/persons/<int:pk>/ puts the internal integer ID "
     "<pk> in the URL."),
    ("legacy.py", line_with("legacy", "W301"), "The URL pattern /old/ has no name."),
    ("www.py", line_with("www", "W301"), "The URL pattern /articles/<slug>/ has no name."),
    ("www.py", line_with("www", "W302"), "include() at / mounts tests.urlconfs.legacy without "
     "a namespace."),
]  # fmt: skip


def docs_findings(served_by: str) -> list[tuple[str, int | None, str]]:
    return [
        ("docs.py", line_with("docs", "W301"), f"The URL pattern /sitemap.xml ({served_by}) "
         "has no name."),
        ("docs.py", line_with("docs", "W302"), f"include() at / ({served_by}) mounts "
         "tests.urlconfs.legacy without a namespace."),
        ("docs_base.py", line_with("docs_base", "W301"), f"The URL pattern /<lang>/ "
         f"({served_by}) has no name."),
        ("docs_base.py", line_with("docs_base", "W303"), f"/<lang>/<int:pk>/ ({served_by}) "
         "puts the internal integer ID <pk> in the URL."),
    ]  # fmt: skip


def test_only_the_root_without_hosts() -> None:
    with serving():
        assert findings(*URL_CODES) == ROOT_FINDINGS


def test_every_host_of_the_hostconf_is_walked_once() -> None:
    """The www host serves ROOT_URLCONF: walked once, as the root. The docs host's routes are
    named after it; legacy, mounted by both, is judged once; "home" in both is no clash."""
    with serving(ROOT_HOSTCONF="tests.urlconfs.hosts"):
        assert findings(*URL_CODES) == sorted(ROOT_FINDINGS + docs_findings("host 'docs'"))


def test_the_hosts_of_django_hosts_itself() -> None:
    pytest.importorskip("django_hosts")
    with serving(ROOT_HOSTCONF="tests.urlconfs.django_hosts_conf"):
        assert findings(*URL_CODES) == sorted(ROOT_FINDINGS + docs_findings("host 'docs'"))


def test_a_tenant_packages_public_urlconf() -> None:
    with serving(PUBLIC_SCHEMA_URLCONF="tests.urlconfs.docs"):
        assert findings(*URL_CODES) == sorted(
            ROOT_FINDINGS + docs_findings("PUBLIC_SCHEMA_URLCONF")
        )


def test_w604_on_a_view_only_another_host_reaches() -> None:
    with serving():
        assert findings(ids.W604.id) == []
    with serving(ROOT_HOSTCONF="tests.urlconfs.hosts"):
        assert findings(ids.W604.id) == [
            (
                "views.py",
                line_with("views", "def hook("),
                "View hook is csrf_exempt and reachable at /hooks/ (host 'docs'): its POSTs skip "
                "CSRF protection, and it may act on the session or user of the browser calling it.",
            )
        ]


def test_w304_on_a_path_only_another_host_serves() -> None:
    with serving():
        assert findings(ids.W304.id) == []
    with serving(ROOT_HOSTCONF="tests.urlconfs.hosts"):
        [message] = [m for m in run_guardrail_checks() if m.id == ids.W304.id]
    assert (message.line, message.msg) == (
        line_with("views", "W304"),
        "The path '/hooks/' is written out by hand; it is the route 'hook' (host 'docs').",
    )
    assert message.hint == (
        'Use redirect("hook"): the link follows the route when its path changes. Outside its '
        'requests, pass urlconf="tests.urlconfs.docs" to reverse().'
    )


def test_the_urlconfs_tenant_and_subdomain_packages_name() -> None:
    www, docs = "tests.urlconfs.www", "tests.urlconfs.docs"
    with override_settings(
        ROOT_URLCONF=www,
        TENANT_TYPES={"public": {"APPS": [], "URLCONF": www}, "shop": {"URLCONF": docs}},
        TENANTS={"www": {"URLCONF": docs}, "default": {"URLCONF": www}},
        SUBDOMAIN_URLCONFS={None: www, "docs": docs},
    ):
        assert served_urlconfs() == [
            ServedURLconf(www, ""),
            ServedURLconf(docs, "TENANT_TYPES['shop']"),
        ]
    with override_settings(ROOT_URLCONF=www, TENANTS={"www": {"URLCONF": docs}}):
        assert served_urlconfs()[1] == ServedURLconf(docs, "TENANTS['www']")
    with override_settings(ROOT_URLCONF=www, SUBDOMAIN_URLCONFS={None: docs}):
        assert served_urlconfs()[1] == ServedURLconf(docs, "SUBDOMAIN_URLCONFS[None]")


def test_settings_of_other_shapes_and_broken_hostconfs_are_skipped() -> None:
    with override_settings(
        ROOT_URLCONF="tests.urlconfs.www",
        TENANTS=["acme", "globex"],  # another package's setting of the same name
        TENANT_TYPES={"shop": "not a dict"},
        SUBDOMAIN_URLCONFS={"api": 42, "missing": "tests.urlconfs.no_such_module"},
        ROOT_HOSTCONF="tests.urlconfs.no_such_hostconf",
    ):
        assert served_urlconfs() == [ServedURLconf("tests.urlconfs.www", "")]
    with serving(ROOT_HOSTCONF="tests.urlconfs.views"):  # a module without host_patterns
        found = {m.id for m in run_guardrail_checks()}
    assert ids.W002.id not in found
