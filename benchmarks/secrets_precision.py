"""Secret detection in settings: guardrails against bandit and detect-secrets, same snippets.

Each labelled snippet of tests/checks/secret_snippets.py is written to a file (``settings.py``,
or ``development.py`` for development snippets) and given to each tool; a snippet counts as
flagged when the tool reports anything in it. Precision and recall are over snippets.
django-guardrails is imported from this checkout, so the virtualenv needs only the peers:

    python3 -m venv /tmp/benchvenv
    /tmp/benchvenv/bin/pip install django bandit==1.9.4 detect-secrets==1.5.0
    /tmp/benchvenv/bin/python benchmarks/secrets_precision.py
"""

from __future__ import annotations

import ast
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's django_guardrails, installed or not
_spec = importlib.util.spec_from_file_location(
    "secret_snippets", ROOT / "tests" / "checks" / "secret_snippets.py"
)
assert _spec is not None and _spec.loader is not None
snippets = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snippets)

from django_guardrails.source.secrets import scan  # noqa: E402


def guardrails(path: Path, dev: bool) -> bool:
    findings = scan(ast.parse(path.read_text()), development=dev)
    return any(f.kind == "literal" or not dev for f in findings)


def bandit(path: Path, dev: bool) -> bool:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "bandit"), "-q", "-f", "json", str(path)],
        capture_output=True,
        text=True,
    )
    return bool(json.loads(result.stdout or "{}").get("results"))


def detect_secrets(path: Path, dev: bool) -> bool:
    # --all-files: without it detect-secrets only reads files that git tracks.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "detect-secrets"), "scan", "--all-files", "."],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    return bool(json.loads(result.stdout or "{}").get("results"))


def score(tool: Callable[[Path, bool], bool], workdir: Path) -> tuple[float, float, int, int, int]:
    tp = fp = fn = 0
    for number, snippet in enumerate(snippets.SNIPPETS):
        folder = workdir / f"s{number}"
        folder.mkdir(exist_ok=True)
        path = folder / ("development.py" if snippet.dev else "settings.py")
        path.write_text(snippet.source + "\n")
        flagged, secret = tool(path, snippet.dev), bool(snippet.secrets)
        tp += flagged and secret
        fp += flagged and not secret
        fn += secret and not flagged
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return precision, recall, tp, fp, fn


def main() -> None:
    tools: dict[str, Callable[[Path, bool], bool]] = {"django-guardrails": guardrails}
    if shutil.which("bandit", path=str(Path(sys.executable).parent)):
        tools["bandit"] = bandit
    if shutil.which("detect-secrets", path=str(Path(sys.executable).parent)):
        tools["detect-secrets"] = detect_secrets
    positives = sum(1 for s in snippets.SNIPPETS if s.secrets)
    print(f"{len(snippets.SNIPPETS)} snippets, {positives} with a secret")
    print(f"{'tool':20} {'precision':>9} {'recall':>7}   tp fp fn")
    for name, tool in tools.items():
        with tempfile.TemporaryDirectory() as tmp:
            precision, recall, tp, fp, fn = score(tool, Path(tmp))
        print(f"{name:20} {precision:9.2f} {recall:7.2f}  {tp:3d} {fp:2d} {fn:2d}")


if __name__ == "__main__":
    main()
