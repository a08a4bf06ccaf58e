from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

MakeApp = Callable[[str], Path]


def w601(app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    return [m for m in run_guardrail_checks(app_configs) if m.id == ids.W601.id]


def lines_of(path: Path, needle: str) -> list[int]:
    return [n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line]


def test_w601_fires_in_the_broken_app() -> None:
    import broken.reports

    found = {(m.line, m.msg) for m in w601("broken")}
    path = Path(broken.reports.__file__)
    assert found == {
        (
            lines_of(path, "cursor.execute(f")[0],
            "SQL built with an f-string is passed to execute() in invoice_numbers_over(): "
            "an injection risk.",
        ),
        (
            lines_of(path, "Invoice.objects.raw(sql)")[0],
            "SQL built with % formatting is passed to raw() in invoices_numbered(): "
            "an injection risk.",
        ),
    }
    assert all("as parameters" in str(m.hint) for m in w601("broken"))


def test_w601_silent_on_parameters_and_quoted_identifiers() -> None:
    assert w601("clean") == []


@pytest.mark.django_db
def test_the_clean_report_really_runs() -> None:
    from clean.reports import titles_by

    assert titles_by("nobody") == []
    from broken.reports import invoice_numbers_over

    assert invoice_numbers_over(Decimal("0")) == []


def test_w601_shapes(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import connection
        from django.db.models.expressions import RawSQL


        def shapes(value, Model):
            cursor = connection.cursor()
            cursor.execute("SELECT 1 WHERE a = " + value)  # concat
            cursor.execute("SELECT 1 WHERE a = {}".format(value))  # format
            query = f"SELECT {value}"
            cursor.executemany(query, [])  # indirect
            Model.objects.extra(where=["a = %s" % value])
            RawSQL(f"SELECT {value}", ())  # rawsql
            cursor.execute("SELECT 1 WHERE a = %s", [value])
            cursor.execute(f"SELECT * FROM {Model._meta.db_table}")
            cursor.execute("SELECT " + "1")
            cursor.execute(f"SELECT 1")
        """
    )
    found = sorted(
        (m.line, m.msg.split(" is passed")[0]) for m in w601() if m.file == str(models_py)
    )
    assert found == [
        (7, "SQL built with + concatenation"),
        (8, "SQL built with str.format()"),
        (10, "SQL built with an f-string"),
        (12, "SQL built with an f-string"),
    ]


def test_w602_fires_on_an_unescaped_value() -> None:
    import broken.formatting

    [message] = [m for m in run_guardrail_checks() if m.id == ids.W602.id]
    assert message.file == broken.formatting.__file__
    assert message.msg.startswith("mark_safe() in customer_badge() marks a value")
    assert "format_html" in str(message.hint)


def test_w602_silent_on_literals_and_escaped_values(make_app: MakeApp) -> None:
    assert w602("clean") == []
    models_py = make_app(
        """\
        from django.utils.html import format_html
        from django.utils.safestring import SafeString, mark_safe


        def helpers(value):
            a = mark_safe("<br>")
            b = SafeString(format_html("<b>{}</b>", value))
            c = SafeString(value)  # fires
            return a, b, c
        """
    )
    assert [m.line for m in w602() if m.file == str(models_py)] == [8]


@pytest.mark.django_db
def test_the_badges_render() -> None:
    from broken.formatting import customer_badge
    from broken.models import Customer
    from clean.formatting import author_badge, divider, escaped_name
    from clean.models import Author

    author = Author(name="<Ann>")
    assert author_badge(author) == "<span class='badge'>&lt;Ann&gt;</span>"
    assert escaped_name(author) == "&lt;Ann&gt;"
    assert divider() == "<hr class='divider'>"
    assert "<Bob>" in customer_badge(Customer(name="<Bob>"))


def w602(app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    return [m for m in run_guardrail_checks(app_configs) if m.id == ids.W602.id]


HELPERS = """\
from django.utils.html import format_html


def badge(label):
    return format_html("<span class='badge'>{}</span>", label)


def raw_badge(label):
    return f"<span class='badge'>{label}</span>"
"""

MARKS = """\
import html

import bleach
from django.conf import settings
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from pygments import highlight
from pygments.formatters import HtmlFormatter

from . import helpers
from .helpers import badge, raw_badge
from {label}.helpers import badge as absolute_badge

ARROW = "&rarr;"
FOOTER = getattr(settings, "FOOTER", "")


def code_block(code):
    return format_html("<pre>{{}}</pre>", code)


def plain(code):
    return "<pre>" + code + "</pre>"


class Widget:
    help_text = mark_safe(_("Use <b>letters</b> only."))
    title = mark_safe(f"<h2>{{ARROW}}</h2>")
    footer = mark_safe(FOOTER)  # fires

    def _without_name(self, rendered, name):
        return rendered.replace(f'name="{{name}}"', "")

    def render(self, name, value):
        rendered = super().render(name, value)
        return mark_safe(self._without_name(rendered, name))

    def render_group(self, context, renderer=None):
        return mark_safe(renderer.render("widgets/group.html", context))


def silent(value, items, code, lexer):
    return [
        mark_safe(code_block(value)),
        mark_safe(highlight(code, lexer, HtmlFormatter())),
        mark_safe(bleach.clean(value)),
        mark_safe(html.escape(value) + ARROW),
        mark_safe("".join(format_html("<li>{{}}</li>", i) for i in items)),
        mark_safe(f"<b>{{escape(value)}}</b>"),
        mark_safe(_("Hello %(name)s") % {{"name": escape(value)}}),
        mark_safe(badge(value)),
        mark_safe(helpers.badge(value)),
        mark_safe(absolute_badge(value)),
        SafeString(format_html_join("", "<li>{{}}</li>", ((x,) for x in items))),
        mark_safe("&nbsp;" * len(items)),
        mark_safe(f"<img{{flatatt({{'alt': value}})}}>"),
    ]


def fires(value, items, flag):
    listing = ""
    for item in items:
        listing += f"<li>{{item}}</li>"
    parts = []
    for item in items:
        parts.append("<li>%s</li>" % item)
    if flag:
        label = value
    else:
        label = escape(value)
    return [
        mark_safe(listing),  # fires
        mark_safe("".join(parts)),  # fires
        mark_safe(escape(value) if flag else value),  # fires
        mark_safe(label),  # fires
        mark_safe(format_html(f"<b>{{value}}</b>")),  # fires
        mark_safe(plain(value)),  # fires
        mark_safe(raw_badge(value)),  # fires
        mark_safe(helpers.raw_badge(value)),  # fires
        mark_safe("<b>{{}}</b>".format(value)),  # fires
        mark_safe("<b>" + value + "</b>"),  # fires
        mark_safe(value * 2),  # fires
    ]
"""


def test_w602_follows_values_through_helpers_builders_and_branches(make_app: MakeApp) -> None:
    package = make_app("").parent
    (package / "helpers.py").write_text(HELPERS)
    marks = package / "marks.py"
    marks.write_text(MARKS.format(label=package.name))
    found = sorted((m.line, m.msg) for m in w602() if m.file == str(marks))
    assert [line for line, _ in found] == lines_of(marks, "# fires")
    assert found[0][1] == (
        "mark_safe() in class Widget marks a value that was not escaped as safe HTML: an XSS risk."
    )
    assert found[1][1].startswith("mark_safe() in fires() marks a value")
    assert [m for m in w602() if m.file == str(package / "helpers.py")] == []


URL_MARKS = """\
from urllib import parse
from urllib.parse import quote, urlencode

from django.template.defaultfilters import urlencode as urlencode_filter
from django.utils.http import urlencode as django_urlencode
from django.utils.safestring import mark_safe


def silent(request, value):
    query = request.GET.copy()
    query["page"] = value
    encoded = query.urlencode()
    return [
        mark_safe("?" + encoded),
        mark_safe("?" + request.GET.urlencode(safe="/")),
        mark_safe("?" + urlencode({"q": value})),
        mark_safe("/tags/" + quote(value)),
        mark_safe("/tags/" + parse.quote_plus(value, safe="")),
        mark_safe(f"?{django_urlencode({'q': value}, doseq=True)}"),
        mark_safe(urlencode_filter(value)),
    ]


def fires(request, value, safe):
    return [
        mark_safe("?" + request.GET.get("q", "")),  # fires
        mark_safe("/tags/" + quote(value, safe="<>")),  # fires
        mark_safe("?" + request.GET.urlencode(safe)),  # fires
        mark_safe("?" + urlencode({"q": value}, quote_via=value)),  # fires
        mark_safe(value + urlencode({"q": value})),  # fires
    ]
"""


def test_w602_counts_url_encoders_as_escaped(make_app: MakeApp) -> None:
    package = make_app("").parent
    marks = package / "marks.py"
    marks.write_text(URL_MARKS)
    found = sorted(m.line or 0 for m in w602() if m.file == str(marks))
    assert found == lines_of(marks, "# fires")


def test_url_encoders_really_leave_no_quote_or_bracket() -> None:
    from urllib.parse import quote, quote_plus, urlencode

    from django.http import QueryDict
    from django.template.defaultfilters import urlencode as urlencode_filter

    hostile = "\"'<script>&amp; é/"
    query = QueryDict(mutable=True)
    query["q"] = hostile
    outputs = [
        query.urlencode(),
        query.urlencode(safe="/"),
        urlencode({"q": hostile}),
        quote(hostile),
        quote_plus(hostile),
        urlencode_filter(hostile),
    ]
    for output in outputs:
        assert not set("<>\"'") & set(output), output
