from __future__ import annotations

import itertools
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.apps import apps

from django_guardrails import project
from django_guardrails.checks.framework import ids
from django_guardrails.checks.framework.engine import run_guardrail_checks
from django_guardrails.checks.framework.messages import GuardrailsMessage
from django_guardrails.checks.models.inheritance import dotted_name

MakeApp = Callable[[str], Path]
_vendors = itertools.count()


def of(check_id: ids.CheckId, app_label: str | None = None) -> list[GuardrailsMessage]:
    app_configs = [apps.get_app_config(app_label)] if app_label else None
    return [m for m in run_guardrail_checks(app_configs) if m.id == check_id.id]


def line_of(path: str | None, text: str) -> int:
    lines = Path(path or "").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def at(message: GuardrailsMessage) -> str:
    """The source line a message points at, stripped."""
    assert message.file is not None and message.line is not None
    return Path(message.file).read_text().splitlines()[message.line - 1].strip()


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


# W203 and Meta inheritance. Django gives a model without a Meta of its own the Meta of its
# abstract base, `class Meta(Base.Meta)` inherits it explicitly, and a multi-table child
# inherits none. Where the option is written decides where it is reported.

INHERITANCE = """\
    from django.db import models


    class Stamped(models.Model):
        code = models.CharField(max_length=5)
        region = models.CharField(max_length=5)

        class Meta:
            abstract = True
            unique_together = [("code", "region")]


    class Plain(Stamped):
        pass


    class Ordered(Stamped):
        class Meta(Stamped.Meta):
            ordering = ["code"]


    class Own(Stamped):
        class Meta(Stamped.Meta):
            unique_together = [("code", "region"), ("region",)]


    class Cancelled(Stamped):
        class Meta(Stamped.Meta):
            unique_together = []


    class Unrelated(Stamped):
        class Meta:
            ordering = ["region"]


    class Parent(models.Model):
        a = models.IntegerField()
        b = models.IntegerField()

        class Meta:
            unique_together = ("a", "b")


    class Child(Parent):
        c = models.IntegerField()
    """


def test_w203_reports_an_abstract_base_once_and_each_own_declaration(make_app: MakeApp) -> None:
    models_py = make_app(INHERITANCE)
    label = models_py.parent.name
    module = __import__(f"{label}.models", fromlist=["Stamped"])
    found = {m.obj: m for m in of(ids.W203, label)}
    assert set(found) == {module.Stamped, module.Own, module.Parent}
    assert found[module.Stamped] == ids.W203.message(
        f"Abstract model {label}.Stamped uses Meta.unique_together, the legacy form, inherited "
        f"by {label}.Ordered, {label}.Plain.",
        hint="Replace it in Stamped.Meta with constraints = [models.UniqueConstraint("
        'fields=["code", "region"], name="%(app_label)s_%(class)s_code_region_uniq")]: '
        "each model inheriting it gets its own named constraint.",
        obj=module.Stamped,
    )
    assert at(found[module.Stamped]) == 'unique_together = [("code", "region")]'
    assert at(found[module.Own]) == 'unique_together = [("code", "region"), ("region",)]'
    assert found[module.Own].msg == f"{label}.Own uses Meta.unique_together, the legacy form."
    assert found[module.Own].hint == (
        "Use the named, database-level form: constraints = [models.UniqueConstraint("
        'fields=["code", "region"], name="own_code_region_uniq"), models.UniqueConstraint('
        'fields=["region"], name="own_region_uniq")].'
    )
    # Multi-table inheritance: Child inherits no Meta, so Parent's option is Parent's alone.
    assert found[module.Parent].msg == f"{label}.Parent uses Meta.unique_together, the legacy form."
    assert at(found[module.Parent]) == 'unique_together = ("a", "b")'


def test_w203_an_abstract_base_no_model_uses_is_still_reported(make_app: MakeApp) -> None:
    models_py = make_app(
        """\
        from django.db import models


        class Keyed(models.Model):
            key = models.CharField(max_length=5)

            class Meta:
                abstract = True
                unique_together = [("key", "id")]


        class Loose(models.Model):
            key = models.CharField(max_length=5)

            def __str__(self) -> str:
                return self.key
        """
    )
    label = models_py.parent.name
    [message] = of(ids.W203, label)
    assert (
        message.msg == f"Abstract model {label}.Keyed uses Meta.unique_together, the legacy form."
    )


