"""W603 on plain-text templates (silent unless rendered within markup) and on names bound to
literals in the same template."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from django.contrib.syndication.views import Feed
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.security.templates import _findings


def write(root: Path, name: str, text: str) -> None:
    path = root / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))


def w603(root: Path) -> list[GuardrailsMessage]:
    engine = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [str(root / "templates")],
            "APP_DIRS": False,
        }
    ]
    with override_settings(TEMPLATES=engine):
        return sorted(
            (
                m
                for m in run_guardrail_checks()
                if m.id == ids.W603.id and str(m.file).startswith(str(root))
            ),
            key=lambda m: (str(m.file), m.line or 0),
        )


def names(messages: list[GuardrailsMessage], root: Path) -> list[str]:
    return [os.path.relpath(str(m.file), root / "templates") for m in messages]


def test_plain_text_templates_are_silent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "emails/subject.txt", "{{ check.name|safe }} is down\n")
    write(tmp_path, "sms/message.html", "Check {{ check.name|safe }}: {{ status }} (a < b)\n")
    write(tmp_path, "hooks/payload.json", '{"name": "{{ check.name|safe }}"}\n')
    write(tmp_path, "emails/body.txt", "{% autoescape off %}Hi {{ user.name }}{% endautoescape %}")
    assert w603(tmp_path) == []


def test_markup_templates_fire_whatever_their_extension(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "page.html", '<a href="{{ url }}">{{ title|safe }}</a>\n')
    write(tmp_path, "sitemap.xml", "<?xml version='1.0'?><loc>{{ url|safe }}</loc>\n")
    write(tmp_path, "note.txt", "Hello<br/>{{ name|safe }}\n")
    assert names(w603(tmp_path), tmp_path) == ["note.txt", "page.html", "sitemap.xml"]


def test_plain_text_included_by_html_fires_and_names_the_includer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "parts/name.txt", "{{ check.name|safe }}\n")
    write(tmp_path, "parts/line.txt", '{% include "parts/name.txt" %} is up\n')
    write(tmp_path, "page.html", '<p>{% include "parts/line.txt" %}</p>\n')
    write(tmp_path, "subject.txt", '{% include "parts/name.txt" %}\n')  # plain: no harm
    [message] = w603(tmp_path)
    assert names([message], tmp_path) == ["parts/name.txt"]
    assert (
        "reaches HTML: included by templates/parts/line.txt, included by templates/page.html"
        in (message.msg)
    )


def test_extends_links_a_template_with_its_html_parent_and_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "base.html", "<html>{% block body %}{% endblock %}</html>\n")
    write(
        tmp_path,
        "child.html",
        '{% extends "base.html" %}{% block body %}{{ x|safe }}{% endblock %}',
    )
    write(tmp_path, "text_base.txt", "{{ greeting|safe }} {% block body %}{% endblock %}\n")
    write(
        tmp_path,
        "html_child.html",
        '{% extends "text_base.txt" %}{% block body %}<b>!</b>{% endblock %}',
    )
    write(tmp_path, "mail_base.txt", "{{ greeting|safe }} {% block body %}{% endblock %}\n")
    write(tmp_path, "mail.txt", '{% extends "mail_base.txt" %}{% block body %}bye{% endblock %}')
    found = w603(tmp_path)
    assert names(found, tmp_path) == ["child.html", "text_base.txt"]
    assert "extending templates/base.html" in found[0].msg
    assert "extended by templates/html_child.html" in found[1].msg


class _StatusFeed(Feed):  # type: ignore[type-arg]
    title = "Status"
    link = "/status/"
    description_template = "feeds/status_item.txt"


def test_a_feed_description_template_is_html(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "feeds/status_item.txt", "{{ obj.summary|safe }}\n")
    write(tmp_path, "feeds/other_item.txt", "{{ obj.summary|safe }}\n")
    [message] = w603(tmp_path)
    assert names([message], tmp_path) == ["feeds/status_item.txt"]
    assert "rendered as the HTML description template of the feed _StatusFeed" in message.msg


def whats(text: str) -> list[str]:
    return [what for _, what in _findings(text)]


def test_names_bound_only_to_literals_are_silent() -> None:
    assert (
        whats("{% for r in rows %}{% cycle '' '</tr><tr>' as tr silent %}{{ tr|safe }}{% endfor %}")
        == []
    )
    assert whats('{% with sep="<br>" %}{{ sep|safe }}{% endwith %}') == []
    assert whats('{% with "<br>" as sep %}{{ sep|safe }}{% endwith %}') == []
    assert whats('{% firstof "<b>" "<i>" as tag %}{{ tag|safe }}') == []


def test_names_that_may_hold_a_variable_fire() -> None:
    assert whats("{% cycle '' row.html as tr silent %}{{ tr|safe }}") == ["|safe on {{ tr }}"]
    assert whats('{% firstof user.bio "-" as bio %}{{ bio|safe }}') == ["|safe on {{ bio }}"]
    # Outside its {% with %} the name comes from the context.
    assert whats('{% with sep="<br>" %}{% endwith %}{{ sep|safe }}') == ["|safe on {{ sep }}"]
    # Bound once to a variable anywhere in the template: never counted literal.
    text = '{% with sep="<br>" %}{{ sep|safe }}{% endwith %}{% with sep=x %}{% endwith %}'
    assert whats(text) == ["|safe on {{ sep }}"]
    assert whats("{% cycle 'a' 'b' as tr %}{{ tr.x|safe }}") == ["|safe on {{ tr.x }}"]
