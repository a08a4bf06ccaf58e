"""2xx: models of the project's own apps."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.checks import CheckMessage
from django.db import models

from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import CheckScope
from django_guardrails.checks.models.source import model_source
from django_guardrails.secret_values import secret_name

_LABEL_FIELDS = (models.CharField, models.TextField)  # SlugField, EmailField are CharFields
# Names that say what a row is. A field is offered only when its name is one of these or its
# values are unique: any other text (a status, a scheme, a role code) names no row.
_NAMING = ("name", "title", "label", "username", "email", "slug", "subject", "headline", "number")
_NAMING_SUFFIXES = ("_name", "_title")
# A field that holds a credential, a digest or a personal identifier: never offered, as
# __str__ shows in the admin, in logs and in error reports. Read off the words of its name:
# some always say so; others only before a code or number (``reset_code``, ``card_number``,
# ``access_code``, but not ``access_level_name`` or ``card_title``).
_SECRET_WORDS = frozenset(
    {"key", "keys", "hash", "salt", "otp", "totp", "hotp", "mfa", "pin", "nonce", "signature"}
    | {"digest", "seed", "passcode", "ssn", "iban", "cvv", "cvc", "passport", "credit"}
)
# Words that say so as the last word of the name (``driver_license``, ``bank_account``), or
# before a code or number (``access_code``, ``card_number``), not before a name.
_SECRET_LAST = frozenset({"card", "license", "licence", "account", "passport"})
_SECRET_BEFORE_CODE = _SECRET_LAST | frozenset(
    {"pass", "reset", "verification", "verify", "activation", "activate", "auth", "recovery"}
    | {"backup", "confirmation", "confirm", "security", "access", "unlock", "oauth", "invite"}
    | {"invitation", "social", "tax", "national", "bank"}
)
_CODES = frozenset({"code", "codes", "number", "no", "id"})
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(name: str) -> list[str]:
    """``card_number`` and ``cardNumber`` alike: ["card", "number"]."""
    return [word.lower() for word in _WORD.findall(name)]


def _holds_a_secret(name: str, model_name: str) -> bool:
    """Whether field ``name`` of ``model_name`` holds a credential or a personal identifier
    by the words of their names: ``CreditCard.number`` as ``card_number``."""
    words = _words(name)
    if not words:
        return False
    if _SECRET_WORDS.intersection(words) or words[-1] in _SECRET_LAST:
        return True
    coded = [index for index, word in enumerate(words) if word in _CODES]
    if not coded:
        return False
    before = words[: coded[0]] or _words(model_name)  # ``card_number_masked`` too
    return bool(_SECRET_BEFORE_CODE.intersection(before) | _SECRET_WORDS.intersection(before))


def defines_str(model: type[models.Model]) -> bool:
    """True when a class between ``model`` and ``models.Model`` defines ``__str__``.

    That covers a ``__str__`` inherited from an abstract base model or a mixin.
    """
    for klass in model.__mro__:
        if klass is models.Model:
            return False
        if "__str__" in vars(klass):
            return True
    return False


def _naming_field(model: type[models.Model]) -> str | None:
    """The text field that best says which row it is: one named for it (``name``,
    ``title``, ``*_name``), else a unique one; never one with choices (a code), a null one,
    or one whose name says it holds a secret or a personal identifier."""
    ranked = []
    for order, field in enumerate(model._meta.concrete_fields):
        if (
            not isinstance(field, _LABEL_FIELDS)
            or field.primary_key
            or field.null
            or field.choices
            or secret_name(field.name.upper())
            or _holds_a_secret(field.name, model.__name__)
        ):
            continue
        name = field.name.lower()
        named = name in _NAMING or name.endswith(_NAMING_SUFFIXES)
        if not (field.unique or named):
            continue
        # A name that says what the row is first, then a unique value, then the rest.
        preference = _NAMING.index(name) if name in _NAMING else len(_NAMING)
        ranked.append(
            (
                not named,
                preference,
                not field.unique,
                isinstance(field, models.TextField),
                order,
                field.name,
            )
        )
    return min(ranked)[-1] if ranked else None


def _str_hint(model: type[models.Model]) -> str:
    field = _naming_field(model)
    body = f"return self.{field}" if field else f'return f"{model.__name__} {{self.pk}}"'
    return f"Add to {model.__name__}: def __str__(self) -> str: {body}"


def check_model_str(scope: CheckScope) -> Iterator[CheckMessage]:
    """W201: a concrete model whose ``__str__`` is still Django's default."""
    for app_config in scope.app_configs:
        for model in app_config.get_models():
            if model._meta.proxy or defines_str(model):
                continue
            file, facts = model_source(scope.source, model)
            yield ids.W201.message(
                f"Model {model._meta.label} has no __str__: it shows as "
                f'"{model.__name__} object (1)" in the admin, shell and logs.',
                hint=_str_hint(model),
                obj=model,
                file=file,
                line=facts["line"] if facts else None,
            )
