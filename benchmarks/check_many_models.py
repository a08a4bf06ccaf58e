"""How much guardrails adds to ``manage.py check`` on a project with many models.

Generates a throwaway project of N models (half without ``__str__``) and measures, side by side in
one run, Django's full ``run_checks()`` in a process without guardrails and one with it, each a
fresh source index per iteration (what a CLI ``check`` pays). Usage:

    .venv/bin/python benchmarks/check_many_models.py --models 300 --repeat 7
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

WORKER = """
import json, sys, time
import django
django.setup()
from django.core import checks
from django_guardrails.source.index import SOURCE
times = []
for _ in range(int(sys.argv[1])):
    SOURCE.clear()
    start = time.perf_counter()
    messages = checks.run_checks()
    times.append(time.perf_counter() - start)
ours = [m for m in messages if str(m.id).startswith("guardrails.")]
print(json.dumps({"times": times, "findings": len(ours), "parses": SOURCE.parses}))
"""


def write_project(root: Path, models: int, with_guardrails: bool) -> None:
    app = root / "bench"
    app.mkdir(parents=True, exist_ok=True)
    (app / "__init__.py").write_text("")
    lines = ["from django.db import models", ""]
    for number in range(models):
        lines.append(f"class Model{number}(models.Model):")
        lines.append("    name = models.CharField(max_length=50)")
        if number:
            lines.append(f"    parent = models.ForeignKey('Model{number - 1}', models.CASCADE)")
        if number % 2:
            lines.append("    def __str__(self) -> str:")
            lines.append("        return self.name")
        lines.append("")
    (app / "models.py").write_text("\n".join(lines))
    installed = ["django.contrib.contenttypes", "django.contrib.auth", "bench"]
    if with_guardrails:
        installed.append("django_guardrails")
    (root / "bench_settings.py").write_text(
        textwrap.dedent(
            f"""
            SECRET_KEY = "benchmark-only"
            INSTALLED_APPS = {installed!r}
            DATABASES = {{
                "default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
            }}
            DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
            """
        )
    )


def measure(root: Path, repeat: int) -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", WORKER, str(repeat)],
        cwd=root,
        env={"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare, guarded = Path(tmp, "bare"), Path(tmp, "guarded")
        write_project(bare, args.models, with_guardrails=False)
        write_project(guarded, args.models, with_guardrails=True)
        without = measure(bare, args.repeat)
        with_ = measure(guarded, args.repeat)
    bare_ms = statistics.median(without["times"]) * 1000  # type: ignore[arg-type]
    ours_ms = statistics.median(with_["times"]) * 1000  # type: ignore[arg-type]
    print(f"models: {args.models}, repeat: {args.repeat}, python {sys.version.split()[0]}")
    print(f"run_checks() without guardrails: {bare_ms:8.1f} ms (median)")
    print(f"run_checks() with guardrails:    {ours_ms:8.1f} ms (median)")
    print(
        f"added by guardrails:             {ours_ms - bare_ms:8.1f} ms ({ours_ms / bare_ms:.2f}x)"
    )
    print(
        f"guardrails findings: {with_['findings']}, files parsed per run: "
        f"{int(with_['parses']) // args.repeat}"
    )  # type: ignore[call-overload]


if __name__ == "__main__":
    main()
