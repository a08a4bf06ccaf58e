"""I122 and W121 against real settings modules, each run in a fresh ``manage.py`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

TESTPROJECT = Path(__file__).resolve().parents[2] / "testproject"

COMMON = """
SECRET_KEY = "x" * 50
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django_guardrails"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
"""


def check(root: Path, settings: str, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(root), "DJANGO_SETTINGS_MODULE": settings}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "django", "guardrails", "check", *args, "--format", "json"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def w121(root: Path, settings: str) -> list[dict[str, object]]:
    """The W121 findings of a deploy run, as JSON objects."""
    found = json.loads(check(root, settings, "--deploy"))
    return [m for m in found if m["id"] == "guardrails.W121"]


HINT = (
    "Import the shared base module instead; development settings (DEBUG, keys, local hosts) "
    "must not reach production."
)


def finding(message: str, file: str, line: int, name: str) -> dict[str, object]:
    return {
        "id": "guardrails.W121",
        "level": "WARNING",
        "message": message,
        "hint": HINT,
        "obj": f"{file}:{line} {name}",
        "file": file,
        "line": line,
    }


def package(**modules: str) -> dict[str, str]:
    files = {"shop/__init__.py": "", "shop/settings/__init__.py": ""}
    files |= {f"shop/settings/{name}.py": text for name, text in modules.items()}
    return files


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


def test_i122_fires_on_one_module_for_every_environment(tmp_path: Path) -> None:
    write(tmp_path, {"shop/__init__.py": "", "shop/settings.py": COMMON})
    assert "guardrails.I122" in check(tmp_path, "shop.settings")


def test_i122_fires_on_the_layout_startproject_creates(tmp_path: Path) -> None:
    """``django-admin startproject``: settings.py beside urls.py, wsgi.py and asgi.py, which
    are not settings modules."""
    subprocess.run(
        [sys.executable, "-m", "django", "startproject", "mysite", str(tmp_path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    settings_py = tmp_path / "mysite" / "settings.py"
    assert {p.name for p in settings_py.parent.iterdir()} >= {"urls.py", "wsgi.py", "asgi.py"}
    settings_py.write_text(settings_py.read_text() + '\nINSTALLED_APPS += ["django_guardrails"]\n')
    found = check(tmp_path, "mysite.settings")
    assert "guardrails.I122" in found
    assert "The settings are one module, mysite.settings, for every environment." in found


def test_i122_silent_on_split_settings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/settings/__init__.py": "",
            "shop/settings/base.py": COMMON,
            "shop/settings/production.py": "from .base import *\nDEBUG = False\n",
        },
    )
    assert "guardrails.I122" not in check(tmp_path, "shop.settings.production")


def test_w121_fires_when_production_imports_development(tmp_path: Path) -> None:
    write(
        tmp_path,
        package(
            development=COMMON + "DEBUG = True\n",
            production='"""Production."""\n\nimport os\n\nfrom .development import *\n'
            "DEBUG = False\n",
        ),
    )
    assert w121(tmp_path, "shop.settings.production") == [
        finding(
            "Production settings shop.settings.production import the development module "
            "shop.settings.development.",
            "shop/settings/production.py",
            5,
            "shop.settings.production",
        )
    ]
    assert "guardrails.W121" not in check(tmp_path, "shop.settings.production")  # deploy only


def test_w121_points_at_a_named_import_and_at_an_import_through_another_module(
    tmp_path: Path,
) -> None:
    """``from .development import DATABASES`` runs all of development.py; so does a star
    import of a module that star-imports it."""
    write(
        tmp_path,
        package(
            development=COMMON + "DEBUG = True\n",
            shared="from .development import *\n",
            production="from .shared import *\nfrom .development import DATABASES\n",
            live="import os\n\nif os.environ.get('X'):\n    from . import development\n"
            "DEBUG = False\n",
        ),
    )
    assert w121(tmp_path, "shop.settings.production") == [
        finding(
            "Production settings shop.settings.production import the development module "
            "shop.settings.development through shop.settings.shared.",
            "shop/settings/production.py",
            1,
            "shop.settings.production",
        ),
        finding(
            "Production settings shop.settings.live import the development module "
            "shop.settings.development.",
            "shop/settings/live.py",
            4,
            "shop.settings.live",
        ),
    ]


def test_w121_on_a_site_settings_module_named_for_no_environment(tmp_path: Path) -> None:
    """The module check --deploy runs against is production, whatever its name."""
    write(
        tmp_path,
        package(development=COMMON + "DEBUG = True\n")
        | {"site_settings.py": "# the settings in use\nfrom shop.settings.development import *\n"},
    )
    assert w121(tmp_path, "site_settings") == [
        finding(
            "check --deploy runs against site_settings, which imports the development "
            "module shop.settings.development.",
            "site_settings.py",
            2,
            "site_settings",
        )
    ]


OPTIONAL_LOCAL = """from .base import *

