"""Pure functions: a unit's recorded queries -> ``Finding`` objects, each with its fix."""

from __future__ import annotations

import fnmatch
import os
from collections import Counter
from dataclasses import replace

from django_guardrails.conf import AllowRule, GuardrailsSettings
from django_guardrails.project import display_path
from django_guardrails.query.callsite import Where
from django_guardrails.query.capture import QuerySite, SiteKey, Unit
from django_guardrails.query.hints import Fix, outside_fix, relation_fix, unknown_relation_fix
from django_guardrails.query.listing import (
    leaves_early_after,
    repeats_in_its_function,
    statement_text,
)
from django_guardrails.query.origins import Origin
from django_guardrails.query.renderings import callsite_of, rendering_of
from django_guardrails.query.rows import fetched_rows
from django_guardrails.query.shown import shown_name
from django_guardrails.query.types import (
    DUPLICATE,
    N_PLUS_ONE,
    QUERY_BUDGET,
    REPEATED_WRITE,
    SLOW,
    UNUSED_EAGER_LOAD,
    Finding,
    FindingKind,
)
from django_guardrails.query.writes import is_write, write_fix


def is_n_plus_one(site: QuerySite, threshold: int) -> bool:
    """A relation read lazily on two rows of one result (``query.rows``), or the same shape
    from the same line ``threshold`` times, once per row.

    Rows often share a related row (two invoices of one customer, every book of one
    publisher), so the parameters need not all differ: a relation loaded lazily per row is an
    N+1 even when it is the same row each time. Any other query repeated with equal parameters
    is a duplicate instead.
    """
    if site.allowed or site.ignored or is_write(site.sql):
        return False
    relation = site.relation
    if relation is not None and relation.batch and site.count >= 2:
        return True  # a relation read per row of one result: from the second read
    if site.count < threshold:
        return False
    return site.distinct > 1 or relation is not None


def n_plus_one_fix(site: QuerySite, admin_selects: list[str] | None = None) -> Fix:
    """``admin_selects``: every path the same ModelAdmin's changelist needs selected."""
    relation = site.relation
    rendering = rendering_of(site)
    if rendering is not None:
        return rendering.fix(relation, site.sql, _where(site))
    if callsite_of(site) is None and (relation is None or relation.place is None):
        return outside_fix(relation, site.package, site.count)
    context = f" ({site.receiver.describe()})" if site.receiver is not None else ""
    if relation is None:
        return unknown_relation_fix(context, site.sql)
    selects = tuple(admin_selects) if admin_selects else None
    try:
        key = (relation, site.sql, context, selects, os.getcwd())  # paths shown from the cwd
        fix = _fixes.get(key)
    except (TypeError, OSError):  # a field that cannot be hashed, a deleted cwd: no reuse
        return relation_fix(relation, site.sql, context, admin_selects)
    if fix is None:
        fix = relation_fix(relation, site.sql, context, admin_selects)
        if len(_fixes) >= _MAX_FIXES:
            _fixes.clear()
        _fixes[key] = fix
    return fix


# The fix of each relation read at each place: the same N+1 recurs on every request of its
# page, and writing its hint reads the code that built the queryset.
_fixes: dict[tuple[object, ...], Fix] = {}
_MAX_FIXES = 4096


def _where(site: QuerySite) -> str:
    """The site's line; inside a signal receiver, also the receiver and what sent the signal."""
    callsite = callsite_of(site)
    if callsite is None:
        where = f"{site.package or 'a library'}'s code"
    elif callsite.template:
        where = callsite.template
    else:
        where = f"{display_path(callsite.file)}:{callsite.line}"
    if site.receiver is not None:
        where = f"{where} ({site.receiver.describe()})"
    return where


