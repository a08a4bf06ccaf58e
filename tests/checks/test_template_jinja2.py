"""W603/W606 on templates of a Jinja2 engine, read with the engine's own lexer."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage

pytest.importorskip("jinja2")

MakeApp = Callable[[str], Path]

PAGE = """\
{% extends "base.jinja" %}
{% from "forms.jinja" import fields, submit as button %}
{% block content %}
<h1>{{ product.name | safe }}</h1>
<p>{{ "&copy; Shop"|safe }} {{ product.price|round(2) }}</p>
{% autoescape false %}{{ product.blurb }}{% endautoescape %}
{% autoescape true %}{{ product.note }}{% endautoescape %}
{# <form method="post"></form> #}
<form method="post" action="{{ url('checkout') }}">
  <button>Buy</button>
</form>
<form method="post">{{ csrf_input }}</form>
<form method="post">{{ fields(form) }}</form>
<form method="post">{{ form.as_div() }}</form>
{% set teaser = product.teaser|safe %}
{% endblock %}
"""


def jinja_engine(dirs: list[Path], *, app_dirs: bool = False, **options: Any) -> dict[str, Any]:
    return {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [str(d) for d in dirs],
        "APP_DIRS": app_dirs,
        "OPTIONS": options,
    }


def messages(check_id: ids.CheckId, under: Path) -> list[GuardrailsMessage]:
    return sorted(
        (
            m
            for m in run_guardrail_checks()
            if m.id == check_id.id and str(m.file).startswith(str(under))
        ),
        key=lambda m: (str(m.file), m.line or 0),
    )


def test_jinja2_templates_in_dirs_are_judged(tmp_path: Path) -> None:
    page = tmp_path / "jinja2" / "shop" / "product.jinja"
    page.parent.mkdir(parents=True)
    page.write_text(PAGE)
    with override_settings(TEMPLATES=[jinja_engine([tmp_path / "jinja2"])]):
        w603 = [
            (m.line, m.msg.split("(", 1)[1].split(")")[0]) for m in messages(ids.W603, tmp_path)
        ]
        w606 = messages(ids.W606, tmp_path)
    assert w603 == [
        (4, "|safe on {{ product.name }}"),
        (6, "{% autoescape false %}"),
        (15, "|safe in {% set teaser = product.teaser|safe %}"),
    ]
    assert [(m.line, m.hint) for m in w606] == [
        (9, "Add {{ csrf_input }} inside the <form>."),
        (14, "Add {{ csrf_input }} inside the <form>."),
    ]


def test_custom_delimiters_of_the_environment_are_respected(tmp_path: Path) -> None:
    page = tmp_path / "jinja2" / "page.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        textwrap.dedent("""\
        <p>{{ not a variable here|safe }}</p>
        <p>[[ comment.body|safe ]]</p>
        <form method="post">[[ csrf_input ]]</form>
        """)
    )
    options: dict[str, Any] = {"variable_start_string": "[[", "variable_end_string": "]]"}
    with override_settings(TEMPLATES=[jinja_engine([tmp_path / "jinja2"], **options)]):
        assert [m.line for m in messages(ids.W603, tmp_path)] == [2]
        assert messages(ids.W606, tmp_path) == []


def test_the_apps_jinja2_directories_are_read_with_app_dirs(make_app: MakeApp) -> None:
    models_py = make_app("")
    page = models_py.parent / "jinja2" / "page.html"
    page.parent.mkdir()
    page.write_text("<p>{{ body|safe }}</p>\n")
    django_page = models_py.parent / "templates" / "page.html"
    django_page.parent.mkdir()
    django_page.write_text("<p>{{ body|safe }}</p>\n")
    root = models_py.parent
    with override_settings(TEMPLATES=[jinja_engine([], app_dirs=True)]):
        assert [os.path.relpath(str(m.file), root) for m in messages(ids.W603, root)] == [
            os.path.join("jinja2", "page.html")
        ]


def test_an_engine_that_never_escapes_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "jinja2").mkdir()
    engines = [
        jinja_engine([tmp_path / "jinja2"], autoescape=False),
        {**jinja_engine([tmp_path / "jinja2"]), "NAME": "escaping"},
    ]
    with override_settings(TEMPLATES=engines):
        [message] = [m for m in run_guardrail_checks() if m.id == ids.W603.id and "engine" in m.msg]
    assert message.msg.startswith("The Jinja2 engine 'jinja2' renders HTML templates without")
    assert 'OPTIONS["autoescape"]' in str(message.hint)


def test_an_engine_that_escapes_is_not_reported(tmp_path: Path) -> None:
    (tmp_path / "jinja2").mkdir()
    with override_settings(TEMPLATES=[jinja_engine([tmp_path / "jinja2"])]):
        assert [
            m for m in run_guardrail_checks() if m.id == ids.W603.id and "engine" in m.msg
        ] == []
