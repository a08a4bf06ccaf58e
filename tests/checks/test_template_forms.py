"""W606 judges forms whose start tag holds template code; W603 finds |safe in tags too."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.security.templates import _findings, post_forms_without_token


def lines(template: str) -> list[int]:
    return list(post_forms_without_token(textwrap.dedent(template)))


def test_a_form_whose_attributes_hold_template_code_is_judged() -> None:
    assert lines("""\
        <form method="post" action="{% url 'shop:checkout' order.pk %}">
          <button>Pay</button>
        </form>
        <form {% if compact %}class="compact"{% endif %} method="POST"
              action="{{ request.path }}" data-next="{{ next|urlencode }}">
          {{ form.as_div }}
        </form>
        <form
            method='post'
            {% block form_attributes %}{% endblock %}>
          <input name="q">
        </form>
        """) == [1, 4, 8]


def test_the_method_counts_only_when_post_is_written_out() -> None:
    assert lines("""\
        <form method="{{ method }}" action="{% url 'search' %}"><input name="q"></form>
        <form method="{{ method|default:'post' }}"><input name="q"></form>
        <form method="{% if editing %}post{% else %}get{% endif %}"><input name="q"></form>
        <form action="{% url 'search' %}"><input name="q"></form>
        """) == [3]


@override_settings(ALLOWED_HOSTS=["shop.example.com", ".example.org", "*"])
def test_a_form_posting_to_another_site_stays_silent() -> None:
    assert lines("""\
        <form method="post" action="https://payments.example.net/donate?id={{ id }}"></form>
        <form method="post" action="//payments.example.net/donate"></form>
        <form method="post" action="https://{{ gateway_host }}/pay"></form>
        <form method="post" action="mailto:sales@example.com"></form>
        <form method="post" action="https://shop.example.com/cart/{{ cart.pk }}/"></form>
        <form method="post" action="https://www.example.org:8443/login/"></form>
        <form method="post" action="/cart/"></form>
        """) == [5, 6, 7]


def test_whatever_may_bring_the_token_keeps_the_form_silent() -> None:
    assert lines("""\
        <form method="post">{% csrf_token %}</form>
        <form method="post"><input type="hidden" name="csrfmiddlewaretoken"
          value="{{ csrf_token }}"></form>
        <form method="post">{% include "shop/fields.html" %}</form>
        <form method="post">{% block fields %}{% endblock %}</form>
        {% csrf_token %}<form method="post"></form>
        """) == [6]


def test_forms_that_are_no_forms_are_not_judged() -> None:
    assert (
        lines("""\
        {% comment %}<form method="post"></form>{% endcomment %}
        {# <form method="post"></form> #}
        <!-- <form method="post"></form> -->
        <script>const html = '<form method="post"></form>';</script>
        {% verbatim %}{{ not a tag }}{% endverbatim %}
        <form method="post" action="{% url 'opened' %}">
        """)
        == []
    )


def test_start_tags_in_branches_are_each_judged() -> None:
    assert lines("""\
        {% if step == 1 %}<form method="get">{% else %}
          <form method="post">{% endif %}
        <input name="q">
        </form>
        {% if edit %}<form method="post">{% else %}<form method="post" class="new">{% endif %}
        {% csrf_token %}
        </form>
        """) == [2]


def test_safe_inside_a_tag_is_found_but_not_in_tags_that_output_nothing() -> None:
    found = [
        what
        for _, what in _findings(
            "{% with body=entry.body|safe %}{{ body }}{% endwith %}\n"
            "{% if entry.body|safe %}yes{% endif %}\n"
            "{% include 'card.html' with text=card.text|safe %}\n"
            '{% with note="<b>"|safe %}{{ note }}{% endwith %}\n'
        )
    ]
    assert found == [
        "|safe in {% with body=entry.body|safe %}",
        "|safe in {% include 'card.html' with text=card.text|safe %}",
    ]


@pytest.mark.django_db
def test_the_form_really_is_rejected_without_a_token() -> None:
    """What W606 warns about: Django answers such a POST with 403."""
    client = Client(enforce_csrf_checks=True)
    url = reverse("clean:book_list")
    assert client.post(url).status_code == 403


def test_w606_names_the_form_of_a_dirs_template(tmp_path: Path) -> None:
    template = tmp_path / "templates" / "checkout.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '<form class="checkout"\n      method="post" action="{% url \'checkout\' %}">\n</form>\n'
    )
    engine = {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [str(template.parent)],
        "APP_DIRS": True,
    }
    with override_settings(TEMPLATES=[engine]):
        [message] = [
            m for m in run_guardrail_checks() if m.id == ids.W606.id and m.file == str(template)
        ]
    assert message.line == 1
    assert message.hint == "Add {% csrf_token %} inside the <form>."