def _finding(
    kind: FindingKind, site: QuerySite, count: int, hint: str, fix: Fix | None = None
) -> Finding:
    callsite = callsite_of(site)
    rendering = rendering_of(site)
    return Finding(
        kind=kind,
        count=count,
        sql=site.sql,
        file=callsite.file if callsite else None,
        line=callsite.line if callsite else None,
        function=callsite.function if callsite else None,
        template=callsite.template if callsite else None,
        relation=site.relation.label if site.relation else None,
        hint=hint,
        alias=site.alias,
        receiver=site.receiver.receiver if site.receiver else None,
        serializer=rendering.label if rendering is not None else None,
        package=site.package if callsite is None else None,
        fix=fix.code if fix is not None else None,
        built_at=fix.built_at if fix is not None else None,
    )


def n_plus_one_finding(
    site: QuerySite, count: int | None = None, admin_selects: list[str] | None = None
) -> Finding:
    fix = n_plus_one_fix(site, admin_selects)
    return _finding(N_PLUS_ONE, site, site.count if count is None else count, fix.hint, fix)


def _n_plus_ones(sites: list[QuerySite]) -> list[Finding]:
    """One finding per relation and place: a generic relation to several models, or a
    relation read from rows of several types, runs several shapes at one place, all one N+1.
    A ModelAdmin's changelist gets one list_select_related with every path it needs."""
    groups: dict[tuple[object, ...], list[QuerySite]] = {}
    for site in sites:
        relation = site.relation
        key = (relation.label, relation.full_path, site.where) if relation else (id(site),)
        groups.setdefault(key, []).append(site)
    selects: dict[tuple[str, int], list[str]] = {}
    for group in groups.values():
        relation = group[0].relation
        place = relation.place if relation is not None else None
        joins = relation is not None and not relation.many and relation.subset is None
        if relation is not None and joins and place is not None and place.kind == "admin":
            paths = selects.setdefault((place.file, place.line), [])
            if relation.lookup_path not in paths:
                paths.append(relation.lookup_path)
    findings = []
    for group in groups.values():
        first = group[0]
        place = first.relation.place if first.relation is not None else None
        needed = selects.get((place.file, place.line)) if place is not None else None
        findings.append(n_plus_one_finding(first, sum(site.count for site in group), needed))
    return findings


def _matches(rule: AllowRule, finding: Finding, url: str | None) -> bool:
    checks = (
        (rule.relation, finding.relation),
        (rule.callsite, finding.callsite),
        (rule.url, url),
    )
    for pattern, value in checks:
        if pattern is not None and (value is None or not fnmatch.fnmatchcase(value, pattern)):
            return False
    return rule.sql is None or rule.sql in finding.sql


def allowed(finding: Finding, config: GuardrailsSettings, url: str | None) -> bool:
    return any(_matches(rule, finding, url) for rule in config.allowlist)


def _repeated_writes(unit: Unit, threshold: int) -> list[Finding]:
    """The same INSERT, UPDATE or DELETE from one place ``threshold`` times: one per item."""
    findings = []
    for site in unit.sites.values():
        if site.count >= threshold and is_write(site.sql) and not (site.allowed or site.ignored):
            if callsite_of(site) is None or site.package is not None:
                owner = site.package or "a library"
                hint = (
                    f"{owner}'s code wrote these rows one by one: nothing in the project's "
                    "code to change there."
                )
                finding = _finding(REPEATED_WRITE, site, site.count, hint)
                findings.append(replace(finding, package=owner))
                continue
            callsite = callsite_of(site)
            file, line = (callsite.file, callsite.line) if callsite is not None else (None, None)
            hint = write_fix(site.sql, site.count, file, line)
            findings.append(_finding(REPEATED_WRITE, site, site.count, hint))
    return findings