try:
    from .local_dev import *
except ImportError:
    pass
"""


def test_w121_on_an_optional_import_only_when_it_ran(tmp_path: Path) -> None:
    """``try: from .local import *``: the file exists on some machines only. It counts in the
    module being deployed when it was really loaded, never in another production module."""
    write(tmp_path, package(base=COMMON, production=OPTIONAL_LOCAL, prod_eu=OPTIONAL_LOCAL))
    assert w121(tmp_path, "shop.settings.production") == []
    write(tmp_path, package(local_dev="DEBUG = True\n"))
    assert w121(tmp_path, "shop.settings.production") == [
        finding(
            "Production settings shop.settings.production import the development module "
            "shop.settings.local_dev.",
            "shop/settings/production.py",
            4,
            "shop.settings.production",
        )
    ]


def test_w121_silent_on_a_machine_local_override_imported_under_a_condition(
    tmp_path: Path,
) -> None:
    """``if (BASE_DIR / "local_settings.py").exists(): from .local_settings import *`` ends
    settings.py in many projects, which put the production configuration there: the module
    is the machine's own, not development settings, whether an ``if`` or a ``try`` guards it."""
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/local_settings.py": "DEBUG = False\nALLOWED_HOSTS = ['shop.example']\n",
            "shop/settings_local.py": "DEBUG = False\n",
            "shop/settings.py": COMMON
            + "from pathlib import Path\n"
            + "if (Path(__file__).parent / 'local_settings.py').exists():\n"
            + "    from .local_settings import *\n"
            + "try:\n    from .settings_local import *\nexcept ImportError:\n    pass\n",
        },
    )
    assert w121(tmp_path, "shop.settings") == []


def test_w121_fires_on_a_local_module_imported_unconditionally_or_named_for_development(
    tmp_path: Path,
) -> None:
    """Only the guarded import of a module named local alone is a machine override: an
    unconditional one, or a guarded ``local_dev``, is still development settings."""
    write(
        tmp_path,
        {
            "shop/__init__.py": "",
            "shop/local.py": "DEBUG = True\n",
            "shop/local_dev.py": "DEBUG = True\n",
            "shop/settings.py": COMMON
            + "from .local import *\n"
            + "if DEBUG:\n    from .local_dev import *\n",
        },
    )
    found = w121(tmp_path, "shop.settings")
    assert [(m["line"], str(m["message"]).rsplit(" ", 1)[-1]) for m in found] == [
        (5, "shop.local."),
        (7, "shop.local_dev."),
    ]


def test_w121_silent_when_production_imports_only_base(tmp_path: Path) -> None:
    write(
        tmp_path,
        package(
            base=COMMON,
            development="from .base import *\nDEBUG = True\n",
            production="from .base import *\n"
            "from django.test.utils import setup_test_environment\n",
        ),
    )
    assert w121(tmp_path, "shop.settings.production") == []


def test_w121_on_the_testproject_development_and_production_settings() -> None:
    development = check(TESTPROJECT, "testproject.settings.development", "--deploy")
    assert "check --deploy runs against testproject.settings.development" in development
    os.environ.setdefault("DJANGO_SECRET_KEY", "y" * 50)
    production = check(TESTPROJECT, "testproject.settings.production", "--deploy")
    assert "guardrails.W121" not in production
    assert "guardrails.I122" not in production
