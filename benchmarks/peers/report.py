"""The runner's output: the summary per tool, its table, and each scenario's verdicts."""

from __future__ import annotations

import contextlib
from typing import Any


def unexpected_kinds(scenario: Any, outcome: dict[str, Any]) -> set[str]:
    """Reports other than an N+1 that the scenario does not call for: not the kind the peer
    itself reports (nplusone's unused eager loads), nor repeated writes where writes repeat."""
    due = {"n_plus_one", scenario.peer_reports}
    if scenario.identical:
        due.add("duplicate")
    if scenario.repeated_writes:
        due.add("repeated_write")
    return set(outcome["kinds"]) - due


def reported(scenario: Any, outcome: dict[str, Any]) -> bool:
    """Flagged as an N+1, or, where the peer flags one query repeated as is, as a duplicate."""
    return bool(outcome["flagged"]) or (scenario.identical and "duplicate" in outcome["kinds"])


def summarize(catalogue: list[Any], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    ran = [scenario for scenario in catalogue if scenario.name in results]
    expected_flagged = [s for s in ran if s.expected == "flagged"]
    expected_silent = [s for s in ran if s.expected == "silent"]
    caught = [s for s in expected_flagged if reported(s, results[s.name])]
    false_positives = [s for s in expected_silent if results[s.name]["flagged"]]
    with_relation = [s for s in expected_flagged if s.relation]
    named = [s for s in caught if s.relation and s.relation in results[s.name]["relations"]]
    writes = [s for s in expected_silent if s.repeated_writes]
    other_reports = [s for s in expected_silent if unexpected_kinds(s, results[s.name])]
    return {
        "expected_flagged": len(expected_flagged),
        "caught": len(caught),
        "expected_silent": len(expected_silent),
        "false_positives": len(false_positives),
        "repeated_writes": len(writes),
        "false_positives_on_writes": sum(1 for s in writes if results[s.name]["flagged"]),
        "with_relation": len(with_relation),
        "relation_named": len(named),
        "other_reports_on_silent": len(other_reports),
        "errors": sum(1 for s in ran if results[s.name]["error"]),
        "missed": [s.name for s in expected_flagged if s not in caught],
        "false_positive_names": [s.name for s in false_positives],
    }


def print_table(summaries: dict[str, dict[str, Any]]) -> None:
    header = (
        "tool",
        "caught",
        "false positives",
        "of which writes",
        "relation named",
        "other reports",
        "errors",
    )
    rows = [
        (
            tool,
            f"{s['caught']} / {s['expected_flagged']}",
            f"{s['false_positives']} / {s['expected_silent']}",
            f"{s['false_positives_on_writes']} / {s['repeated_writes']}",
            f"{s['relation_named']} / {s['with_relation']}",
            f"{s['other_reports_on_silent']} / {s['expected_silent']}",
            str(s["errors"]),
        )
        for tool, s in summaries.items()
    ]
    widths = [max(len(row[n]) for row in [header, *rows]) for n in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        "\ncaught: of the scenarios the peers expect flagged as an N+1 (a duplicate where the peer"
        "\nflags one query repeated as is). false positives: an N+1"
        "\nreported where the peers expect none (writes: among the repeated-writes ones)."
        "\nrelation named: caught with the expected app_label.Model.field. other reports:"
        "\nexpected-silent scenarios with a report that is not an N+1 and that the scenario does"
        "\nnot call for (a duplicate, an unused eager load the peer does not report, a repeated"
        "\nwrite outside the repeated-writes scenarios)."
    )


def verdict(scenario: Any, outcome: dict[str, Any]) -> str:
    if not outcome["flagged"] and scenario.expected == "flagged" and reported(scenario, outcome):
        text = "caught as a duplicate"
    elif outcome["flagged"]:
        text = "caught" if scenario.expected == "flagged" else "FALSE+"
        named = outcome["relations"]
        if scenario.expected == "flagged" and scenario.relation not in (None, *named):
            text += f" as {', '.join(relation or '(shape)' for relation in named)}"
    else:
        text = "MISSED" if scenario.expected == "flagged" else "silent"
    others = [kind for kind in outcome["kinds"] if kind != "n_plus_one"]
    if others:
        text += f" +{','.join(others)}"
    if outcome["error"]:
        text += f" ERROR {outcome['error'][:60]}"
    return text


def print_verbose(catalogue: list[Any], results_by_tool: dict[str, dict[str, Any]]) -> None:
    for scenario in catalogue:
        outcomes = {
            tool: r[scenario.name] for tool, r in results_by_tool.items() if scenario.name in r
        }
        if not outcomes:
            continue
        writes = ", repeated writes" if scenario.repeated_writes else ""
        print(f"\n{scenario.name}  [{scenario.expected} {scenario.relation or '-'}{writes}]")
        print(f"  {scenario.origin}")
        for tool, outcome in outcomes.items():
            print(f"  {tool:<11}{outcome['queries']:>4} queries  {verdict(scenario, outcome)}")


def versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for package in ("Django", "django-zeal", "nplusone"):
        with contextlib.suppress(PackageNotFoundError):
            found.append(f"{package} {version(package)}")
    return ", ".join(["guardrails from this checkout", *found])
