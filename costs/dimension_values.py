"""The distinct values of each filterable dimension in a workspace, fast enough for every page view.

They come from ``CostDimensionValue``: the distinct values of each column per integration, rebuilt in
the transaction that replaces the integration's line items (``costs.writes.refresh_cost_summaries``).
Reading them is one small index scan, whatever the number of line items.

An integration whose line items were written without that hook (no ``CostSummaryState``) is read
from its line items instead: a "loose index scan" of the ``(integration_id, <column>)`` indexes (for
each integration, the smallest value, then the smallest one greater than that, and so on, written as
a recursive CTE; PostgreSQL and SQLite alike), costing (integrations x distinct values) index probes.
Both parts are ONE statement; with every integration maintained, the scan has nothing to walk.

With every integration maintained, the values are cached (Django's cache) under a key naming each
integration of the workspace and when its values were last rebuilt (``CostSummaryState.updated_at``,
read by one small query with the billing accounts' names): an import, a new or removed integration
changes the key, so a cached answer is never stale, whichever process rebuilt the values.

Usage units are normalised after reading with ``normalise_unit`` (the twin of the SQL expression
reports group by; a test keeps the two in step).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from django.core.cache import cache
from django.db import connection

from .dimensions import normalise_unit
from .models import CostDimensionValue, CostLineItem, CostSummaryState, integration_model

# dimension key -> CostLineItem column; each needs an index starting (integration_id, column) for the
# scan, and is kept in CostDimensionValue under the same key (costs.writes.DIMENSION_VALUE_COLUMNS).
SCANNED_COLUMNS = {
    "account_id": "account_id",
    "service": "service",
    "charge_type": "charge_type",
    "category": "category",
    "usage_unit": "usage_unit",
}


def _sql(qn) -> str:
    table = qn(CostLineItem._meta.db_table)
    integration_field = CostLineItem._meta.get_field("integration")
    integration = qn(integration_field.column)
    integrations = integration_model()
    through = integrations._meta.get_field("workspaces").remote_field.through
    through_integration = qn(through._meta.get_field("integration").column)
    through_workspace = qn(through._meta.get_field("workspace").column)
    state_table = qn(CostSummaryState._meta.db_table)
    state_integration = qn(CostSummaryState._meta.get_field("integration").column)
    values_table = qn(CostDimensionValue._meta.db_table)
    ctes = [
        f"ws_integrations(iid) AS (SELECT {through_integration} FROM {qn(through._meta.db_table)} "
        f"WHERE {through_workspace} = %s)",
        # integrations whose values are not maintained: read from their line items
        f"unmaintained(iid) AS (SELECT iid FROM ws_integrations WHERE NOT EXISTS "
        f"(SELECT 1 FROM {state_table} s WHERE s.{state_integration} = ws_integrations.iid))",
    ]
    selects = []
    for key, column in SCANNED_COLUMNS.items():
        col, cte = qn(column), f"scan_{key}"
        ctes.append(
            f"{cte}(iid, v) AS ("
            f"SELECT iid, (SELECT MIN({col}) FROM {table} WHERE {integration} = unmaintained.iid) FROM unmaintained "
            f"UNION ALL "
            f"SELECT iid, (SELECT MIN({col}) FROM {table} WHERE {integration} = {cte}.iid AND {col} > {cte}.v) "
            f"FROM {cte} WHERE v IS NOT NULL)"
        )
        selects.append(f"SELECT DISTINCT 1, '{key}', v FROM {cte} WHERE v IS NOT NULL")
    dv_integration = qn(CostDimensionValue._meta.get_field("integration").column)
    selects.append(
        f"SELECT DISTINCT 0, {qn('dimension')}, {qn('value')} FROM {values_table} "
        f"WHERE {dv_integration} IN (SELECT iid FROM ws_integrations)"
    )
    pk, name = qn(integrations._meta.pk.column), qn(integrations._meta.get_field("account_name").column)
    selects.append(
        f"SELECT 0, 'billing_account', i.{name} FROM {qn(integrations._meta.db_table)} i "
        f"WHERE i.{pk} IN (SELECT iid FROM ws_integrations) "
        f"AND EXISTS (SELECT 1 FROM {table} WHERE {integration} = i.{pk})"
    )
    return "WITH RECURSIVE " + ", ".join(ctes) + " " + " UNION ALL ".join(selects)


VALUES_TTL = 24 * 3600  # seconds; the key changes with every import anyway


def read_dimension_values(workspace) -> tuple[dict[str, list[str]], bool]:
    """``(values, maintained)``: the values as ``workspace_dimension_values`` returns them, and whether
    every integration of the workspace that has line items is maintained (none had to be scanned),
    i.e. its monthly summaries add up to its line items (``costs.scoping.workspace_cost_summary``)."""
    members = list(
        integration_model()
        .objects.filter(workspaces=workspace)
        .values_list("pk", "account_name", "cost_summary_state__line_items", "cost_summary_state__updated_at")
        .order_by("pk")
    )
    if all(line_items is not None for _, _, line_items, _ in members):  # every integration maintained
        return _maintained_values(members), True
    return _read_all(workspace)


def _maintained_values(members: list[tuple]) -> dict[str, list[str]]:
    """The values of maintained integrations (``members``: id, account name, line items, rebuilt at)."""
    stamp = "|".join(f"{pk}:{updated.isoformat()}" for pk, _, _, updated in members)
    key = f"costs:dimension-values:{hashlib.sha256(stamp.encode()).hexdigest()}"
    values = cache.get(key)
    if values is None:
        found: dict[str, set[str]] = defaultdict(set)
        rows = CostDimensionValue.objects.filter(integration_id__in=[pk for pk, *_ in members])
        for key_, value in rows.values_list("dimension", "value").distinct().order_by():
            found[key_].add(normalise_unit(value) if key_ == "usage_unit" else value)
        values = {key_: sorted(found[key_]) for key_ in SCANNED_COLUMNS}
        cache.set(key, values, VALUES_TTL)
    billing = sorted({name for _, name, line_items, _ in members if line_items})
    return {"billing_account": billing, **values}


def _read_all(workspace) -> tuple[dict[str, list[str]], bool]:
    found: dict[str, set[str]] = defaultdict(set)
    scanned = False
    with connection.cursor() as cursor:
        cursor.execute(_sql(connection.ops.quote_name), [workspace.pk])
        for from_scan, key, value in cursor.fetchall():
            scanned = scanned or bool(from_scan)
            found[key].add(normalise_unit(value) if key == "usage_unit" else value)
    return {key: sorted(found[key]) for key in ["billing_account", *SCANNED_COLUMNS]}, not scanned


def workspace_dimension_values(workspace) -> dict[str, list[str]]:
    """``{dimension key: sorted distinct values}`` for the line items of ``workspace``'s integrations."""
    return read_dimension_values(workspace)[0]
