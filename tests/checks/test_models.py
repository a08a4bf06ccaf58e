from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.apps import apps

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.models.checks import defines_str

MakeApp = Callable[[str], Path]


def w201(app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    return [m for m in run_guardrail_checks(app_configs) if m.id == ids.W201.id]


def test_fires_on_concrete_models_without_str() -> None:
    from broken.models import Invoice

    [invoice] = [m for m in w201("broken") if m.obj is Invoice]
    assert invoice == ids.W201.message(
        'Model broken.Invoice has no __str__: it shows as "Invoice object (1)" in the admin, '
        "shell and logs.",
        hint="Add to Invoice: def __str__(self) -> str: return self.number",
        obj=Invoice,
    )


def test_silent_on_the_clean_app() -> None:
    assert w201("clean") == []


def test_inherited_str_counts_and_proxy_abstract_and_through_models_are_skipped(
    make_app: MakeApp,
) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Labelled:
            def __str__(self) -> str:
                return "label"


        class Named(models.Model):
            name = models.CharField(max_length=20)

            class Meta:
                abstract = True

            def __str__(self) -> str:
                return self.name


        class NoStrBase(models.Model):
            class Meta:
                abstract = True


        class FromAbstract(Named):
            pass


        class FromMixin(Labelled, models.Model):
            pass


        class Tag(models.Model):
            label = models.SlugField()
            def __str__(self) -> str:
                return self.label


        class Article(NoStrBase):
            tags = models.ManyToManyField(Tag)


        class ArticleProxy(Article):
            class Meta:
                proxy = True


        class Unmanaged(models.Model):
            code = models.TextField()

            class Meta:
                managed = False
        """
    )
    found = {m.obj.__name__: m for m in w201() if m.file == str(models_py)}
    assert sorted(found) == ["Article", "Unmanaged"]
    lines = models_py.read_text().splitlines()
    assert found["Article"].line is not None
    assert lines[found["Article"].line - 1] == "class Article(NoStrBase):"
    assert found["Article"].hint == 'Add to Article: def __str__(self) -> str: return f"{self.pk}"'
    assert found["Unmanaged"].hint == "Add to Unmanaged: def __str__(self) -> str: return self.code"


def test_third_party_models_are_never_judged() -> None:
    from django.contrib.sessions.models import Session

    judged = {m.obj for m in w201()}
    assert Session not in judged
    assert not any(m.obj._meta.app_label in {"auth", "admin", "contenttypes"} for m in w201())


def test_defines_str() -> None:
    from broken.models import Invoice
    from clean.models import Publisher

    assert not defines_str(Invoice)
    assert defines_str(Publisher)