def test_w203_inherited_from_project_code_outside_the_judged_apps(make_app: MakeApp) -> None:
    base_py = make_app(INHERITANCE.split("class Plain")[0])
    base = base_py.parent.name
    models_py = make_app(
        f"""\
        from django.db import models

        from {base}.models import Stamped


        class CommonMeta:
            unique_together = [("code", "name")]


        class Entry(Stamped):
            pass


        class Named(models.Model):
            code = models.CharField(max_length=5)
            name = models.CharField(max_length=5)

            class Meta(CommonMeta):
                pass
        """
    )
    label = models_py.parent.name
    found = {m.obj.__name__: m for m in of(ids.W203, label)}
    assert found["Entry"].msg == (
        f"{label}.Entry uses Meta.unique_together, the legacy form, inherited from "
        f"{base}.models.Stamped."
    )
    assert found["Entry"].hint == (
        f"Replace it in {base}.models.Stamped with constraints = [models.UniqueConstraint("
        'fields=["code", "region"], name="%(app_label)s_%(class)s_code_region_uniq")].'
    )
    assert at(found["Entry"]) == "class Entry(Stamped):"  # no Meta of its own
    assert found["Named"].msg == (
        f"{label}.Named uses Meta.unique_together, the legacy form, inherited from "
        f"{label}.models.CommonMeta."
    )
    assert at(found["Named"]) == "class Meta(CommonMeta):"
    # Judging both apps: the base is reported once, where the fix is, and Entry not at all.
    both = [m for m in of(ids.W203) if m.file in {str(base_py), str(models_py)}]
    assert sorted(m.obj.__name__ for m in both) == ["Named", "Stamped"]
    [stamped] = [m for m in both if m.obj.__name__ == "Stamped"]
    assert stamped.msg.endswith(f"inherited by {label}.Entry.")


@pytest.fixture
def site_packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A site-packages directory on sys.path: a package put there is an installed library."""
    root = tmp_path / "venv" / "site-packages"
    root.mkdir(parents=True)
    monkeypatch.syspath_prepend(str(root))
    project.installed_library_roots.cache_clear()
    project.library_roots.cache_clear()
    yield root
    project.installed_library_roots.cache_clear()
    project.library_roots.cache_clear()


def test_w203_is_silent_on_an_option_a_library_declares(
    make_app: MakeApp, site_packages: Path
) -> None:
    vendor = f"vendorlib{next(_vendors)}"
    (site_packages / vendor).mkdir()
    (site_packages / vendor / "__init__.py").write_text("from .mixins import TranslatedMixin\n")
    (site_packages / vendor / "mixins.py").write_text(
        textwrap.dedent(
            """\
            from django.db import models


            class TranslatedMixin(models.Model):
                key = models.CharField(max_length=5)
                language = models.CharField(max_length=5)

                class Meta:
                    abstract = True
                    unique_together = [("key", "language")]
            """
        )
    )
    models_py = make_app(
        f"""\
        from django.db import models

        from {vendor} import TranslatedMixin


        class Footer(TranslatedMixin):
            pass


        class Banner(TranslatedMixin):
            class Meta(TranslatedMixin.Meta):
                verbose_name = "banner"


        class Menu(TranslatedMixin):
            title = models.CharField(max_length=5)

            class Meta(TranslatedMixin.Meta):
                unique_together = [("key", "language"), ("title", "language")]
        """
    )
    label = models_py.parent.name
    module = __import__(f"{label}.models", fromlist=["Menu"])
    assert module.Footer._meta.unique_together == (("key", "language"),)  # inherited for real
    assert [m.obj for m in of(ids.W203, label)] == [module.Menu]  # its own is reported
    assert [m.obj for m in of(ids.W203) if m.file == str(models_py)] == [module.Menu]


def test_dotted_name_is_the_shortest_package_path_that_exports_the_class() -> None:
    from django.contrib.auth.base_user import AbstractBaseUser
    from django.db.models import Model

    assert Model.__module__ == "django.db.models.base"
    assert dotted_name(Model) == "django.db.models.Model"
    # No package above django.contrib.auth.base_user exports it.
    assert dotted_name(AbstractBaseUser) == "django.contrib.auth.base_user.AbstractBaseUser"