def _duplicates(unit: Unit, n_plus_one_sites: set[SiteKey]) -> list[Finding]:
    """Each exact (SQL, parameters) pair that ran more than once, at the site it ran first,
    naming every place it ran from.

    The same SQL from two lines is two sites of one shape: their counts are added up. An
    N+1 site's repeats are part of its N+1 and reported there.
    """
    shapes = Counter((alias, shape) for alias, shape, _ in unit.sites)
    ran: dict[int, tuple[int, list[SiteKey]]] = {}  # exact hash -> (count, the sites' keys)
    for key, site in unit.sites.items():
        if key in n_plus_one_sites or site.allowed or site.ignored or is_write(site.sql):
            continue
        if site.relation is not None:
            continue  # one relation read on a few rows that share a related row: not reused
        if site.count == site.distinct and shapes[key[0], key[1]] == 1:
            continue  # every query here was different, and no other line ran this shape
        for exact, count in site.exact.items():
            earlier = ran.get(exact)
            if earlier is None:
                ran[exact] = (count, [key])
            else:
                earlier[1].append(key)
                ran[exact] = (earlier[0] + count, earlier[1])
    findings = []
    for count, keys in ran.values():
        if count == 1:
            continue
        sites = [unit.sites[key] for key in keys]
        site = sites[0]
        places = list(dict.fromkeys(_where(each) for each in sites))
        where = places[0] if len(places) == 1 else ", ".join(places[:-1]) + f" and {places[-1]}"
        if all(callsite_of(each) is None for each in sites):  # only a library's code ran it
            package = next((each.package for each in sites if each.package), "a library")
            hint = (
                f"The same query with the same parameters ran {count} times from {package}'s "
                "code: nothing in the project to change there."
            )
            findings.append(replace(_finding(DUPLICATE, site, count, hint), package=package))
            continue
        library = _library_repeat(sites)
        if library is not None:  # perhaps the library's own repeat: the project's to judge
            hint = (
                f"The same query with the same parameters ran {count} times from {where}, "
                f"the repeat inside {library}'s code, which that line calls. If the line ran "
                f"once (as `return super().post(request)` does), {library} repeats the query "
                "itself and there is nothing to reuse in the project's code; if it ran more "
                "than once, reuse the first result: a variable or a @cached_property."
            )
            findings.append(_finding(DUPLICATE, site, count, hint))
            continue
        hint = (
            f"The same query with the same parameters ran {count} times from "
            f"{where}: reuse the first result: a variable, a @cached_property on "
            "the object, or cache.get_or_set(versioned_key(obj, ...)) "
            "(django_guardrails.cache) across requests."
        )
        findings.append(_finding(DUPLICATE, site, count, hint))
    return findings


def _library_repeat(sites: list[QuerySite]) -> str | None:
    """The library whose code ran the repeat under one project line that is not in a loop
    (``return super().post(request)``: Django's authenticate() and then drf-jwt read the
    same user), or None. Whether that line ran once is not known (its function may have been
    called twice), so the finding stays the project's and the hint says both."""
    if len(sites) != 1:
        return None
    site = sites[0]
    library = getattr(site, "library", None)
    callsite = callsite_of(site)
    if library is None or callsite is None or callsite.template:
        return None
    return None if repeats_in_its_function(callsite.file, callsite.line) else str(library)


def detect(unit: Unit, config: GuardrailsSettings) -> list[Finding]:
    """Every finding of ``unit``, N+1s first, minus what ``ALLOWLIST`` allows."""
    slow_ms = config.slow_ms
    findings: list[Finding] = []
    if unit.count > 1:  # an N+1 or a duplicate takes two queries at least
        threshold = config.n_plus_one_threshold
        n_plus_ones = [  # in the order the sites first ran
            key for key, site in unit.sites.items() if is_n_plus_one(site, threshold)
        ]
        findings += _n_plus_ones([unit.sites[key] for key in n_plus_ones])
        findings += _duplicates(unit, set(n_plus_ones))
        findings += _repeated_writes(unit, threshold)
    for (where, _), (method, path, usage, label, origin, query) in (unit.eager or {}).items():
        if usage in unit.reads:
            _needed(origin, path)
        elif _certainly_unused(origin, path, query):
            findings.append(_unused_eager_load(unit, where, method, path, label, origin))
    budget = config.query_budget
    if budget is not None and unit.count > budget:
        hint = budget_hint(unit, budget, any(f.kind in (N_PLUS_ONE, DUPLICATE) for f in findings))
        findings.append(_unit_finding(QUERY_BUDGET, unit.count, hint))
    if slow_ms is not None and unit.duration_ms > slow_ms:
        hint = (
            f"{shown_name(unit)} took {unit.duration_ms:.0f} ms (limit {config.slow_ms:.0f} ms): "
            "move the slow work to a background task (Celery) or cache its result."
        )
        findings.append(_unit_finding(SLOW, round(unit.duration_ms), hint))
    if config.third_party == "off":
        findings = [f for f in findings if not f.third_party]
    if not findings or not config.allowlist:
        return findings
    return [f for f in findings if not allowed(f, config, unit.path)]


