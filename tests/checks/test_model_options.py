from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.apps import apps

from django_guardrails.checks import ids
from django_guardrails.checks.engine import run_guardrail_checks
from django_guardrails.checks.messages import GuardrailsMessage

MakeApp = Callable[[str], Path]


def of(check_id: ids.CheckId, app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    return [m for m in run_guardrail_checks(app_configs) if m.id == check_id.id]


def line_of(path: str | None, text: str) -> int:
    lines = Path(path or "").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_the_broken_shipment_fires_each_check() -> None:
    from broken.models import Shipment

    [w206] = of(ids.W206, "broken")
    assert w206.obj is Shipment
    assert w206.msg == (
        "broken.Shipment.save() drops **kwargs when it calls super().save(), losing "
        "update_fields and using."
    )
    assert w206.line == line_of(w206.file, "def save(self")
    [i202] = of(ids.I202, "broken")
    assert i202.line == w206.line
    [w203] = of(ids.W203, "broken")
    assert w203.line == line_of(w203.file, "unique_together = [")
    assert "models.UniqueConstraint" in str(w203.hint)
    [w204] = of(ids.W204, "broken")
    assert str(w204.obj) == "broken.Shipment.tracking_code"
    assert w204.line == line_of(w204.file, "tracking_code = models.CharField")


def test_the_clean_app_is_silent() -> None:
    for check_id in (ids.W206, ids.I202, ids.W203, ids.W204):
        assert of(check_id, "clean") == [], check_id


def test_save_shapes(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Good(models.Model):
            def save(self, *args, **kwargs):
                super().save(*args, **kwargs)


        class KeywordsOnly(models.Model):
            def save(self, **kwargs):
                models.Model.save(self, **kwargs)


        class NoSuper(models.Model):
            def save(self, *args, **kwargs):
                pass


        class NoKwargs(models.Model):
            def save(self):
                super().save()


        class UniqueNull(models.Model):
            code = models.CharField(max_length=5, null=True, unique=True)
            note = models.TextField(null=True)
            parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
        """
    )
    w206 = {m.obj.__name__: m.msg for m in of(ids.W206) if m.file == str(models_py)}
    assert set(w206) == {"NoSuper", "NoKwargs"}
    assert "never calls super().save()" in w206["NoSuper"]
    assert "takes no **kwargs" in w206["NoKwargs"]
    i202 = {m.obj.__name__ for m in of(ids.I202) if m.file == str(models_py)}
    assert i202 == {"Good", "KeywordsOnly", "NoSuper", "NoKwargs"}
    w204 = [str(m.obj) for m in of(ids.W204) if m.file == str(models_py)]
    assert w204 == [f"{w204[0].split('.')[0]}.UniqueNull.note"]
