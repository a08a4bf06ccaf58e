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
    assert (
        found["Article"].hint
        == 'Add to Article: def __str__(self) -> str: return f"Article {self.pk}"'
    )
    assert (
        found["Unmanaged"].hint
        == 'Add to Unmanaged: def __str__(self) -> str: return f"Unmanaged {self.pk}"'
    )


def test_the_hint_names_a_field_that_says_which_row_never_a_secret_or_a_code(
    make_app: MakeApp,
) -> None:
    """__str__ shows in the admin, logs and error reports: the hint never offers a field that
    holds a credential, and offers a text field only when it names the row (unique, or named
    so), never a status or a choice code shared by many rows."""
    models_py = make_app(
        """\
        from django.db import models


        class TwoFactor(models.Model):
            otp_secret = models.CharField(max_length=32, unique=True)
            api_key = models.CharField(max_length=40, unique=True)
            key = models.CharField(max_length=40, unique=True)
            password_hash = models.CharField(max_length=128, unique=True)
            status = models.CharField(max_length=10)


        class Member(models.Model):
            role = models.CharField(max_length=1, choices=[("r", "Reader"), ("w", "Writer")])
            scheme = models.CharField(max_length=10)


        class Email(models.Model):
            status = models.CharField(max_length=10)
            subject = models.CharField(max_length=100)
            body = models.TextField()


        class ApiToken(models.Model):
            token = models.CharField(max_length=40, unique=True)
            name = models.CharField(max_length=40)


        class Country(models.Model):
            title = models.CharField(max_length=40)
            iso_code = models.CharField(max_length=2, unique=True)


        class Currency(models.Model):
            iso_code = models.CharField(max_length=3, unique=True)


        class PasswordReset(models.Model):
            reset_code = models.CharField(max_length=40, unique=True)


        class Device(models.Model):
            passcode = models.CharField(max_length=8, unique=True)


        class Card(models.Model):
            card_number = models.CharField(max_length=19, unique=True)
            holder_name = models.CharField(max_length=40)


        class Citizen(models.Model):
            social_security_number = models.CharField(max_length=11, unique=True)
            name = models.CharField(max_length=40)


        class Level(models.Model):
            access_level_name = models.CharField(max_length=40)
            access_code = models.CharField(max_length=8, unique=True)


        class Wallet(models.Model):
            passport = models.CharField(max_length=9, unique=True)
            driver_license = models.CharField(max_length=9, unique=True)
            bank_account = models.CharField(max_length=20, unique=True)
            card_number_masked = models.CharField(max_length=19, unique=True)
            cardNumber = models.CharField(max_length=19, unique=True)


        class CreditCard(models.Model):
            number = models.CharField(max_length=19, unique=True)


        class Invoice(models.Model):
            number = models.CharField(max_length=19, unique=True)
        """
    )
    hints = {m.obj.__name__: m.hint for m in w201() if m.file == str(models_py)}
    body = {name: hint.split("-> str: ", 1)[1] for name, hint in hints.items() if hint}
    assert body == {
        "TwoFactor": 'return f"TwoFactor {self.pk}"',
        "Member": 'return f"Member {self.pk}"',
        "Email": "return self.subject",
        "ApiToken": "return self.name",
        "Country": "return self.title",  # a naming field before a merely unique one
        "Currency": "return self.iso_code",
        "PasswordReset": 'return f"PasswordReset {self.pk}"',
        "Device": 'return f"Device {self.pk}"',
        "Card": "return self.holder_name",
        "Citizen": "return self.name",
        "Level": "return self.access_level_name",  # a word before a name is no secret
        "Wallet": 'return f"Wallet {self.pk}"',
        "CreditCard": 'return f"CreditCard {self.pk}"',  # the model says whose number it is
        "Invoice": "return self.number",
    }


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