# (where an eager load is written, its path) that some unit of this process read: the same
# queryset read on another page (page 2 shows what page 1 did not, a fragment cache skipped
# the template this time) is not unused.
_needed_loads: set[tuple[object, str]] = set()
_MAX_NEEDED = 10_000


def _needed(origin: Origin | None, path: str) -> None:
    if origin is not None and len(_needed_loads) < _MAX_NEEDED:
        _needed_loads.add((origin, path))


def _certainly_unused(origin: Origin | None, path: str, query: object) -> bool:
    """Unused only when rows were loaded, and no unit of this process ever read it there."""
    rows = fetched_rows(query)
    if not rows:
        return False  # no rows, or not known: removing it might make the N+1 of tomorrow
    if origin is not None and leaves_early_after(origin[0], origin[1]):
        return False  # this request may have left before the code that reads it
    return origin is None or (origin, path) not in _needed_loads


def _unused_eager_load(
    unit: Unit, where: Where | None, method: str, path: str, label: str, origin: Origin | None
) -> Finding:
    # The site of the query that asked for it: the join's, or the prefetching queryset's.
    site = next((site for site in unit.sites.values() if site.where == where), None)
    if site is None:
        site = QuerySite("", "default", where, 0.0, 0)
    built_at = None
    if origin is not None:  # where the queryset was built: where the eager load is written
        built_at = f"{display_path(origin[0])}:{origin[1]}"
        place = f"in {built_at} ({statement_text(origin[0], origin[1])})"
    elif where is None:  # neither built nor run by the project's code: a library's
        package = site.package or "a library"
        hint = (
            f'.{method}("{path}") in {package}\'s code loads {label}, which '
            f"{shown_name(unit)} never reads; no line of the project asked for it: nothing in "
            "the project to change."
        )
        finding = _finding(UNUSED_EAGER_LOAD, site, 1, hint)
        return replace(finding, relation=label, package=package)
    else:
        place = f"at {_where(site)}"
    hint = (
        f'.{method}("{path}") {place} loads {label}, which {shown_name(unit)} never reads '
        "(nor did any earlier run of that line in this process): "
        f'remove "{path}" from .{method}(), unless a branch this request did not take reads it '
        "(another user, a permission, a setting)."
    )
    finding = _finding(UNUSED_EAGER_LOAD, site, 1, hint)
    return replace(finding, relation=label, built_at=built_at)


def budget_hint(unit: Unit, budget: int, repeats: bool) -> str:
    """``repeats``: the unit has N+1s or duplicates, which come first to fix."""
    first = (
        "fix the N+1s and duplicates above"
        if repeats
        else "no query repeats: see which ones the page could do without (the debug toolbar's "
        "SQL panel lists them) or cache"
    )
    return (
        f"{shown_name(unit)} ran {unit.count} queries, over the budget of {budget}: "
        f'{first}, or raise GUARDRAILS["QUERY_BUDGET"].'
    )


def _unit_finding(kind: FindingKind, count: int, hint: str) -> Finding:
    """A finding of the whole unit (over budget, slow): no query, no place."""
    return Finding(kind=kind, count=count, hint=hint)
